"""Micro-batching without Telegram: 1, 10 and 50 callers asking the bot's answer queue back
to back, against the answering core one question at a time.

    python bench/answer_queue.py [--questions 400] [--users 1 10 50]

The queue (bot/batching.py) answers a question at once when the engine is idle and gathers
whatever arrived meanwhile into one `answer_many` batch. This measures what that buys:
throughput and p50/p95 per caller count, the throughput ratio to one caller, and the ratio
of p95 to the single-caller p50. Writes bench/results/answer_queue.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile, question_pool  # noqa: E402
from bot.batching import AnswerQueue  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "answer_queue.json"


async def run(
    engine: Engine, questions: list[str], users: int, think: tuple[float, float] = (0.0, 0.0)
) -> dict[str, Any]:
    queue = AnswerQueue(engine)
    latencies: list[float] = []
    rng = random.Random(users)

    async def user(mine: list[str]) -> None:
        if think[1] > 0:  # people do not all start at the same instant
            await asyncio.sleep(rng.uniform(0, think[1]))
        for question in mine:
            started = time.perf_counter()
            await queue.answer(question)
            latencies.append(time.perf_counter() - started)
            if think[1] > 0:
                await asyncio.sleep(rng.uniform(*think))

    started = time.perf_counter()
    await asyncio.gather(*(user(questions[u::users]) for u in range(users)))
    elapsed = time.perf_counter() - started
    await queue.close()
    return {
        "users": users,
        "think_seconds": list(think),
        "throughput_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--users", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 4.0),
        help="and a last run: the most callers, each reading a reply this long (s) before asking",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    pool = question_pool()
    rng = random.Random(args.seed)
    questions = [pool[rng.randrange(len(pool))] for _ in range(args.questions)]
    engine = Engine(Settings())  # the configured index (make index) and model
    engine.answer_many([(q, ()) for q in questions[:64]])  # warm: model shapes, word cache
    rows = [asyncio.run(run(engine, questions, users)) for users in args.users]
    # People read before they ask again: the load a crowd of that size really makes.
    rows.append(asyncio.run(run(engine, questions, max(args.users), tuple(args.think))))
    one = next(r for r in rows if r["users"] == min(args.users))
    for row in rows:
        row["throughput_vs_one"] = round(
            row["throughput_per_second"] / one["throughput_per_second"], 2
        )
        row["p95_vs_one_p50"] = round(row["p95_ms"] / one["p50_ms"], 2)
        print(
            f"{row['users']:>3} callers, think {row['think_seconds']} s: "
            f"{row['throughput_per_second']:>6}/s "
            f"(x{row['throughput_vs_one']}), p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms "
            f"({row['p95_vs_one_p50']}x the one-caller p50), p99 {row['p99_ms']} ms"
        )
    report = {
        "questions": args.questions,
        "rows": rows,
        "machine": {
            "cores": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
