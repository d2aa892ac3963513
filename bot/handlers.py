"""The bot's PTB handlers: thin - read the update, ask the answering queue, format, reply.

Handlers reach the engine and the bot's state through `context.bot_data["state"]` (a
`BotState`, built once in `bot.telegram_app`): history, limits, button payloads and feedback
behind the seams of `bot.shared`, in process or shared by several workers. `newsbot serve`
polls while the engine is still loading: what needs it waits for it (`await state.ready()`;
questions wait in the answering queue), the rest answers at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import html
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import addressing, metrics
from bot.batching import AnswerQueue
from bot.commands import NAMES, help_html, sources_html
from bot.delivery import edit_replies, send_html, while_typing, with_retries
from bot.feedback import vote_key
from bot.format import hit_html, inline_items, split_messages, to_html
from bot.history import Recent
from bot.i18n import language_for, text
from bot.keyboards import CHOSEN, VOTES, answer_keyboard, with_vote, without_more
from bot.outcome import Answer, Reason, Status
from bot.settings import Settings
from bot.shared import (
    Feedback,
    History,
    Limiter,
    MoreSources,
    Once,
    Payloads,
    Replies,
    SentReply,
    SharedState,
    build_shared_state,
)
from index.errors import IndexProblem

if TYPE_CHECKING:
    from bot.engine import Engine  # loaded on a thread once the bot polls

logger = logging.getLogger(__name__)

MORE_PAGE = 3  # passages per 'More sources' press
GROUP_HITS = 1  # a group sees the best passage; 'More sources' has the rest (no flooding)

COMMAND_NAMES = NAMES
Conversation = tuple[int, int]  # (chat id, user id): one conversation; group members are separate


@dataclass
class BotState:
    settings: Settings
    loading: Future[Engine]  # done at once, or loading (`start_loading`) while the bot polls
    answers: AnswerQueue
    shared: SharedState
    loader: Callable[[], Engine] | None = None  # how to load it, when not given loaded
    # The keyboard each bot message shows now, as this process last set it: presses arrive
    # with the keyboard of when they were made, and two quick presses would undo each other.
    # (A chat's updates reach one process at a time, so this process's view is the latest.)
    keyboards: Recent[tuple[int, int], InlineKeyboardMarkup] = field(
        default_factory=lambda: Recent(4096)
    )
    keyboard_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def engine(self) -> Engine:
        """The loaded engine: only after `await ready()` (or an answer, which waits for it)."""
        return self.loading.result(timeout=0)

    def start_loading(self) -> None:
        """Load the engine on a thread of its own, once; what needs it waits for it."""
        loader, loading = self.loader, self.loading
        if loader is None or loading.running() or loading.done():
            return
        loading.set_running_or_notify_cancel()

        def load() -> None:
            try:
                loading.set_result(loader())
            except BaseException as exc:  # for the waiting handlers and `newsbot serve`
                loading.set_exception(exc)

        threading.Thread(target=load, name="engine-load").start()

    async def ready(self) -> Engine:
        """The engine once it has loaded (EngineFailed if it could not)."""
        if not self.loading.done():
            with contextlib.suppress(Exception):  # raised below, as EngineFailed
                await asyncio.wrap_future(self.loading)
        return _loaded(self.loading)

    @property
    def history(self) -> History:
        return self.shared.history

    @property
    def limiter(self) -> Limiter:
        return self.shared.limiter

    @property
    def feedback(self) -> Feedback:
        return self.shared.feedback

    @property
    def recent(self) -> Payloads:  # (chat id, question message id) -> 'More sources'
        return self.shared.payloads

    @property
    def pressed(self) -> Once:  # 'More sources' presses already handled
        return self.shared.pressed

    @property
    def replies(self) -> Replies:  # (chat id, question message id) -> the reply's message ids
        return self.shared.replies

    @classmethod
    def create(
        cls,
        settings: Settings,
        engine: Engine | Callable[[], Engine],
        shared: SharedState | None = None,
    ) -> BotState:
        """`engine`: loaded, or how to load it (`newsbot serve`: after `start_loading()`)."""
        loading: Future[Engine] = Future()
        loader = engine if callable(engine) else None
        if loader is None:
            loading.set_result(engine)
        return cls(
            settings=settings,
            loading=loading,
            answers=AnswerQueue(_WhenLoaded(loading)),
            shared=shared if shared is not None else build_shared_state(settings),
            loader=loader,
        )

    def allowed(self, user_id: int | None, chat_id: int | None) -> bool:
        s = self.settings
        if not (s.allowed_user_ids or s.allowed_chat_ids) or user_id in s.admin_ids:
            return True
        return user_id in s.allowed_user_ids or chat_id in s.allowed_chat_ids


class EngineFailed(Exception):
    """The engine did not load: `newsbot serve` stops and says why, once."""


def _loaded(loading: Future[Engine]) -> Engine:
    """The engine, waiting for it to load (on a thread, or once done)."""
    try:
        return loading.result()
    except Exception as exc:
        raise EngineFailed(str(exc)) from None  # the cause's traceback is serve's to report


class _WhenLoaded:
    """The engine as the answering queue calls it, on a thread: that thread waits for the
    load, never the event loop; questions asked meanwhile queue up for the next batch."""

    def __init__(self, loading: Future[Engine]):
        self.loading = loading

    def answer_many(self, asks: Sequence[tuple[str, Sequence[str]]]) -> list[Answer]:
        return _loaded(self.loading).answer_many(asks)


async def _reply(context: ContextTypes.DEFAULT_TYPE, message: Message, html_text: str) -> None:
    """A short HTML reply to `message`, retried like answers are."""
    await send_html(context.bot, message.chat_id, [html_text], reply_to=message.message_id)


def _language(update: object) -> str:
    """The language of the bot's fixed texts where no question says it: the user's Telegram
    language when the bot speaks it, else English."""
    return _speaks(update.effective_user if isinstance(update, Update) else None)


def _speaks(user: User | None) -> str:
    return language_for(user.language_code if user else None)


def _state(context: ContextTypes.DEFAULT_TYPE) -> BotState:
    state = context.bot_data["state"]
    assert isinstance(state, BotState)
    return state


# ---------------------------------------------------------------- access


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler: allowlists, and updates that are nobody's."""
    user, chat = update.effective_user, update.effective_chat
    if update.inline_query and user and not user.is_bot:
        # Inline queries come from any chat the user types in; only the user is known.
        if _state(context).allowed(user.id, None):
            return
        await update.inline_query.answer([], cache_time=0, is_personal=True)
        raise ApplicationHandlerStop
    if user is None or chat is None or user.is_bot or chat.type == ChatType.CHANNEL:
        raise ApplicationHandlerStop
    if _state(context).allowed(user.id, chat.id):
        return
    logger.info("refused update %s from a user outside the allowlist", update.update_id)
    refused = text("refused", _language(update))
    if update.callback_query:
        await _ack(update.callback_query, refused, alert=True)
    elif (message := update.message) and _for_us(message, context):
        await _reply(context, message, html.escape(refused))
    raise ApplicationHandlerStop


