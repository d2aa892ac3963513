"""Lexical side of retrieval: BM25 (bm25s) over stemmed terms, and term support for abstention.

Names and numbers ("Bakhmut", "$100 million") are where a small dense model is weakest;
BM25 finds them exactly. The same term analysis tells which of a question's key words the
corpus contains at all, one of the signals for saying "not covered".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

# bm25s sets its own logger to DEBUG on import and would print every index build.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_TOKEN = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
# Words that shape a question but carry no subject: they must not count as "missing" terms.
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


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words; thousands separators dropped (50,000 == 50000), possessives cut."""
    found = _TOKEN.findall(_THOUSANDS.sub("", text.casefold()))
    return [w.replace("’", "'").removesuffix("'s") for w in found]


def stem(terms: Sequence[str]) -> list[str]:
    return list(_stemmer().stemWords(list(terms)))


def analyse(text: str) -> list[str]:
    """The terms BM25 indexes: stemmed words without stopwords."""
    return [t for t in stem([w for w in words(text) if w not in STOPWORDS_EN]) if t]


def key_words(question: str) -> list[str]:
    """The question's subject words (no question words), in order, unique."""
    kept = [w for w in words(question) if w not in QUESTION_WORDS and len(w) > 1]
    return list(dict.fromkeys(kept))


def key_terms(question: str) -> list[str]:
    return list(dict.fromkeys(stem(key_words(question))))


class LexicalIndex:
    """BM25 over passages, plus which passages contain a term."""

    def __init__(self, bm25: bm25s.BM25):
        self._bm25 = bm25
        self.vocab: dict[str, int] = bm25.vocab_dict
        self._indptr = np.asarray(bm25.scores["indptr"])
        self._indices = np.asarray(bm25.scores["indices"])
        self.size = int(bm25.scores["num_docs"])

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        bm25 = bm25s.BM25()
        bm25.index([analyse(t) or ["\0empty"] for t in texts], show_progress=False)
        return cls(bm25)

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(directory), mmap=True, show_progress=False))

    def scores(self, terms: Sequence[str], weights: Sequence[float] | None = None) -> np.ndarray:
        """BM25 score of every passage for these analysed terms, optionally weighted per term."""
        total = np.zeros(self.size, dtype=np.float32)
        if weights is None:
            known = [t for t in terms if t in self.vocab]
            return np.asarray(self._bm25.get_scores(known), dtype=np.float32) if known else total
        for term, weight in zip(terms, weights, strict=True):
            if term in self.vocab and weight > 0:
                total += weight * np.asarray(self._bm25.get_scores([term]), dtype=np.float32)
        return total

    def passages_with(self, term: str) -> np.ndarray:
        """Rows of the passages that contain `term` (an analysed term)."""
        term_id = self.vocab.get(term)
        if term_id is None:
            return np.zeros(0, dtype=np.int64)
        return self._indices[self._indptr[term_id] : self._indptr[term_id + 1]]
