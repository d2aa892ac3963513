"""Scale-out: answers per second with 1 worker against 3 (`newsbot receive` + `newsbot work`).

    python bench/scale_out.py [--runs 1x2 1x1 3x1] [--users 24] [--questions 240] [--shards 6]

The fake Telegram server runs here with the simulated users; one receiver and N workers run as
their own processes over a real Redis (NEWSBOT_REDIS_URL, default redis://127.0.0.1:6379/0,
under a key prefix of the run's own, deleted after). Each user asks back to back (the next
question when the reply arrives), so the run measures capacity. The index is the seed corpus
(tests/fixtures/seed), built once into var/bench/scale_out_index. Prints, and writes to
bench/results/scale_out.json: per worker count the throughput, p50/p95 latency, lost and
duplicated replies; the ratio of the most workers to one worker at its best thread setting;
and the machine (cores, CPU, load average: on a machine with fewer cores than workers the
ratio says so, it cannot reach N).

A run is WORKERSxTHREADS: that many `newsbot work` processes, each with
NEWSBOT_ENCODER_THREADS=THREADS (MiniLM's intra-op threads). One worker alone may do best
with all cores; several on the same cores do best with one thread each, so the default
compares 1 worker with 2 threads and with 1 against 3 workers with 1 thread each, and the
ratio takes the faster single worker.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from bench.bot_load import ObservedTelegram, cpu_model  # noqa: E402
from bench.common import percentile, question_pool  # noqa: E402
from bot import streams  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scale_out.json"
INDEX = ROOT / "var" / "bench" / "scale_out_index"
SEED = ROOT / "tests" / "fixtures" / "seed"
FIRST_USER = 700_000


def ensure_index() -> Path:
    if not (INDEX / "manifest.json").exists():
        from index.builder import build_index
        from index.embedder import SentenceTransformerEmbedder
        from index.encoding import Encoders, Symmetric
        from index.multilingual import MultilingualEncoder

        INDEX.parent.mkdir(parents=True, exist_ok=True)
        build_index(
            SEED, INDEX, Encoders(Symmetric(SentenceTransformerEmbedder()), MultilingualEncoder())
        )
    return INDEX


def start(command: str, name: str, env: dict[str, str], logs: Path) -> subprocess.Popen[bytes]:
    log = (logs / f"{name}.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import cli; cli()", command, "--name", name],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def run(
    workers: int, threads: int, args: argparse.Namespace, pool: list[str], index: Path
) -> dict[str, Any]:
    prefix = f"newsbot-bench:{uuid.uuid4().hex[:8]}:"
    client = redis.Redis.from_url(args.redis)
    logs = ROOT / "var" / "bench" / f"scale_out_{workers}x{threads}"
    logs.mkdir(parents=True, exist_ok=True)
    with ObservedTelegram() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_BASE_URL": fake.base_url,
            "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
            "NEWSBOT_INDEX_DIR": str(index),
            "NEWSBOT_CORPUS_DIR": str(SEED),
            "NEWSBOT_FEEDBACK_DB": str(logs / "feedback.sqlite3"),
            "NEWSBOT_REDIS_URL": args.redis,
            "NEWSBOT_REDIS_PREFIX": prefix,
            "NEWSBOT_STREAM_SHARDS": str(args.shards),
            "NEWSBOT_RECEIVER_LEASE_SECONDS": "2",
            "NEWSBOT_RATE_LIMIT_PER_MINUTE": "100000",
            "NEWSBOT_RELOAD_CHECK_SECONDS": "0",
            "NEWSBOT_FEEDS_INTERVAL_SECONDS": "0",
            "TOKENIZERS_PARALLELISM": "false",
            "NEWSBOT_ENCODER_THREADS": str(threads),
            # Capacity, not Telegram's limits: each user's next answer would otherwise wait for
            # the 1 message per chat per second (p50 ~1 s, the same with 1 or 3 workers).
            "NEWSBOT_TELEGRAM_RATE_LIMIT": "true" if args.limiter else "false",
        }
        processes = [start("receive", "receiver", env, logs)]
        processes += [start("work", f"worker-{i}", env, logs) for i in range(workers)]
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                owners = {client.get(streams.shard_owner(prefix, s)) for s in range(args.shards)}
                if None not in owners and len(owners) == workers:
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError(f"workers did not start; see {logs}")
            users = [FIRST_USER + i for i in range(args.users)]
            for user in users:
                fake.inbox[user] = queue.Queue()
            per_user = [
                pool[i :: args.users][: args.questions // args.users] for i in range(args.users)
            ]
            ask(fake, users, [qs[:2] for qs in per_user], [], [])  # warm-up
            fake.count.clear()
            latencies: list[float] = []
            lost: list[str] = []
            cpu = cpu_seconds(processes, client)
            started = time.monotonic()
            ask(fake, users, per_user, latencies, lost)
            elapsed = time.monotonic() - started
            cpu = {k: v - cpu[k] for k, v in cpu_seconds(processes, client).items()}
            time.sleep(1)
            asked = sum(len(qs) for qs in per_user)
            replies = sum(fake.count.get(u, 0) for u in users)
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
            keys = list(client.scan_iter(match=prefix + "*", count=1000))
            if keys:
                client.delete(*keys)
    return {
        "workers": workers,
        "threads": threads,
        "questions": asked,
        "seconds": round(elapsed, 2),
        "answers_per_second": round(len(latencies) / elapsed, 2),
        "p50_ms": round(1000 * statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 95), 1) if latencies else None,
        "lost": len(lost),
        "extra_replies": max(0, replies - asked),  # several messages for one long answer count
        # Cores each part used during the run: what the workers got of the machine, and what
        # the receiver, Redis and this harness (fake Telegram, users) took beside them.
        "cores_used": {k: round(v / elapsed, 2) for k, v in cpu.items()},
    }


def cpu_seconds(processes: list[subprocess.Popen[bytes]], client: redis.Redis) -> dict[str, float]:
    """CPU time (user + system) so far of the receiver, the workers, Redis and this process."""

    def of(pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    info = client.info("cpu")
    return {
        "receiver": of(processes[0].pid),
        "workers": sum(of(p.pid) for p in processes[1:]),
        "redis": float(info["used_cpu_user"]) + float(info["used_cpu_sys"]),
        "harness": time.process_time(),
    }


def ask(
    fake: ObservedTelegram,
    users: list[int],
    per_user: list[list[str]],
    latencies: list[float],
    lost: list[str],
) -> None:
    def one(user: int, questions: list[str]) -> None:
        inbox = fake.inbox[user]
        for question in questions:
            sent = time.monotonic()
            fake.send_text(question, user_id=user)
            try:
                latencies.append(inbox.get(timeout=120) - sent)
            except queue.Empty:
                lost.append(question)
            while not inbox.empty():  # a reply in several messages: one answer
                inbox.get_nowait()

    threads = [
        threading.Thread(target=one, args=(u, qs), daemon=True)
        for u, qs in zip(users, per_user, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limiter", action="store_true", help="keep Telegram's rate limits on (off: capacity)"
    )
    parser.add_argument(
        "--runs", nargs="+", default=["1x2", "1x1", "3x1"], help="WORKERSxTHREADS each"
    )
    parser.add_argument("--users", type=int, default=24)
    parser.add_argument("--questions", type=int, default=240)
    parser.add_argument("--shards", type=int, default=6)
    parser.add_argument(
        "--redis", default=os.environ.get("NEWSBOT_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    pool = question_pool()
    while len(pool) < args.questions:
        pool = pool + pool
    index = ensure_index()
    configs = [tuple(int(x) for x in r.split("x")) for r in args.runs]
    runs = [run(n, t, args, pool, index) for n, t in configs]
    fewest = min(r["workers"] for r in runs)
    low = max((r for r in runs if r["workers"] == fewest), key=lambda r: r["answers_per_second"])
    high = max(runs, key=lambda r: (r["workers"], r["answers_per_second"]))
    ratio = round(high["answers_per_second"] / low["answers_per_second"], 2)
    label = f"{high['workers']}x{high['threads']}_vs_best_{low['workers']}x{low['threads']}"
    report = {
        "runs": runs,
        "ratio": {label: ratio},
        "machine": {
            "cores": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    for r in runs:
        print(
            f"{r['workers']} worker(s) x {r['threads']} thread(s): "
            f"{r['answers_per_second']} answers/s, "
            f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, lost {r['lost']}, "
            f"cores used {r['cores_used']}, "
            f"{r['questions']} questions in {r['seconds']} s"
        )
    m = report["machine"]
    print(
        f"{high['workers']} workers x {high['threads']} thread vs the best single worker "
        f"({low['threads']} threads): x{ratio}"
    )
    print(f"machine: {m['cores']} cores, {m['cpu']}, load {m['load_average']}")


if __name__ == "__main__":
    main()