def _for_us(message: Message, context: ContextTypes.DEFAULT_TYPE) -> bool:
    bot = context.bot
    if message.text and message.text.startswith("/"):
        if addressing.is_private(message):
            return True
        target = addressing.command_target(message.text)
        if target is None:  # "/ask" in a group: ours only if we have such a command
            return addressing.command_name(message.text) in COMMAND_NAMES
        return target.lower() == bot.username.lower()
    return addressing.addressed(message, bot.username, bot.id)


# ---------------------------------------------------------------- commands


async def show_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help."""
    if message := update.effective_message:
        group = not addressing.is_private(message)
        articles = (await _state(context).ready()).articles  # the index lists them
        help_text = help_html(articles, context.bot.username, group, _language(update))
        await _reply(context, message, help_text)


async def show_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/sources: the article list with links."""
    if message := update.effective_message:
        articles = (await _state(context).ready()).articles
        await send_html(context.bot, message.chat_id, sources_html(articles, _language(update)))


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/new: forget the conversation so far."""
    if (message := update.effective_message) and update.effective_user:
        await _state(context).history.clear((message.chat_id, update.effective_user.id))
        await _reply(context, message, html.escape(text("new_conversation", _language(update))))


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION: the way to ask in a group (also works in private chats)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = addressing.question_text(message.text, context.bot.username)
    if not question:
        await _reply(context, message, text("ask_usage", _language(update)))
        return
    await _answer(update, context, message, question)


async def reload_index(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reload (admins): load the published index now, without a restart."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    state = _state(context)
    if user.id not in state.settings.admin_ids:
        await _reply(context, message, html.escape(text("not_admin", _language(update))))
        return
    engine = await state.ready()
    try:
        changed = await asyncio.to_thread(engine.reload)
    except IndexProblem as exc:
        logger.warning("reload requested by an admin failed: %s", exc)
        await _reply(
            context,
            message,
            f"Reload failed, still serving the previous index: {html.escape(str(exc))}",
        )
        return
    m = engine.index.manifest
    what = "New index loaded" if changed else "Index unchanged, reloaded"
    await _reply(
        context,
        message,
        f"{what}: {m.passages} passages from {len(m.articles)} articles "
        f"(build {html.escape(str(m.build_id))}).",
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None or not _for_us(message, context):
        return  # in a group, another bot's command
    command = html.escape(message.text.split()[0].split("@")[0])
    await _reply(context, message, text("unknown_command", _language(update), command=command))


# ---------------------------------------------------------------- messages


async def question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text message: in a private chat always a question; in a group only when addressed."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if not addressing.addressed(message, context.bot.username, context.bot.id):
        return
    asked = addressing.question_text(message.text, context.bot.username)
    await _answer(update, context, message, asked)


async def inline_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`@bot question` in any chat: the answer's passages as results to pick and send."""
    query = update.inline_query
    if query is None:
        return
    asked = query.query.strip()
    if not asked:
        await query.answer([], cache_time=0, is_personal=True)
        return
    state = _state(context)
    answer = await state.answers.answer(asked)
    results = [
        InlineQueryResultArticle(
            id=item.id,
            title=item.title,
            description=item.description,
            input_message_content=InputTextMessageContent(
                item.html,
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(
                    is_disabled=not state.settings.link_previews
                ),
            ),
        )
        for item in inline_items(answer, state.engine.articles)
    ]
    # Personal and short-lived: answers follow the index, which can change at any time.
    await query.answer(results, cache_time=30, is_personal=True)


