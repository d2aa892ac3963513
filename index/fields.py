"""The dense fields an index holds: which encoder embeds which text of each passage or sentence.

Every question is compared with every field (index/signals.py). A field's vectors live in
`<name>.faiss`; beside them, the mean and covariance of those vectors (`<name>.stats.npz`),
from which any question's score distribution over the whole field follows exactly:
mean = q·mu and variance = qᵀ·Sigma·q. Scores are then compared as z-scores, on any corpus
size and with any FAISS index kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from index.passages import Passage

MINILM, E5 = "minilm", "e5"  # the English encoder and the multilingual one
Unit = Literal["passage", "sentence"]


@dataclass(frozen=True)
class Field:
    name: str  # file stem and feature prefix
    encoder: str  # MINILM or E5
    unit: Unit
    text: str  # "plain", "titled" (headline first), "context" (previous paragraph too), "sentence"


FIELDS = (
    Field("minilm.passage", MINILM, "passage", "titled"),
    Field("minilm.plain", MINILM, "passage", "plain"),
    Field("minilm.sentence", MINILM, "sentence", "sentence"),
    Field("e5.passage", E5, "passage", "titled"),
    Field("e5.context", E5, "passage", "context"),
    Field("e5.sentence", E5, "sentence", "sentence"),
)
BY_NAME = {f.name: f for f in FIELDS}
# A signal an encoder cannot give for a pair (MiniLM reads English only) is taken from the
# field of the multilingual encoder that embeds the same text.
STAND_IN = {
    "minilm.passage": "e5.passage",
    "minilm.plain": "e5.passage",
    "minilm.sentence": "e5.sentence",
}


class Encoder(Protocol):
    """What the index needs of an encoder: documents and queries to L2-normalised rows."""

    name: str
    dim: int

    def documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def queries(self, texts: Sequence[str]) -> np.ndarray: ...


def field_texts(field: Field, passages: Sequence[Passage]) -> list[str]:
    """The texts of `field`, in store order (passages, or their sentences in order)."""
    if field.text == "sentence":
        return [s.text for p in passages for s in p.sentences]
    if field.text == "plain":
        return [p.text for p in passages]
    if field.text == "titled":
        return [f"{p.title}. {p.text}" for p in passages]
    texts = []
    for i, passage in enumerate(passages):
        before = passages[i - 1] if i else None
        previous = before.text if before and before.article_id == passage.article_id else ""
        texts.append(" ".join(t for t in (f"{passage.title}.", previous, passage.text) if t))
    return texts


@dataclass(frozen=True)
class FieldStats:
    """Mean and covariance of a field's vectors: its score distribution for any query."""

    mean: np.ndarray  # (dim,)
    cov: np.ndarray  # (dim, dim)

    @classmethod
    def of(cls, vectors: np.ndarray) -> FieldStats:
        rows = np.asarray(vectors, dtype=np.float64)
        if len(rows) < 2:
            dim = rows.shape[1] if rows.ndim == 2 else 1
            mean = rows.mean(axis=0) if len(rows) else np.zeros(dim)
            return cls(mean.astype(np.float32), np.eye(dim, dtype=np.float32) * 1e-4)
        return cls(rows.mean(axis=0).astype(np.float32), np.cov(rows.T).astype(np.float32))

    def location(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mean, standard deviation) of each query's scores over the whole field."""
        mean = queries @ self.mean
        var = np.einsum("ij,jk,ik->i", queries, self.cov, queries)
        return mean, np.sqrt(np.maximum(var, 1e-8))

    def save(self, path: Path) -> None:
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez(tmp, mean=self.mean, cov=self.cov)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> FieldStats:
        with np.load(path) as data:
            return cls(data["mean"], data["cov"])


def stats_path(directory: Path, field: Field) -> Path:
    return directory / f"{field.name}.stats.npz"


def store_path(directory: Path, field: Field) -> Path:
    return directory / f"{field.name}.faiss"
