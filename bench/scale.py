"""Where one machine ends: the vector store at 10k, 100k and 1M synthetic passages.

For each size: build time, index bytes (and per passage), peak RSS, load time read whole vs
memory-mapped, single-query and batch search latency, recall@10 against exact search, what
one exact query would cost at that size, and reading every vector back (what a rebuild that
reuses vectors does). The store is built exactly as `newsbot index build` builds it:
`FaissStore.create(dim, n)` picks the index kind by size (index/store.py, `choose_index`).

    python bench/scale.py                               # 10k, 100k, 1M: ~10-15 min on 2 cores
    python bench/scale.py --sizes 10000 100000          # about a minute
    python bench/scale.py --sizes 100000 --hnsw         # also HNSW, the alternative measured

Synthetic vectors (embedding a million passages on 2 cores would take hours):
  seeds    real all-MiniLM-L6-v2 vectors of the seed corpus: its passages, sentences and
           vocabulary words, read from a built index (--index, default var/index) or, if there
           is none built with this model, embedded now.
  passage  normalise(normalise(w1 s1 + w2 s2 + w3 s3) + noise): three random seeds mixed
           with weights w ~ Dirichlet(1, 1, 1), plus Gaussian noise N(0, sigma^2 I) per
           dimension (sigma = --noise, 0.03: the noise is ~0.6 of the mix's length), then
           L2-normalised. Mixing fills the space between topics; the noise makes every vector
           distinct, so near neighbours are close but never ties.
  query    a random real question (tests/data/questions.jsonl, ../shared/eval/dev_questions.jsonl)
           embedded by the model, plus the same noise, normalised; --queries of them.
The median top-1 cosine of the queries is printed next to that of the real questions against
the real passages, as a check that the synthetic corpus is neither far easier nor far harder.

Each size runs in its own process, so its peak RSS (ru_maxrss) is its own. Latency is timed
with the default FAISS threads; the table prints the load average: above the core count the
absolute numbers are inflated, so rerun. Writes bench/results/scale.json and, if matplotlib is
installed (`pip install -e .[bench]`), bench/results/scale.png.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from index.store import FaissStore, IndexSpec, choose_index, sidecar  # noqa: E402

QUESTION_FILES = (
    ROOT / "tests/data/questions.jsonl",
    ROOT.parent / "shared/eval/dev_questions.jsonl",
)
RESULTS = ROOT / "bench/results/scale.json"
PLOT = ROOT / "bench/results/scale.png"
SEED_STORES = ("passages.faiss", "sentences.faiss", "vocab.faiss")
K = 10  # recall@K
CANDIDATES = 20  # what the retriever asks each store for (index/search.py)
MIX = 3
CHUNK = 100_000
NPROBES = (8, 16, 32, 64, 128)
EF_SEARCH = (64, 128, 256)


# ---------------------------------------------------------------- synthetic vectors


def synthesize(seeds: np.ndarray, count: int, noise: float, mix: int, seed: int) -> np.ndarray:
    """`count` unit vectors: mixes of `mix` random seeds plus Gaussian noise (module docstring)."""
    rng = np.random.default_rng(seed)
    out = np.empty((count, seeds.shape[1]), dtype=np.float32)
    for start in range(0, count, CHUNK):
        n = min(CHUNK, count - start)
        picks = rng.integers(0, len(seeds), size=(n, mix))
        weights = rng.dirichlet(np.ones(mix), size=n).astype(np.float32)
        rows = weights[:, :1] * seeds[picks[:, 0]]
        for j in range(1, mix):
            rows += weights[:, j : j + 1] * seeds[picks[:, j]]
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        rows += noise * rng.standard_normal(rows.shape, dtype=np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        out[start : start + n] = rows
    return out


def real_vectors(index_dir: Path, tmp: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(seed vectors, passage+sentence vectors, question vectors, where the seeds came from)."""
    from index.builder import build_index
    from index.embedder import DEFAULT_MODEL, SentenceTransformerEmbedder
    from index.store import Manifest

    embedder = SentenceTransformerEmbedder()
    try:
        usable = Manifest.read(index_dir).model == DEFAULT_MODEL
    except Exception:  # noqa: BLE001 - any problem means: build the seeds afresh
        usable = False
    if not usable:
        index_dir = tmp / "seed-index"
        build_index(ROOT / "tests" / "fixtures" / "seed", index_dir, embedder)
    parts = [FaissStore.load(index_dir / name) for name in SEED_STORES]
    vectors = [p.vectors(range(len(p))) for p in parts]
    questions = [
        json.loads(line)["question"]
        for path in QUESTION_FILES
        if path.is_file()
        for line in path.open(encoding="utf-8")
        if line.strip()
    ]
    asked = embedder.embed(questions)
    return np.vstack(vectors), np.vstack(vectors[:2]), asked, str(index_dir)


