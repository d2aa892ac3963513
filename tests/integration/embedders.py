"""Embedders for integration tests: real implementations of the `Embedder` protocol.

Each wraps or replaces the packaged model to make one thing observable (how many texts were
embedded), to fail at a chosen point, or to build an index another model would have built.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from index.embedder import Embedder
from index.encoding import Encoders
from index.fields import Encoder


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


class HashingEncoder(HashingEmbedder):
    """A HashingEmbedder with the Encoder interface (questions and documents alike)."""

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)


def hashing_encoders(minilm: Embedder | None = None) -> Encoders:
    """Both encoders as deterministic stand-ins (or MiniLM's as given): for plumbing tests,
    which check files, reuse and swaps, never answer quality."""
    from index.encoding import Symmetric

    english = Symmetric(minilm) if minilm is not None else HashingEncoder("test-hashing-minilm")
    return Encoders(english, HashingEncoder("test-hashing-e5"))


class CountingEncoder:
    """The wrapped Encoder, remembering every document text it was asked to embed."""

    def __init__(self, inner: Encoder):
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts: list[str] = []

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.documents(texts)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.queries(texts)


def counting(encoders: Encoders) -> tuple[Encoders, CountingEncoder, CountingEncoder]:
    """The encoders, each wrapped to count what it embeds: (encoders, minilm, e5)."""
    minilm, e5 = CountingEncoder(encoders.minilm), CountingEncoder(encoders.e5)
    return Encoders(minilm, e5), minilm, e5
