"""Embedders for integration tests: real implementations of the `Embedder` protocol.

Each wraps or replaces the packaged model to make one thing observable (how many texts were
embedded), to fail at a chosen point, or to build an index another model would have built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from index.embedder import Embedder


class CountingEmbedder:
    """The wrapped embedder, remembering every text it was asked to embed."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


class EmbedderDied(RuntimeError):
    pass


class FailingEmbedder:
    """The wrapped embedder until `fail_after` texts have been embedded, then an error."""

    def __init__(self, inner: Embedder, fail_after: int):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.fail_after = fail_after
        self.embedded = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.embedded + len(texts) > self.fail_after:
            raise EmbedderDied(f"model crashed after {self.embedded} texts")
        self.embedded += len(texts)
        return self.inner.embed(texts)


class HashingEmbedder:
    """Deterministic unit vectors from a text's SHA-256: another "model", of any name and dim."""

    def __init__(self, name: str = "test-hashing-embedder", dim: int = 64):
        self.name = name
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            rows[i] = np.random.default_rng(seed).standard_normal(self.dim)
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return (rows / np.maximum(norms, 1e-12)).astype(np.float32)


class WrongShapeEmbedder:
    """Claims `dim` but returns vectors one shorter: a broken model that fails mid-write."""

    def __init__(self, inner: Embedder, name: str = "test-wrong-shape"):
        self.inner = inner
        self.name = name
        self.dim = inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.ascontiguousarray(self.inner.embed(texts)[:, :-1])