# ---------------------------------------------------------------- one size (a child process)


def memory() -> dict[str, float]:
    """This process's resident memory in MiB: anonymous (owned) and file-backed (mapped)."""
    status = Path("/proc/self/status").read_text()
    found = dict(re.findall(r"^(RssAnon|RssFile|VmHWM):\s+(\d+) kB", status, re.M))
    return {name: int(kb) / 1024 for name, kb in found.items()}


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {f"p{p}_ms": float(np.percentile(ms, p)) for p in (50, 95, 99)}


def single_query_latency(store: FaissStore, queries: np.ndarray, passes: int = 3) -> dict[str, Any]:
    """Wall-clock percentiles, and the CPU time of the calling thread: the work itself, without
    waiting for a core (a single query runs on the calling thread: FaissStore.search).

    A first pass warms the store (a fresh memory map faults its pages in on first touch) and is
    reported as `cold_p50_ms`; then `passes` timed passes, pooled.
    """
    cold = []
    for query in queries:
        started = time.perf_counter()
        store.search(query[None], CANDIDATES)
        cold.append(time.perf_counter() - started)
    seconds, cpu = [], []
    for _ in range(passes):
        for query in queries:
            started, started_cpu = time.perf_counter(), time.thread_time()
            store.search(query[None], CANDIDATES)
            cpu.append(time.thread_time() - started_cpu)
            seconds.append(time.perf_counter() - started)
    found = percentiles(seconds)
    return (
        found
        | {f"cpu_{k}": v for k, v in percentiles(cpu).items()}
        | {"cold_p50_ms": percentiles(cold)["p50_ms"]}
    )


def recall(store: FaissStore, queries: np.ndarray, exact: np.ndarray) -> float:
    found = store.search(queries, K)
    hits = [len(set(e) & {r for r, _ in f}) for e, f in zip(exact, found, strict=True)]
    return float(np.mean(hits) / K)


