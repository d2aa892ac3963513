"""The encoder backends side by side, in one run: torch, ONNX fp32 and ONNX int8.

For each: single-question encode latency (p50 after warm-up) and batch-of-32 cost, as a ratio
to torch measured in the same rounds; cosine to torch's vectors on the corpus and questions;
dev-set recall@3 through `Engine` (the whole answer path); and a fresh `newsbot ask` process's
time to its answer and peak RSS.

    python bench/encoders.py                  # about 5-10 minutes on 2 cores
    python bench/encoders.py --questions 200 --rounds 1 --startups 1   # a quicker look

Prints a table and writes bench/results/encoders.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from bot.engine import Engine
from bot.evaluate import evaluate, load_questions, summarize
from bot.format import to_plain
from bot.settings import Settings
from corpus.loader import load_corpus
from index.builder import build_index
from index.embedder import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from index.encoders import models_dir
from index.multilingual import MultilingualEncoder
from index.onnx_embedder import EncoderMeta, OnnxEmbedder
from index.onnx_export import export_model, source_folder
from index.passages import split_passages

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "seed"  # the seed article, as the questions' files expect
QUESTION_FILES = (
    ROOT / "tests/data/questions.jsonl",
    ROOT.parent / "shared/eval/dev_questions.jsonl",
)
RESULTS = ROOT / "bench/results/encoders.json"
BACKENDS = {"torch": "torch", "onnx fp32": "onnx", "onnx int8": "onnx-int8"}
BATCH = 32
WARM_UP = 20
STARTUP_QUESTION = "How many Wagner troops does the U.S. estimate are in Ukraine?"


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def labelled_questions() -> list[Any]:
    return [q for path in QUESTION_FILES if path.is_file() for q in load_questions(path)]


def timing_questions(count: int) -> list[str]:
    """`count` distinct question strings: the labelled ones, then lower-cased and suffixed."""
    base = [q.question for q in labelled_questions()]
    found: dict[str, None] = {}
    for variant in (str, str.lower, lambda q: q.rstrip("?") + ", please?", str.upper):
        for question in base:
            found.setdefault(variant(question), None)
    if len(found) < count:
        raise SystemExit(f"only {len(found)} distinct questions; ask for fewer")
    return list(found)[:count]


def corpus_texts() -> list[str]:
    articles, _ = load_corpus(CORPUS)
    passages = [p for article in articles for p in split_passages(article)]
    return [f"{p.title}. {p.text}" for p in passages] + [
        s.text for p in passages for s in p.sentences
    ]


# ---------------------------------------------------------------- measurements


def latencies(
    embedders: dict[str, Embedder], questions: Sequence[str], rounds: int
) -> dict[str, dict[str, float]]:
    """Per-question encode times, backends alternating within each round (a busy neighbour
    slows all alike): p50/p90 one at a time, and the per-question cost of batches of 32."""
    single: dict[str, list[float]] = {name: [] for name in embedders}
    batched: dict[str, list[float]] = {name: [] for name in embedders}
    for embedder in embedders.values():
        for question in questions[:WARM_UP]:
            embedder.embed([question])
        embedder.embed(list(questions[:BATCH]))
    for r in range(rounds):
        say(f"latency round {r + 1}/{rounds}")
        for name, embedder in embedders.items():
            for question in questions:
                started = time.perf_counter()
                embedder.embed([question])
                single[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            for offset in range(0, len(questions), BATCH):
                embedder.embed(list(questions[offset : offset + BATCH]))
            batched[name].append((time.perf_counter() - started) / len(questions))
    return {
        name: {
            "single_p50_ms": 1000 * statistics.median(single[name]),
            "single_p90_ms": 1000 * float(np.percentile(single[name], 90)),
            "single_samples": len(single[name]),
            "batch32_ms_per_question": 1000 * statistics.median(batched[name]),
        }
        for name in embedders
    }


def agreement(embedders: dict[str, Embedder], texts: dict[str, list[str]]) -> dict[str, Any]:
    """Cosine of each backend's vectors to torch's, per kind of text."""
    found: dict[str, Any] = {}
    for kind, items in texts.items():
        reference = embedders["torch"].embed(items)
        for name, embedder in embedders.items():
            cos = np.sum(reference * embedder.embed(items), axis=1)
            found.setdefault(name, {})[kind] = {
                "texts": len(items),
                "min": float(cos.min()),
                "mean": float(cos.mean()),
            }
    return found


def quality(engines: dict[str, Engine]) -> dict[str, Any]:
    """Dev-set metrics through the whole answer path, and replies that differ from torch's."""
    items = labelled_questions()
    outcomes = {name: evaluate(items, engine.answer_many) for name, engine in engines.items()}
    torch_replies = [to_plain(o.answer) for o in outcomes["torch"]]
    found = {}
    for name, results in outcomes.items():
        overall = summarize(results)["overall"]
        found[name] = {
            **{k: overall[k] for k in ("answerable", "recall@1", "recall@3", "mrr", "answer_hit")},
            "abstention_accuracy": overall["abstention_accuracy"],
            "questions": len(items),
            "replies_differing_from_torch": sum(
                to_plain(o.answer) != t for o, t in zip(results, torch_replies, strict=True)
            ),
        }
    return found


