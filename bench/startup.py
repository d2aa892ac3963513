"""How fast `newsbot` starts: `ask` and `serve` against the bare import of their libraries.

    python bench/startup.py              # 5 rounds of the default backend, 2 of torch
    python bench/startup.py --runs 3 --torch-runs 1

In one run, each a fresh process, rounds interleaved so a busy neighbour slows all alike:
  floor  `python -c "import numpy, faiss, onnxruntime, tokenizers"` (what answering needs at
         least: the vector store, the encoder runtime, the tokenizer);
  ask    `newsbot ask "..."`, process start to the printed answer, on an index built from
         tests/fixtures/articles;
  serve  `newsbot serve` against the fake Bot API (tests/fakes/telegram_api.py on loopback),
         process start to its first getUpdates; the Telegram start-up calls before it
         (getMe, setMyCommands, deleteWebhook...) are reported apart, as is the time to
         the first Telegram call. The bot polls before its engine has loaded, so the time
         to its first answer counts too: one question, sent before the process starts,
         from process start to the sendMessage that answers it; then the process's peak
         RSS (VmHWM) is read.
Each for the default encoder backend and for NEWSBOT_ENCODER_BACKEND=torch (before). Medians.
`--before DIR` times a checkout of the code before a change too, in the same rounds:

    git worktree add /tmp/before HEAD~1 && python bench/startup.py --before /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FIXTURES, ROOT, WORK  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402

CORPUS = FIXTURES / "articles"
INDEX = WORK / "startup" / "index"
MODELS = ROOT / "var" / "models"  # the exports `make run` uses: made once, reused here
QUESTION = "How much did the council cut from the library budget?"
USER = 1001  # the one user asking `serve`
FLOOR = "import numpy, faiss, onnxruntime, tokenizers"
NEWSBOT = [str(Path(sys.executable).with_name("newsbot"))]  # the console script
TARGET = 3.0  # issue 10: ask and serve-to-poll (less the Telegram calls) within 3x the floor
SERVE_TIMEOUT = 120.0
RESULTS = ROOT / "bench" / "results"


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    python = platform.python_version()
    return f"{os.cpu_count()} cores ({cpu}), load average {load}, Python {python}"


def env(backend: str, **extra: str) -> dict[str, str]:
    # As installed: Python caches the project's bytecode (a PYTHONDONTWRITEBYTECODE in this
    # shell would make every start compile bot/ and index/ from source again).
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSBOT_", "TELEGRAM_")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    base.update(
        {
            "NEWSBOT_INDEX_DIR": str(INDEX),
            "NEWSBOT_CORPUS_DIR": str(CORPUS),
            "NEWSBOT_MODELS_DIR": str(MODELS),
            "NEWSBOT_ENCODER_BACKEND": backend,
            **extra,
        }
    )
    return base


def timed(command: list[str], environment: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and console script
        command, env=environment, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return took


@dataclass(frozen=True)
class Serve:
    first_call: float  # process start -> first Telegram request
    first_poll: float  # process start -> first getUpdates
    startup_calls: float  # time inside the Telegram calls before the first getUpdates
    first_answer: float  # process start -> the answer to a question sent before it started
    calls: tuple[str, ...]
    peak_rss_mb: float  # VmHWM after answering one question


def serve_once(backend: str, scratch: Path, **extra: str) -> Serve:
    with FakeTelegram() as fake:
        environment = env(
            backend,
            **extra,
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_BASE_URL=fake.base_url,
            TELEGRAM_BASE_FILE_URL=fake.base_file_url,
            NEWSBOT_FEEDBACK_DB=str(scratch / "feedback.sqlite3"),
            NEWSBOT_FEEDS_DB=str(scratch / "feeds.sqlite3"),
            NEWSBOT_RELOAD_CHECK_SECONDS="0",
            NEWSBOT_FEEDS_INTERVAL_SECONDS="0",
        )
        fake.send_text(QUESTION, user_id=USER)  # waiting for the bot before it starts
        start = time.monotonic()
        process = subprocess.Popen(  # noqa: S603
            [*NEWSBOT, "serve"],
            env=environment,
            cwd=scratch,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            while not fake.calls_to("getUpdates"):
                if process.poll() is not None:
                    raise SystemExit(f"serve exited: {process.stderr.read()[-2000:]}")  # type: ignore[union-attr]
                if time.monotonic() - start > SERVE_TIMEOUT:
                    raise SystemExit("serve did not poll in time")
                time.sleep(0.005)
            calls = fake.calls
            poll = next(c for c in calls if c.method == "getUpdates")
            before = [c for c in calls if c.started < poll.started]
            answer = fake.wait_for_call(
                "sendMessage", lambda c: c.params.get("chat_id") == USER, timeout=SERVE_TIMEOUT
            )
            peak = _peak_rss_mb(process.pid)
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
    return Serve(
        first_call=min(c.started for c in calls) - start,
        first_poll=poll.started - start,
        startup_calls=sum(c.finished - c.started for c in before),
        first_answer=answer.started - start,
        calls=tuple(c.method for c in before),
        peak_rss_mb=peak,
    )


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds of floor, ask and serve")
    parser.add_argument("--torch-runs", type=int, default=2, help="rounds with the torch backend")
    parser.add_argument(
        "--before",
        type=Path,
        help="a checkout of the code before a change, timed in the same rounds (its packages "
        "first on PYTHONPATH; the same index, models and virtualenv)",
    )
    args = parser.parse_args()
    # What each variant runs: its encoder backend, and the code (PYTHONPATH) for --before.
    variants: dict[str, tuple[str, dict[str, str]]] = {"onnx": ("onnx", {})}
    if args.before:
        code = str(args.before.resolve())
        variants["before"] = ("onnx", {"PYTHONPATH": code})
    variants["torch"] = ("torch", {})

    print(f"machine: {machine()}")
    INDEX.parent.mkdir(parents=True, exist_ok=True)
    # The index (and, when missing, the ONNX export and the language model cache): not timed.
    timed([*NEWSBOT, "index", "build", "--if-stale"], env("onnx"))
    timed([*NEWSBOT, "ask", QUESTION], env("onnx"))  # warm the page cache

    floor: list[float] = []
    ask: dict[str, list[float]] = {name: [] for name in variants}
    serve: dict[str, list[Serve]] = {name: [] for name in variants}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.runs):
            floor.append(timed([sys.executable, "-c", FLOOR]))
            for name, (backend, extra) in variants.items():
                if name == "torch" and round_ >= args.torch_runs:
                    continue
                ask[name].append(timed([*NEWSBOT, "ask", QUESTION], env(backend, **extra)))
                serve[name].append(serve_once(backend, Path(tmp), **extra))
            print(f"  round {round_ + 1}/{args.runs} done (load {os.getloadavg()[0]:.2f})")

    base = statistics.median(floor)
    report: dict[str, object] = {"machine": machine(), "floor_s": base}
    print(f"machine after: {report['machine']}")
    print(f'floor (`python -c "{FLOOR}"`): {base:.2f} s (median of {len(floor)})')
    labels = {
        "onnx": "default (onnx)",
        "before": f"default (onnx), the code at {args.before}",
        "torch": "torch (before)",
    }
    for name in variants:
        if not ask[name]:
            continue
        label = labels[name]
        a = statistics.median(ask[name])
        runs = serve[name]
        first_call = statistics.median(s.first_call for s in runs)
        first_poll = statistics.median(s.first_poll for s in runs)
        calls = statistics.median(s.startup_calls for s in runs)
        first_answer = statistics.median(s.first_answer for s in runs)
        rss = statistics.median(s.peak_rss_mb for s in runs)
        print(f"{label}:")
        print(f"  ask: {a:.2f} s = {a / base:.1f}x floor (target <= {TARGET:g}x)")
        print(
            f"  serve to first getUpdates: {first_poll:.2f} s = {first_poll / base:.1f}x floor; "
            f"of it {calls:.2f} s in the start-up calls ({', '.join(runs[0].calls)}); "
            f"without them {first_poll - calls:.2f} s = {(first_poll - calls) / base:.1f}x "
            f"(target <= {TARGET:g}x); first Telegram call at {first_call:.2f} s"
        )
        print(
            f"  serve to the answer of a question sent before it started: {first_answer:.2f} s "
            f"= {first_answer / base:.1f}x floor"
        )
        print(f"  serve peak RSS after one answer: {rss:.0f} MB")
        report[name] = {
            "ask_s": a,
            "serve_first_poll_s": first_poll,
            "serve_startup_calls_s": calls,
            "serve_first_call_s": first_call,
            "serve_first_answer_s": first_answer,
            "serve_peak_rss_mb": rss,
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "startup.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
