"""The two encoders every question and passage goes through, behind one seam.

all-MiniLM-L6-v2 (English) and multilingual-e5-small (about 100 languages, questions and
passages in one space) both embed every passage, sentence and question; where MiniLM cannot
read a pair, its signal is stood in for by e5's (index/signals.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedder import Embedder
from index.encoders import DEFAULT_BACKEND
from index.fields import E5, MINILM, Encoder


class Symmetric:
    """An Embedder that embeds questions and documents alike (MiniLM has no prefixes)."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.name = embedder.name
        self.dim = embedder.dim

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed(texts)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed(texts)


@dataclass(frozen=True)
class Encoders:
    minilm: Encoder
    e5: Encoder

    def by_kind(self) -> Mapping[str, Encoder]:
        return {MINILM: self.minilm, E5: self.e5}

    def queries(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Each encoder's question vectors, (len(texts), dim) each."""
        return {kind: encoder.queries(texts) for kind, encoder in self.by_kind().items()}


def as_encoders(encoder: Encoders | Embedder, multilingual: Encoder | None = None) -> Encoders:
    """Encoders from an Embedder alone (MiniLM or a stand-in): the packaged e5 beside it."""
    if isinstance(encoder, Encoders):
        return encoder
    if multilingual is None:
        from index.multilingual import MultilingualEncoder

        multilingual = MultilingualEncoder()
    return Encoders(Symmetric(encoder), multilingual)


def load_encoders(
    model: str,
    backend: str = DEFAULT_BACKEND,
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> Encoders:
    """MiniLM (or the configured model) on its backend, and the packaged multilingual-e5.

    `cache_dir` holds what is made once to load fast: the ONNX exports and the language
    identifier's uncompressed model (index/langid.py). `threads`: MiniLM's intra-op threads
    (None: the backend's default, all cores up to 4); e5 runs on one.
    """
    from concurrent.futures import ThreadPoolExecutor

    from index import langid
    from index.encoders import make_embedder
    from index.multilingual import MultilingualEncoder

    if cache_dir is not None:
        langid.use_cache(cache_dir)
    # e5's engine loads its weights in C without the GIL: beside MiniLM's, not after it.
    with ThreadPoolExecutor(1, thread_name_prefix="load-e5") as pool:
        e5 = pool.submit(MultilingualEncoder)
        minilm = make_embedder(model, backend, cache_dir, threads)
        return Encoders(Symmetric(minilm), e5.result())
