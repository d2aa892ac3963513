"""Load run: simulated users ask questions through the fake Telegram server to the real bot.

    python bench/bot_load.py [--users 50] [--questions 1000] [--think 1 4] [--sweep 1 10 50]

Each user sends a question, waits for the reply, reads it for a random think time, and asks
the next one (like a person). Prints and writes to bench/results/bot_load.json: lost and
duplicated replies, p50/p95 time from update to reply, the answering core's own cost per
question (the same questions, one at a time, no Telegram), their ratio, and the machine.
Then capacity (--sweep): 1, 10 and 50 users asking back to back with no think time, the
same questions each time: throughput and p50/p95/p99, and 50 users against 1.

The bot runs as deployed, `newsbot serve` in its own process, pointed at the fake server
(which runs here with the simulated users); `--in-process` runs it in this process instead,
as the e2e tests do. The per-user question limit is raised for the run: it guards against
abuse, not capacity.
Telegram's own flood limit (~30 messages/s per bot, PTB's AIORateLimiter) stays on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import telegram  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bench.common import percentile, question_pool  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.e2e.botrunner import RunningBot  # noqa: E402
from tests.fakes.telegram_api import Call, FakeTelegram  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "bot_load.json"
FIRST_USER = 900_000
WARM_UP = 60  # questions a fresh bot answers before timing (model shapes, lazy loads)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def core_cost(engine: Engine, questions: list[str], n: int) -> list[float]:
    """Seconds per question for the answering core alone, one question at a time."""
    for q in questions[:5]:
        engine.answer(q)  # warm-up
    costs = []
    for q in questions[:n]:
        started = time.perf_counter()
        engine.answer(q)
        costs.append(time.perf_counter() - started)
    return costs


class ObservedTelegram(FakeTelegram):
    """The fake server, telling the load run about each reply as it is recorded (no polling:
    scanning the growing call list from 50 user threads would cost more than the bot)."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: dict[int, queue.Queue[float]] = {}
        self.count: dict[int, int] = {}

    def _record(self, call: Call) -> None:  # hook into the fake's one place that records calls
        super()._record(call)
        if call.method == "sendMessage" and call.ok:
            chat = int(call.params["chat_id"])
            self.count[chat] = self.count.get(chat, 0) + 1
            if chat in self.inbox:
                self.inbox[chat].put(call.finished)


def simulate(
    fake: ObservedTelegram,
    user: int,
    questions: list[str],
    think: tuple[float, float],
    latencies: list[float],
    lost: list[str],
    rng: random.Random,
) -> None:
    inbox = fake.inbox[user]
    # People do not all press "send" at the same instant: with a think time, each user starts
    # somewhere in one think period (otherwise 50 first questions land together, and their
    # replies leave in lockstep against Telegram's 30 messages/s, round after round).
    time.sleep(rng.uniform(0, think[1]))
    for question in questions:
        sent = time.monotonic()
        fake.send_text(question, user_id=user)
        try:
            latencies.append(inbox.get(timeout=120) - sent)
        except queue.Empty:
            lost.append(question)
        time.sleep(rng.uniform(*think))


@contextlib.contextmanager
def serving(fake: ObservedTelegram, base: Settings, engine: Engine, tmp: Path, in_process: bool):
    """The bot, polling the fake server: `newsbot serve` as its own process (as deployed, so
    the fake server and the simulated users do not share its interpreter), or in this one."""
    overrides = {
        "feedback_db": Path(tmp) / "feedback.sqlite3",
        "rate_limit_per_minute": 10_000,
        "reload_check_seconds": 0,
    }
    if in_process:
        settings = base.model_copy(
            update={
                "telegram_bot_token": SecretStr(fake.token),  # model_copy does not validate
                "telegram_base_url": fake.base_url,
                "telegram_base_file_url": fake.base_file_url,
                **overrides,
            }
        )
        bot = RunningBot(settings, engine).start()
        try:
            yield
        finally:
            bot.stop()
        return
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    env |= {f"NEWSBOT_{k.upper()}": str(v) for k, v in overrides.items()}
    env |= {
        "NEWSBOT_INDEX_DIR": str(base.index_dir.resolve()),
        "NEWSBOT_CORPUS_DIR": str(base.corpus_dir.resolve()),
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
    }
    script = Path(sys.executable).with_name("newsbot")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "bot.cli"]
    with (Path(tmp) / "serve.log").open("w") as log:
        child = subprocess.Popen([*command, "serve"], cwd=tmp, env=env, stdout=log, stderr=log)
        try:
            fake.wait_for_call("getUpdates", timeout=120)  # polling: the bot is up
            yield
        finally:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()


