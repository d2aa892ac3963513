"""The language identifier (py3langid), restricted to our languages and quick to load.

py3langid ships its model LZMA-compressed; decompressing it takes 0.4-0.7 s of every start,
more than the rest of `newsbot ask` together. The identifier restricted to the languages we
accept is kept uncompressed in the model cache (beside the ONNX exports, var/models), made
on first use and rebuilt when py3langid or its model changes; it loads in a few hundredths
of a second and classifies exactly as the full model restricted to the same languages.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from array import array
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
_TYPECODES = {2: "H", 4: "I", 8: "L"}

_cache_dir: Path | None = None
_lock = threading.Lock()


def use_cache(folder: Path | None) -> None:
    """Keep (and look for) the uncompressed identifier in `folder` from now on.

    Called where the model cache is known (load_encoders); one folder per process, like
    the models themselves. Identifiers loaded before keep serving.
    """
    global _cache_dir
    _cache_dir = folder


def identifier(languages: Sequence[str]) -> Any:
    """py3langid's LanguageIdentifier (probabilities normalised) for these languages only."""
    return _identifier(tuple(languages), _cache_dir)


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...], cache_dir: Path | None) -> Any:
    with _lock:  # a warm-up thread and the first question may ask at the same time
        path = cache_dir / _cache_name(languages) if cache_dir is not None else None
        if path is not None and path.is_file():
            try:
                return _read(path)
            except (OSError, ValueError, KeyError) as exc:
                logger.warning("language model cache %s unreadable (%s); rebuilding", path, exc)
        found = _from_package(languages)
        if path is not None:
            _write(found, path)
        return found


def _from_package(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    found = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    found.set_languages(list(languages))
    return found


def _cache_name(languages: tuple[str, ...]) -> str:
    """A file name that changes with the languages, py3langid's version and its model file."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    model = Path(MODEL_DIR) / MODEL_FILE
    try:
        package = version("py3langid")
    except PackageNotFoundError:
        package = "unknown"
    stat = model.stat()
    key = f"{CACHE_FORMAT}|{','.join(languages)}|{package}|{stat.st_size}|{stat.st_mtime_ns}"
    return f"langid-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"


def _write(found: Any, path: Path) -> None:
    """Save the restricted model, uncompressed, atomically; a failure only costs speed.

    The DFA's transition table (40 MB) goes to its own .npy, mapped into memory when read:
    a question touches a few hundred of its entries. The .npz, written last, marks the pair
    complete.
    """
    arrays = {
        "ptc": np.asarray(found.nb_ptc),
        "pc": np.asarray(found.nb_pc),
        "classes": np.asarray(found.nb_classes),
        "row": np.frombuffer(found.tk_row, dtype=f"u{found.tk_row.itemsize}"),
        "output": np.asarray(found.tk_output, dtype=np.int32),
    }
    nextmove = np.frombuffer(found.tk_nextmove, dtype=f"u{found.tk_nextmove.itemsize}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as handle:
            np.save(handle, nextmove)
        os.replace(tmp, _table(path))
        with tmp.open("wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        logger.warning("cannot keep the language model in %s: %s", path.parent, exc)


def _table(path: Path) -> Path:
    return path.with_suffix(".nextmove.npy")


def _read(path: Path) -> Any:
    from py3langid.langid import LanguageIdentifier

    # A plain ndarray over the mapping: np.memmap's own indexing is several times slower.
    nextmove = np.load(_table(path), mmap_mode="r").view(np.ndarray)
    with np.load(path, allow_pickle=False) as data:
        return LanguageIdentifier(
            data["ptc"],
            data["pc"],
            data["classes"].tolist(),
            nextmove,
            data["output"].tolist(),
            norm_probs=True,
            tk_row=_as_array(data["row"]),
        )


def _as_array(values: np.ndarray) -> array:  # type: ignore[type-arg]
    """What py3langid walks its DFA over: a stdlib array, not a NumPy one."""
    out = array(_TYPECODES[values.dtype.itemsize])
    out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return out
