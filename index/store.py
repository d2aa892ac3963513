"""Vector storage: the Store seam, its FAISS default, and the on-disk index layout.

An index directory is published by an atomic symlink swap: `var/index` -> `var/index.builds/<id>`.
Builds happen in a fresh folder beside the target and become visible only once complete,
so a crash or Ctrl-C mid-build never leaves the served index broken.
A store picks its FAISS index by size (`choose_index`: exact, then IVF with exact rescoring),
saves the choice and its search parameters beside the index, and loads memory-mapped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from index.errors import IndexCorrupt, IndexMismatch, IndexNotFound

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2  # 2: dense fields of two encoders, calibration
MANIFEST = "manifest.json"
KEEP_BUILDS = 2  # the served build and the one before it (a running bot may still read it)


class Store(Protocol):
    dim: int

    def add(self, vectors: np.ndarray) -> None: ...

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]: ...

    def vectors(self, ids: Sequence[int]) -> np.ndarray: ...

    def __len__(self) -> int: ...

    def save(self, path: Path) -> None: ...


# Exact search up to this many rows, an inverted file (IVF) beyond. Measured on 2 busy cores
# (bench/scale.py, load average ~6): one exact query costs ~1.4 ms at 10k rows, ~5 ms at 25k,
# ~18 ms at 50k and ~35 ms at 100k (one FAISS thread); the IVF stays near 2 ms up to 1M.
FLAT_MAX = 20_000
# IVF: nlist ~ 2 sqrt(n) rounded to a power of two (512 at 100k, 2048 at 1M) keeps k-means
# training to about a minute at 1M on 2 cores (4096 lists took 4x longer for less recall at
# the same nprobe); nprobe = max(32, nlist / 64) measured recall@10 0.98 at 1M, 0.99 at 100k.
NPROBE_MIN = 32
# The lists hold 8-bit codes (384 B a row instead of 1536): scanning them costs ~1.5x less CPU
# than exact vectors at 1M. The best RERANK x k candidates are then rescored with the exact
# vectors, kept beside (IndexRefineFlat), so scores and `vectors` stay exact; with 2x, recall
# equals that of IVF over exact vectors (0.981 at 1M, nprobe 32), with 1x it is 0.966.
RERANK = 2
TRAIN_PER_LIST = 40  # k-means sample per list: FAISS warns below 39
TRAIN_ITERATIONS = 10  # k-means rounds; 25 (the FAISS default) cost 2.5x for no measured recall
TRAIN_SEED = 1234  # the same vectors give the same index
IVF_SQ8 = "ivf-sq8"


@dataclass(frozen=True)
class IndexSpec:
    """Which FAISS index a store uses and how it searches; saved beside it and in the manifest.

    kind "flat": exact search (IndexFlatIP). kind "ivf-sq8": rows in `nlist` k-means lists as
    8-bit codes; a query scans the `nprobe` nearest lists and rescores the best `rerank` x k
    with the exact vectors (IndexRefineFlat over IndexIVFScalarQuantizer). Index files of other
    kinds load too, as "ivf" (any other IVF) or their FAISS class name.
    """

    kind: str = "flat"
    nlist: int = 0
    nprobe: int = 0
    rerank: int = 0

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind, "metric": "inner_product"}
        if self.nlist:
            found |= {"nlist": self.nlist, "nprobe": self.nprobe}
        if self.rerank:
            found["rerank"] = self.rerank
        return found

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IndexSpec:
        return cls(
            str(data["kind"]),
            int(data.get("nlist", 0)),
            int(data.get("nprobe", 0)),
            int(data.get("rerank", 0)),
        )


def choose_index(count: int) -> IndexSpec:
    """The index for a store of `count` rows: exact while cheap, IVF beyond (see FLAT_MAX)."""
    if count <= FLAT_MAX:
        return IndexSpec("flat")
    nlist = 2 ** int(round(np.log2(2 * np.sqrt(count))))
    return IndexSpec(IVF_SQ8, nlist=nlist, nprobe=max(NPROBE_MIN, nlist // 64), rerank=RERANK)


def sidecar(path: Path) -> Path:
    """Where a store's IndexSpec is kept: FAISS does not persist search parameters everywhere."""
    return path.with_name(path.name + ".json")


