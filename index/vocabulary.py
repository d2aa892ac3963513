"""The corpus vocabulary: does the corpus know a question's word, a close synonym, or a spelling?

"rival" is not in the article but "competitor" is; "Pyongyang" is not but "Korea" is;
"helicopters" has nothing close. Word vectors from the same sentence model (computed at
build time for corpus words, at question time for unknown words) tell these apart, which
both widens the lexical search and tells the answering core when a question's subject is
simply not in the articles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from index.lexical import QUESTION_WORDS, stem, words
from index.store import FaissStore

VOCAB_WORDS = "vocab.json"
VOCAB_VECTORS = "vocab.faiss"
SPELLING = 85  # rapidfuzz ratio above which an unknown word is a misspelling of a corpus word


@dataclass(frozen=True)
class TermSupport:
    """How well the corpus supports one key word of a question."""

    word: str
    nearest: str  # the word itself when the corpus has it
    similarity: float  # 1.0 when known; cosine (or spelling ratio / 100) otherwise
    known: bool


def corpus_words(texts: Sequence[str]) -> list[str]:
    """Distinct content words of the corpus (lower-cased), the targets for unknown words."""
    found = {
        w
        for text in texts
        for w in words(text)
        if len(w) > 2 and w.isalpha() and w not in QUESTION_WORDS
    }
    return sorted(found)


class Vocabulary:
    def __init__(self, vocab: list[str], store: FaissStore):
        self.words = vocab
        self.store = store
        self._stems = set(stem(vocab))

    def knows(self, word: str) -> bool:
        return stem([word])[0] in self._stems

    def save(self, directory: Path) -> None:
        (directory / VOCAB_WORDS).write_text(json.dumps(self.words), encoding="utf-8")
        self.store.save(directory / VOCAB_VECTORS)

    @classmethod
    def load(cls, directory: Path) -> Vocabulary:
        vocab = json.loads((directory / VOCAB_WORDS).read_text(encoding="utf-8"))
        return cls(vocab, FaissStore.load(directory / VOCAB_VECTORS))

    def spelling(self, word: str) -> tuple[str, float] | None:
        """The corpus word this one is a misspelling of ("prigozin" -> "prigozhin")."""
        if len(word) < 4 or not self.words:
            return None
        match = process.extractOne(word, self.words, scorer=fuzz.ratio, score_cutoff=SPELLING)
        return (match[0], match[1] / 100) if match else None

    def support(self, word: str, vector: np.ndarray | None) -> TermSupport:
        """Known, misspelt, or the nearest corpus word by meaning (vector: the word's embedding)."""
        if self.knows(word):
            return TermSupport(word, word, 1.0, True)
        best = TermSupport(word, word, 0.0, False)
        if (spelt := self.spelling(word)) is not None:
            best = TermSupport(word, spelt[0], spelt[1], False)
        if vector is not None:
            for row, score in self.store.search(vector.reshape(1, -1), 1)[0]:
                if score > best.similarity:
                    best = TermSupport(word, self.words[row], score, False)
        return best
