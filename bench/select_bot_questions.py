"""Regenerate tests/data/bot_questions.jsonl: the labelled questions the answering core gets
right today, which the end-to-end bot test then asks through the fake Telegram server.

Rerun it as the core improves and the bot test widens with it:

    python bench/select_bot_questions.py [tests/data/questions.jsonl]

A question is kept when `newsbot ask` (same engine, same formatting) gives the expected reply:
answerable ones are answered with an expected string in the reply (and the expected speaker
named, when the label has one and the core names them); unanswerable ones get the
'not covered' reply. Follow-ups keep their context question, asked first in the same chat.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.answer import Reason, Status  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.format import to_plain  # noqa: E402
from bot.settings import Settings  # noqa: E402
from index.builder import build_index  # noqa: E402
from index.embedder import SentenceTransformerEmbedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "data" / "bot_questions.jsonl"


def main(source: Path) -> None:
    items = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line]
    # Like the tests: a fresh index of the seed corpus, built by the current code.
    embedder = SentenceTransformerEmbedder()
    asks = [(i["question"], [i["context"]] if i.get("context") else []) for i in items]
    with tempfile.TemporaryDirectory(prefix="bot-questions-") as tmp:
        index_dir = Path(tmp) / "index"
        build_index(ROOT / "corpus", index_dir, embedder)
        settings = Settings(_env_file=None, index_dir=index_dir)  # type: ignore[call-arg]
        answers = Engine(settings, embedder=embedder).answer_many(asks)
    kept = []
    for item, answer in zip(items, answers, strict=True):
        text = to_plain(answer).casefold()
        row = {"id": item["id"], "question": item["question"], "context": item.get("context")}
        if item["answerable"]:
            found = [s for s in item["answer_substrings"] if s.casefold() in text]
            if answer.status is not Status.ANSWERED or not found:
                continue
            speaker = item.get("speaker")
            named = speaker and speaker.split()[-1].casefold() in text
            kept.append({**row, "expect": found[:1], "speaker": speaker if named else None})
        elif answer.status is not Status.ANSWERED and answer.reason is Reason.NOT_COVERED:
            kept.append({**row, "expect": [], "speaker": None, "not_covered": True})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), "utf-8")
    answerable = sum(1 for i in items if i["answerable"])
    covered = sum(1 for r in kept if not r.get("not_covered"))
    print(
        f"{covered}/{answerable} answerable and {len(kept) - covered}/"
        f"{len(items) - answerable} unanswerable questions kept -> {OUT}"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "data" / "questions.jsonl")
