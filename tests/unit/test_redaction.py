"""The bot token is redacted from every log record: message, arguments and traceback."""

from __future__ import annotations

import logging

import pytest

from bot.redaction import REDACTED, redact, redact_in_logs, secret_parts

TOKEN = "987654:UNIT-test-secret-abc"


@pytest.fixture(autouse=True)
def _installed() -> None:
    redact_in_logs(TOKEN)


def test_secret_parts_include_the_secret_half():
    assert secret_parts(TOKEN) == {TOKEN, "UNIT-test-secret-abc"}


def test_message_and_arguments_are_redacted(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    logger = logging.getLogger("some.library")
    logger.info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    logger.warning("token half: UNIT-test-secret-abc")
    assert TOKEN not in caplog.text and "UNIT-test-secret-abc" not in caplog.text
    assert caplog.text.count(REDACTED) == 2


def test_tracebacks_are_redacted(caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        logging.getLogger("x").exception("failed")
    assert "RuntimeError" in caplog.text and TOKEN not in caplog.text


def test_installing_twice_keeps_one_factory_and_redact_helps_other_messages():
    redact_in_logs(TOKEN)
    assert redact(f"bot{TOKEN}/getMe") == f"bot{REDACTED}/getMe"
    assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
