"""Fixtures for end-to-end tests: the real engine (loaded once) and the fake Telegram server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture(scope="session")
def engine(built_index: Path, encoders: Any) -> Engine:
    """The real answering core over the seed corpus, loaded once for all e2e tests."""
    return Engine(make_settings(built_index), encoders)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server
