"""`newsbot run` (what `make run` calls) and `newsbot serve` without a token."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot import cli as cli_module
from bot.engine import Engine

pytestmark = pytest.mark.e2e


def test_run_without_a_token_starts_the_terminal_chat(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(cli_module, "_engine", lambda ctx: engine)  # the model is loaded already
    question = "How many Wagner fighters were killed in combat over the last few weeks?"
    result = CliRunner().invoke(cli_module.cli, ["run"], input=f"{question}\n/quit\n")
    assert result.exit_code == 0, result.output
    assert "starting the terminal chat" in result.output and "1,000" in result.output


@pytest.mark.parametrize("token", [None, "  "])
def test_serve_without_a_token_says_what_is_missing(token: str | None):
    env = {"TELEGRAM_BOT_TOKEN": token} if token else {}
    result = CliRunner().invoke(cli_module.cli, ["serve"], env=env)
    assert result.exit_code == 1 and "TELEGRAM_BOT_TOKEN is not set" in result.output
