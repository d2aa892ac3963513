"""Hybrid retrieval over a built index: dense (passages and sentences) fused with BM25.

Returns ranked hits with the sentence that best answers the question, and the signals the
answering core uses to decide whether the articles cover the question at all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.builder import LEXICAL, PASSAGE_VECTORS, PASSAGES, SENTENCE_VECTORS
from index.embedder import Embedder
from index.lexical import LexicalIndex, analyse, key_terms
from index.passages import Passage, Sentence
from index.store import FaissStore, IndexCorrupt, IndexMismatch, Manifest

logger = logging.getLogger(__name__)

CANDIDATES = 20  # per ranker, before fusion
LEXICAL_WEIGHT = 0.25  # share of the fused score that comes from BM25


@dataclass(frozen=True)
class Hit:
    passage: Passage
    row: int
    score: float  # fused, used for ranking
    dense: float  # best cosine of the passage or one of its sentences
    lexical: float  # BM25 relative to the best BM25 score for this question
    highlight: Sentence  # the sentence that best answers the question
    coverage: float  # share of the question's key terms found in the passage


@dataclass(frozen=True)
class Retrieval:
    question: str
    hits: list[Hit]  # best first
    key_terms: tuple[str, ...]
    unknown_terms: tuple[str, ...]  # key terms that no passage of the corpus contains


class SearchIndex:
    """A built index loaded for serving: passages, vector stores, BM25, manifest."""

    def __init__(
        self,
        directory: Path,
        manifest: Manifest,
        passages: list[Passage],
        passage_store: FaissStore,
        sentence_store: FaissStore,
        lexical: LexicalIndex,
    ):
        self.directory = directory
        self.manifest = manifest
        self.passages = passages
        self.passage_store = passage_store
        self.sentence_store = sentence_store
        self.lexical = lexical
        owners = [row for row, p in enumerate(passages) for _ in p.sentences]
        self.sentence_owner = np.asarray(owners, dtype=np.int64)
        first = np.cumsum([0] + [len(p.sentences) for p in passages])
        self.first_sentence = first

    @classmethod
    def load(cls, directory: Path, embedder: Embedder | None = None) -> SearchIndex:
        """Load and sanity-check an index; raise IndexNotFound/IndexCorrupt/IndexMismatch."""
        real = directory.resolve()  # pin the build: a swap during loading must not mix builds
        manifest = Manifest.read(real) if real.exists() else Manifest.read(directory)
        if embedder is not None and (manifest.model, manifest.dim) != (embedder.name, embedder.dim):
            raise IndexMismatch(
                f"{directory} was built with {manifest.model} ({manifest.dim}-d) but the "
                f"configured model is {embedder.name} ({embedder.dim}-d); rebuild with "
                "`newsbot index build` or set NEWSBOT_MODEL to match"
            )
        for name, expected in manifest.files.items():
            path = real / name
            if not path.is_file() or path.stat().st_size != expected["bytes"]:
                raise IndexCorrupt(
                    f"{directory}: {name} is missing or truncated; rebuild with `newsbot index build`"
                )
        try:
            with (real / PASSAGES).open(encoding="utf-8") as handle:
                passages = [Passage.from_dict(json.loads(line)) for line in handle]
            lexical = LexicalIndex.load(real / LEXICAL)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{directory}: passage data is damaged ({exc}); rebuild it") from exc
        index = cls(
            real,
            manifest,
            passages,
            FaissStore.load(real / PASSAGE_VECTORS),
            FaissStore.load(real / SENTENCE_VECTORS),
            lexical,
        )
        sizes = (len(passages), len(index.passage_store), len(index.sentence_store))
        if sizes != (manifest.passages, manifest.passages, manifest.sentences):
            raise IndexCorrupt(f"{directory}: file sizes disagree with the manifest {sizes}")
        logger.info(
            "index loaded: %d passages from %d articles, %s, built %s",
            len(passages),
            len(manifest.articles),
            manifest.model,
            manifest.built_at,
        )
        return index


class Retriever:
    """Embed the question, search both rankers, fuse, pick highlights."""

    def __init__(self, index: SearchIndex, embedder: Embedder):
        self.index = index
        self.embedder = embedder

    def retrieve(self, question: str, k: int = 5) -> Retrieval:
        return self.retrieve_vector(question, self.embedder.embed([question])[0], k)

    def retrieve_vector(self, question: str, vector: np.ndarray, k: int = 5) -> Retrieval:
        """Retrieval for an already embedded question (lets callers batch the encoding)."""
        index = self.index
        terms = key_terms(question)
        unknown = tuple(t for t in terms if t not in index.lexical.vocab)
        query = vector.reshape(1, -1)

        dense: dict[int, float] = {}
        for row, score in index.passage_store.search(query, CANDIDATES)[0]:
            dense[row] = max(dense.get(row, -1.0), score)
        for row, score in index.sentence_store.search(query, CANDIDATES)[0]:
            owner = int(index.sentence_owner[row])
            dense[owner] = max(dense.get(owner, -1.0), score)

        bm25 = index.lexical.scores(analyse(question))
        top_lexical = np.argsort(-bm25)[:CANDIDATES]
        best_bm25 = float(bm25[top_lexical[0]]) if len(top_lexical) else 0.0
        candidates = set(dense) | {int(r) for r in top_lexical if bm25[r] > 0}
        missing = [r for r in candidates if r not in dense]
        if missing:
            cosines = index.passage_store.vectors(missing) @ vector
            dense.update(zip(missing, (float(c) for c in cosines), strict=True))

        hits = []
        for row in candidates:
            lexical = float(bm25[row]) / best_bm25 if best_bm25 > 0 else 0.0
            score = (1 - LEXICAL_WEIGHT) * dense[row] + LEXICAL_WEIGHT * lexical
            passage = index.passages[row]
            hits.append(
                Hit(
                    passage=passage,
                    row=row,
                    score=score,
                    dense=dense[row],
                    lexical=lexical,
                    highlight=self._highlight(row, vector, terms),
                    coverage=_coverage(terms, passage.text),
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return Retrieval(question, hits[:k], tuple(terms), unknown)

    def _highlight(self, row: int, vector: np.ndarray, terms: Sequence[str]) -> Sentence:
        passage = self.index.passages[row]
        first = int(self.index.first_sentence[row])
        ids = range(first, first + len(passage.sentences))
        cosines = self.index.sentence_store.vectors(ids) @ vector
        scores = [
            float(c) + 0.2 * _coverage(terms, s.text)
            for c, s in zip(cosines, passage.sentences, strict=True)
        ]
        return passage.sentences[int(np.argmax(scores))]


def _coverage(terms: Sequence[str], text: str) -> float:
    if not terms:
        return 0.0
    present = set(analyse(text))
    return sum(t in present for t in terms) / len(terms)
