"""Evaluation against labelled questions: recall, answer hits, abstention, speakers.

Question files are JSON lines in one of the shapes the project uses:
- gold paragraphs as indices into a `paragraphs.json` beside the file (news-dev);
- gold snippets, verbatim pieces of each answering paragraph (tests/fixtures);
- answer substrings only: any passage holding one answers (the seed's dev set).
Recall counts the passages an answer offers (shown, then "More sources", up to top_k), so a
declined answerable question is a miss, as it is for the person asking.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.format import to_plain
from bot.outcome import Answer, Status
from index.passages import Passage
from index.search import Hit

NON_ENGLISH = "non_english"
PARAGRAPHS = "paragraphs.json"  # beside a question file whose gold is paragraph indices


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    question: str
    kind: str
    answer_substrings: tuple[str, ...]
    speaker: str | None
    context: str | None
    answerable: bool
    gold: tuple[str, ...] = ()  # texts (or verbatim pieces) of the answering paragraphs
    article: str | None = None
    denied_by: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any], paragraphs: Sequence[str] = ()) -> LabelledQuestion:
        indices = data.get("gold_paragraphs") or []
        gold = tuple(paragraphs[i] for i in indices) if paragraphs else ()
        gold = gold or tuple(data.get("gold_snippets") or ())
        substrings = tuple(data.get("answer_substrings") or ())
        return cls(
            id=str(data.get("id", "")),
            question=data["question"],
            kind=data.get("kind", "unknown"),
            answer_substrings=substrings,
            speaker=data.get("speaker"),
            context=data.get("context"),
            answerable=bool(data.get("answerable", bool(gold or substrings))),
            gold=gold,
            article=data.get("article"),
            denied_by=data.get("denied_by"),
        )

    def answered_by(self, passage: Passage) -> bool:
        """Whether this passage answers the question (its gold, else an expected string)."""
        if not self.answerable:
            return False
        if self.gold:
            text = _norm(passage.text)
            return any((g := _norm(gold)) in text or text in g for gold in self.gold)
        return _contains(passage.text, self.answer_substrings)


@dataclass(frozen=True)
class Outcome:
    item: LabelledQuestion
    answer: Answer
    rank: int | None  # 1-based rank of the first offered passage that answers
    ranked: int | None  # the same over the whole ranking, declined or not (diagnostics)
    text_hit: bool  # an expected string is in the reply text
    speaker_ok: bool | None  # None when the question names no speaker to check


def load_questions(path: Path) -> list[LabelledQuestion]:
    paragraphs_file = path.with_name(PARAGRAPHS)
    paragraphs = (
        json.loads(paragraphs_file.read_text(encoding="utf-8")) if paragraphs_file.is_file() else []
    )
    with path.open(encoding="utf-8") as handle:
        return [
            LabelledQuestion.from_dict(json.loads(line), paragraphs)
            for line in handle
            if line.strip()
        ]


def evaluate(
    items: Sequence[LabelledQuestion],
    answer_many: Callable[[Sequence[tuple[str, Sequence[str]]]], list[Answer]],
) -> list[Outcome]:
    answers = answer_many([(i.question, [i.context] if i.context else []) for i in items])
    return [_outcome(item, answer) for item, answer in zip(items, answers, strict=True)]


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.casefold()).strip()


def _contains(text: str, needles: Iterable[str]) -> bool:
    folded = text.casefold()
    return any(n.casefold() in folded for n in needles)


def _first(hits: Sequence[Hit], item: LabelledQuestion) -> int | None:
    return next((i for i, h in enumerate(hits, start=1) if item.answered_by(h.passage)), None)


def _outcome(item: LabelledQuestion, answer: Answer) -> Outcome:
    speaker_ok = None
    if item.speaker and item.kind == "attribution":
        names = [
            s.name
            for h in answer.hits
            for s in (h.highlight.speaker, h.passage.speaker)
            if s is not None
        ]
        speaker_ok = any(same_person(item.speaker, n) for n in names)
    answerable = item.answerable and bool(item.gold or item.answer_substrings)
    return Outcome(
        item=item,
        answer=answer,
        rank=_first(answer.offered, item) if answerable else None,
        ranked=_first(answer.candidates, item) if answerable else None,
        text_hit=bool(item.answer_substrings)
        and _contains(to_plain(answer), item.answer_substrings),
        speaker_ok=speaker_ok,
    )


def same_person(expected: str, found: str) -> bool:
    """Same name, or the same surname ("Kim Lee" and "Ms. Lee")."""
    a, b = expected.casefold().split(), found.casefold().split()
    return bool(a and b) and (a == b or a[-1] == b[-1])


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Metrics overall (English), for non-English, and by kind."""
    english = [o for o in outcomes if o.item.kind != NON_ENGLISH]
    report: dict[str, Any] = {"overall": _metrics(english), "by_kind": {}}
    for kind in sorted({o.item.kind for o in outcomes}):
        report["by_kind"][kind] = _metrics([o for o in outcomes if o.item.kind == kind])
    report["all"] = _metrics(outcomes)
    return report


def _metrics(outcomes: Sequence[Outcome]) -> dict[str, float | int | None]:
    answerable = [
        o for o in outcomes if o.item.answerable and (o.item.gold or o.item.answer_substrings)
    ]
    unanswerable = [o for o in outcomes if not o.item.answerable]
    spoken = [o for o in outcomes if o.speaker_ok is not None]
    with_strings = [o for o in answerable if o.item.answer_substrings]

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
        "ranking_recall@3": share(answerable, lambda o: o.ranked is not None and o.ranked <= 3),
        "answer_hit": share(with_strings, lambda o: o.text_hit),
        "false_abstention": share(answerable, lambda o: o.answer.status is not Status.ANSWERED),
        "unanswerable": len(unanswerable),
        "abstention_accuracy": share(
            unanswerable, lambda o: o.answer.status is not Status.ANSWERED
        ),
        "speaker_accuracy": share(spoken, lambda o: bool(o.speaker_ok)),
    }
