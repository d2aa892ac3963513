"""Evaluation against labelled questions: retrieval recall, answer hits, abstention, speakers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.answer import Answer, Status
from bot.format import to_plain
from index.search import Hit

NON_ENGLISH = "non_english"


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    question: str
    kind: str
    answer_substrings: tuple[str, ...]
    speaker: str | None
    context: str | None
    answerable: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabelledQuestion:
        return cls(
            id=str(data.get("id", "")),
            question=data["question"],
            kind=data.get("kind", "unknown"),
            answer_substrings=tuple(data.get("answer_substrings") or ()),
            speaker=data.get("speaker"),
            context=data.get("context"),
            answerable=bool(data.get("answerable", True)),
        )


@dataclass(frozen=True)
class Outcome:
    item: LabelledQuestion
    answer: Answer
    rank: int | None  # 1-based rank of the first retrieved passage holding an expected string
    text_hit: bool  # an expected string is in the reply text
    speaker_ok: bool | None  # None when the question names no speaker to check


def load_questions(path: Path) -> list[LabelledQuestion]:
    with path.open(encoding="utf-8") as handle:
        return [LabelledQuestion.from_dict(json.loads(line)) for line in handle if line.strip()]


def evaluate(
    items: Sequence[LabelledQuestion],
    answer_many: Callable[[Sequence[tuple[str, Sequence[str]]]], list[Answer]],
) -> list[Outcome]:
    answers = answer_many([(i.question, [i.context] if i.context else []) for i in items])
    return [_outcome(item, answer) for item, answer in zip(items, answers, strict=True)]


def _contains(text: str, needles: Iterable[str]) -> bool:
    folded = text.casefold()
    return any(n.casefold() in folded for n in needles)


def _outcome(item: LabelledQuestion, answer: Answer) -> Outcome:
    rank = next(
        (
            i
            for i, hit in enumerate(answer.candidates, start=1)
            if _contains(_provenance_text(hit), item.answer_substrings)
        ),
        None,
    )
    speaker_ok = None
    if item.speaker and item.kind == "attribution":
        names = [
            s.name
            for h in answer.hits
            for s in (h.highlight.speaker, h.passage.speaker)
            if s is not None
        ]
        speaker_ok = any(_same_person(item.speaker, n) for n in names)
    return Outcome(
        item=item,
        answer=answer,
        rank=rank if item.answer_substrings else None,
        text_hit=bool(item.answer_substrings)
        and _contains(to_plain(answer), item.answer_substrings),
        speaker_ok=speaker_ok,
    )


def _provenance_text(hit: Hit) -> str:
    """A passage as the reply shows it: its text and who said it."""
    speakers = {s.label() for s in (hit.highlight.speaker, hit.passage.speaker) if s}
    return " ".join([hit.passage.text, *speakers])


def _same_person(expected: str, found: str) -> bool:
    a, b = expected.casefold(), found.casefold()
    return a == b or a.split()[-1] == b.split()[-1]


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Metrics overall (answerable English), for non-English, and by kind."""
    english = [o for o in outcomes if o.item.kind != NON_ENGLISH]
    report: dict[str, Any] = {"overall": _metrics(english), "by_kind": {}}
    for kind in sorted({o.item.kind for o in outcomes}):
        report["by_kind"][kind] = _metrics([o for o in outcomes if o.item.kind == kind])
    report["all"] = _metrics(outcomes)
    return report


def _metrics(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    answerable = [o for o in outcomes if o.item.answerable and o.item.answer_substrings]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    spoken = [o for o in outcomes if o.speaker_ok is not None]

    def share(items: Sequence[Outcome], test: Callable[[Outcome], bool]) -> float | None:
        return round(sum(map(test, items)) / len(items), 4) if items else None

    return {
        "questions": len(outcomes),
        "answerable": len(answerable),
        "recall@1": share(answerable, lambda o: o.rank == 1),
        "recall@3": share(answerable, lambda o: o.rank is not None and o.rank <= 3),
        "mrr": round(sum(1 / o.rank for o in answerable if o.rank) / len(answerable), 4)
        if answerable
        else None,
        "answer_hit": share(answerable, lambda o: o.text_hit),
        "false_abstention": share(answerable, lambda o: o.answer.status is not Status.ANSWERED),
        "unanswerable": len(unanswerable),
        "abstention_accuracy": share(
            unanswerable, lambda o: o.answer.status is not Status.ANSWERED
        ),
        "speaker_accuracy": share(spoken, lambda o: bool(o.speaker_ok)),
    }
