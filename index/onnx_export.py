"""Export a local sentence-transformers model to ONNX (fp32, or int8), offline, into a cache.

Exporting needs torch and the model's own files, once; serving the export then needs only
onnxruntime (index.onnx_embedder). Each export is checked against the torch model before it
is published, and published atomically: built in a hidden folder, renamed into place.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from index.embedder import EmbedderError, SentenceTransformerEmbedder, resolve_model
from index.onnx_embedder import (
    ENCODER_META,
    MODEL_DATA,
    MODEL_FILE,
    TOKENIZER_FILE,
    EncoderCacheError,
    EncoderMeta,
    OnnxEmbedder,
)

logger = logging.getLogger(__name__)

VARIANTS = ("fp32", "int8")
# The bar an export must clear against the torch model on PROBE_TEXTS to be published.
# fp32 must be the same function up to float rounding, so it may serve an index built
# with torch under the same model name; int8 must stay within the retrieval-quality bar.
MIN_COSINE = {"fp32": 0.999, "int8": 0.99}
OPSET = 17
_TOKENIZER_FILES = ("tokenizer_config.json", "special_tokens_map.json", "vocab.txt")

PROBE_TEXTS = (
    "Who founded the dockworkers' union?",
    "How many members does it have in the port?",
    "okonjo statment??",
    "The ministry said on Friday that the shipment had been held at the border for a week.",
    '"We are not going to stop," the spokesman told reporters in Washington.',
    "Sanctions",
    "Officials estimated that about 40,000 of the 50,000 residents had been evacuated from "
    "the coastal districts, and that many of them had found shelter in schools upriver.",
    "Où est le président ?",
    "The company's revenue rose 12% to $4.3bn in the third quarter, beating expectations.",
    # Longer than max_seq_length: both must cut it at the same token.
    " ".join(["The ministry published new figures on exports, imports and prices."] * 40),
)


class ExportError(EmbedderError):
    """The model cannot be exported to ONNX, or the export is not faithful enough to use."""


class Unexportable(ExportError):
    """The model is not one this exporter handles (not local, another pipeline); found
    before any work, so torch can serve it instead."""


def cache_folder(cache_dir: Path, model: str, variant: str) -> Path:
    """Where the export of `model` lives: <cache_dir>/<model slug>/<variant>/."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, not {variant!r}")
    slug = re.sub(r"[^A-Za-z0-9._-]+", "--", model.strip("/")).strip("-.") or "model"
    if Path(model).is_absolute() or model.startswith("."):  # a local folder: keep paths apart
        slug = f"{Path(model).name}-{hashlib.sha256(model.encode()).hexdigest()[:8]}"
    return cache_dir / slug / variant


def source_folder(model: str) -> Path:
    """The local folder of `model` (the packaged copy for all-MiniLM-L6-v2)."""
    folder = Path(resolve_model(model))
    if not (folder / "modules.json").is_file():
        raise Unexportable(
            f"cannot export {model!r} offline: it is not a local sentence-transformers folder "
            "(modules.json missing) nor the packaged all-MiniLM-L6-v2"
        )
    return folder


