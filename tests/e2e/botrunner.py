"""The real bot, run exactly as `newsbot serve` runs it, on its own thread and event loop.

`RunningBot(settings, engine).start()` runs `bot.telegram_app.run` (PTB's `run_polling`:
post_init with setMyCommands, polling, handlers, post_stop) like a separate process would;
tests inject user activity into the fake Telegram server and assert on what users see.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from bot.engine import Engine
from bot.settings import Settings
from bot.telegram_app import build_application, run
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeTelegram


class RunningBot:
    """One Application serving on a background thread until `stop()`."""

    def __init__(self, settings: Settings, engine: Engine):
        self.settings = settings
        self.engine = engine
        self.app = build_application(settings, engine)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._serve, name="bot", daemon=True)

    @property
    def state(self) -> Any:
        return self.app.bot_data["state"]

    def _serve(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        try:
            # No signal handlers off the main thread; short long-polls for a quick stop.
            run(self.app, self.settings, poll_interval=0.0, timeout=1, stop_signals=None)
        except BaseException as exc:  # surfaced by start()/stop()
            self.error = exc

    def start(self, timeout: float = 30.0) -> RunningBot:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not (self.app.running and self.app.updater and self.app.updater.running):
            if self.error or not self._thread.is_alive():
                raise RuntimeError(f"the bot did not start: {self.error!r}")
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self.loop is not None and self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the bot did not stop")
        if self.error:
            raise self.error


def bot_settings(fake: FakeTelegram, index_dir: Path, tmp: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": fake.token,
        "telegram_base_url": fake.base_url,
        "telegram_base_file_url": fake.base_file_url,
        "feedback_db": tmp / "feedback.sqlite3",
        "reload_check_seconds": 0,
        "typing_after_seconds": 0,
    }
    values.update(overrides)
    return make_settings(index_dir, **values)