async def not_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice, locations...: a polite note in private chats, silence in groups."""
    message = update.effective_message
    if message and addressing.is_private(message):
        await _reply(context, message, html.escape(text("not_text", _language(update))))


async def edited(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An edited question: answered again, by editing the bot's earlier reply to it. Edited
    commands other than /ask, and group messages not meant for the bot, are left alone."""
    message = update.edited_message
    if message is None or message.text is None:
        return
    if message.text.startswith("/"):
        if addressing.command_name(message.text) != "ask" or not _for_us(message, context):
            return
    elif not addressing.addressed(message, context.bot.username, context.bot.id):
        return
    asked = addressing.question_text(message.text, context.bot.username)
    if asked:
        await _answer(update, context, message, asked, edit=True)


async def _answer(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    message: Message,
    asked_text: str,
    *,
    edit: bool = False,
) -> None:
    state, user = _state(context), update.effective_user
    user_id = user.id if user else 0
    if not await _within_limit(context, state, user_id, message):
        metrics.DECLINED.labels(reason="rate_limited").inc()
        return
    started = time.monotonic()
    conversation: Conversation = (message.chat_id, user_id)
    answer = await while_typing(
        context.bot,
        message.chat_id,
        state.answers.answer(asked_text, await state.history.get(conversation)),
        state.settings.typing_after_seconds,
    )
    if answer.status is Status.ANSWERED:
        await state.history.add(conversation, answer.question)
        answer = _as_shown(answer, addressing.is_private(message))
    elif answer.reason in (Reason.NOT_COVERED, Reason.LANGUAGE):
        await asyncio.to_thread(
            state.feedback.record_unanswered, answer.question, str(answer.reason), message.chat.type
        )
    asked = (message.chat_id, message.message_id)
    if answer.status is Status.ANSWERED:
        await state.recent.put(asked, _more_sources(answer))
    markup = (
        answer_keyboard(bool(answer.more), 0, answer.language)
        if answer.status is Status.ANSWERED
        else None
    )
    texts = to_html(answer, state.engine.articles)
    digest = _digest(texts, markup)
    earlier = await state.replies.get(asked) if edit else SentReply()
    if earlier.ids and earlier.digest == digest:
        ids = list(earlier.ids)  # the corrected question has the same answer: nothing to edit
    elif earlier.ids:
        async with state.keyboard_lock:
            ids = await edit_replies(
                context.bot,
                message.chat_id,
                earlier.ids,
                texts,
                reply_to=message.message_id,
                markup=markup,
            )
            for i in ids:
                last = markup if i == ids[-1] and markup else InlineKeyboardMarkup([])
                state.keyboards.put((message.chat_id, i), last)
    else:
        sent = await send_html(
            context.bot, message.chat_id, texts, reply_to=message.message_id, markup=markup
        )
        ids = [m.message_id for m in sent]
    await state.replies.put(asked, SentReply(tuple(ids), digest))
    metrics.LATENCY.observe(time.monotonic() - started)
    if answer.status is Status.ANSWERED:
        metrics.ANSWERED.inc()
    else:
        metrics.DECLINED.labels(reason=str(answer.reason)).inc()


