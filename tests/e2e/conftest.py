"""Fixtures for end-to-end tests: the real engine (loaded once) and the fake Telegram server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from tests.conftest import make_settings
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture(scope="session")
def engine(built_index: Path, encoders: Any) -> Engine:
    """The real answering core over the seed corpus, loaded once for all e2e tests."""
    return Engine(make_settings(built_index), encoders)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture(scope="module")
def bot(
    request: pytest.FixtureRequest,
    fake: FakeTelegram,
    engine: Engine,
    built_index: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningBot]:
    """The real bot over the fake Bot API, one per test module (a module's `ADMIN`, if it
    has one, is the bot's admin). A module with other settings defines its own `bot`."""
    admin = getattr(request.module, "ADMIN", None)
    overrides = {"admin_ids": frozenset({admin})} if admin is not None else {}
    settings = bot_settings(fake, built_index, tmp_path_factory.mktemp("bot"), **overrides)
    running = RunningBot(settings, engine).start()
    yield running
    running.stop()


@pytest.fixture()
def every_call_accepted(fake: FakeTelegram, bot: RunningBot) -> Iterator[None]:
    """Whatever a test does, the fake Telegram never has to reject one of the bot's calls."""
    yield
    assert fake.rejected_calls() == []
