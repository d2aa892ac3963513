"""Errors are logged with context and users get a short apology; the bot token never appears
in any log line or error message, even with every logger at DEBUG (httpx included)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.engine import Engine
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ASK = "How many Wagner fighters were killed in combat over the last few weeks?"
WRONG_TOKEN = "654321:WRONG-secret-token-value"


def secrets_of(token: str) -> list[str]:
    return [token, token.split(":", 1)[1]]


def test_failures_are_logged_with_context_apologised_for_and_never_show_the_token(
    fake: FakeTelegram,
    engine: Engine,
    built_index: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.DEBUG)
    bot = RunningBot(bot_settings(fake, built_index, tmp_path), engine)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # as if someone turned it up again
    bot.start()
    try:
        user = 50_001
        # Telegram refuses the answer outright: nothing to retry, the user gets an apology.
        fake.fail_next("sendMessage", status=400, description="Bad Request: something odd")
        fake.send_text(ASK, user_id=user)
        (apology,) = fake.wait_for_messages(1, user)
        assert (
            apology.text == "Sorry, something went wrong on my side. Please try again in a moment."
        )
        # A failing proxy and a flood-control answer: retried, answered once each.
        fake.fail_next("sendMessage", status=502)
        fake.send_text(ASK, user_id=user)
        fake.fail_next("sendMessage", status=429, retry_after=1)
        fake.send_text(ASK, user_id=user)
        replies = fake.wait_for_messages(3, user)
        assert sum("1,000" in r.text for r in replies) == 2
    finally:
        bot.stop()
        logging.getLogger("httpx").setLevel(logging.WARNING)

    errors = [r for r in caplog.records if r.name == "bot.handlers" and r.levelno == logging.ERROR]
    assert errors and errors[0].exc_info and "update" in errors[0].getMessage()
    assert "Traceback" not in apology.text
    assert any("HTTP Request" in r.getMessage() for r in caplog.records)  # URLs were logged...
    for secret in secrets_of(fake.token):
        assert secret not in caplog.text  # ...without the token
        for record in caplog.records:
            assert secret not in record.getMessage() and secret not in (record.exc_text or "")


def test_a_rejected_token_is_reported_without_printing_it(
    fake: FakeTelegram,
    engine: Engine,
    built_index: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
):
    from bot import cli as cli_module
    from bot import cli_serve

    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(cli_serve, "load_engine", lambda ctx: engine)  # the model is loaded already
    env = {
        "TELEGRAM_BOT_TOKEN": WRONG_TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "NEWSBOT_INDEX_DIR": str(built_index),
    }
    result = CliRunner().invoke(cli_module.cli, ["-vv", "serve"], env=env)
    assert result.exit_code == 1
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in result.output
    for secret in secrets_of(WRONG_TOKEN):
        assert secret not in result.output
        assert secret not in caplog.text
