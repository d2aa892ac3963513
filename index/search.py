"""Retrieval over a built index: candidates and signals (index/signals.py), one fitted ranker
(index/ranker.py), the answering sentence of each passage, and a confidence that the best
passage answers at all (index/answerability.py). Every question takes the same stages.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answerability import (
    Answerability,
    Calibration,
    minilm_reads,
    raw_evidence,
    relative_evidence,
)
from index.embedder import Embedder
from index.encoding import Encoders
from index.errors import IndexCorrupt, IndexMismatch
from index.fields import FIELDS, FieldStats, stats_path, store_path
from index.languages import ENGLISH
from index.lexical import LexicalIndex, analyse
from index.passages import Passage, Sentence
from index.ranker import Ranker
from index.signals import Candidates, Query, SignalSource
from index.store import FaissStore, Manifest

logger = logging.getLogger(__name__)

PASSAGES = "passages.jsonl"
LEXICAL = "bm25"
SENTENCE_LEXICAL = "bm25.sentences"
ARTICLE_LEXICAL = "bm25.articles"
CALIBRATION = "calibration.json"
# The answering sentence: the sentence ranker's z-score plus this times the share of the
# question's IDF weight a sentence holds (0..1). Never worse than the ranker alone on any
# labelled set, better on two (bench/answer_line.py, "sentence holds").
HIGHLIGHT_TERMS = 1.0


@dataclass(frozen=True)
class Hit:
    passage: Passage
    row: int
    score: float  # the ranker's score (comparable within one question)
    highlight: Sentence  # the sentence of the passage that best answers the question
    signals: Mapping[str, float]  # the passage's signals, for evaluation and explanation


@dataclass(frozen=True)
class Retrieval:
    question: str  # what was searched (a follow-up carries the question before it)
    hits: list[Hit]  # best first
    confidence: float  # probability that hits[0] answers; NaN before calibration
    language: str = ENGLISH
    evidence: Mapping[str, float] | None = None  # the answerability signals
    minilm_read: bool = True  # MiniLM read the question and the best passage: the English judge

    @property
    def raw(self) -> Mapping[str, float]:
        return self.evidence or {}


class SearchIndex:
    """A built index loaded for serving: passages, dense fields, BM25, calibration."""

    def __init__(
        self,
        directory: Path,
        manifest: Manifest,
        passages: list[Passage],
        source: SignalSource,
        calibration: Calibration | None,
    ):
        self.directory = directory
        self.manifest = manifest
        self.passages = passages
        self.source = source
        self.calibration = calibration
        self.languages = frozenset(p.language for p in passages)

    @classmethod
    def load(cls, directory: Path, encoders: Encoders | Embedder | None = None) -> SearchIndex:
        """Load and check an index; raise IndexNotFound / IndexCorrupt / IndexMismatch.

        With `encoders` (or only MiniLM's Embedder), the index must have been built by them.
        """
        real = directory.resolve()  # pin the build: a swap during loading must not mix builds
        manifest = Manifest.read(real) if real.exists() else Manifest.read(directory)
        if encoders is not None:
            check_encoders(directory, manifest, encoders)
        for name, expected in manifest.files.items():
            path = real / name
            if not path.is_file() or path.stat().st_size != expected["bytes"]:
                raise IndexCorrupt(
                    f"{directory}: {name} is missing or truncated; "
                    "rebuild with `newsbot index build`"
                )
        return cls.open(real, manifest)

    @classmethod
    def open(cls, real: Path, manifest: Manifest) -> SearchIndex:
        """Read the files of a build folder (also one not yet published)."""
        try:
            with (real / PASSAGES).open(encoding="utf-8") as handle:
                passages = [Passage.from_dict(json.loads(line)) for line in handle]
            stores = {f.name: FaissStore.load(store_path(real, f)) for f in FIELDS}
            stats = {f.name: FieldStats.load(stats_path(real, f)) for f in FIELDS}
            source = SignalSource(
                passages,
                stores,
                stats,
                LexicalIndex.load(real / LEXICAL),
                LexicalIndex.load(real / SENTENCE_LEXICAL),
                LexicalIndex.load(real / ARTICLE_LEXICAL),
            )
            calibration_file = real / CALIBRATION
            calibration = Calibration.load(calibration_file) if calibration_file.is_file() else None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{real}: index data is damaged ({exc}); rebuild it") from exc
        index = cls(real, manifest, passages, source, calibration)
        logger.info(
            "index loaded: %d passages from %d articles, built %s",
            len(passages),
            len(manifest.articles),
            manifest.built_at or "now",
        )
        return index


def check_encoders(directory: Path, manifest: Manifest, encoders: Encoders | Embedder) -> None:
    """Raise IndexMismatch unless the index at `directory` was built by these encoders."""
    english = encoders.minilm if isinstance(encoders, Encoders) else encoders
    if (manifest.model, manifest.dim) != (english.name, english.dim):
        raise IndexMismatch(
            f"{directory} was built with {manifest.model} ({manifest.dim}-d) but the "
            f"configured model is {english.name} ({english.dim}-d); rebuild with "
            "`newsbot index build` or set NEWSBOT_MODEL to match"
        )
    if isinstance(encoders, Encoders) and manifest.multilingual != encoders.e5.name:
        raise IndexMismatch(
            f"{directory} was built with {manifest.multilingual}, not {encoders.e5.name}; "
            "rebuild with `newsbot index build`"
        )


class Retriever:
    """Question(s) -> Retrieval: ranked hits with highlights, and a confidence."""

    def __init__(
        self,
        index: SearchIndex,
        encoders: Encoders,
        ranker: Ranker | None = None,
        answerability: Answerability | None = None,
    ):
        self.index = index
        self.encoders = encoders
        self.ranker = ranker or Ranker.load()
        self.answerability = answerability

    def retrieve(self, query: Query, k: int = 10) -> Retrieval:
        return self.retrieve_many([query], k)[0]

    def retrieve_many(self, queries: Sequence[Query], k: int = 10) -> list[Retrieval]:
        """Rank passages for several questions, encoding them in one batch per encoder."""
        if not queries:
            return []
        vectors = self.encoders.queries([q.text for q in queries])
        found = []
        for i, query in enumerate(queries):
            candidates = self.index.source.gather(query, {e: v[i] for e, v in vectors.items()})
            found.append(self._rank(query, candidates, k))
        return found

    def candidates(self, query: Query) -> Candidates:
        """The signals of one question's candidates (for fitting and evaluation)."""
        vectors = self.encoders.queries([query.text])
        return self.index.source.gather(query, {e: v[0] for e, v in vectors.items()})

    def _rank(self, query: Query, candidates: Candidates, k: int) -> Retrieval:
        scores = self.ranker.passage.score(candidates.features)
        order = np.argsort(-scores, kind="stable")
        hits = [self._hit(candidates, int(j), float(scores[j])) for j in order[:k]]
        evidence: dict[str, float] | None = None
        confidence = float("nan")
        english = query.language == ENGLISH
        if len(order):
            raw = raw_evidence(candidates, float(scores[order[0]]), int(order[0]))
            evidence = raw
            calibration = self.index.calibration
            best = hits[0].passage.language
            english = minilm_reads(query.language, best)
            if calibration is not None and self.answerability is not None:
                lexical = query.language in self.index.languages
                same = query.language == best
                evidence = relative_evidence(raw, calibration, english, lexical, same)
                confidence = self.answerability.confidence(evidence, english)
        return Retrieval(query.text, hits, confidence, query.language, evidence, english)

    def _hit(self, candidates: Candidates, j: int, score: float) -> Hit:
        """The passage as a hit, with its answering sentence: the sentence ranker's choice,
        swayed by how much of the question's term weight (IDF) each sentence holds, so
        that "how much does it spend" marks the sentence with "spends", not its neighbour."""
        row = int(candidates.rows[j])
        passage = self.index.passages[row]
        sentence_scores = self.ranker.sentence.score(candidates.sentence_features[j])
        spread = float(np.std(sentence_scores)) if len(sentence_scores) > 1 else 0.0
        if spread > 0 and candidates.terms:
            lexical = self.index.source.sentence_lexical
            weight = {t: lexical.idf(t) for t in candidates.terms}
            total = sum(weight.values()) or 1.0
            said = [set(analyse(s.text, passage.language)) for s in passage.sentences]
            held = [sum(w for t, w in weight.items() if t in terms) for terms in said]
            z = (sentence_scores - np.mean(sentence_scores)) / spread
            sentence_scores = z + HIGHLIGHT_TERMS * np.asarray(held) / total
        highlight = passage.sentences[int(np.argmax(sentence_scores))]
        signals = {name: float(values[j]) for name, values in candidates.features.items()}
        return Hit(passage, row, score, highlight, signals)
