"""The bot as a service: `newsbot serve` (one process), `newsbot receive` and `newsbot work`
(one receiver, several workers), and `newsbot run` (serve, or the terminal chat)."""

from __future__ import annotations

import logging

import click

from bot.cli_ask import chat
from bot.cli_common import guard, has_token, load_engine, settings_of
from bot.settings import Settings


@click.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Run the Telegram bot (long polling; a webhook when NEWSBOT_WEBHOOK_URL is set).

    \b
    Needs TELEGRAM_BOT_TOKEN (environment or .env). A self-hosted Bot API server:
      TELEGRAM_BASE_URL=http://localhost:8081/bot newsbot serve
    Webhook mode (pip install "python-telegram-bot[webhooks]"):
      NEWSBOT_WEBHOOK_URL=https://bot.example.org/hook NEWSBOT_WEBHOOK_PORT=8443 newsbot serve
    """
    settings = settings_of(ctx)
    if not has_token(settings):
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (environment or .env)")
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)  # a server says what it is doing
    from telegram.error import InvalidToken, TelegramError

    from bot.metrics import start_metrics
    from bot.redaction import redact
    from bot.telegram_app import build_application, engine_load, run

    # The models and the index load once the bot has started, while it polls: questions that
    # arrive meanwhile wait for them (bot.handlers).
    app = build_application(settings, lambda: load_engine(ctx))  # from here on, logs hide the token
    start_metrics(settings)
    try:
        run(app, settings)
    except InvalidToken as exc:
        raise click.ClickException("Telegram rejected TELEGRAM_BOT_TOKEN; check it") from exc
    except (TelegramError, RuntimeError) as exc:
        raise click.ClickException(redact(f"the bot stopped: {exc}")) from exc
    loading = engine_load(app)
    if loading.running() or loading.done():
        loading.result()  # a load that failed has stopped the bot: say why, exit 1


@click.command()
@click.option("--name", help="This receiver's name in logs and in the lease (host-pid).")
@click.pass_context
def receive(ctx: click.Context, name: str | None) -> None:
    """Take updates from Telegram (long polling) and stream them to Redis for the workers.

    \b
    One receiver holds a lease in Redis; start a second one anywhere and it takes over
    within NEWSBOT_RECEIVER_LEASE_SECONDS when the first dies:
      NEWSBOT_REDIS_URL=redis://127.0.0.1:6379/0 newsbot receive
    """
    import asyncio

    from bot.receiver import run_receiver

    settings = settings_of(ctx)
    name = _one_of_several(settings, name)
    asyncio.run(run_receiver(settings, name))


@click.command()
@click.option("--name", help="This worker's name in logs and in Redis (host-pid).")
@click.pass_context
def work(ctx: click.Context, name: str | None) -> None:
    """Answer the updates `newsbot receive` streams; run as many as the load needs.

    \b
      NEWSBOT_REDIS_URL=redis://127.0.0.1:6379/0 \\
      NEWSBOT_DATABASE_URL=postgresql://newsbot@db/newsbot newsbot work
    """
    import asyncio

    from telegram.error import InvalidToken

    from bot.engine import Engine
    from bot.worker import run_worker

    settings = settings_of(ctx)
    name = _one_of_several(settings, name)
    if settings.encoder_threads is None:
        # Workers run one per core: more intra-op threads each only contend (bench/scale_out.py).
        settings = settings.model_copy(update={"encoder_threads": 1})
    engine = guard(lambda: Engine(settings))
    try:
        asyncio.run(run_worker(settings, engine, name))
    except InvalidToken as exc:
        raise click.ClickException("Telegram rejected TELEGRAM_BOT_TOKEN; check it") from exc


def _one_of_several(settings: Settings, name: str | None) -> str:
    """Check what a receiver or worker needs; then a server says what it is doing, and every
    log line says which process of several."""
    from bot.worker import worker_name

    if not has_token(settings):
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (environment or .env)")
    if not settings.redis_url:
        raise click.ClickException("NEWSBOT_REDIS_URL is not set: receiver and workers meet there")
    name = name or worker_name(settings)
    root = logging.getLogger()
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        handler.setFormatter(
            logging.Formatter(
                f"%(asctime)s %(levelname)s [{name.replace('%', '%%')}] %(name)s: %(message)s"
            )
        )
    return name


@click.command("run")
@click.pass_context
def run_(ctx: click.Context) -> None:
    """`newsbot serve` when TELEGRAM_BOT_TOKEN is set, else the terminal chat (`make run`)."""
    if not has_token(settings_of(ctx)):
        click.echo("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat instead.", err=True)
        ctx.invoke(chat)
    else:
        ctx.invoke(serve)
