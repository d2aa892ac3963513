"""The Telegram application: built in one function, handlers in one list, run by `newsbot serve`
(`build_application(settings, engine)`, then `run(app, settings)`: long polling, or a webhook
when NEWSBOT_WEBHOOK_URL is set). Given how to load the engine rather than the engine, the bot
loads it once its start-up calls are done, and polls meanwhile: what needs the engine waits
for it, and a load that fails stops the bot (`engine_load(app)` says why).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import handlers as h
from bot import metrics
from bot.commands import Scope, menu
from bot.i18n import LANGUAGES
from bot.redaction import redact_in_logs
from bot.settings import Settings
from bot.shared import SharedFlood, SharedState, build_shared_state

if TYPE_CHECKING:
    from bot.engine import Engine  # loaded on a thread once the bot polls

logger = logging.getLogger(__name__)

App = Application[Any, Any, Any, Any, Any, Any]

ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.EDITED_MESSAGE,
    Update.CALLBACK_QUERY,
    Update.INLINE_QUERY,
]
RATE_LIMIT_RETRIES = 3  # 429s retried (after retry_after) before giving up on a request

_NEW_MESSAGE = filters.UpdateType.MESSAGE


def bot_commands(scope: Scope, language: str = "en") -> list[BotCommand]:
    """A menu from the one COMMANDS table (bot.commands), which /help lists too."""
    return [BotCommand(name, description) for name, description in menu(scope, language)]


def handler_list() -> list[tuple[BaseHandler[Any, Any, Any], int]]:
    """Every handler and its group, in the order PTB tries them (first match per group)."""
    return [
        (TypeHandler(Update, h.guard), -1),  # access control, before anything else
        # Before the commands, which would take an edited "/ask ..." as a new one.
        (MessageHandler(filters.UpdateType.EDITED_MESSAGE, h.edited), 0),
        (CommandHandler(["start", "help"], h.show_help), 0),
        (CommandHandler("sources", h.show_sources), 0),
        (CommandHandler("ask", h.ask_command), 0),
        (CommandHandler("new", h.forget), 0),
        (CommandHandler("reload", h.reload_index), 0),
        (CallbackQueryHandler(h.more_sources, pattern=r"^more:\d{1,3}$"), 0),
        (CallbackQueryHandler(h.record_feedback, pattern=r"^fb:(up|down)$"), 0),
        (CallbackQueryHandler(h.stale_button), 0),
        (InlineQueryHandler(h.inline_answer), 0),
        (MessageHandler(_NEW_MESSAGE & filters.TEXT & ~filters.COMMAND, h.question), 0),
        (MessageHandler(_NEW_MESSAGE & filters.COMMAND, h.unknown_command), 0),
        (MessageHandler(_NEW_MESSAGE & ~filters.StatusUpdate.ALL, h.not_text), 0),
    ]


class SharedRateLimiter(AIORateLimiter):
    """PTB's limiter (per chat, 429 retries) plus the bot-wide limit shared in Redis."""

    def __init__(self, flood: SharedFlood, max_retries: int, **limits: float):
        super().__init__(max_retries=max_retries, **limits)  # PTB's own rates, as it defaults
        self.flood = flood

    async def process_request(
        self,
        callback: Any,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> Any:
        if data.get("chat_id") is None:  # not counted against the bot's limit
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )

        async def send(*call_args: Any, **call_kwargs: Any) -> Any:
            # The shared slot is taken when the request really goes (after PTB's own
            # limiters, a group's 20 a minute, have let it pass, and again on a retry):
            # taken earlier, a request held back by them would spend it and send later.
            from redis.exceptions import RedisError

            try:
                await self.flood.slot()
            except (RedisError, OSError) as exc:  # the per-process limit still holds
                logger.debug("shared flood limit unavailable: %r", exc)
            return await callback(*call_args, **call_kwargs)

        return await super().process_request(send, args, kwargs, endpoint, data, rate_limit_args)


def build_application(
    settings: Settings,
    engine: Engine | Callable[[], Engine],
    *,
    polling: bool = True,
    shared: SharedState | None = None,
) -> App:
    """The bot over an engine, loaded or how to load it (`newsbot serve`); nothing touches the
    network, nor loads, until it is run.

    `polling=False` builds a worker's application (`newsbot work`): no updater, updates come
    from the Redis streams through `process_update`, and commands are left to the receiver.
    """
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    redact_in_logs(token)
    if shared is None:
        shared = build_shared_state(settings)
    limiter = (
        SharedRateLimiter(SharedFlood(shared.redis, settings.redis_prefix), RATE_LIMIT_RETRIES)
        if shared.shared
        else AIORateLimiter(max_retries=RATE_LIMIT_RETRIES)
    )
    builder = ApplicationBuilder()
    if not polling:
        builder = builder.updater(None)
    if settings.telegram_rate_limit:  # off only to measure capacity (bench/scale_out.py)
        builder = builder.rate_limiter(limiter)
    app = (
        builder.token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                # Citation links would each bring a preview card; off unless asked for.
                link_preview_options=LinkPreviewOptions(is_disabled=not settings.link_previews),
            )
        )
        .concurrent_updates(True)  # one slow chat never holds up the others
        .connect_timeout(5.0)
        .read_timeout(15.0)
        .write_timeout(15.0)
        .pool_timeout(5.0)
        .post_init(_on_start if polling else _on_worker_start)
        .post_stop(_on_stop)
        .post_shutdown(_on_shutdown)
        .build()
    )
    app.bot_data["state"] = h.BotState.create(settings, engine, shared)
    if polling:  # `newsbot serve` receives its own updates (workers: the receiver counts)
        app.add_handler(TypeHandler(Update, _count_update), -2)
    for handler, group in handler_list():
        app.add_handler(handler, group)
    app.add_error_handler(h.on_error)
    return app


