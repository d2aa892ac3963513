"""Vector storage: the Store seam, its FAISS default, and the on-disk index layout.

An index directory is published by an atomic symlink swap: `var/index` -> `var/index.builds/<id>`.
Builds happen in a fresh folder beside the target and become visible only once complete,
so a crash or Ctrl-C mid-build never leaves the served index broken.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEEP_BUILDS = 2  # the served build and the one before it (a running bot may still read it)


class IndexProblem(Exception):
    """Base for index problems that a maintainer can act on."""


class IndexNotFound(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class Store(Protocol):
    dim: int

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]: ...

    def vectors(self, ids: Sequence[int]) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def save(self, path: Path) -> None: ...


class FaissStore:
    """Exact inner-product search; on L2-normalised vectors inner product is cosine."""

    def __init__(self, dim: int, index: Any | None = None):
        self.dim = dim
        self._index = index if index is not None else faiss.IndexFlatIP(dim)

    def add(self, vectors: np.ndarray) -> None:
        if len(vectors):
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        if len(self) == 0 or len(vectors) == 0:
            return [[] for _ in range(len(vectors))]
        scores, ids = self._index.search(np.ascontiguousarray(vectors, dtype=np.float32), k)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([self._index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path) -> FaissStore:
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as exc:
            raise IndexCorrupt(f"{path}: not a readable FAISS index") from exc
        return cls(index.d, index)


@dataclass(frozen=True)
class Manifest:
    """What an index was built from and with; written last, read first."""

    model: str
    dim: int
    passages: int
    sentences: int
    corpus_hash: str
    chunking: dict[str, Any]
    articles: list[dict[str, Any]]
    versions: dict[str, str]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    built_at: str = ""
    build_id: str = ""
    format_version: int = FORMAT_VERSION
    multilingual: str | None = None  # the second encoder, for questions not in English

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not directory.exists():
            raise IndexNotFound(f"no index at {directory}: build one with `newsbot index build`")
        if not path.is_file():
            raise IndexCorrupt(
                f"{directory} has no {MANIFEST}: it is incomplete; rebuild with `newsbot index build`"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (ValueError, TypeError) as exc:
            raise IndexCorrupt(f"{path} is damaged ({exc}); rebuild with `newsbot index build`") from exc
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"{directory} has index format {manifest.format_version}, this newsbot reads "
                f"{FORMAT_VERSION}; rebuild with `newsbot index build`"
            )
        return manifest


def file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def check_files(directory: Path, manifest: Manifest) -> list[str]:
    """Problems with the files a manifest lists: missing, truncated or altered."""
    problems = []
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != expected["bytes"]:
            problems.append(f"{name} has {path.stat().st_size} bytes, expected {expected['bytes']}")
        elif file_digest(path)["sha256"] != expected["sha256"]:
            problems.append(f"{name} does not match its checksum")
    return problems


def new_build_dir(target: Path) -> Path:
    """A fresh folder beside `target` to build into; invisible to readers until published."""
    builds = _builds_dir(target)
    builds.mkdir(parents=True, exist_ok=True)
    # Microseconds too: one process may build twice within a second (tests, a bot rebuild).
    build_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%f") + f"-{os.getpid()}"
    path = builds / build_id
    path.mkdir()
    return path


def publish(build: Path, target: Path) -> None:
    """Atomically make `target` point at the finished `build`, then tidy old builds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_symlink():
        # An index from before symlink publishing: move it aside; never delete data.
        target.rename(_builds_dir(target) / f"legacy-{int(time.time())}")
    tmp_link = target.with_name(f".{target.name}.{os.getpid()}.swap")
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(build, target.parent), tmp_link)
    os.replace(tmp_link, target)  # rename(2) over the old link: atomic
    logger.info("index published: %s -> %s", target, build.name)
    _prune(target)


def discard(build: Path) -> None:
    shutil.rmtree(build, ignore_errors=True)


def _builds_dir(target: Path) -> Path:
    return target.with_name(target.name + ".builds")


def _prune(target: Path) -> None:
    current = target.resolve()
    builds = sorted(p for p in _builds_dir(target).iterdir() if p.is_dir())
    finished = [p for p in builds if (p / MANIFEST).is_file() and p != current]
    for old in finished[: max(0, len(finished) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    # Builds without a manifest are leftovers of interrupted runs (not the running one).
    for partial in builds:
        if not (partial / MANIFEST).is_file() and not partial.name.endswith(f"-{os.getpid()}"):
            shutil.rmtree(partial, ignore_errors=True)
