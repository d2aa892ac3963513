"""Questions in other languages, and what serving them costs English ones (issue 5).

    python bench/multilingual_effect.py

Answers every labelled question twice over the same index (`make index`, which holds the
multilingual vectors): with the multilingual encoder, as the bot runs by default, and
without it (NEWSBOT_MULTILINGUAL=false), and prints English and non-English metrics for both.
English questions go to all-MiniLM-L6-v2 either way; they can only lose if language
identification sends one of them to the multilingual encoder.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.engine import Engine  # noqa: E402
from bot.evaluate import evaluate, load_questions, summarize  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.embedder import SentenceTransformerEmbedder  # noqa: E402

FILES = [ROOT / "tests/data/questions.jsonl", ROOT / "../shared/eval/dev_questions.jsonl"]
METRICS = ("recall@1", "recall@3", "answer_hit", "false_abstention")


def main() -> None:
    items = [i for f in FILES if f.exists() for i in load_questions(f)]
    embedder = SentenceTransformerEmbedder()
    for multilingual in (True, False):
        settings = Settings(_env_file=None, index_dir=ROOT / "var/index", multilingual=multilingual)
        report = summarize(evaluate(items, Engine(settings, embedder).answer_many))
        foreign = report["by_kind"]["non_english"]
        print(
            f"multilingual {'on ' if multilingual else 'off'}: English "
            + ", ".join(f"{k} {report['overall'][k]}" for k in METRICS)
            + f" | non-English ({foreign['questions']}) "
            + ", ".join(f"{k} {foreign[k]}" for k in METRICS)
        )


if __name__ == "__main__":
    main()
