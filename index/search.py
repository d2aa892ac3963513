"""Hybrid retrieval over a built index: dense (passages and sentences) fused with BM25.

Returns ranked hits with the sentence that best answers the question, and the signals the
answering core uses to decide whether the articles cover the question at all.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.answertype import DATE, PLACE, expected_type, focus_text, offers
from index.builder import (
    LEXICAL,
    MULTILINGUAL_PASSAGES,
    MULTILINGUAL_SENTENCES,
    PASSAGE_VECTORS,
    PASSAGES,
    SENTENCE_VECTORS,
)
from index.embedder import Embedder
from index.lexical import QUESTION_WORDS, LexicalIndex, analyse, key_words, stem, words
from index.passages import Passage, Sentence
from index.store import FaissStore, IndexCorrupt, IndexMismatch, Manifest
from index.vocabulary import TermSupport, Vocabulary

logger = logging.getLogger(__name__)

CANDIDATES = 20  # per ranker, before fusion
MAX_CACHED_WORDS = 50_000  # question words whose corpus support is remembered
LEXICAL_WEIGHT = 0.2  # share of the fused score that comes from BM25
EXPAND = 0.6  # cosine from which a corpus word stands in for an unknown question word
CONTEXT_WEIGHT = 0.5  # lexical weight of a follow-up's context terms
# A capitalised word that does not start the question (nor follow "?"/"."): a name.
_NAME = re.compile(r"(?<!^)(?<![.?!] )(?<![.?!])\b[A-Z][a-z]+(?:[-’'][A-Za-z]+)?\b")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
_ACRONYM = re.compile(r"\b[A-Z]{2,5}\b")  # "EU", "NATO"; "U.S." is not one (dotted)
# Verbs that say little of what is asked: "where did Zelensky *go*?" is about Zelensky.
_LIGHT = frozenset(
    "go goes went gone going come came get gets make made take took happen happened".split()  # noqa: SIM905
)
TYPE_BONUS = 0.06  # score added to a passage offering the kind of answer asked for
FAMILY_PREFIX = 5  # letters a stem shares with another of its word family ("found", "founder")
SENTENCE_MIX = 0.0  # dense score = mix of the passage's cosine and its best sentence's


@dataclass(frozen=True)
class Hit:
    passage: Passage
    row: int
    score: float  # fused, used for ranking
    dense: float  # best cosine of the passage or one of its sentences
    lexical: float  # BM25 relative to the best BM25 score for this question
    highlight: Sentence  # the sentence that best answers the question
    coverage: float  # share of the question's key words (or close synonyms) in the passage
    offers_type: bool  # a sentence holds the kind of answer asked for, about the question's focus


@dataclass(frozen=True)
class Retrieval:
    question: str  # what was searched for (the question, with its context for a follow-up)
    hits: list[Hit]  # best first
    support: tuple[TermSupport, ...]  # how the corpus covers each key word of the question
    answer_type: str | None  # number, date, person, place, age, or None
    unknown_names: tuple[str, ...]  # capitalised names in the question the corpus never mentions
    multilingual: bool = False  # found by the multilingual encoder (question not in English)


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
        vocabulary: Vocabulary,
        multilingual: tuple[FaissStore, FaissStore] | None = None,
    ):
        self.directory = directory
        self.vocabulary = vocabulary
        self.multilingual = multilingual  # (passage store, sentence store) or None
        self.passage_terms = [set(analyse(p.text)) for p in passages]
        self.sentence_terms = [set(analyse(s.text)) for p in passages for s in p.sentences]
        self.manifest = manifest
        self.passages = passages
        self.passage_store = passage_store
        self.sentence_store = sentence_store
        self.lexical = lexical
        owners = [row for row, p in enumerate(passages) for _ in p.sentences]
        self.sentence_owner = np.asarray(owners, dtype=np.int64)
        first = np.cumsum([0] + [len(p.sentences) for p in passages])
        self.first_sentence = first
        self.names = _names(s.text for p in passages for s in p.sentences)
        self.dotted = {m.replace(".", "") for p in passages for m in _DOTTED.findall(p.text)}

    def is_topic_word(self, word: str) -> bool:
        """Whether the articles use `word` (any form of it), and not as a name."""
        return self.vocabulary.knows(word) and stem([word])[0] not in self.names

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
                    f"{directory}: {name} is missing or truncated; "
                    "rebuild with `newsbot index build`"
                )
        try:
            with (real / PASSAGES).open(encoding="utf-8") as handle:
                passages = [Passage.from_dict(json.loads(line)) for line in handle]
            lexical = LexicalIndex.load(real / LEXICAL)
            vocabulary = Vocabulary.load(real)
            multilingual = (
                (
                    FaissStore.load(real / MULTILINGUAL_PASSAGES),
                    FaissStore.load(real / MULTILINGUAL_SENTENCES),
                )
                if manifest.multilingual
                else None
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorrupt(f"{directory}: passage data is damaged ({exc}); rebuild it") from exc
        index = cls(
            real,
            manifest,
            passages,
            FaissStore.load(real / PASSAGE_VECTORS),
            FaissStore.load(real / SENTENCE_VECTORS),
            lexical,
            vocabulary,
            multilingual,
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
    """Embed questions (and their unknown words), search both rankers, fuse, pick highlights."""

    def __init__(self, index: SearchIndex, embedder: Embedder):
        self.index = index
        self.embedder = embedder
        # How the corpus supports each question word seen so far (a word's vector and its
        # nearest corpus word depend only on the word): people reuse words, the model need not.
        self._support: dict[str, TermSupport] = {}

    def retrieve(self, question: str, k: int = 10, context: str | None = None) -> Retrieval:
        return self.retrieve_many([(question, context)], k)[0]

    def retrieve_many(
        self, queries: Sequence[tuple[str, str | None]], k: int = 10
    ) -> list[Retrieval]:
        """Retrieve for several (question, context) pairs with one call to the model.

        The context is the previous question of a follow-up: it steers the meaning of the
        search, at half the lexical weight of the question's own words.
        """
        vocabulary = self.index.vocabulary
        texts = [f"{c} {q}" if c else q for q, c in queries]
        words = [key_words(t) for t in texts]
        support: dict[str, TermSupport] = {}
        for word in (w for ws in words for w in ws):
            if (found := self._support.get(word)) is not None:
                support[word] = found
        new = list(dict.fromkeys(w for ws in words for w in ws if w not in support))
        unknown = [w for w in new if not vocabulary.knows(w)]
        vectors = self.embedder.embed(texts + unknown)
        word_vectors = dict(zip(unknown, vectors[len(texts) :], strict=True))
        if len(self._support) + len(new) > MAX_CACHED_WORDS:
            self._support.clear()
        for word in new:
            support[word] = self._support[word] = vocabulary.support(word, word_vectors.get(word))
        return [
            self._retrieve(question, context, vectors[i], [support[w] for w in words[i]], k)
            for i, (question, context) in enumerate(queries)
        ]

    def retrieve_multilingual(
        self, queries: Sequence[tuple[str, str | None]], vectors: np.ndarray, k: int = 10
    ) -> list[Retrieval]:
        """Retrieval for questions not in English, from their multilingual-encoder vectors
        (computed by the caller with the encoder the index was built with)."""
        stores = self.index.multilingual
        if stores is None:
            raise IndexMismatch("this index has no multilingual vectors; rebuild it")
        passages, sentences = stores
        results = []
        for (question, context), vector in zip(queries, vectors, strict=True):
            hits = []
            for row, score in passages.search(vector.reshape(1, -1), k)[0]:
                passage = self.index.passages[row]
                first = int(self.index.first_sentence[row])
                cosines = sentences.vectors(range(first, first + len(passage.sentences))) @ vector
                highlight = passage.sentences[int(np.argmax(cosines))]
                hits.append(Hit(passage, row, score, score, 0.0, highlight, 0.0, True))
            kind = expected_type(question) or (expected_type(context) if context else None)
            results.append(Retrieval(question, hits, (), kind, (), multilingual=True))
        return results

    def _retrieve(
        self,
        question: str,
        context: str | None,
        vector: np.ndarray,
        support: list[TermSupport],
        k: int,
    ) -> Retrieval:
        index = self.index
        query = vector.reshape(1, -1)
        candidates = {row for row, _ in index.passage_store.search(query, CANDIDATES)[0]}
        for row, _ in index.sentence_store.search(query, CANDIDATES)[0]:
            candidates.add(int(index.sentence_owner[row]))

        # BM25 on the question's own terms plus close corpus words for the unknown ones.
        terms = analyse(question)
        weights = [1.0] * len(terms)
        for term in analyse(context or ""):
            if term not in terms:
                terms.append(term)
                weights.append(CONTEXT_WEIGHT)
        for s in support:
            if not s.known and s.similarity >= EXPAND:
                terms.append(stem([s.nearest])[0])
                weights.append(s.similarity)
        bm25 = index.lexical.scores(terms, weights)
        top_lexical = np.argsort(-bm25)[:CANDIDATES]
        best_bm25 = float(bm25[top_lexical[0]]) if len(top_lexical) else 0.0
        candidates |= {int(r) for r in top_lexical if bm25[r] > 0}

        rows = sorted(candidates)
        passage_cos = index.passage_store.vectors(rows) @ vector
        sentence_cos = [self._sentence_cosines(row, vector) for row in rows]
        dense = {
            row: (1 - SENTENCE_MIX) * float(p) + SENTENCE_MIX * float(s.max())
            for row, p, s in zip(rows, passage_cos, sentence_cos, strict=True)
        }

        kind = expected_type(question) or (expected_type(context) if context else None)
        meaning = {
            s.word: s.nearest if s.known or s.similarity >= EXPAND else s.word for s in support
        }
        targets = stem(list(dict.fromkeys(meaning.values())))
        focus_words = key_words(focus_text(question) or "")
        if kind in (PLACE, DATE) and not focus_words:
            # "Where was Prigozhin *born*?": the place must come with what the question asks
            # about, not merely near the name it asks about.
            named = index.names | set(stem([n.casefold() for n in _NAME.findall(question)]))
            focus_words = [
                w for w in key_words(question) if stem([w])[0] not in named and w not in _LIGHT
            ]
        focus = set(stem([meaning.get(w, w) for w in focus_words]))
        hits = []
        for row in candidates:
            lexical = float(bm25[row]) / best_bm25 if best_bm25 > 0 else 0.0
            passage = index.passages[row]
            first = int(index.first_sentence[row])
            offers_type = any(
                offers(s.text, kind, s.speaker is not None)
                and (not focus or _shares_family(focus, index.sentence_terms[first + i]))
                for i, s in enumerate(passage.sentences)
            )
            score = (1 - LEXICAL_WEIGHT) * dense[row] + LEXICAL_WEIGHT * lexical
            if kind is not None and offers_type:
                score += TYPE_BONUS
            hits.append(
                Hit(
                    passage=passage,
                    row=row,
                    score=score,
                    dense=dense[row],
                    lexical=lexical,
                    highlight=self._highlight(row, sentence_cos[rows.index(row)], targets, kind),
                    coverage=_coverage(targets, len(support), index.passage_terms[row]),
                    offers_type=offers_type,
                )
            )
        hits.sort(key=lambda h: h.score, reverse=True)
        return Retrieval(question, hits[:k], tuple(support), kind, self._unknown_names(question))

    def _unknown_names(self, question: str) -> tuple[str, ...]:
        """Names the question gives that the corpus lacks ("Mali", "Iranian", "EU"): a sign
        that the articles are about something else. Shouting questions have no names to read."""
        if question.isupper():
            return ()
        vocabulary = self.index.vocabulary
        return tuple(
            name
            for name in _NAME.findall(question) + _ACRONYM.findall(question)
            if name not in self.index.dotted  # "US" is the corpus's "U.S."
            and not vocabulary.knows(name.casefold())
            and not vocabulary.spelling(name.casefold())
        )

    def _sentence_cosines(self, row: int, vector: np.ndarray) -> np.ndarray:
        first = int(self.index.first_sentence[row])
        count = len(self.index.passages[row].sentences)
        return self.index.sentence_store.vectors(range(first, first + count)) @ vector

    def _highlight(
        self, row: int, cosines: np.ndarray, targets: Sequence[str], kind: str | None
    ) -> Sentence:
        """The sentence that answers: closest in meaning, holding the key words and answer type."""
        sentences = self.index.passages[row].sentences
        first = int(self.index.first_sentence[row])
        scores = [
            float(c)
            + 0.2 * _coverage(targets, len(targets), self.index.sentence_terms[first + i])
            + 0.1 * offers(s.text, kind, s.speaker is not None)
            for i, (c, s) in enumerate(zip(cosines, sentences, strict=True))
        ]
        return sentences[int(np.argmax(scores))]


def _names(sentences: Iterable[str]) -> frozenset[str]:
    """Stems of the words the corpus only ever writes capitalised (and not only first in a
    sentence): names such as Wagner or Bakhmut, not topic words."""
    capitalised: set[str] = set()
    lower: set[str] = set()
    for text in sentences:
        for name in _NAME.findall(text):
            capitalised.update(words(name))
        lower.update(w for w in re.findall(r"\b[a-z][\w’']*", text))
    found = {w for w in capitalised if w not in lower and w not in QUESTION_WORDS}
    return frozenset(stem(sorted(found)))


def _shares_family(focus: set[str], terms: set[str]) -> bool:
    """Whether the sentence holds a focus term or one of its word family ("found": founder)."""
    return bool(focus & terms) or any(
        min(len(f), len(t)) >= FAMILY_PREFIX and (t.startswith(f) or f.startswith(t))
        for f in focus
        for t in terms
    )


def _coverage(targets: Sequence[str], total: int, present: set[str]) -> float:
    return sum(t in present for t in targets) / total if total else 0.0
