"""Run every benchmark in one go and write bench/results/report.md (`make bench`).

    python bench/run_all.py [--quick]

Each benchmark prints its own table and writes bench/results/<name>.json; this script
runs them one after another (never in parallel: they would measure each other) and
collects their JSON into one Markdown report with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

# (script, arguments, arguments with --quick)
BENCHMARKS = [
    ("ask_cost.py", [], ["--questions", "300"]),
    ("encoders.py", [], []),
    ("startup.py", [], ["--runs", "3", "--torch-runs", "1"]),
    ("backend_quality.py", [], ["--build", "onnx"]),
    ("answer_line.py", [], []),
    ("distributed_build.py", [], ["--texts", "512", "--repeat", "1"]),
    ("scale_out.py", [], ["--questions", "144"]),
    ("answer_queue.py", [], ["--questions", "200"]),
    ("ptb_floor.py", [], ["--messages", "100"]),
    ("bot_load.py", [], ["--questions", "300", "--sweep-questions", "200"]),
    ("scale.py", [], ["--sizes", "10000", "100000"]),
    ("history_effect.py", [], []),
    ("multilingual_effect.py", [], []),
    ("bot_fuzz.py", [], ["1000"]),
    ("extraction.py", ["--ablate", "--news-dev"], []),
]


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smaller runs (minutes, not tens).")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    started_at = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    sections = [f"# newsbot benchmarks\n\nMachine: {machine()}. Run: {started_at}.\n"]
    failed = []
    for script, full, quick in BENCHMARKS:
        path = HERE / script
        if not path.exists():
            continue
        command = [sys.executable, str(path), *(quick if args.quick else full)]
        print(f"\n=== {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        run = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        print(run.stdout, end="", flush=True)
        seconds = time.perf_counter() - started
        status = "ok" if run.returncode == 0 else f"exit {run.returncode}"
        if run.returncode:
            failed.append(script)
        section = f"## {path.stem} ({status}, {seconds:.0f} s)\n\n```\n{run.stdout.strip()}\n```\n"
        result = RESULTS / (path.stem + ".json")
        if result.exists():
            report = json.dumps(json.loads(result.read_text()), indent=2)
            section += f"\n<details><summary>{result.name}</summary>\n\n```json\n{report}\n```\n"
            section += "</details>\n"
        sections.append(section)
    (RESULTS / "report.md").write_text("\n".join(sections), encoding="utf-8")
    print(f"\nreport: {RESULTS / 'report.md'}")
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
