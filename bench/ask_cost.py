"""What answering costs over the bare models: `newsbot ask --jsonl` against its floor.

    python bench/ask_cost.py                    # 1,000 questions, 3 rounds each way
    python bench/ask_cost.py --questions 200 --rounds 1

The floor is the least any answer needs, run the same way: a fresh process that loads the
same two encoders (as configured: NEWSBOT_MODEL, NEWSBOT_ENCODER_BACKEND), encodes every
question with both in the same batches of 32 that `ask --jsonl` uses, makes one FAISS search
per question and prints one line per question. Both are timed from their first output line
to their last, so process start-up is excluded from the per-question figure (it is printed
apart). Rounds alternate product and floor, so a busy neighbour slows both alike; medians.
A one-question-at-a-time pass (a chat message) is timed in this process the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import FIXTURES, QUESTIONS, WORK, combined_corpus, question_sets  # noqa: E402

BATCH = 32  # as bot/cli_ask.py's ASK_BATCH
VARIANTS = (
    lambda q: q,
    str.lower,
    lambda q: f"please tell me: {q}",
    lambda q: q.rstrip("?") + " ??",
    str.upper,
    lambda q: f"{q} (asking for a friend)",
)


def question_file(count: int, folder: Path) -> Path:
    """`count` distinct questions from the labelled sets, cycled through typing variants."""
    pool: list[str] = []
    for path in (QUESTIONS, FIXTURES / "questions.jsonl"):
        with path.open(encoding="utf-8") as handle:
            pool += [json.loads(line)["question"] for line in handle if line.strip()]
    found: dict[str, None] = {}
    for variant in VARIANTS:
        for question in pool:
            found.setdefault(variant(question), None)
            if len(found) == count:
                break
        if len(found) == count:
            break
    path = folder / "questions.jsonl"
    path.write_text("".join(json.dumps({"question": q}) + "\n" for q in found), encoding="utf-8")
    return path


def timed_lines(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run `command`; seconds to its first output line, and per line after that."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stdout is not None
    stamps = [time.perf_counter() for _ in process.stdout]
    if process.wait() != 0 or len(stamps) < 2:
        raise SystemExit(f"{command[:4]} failed (exit {process.returncode})")
    return {
        "first_line_s": stamps[0] - started,
        "per_question_ms": (stamps[-1] - stamps[0]) / (len(stamps) - 1) * 1000,
        "lines": len(stamps),
    }


def floor(index_dir: Path, questions: Path) -> None:
    """The floor process: both encoders and one FAISS search per question, one line each."""
    from bot.settings import Settings
    from index.encoding import load_encoders
    from index.store import FaissStore

    settings = Settings(index_dir=index_dir)
    encoders = load_encoders(settings.model, settings.encoder_backend, settings.encoder_cache)
    store = FaissStore.load(index_dir / "e5.passage.faiss")
    with questions.open(encoding="utf-8") as handle:
        texts = [json.loads(line)["question"] for line in handle]
    for offset in range(0, len(texts), BATCH):
        batch = texts[offset : offset + BATCH]
        vectors = encoders.queries(batch)
        found = store.search(vectors["e5"], 10)
        for question, hits in zip(batch, found, strict=True):
            print(json.dumps({"question": question, "rows": [r for r, _ in hits]}), flush=True)


def single(index_dir: Path, texts: list[str]) -> dict[str, float]:
    """One question per call, warm, in this process: the answering core against the floor."""
    from bot.engine import Engine
    from bot.settings import Settings

    engine = Engine(Settings(_env_file=None, index_dir=index_dir))  # type: ignore[call-arg]
    store = engine.index.source.stores["e5.passage"]
    engine.answer(texts[0])

    def per_call(run) -> float:  # noqa: ANN001
        started = time.perf_counter()
        for text in texts:
            run(text)
        return (time.perf_counter() - started) / len(texts) * 1000

    def bare(text: str) -> None:
        store.search(engine.encoders.queries([text])["e5"], 10)

    answer_ms = statistics.median(per_call(engine.answer) for _ in range(3))
    floor_ms = statistics.median(per_call(bare) for _ in range(3))
    return {"answer_ms": answer_ms, "floor_ms": floor_ms, "ratio": answer_ms / floor_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--single", type=int, default=100, help="questions asked one by one")
    parser.add_argument("--floor", nargs=2, metavar=("INDEX", "QUESTIONS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(Path(args.floor[0]), Path(args.floor[1]))
        return
    corpus = combined_corpus(question_sets(), WORK / "cost" / "corpus")
    index_dir = WORK / "cost" / "index"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    env.update({"NEWSBOT_CORPUS_DIR": str(corpus), "NEWSBOT_INDEX_DIR": str(index_dir)})
    newsbot = str(Path(sys.executable).with_name("newsbot"))
    subprocess.run([newsbot, "index", "build", "--if-stale"], env=env, check=True)  # noqa: S603
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        questions = question_file(args.questions, Path(tmp))
        product, bare = [], []
        for _ in range(args.rounds):
            product.append(timed_lines([newsbot, "ask", "--jsonl", str(questions)], env))
            command = [sys.executable, __file__, "--floor", str(index_dir), str(questions)]
            bare.append(timed_lines(command, env))
        texts = [json.loads(line)["question"] for line in questions.open()][: args.single]
    one = single(index_dir, texts)
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
        "load_average": [round(load, 2), round(os.getloadavg()[0], 2)],
        "questions": args.questions,
        "ask_jsonl_ms": statistics.median(r["per_question_ms"] for r in product),
        "floor_ms": statistics.median(r["per_question_ms"] for r in bare),
        "ask_first_line_s": statistics.median(r["first_line_s"] for r in product),
        "floor_first_line_s": statistics.median(r["first_line_s"] for r in bare),
        "single": one,
    }
    result["ratio"] = result["ask_jsonl_ms"] / result["floor_ms"]
    print(json.dumps(result, indent=2))
    print(
        f"\nnewsbot ask --jsonl: {result['ask_jsonl_ms']:.1f} ms/question, floor "
        f"{result['floor_ms']:.1f} ms: {result['ratio']:.2f}x (target <= 1.5x); one at a time "
        f"{one['answer_ms']:.1f} vs {one['floor_ms']:.1f} ms: {one['ratio']:.2f}x"
    )


if __name__ == "__main__":
    main()
