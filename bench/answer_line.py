"""The reply's opening line and its dispute flag, on every labelled question set.

    .venv/bin/python bench/answer_line.py            # one table, every set present
    .venv/bin/python bench/answer_line.py --misses   # also each miss and each false flag

For each set (bench/common.py: seed-dev, seed-ours, fixtures, news-dev), on its own index
(built under var/bench/answer_line/, vectors reused between runs), through the answering
core as shipped:

- line: on answered answerable questions with expected strings, the share whose answer line
  (the words and who says them, as the reply prints it) holds one of them; beside it the
  same share for the whole answering sentence and for the shown passages, the ceilings a
  clause cut and the sentence choice work under;
- false flags: on answered questions NOT about a disputed claim, the share flagged
  "Disputed". A question is about a disputed claim when it is labelled so (kind
  "contested" or `denied_by`), or when a passage that answers it holds a side of a pair
  labelled disputed (tests/data/seed_disputes.jsonl, tests/fixtures/disputes.jsonl,
  tests/fixtures/news_dev_disputes.jsonl); such questions may be flagged or not;
  beside it the same share on answerable questions only (an unanswerable question the core
  answers anyway, "How many rockets did ... deliver?", may well be about the disputed
  claim, but has no answering passage to tell);
- flagged: of the questions labelled contested, the share flagged (every one is the target).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import WORK, QuestionSet, question_sets  # noqa: E402
from bench.disputes import fixture_rows, news_dev_rows, seed_rows  # noqa: E402
from bench.fit import ensure_index  # noqa: E402
from bot.answer import Answer, Answerer, Status  # noqa: E402
from bot.evaluate import LabelledQuestion, load_questions  # noqa: E402
from bot.format import answer_text  # noqa: E402
from corpus.loader import normalise_space  # noqa: E402
from index.builder import staleness  # noqa: E402
from index.embedder import DEFAULT_MODEL  # noqa: E402
from index.encoding import load_encoders  # noqa: E402
from index.search import Retriever, SearchIndex  # noqa: E402

TARGET_LINE = 0.85
TARGET_FALSE_FLAGS = 0.05
FIELDS = ("line", "sentence", "passages", "false_flags", "answerable_flags", "contested")
HERE = WORK / "answer_line"  # our own indexes: other benchmarks may be rebuilding theirs


@dataclass
class Row:
    name: str
    line: list[bool]
    sentence: list[bool]
    passages: list[bool]
    false_flags: list[bool]
    answerable_flags: list[bool]  # the same, on answerable questions only
    contested: list[bool]
    misses: list[str]


def disputed_sides() -> list[str]:
    """Every side of every pair labelled disputed, as verbatim text."""
    rows = [*fixture_rows(), *seed_rows(), *(news_dev_rows() or [])]
    return [normalise_space(side) for row in rows if row[4] for side in (row[2], row[3])]


def _holds(text: str, needles: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(n.casefold() in folded for n in needles)


def about_dispute(item: LabelledQuestion, answer: Answer, sides: Sequence[str]) -> bool:
    if item.kind == "contested" or item.denied_by:
        return True
    answering = [h.passage.text for h in answer.candidates if item.answered_by(h.passage)]
    return any(side in text for text in answering for side in sides)


def set_index(qs: QuestionSet, encoders) -> SearchIndex:  # noqa: ANN001
    """The set's index under var/bench (bench/quality.py's) when it is current, else our own
    (built, or rebuilt when stale, under var/bench/answer_line)."""
    shared = WORK / qs.name / "index"
    names = (encoders.minilm.name, 800, encoders.e5.name)
    if (shared / "manifest.json").is_file() and not staleness(qs.corpus, shared, *names):
        return SearchIndex.load(shared, encoders)
    return ensure_index(qs.corpus, HERE / qs.name / "index", encoders)


def measure(qs: QuestionSet, encoders, sides: Sequence[str]) -> Row:  # noqa: ANN001
    index = set_index(qs, encoders)
    print(
        f"{qs.name}: {len(index.passages)} passages from {index.directory}",
        file=sys.stderr,
        flush=True,
    )
    answerer = Answerer(Retriever(index, encoders))
    items = load_questions(qs.questions)
    answers = answerer.answer_many([(i.question, [i.context] if i.context else []) for i in items])
    row = Row(qs.name, [], [], [], [], [], [], [])
    for item, answer in zip(items, answers, strict=True):
        if answer.status is not Status.ANSWERED:
            continue
        if item.answerable and item.answer_substrings:
            line = answer_text(answer)
            hit = _holds(line, item.answer_substrings)
            row.line.append(hit)
            sentence = answer.hits[0].highlight.text
            row.sentence.append(_holds(sentence, item.answer_substrings))
            row.passages.append(
                _holds(" ".join(h.passage.text for h in answer.hits), item.answer_substrings)
            )
            if not hit:
                row.misses.append(f"miss {item.id}: {item.question!r} -> {line!r}")
        if item.kind == "contested":
            row.contested.append(answer.contested)
            if not answer.contested:
                row.misses.append(f"not flagged {item.id}: {item.question!r}")
        elif not about_dispute(item, answer, sides):
            row.false_flags.append(answer.contested)
            if item.answerable:
                row.answerable_flags.append(answer.contested)
            if answer.contested:
                row.misses.append(f"false flag {item.id}: {item.question!r}")
    return row


def _share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.3f} ({sum(values)}/{len(values)})" if values else "-"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true", help="list misses and false flags")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args(argv)
    started = time.monotonic()
    encoders = load_encoders(DEFAULT_MODEL)
    sides = disputed_sides()
    rows = [measure(qs, encoders, sides) for qs in question_sets()]
    total = Row("all", [], [], [], [], [], [], [])
    for row in rows:
        for field in FIELDS:
            getattr(total, field).extend(getattr(row, field))
    if args.json:
        print(
            json.dumps(
                {
                    r.name: {
                        k: _share(v) for k, v in vars(r).items() if k not in ("name", "misses")
                    }
                    for r in [*rows, total]
                },
                indent=2,
            )
        )
        return
    print(f"machine: {platform.machine()}, CPUs: {_cpus()}, Python {platform.python_version()}")
    header = (
        "set",
        "line holds answer",
        "sentence holds",
        "passages hold",
        "false flags",
        "false flags (answerable)",
        "contested flagged",
    )
    print(" | ".join(header))
    for row in [*rows, total]:
        print(
            " | ".join(
                [
                    row.name,
                    *(_share(getattr(row, f)) for f in FIELDS),
                ]
            )
        )
    print(
        f"targets: line >= {TARGET_LINE}, false flags <= {TARGET_FALSE_FLAGS}, "
        f"contested flagged = 1.0   ({time.monotonic() - started:.0f} s)"
    )
    if args.misses:
        for row in rows:
            for miss in row.misses:
                print(f"  [{row.name}] {miss}")


def _cpus() -> str:
    import os

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [x for x in cpuinfo.read_text().splitlines() if x.startswith("model name")]
        model = names[0].split(":", 1)[1].strip() if names else ""
    return f"{len(os.sched_getaffinity(0))} x {model}".strip()


if __name__ == "__main__":
    main()
