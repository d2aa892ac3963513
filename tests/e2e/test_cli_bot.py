"""`newsbot run` (what `make run` calls) and `newsbot serve`: without a token, polling while
the engine loads, and a load that fails."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from bot import cli as cli_module
from bot import cli_ask, cli_serve
from bot.cli_common import guard, settings_of
from bot.engine import Engine
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ASK = "How many Wagner fighters were killed in combat over the last few weeks?"


def test_run_without_a_token_starts_the_terminal_chat(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cli_ask, "load_engine", lambda ctx: engine)  # the model is loaded already
    question = "How many Wagner fighters were killed in combat over the last few weeks?"
    result = CliRunner().invoke(cli_module.cli, ["run"], input=f"{question}\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "starting the terminal chat" in result.output and "1,000" in result.output


@pytest.mark.parametrize("token", [None, "  "])
def test_serve_without_a_token_says_what_is_missing(token: str | None):
    env = {"TELEGRAM_BOT_TOKEN": token} if token else {}
    result = CliRunner().invoke(cli_module.cli, ["serve"], env=env)
    assert result.exit_code == 1 and "TELEGRAM_BOT_TOKEN is not set" in result.output


def test_the_bot_polls_while_the_engine_loads_and_answers_what_was_asked_meanwhile(
    fake: FakeTelegram, engine: Engine, built_index: Path, tmp_path: Path
):
    """As `newsbot serve` starts: commands that need no engine answer at once; a question
    waits for it, and is answered once it has loaded."""
    asker, other = 70_001, 70_002
    loaded = threading.Event()

    def load() -> Engine:
        loaded.wait(30)
        return engine

    bot = RunningBot(bot_settings(fake, built_index, tmp_path), load)  # type: ignore[arg-type]
    bot.start()
    try:
        fake.send_text(ASK, user_id=asker)
        fake.send_text("/new", user_id=other)
        (reply,) = fake.wait_for_messages(1, other)
        assert reply.text.startswith("OK, new conversation")
        fake.wait_for_updates_consumed()  # the question has reached the bot, and waits
        assert fake.sent_messages(asker) == []
        loaded.set()
        (answer,) = fake.wait_for_messages(1, asker)
        assert "1,000" in answer.text
    finally:
        bot.stop()
    assert fake.rejected_calls() == []


def test_serve_stops_with_the_index_error_when_the_engine_fails_to_load_while_it_polls(
    fake: FakeTelegram,
    encoders: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    """The same sentence and exit code as a failure before the bot started; whoever asked
    meanwhile gets the short apology, not silence."""
    missing, asker = tmp_path / "no-index", 70_003

    def waiting(call: Any) -> bool:  # the bot shows it is typing: the question waits
        return bool(call.params.get("chat_id") == asker)

    def load_engine(ctx: click.Context) -> Engine:
        fake.wait_for_call("sendChatAction", waiting, timeout=30)
        return guard(lambda: Engine(settings_of(ctx), encoders))

    monkeypatch.setattr(cli_serve, "load_engine", load_engine)
    monkeypatch.chdir(tmp_path)
    env = {
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_BASE_URL": fake.base_url,
        "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
        "NEWSBOT_INDEX_DIR": str(missing),
        "NEWSBOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
        "NEWSBOT_TYPING_AFTER_SECONDS": "0",
    }
    fake.send_text(ASK, user_id=asker)
    try:
        result = CliRunner().invoke(cli_module.cli, ["serve"], env=env)
    finally:
        asyncio.set_event_loop(None)  # PTB leaves its closed loop current: as asyncio.run does
    assert result.exit_code == 1, result.output
    assert f"Error: no index at {missing}: build one with `newsbot index build`" in result.output
    (apology,) = fake.sent_messages(asker)
    assert apology.text.startswith("Sorry, something went wrong on my side")
