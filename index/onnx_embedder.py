"""The Embedder seam on ONNX Runtime: a sentence-transformers model exported by `onnx_export`.

Serving needs only onnxruntime, tokenizers and numpy: no torch and no sentence-transformers,
whose import alone costs seconds and hundreds of MB. Pooling and normalisation are done here,
as the model's sentence-transformers pipeline does them (modules.json: Transformer ->
Pooling -> Normalize).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import EmbedderError

logger = logging.getLogger(__name__)

ENCODER_META = "encoder.json"
MODEL_FILE = "model.onnx"
# The weights, beside the graph: ONNX Runtime maps them instead of parsing them out of the
# graph's protobuf (MiniLM's session starts in 0.05 s instead of 0.23 s).
MODEL_DATA = "model.onnx.data"
TOKENIZER_FILE = "tokenizer.json"
META_FORMAT = 1
POOLINGS = ("mean", "cls")


class EncoderCacheError(EmbedderError):
    """An ONNX export folder is missing, incomplete or damaged."""


@dataclass(frozen=True)
class EncoderMeta:
    """What an export folder holds: written last by the exporter, read first here."""

    source_model: str  # the sentence-transformers name the vectors stand in for
    source_fingerprint: str  # of the source folder; a different one means re-export
    variant: str  # "fp32" or "int8"
    dim: int
    pooling: str  # "mean" or "cls"
    normalize: bool
    max_seq_length: int
    inputs: tuple[str, ...]
    model_bytes: int
    min_cosine_vs_torch: float  # measured at export on the probe texts
    exported_at: str
    versions: dict[str, str]
    format: int = META_FORMAT
    data_bytes: int = 0  # MODEL_DATA's size; 0: the weights are in the graph (older exports)

    @property
    def total_bytes(self) -> int:
        return self.model_bytes + self.data_bytes

    @classmethod
    def read(cls, folder: Path) -> EncoderMeta:
        try:
            data = json.loads((folder / ENCODER_META).read_text(encoding="utf-8"))
            data["inputs"] = tuple(data["inputs"])
            meta = cls(**data)
        except FileNotFoundError as exc:
            raise EncoderCacheError(
                f"no ONNX export at {folder} ({ENCODER_META} missing); "
                "export it with `newsbot model export`"
            ) from exc
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise EncoderCacheError(
                f"ONNX export at {folder} has an unreadable {ENCODER_META}; "
                "re-export it with `newsbot model export`"
            ) from exc
        if meta.format != META_FORMAT or meta.pooling not in POOLINGS:
            raise EncoderCacheError(
                f"ONNX export at {folder} is format {meta.format} with {meta.pooling!r} pooling; "
                "re-export it with `newsbot model export`"
            )
        return meta

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "inputs": list(self.inputs)}, indent=2) + "\n"


def default_threads() -> int:
    # All cores of a small machine; more than 4 buys little for a 6-layer model and one query.
    return max(1, min(4, os.cpu_count() or 1))


class OnnxEmbedder:
    """Vectors from an export folder (model.onnx + tokenizer.json + encoder.json)."""

    def __init__(
        self,
        folder: Path,
        name: str | None = None,
        *,
        threads: int | None = None,
        batch_size: int = 32,
    ):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.folder = Path(folder)
        self.meta = EncoderMeta.read(self.folder)
        model_path = self.folder / MODEL_FILE
        expected = {MODEL_FILE: self.meta.model_bytes}
        if self.meta.data_bytes:
            expected[MODEL_DATA] = self.meta.data_bytes
        for file, wanted in expected.items():
            path = self.folder / file
            size = path.stat().st_size if path.is_file() else None
            if size != wanted:
                found = "is missing" if size is None else f"has {size} bytes, expected {wanted}"
                raise EncoderCacheError(
                    f"ONNX export at {self.folder} is damaged: {file} {found}; "
                    "re-export it with `newsbot model export`"
                )
        self.name = name or self.meta.source_model
        self.dim = self.meta.dim
        self.variant = self.meta.variant
        # Dynamic int8 quantisation picks one activation scale per tensor, so in a batch a
        # text's vector would depend on its batch-mates (and their padding). One text per run
        # keeps int8 vectors a function of the text; ONNX Runtime gains little from batching
        # short texts anyway.
        self.batch_size = 1 if self.variant == "int8" else batch_size

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1  # the graph is one chain; nothing runs in parallel
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Idle pool threads would spin for the next op; on 2 shared cores that steals the CPU
        # from the bot's other threads (and from the multilingual engine) for no gain.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # errors only: no per-node warnings in CLI output
        try:
            self._session: Any = ort.InferenceSession(
                str(model_path), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer: Any = Tokenizer.from_file(str(self.folder / TOKENIZER_FILE))
        except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
            raise EncoderCacheError(
                f"ONNX export at {self.folder} cannot be loaded ({type(exc).__name__}); "
                "re-export it with `newsbot model export`"
            ) from exc
        # The shipped tokenizer.json pads every text to 128 and cuts at 128; sentence-
        # transformers pads to the longest text of a batch and cuts at max_seq_length.
        self._tokenizer.enable_truncation(self.meta.max_seq_length)
        self._tokenizer.no_padding()
        self._inputs = [i.name for i in self._session.get_inputs()]
        if set(self._inputs) - {"input_ids", "attention_mask", "token_type_ids"}:
            raise EncoderCacheError(f"ONNX export at {self.folder} has inputs {self._inputs}")
        # ONNX Runtime's run() is thread-safe, but two runs at once on 2 cores only slow each
        # other down; one encode at a time, like the torch embedder.
        self._lock = threading.Lock()
        logger.info(
            "model loaded: %s (%d-d, onnx %s, %d threads) from %s",
            self.name,
            self.dim,
            self.variant,
            options.intra_op_num_threads,
            self.folder,
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
            # Longest first, like sentence-transformers: batches of similar lengths pad little.
            order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                out[rows] = self._encode([encodings[i] for i in rows])
        return out

    def _encode(self, encodings: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n] = e.ids
            types[row, :n] = e.type_ids
            mask[row, :n] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        hidden = self._session.run(None, {k: feed[k] for k in self._inputs})[0]
        if self.meta.pooling == "cls":
            pooled = hidden[:, 0]
        else:  # mean over real tokens, as sentence_transformers.models.Pooling does
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        # The Embedder contract is unit vectors, whether or not the model ends in Normalize.
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
