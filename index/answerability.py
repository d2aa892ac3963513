"""Whether the articles answer a question at all: a confidence from signals that mean the same
on any corpus.

Each signal of the best candidates is read against the corpus's own baseline, the scores
that questions it cannot answer get from it (index/calibration.py, computed at every build):
a best cosine of 0.80 is unremarkable for a corpus where off-topic questions reach 0.79 and
striking for one where they reach 0.40. With term coverage, unknown terms and the kind of
answer offered, a logistic model fitted on labelled questions about many articles
(`bench/fit.py`, whole articles held out; `index/data/answerability.json`) gives the
probability that the best passage answers. Below the fitted threshold the reply is
"not covered".
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.fields import FIELDS, MINILM
from index.languages import ENGLISH
from index.ranker import LinearModel
from index.signals import Candidates

WEIGHTS = Path(__file__).with_name("data") / "answerability.json"
SCORE, SCORE_FOREIGN = "score", "score.foreign"  # the ranker's best score, by question kind
EVIDENCE = (*(f.name for f in FIELDS), SCORE, "coverage", "unknown", "type")


@dataclass(frozen=True)
class Baseline:
    """How one signal is distributed over questions the corpus cannot answer."""

    mean: float
    std: float

    def relative(self, value: float) -> float:
        return (value - self.mean) / max(self.std, 1e-6)


@dataclass(frozen=True)
class Calibration:
    """The corpus's own baselines, keyed by signal; stored in the index folder."""

    baselines: Mapping[str, Baseline]
    corpus_hash: str
    probes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "corpus_hash": self.corpus_hash,
            "probes": self.probes,
            "baselines": {
                k: {"mean": round(b.mean, 6), "std": round(b.std, 6)}
                for k, b in self.baselines.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        baselines = {k: Baseline(v["mean"], v["std"]) for k, v in data["baselines"].items()}
        return cls(baselines, data["corpus_hash"], int(data["probes"]))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))


def raw_evidence(candidates: Candidates, best_score: float, top: int) -> dict[str, float]:
    """The signals of a question before they are read against the baseline."""
    raw = {f.name: float(candidates.raw[f.name].max()) for f in FIELDS}
    raw[SCORE] = best_score
    raw["coverage"] = float(candidates.features["coverage"][top])
    raw["unknown"] = candidates.unknown
    raw["type"] = float(candidates.features["type"][top])
    return raw


def minilm_reads(question_language: str, passage_language: str) -> bool:
    """Whether MiniLM (English only) reads both the question and the best passage: only
    then do its signals mean anything, and the English judge decides; an English question
    about a Russian article is judged on e5's signals, as a Russian one is."""
    return question_language == ENGLISH == passage_language


# e5 reads a question and a passage in one language closer than a question and its
# translation: for the judge of the pairs MiniLM cannot read, e5's signals and the score are
# read against probes that paired with their best passage the same way (index/calibration.py).
SAME, CROSS = "same", "cross"
PAIRED = (*(f.name for f in FIELDS if f.encoder != MINILM), SCORE)


def paired(name: str, same_language: bool) -> str:
    """The baseline key of a signal among pairs of one kind: same language or across."""
    return f"{name}|{SAME if same_language else CROSS}"


def relative_evidence(
    raw: Mapping[str, float],
    calibration: Calibration,
    english: bool,
    lexical: bool,
    same_language: bool = True,
) -> dict[str, float]:
    """Raw signals as distances from the corpus's baseline, in its standard deviations.

    `english`: MiniLM read the pair (minilm_reads; else its signals are unknown, NaN);
    `lexical`: the corpus holds text in the question's language (else term signals are
    unknown too); `same_language`: the question and the best passage share a language.
    """
    baselines = calibration.baselines

    def baseline(name: str) -> Baseline:
        if english:
            return baselines[name]
        pooled = baselines[SCORE_FOREIGN if name == SCORE else name]
        return baselines.get(paired(name, same_language), pooled)

    found = {}
    for f in FIELDS:
        readable = english or f.encoder != MINILM
        found[f.name] = baseline(f.name).relative(raw[f.name]) if readable else math.nan
    found[SCORE] = baseline(SCORE).relative(raw[SCORE])
    for name in ("coverage", "unknown"):
        found[name] = raw[name] if lexical else math.nan
    found["type"] = raw["type"]
    return found


ENGLISH_MODEL, OTHER_MODEL = "en", "other"  # pairs MiniLM reads, and the rest (e5 only)
E5_EVIDENCE = tuple(n for n in EVIDENCE if not n.startswith("minilm."))


@dataclass(frozen=True)
class Judge:
    """P(the best passage answers) = sigmoid(weights · evidence + bias), and its threshold."""

    model: LinearModel
    bias: float
    threshold: float  # answer at or above this confidence

    def confidence(self, evidence: Mapping[str, float]) -> float:
        columns = {k: np.array([v]) for k, v in evidence.items()}
        logit = float(self.model.score(columns)[0]) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.to_dict(),
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 6),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Judge:
        return cls(
            LinearModel.from_dict(data["model"]), float(data["bias"]), float(data["threshold"])
        )


@dataclass(frozen=True)
class Answerability:
    """One judge for English questions (all signals) and one for the others (e5's only)."""

    judges: Mapping[str, Judge]
    fitted: Mapping[str, Any]

    def judge(self, english: bool) -> Judge:
        return self.judges[ENGLISH_MODEL if english else OTHER_MODEL]

    def confidence(self, evidence: Mapping[str, float], english: bool = True) -> float:
        return self.judge(english).confidence(evidence)

    def threshold(self, english: bool = True) -> float:
        return self.judge(english).threshold

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Answerability:
        data = json.loads(path.read_text(encoding="utf-8"))
        judges = {name: Judge.from_dict(j) for name, j in data["judges"].items()}
        return cls(judges, data.get("fitted", {}))

    def save(self, path: Path = WEIGHTS) -> None:
        data = {
            "judges": {name: j.to_dict() for name, j in self.judges.items()},
            "fitted": dict(self.fitted),
        }
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
