"""Retries that do not duplicate replies, and 'typing…' only when an answer takes a while."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, TimedOut

from bot.delivery import is_retryable, while_typing, with_retries


def caused_by(exc: Exception, cause: BaseException) -> Exception:
    exc.__cause__ = cause
    return exc


@pytest.mark.parametrize(
    ("error", "retry"),
    [
        (NetworkError("Bad Gateway (502)"), True),
        (caused_by(NetworkError("httpx.ConnectError"), httpx.ConnectError("refused")), True),
        (caused_by(TimedOut(), httpx.ConnectTimeout("slow")), True),
        (caused_by(TimedOut(), httpx.PoolTimeout("busy")), True),
        (caused_by(TimedOut(), httpx.ReadTimeout("sent, no answer")), False),  # maybe delivered
        (BadRequest("can't parse entities"), False),
        (Forbidden("bot was blocked by the user"), False),
    ],
)
def test_only_failures_that_cannot_have_delivered_are_retried(error: Exception, retry: bool):
    assert is_retryable(error) is retry


async def test_with_retries_sends_again_after_a_5xx_and_stops_at_a_bad_request():
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise NetworkError("Bad Gateway (502)")
        return "sent"

    assert await with_retries(flaky, delays=(0, 0, 0)) == "sent" and len(attempts) == 3

    async def refused() -> str:
        attempts.append(1)
        raise BadRequest("message is too long")

    attempts.clear()
    with pytest.raises(BadRequest):
        await with_retries(refused, delays=(0, 0))
    assert len(attempts) == 1


async def test_with_retries_gives_up_after_the_last_delay():
    async def down() -> None:
        raise NetworkError("Service Unavailable (503)")

    with pytest.raises(NetworkError):
        await with_retries(down, delays=(0, 0))


class TypingBot:
    """A real stand-in for telegram.Bot's one method used here."""

    def __init__(self) -> None:
        self.actions: list[tuple[int, str]] = []

    async def send_chat_action(self, chat_id: int, action: str) -> bool:
        self.actions.append((chat_id, action))
        return True


async def answer_after(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return "answer"


async def test_quick_answers_need_no_typing_action():
    bot = TypingBot()
    assert await while_typing(bot, 1, answer_after(0), after=0.5) == "answer"  # type: ignore[arg-type]
    assert bot.actions == []


async def test_slow_answers_show_typing_while_they_work():
    bot = TypingBot()
    assert await while_typing(bot, 7, answer_after(0.2), after=0.05) == "answer"  # type: ignore[arg-type]
    assert bot.actions == [(7, "typing")]
