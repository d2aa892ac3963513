"""What the answering core returns: an Answer, its Status and, unanswered, the Reason.

Plain data, importable without the models or the index (numpy, FAISS): the Telegram side
reads answers while the engine is still loading (bot/handlers.py), the core makes them
(bot/answer.py).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.answerline import AnswerLine
    from bot.contested import Contest
    from index.search import Hit

OFFERED = 3  # passages an answer offers (shown first, then "More sources"): JSON "passages"


class Status(enum.StrEnum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


class Reason(enum.StrEnum):
    """Why a question was not answered; the formatter words it for people."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    SMALL_TALK = "small_talk"
    NOT_COVERED = "not_covered"
    LANGUAGE = "language"


@dataclass(frozen=True)
class Answer:
    question: str
    status: Status
    hits: tuple[Hit, ...] = ()  # the passages the reply shows, best first
    reason: Reason | None = None
    # The whole ranking, shown or not: for "more sources" and for evaluation.
    candidates: tuple[Hit, ...] = field(default=(), compare=False)
    contests: tuple[Contest, ...] = ()  # disputes among the shown hits
    language: str = "en"  # the question's language: the reply's framing speaks it
    confidence: float = 0.0  # that the articles answer it (0 for invalid questions)
    # The reply's opening line: the words of hits[0] that answer, verbatim (None unanswered).
    line: AnswerLine | None = field(default=None, compare=False)

    @property
    def contested(self) -> bool:
        return bool(self.contests)

    @property
    def more(self) -> tuple[Hit, ...]:
        shown = {h.row for h in self.hits}
        return tuple(h for h in self.candidates if h.row not in shown)

    @property
    def offered(self) -> tuple[Hit, ...]:
        """What the answer offers, best first: the shown passages, then "More sources"."""
        if self.status is not Status.ANSWERED:
            return ()
        return (self.hits + self.more)[: max(OFFERED, len(self.hits))]