def measure(count: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    seeds, queries = np.load(work / "seeds.npy"), np.load(work / "queries.npy")
    result: dict[str, Any] = {"passages": count, "dim": int(seeds.shape[1])}
    started = time.perf_counter()
    rows = synthesize(seeds, count, args.noise, MIX, seed=count)
    result["generate_s"] = time.perf_counter() - started

    started = time.perf_counter()
    scores, exact = faiss.knn(queries, rows, K, faiss.METRIC_INNER_PRODUCT)
    result["exact_batch_ms_per_query"] = (time.perf_counter() - started) * 1000 / len(queries)
    result["query_top1_cosine_median"] = float(np.median(scores[:, 0]))
    seconds = []
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)  # as the store runs a single query
    for query in queries[: args.exact_queries]:
        started = time.perf_counter()
        faiss.knn(query[None], rows, CANDIDATES, faiss.METRIC_INNER_PRODUCT)
        seconds.append(time.perf_counter() - started)
    faiss.omp_set_num_threads(threads)
    result["exact_single"] = percentiles(seconds)

    before = memory()["RssAnon"]
    started = time.perf_counter()
    store = FaissStore.create(int(seeds.shape[1]), count)
    store.add(rows)
    result["build_s"] = time.perf_counter() - started
    result["build_index_mib"] = memory()["RssAnon"] - before
    result["spec"] = store.spec.to_dict()
    path = work / f"{count}.faiss"
    started = time.perf_counter()
    store.save(path)
    result["save_s"] = time.perf_counter() - started
    result["index_bytes"] = path.stat().st_size
    result["bytes_per_passage"] = path.stat().st_size / count
    del store
    gc.collect()

    for mode in ("read", "mmap"):  # each in a fresh process: freed build memory would hide it
        flags = ["--mmap"] if mode == "mmap" else []
        probe = [sys.executable, __file__, "--probe-load", str(path), *flags]
        result[f"load_{mode}"] = json.loads(subprocess.check_output(probe))  # noqa: S603
    before = memory()
    store = FaissStore.load(path)  # memory-mapped, as the bot serves it
    result["single"] = single_query_latency(store, queries)
    result["after_search_mib"] = {k: memory()[k] - before[k] for k in ("RssAnon", "RssFile")}
    started = time.perf_counter()
    store.search(queries, CANDIDATES)
    result["batch_ms_per_query"] = (time.perf_counter() - started) * 1000 / len(queries)
    result["recall_at_10"] = recall(store, queries, exact)

    started = time.perf_counter()
    back = store.vectors(range(len(store)))
    result["read_all_vectors_s"] = time.perf_counter() - started
    assert np.array_equal(back[:: max(1, count // 1000)], rows[:: max(1, count // 1000)])
    del back

    if store.spec.nlist:
        result["nprobe_sweep"] = nprobe_sweep(path, store.spec, queries, exact)
    if args.hnsw and count <= args.hnsw_max:
        result["hnsw"] = hnsw(rows, queries, exact)
    result["peak_rss_mib"] = memory()["VmHWM"]  # this process's own peak (it is reset by exec)
    return result


def probe_load(path: Path, mmap: bool) -> dict[str, Any]:
    """Load time and the memory a load adds, in this (fresh) process."""
    before = memory()
    started = time.perf_counter()
    store = FaissStore.load(path, mmap=mmap)
    seconds = time.perf_counter() - started
    after = memory()
    return {
        "seconds": seconds,
        "anon_mib": after["RssAnon"] - before["RssAnon"],
        "file_mib": after["RssFile"] - before["RssFile"],
        "memory_mapped": store.memory_mapped,
    }


def nprobe_sweep(path: Path, spec: IndexSpec, queries: np.ndarray, exact: np.ndarray) -> list[Any]:
    """Recall and latency at other nprobe values, through the spec file beside the index."""
    saved = sidecar(path).read_text(encoding="utf-8")
    sweep = []
    try:
        for nprobe in (n for n in NPROBES if n <= spec.nlist):
            tried = IndexSpec(spec.kind, spec.nlist, nprobe, spec.rerank)
            sidecar(path).write_text(json.dumps(tried.to_dict()), encoding="utf-8")
            store = FaissStore.load(path)
            sweep.append(
                {"nprobe": nprobe, "recall_at_10": recall(store, queries, exact)}
                | single_query_latency(store, queries[:100], passes=1)
            )
    finally:
        sidecar(path).write_text(saved, encoding="utf-8")
    return sweep


def hnsw(rows: np.ndarray, queries: np.ndarray, exact: np.ndarray) -> dict[str, Any]:
    """The alternative to IVF: IndexHNSWFlat, M=32, efConstruction=40, efSearch swept."""
    index = faiss.IndexHNSWFlat(rows.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 40
    started = time.perf_counter()
    index.add(rows)
    found: dict[str, Any] = {
        "M": 32,
        "efConstruction": 40,
        "build_s": time.perf_counter() - started,
    }
    sweep = []
    for ef in EF_SEARCH:
        index.hnsw.efSearch = ef
        store = FaissStore(rows.shape[1], index, IndexSpec("hnsw"))
        sweep.append(
            {"efSearch": ef, "recall_at_10": recall(store, queries, exact)}
            | single_query_latency(store, queries[:100], passes=1)
        )
    found["sweep"] = sweep
    return found


# ---------------------------------------------------------------- the benchmark


def machine() -> dict[str, Any]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").is_file():
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = names[0] if names else cpu
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "faiss_threads": faiss.omp_get_max_threads(),
        "python": platform.python_version(),
        "faiss": faiss.__version__,
        "numpy": np.__version__,
        "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def run_child(count: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    out = work / f"result-{count}.json"
    command = [sys.executable, __file__, "--child", str(count), "--work", str(work)]
    command += ["--noise", str(args.noise), "--exact-queries", str(args.exact_queries)]
    command += ["--hnsw-max", str(args.hnsw_max)] + (["--hnsw"] if args.hnsw else [])
    started = time.perf_counter()
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603 - this script
    if child.wait() != 0:
        raise SystemExit(f"the {count:,} passage run failed")
    result = json.loads(out.read_text())
    result["wall_s"] = time.perf_counter() - started
    return result


def describe(spec: dict[str, Any]) -> str:
    if spec.get("nlist"):
        found = f"{spec['kind']} {spec['nlist']}/{spec['nprobe']}"
        return found + (f" x{spec['rerank']}" if spec.get("rerank") else "")
    return spec["kind"]


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"machine       {m['cores']} cores, {m['cpu']}, {m['memory_gib']:.0f} GiB",
        f"software      python {m['python']}, faiss {m['faiss']} ({m['faiss_threads']} threads), "
        f"numpy {m['numpy']}",
        f"load average  {m['load_average_start']} at start, {m['load_average_end']} at end",
        f"seeds         {result['seeds']} real vectors from {result['seed_source']}; "
        f"{result['queries']} queries, noise {result['noise']}",
        f"real questions vs real passages: median top-1 cosine {result['real_top1_median']:.3f}",
        "",
    ]
    runs = result["runs"]
    rows: list[tuple[str, ...]] = [
        ("passages", *(f"{r['passages']:,}" for r in runs)),
        ("index (chosen by size)", *(describe(r["spec"]) for r in runs)),
        ("build (train + add) s", *(f"{r['build_s']:.1f}" for r in runs)),
        ("index file MiB", *(f"{r['index_bytes'] / 2**20:.0f}" for r in runs)),
        ("bytes per passage", *(f"{r['bytes_per_passage']:.0f}" for r in runs)),
        ("peak RSS MiB (whole run)", *(f"{r['peak_rss_mib']:.0f}" for r in runs)),
        ("load, read whole: s / MiB", *(
            f"{r['load_read']['seconds']:.2f} / {r['load_read']['anon_mib']:.0f}" for r in runs)),
        ("load, mmap: s / MiB", *(
            f"{r['load_mmap']['seconds']:.3f} / {r['load_mmap']['anon_mib']:.0f}" for r in runs)),
        ("  mapped pages after queries MiB", *(
            f"{r['after_search_mib']['RssFile']:.0f}" for r in runs)),
        (f"query p50 / p95 / p99 ms (k={CANDIDATES})", *(
            f"{r['single']['p50_ms']:.2f} / {r['single']['p95_ms']:.2f} / "
            f"{r['single']['p99_ms']:.2f}" for r in runs)),
        ("  first pass (cold mmap) p50 ms", *(f"{r['single']['cold_p50_ms']:.2f}" for r in runs)),
        ("  its CPU time p50 / p95 ms", *(
            f"{r['single']['cpu_p50_ms']:.2f} / {r['single']['cpu_p95_ms']:.2f}"
            for r in runs)),
        ("batch ms/query", *(f"{r['batch_ms_per_query']:.2f}" for r in runs)),
        ("recall@10 vs exact", *(f"{r['recall_at_10']:.3f}" for r in runs)),
        ("exact query p50 ms", *(f"{r['exact_single']['p50_ms']:.1f}" for r in runs)),
        ("query top-1 cosine median", *(f"{r['query_top1_cosine_median']:.3f}" for r in runs)),
        ("read all vectors back s", *(f"{r['read_all_vectors_s']:.2f}" for r in runs)),
        ("run wall s", *(f"{r['wall_s']:.0f}" for r in runs)),
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        lines.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    for r in runs:
        for point in r.get("nprobe_sweep", []):
            lines.append(
                f"  {r['passages']:>9,}  nprobe {point['nprobe']:>3}: recall@10 "
                f"{point['recall_at_10']:.3f}, p50 {point['p50_ms']:.2f} ms, "
                f"p95 {point['p95_ms']:.2f} ms"
            )
        if "hnsw" in r:
            h = r["hnsw"]
            lines.append(f"  {r['passages']:>9,}  HNSW32 build {h['build_s']:.1f} s")
            for point in h["sweep"]:
                lines.append(
                    f"  {r['passages']:>9,}  efSearch {point['efSearch']:>3}: recall@10 "
                    f"{point['recall_at_10']:.3f}, p50 {point['p50_ms']:.2f} ms"
                )
    return "\n".join(lines)


def plot(result: dict[str, Any]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    runs = result["runs"]
    sizes = [r["passages"] for r in runs]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label in (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")):
        left.plot(sizes, [r["single"][key] for r in runs], "o-", label=f"store query {label}")
    left.plot(sizes, [r["exact_single"]["p50_ms"] for r in runs], "s--", label="exact query p50")
    left.axhline(5, color="grey", linestyle=":", label="5 ms target")
    left.set(xscale="log", yscale="log", xlabel="passages", ylabel="ms per query",
             title="Single-query latency (k=20)")  # fmt: skip
    for r in runs:
        left.annotate(describe(r["spec"]), (r["passages"], r["single"]["p50_ms"]), fontsize=7)
    left.legend(fontsize=8)
    right.plot(sizes, [r["peak_rss_mib"] for r in runs], "o-", label="peak RSS of the run")
    right.plot(sizes, [r["index_bytes"] / 2**20 for r in runs], "o-", label="index file")
    right.plot(sizes, [r["load_read"]["anon_mib"] for r in runs], "o-", label="loaded, read whole")
    right.plot(sizes, [max(r["load_mmap"]["anon_mib"], 0.1) for r in runs], "o-",
               label="loaded, mmap (owned memory)")  # fmt: skip
    right.set(xscale="log", yscale="log", xlabel="passages", ylabel="MiB", title="Memory")
    right.legend(fontsize=8)
    m = result["machine"]
    fig.suptitle(f"newsbot vector store, {m['cores']} cores {m['cpu']}, faiss {m['faiss']}",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    return PLOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--noise", type=float, default=0.03)
    parser.add_argument("--exact-queries", type=int, default=20,
                        help="queries timed against exact search (slow at 1M)")  # fmt: skip
    parser.add_argument("--index", type=Path, default=ROOT / "var/index",
                        help="built index to take the real seed vectors from")  # fmt: skip
    parser.add_argument("--hnsw", action="store_true", help="also measure HNSW (slow to build)")
    parser.add_argument("--hnsw-max", type=int, default=100_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--probe-load", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mmap", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.probe_load:
        print(json.dumps(probe_load(args.probe_load, args.mmap)))
        return
    if args.child:
        result = measure(args.child, args.work, args)
        (args.work / f"result-{args.child}.json").write_text(json.dumps(result, indent=2))
        return

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    result: dict[str, Any] = {"machine": machine(), "noise": args.noise, "mix": MIX}
    with tempfile.TemporaryDirectory(prefix="newsbot-scale-") as tmp:
        work = Path(tmp)
        seeds, passages, asked, source = real_vectors(args.index, work)
        queries = synthesize(asked, args.queries, args.noise, mix=1, seed=7)  # question + noise
        np.save(work / "seeds.npy", seeds)
        np.save(work / "queries.npy", queries)
        result |= {
            "seeds": len(seeds),
            "seed_source": source,
            "queries": len(queries),
            "real_top1_median": float(np.median((asked @ passages.T).max(axis=1))),
            "policy": {str(n): choose_index(n).to_dict() for n in args.sizes},
            "runs": [],
        }
        for count in args.sizes:
            print(f"{count:,} passages ...", file=sys.stderr, flush=True)
            result["runs"].append(run_child(count, work, args))
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    print(table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")
    if (png := plot(result)) is not None:
        print(f"written: {png.relative_to(ROOT)}")
    else:
        print("no plot: matplotlib is not installed (pip install -e '.[bench]')")


if __name__ == "__main__":
    main()