async def _within_limit(
    context: ContextTypes.DEFAULT_TYPE, state: BotState, user_id: int, message: Message
) -> bool:
    if user_id in state.settings.admin_ids:
        return True
    decision = await state.limiter.check(user_id)
    if not decision.allowed and decision.notify:
        seconds = max(1, round(decision.retry_after))
        notice = text("rate_limited", _speaks(message.from_user), seconds=seconds)
        await _reply(context, message, html.escape(notice))
    return decision.allowed


def _digest(texts: list[str], markup: InlineKeyboardMarkup | None) -> str:
    keyboard = markup.to_json() if markup else ""
    return hashlib.sha256(json.dumps([texts, keyboard]).encode()).hexdigest()[:32]


# ---------------------------------------------------------------- buttons


async def more_sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """'More sources': send the next passages under the same question; drop the old button."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    message = query.message
    language = _language(update)
    if not isinstance(message, Message):  # too old: Telegram no longer shows its content
        await _ack(query, text("gone", language))
        return
    state = _state(context)
    shown = int(query.data.split(":")[1])
    # An edited reply (its question was edited) offers its button afresh.
    version = int(message.edit_date.timestamp()) if message.edit_date else 0
    pressed = f"{message.chat_id}:{message.message_id}:{shown}:{version}"
    if not await state.pressed.claim(pressed):  # a double tap: those are on their way already
        await _ack(query, text("already_shown", language))
        return
    more = await _more_for(state, context, message)
    if more is None:
        await _ack(query, text("gone", language))
        return
    blocks = more.blocks[shown : shown + MORE_PAGE]
    if not blocks:
        await _ack(query, text("no_more", more.language))
        return
    await _ack(query)
    asked = message.reply_to_message
    first = more.shown + shown + 1
    last = first + len(blocks) - 1
    span = f"{first}" if last == first else f"{first}–{last}"
    total = more.shown + len(more.blocks)
    header = text("more_header", more.language, span=span, total=total)
    left = len(more.blocks) > shown + len(blocks)
    await send_html(
        context.bot,
        message.chat_id,
        split_messages([header, *blocks]),
        reply_to=asked.message_id if asked else None,
        markup=answer_keyboard(left, shown + len(blocks), more.language),
    )
    await _set_keyboard(state, query, message, without_more)


async def _set_keyboard(
    state: BotState,
    query: CallbackQuery,
    message: Message,
    change: Callable[[InlineKeyboardMarkup], InlineKeyboardMarkup],
) -> None:
    """Change a message's keyboard from what it shows now; no request when nothing changes."""
    key = (message.chat_id, message.message_id)
    async with state.keyboard_lock:
        current = state.keyboards.get(key) or message.reply_markup or InlineKeyboardMarkup([])
        keyboard = change(current)
        if keyboard.to_dict() == current.to_dict():
            return
        try:
            await with_retries(lambda: query.edit_message_reply_markup(keyboard))
        except BadRequest as exc:  # deleted meanwhile, or too old to edit
            logger.debug("could not update the keyboard: %s", exc)
            return
        state.keyboards.put(key, keyboard)


async def _more_for(
    state: BotState, context: ContextTypes.DEFAULT_TYPE, message: Message
) -> MoreSources | None:
    """What a bot message's 'More sources' shows: remembered (by any worker), or asked again
    from the question it replied to."""
    asked = message.reply_to_message
    if asked is None:
        return None
    remembered = await state.recent.get((message.chat_id, asked.message_id))
    if remembered is not None:
        return remembered
    if not asked.text:
        return None
    # Forgotten (restart, or long ago): ask again, without the conversation's earlier turns.
    again = addressing.question_text(asked.text, context.bot.username)
    answer = _as_shown(await state.answers.answer(again), addressing.is_private(message))
    if answer.status is not Status.ANSWERED:
        return None
    more = _more_sources(answer)
    await state.recent.put((message.chat_id, asked.message_id), more)
    return more


