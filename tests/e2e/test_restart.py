"""Stopping and starting the bot: feedback is kept, old buttons keep working, nothing is
answered twice, and maintainers read it all with `newsbot feedback`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.engine import Engine
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ASK = "How many Wagner fighters were killed in combat over the last few weeks?"
OFF_TOPIC = "What is the capital of Peru?"
USER = 30_001


def test_feedback_and_buttons_survive_a_restart(
    fake: FakeTelegram, engine: Engine, built_index: Path, tmp_path: Path
):
    settings = bot_settings(fake, built_index, tmp_path)
    first = RunningBot(settings, engine).start()
    try:
        fake.send_text(ASK, user_id=USER)
        (answer,) = fake.wait_for_messages(1, USER)
        fake.send_text(OFF_TOPIC, user_id=USER)
        declined = fake.wait_for_messages(2, USER)[1]
        assert "do not cover" in declined.text
        fake.press_button(answer.message_id, "fb:down", user_id=USER)
        fake.wait_until(lambda: any(a.chat_id == USER for a in fake.callback_answers))
    finally:
        first.stop()

    second = RunningBot(settings, engine).start()
    try:
        # A button sent by the previous process: the answer is not remembered in memory any
        # more, so the bot asks the question (from the message it replied to) again.
        fake.press_button(answer.message_id, "more:0", user_id=USER)
        (more,) = fake.wait_for_messages(3, USER)[2:]
        assert more.text.startswith("More sources (2")
        fake.wait_for_updates_consumed()
    finally:
        second.stop()
    assert len(fake.sent_messages(USER)) == 3  # nothing answered twice by the new process
    assert fake.rejected_calls() == []

    db = str(tmp_path / "feedback.sqlite3")
    result = CliRunner().invoke(cli, ["feedback"], env={"NEWSBOT_FEEDBACK_DB": db})
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("could not answer") < out.index(OFF_TOPIC) < out.index("Feedback")
    # The vote is stored with the reply as the user saw it.
    assert "1 👎, 0 👍" in out and ASK in out and answer.text.splitlines()[0][:30] in out


def test_feedback_command_without_a_store_prints_an_empty_result(tmp_path: Path):
    """Before anything was recorded, `feedback` and `report` print empty lists, exit 0,
    and create no database."""
    env = {"NEWSBOT_FEEDBACK_DB": str(tmp_path / "none.sqlite3")}
    result = CliRunner().invoke(cli, ["feedback"], env=env)
    assert result.exit_code == 0, result.output
    assert "could not answer (0)" in result.output and "(0 👎, 0 👍)" in result.output
    result = CliRunner().invoke(cli, ["feedback", "--json"], env=env)
    assert result.exit_code == 0 and json.loads(result.output) == {"unanswered": [], "votes": []}
    result = CliRunner().invoke(cli, ["report", "--json"], env=env)
    assert result.exit_code == 0 and json.loads(result.output) == {"groups": []}
    assert not (tmp_path / "none.sqlite3").exists()
