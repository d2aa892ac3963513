"""Deciding that the articles do not answer a question, from calibrated retrieval signals.

No single score separates answerable from unanswerable questions (a question about
Wagner's helicopters is as close to the article as a paraphrased real one), so a small
logistic model combines: dense similarity, lexical agreement, and whether the question's
key terms occur in the best passage and in the corpus at all. `bench/calibrate.py` fits it on
labelled questions and writes `abstention.json`; the fit is reproducible from that script.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from index.search import Retrieval

logger = logging.getLogger(__name__)

CALIBRATION = Path(__file__).with_name("abstention.json")
FEATURES = ("dense", "coverage", "min_support", "mean_support", "type_missing", "unknown_name")

_SMALL_TALK_PHRASES = (
    r"hi|hello|hey|hiya|yo|howdy|greetings|good (?:morning|afternoon|evening|night|day)|"
    r"thanks?(?: you)?(?: (?:so|very) much)?|thx|ty|cheers|bye|goodbye|see you|ok(?:ay)?|cool|"
    r"nice|great|lol|how are you(?: doing)?|what'?s up|sup|who are you|what are you|"
    r"привет|здравствуй(?:те)?|доброе утро|добрый (?:день|вечер)|спасибо|пока|как дела|"
    r"привіт|дякую|добрий (?:день|вечір)|hallo|guten (?:morgen|tag|abend)|danke|hola|"
    r"buen(?:os|as) (?:d[ií]as|tardes|noches)|gracias|adi[oó]s|there|bot|everyone|all|again|"
    r"friend|mate"
)
_SMALL_TALK = re.compile(
    rf"^(?:{_SMALL_TALK_PHRASES})(?: (?:{_SMALL_TALK_PHRASES}))*$", re.IGNORECASE
)


def is_small_talk(question: str) -> bool:
    """Greetings, thanks and chit-chat: answered kindly, never searched for."""
    words = re.sub(r"[^\w\s']+", " ", question).split()
    words = [w for w in words if not w.startswith("@")]
    return bool(words) and bool(_SMALL_TALK.match(" ".join(words)))


def features(retrieval: Retrieval) -> dict[str, float]:
    """The signals the decision uses, for the best hit of a retrieval."""
    top = retrieval.hits[0]
    support = [s.similarity for s in retrieval.support]
    return {
        "dense": top.dense,
        "coverage": top.coverage,
        "min_support": min(support, default=0.0),
        "mean_support": sum(support) / len(support) if support else 0.0,
        "type_missing": float(retrieval.answer_type is not None and not top.offers_type),
        "unknown_name": float(bool(retrieval.unknown_names)),
    }


@dataclass(frozen=True)
class Abstainer:
    """p(answerable) = sigmoid(w . features + b); abstain below `threshold`."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    # Below this similarity nothing in the articles is even about the question's subject.
    min_dense: float = 0.0
    # ...below weak_dense, one covering less than weak_coverage of the question's words.
    weak_coverage: float = 0.0
    weak_dense: float = 0.0
    # ...and below this one, a passage holding none of the question's words at all.
    none_dense: float = 0.0
    # Questions not in English: only the multilingual encoder's similarity is there to judge.
    multilingual_threshold: float = 0.0
    model: str = ""
    note: str = ""

    def probability(self, retrieval: Retrieval) -> float:
        if not retrieval.hits:
            return 0.0
        values = features(retrieval)
        z = self.bias + sum(self.weights.get(name, 0.0) * values[name] for name in FEATURES)
        return 1 / (1 + math.exp(-z))

    def abstains(self, retrieval: Retrieval) -> bool:
        if not retrieval.hits:
            return True
        if retrieval.multilingual:
            return retrieval.hits[0].dense < self.multilingual_threshold
        top = retrieval.hits[0]
        if top.dense < self.min_dense:
            return True
        if top.coverage < self.weak_coverage and top.dense < self.weak_dense:
            return True
        if top.coverage == 0 and top.dense < self.none_dense:
            return True
        return self.probability(retrieval) < self.threshold

    def save(self, path: Path = CALIBRATION) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = CALIBRATION, model: str | None = None) -> Abstainer:
        data = json.loads(path.read_text(encoding="utf-8"))
        abstainer = cls(**data)
        if model and abstainer.model and model != abstainer.model:
            logger.warning(
                "abstention was calibrated for %s, not %s: recalibrate with bench/calibrate.py",
                abstainer.model,
                model,
            )
        return abstainer
