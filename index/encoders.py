"""Pick the Embedder for a configured backend: onnx (default), onnx-int8 or torch.

The ONNX backends serve an export cached in `models/` beside the index (NEWSBOT_MODELS_DIR);
`newsbot index build` or the first start without one exports it (needs torch, once,
offline). Serving an export needs neither torch nor sentence-transformers. A model the
exporter cannot handle (not a local folder, another pipeline) is served by torch instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

from index.defaults import BACKENDS, DEFAULT_BACKEND
from index.embedder import Embedder

logger = logging.getLogger(__name__)

VARIANT = {"onnx": "fp32", "onnx-int8": "int8"}


def models_dir(index_dir: Path) -> Path:
    """The export cache beside the index folder: var/index -> var/models."""
    return index_dir.parent / "models"


def make_embedder(
    model: str,
    backend: str = DEFAULT_BACKEND,
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> Embedder:
    """The embedder for `model` on `backend`, exporting the ONNX model first if needed.

    Both ONNX variants carry the model's own name: each export is published only if its
    vectors match torch's (cosine >= 0.999 fp32, >= 0.99 int8; see onnx_export.MIN_COSINE),
    so an index built with torch serves ONNX queries and the other way round. `threads`:
    intra-op threads (torch's are per process), None for the backend's default.
    """
    if backend == "torch":
        from index.embedder import SentenceTransformerEmbedder

        if threads:
            import torch

            torch.set_num_threads(threads)
        return SentenceTransformerEmbedder(model)
    if backend not in VARIANT:
        raise ValueError(f"encoder backend must be one of {BACKENDS}, not {backend!r}")
    from index.onnx_embedder import OnnxEmbedder
    from index.onnx_export import Unexportable, cache_folder, export_model, is_current

    cache_dir = cache_dir or Path("var/models")
    folder = cache_folder(cache_dir, model, VARIANT[backend])
    # Missing or stale (the model package changed): export. Damaged: is_current raises
    # EncoderCacheError, which says to run `newsbot model export`, rather than hide it.
    try:
        if not is_current(folder, model):
            folder = export_model(model, cache_dir, VARIANT[backend])
    except Unexportable as exc:
        logger.warning("%s; serving %s with torch instead", exc, model)
        from index.embedder import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(model)
    return OnnxEmbedder(folder, model, threads=threads)
