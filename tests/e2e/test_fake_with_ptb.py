"""Proof that a real python-telegram-bot Application runs against FakeTelegram.

Each test builds a genuine ``telegram.ext.Application`` pointed at the fake with
``base_url``/``base_file_url``, starts long polling, injects user activity and checks what the
bot sent - the same wiring the project's end-to-end tests use for the real bot.
"""

from __future__ import annotations

import contextlib
import html
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_api import FakeTelegram

# asyncio explicitly, so the file also runs where asyncio_mode=auto is not configured.
pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

CHAT = 1001  # FakeTelegram's default user; private chat id == user id


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
        assert server.internal_errors == [], "\n".join(server.internal_errors)


def build_app(fake: FakeTelegram, *, rate_limiter: AIORateLimiter | None = None) -> Application:
    builder = (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
    )
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    return builder.build()


@contextlib.asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run ``app`` with long polling like run_polling() does, and shut it down cleanly."""
    async with app:  # initialize() ... shutdown()
        await app.start()
        assert app.updater is not None
        # timeout=1: a pending long poll never delays shutdown by more than a second.
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


async def echo_bold(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text is not None
    text = html.escape(update.effective_message.text)
    await update.effective_message.reply_text(f"<b>{text}</b>", parse_mode=ParseMode.HTML)


async def greet(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text("Hello! Send me any text.")


async def test_echo_round_trip_and_clean_shutdown(fake: FakeTelegram) -> None:
    app = build_app(fake)
    app.add_handler(CommandHandler("start", greet))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo_bold))

    started = time.monotonic()
    async with polling(app):
        assert app.bot.username == "newsbot_test_bot"  # getMe went through the fake
        fake.send_text("/start")  # needs the bot_command entity the fake computes
        fake.send_text("1 < 2 & <b>tags</b> stay text 😀")
        greeting, echo = await fake.wait_for_messages_async(2, chat_id=CHAT, timeout=10)
        stopping = time.monotonic()

    assert greeting.text == "Hello! Send me any text."
    assert echo.text == "1 < 2 & <b>tags</b> stay text 😀"
    assert echo.parse_mode == "HTML" and echo.html.startswith("<b>1 &lt; 2 &amp; &lt;b&gt;")
    # The bold entity spans the whole text, measured in UTF-16 (the emoji counts 2).
    assert echo.entities == [{"type": "bold", "offset": 0, "length": 32}]
    assert fake.rejected_calls() == []
    # Shutdown confirmed every update (PTB's final getUpdates with the last offset) and was
    # quick: the pending long poll was cancelled, not waited out.
    assert fake.pending_updates() == []
    assert time.monotonic() - stopping < 3.0
    assert time.monotonic() - started < 10.0


async def test_invalid_html_surfaces_as_bad_request(fake: FakeTelegram) -> None:
    errors: list[str] = []

    async def careless(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        try:  # forgot html.escape(): Telegram refuses, and so does the fake
            await update.effective_message.reply_text(
                f"<b>{update.effective_message.text}</b>", parse_mode=ParseMode.HTML
            )
        except BadRequest as error:
            errors.append(error.message)

    app = build_app(fake)
    app.add_handler(MessageHandler(filters.TEXT, careless))
    async with polling(app):
        fake.send_text("a <script> b")
        await fake.wait_for_call_async("sendMessage", timeout=10)
        await fake.wait_until_async(lambda: errors, timeout=5, description="the handler")

    assert errors == ['Can\'t parse entities: unsupported start tag "script" at byte offset 5']
    assert fake.sent_messages() == []
    assert [c.description for c in fake.rejected_calls()] == [
        'Bad Request: can\'t parse entities: Unsupported start tag "script" at byte offset 5'
    ]


async def test_button_press_is_answered_and_edits_the_message(fake: FakeTelegram) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])
        await update.effective_message.reply_text("Page 1", reply_markup=keyboard)

    async def more(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None
        await query.answer("Loading")
        await query.edit_message_text(f"Page {query.data.split(':')[1]} (expanded)")

    app = build_app(fake)
    app.add_handler(CommandHandler("menu", menu))
    app.add_handler(CallbackQueryHandler(more, pattern=r"^more:"))
    async with polling(app):
        fake.send_text("/menu")
        [page] = await fake.wait_for_messages_async(1, timeout=10)
        fake.press_button(page.message_id, page.button("More")["callback_data"])
        await fake.wait_until_async(
            lambda: fake.sent_message(CHAT, page.message_id).edits == 1,
            timeout=10,
            description="the edit",
        )

    edited = fake.sent_message(CHAT, page.message_id)
    assert (edited.text, edited.history, edited.reply_markup) == (
        "Page 1 (expanded)",
        ("Page 1",),
        None,
    )
    [answer] = fake.callback_answers
    assert (answer.text, answer.data) == ("Loading", "more:1")
    assert fake.rejected_calls() == []


# PTB's own AIORateLimiter reads RetryAfter.retry_after, which PTB 22 flags as deprecated.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_wait_is_retried_without_losing_or_duplicating(fake: FakeTelegram) -> None:
    app = build_app(fake, rate_limiter=AIORateLimiter(max_retries=2))
    app.add_handler(MessageHandler(filters.TEXT, echo_bold))
    fake.fail_next("sendMessage", status=429, retry_after=1)
    async with polling(app):
        fake.send_text("once")
        await fake.wait_for_messages_async(1, timeout=10)

    assert [m.text for m in fake.sent_messages()] == ["once"]
    assert [(c.status, c.injected) for c in fake.calls_to("sendMessage")] == [
        (429, True),
        (200, False),
    ]