def newsbot_command() -> list[str]:
    script = Path(sys.executable).with_name("newsbot")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import cli; cli(prog_name='newsbot')"]


# Starts the command and reports its peak RSS. A child forked straight from this process
# would report this process's RSS (the fork image counts towards ru_maxrss before exec),
# so the fork happens in this small launcher instead.
LAUNCHER = """
import resource, subprocess, sys
code = subprocess.call(sys.argv[1:])
print(f"peak_rss_kib={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


def startup(index_dir: Path, backend: str, cwd: Path) -> dict[str, float]:
    """A fresh `newsbot ask` process: seconds to its answer's first line, to exit; peak RSS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update(PYTHONUNBUFFERED="1", NEWSBOT_ENCODER_BACKEND=backend)
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own console script
        [
            sys.executable,
            "-c",
            LAUNCHER,
            *newsbot_command(),
            "--index",
            str(index_dir),
            "ask",
            STARTUP_QUESTION,
        ],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()
    answered = time.perf_counter() - started
    child.stdout.read()
    errors = child.stderr.read()
    code = child.wait()
    ended = time.perf_counter() - started
    rss = re.findall(r"^peak_rss_kib=(\d+)$", errors, re.M)
    if code != 0 or not first or not rss:
        raise SystemExit(f"newsbot ask ({backend}) failed:\n{errors}")
    return {"answer_s": answered, "exit_s": ended, "peak_rss_mib": int(rss[-1]) / 1024}


