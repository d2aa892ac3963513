"""Getting replies to the user: bounded retries that never send a reply twice where avoidable,
and the 'typing…' chat action while an answer takes noticeable time.

429 Too Many Requests is retried by PTB's AIORateLimiter (it honours `retry_after`); this
module retries what the limiter does not: 5xx answers and connections that never got through.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import httpx
from telegram import Bot, InlineKeyboardMarkup, Message, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

logger = logging.getLogger(__name__)

T = TypeVar("T")
Markup = InlineKeyboardMarkup | None

RETRY_DELAYS = (0.5, 1.0, 2.0)  # seconds before the 2nd, 3rd and 4th attempt
TYPING_REFRESH = 4.5  # Telegram shows "typing…" for 5 s or until the next message

# Failures where the request certainly (or almost certainly) did not take effect.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.RemoteProtocolError)


def is_retryable(exc: BaseException) -> bool:
    """Whether sending again is safe: the request failed without Telegram acting on it.

    A read timeout is not retried: Telegram may well have delivered the message, and a
    duplicate answer is worse than a log line. 5xx answers come from a failing proxy or
    Telegram's front end, before the message is created.
    """
    if isinstance(exc, BadRequest):
        return False
    if isinstance(exc, TimedOut):
        return isinstance(exc.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))
    if isinstance(exc, NetworkError):
        cause = exc.__cause__
        return cause is None or isinstance(cause, (*_NOT_SENT, TelegramError))
    return False


async def with_retries(
    call: Callable[[], Awaitable[T]], delays: Sequence[float] = RETRY_DELAYS
) -> T:
    """Await `call()`, calling it again after a retryable failure (bounded)."""
    for attempt, delay in enumerate((*delays, None), start=1):
        try:
            return await call()
        except TelegramError as exc:
            if delay is None or not is_retryable(exc):
                raise
            logger.warning("Telegram request failed (%s); retry %d in %.1fs", exc, attempt, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def send_html(
    bot: Bot,
    chat_id: int,
    texts: Sequence[str],
    *,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> list[Message]:
    """Send HTML messages in order, each replying to `reply_to`; `markup` goes on the last."""
    sent: list[Message] = []
    reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
    for i, text in enumerate(texts):
        keyboard = markup if i == len(texts) - 1 else None

        def call(text: str = text, keyboard: Markup = keyboard) -> Awaitable[Message]:
            return bot.send_message(chat_id, text, reply_parameters=reply, reply_markup=keyboard)

        sent.append(await with_retries(call))
    return sent


async def edit_replies(
    bot: Bot,
    chat_id: int,
    earlier: Sequence[int],
    texts: Sequence[str],
    *,
    reply_to: int | None = None,
    markup: InlineKeyboardMarkup | None = None,
) -> list[int]:
    """Turn the bot's `earlier` reply messages into `texts` (the answer to an edited question):
    edit them in order, send what does not fit, delete the surplus. `markup` goes on the last
    message (an edit without one drops the keyboard, as Telegram does). Returns the reply's
    message ids, in order."""
    ids: list[int] = []
    for i, text in enumerate(texts):
        keyboard = markup if i == len(texts) - 1 else None
        if i < len(earlier) and await _edit(bot, chat_id, earlier[i], text, keyboard):
            ids.append(earlier[i])
            continue
        sent = await send_html(bot, chat_id, [text], reply_to=reply_to, markup=keyboard)
        ids.append(sent[0].message_id)
    for surplus in earlier[len(texts) :]:
        try:
            await with_retries(lambda m=surplus: bot.delete_message(chat_id, m))
        except BadRequest as exc:  # already deleted by the user, or too old to delete
            logger.debug("could not delete a surplus reply message: %s", exc)
    return ids


async def _edit(bot: Bot, chat_id: int, message_id: int, text: str, keyboard: Markup) -> bool:
    """Edit one message; False when it is gone (deleted by the user): send a new one then."""
    try:
        await with_retries(
            lambda: bot.edit_message_text(text, chat_id, message_id, reply_markup=keyboard)
        )
    except BadRequest as exc:
        if "not modified" in str(exc):  # the same answer as before: nothing to change
            return True
        if "not found" in str(exc) or "can't be edited" in str(exc):
            return False
        raise
    return True


async def while_typing(bot: Bot, chat_id: int, work: Awaitable[T], after: float) -> T:
    """Await `work`; if it takes longer than `after` seconds, show 'typing…' until it is done."""
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=after)
        while not done:
            with contextlib.suppress(TelegramError):  # cosmetic: never fail the answer for it
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            done, _ = await asyncio.wait({task}, timeout=TYPING_REFRESH)
        return task.result()
    finally:
        if not task.done():
            task.cancel()