def _more_sources(answer: Answer) -> MoreSources:
    """The passages behind an answer's 'More sources', rendered now, as plain data."""
    blocks = tuple(hit_html(h, language=answer.language) for h in answer.more)
    return MoreSources(len(answer.hits), answer.language, blocks)


def _as_shown(answer: Answer, private: bool) -> Answer:
    """Groups see only the best passage; the rest wait behind 'More sources'. A disputed
    claim keeps both sides: the claim without its denial would mislead."""
    if private or answer.status is not Status.ANSWERED or answer.contested:
        return answer
    return dataclasses.replace(answer, hits=answer.hits[:GROUP_HITS])


async def record_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """👍/👎: store the vote with the question and the reply as the user saw it."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    message = query.message
    if not isinstance(message, Message):
        await _ack(query, text("gone", _language(update)))
        return
    current = message.reply_markup or InlineKeyboardMarkup([])
    ours = message.from_user is not None and message.from_user.id == context.bot.id
    voting = any(b.callback_data in VOTES for row in current.inline_keyboard for b in row)
    if not (ours and voting):
        await stale_button(update, context)  # forged: no such button on any message of ours
        return
    state = _state(context)
    asked = message.reply_to_message
    question = (
        addressing.question_text(asked.text, context.bot.username) if asked and asked.text else None
    )
    remembered = await state.recent.get((message.chat_id, asked.message_id)) if asked else None
    language = remembered.language if remembered else _language(update)
    vote, label = VOTES[query.data]
    key = vote_key(message.chat_id, message.message_id, query.from_user.id)
    previous = await asyncio.to_thread(
        state.feedback.record_vote, key, vote, question, message.text or "", message.chat.type
    )
    private = addressing.is_private(message)
    if previous == vote and not private:
        await _ack(query, text("vote_same", language, vote=label))
        return
    if previous == vote:
        # Nothing to store; a keyboard that lost the mark (its reply was edited since) shows
        # it again.
        shown = state.keyboards.get((message.chat_id, message.message_id)) or current
        if any(b.text == label + CHOSEN for row in shown.inline_keyboard for b in row):
            await _ack(query, text("vote_same", language, vote=label))
            return
    await _ack(query, text("thanks_up" if vote > 0 else "thanks_down", language))
    await _set_keyboard(state, query, message, lambda k: with_vote(k, vote, previous, private))


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Buttons this version of the bot does not know (old messages, forged data)."""
    if update.callback_query:
        await _ack(update.callback_query, text("stale_button", _language(update)))


async def _ack(query: CallbackQuery, text: str | None = None, alert: bool = False) -> None:
    """Answer a button press. Telegram refuses answers to presses older than ~15 s (say, queued
    while the bot was down); the press is then simply over, not an error worth an apology."""
    try:
        await query.answer(text, show_alert=alert)
    except BadRequest as exc:
        if "query is too old" not in str(exc) and "query id is invalid" not in str(exc):
            raise
        logger.debug("button press expired before it was answered: %s", exc)


# ---------------------------------------------------------------- errors


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with context first (never the user's text), then one short apology, no traceback."""
    error = context.error
    where = ""
    if isinstance(update, Update):
        chat = update.effective_chat
        where = f" (update {update.update_id}" + (f", {chat.type} chat {chat.id})" if chat else ")")
    metrics.ERRORS.inc()
    trace = None if isinstance(error, EngineFailed) else error  # one cause, told by serve
    logger.error("error while handling an update%s: %r", where, error, exc_info=trace)
    if not isinstance(update, Update) or isinstance(error, Forbidden):
        return  # a user who blocked the bot cannot be told anything
    apology = text("apology", _language(update))
    try:
        if update.callback_query:
            await _ack(update.callback_query, apology)
        elif (message := update.effective_message) and _for_us(message, context):
            await context.bot.send_message(message.chat_id, html.escape(apology))
    except TelegramError as exc:
        logger.warning("could not send the apology: %s", exc)