class FaissStore:
    """Inner-product search; on L2-normalised vectors inner product is cosine.

    `FaissStore(dim)` is exact (IndexFlatIP); `FaissStore.create(dim, expected)` lets
    `choose_index` pick by size. Every kind keeps exact vectors, so `vectors` is lossless.
    Search parameters are set when the store is made or loaded, never per call, so concurrent
    searches from several threads are safe (FAISS searches are read-only).
    """

    def __init__(self, dim: int, index: Any | None = None, spec: IndexSpec | None = None):
        self.dim = dim
        self._index = index if index is not None else faiss.IndexFlatIP(dim)
        self.spec = spec if spec is not None else _spec_of(self._index)
        _apply(self._index, self.spec)

    @classmethod
    def create(cls, dim: int, expected_count: int) -> FaissStore:
        """An empty store of the kind `choose_index` picks for `expected_count` rows.

        An IVF store trains its lists on the first `add`, so add all rows at once.
        """
        spec = choose_index(expected_count)
        if spec.kind == "flat":
            return cls(dim)
        return cls(dim, _empty_ivf(dim, spec), spec)

    def add(self, vectors: np.ndarray) -> None:
        if not len(vectors):
            return
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        if not self._index.is_trained:
            self._train(rows)
        self._index.add(rows)

    def _train(self, rows: np.ndarray) -> None:
        if len(rows) < TRAIN_PER_LIST * self.spec.nlist:
            # Fewer rows than the store was created for: size the lists to what is there.
            spec = choose_index(len(rows))
            logger.info("%d rows: %s instead of %s", len(rows), spec, self.spec)
            self.spec = spec
            flat = spec.kind == "flat"
            self._index = faiss.IndexFlatIP(self.dim) if flat else _empty_ivf(self.dim, spec)
            if self._index.is_trained:
                return
        sample_size = min(len(rows), TRAIN_PER_LIST * self.spec.nlist)
        sample = np.random.default_rng(TRAIN_SEED).choice(len(rows), sample_size, replace=False)
        started = time.perf_counter()
        self._index.train(rows[np.sort(sample)])
        logger.info(
            "trained %d IVF lists on %d rows in %.1f s",
            self.spec.nlist,
            sample_size,
            time.perf_counter() - started,
        )

    def search(self, vectors: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """For each query, up to k (row, cosine) pairs, best first."""
        if len(self) == 0 or len(vectors) == 0:
            return [[] for _ in range(len(vectors))]
        queries = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
        if len(queries) == 1:
            with _one_thread():
                scores, ids = self._index.search(queries, min(k, len(self)))
        else:
            scores, ids = self._index.search(queries, min(k, len(self)))
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored (exact) vectors of these rows, in this order."""
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        whole = self.spec.kind != "ivf" or len(ids) == len(self)  # IVF's walks every list
        if isinstance(ids, range) and ids.step == 1 and whole:
            return np.asarray(self._index.reconstruct_n(ids.start, len(ids)), dtype=np.float32)
        # ivf-sq8 reads its exact copies; a plain IVF needs a direct map (make_direct_map).
        rows = np.asarray(ids, dtype=np.int64)
        return np.asarray(self._index.reconstruct_batch(rows), dtype=np.float32)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def memory_mapped(self) -> bool:
        """Whether the vectors are read from the file on demand rather than held in memory."""
        index = self._index
        if isinstance(index, faiss.IndexRefine):
            index = faiss.downcast_index(index.refine_index)  # the exact vectors: most bytes
        ivf = faiss.try_extract_index_ivf(index)
        if ivf is not None:
            lists = faiss.downcast_InvertedLists(ivf.invlists)
            return isinstance(lists, faiss.OnDiskInvertedLists)
        codes = getattr(index, "codes", None)  # a MaybeOwnedVector from FAISS 1.10
        return codes is not None and not getattr(codes, "is_owned", True)

    def save(self, path: Path) -> None:
        """Write the index and its spec; via temporary names, since a reader may have the old
        file memory-mapped and rewriting it in place would pull the pages from under it."""
        spec_tmp = path.with_name(f".{path.name}.json.tmp")
        spec_tmp.write_text(json.dumps(self.spec.to_dict()) + "\n", encoding="utf-8")
        tmp = path.with_name(f".{path.name}.tmp")
        faiss.write_index(self._index, str(tmp))
        os.replace(spec_tmp, sidecar(path))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, *, mmap: bool = True) -> FaissStore:
        """Open a saved store, memory-mapped where FAISS allows it (then read-only).

        The vectors and codes are mapped (see _MMAP_FLAGS), the small parts (IVF centroids) are
        read. Mapped pages live in the page cache: shared with other processes and with the
        next build's reader, and loading takes milliseconds. A kind FAISS cannot map, or an
        older FAISS, is read whole.
        """
        spec = _read_spec(path)
        kind = spec.kind if spec is not None else "flat"  # no spec: saved before there were
        index = None
        if mmap and kind in _MMAP_FLAGS:
            try:
                index = faiss.read_index(str(path), _MMAP_FLAGS[kind])
            except RuntimeError:
                logger.debug("%s: memory mapping refused, reading it whole", path)
        if index is None:
            try:
                index = faiss.read_index(str(path))
            except RuntimeError as exc:
                raise IndexCorrupt(f"{path}: not a readable FAISS index") from exc
        found = _spec_of(index)
        if spec is None or spec.kind != found.kind:
            spec = found  # an index saved before specs were, or a spec that does not match
        return cls(index.d, index, spec)


# How each kind maps: IO_FLAG_MMAP_IFC maps flat codes, and in FAISS >= 1.11 the IVF lists too
# (the exact vectors of ivf-sq8 are its refine index, a flat one). IO_FLAG_MMAP maps the lists
# of other IVFs. Unknown kinds (HNSW...) are read whole.
_IFC = getattr(faiss, "IO_FLAG_MMAP_IFC", 0)
_MMAP_FLAGS = {"flat": _IFC, IVF_SQ8: _IFC, "ivf": faiss.IO_FLAG_MMAP}


@contextmanager
def _one_thread() -> Iterator[None]:
    """Run FAISS on the calling thread only. One query gains nothing from a second OpenMP
    thread, and on a busy machine waiting for it costs: at 1M rows p50 2.5 ms alone vs 10.9 ms
    with 2 threads, at 10k exact 1.8 vs 32 ms (bench/scale.py, load average ~7 on 2 cores).
    The setting is per OS thread (an OpenMP ICV), so concurrent searches do not interfere."""
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(threads)


def _empty_ivf(dim: int, spec: IndexSpec) -> Any:
    quantizer = faiss.IndexFlatIP(dim)
    ivf = faiss.IndexIVFScalarQuantizer(
        quantizer, dim, spec.nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    ivf.cp.niter = TRAIN_ITERATIONS
    ivf.cp.seed = TRAIN_SEED
    index = faiss.IndexRefineFlat(ivf)  # exact copies of the rows: rescoring and `vectors`
    # The C++ objects own their parts from here on (the FAISS idiom for nested indexes).
    ivf.own_fields = True
    quantizer.this.disown()
    index.own_fields = True
    ivf.this.disown()
    _apply(index, spec)
    return index


def _spec_of(index: Any) -> IndexSpec:
    ivf = faiss.try_extract_index_ivf(index)
    if isinstance(index, faiss.IndexRefine) and ivf is not None:
        return IndexSpec(IVF_SQ8, int(ivf.nlist), int(ivf.nprobe), int(round(index.k_factor)))
    if ivf is not None:
        return IndexSpec("ivf", nlist=int(ivf.nlist), nprobe=int(ivf.nprobe))
    if isinstance(index, faiss.IndexFlat):
        return IndexSpec("flat")
    return IndexSpec(type(index).__name__)


def _apply(index: Any, spec: IndexSpec) -> None:
    """Set search parameters; done once (setting them per search would race across threads)."""
    ivf = faiss.try_extract_index_ivf(index)
    if ivf is not None and spec.nprobe:
        ivf.nprobe = spec.nprobe
    if isinstance(index, faiss.IndexRefine) and spec.rerank:
        index.k_factor = float(spec.rerank)


def _read_spec(path: Path) -> IndexSpec | None:
    try:
        return IndexSpec.from_dict(json.loads(sidecar(path).read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise IndexCorrupt(f"{sidecar(path)} is damaged ({exc})") from exc


def describe_stores(directory: Path) -> dict[str, dict[str, Any]]:
    """The IndexSpec of every store saved in `directory`, by file name (for the manifest)."""
    found = {}
    for spec_path in sorted(directory.glob("*.faiss.json")):
        store = spec_path.with_name(spec_path.name.removesuffix(".json"))
        found[store.name] = json.loads(spec_path.read_text(encoding="utf-8")) | {
            "bytes": store.stat().st_size if store.is_file() else 0
        }
    return found


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
    stores: dict[str, dict[str, Any]] = field(default_factory=dict)  # file -> IndexSpec, bytes
    scoring: str = ""  # fingerprint of the ranker the calibration was measured with
    reader: str = ""  # fingerprint of the code that read the articles into passages

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not directory.exists():
            raise IndexNotFound(f"no index at {directory}: build one with `newsbot index build`")
        if not path.is_file():
            raise IndexCorrupt(
                f"{directory} has no {MANIFEST}: it is incomplete; "
                "rebuild with `newsbot index build`"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
        except (ValueError, TypeError) as exc:
            raise IndexCorrupt(
                f"{path} is damaged ({exc}); rebuild with `newsbot index build`"
            ) from exc
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
