"""The lexical side of retrieval: words, language-aware terms, BM25 (bm25s) and term weights.

Names and numbers are where small dense models are weakest; BM25 over stemmed terms finds
them exactly. Each text is analysed in its own language (index/languages.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from index.bm25_library import bm25s as _bm25s
from index.languages import ENGLISH, stemmer, stopwords

if TYPE_CHECKING:
    import bm25s

_TOKEN = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
EMPTY = "\0empty"  # the one term of a text with no terms (bm25s needs one)
# Words that shape an English question but name no subject. Other languages' question
# words are in their stop-word lists.
QUESTION_WORDS = frozenset(
    """
    what which who whom whose when where why how many much does did do done doing is are
    was were be been being the a an of to in on at for from by with about as and or but
    not no there their they them it its this that these those he she his her him i me my
    we our you your can could would should will shall may might must have has had get
    got any some tell say said says know think please pls plz anything something thing
    things also really just still ever than then so if into over after before up out
    more most very s t
    """.split()  # noqa: SIM905 (a word list reads better as text)
)
# A misspelt question word is matched to a corpus term this many edits away, by length.
SPELLING_MIN_LENGTH = 5
SPELLING_LONG = 8  # from this length two edits are allowed, below it one


def words(text: str) -> list[str]:
    """Lower-cased words; thousands separators dropped (50,000 == 50000), possessives cut."""
    found = _TOKEN.findall(_THOUSANDS.sub("", text.casefold()))
    return [w.replace("’", "'").removesuffix("'s") for w in found]


@lru_cache(maxsize=65536)
def _stem(word: str, language: str) -> str:
    return str(stemmer(language).stemWord(word))


def analyse(text: str, language: str = ENGLISH) -> list[str]:
    """The terms BM25 indexes: stemmed words without stop words, in order."""
    stop = stopwords(language)
    return [t for w in words(text) if w not in stop and (t := _stem(w, language))]


def key_words(question: str, language: str = ENGLISH) -> list[str]:
    """The question's subject words (no question or stop words), in order, unique."""
    stop = stopwords(language) | QUESTION_WORDS
    kept = [w for w in words(question) if w not in stop and len(w) > 1]
    return list(dict.fromkeys(kept))


def key_terms(question: str, language: str = ENGLISH) -> list[str]:
    """The stems of the question's subject words, unique."""
    return list(dict.fromkeys(_stem(w, language) for w in key_words(question, language)))


class LexicalIndex:
    """BM25 over a list of texts (passages or sentences), with document frequencies."""

    def __init__(self, bm25: bm25s.BM25):
        self._bm25 = bm25
        self.vocab: dict[str, int] = bm25.vocab_dict
        self.size = int(bm25.scores["num_docs"])
        self._df = np.diff(np.asarray(bm25.scores["indptr"]))  # texts holding each term
        self._by_length: dict[int, list[str]] = {}
        for term in self.vocab:
            self._by_length.setdefault(len(term), []).append(term)

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str]) -> LexicalIndex:
        bm25 = _bm25s().BM25()
        corpus = [analyse(t, lang) or [EMPTY] for t, lang in zip(texts, languages, strict=True)]
        bm25.index(corpus, show_progress=False)
        return cls(bm25)

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        return cls(_bm25s().BM25.load(str(directory), mmap=True, show_progress=False))

    def scores(self, terms: Sequence[str]) -> np.ndarray:
        """BM25 score of every text for these analysed terms (unknown terms score nothing)."""
        known = [t for t in terms if t in self.vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency; a term no text holds gets the rarest term's weight."""
        term_id = self.vocab.get(term)
        df = int(self._df[term_id]) if term_id is not None else 0
        return math.log(1.0 + self.size / max(df, 1))

    def knows(self, term: str) -> bool:
        return term in self.vocab

    def correct(self, term: str) -> str:
        """The corpus term a misspelt question term stands for ("okonju" -> "okonjo"),
        or the term itself: one edit for words of 5-7 letters, two from 8, best df wins."""
        if term in self.vocab or len(term) < SPELLING_MIN_LENGTH:
            return term
        allowed = 2 if len(term) >= SPELLING_LONG else 1
        near = [
            other
            for length in range(len(term) - allowed, len(term) + allowed + 1)
            for other in self._by_length.get(length, ())
        ]
        found = process.extract(
            term, near, scorer=Levenshtein.distance, score_cutoff=allowed, limit=8
        )
        if not found:
            return term
        best = min(found, key=lambda f: (f[1], -int(self._df[self.vocab[f[0]]]), f[0]))
        return str(best[0])