def fingerprint(folder: Path) -> str:
    """Cheap identity of a model folder: names and sizes of its files, text of its configs."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        digest.update(f"{rel}\0{path.stat().st_size}\0".encode())
        if path.suffix == ".json" and path.stat().st_size < 1 << 16:
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def is_current(folder: Path, model: str) -> bool:
    """Whether `folder` holds an export of the model as it is installed now.

    False when there is none or the model package changed since; EncoderCacheError when
    the folder is there but damaged.
    """
    if not folder.exists():
        return False
    meta = EncoderMeta.read(folder)
    if meta.source_model != model:
        return False  # another name for the same folder slug: export it under this one
    if not meta.data_bytes:
        return False  # weights inside the graph: an earlier release's export, slower to load
    return meta.source_fingerprint == fingerprint(source_folder(model))


def export_model(model: str, cache_dir: Path, variant: str = "fp32", force: bool = False) -> Path:
    """Export `model` into the cache (unless a current export is there) and return its folder.

    Raises ExportError if the model is not local, has a pipeline other than
    Transformer -> Pooling(mean|cls) -> [Normalize], or the export is not faithful.
    """
    target = cache_folder(cache_dir, model, variant)
    source = source_folder(model)
    pipeline = _pipeline(source)
    with _export_lock(target.parent):
        if not force and _current(target, model):
            return target  # another process exported it while we waited
        for leftover in target.parent.glob(f".{variant}.*.tmp"):
            shutil.rmtree(leftover, ignore_errors=True)  # of an export that crashed
        work = target.parent / f".{variant}.{os.getpid()}.tmp"
        work.mkdir(parents=True)
        logger.warning("exporting %s to ONNX (%s) in %s, once", model, variant, target)
        try:
            _export_into(work, model, source, variant, pipeline)
            _publish(work, target)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    logger.info("exported %s (%s) to %s", model, variant, target)
    return target


def _current(folder: Path, model: str) -> bool:
    try:
        return is_current(folder, model)
    except EncoderCacheError:
        return False  # damaged: exporting again repairs it


def _pipeline(source: Path) -> dict[str, Any]:
    """Pooling, normalisation and max length from the model's sentence-transformers config."""
    modules = json.loads((source / "modules.json").read_text(encoding="utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise Unexportable(f"cannot export a {' -> '.join(kinds)} pipeline (from {source})")
    if modules[0]["path"]:
        raise Unexportable(f"the transformer of {source} is in a subfolder; not supported")
    pooling_config = json.loads(
        (source / modules[1]["path"] / "config.json").read_text(encoding="utf-8")
    )
    modes = [k for k, on in pooling_config.items() if k.startswith("pooling_mode") and on]
    poolings = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
    if len(modes) != 1 or modes[0] not in poolings:
        raise Unexportable(f"cannot export {source}: pooling {modes} (only mean or cls)")
    st_config = source / "sentence_bert_config.json"
    max_len = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length")
    return {
        "pooling": poolings[modes[0]],
        "normalize": kinds[-1] == "Normalize",
        "max_seq_length": int(max_len or 512),
    }


def _export_into(
    work: Path, model: str, source: Path, variant: str, pipeline: dict[str, Any]
) -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    reference = SentenceTransformerEmbedder(model)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    published_fp32 = work.parent / "fp32"
    if variant == "int8" and _current(published_fp32, model):
        _quantize(published_fp32 / MODEL_FILE, work / MODEL_FILE)  # same graph, no re-trace
    else:
        traced, fused = work / "model.traced.onnx", work / "model.fused.onnx"
        _trace(source, names, traced)
        _fuse(source, traced, fused)
        if variant == "int8":
            _quantize(fused, work / MODEL_FILE)
        else:
            fused.rename(work / MODEL_FILE)
        for scratch in (traced, fused):
            scratch.unlink(missing_ok=True)
    data_bytes = _weights_beside(work / MODEL_FILE)
    _copy_tokenizer(source, work)

    meta = EncoderMeta(
        source_model=model,
        source_fingerprint=fingerprint(source),
        variant=variant,
        dim=reference.dim,
        pooling=pipeline["pooling"],
        normalize=pipeline["normalize"],
        max_seq_length=pipeline["max_seq_length"],
        inputs=tuple(names),
        model_bytes=(work / MODEL_FILE).stat().st_size,
        data_bytes=data_bytes,
        min_cosine_vs_torch=float("nan"),
        exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        versions=_versions(),
    )
    (work / ENCODER_META).write_text(meta.to_json(), encoding="utf-8")
    texts = list(PROBE_TEXTS)
    exported = OnnxEmbedder(work, threads=1)
    cosine = float(np.min(np.sum(reference.embed(texts) * exported.embed(texts), axis=1)))
    if not cosine >= MIN_COSINE[variant]:
        raise ExportError(
            f"the {variant} export of {model} is too far from the torch model "
            f"(min cosine {cosine:.4f} < {MIN_COSINE[variant]}); not published"
        )
    (work / ENCODER_META).write_text(
        replace(meta, min_cosine_vs_torch=round(cosine, 6)).to_json(), encoding="utf-8"
    )


def _trace(source: Path, names: list[str], out: Path) -> None:
    """torch -> ONNX: the transformer's last hidden states, batch and length dynamic."""
    import torch
    from transformers import AutoModel

    # Eager attention traces to the classic graph that ONNX Runtime fuses into one op.
    network = AutoModel.from_pretrained(
        str(source), attn_implementation="eager", local_files_only=True
    ).eval()

    class HiddenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.network = network

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.network(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer chatter about shape checks it folds away
        # The TorchScript exporter (dynamo=False) needs no onnxscript and handles BERT fine.
        torch.onnx.export(
            HiddenStates(),
            (sample, sample, torch.zeros_like(sample)),
            str(out),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _fuse(source: Path, traced: Path, out: Path) -> None:
    """Fuse the transformer's ops (attention, LayerNorm + residual, bias + GELU, embeddings)
    offline with ONNX Runtime's transformer optimiser: portable fused contrib ops, so a
    session starts without redoing the fusion, and int8 can quantise whole Attention nodes.
    """
    from onnxruntime.transformers.optimizer import MODEL_TYPES, optimize_model

    config = json.loads((source / "config.json").read_text(encoding="utf-8"))
    kind = config.get("model_type", "bert")
    with _root_logging_dropped("onnxruntime"):
        fused = optimize_model(
            str(traced),
            model_type=kind if kind in MODEL_TYPES else "bert",
            num_heads=int(config.get("num_attention_heads", 0)),
            hidden_size=int(config.get("hidden_size", 0)),
            opt_level=0,  # graph fusions only; the session applies its own optimisations
            use_gpu=False,
        )
    logger.info("fused: %s", {k: v for k, v in fused.get_fused_operator_statistics().items() if v})
    fused.save_model_to_file(str(out), use_external_data_format=False)


def _weights_beside(path: Path) -> int:
    """Move the model's weights out of its graph file into MODEL_DATA beside it; their size."""
    import onnx

    model = onnx.load(str(path))  # with the weights of the graph it was made from
    data = path.with_name(MODEL_DATA)
    data.unlink(missing_ok=True)  # onnx appends to an existing data file
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=MODEL_DATA,
        size_threshold=1024,
    )
    data.chmod(path.stat().st_mode & 0o777)  # onnx makes it owner-only; readable as the graph
    return data.stat().st_size


def _quantize(fp32_path: Path, out: Path) -> None:
    """int8 dynamic quantisation of the attention projections; feed-forward stays fp32.

    Measured on all-MiniLM-L6-v2 over the seed corpus (min cosine against torch): every MatMul
    in int8 gives 0.78 (per-tensor) / 0.97 (per-channel), because the feed-forward inputs
    (post-LayerNorm and GELU outputs) have outlier channels that one per-tensor activation
    scale cannot hold; SmoothQuant-style rescaling reached only 0.97. Quantising only the
    attention Q/K/V/output projections (per-channel, uint8 weights, which avoid the AVX2
    u8s8 saturation issue) keeps 0.994.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(fp32_path), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    attention = [
        n.name
        for n in graph.node
        if n.op_type == "Attention"  # fused Q/K/V projections and attention
        or (n.op_type == "MatMul" and n.input[1] in weights and "/attention/" in n.name)
    ]
    if not attention:
        raise ExportError("found no attention projections to quantise in the exported graph")
    with _root_logging_dropped("onnxruntime"):
        quantize_dynamic(
            str(fp32_path),
            str(out),
            op_types_to_quantize=["MatMul", "Attention"],
            nodes_to_quantize=attention,
            per_channel=True,
            weight_type=QuantType.QUInt8,
            # Shape inference cannot type the fused contrib ops' outputs; they are float.
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


@contextmanager
def _root_logging_dropped(package: str) -> Iterator[None]:
    """Drop what `package` logs through the root logger (advice, not for our users)."""

    class Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return f"/{package}/" not in record.pathname

    quiet = Drop()
    logging.getLogger().addFilter(quiet)
    try:
        yield
    finally:
        logging.getLogger().removeFilter(quiet)


def _copy_tokenizer(source: Path, work: Path) -> None:
    if (source / TOKENIZER_FILE).is_file():
        shutil.copy2(source / TOKENIZER_FILE, work / TOKENIZER_FILE)
    else:  # a slow-tokenizer-only folder: let transformers build the fast one
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=True)
        tokenizer.backend_tokenizer.save(str(work / TOKENIZER_FILE))
    for name in _TOKENIZER_FILES:
        if (source / name).is_file():
            shutil.copy2(source / name, work / name)


def _publish(work: Path, target: Path) -> None:
    """Rename the finished folder into place (called with the export lock held)."""
    if target.exists():
        old = target.with_name(f".{target.name}.{os.getpid()}.old")
        target.rename(old)  # a process that already loaded the old export keeps its copy
        work.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        work.rename(target)


@contextmanager
def _export_lock(folder: Path) -> Iterator[None]:
    """One export per model folder at a time; a second process waits, then reuses it."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".export.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _versions() -> dict[str, str]:
    found = {}
    for package in ("onnxruntime", "onnx", "torch", "transformers", "tokenizers"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "unknown"
    return found


__all__ = [
    "EncoderCacheError",
    "ExportError",
    "Unexportable",
    "cache_folder",
    "export_model",
    "is_current",
]