def load_run(
    engine: Engine,
    base: Settings,
    per_user: list[list[str]],
    think: tuple[float, float],
    seed: int,
    in_process: bool = False,
    warm_up: Sequence[str] = (),
) -> dict[str, Any]:
    """One run: a bot over the fake server, one thread per user asking its questions in turn.
    Latencies (s), lost questions, duplicated replies, rejected calls, typing actions."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        ObservedTelegram() as fake,
        serving(fake, base, engine, Path(tmp), in_process),
    ):
        # A served bot has answered before: the first answers of a fresh process pay for model
        # warm-up (torch prepares kernels per input length) and lazy loading, once, so one
        # user asks questions of many lengths before timing.
        warm = FIRST_USER - 1
        fake.inbox[warm] = queue.Queue()
        simulate(fake, warm, warm_up, (0.0, 0.0), [], [], random.Random(seed))
        users = [FIRST_USER + u for u in range(len(per_user))]
        for user in users:
            fake.inbox[user] = queue.Queue()
        latencies: list[float] = []
        lost: list[str] = []
        started = time.monotonic()
        threads = [
            threading.Thread(
                target=simulate,
                args=(fake, user, qs, think, latencies, lost, random.Random(seed + user)),
            )
            for user, qs in zip(users, per_user, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        fake.wait_for_updates_consumed(60)
        time.sleep(1.0)  # a late duplicate would show up now
        expected = {u: len(qs) for u, qs in zip(users, per_user, strict=True)}
        return {
            "latencies": latencies,
            "lost": lost,
            "elapsed": elapsed,
            "duplicated": sum(max(0, fake.count.get(u, 0) - n) for u, n in expected.items()),
            "rejected": len(fake.rejected_calls()),
            "typing": len(fake.chat_actions),
        }


def latency_ms(latencies: list[float]) -> dict[str, float]:
    found = {f"p{p}": round(percentile(latencies, p) * 1000, 1) for p in (50, 95, 99)}
    return found | {"max": round(max(latencies) * 1000, 1)}


def sweep(engine: Engine, base: Settings, pool: list[str], args: argparse.Namespace) -> list[dict]:
    """Capacity: 1, 10, 50 users asking back to back (no think time), the same questions."""
    rng = random.Random(args.seed)
    asked = [pool[rng.randrange(len(pool))] for _ in range(args.sweep_questions)]
    rows = []
    for users in args.sweep:
        per_user = [asked[u::users] for u in range(users)]
        run = load_run(
            engine, base, per_user, (0.0, 0.0), args.seed, args.in_process, pool[-WARM_UP:]
        )
        rows.append(
            {
                "users": users,
                "replies": len(run["latencies"]),
                "lost": len(run["lost"]),
                "duplicated": run["duplicated"],
                "throughput_per_second": round(len(run["latencies"]) / run["elapsed"], 1),
                "update_to_reply_ms": latency_ms(run["latencies"]),
            }
        )
        print(
            f"  {users:>3} users back to back: {rows[-1]['throughput_per_second']:>6}/s, "
            f"p50/p95/p99 {rows[-1]['update_to_reply_ms']['p50']}/"
            f"{rows[-1]['update_to_reply_ms']['p95']}/{rows[-1]['update_to_reply_ms']['p99']} ms"
            f", lost {rows[-1]['lost']}, duplicated {rows[-1]['duplicated']}",
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(1.0, 4.0),
        metavar=("MIN", "MAX"),
        help="seconds a user reads a reply before asking again (uniform)",
    )
    parser.add_argument(
        "--sweep",
        type=int,
        nargs="*",
        default=[1, 10, 50],
        help="also: these numbers of users asking back to back (capacity); none to skip",
    )
    parser.add_argument("--sweep-questions", type=int, default=400)
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the bot in this process (as the e2e tests do), not as `newsbot serve`",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    pool = question_pool()
    rng = random.Random(args.seed)
    base = Settings()  # the configured index (make index), model and answering settings
    engine = Engine(base)
    per_user: list[list[str]] = [[] for _ in range(args.users)]
    for i in range(args.questions):
        per_user[i % args.users].append(pool[rng.randrange(len(pool))])
    asked = [q for qs in per_user for q in qs]
    # The core's own cost on the same questions, before and after the run (the machine may
    # be shared; measuring twice shows how much it drifted).
    costs = core_cost(engine, asked, 200)
    warm_up = pool[-WARM_UP:]
    run = load_run(engine, base, per_user, tuple(args.think), args.seed, args.in_process, warm_up)
    latencies, lost, elapsed = run["latencies"], run["lost"], run["elapsed"]
    duplicated, rejected, typing = run["duplicated"], run["rejected"], run["typing"]
    costs_after = core_cost(engine, asked[::-1], 200)
    core_p50 = statistics.median(costs + costs_after)
    p50 = percentile(latencies, 50)
    report: dict[str, Any] = {
        "users": args.users,
        "questions": args.questions,
        "think_seconds": list(args.think),
        "bot": "in this process" if args.in_process else "newsbot serve, its own process",
        "replies": len(latencies),
        "lost": len(lost),
        "duplicated": duplicated,
        "rejected_calls": rejected,
        "typing_actions": typing,
        "elapsed_seconds": round(elapsed, 1),
        "throughput_per_second": round(len(latencies) / elapsed, 1),
        "update_to_reply_ms": latency_ms(latencies),
        "core_per_question_ms": {
            "p50": round(core_p50 * 1000, 1),
            "p50_before_run": round(statistics.median(costs) * 1000, 1),
            "p50_after_run": round(statistics.median(costs_after) * 1000, 1),
            "mean": round(statistics.fmean(costs + costs_after) * 1000, 1),
            "p95": round(percentile(costs + costs_after, 95) * 1000, 1),
        },
        "ratio_p50_to_core_p50": round(p50 / core_p50, 2),
        "target_ratio": 2.0,
        "machine": {
            "cores": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "python-telegram-bot": telegram.__version__,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
    }
    t = report["update_to_reply_ms"]
    c = report["core_per_question_ms"]
    print(
        f"machine: {os.cpu_count()} cores, {cpu_model()}, load {report['machine']['load_average']}"
    )
    print(
        f"{args.users} users, {len(latencies)}/{args.questions} replies in {elapsed:.1f}s "
        f"({report['throughput_per_second']}/s), think {args.think[0]}-{args.think[1]}s"
    )
    print(
        f"lost {len(lost)}, duplicated {duplicated}, rejected calls {rejected}, "
        f"typing actions {typing}"
    )
    print(
        f"update -> reply: p50 {t['p50']} ms, p95 {t['p95']} ms, p99 {t['p99']} ms, "
        f"max {t['max']} ms"
    )
    print(
        f"answering core alone: p50 {c['p50']} ms (before {c['p50_before_run']}, after "
        f"{c['p50_after_run']}), mean {c['mean']} ms per question"
    )
    print(f"ratio p50 / core p50: {report['ratio_p50_to_core_p50']} (target <= 2.0)")
    if args.sweep:
        print(f"capacity, {args.sweep_questions} questions per run:", flush=True)
        rows = sweep(engine, base, pool, args)
        report["sweep"] = rows
        one = next((r for r in rows if r["users"] == 1), None)
        most = max(rows, key=lambda r: r["users"])
        if one is not None and most is not one:
            report["sweep_throughput_ratio"] = round(
                most["throughput_per_second"] / one["throughput_per_second"], 2
            )
            report["sweep_p95_to_single_p50"] = round(
                most["update_to_reply_ms"]["p95"] / one["update_to_reply_ms"]["p50"], 2
            )
            print(
                f"{most['users']} users vs 1: throughput x{report['sweep_throughput_ratio']} "
                f"(target >= 2), p95 / single-user p50 = {report['sweep_p95_to_single_p50']} "
                "(target <= 2)"
            )
        lost_any = any(r["lost"] or r["duplicated"] for r in rows)
    else:
        lost_any = False
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"-> {RESULTS.relative_to(ROOT)}")
    if lost or duplicated or rejected or lost_any:
        sys.exit(1)


if __name__ == "__main__":
    main()
