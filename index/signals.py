"""Stage 1 and 2 of retrieval: candidate passages for a question, and the signals on each.

Candidates are the union of the best passages by every dense field (index/fields.py) and by
BM25 over passages and sentences. Each candidate then gets the same signals, all relative to
the question's own score distribution over the whole corpus (z-scores), so that a weight
fitted on some articles means the same on any other corpus:

- one per dense field: cosine as a z-score (sentence fields: the passage's best sentence);
- BM25 of the passage and of its best sentence, as z-scores;
- coverage: the IDF-weighted share of the question's key terms in the passage; title: the
  same share in the article's title (the same for every passage of one article);
- type: +1 when the question asks for a kind of answer (a number, a date, a person, a
  place) and a sentence of the passage holds one, -1 when none does, 0 when it asks none;
- lede: 1 / paragraph number (news puts the main facts first).

Pairs an encoder cannot read (MiniLM on a question or passage not in English, BM25 across
languages) take the stand-in signal of the multilingual encoder instead (fields.STAND_IN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from index.answertype import expected_type, offers
from index.fields import BY_NAME, FIELDS, MINILM, STAND_IN, FieldStats
from index.languages import ENGLISH
from index.lexical import LexicalIndex, analyse, key_terms
from index.passages import Passage
from index.store import FaissStore

CANDIDATES = 30  # best rows taken from each field and from BM25, before the union
SENTENCE_CANDIDATES = 2 * CANDIDATES  # sentences are finer: more of them per passage
PASSAGE_FEATURES = (
    "minilm.passage",
    "minilm.plain",
    "minilm.sentence",
    "e5.passage",
    "e5.context",
    "e5.sentence",
    "bm25.passage",
    "bm25.sentence",
    "coverage",
    "title",
    "type",
    "lede",
)
SENTENCE_FEATURES = ("minilm.sentence", "e5.sentence", "bm25.sentence", "coverage", "type")
LEXICAL_STAND_IN = {"bm25.passage": "e5.passage", "bm25.sentence": "e5.sentence"}


@dataclass(frozen=True)
class Query:
    """A question as searched: its text (with the previous question for a follow-up)."""

    text: str
    language: str = ENGLISH


@dataclass(frozen=True)
class Candidates:
    """The signals of one question's candidate passages (rows into the index's passages)."""

    rows: np.ndarray  # (n,) passage rows
    features: dict[str, np.ndarray]  # PASSAGE_FEATURES -> (n,)
    sentence_features: list[dict[str, np.ndarray]]  # per candidate: SENTENCE_FEATURES -> (m,)
    raw: dict[str, np.ndarray]  # field -> (n,) cosines (sentence fields: best sentence)
    terms: tuple[str, ...]  # the question's key terms, spelling-corrected
    unknown: float  # IDF-weighted share of those terms no passage holds
    expected: str | None  # the kind of answer asked for
    extra: dict[str, float] = field(default_factory=dict)

    def matrix(self, names: Sequence[str]) -> np.ndarray:
        return np.column_stack([self.features[n] for n in names])


class SignalSource:
    """What the signals are computed from: the loaded index's passages, stores and BM25."""

    def __init__(
        self,
        passages: Sequence[Passage],
        stores: Mapping[str, FaissStore],
        stats: Mapping[str, FieldStats],
        lexical: LexicalIndex,
        sentence_lexical: LexicalIndex,
    ):
        self.passages = passages
        self.stores = stores
        self.stats = stats
        self.lexical = lexical
        self.sentence_lexical = sentence_lexical
        counts = [len(p.sentences) for p in passages]
        self.first_sentence = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.sentence_owner = np.repeat(np.arange(len(passages)), counts)
        self.english = np.array([p.language == ENGLISH for p in passages], dtype=bool)
        self.languages = [p.language for p in passages]

    def gather(self, query: Query, vectors: Mapping[str, np.ndarray]) -> Candidates:
        """Candidates and their signals for one question; `vectors` maps encoder -> (dim,)."""
        language = query.language
        terms = tuple(
            dict.fromkeys(self.lexical.correct(t) for t in key_terms(query.text, language))
        )
        analysed = [self.lexical.correct(t) for t in analyse(query.text, language)]
        bm25 = self.lexical.scores(analysed)
        sentence_bm25 = self.sentence_lexical.scores(analysed)
        rows = self._candidates(vectors, bm25, sentence_bm25)
        spans = [(self.first_sentence[r], self.first_sentence[r + 1]) for r in rows]
        sentence_rows = np.concatenate([np.arange(a, b) for a, b in spans]).astype(np.int64)
        z: dict[str, np.ndarray] = {}
        raw: dict[str, np.ndarray] = {}
        for f in FIELDS:
            q = vectors[f.encoder]
            ids = rows if f.unit == "passage" else sentence_rows
            cos = self.stores[f.name].vectors(ids) @ q
            mean, std = self.stats[f.name].location(q[None, :])
            z[f.name], raw[f.name] = (cos - mean[0]) / std[0], cos
        z["bm25.passage"] = _zscore(bm25, rows)
        z["bm25.sentence"] = _zscore(sentence_bm25, sentence_rows)
        expected = expected_type(query.text)
        weights = {t: self.lexical.idf(t) for t in terms}
        total = sum(weights.values())
        missing = sum(w for t, w in weights.items() if not self.lexical.knows(t))
        unknown = missing / total if total else 0.0
        return self._assemble(
            rows, spans, sentence_rows, z, raw, query, terms, weights, expected, unknown
        )

    def _candidates(
        self, vectors: Mapping[str, np.ndarray], bm25: np.ndarray, sentence_bm25: np.ndarray
    ) -> np.ndarray:
        found: set[int] = set()
        for f in FIELDS:
            k = CANDIDATES if f.unit == "passage" else SENTENCE_CANDIDATES
            hits = self.stores[f.name].search(vectors[f.encoder][None, :], k)[0]
            ids = [i for i, _ in hits]
            found.update(ids if f.unit == "passage" else self.sentence_owner[ids].tolist())
        for scores, owner in ((bm25, None), (sentence_bm25, self.sentence_owner)):
            best = _top(scores, CANDIDATES if owner is None else SENTENCE_CANDIDATES)
            found.update(best.tolist() if owner is None else owner[best].tolist())
        return np.array(sorted(found), dtype=np.int64)

    def _assemble(
        self,
        rows: np.ndarray,
        spans: list[tuple[int, int]],
        sentence_rows: np.ndarray,
        z: dict[str, np.ndarray],
        raw: dict[str, np.ndarray],
        query: Query,
        terms: tuple[str, ...],
        weights: dict[str, float],
        expected: str | None,
        unknown: float,
    ) -> Candidates:
        english_question = query.language == ENGLISH
        total = sum(weights.values())
        offsets = np.concatenate([[0], np.cumsum([b - a for a, b in spans])])
        per_passage: dict[str, list[float]] = {n: [] for n in PASSAGE_FEATURES}
        raw_passage: dict[str, list[float]] = {f.name: [] for f in FIELDS}
        sentences: list[dict[str, np.ndarray]] = []
        for i, row in enumerate(rows):
            passage = self.passages[row]
            lo, hi = int(offsets[i]), int(offsets[i + 1])
            same_language = passage.language == query.language
            readable = english_question and passage.language == ENGLISH
            values = {}
            for f in FIELDS:
                name = f.name if readable or f.encoder != MINILM else STAND_IN[f.name]
                values[f.name] = z[name][i] if BY_NAME[name].unit == "passage" else z[name][lo:hi]
            for lexical, stand_in in LEXICAL_STAND_IN.items():
                source = z[lexical] if same_language else z[stand_in]
                values[lexical] = source[i] if lexical == "bm25.passage" else source[lo:hi]
            cover, title = (
                (
                    _coverage_text(passage.text, passage.language, terms, weights, total),
                    _coverage_text(passage.title, passage.language, terms, weights, total),
                )
                if same_language
                else (np.nan, np.nan)
            )
            kinds = np.array(
                [_offer(s.text, expected, s.speaker is not None) for s in passage.sentences]
            )
            sentence_cover = np.array(
                [
                    _coverage_text(s.text, passage.language, terms, weights, total)
                    if same_language
                    else np.nan
                    for s in passage.sentences
                ]
            )
            sentences.append(
                {
                    "minilm.sentence": values["minilm.sentence"],
                    "e5.sentence": values["e5.sentence"],
                    "bm25.sentence": values["bm25.sentence"],
                    "coverage": sentence_cover,
                    "type": kinds if expected else np.zeros(len(kinds)),
                }
            )
            per_passage["minilm.passage"].append(values["minilm.passage"])
            per_passage["minilm.plain"].append(values["minilm.plain"])
            per_passage["e5.passage"].append(values["e5.passage"])
            per_passage["e5.context"].append(values["e5.context"])
            per_passage["bm25.passage"].append(values["bm25.passage"])
            for name in ("minilm.sentence", "e5.sentence", "bm25.sentence"):
                per_passage[name].append(float(np.max(values[name])))
            per_passage["coverage"].append(cover)
            per_passage["title"].append(title)
            per_passage["type"].append(float(kinds.max()) if expected else 0.0)
            per_passage["lede"].append(1.0 / max(passage.paragraph, 1))
            for f in FIELDS:
                r = raw[f.name]
                raw_passage[f.name].append(float(r[i] if f.unit == "passage" else r[lo:hi].max()))
        return Candidates(
            rows=rows,
            features={n: np.asarray(v, dtype=np.float64) for n, v in per_passage.items()},
            sentence_features=sentences,
            raw={n: np.asarray(v, dtype=np.float64) for n, v in raw_passage.items()},
            terms=terms,
            unknown=unknown,
            expected=expected,
        )


def _zscore(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    std = float(scores.std())
    if std < 1e-9:
        return np.zeros(len(rows))
    return (scores[rows] - float(scores.mean())) / std


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    positive = np.flatnonzero(scores > 0)
    if len(positive) <= k:
        return positive
    return positive[np.argpartition(-scores[positive], k)[:k]]


def _offer(text: str, expected: str | None, has_speaker: bool) -> float:
    if expected is None:
        return 0.0
    return 1.0 if offers(text, expected, has_speaker) else -1.0


@lru_cache(maxsize=65536)
def _terms_of(text: str, language: str) -> frozenset[str]:
    return frozenset(analyse(text, language))


def _coverage_text(
    text: str, language: str, terms: Sequence[str], weights: Mapping[str, float], total: float
) -> float:
    if not total:
        return 0.0
    held = _terms_of(text, language)
    return sum(weights[t] for t in terms if t in held) / total