def startups(index_dir: Path, cwd: Path, repeats: int) -> dict[str, dict[str, float]]:
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in BACKENDS}
    for r in range(repeats):
        say(f"start-up round {r + 1}/{repeats}")
        for name, backend in BACKENDS.items():
            runs[name].append(startup(index_dir, backend, cwd))
    return {
        name: {key: statistics.median(run[key] for run in found) for key in found[0]}
        for name, found in runs.items()
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").is_file():
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = names[0] if names else cpu
    import torch

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "torch": f"{torch.__version__} ({torch.get_num_threads()} threads)",
        "onnxruntime": version("onnxruntime"),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


# ---------------------------------------------------------------- report


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    lat, cos, q, up = result["latency"], result["cosine"], result["quality"], result["startup"]
    torch_p50 = lat["torch"]["single_p50_ms"]
    torch_b32 = lat["torch"]["batch32_ms_per_question"]
    lines = [
        f"machine: {m['cores']} cores, {m['cpu']}; python {m['python']}, torch {m['torch']}, "
        f"onnxruntime {m['onnxruntime']}",
        f"load average: {m['load_average_start']} at start, {m['load_average_end']} at end "
        "(above the core count, absolute times are inflated; compare the ratios)",
        "",
    ]
    head = ("", *BACKENDS)

    def row(label: str, cell: Callable[[str], str]) -> tuple[str, ...]:
        return (label, *(cell(n) for n in BACKENDS))

    def cosines(kind: str) -> Callable[[str], str]:
        return lambda n: f"{cos[n][kind]['min']:.4f}/{cos[n][kind]['mean']:.4f}"

    rows = [
        row("single question, p50 ms", lambda n: f"{lat[n]['single_p50_ms']:.2f}"),
        row("  speed-up vs torch", lambda n: f"{torch_p50 / lat[n]['single_p50_ms']:.2f}x"),
        row("  p90 ms", lambda n: f"{lat[n]['single_p90_ms']:.2f}"),
        row("batch of 32, ms/question", lambda n: f"{lat[n]['batch32_ms_per_question']:.2f}"),
        row("  speed-up vs torch",
            lambda n: f"{torch_b32 / lat[n]['batch32_ms_per_question']:.2f}x"),
        row("cosine to torch, corpus min/mean", cosines("passages")),
        row("cosine to torch, questions min/mean", cosines("questions")),
        row("dev set recall@3", lambda n: f"{q[n]['recall@3']:.4f}"),
        row("dev set recall@1", lambda n: f"{q[n]['recall@1']:.4f}"),
        row("answer hit", lambda n: f"{q[n]['answer_hit']:.4f}"),
        row("replies differing from torch",
            lambda n: f"{q[n]['replies_differing_from_torch']}/{q[n]['questions']}"),
        row("newsbot ask: start to answer, s", lambda n: f"{up[n]['answer_s']:.2f}"),
        row("newsbot ask: peak RSS, MiB", lambda n: f"{up[n]['peak_rss_mib']:.0f}"),
        row("model file, MB", lambda n: f"{result['model_mb'][n]:.0f}"),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    out = [" | ".join(c.ljust(w) for c, w in zip(head, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    exports = result["export_s"]
    notes = [
        "",
        f"single: {lat['torch']['single_samples']} timed encodes per backend "
        f"({result['args']['questions']} questions x {result['args']['rounds']} rounds, "
        f"after {WARM_UP} warm-up); start-up: median of {result['args']['startups']} processes",
        f"export (once, needs torch): fp32 {exports['onnx fp32']:.1f} s, "
        f"int8 {exports['onnx int8']:.1f} s (quantising the fp32 export)",
    ]
    return "\n".join(lines + out + notes)


def timed(make: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = make()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=200, help="timed one by one, per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--startups", type=int, default=3, help="fresh processes per backend")
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    result: dict[str, Any] = {"machine": machine(), "args": vars(args)}

    with tempfile.TemporaryDirectory(prefix="newsbot-encoders-") as tmp:
        work = Path(tmp)
        index_dir = work / "var" / "index"
        say("loading torch model, building the index (torch vectors, as by default)")
        torch_embedder = SentenceTransformerEmbedder()
        build_index(CORPUS, index_dir, torch_embedder, multilingual=MultilingualEncoder())
        say("exporting to ONNX: fp32, then int8")
        folders, seconds = {}, {}
        for name, variant in (("onnx fp32", "fp32"), ("onnx int8", "int8")):
            folders[name], seconds[name] = timed(
                lambda v=variant: export_model(DEFAULT_MODEL, models_dir(index_dir), v)
            )
        result["export_s"] = seconds
        embedders: dict[str, Embedder] = {
            "torch": torch_embedder,
            **{name: OnnxEmbedder(folder) for name, folder in folders.items()},
        }
        result["model_mb"] = {
            "torch": (source_folder(DEFAULT_MODEL) / "model.safetensors").stat().st_size / 1e6,
            **{n: EncoderMeta.read(f).total_bytes / 1e6 for n, f in folders.items()},
        }

        questions = timing_questions(args.questions)
        result["latency"] = latencies(embedders, questions, args.rounds)
        say("cosine to torch")
        result["cosine"] = agreement(
            embedders, {"passages": corpus_texts(), "questions": questions}
        )
        say("dev-set quality through Engine")
        engines = {
            name: Engine(
                Settings(_env_file=None, index_dir=index_dir, corpus_dir=CORPUS),  # type: ignore[call-arg]
                embedder=embedder,
            )
            for name, embedder in embedders.items()
        }
        result["quality"] = quality(engines)
        result["startup"] = startups(index_dir, work, args.startups)
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    print(table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
