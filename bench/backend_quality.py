"""Answer quality on each encoder backend: the default switch (torch -> ONNX) changes nothing.

    python bench/backend_quality.py                   # build with torch and onnx, serve with both
    python bench/backend_quality.py --build onnx      # build only with onnx (torch's if present)
    python bench/backend_quality.py --backends torch onnx onnx-int8

For each labelled set (bench/common.py: seed-dev, news-dev, the fixtures' own questions...),
an index is built with each --build backend (`newsbot index build --if-stale`,
NEWSBOT_ENCODER_BACKEND; kept under var/bench/backends/<set>-<backend>/) and every index
present is served with every --backends backend (`newsbot eval FILE --json`): built and
served alike is what a user switching the setting gets; built with one and served by the
other is an index made before the switch, queried after it. Figures: recall@1, recall@3 and
answer hits over every question, against torch's on torch's own index where it exists
(else on the same index); issue 10: within 0.01 on every set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, WORK, question_sets  # noqa: E402

NEWSBOT = str(Path(sys.executable).with_name("newsbot"))
MODELS = ROOT / "var" / "models"
METRICS = ("recall@1", "recall@3", "answer_hit")
TOLERANCE = 0.01
REFERENCE = "torch"  # the backend before the switch


def env(backend: str, corpus: Path, index: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
    base.update(
        {
            "NEWSBOT_ENCODER_BACKEND": backend,
            "NEWSBOT_CORPUS_DIR": str(corpus),
            "NEWSBOT_INDEX_DIR": str(index),
            "NEWSBOT_MODELS_DIR": str(MODELS),
        }
    )
    return base


def run(args: list[str], environment: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own console script
        [NEWSBOT, *args], env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"newsbot {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def overall(questions: Path, backend: str, corpus: Path, index: Path) -> dict[str, float]:
    report = json.loads(run(["eval", str(questions), "--json"], env(backend, corpus, index)))
    return {m: report["all"][m] for m in METRICS}  # every question, other languages too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backends", nargs="+", default=["torch", "onnx"], help="serve with")
    parser.add_argument("--build", nargs="*", default=["torch", "onnx"], help="build with")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()

    results: dict[str, dict[str, dict[str, float]]] = {}
    for qset in question_sets():
        rows: dict[str, dict[str, float]] = {}
        for built_with in ("torch", "onnx", "onnx-int8"):
            index = WORK / "backends" / f"{qset.name}-{built_with}" / "index"
            if built_with in args.build:
                index.parent.mkdir(parents=True, exist_ok=True)
                start = time.perf_counter()
                run(["index", "build", "--if-stale"], env(built_with, qset.corpus, index))
                took = time.perf_counter() - start
                print(f"  {qset.name}: {built_with} index ready in {took:.0f} s", file=sys.stderr)
            if not (index / "manifest.json").is_file():
                continue
            for served_by in args.backends:
                label = f"built {built_with}, served {served_by}"
                rows[label] = overall(qset.questions, served_by, qset.corpus, index)
                print(f"  {qset.name}: {label}: {rows[label]}", file=sys.stderr)
        results[qset.name] = rows

    worst = 0.0
    print(f"{'set':<11} {'index':<34} " + " ".join(f"{m:>13}" for m in METRICS))
    for name, rows in results.items():
        reference = rows.get(f"built {REFERENCE}, served {REFERENCE}")
        for label, row in rows.items():
            base = reference or rows.get(f"built {label.split()[1][:-1]}, served {REFERENCE}")
            cells = []
            for m in METRICS:
                value = row[m]
                if value is None:
                    cells.append(f"{'-':>13}")
                    continue
                delta = value - base[m] if base and base[m] is not None else 0.0
                worst = max(worst, abs(delta))
                cells.append(f"{value:>7.3f} {delta:+.3f}")
            print(f"{name:<11} {label:<34} " + " ".join(cells))
    verdict = "within" if worst <= TOLERANCE + 1e-9 else "NOT within"
    print(f"largest difference from torch: {worst:.3f} ({verdict} {TOLERANCE})")
    if args.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