def engine_load(app: App) -> Future[Engine]:
    """The engine's load: pending until the bot has started (no load then), else running or
    done; a load that failed has stopped the bot, and its exception says why."""
    state: h.BotState = app.bot_data["state"]
    return state.loading


async def _count_update(update: Update, context: Any) -> None:
    metrics.UPDATES_RECEIVED.inc()


def run(app: App, settings: Settings, **polling: Any) -> None:
    """Serve until stopped: long polling, or a webhook when `settings.webhook_url` is set."""
    if settings.webhook_url:
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            webhook_url=settings.webhook_url,
            secret_token=(
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            ),
            allowed_updates=ALLOWED_UPDATES,
        )
        return
    app.run_polling(allowed_updates=ALLOWED_UPDATES, **polling)


# ---------------------------------------------------------------- lifecycle


async def _on_start(app: App) -> None:
    state: h.BotState = app.bot_data["state"]
    await _set_commands(app, state.settings.admin_ids)
    # From here the bot polls while the engine loads. Loading it alongside Telegram's start-up
    # only slowed both (one GIL; bench/startup.py): the first answer came no sooner.
    state.start_loading()
    _start_watches(app, feeds=True)


async def _on_worker_start(app: App) -> None:
    """A worker of several: no commands to set (the receiver's job), no feed updates (one
    builder publishes the index; every worker's reload watch picks it up)."""
    _start_watches(app, feeds=False)


def _start_watches(app: App, feeds: bool) -> None:
    """Once the engine has loaded (here, or while the bot already polls): the index and feed
    watches, and the line that says what the bot serves."""
    app.bot_data["engine_ready"] = asyncio.create_task(
        _when_loaded(app, feeds), name="engine-ready"
    )


async def _when_loaded(app: App, feeds: bool) -> None:
    state: h.BotState = app.bot_data["state"]
    try:
        engine = await state.ready()
    except Exception:  # `newsbot serve` says why, once the bot has stopped
        logger.info("the index or the models did not load: stopping")
        while not app.running:  # still starting: PTB's stop_running() acts once it runs
            await asyncio.sleep(0.05)
        app.stop_running()
        return
    if state.settings.reload_check_seconds > 0:
        app.bot_data["reload_watch"] = asyncio.create_task(
            _watch_index(state, state.settings.reload_check_seconds), name="reload-watch"
        )
    if feeds and state.settings.feeds_interval_seconds > 0:
        app.bot_data["feeds_watch"] = asyncio.create_task(
            _update_feeds(state, state.settings.feeds_interval_seconds), name="feeds-update"
        )
    m = engine.index.manifest
    metrics.set_index_version(m.build_id)
    logger.info(
        "bot @%s serving %d articles (%d passages, build %s)",
        app.bot.username,
        len(m.articles),
        m.passages,
        m.build_id,
    )


async def _set_commands(app: App, admins: Iterable[int]) -> None:
    """The private and group menus in every language the bot speaks (English for the rest),
    side by side so that start-up waits for one round trip, not ten."""

    async def put(scope: Scope, target: Any, language: str) -> None:
        code = None if language == "en" else language  # English: every other user's menu
        await app.bot.set_my_commands(
            bot_commands(scope, language), scope=target, language_code=code
        )

    await asyncio.gather(
        *(put(Scope.PRIVATE, BotCommandScopeDefault(), lang) for lang in LANGUAGES),
        *(put(Scope.GROUP, BotCommandScopeAllGroupChats(), lang) for lang in LANGUAGES),
    )
    for admin in sorted(admins):
        try:  # fails for an admin who has never opened a chat with the bot; not fatal
            await asyncio.gather(
                *(put(Scope.ADMIN, BotCommandScopeChat(admin), lang) for lang in LANGUAGES)
            )
        except TelegramError as exc:
            logger.warning("could not show /reload to admin %s: %s", admin, exc)


async def _watch_index(state: h.BotState, every: float) -> None:
    """Pick up a newly published index by itself (the builder swaps it in atomically)."""
    failed: str | None = None
    while True:
        await asyncio.sleep(every)
        if not state.engine.index_changed():
            continue
        try:
            await asyncio.to_thread(state.engine.reload)
            metrics.set_index_version(state.engine.index.manifest.build_id)
            failed = None
        except Exception as exc:  # keep serving the old index; say so once per problem
            if str(exc) != failed:
                logger.warning("new index not loaded, still serving the old one: %s", exc)
            failed = str(exc)


async def _update_feeds(state: h.BotState, every: float) -> None:
    """Update the feeds and rebuild the index now and then; `_watch_index` swaps it in."""
    from bot.ingest import update_and_rebuild

    engine = state.engine
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(update_and_rebuild, state.settings, engine.encoders)
        except Exception:  # a bad cycle must not stop the next one, nor the bot
            logger.exception("feed update failed; the served index is unchanged")


async def _stop_watches(app: App) -> None:
    for name in ("engine_ready", "reload_watch", "feeds_watch"):
        watch = app.bot_data.pop(name, None)
        if watch is not None:
            watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watch


async def _on_stop(app: App) -> None:
    await _stop_watches(app)
    state: h.BotState = app.bot_data["state"]
    await state.answers.close()
    await state.shared.aclose()


async def _on_shutdown(app: App) -> None:
    await _stop_watches(app)  # stopped before it ran: nothing else to close but the stores
    state: h.BotState = app.bot_data["state"]
    state.shared.close()
