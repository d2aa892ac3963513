"""Does a conversation's history hurt self-contained questions? (issue 5)

    python bench/history_effect.py

Answers every answerable/unanswerable English question that is not a follow-up twice: alone,
and after a random other question as history (seeded), and prints both sets of metrics.
"""

from __future__ import annotations

import random
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from bot.evaluate import evaluate, load_questions, summarize  # noqa: E402
from bot.settings import Settings  # noqa: E402

FILES = [ROOT / "tests/data/questions.jsonl", ROOT / "../shared/eval/dev_questions.jsonl"]
METRICS = ("recall@1", "recall@3", "answer_hit", "false_abstention", "abstention_accuracy")


def main() -> None:
    items = [
        i
        for f in FILES
        if f.exists()
        for i in load_questions(f)
        if i.kind not in ("followup", "non_english")
    ]
    engine = Engine(Settings(_env_file=None, index_dir=ROOT / "var/index"))
    rng = random.Random(0)
    questions = [i.question for i in items]
    with_history = [
        replace(i, context=rng.choice([q for q in questions if q != i.question])) for i in items
    ]
    for label, batch in (("alone", items), ("after a random question", with_history)):
        overall = summarize(evaluate(batch, engine.answer_many))["overall"]
        print(f"{label:>24}: " + ", ".join(f"{k} {overall[k]}" for k in METRICS))


if __name__ == "__main__":
    main()
