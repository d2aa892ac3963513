"""Fuzzing the running bot with random updates (hypothesis): whatever people send - any text,
commands, mentions, media, edits, button presses, forged button data, in private chats and
groups - no handler fails and Telegram (the strict fake) accepts every call the bot makes.

The regular suite sends ~300 updates; `FUZZ_UPDATES=5000 pytest tests/e2e/test_fuzz.py`
(or `python bench/bot_fuzz.py`) sends 5,000.
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.engine import Engine
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

UPDATES = int(os.environ.get("FUZZ_UPDATES", "300"))
BATCH = 25  # updates injected together (they are handled concurrently)
BOT = "newsbot_test_bot"
USERS = (70_000, 70_019)
DATA = Path(__file__).resolve().parents[1] / "data"
QUESTIONS = [json.loads(line)["question"] for line in (DATA / "questions.jsonl").open()][:60]

COMMANDS = [
    "/start",
    "/help",
    "/sources",
    "/new",
    "/reload",
    "/ask",
    f"/ask@{BOT}",
    "/ask@other_bot",
    "/frobnicate",
    f"/help@{BOT}",
    f"/nonsense@{BOT}",
    "/start deep-link-payload",
    "/",
]
SPECIAL = [
    "",
    " ",
    "\n\n\t",
    "<b>",
    "</b>",
    "<a href='x'>y</a>",
    "&",
    "&amp;",
    "&#0;",
    "<<>>",
    "\u200b",
    "\u202eevil",
    "👍",
    "👍" * 2000,
    "x" * 4096,
    "word " * 2000,
    "a\x00b\x07c",
    "?",
    "…",
    "hello",
    "thanks!",
    "Привет, кто такой Пригожин?",
    "ما هو فاغنر؟",
    "SELECT * FROM feedback; --",
    "${jndi:ldap://x}",
    "%s %d {0}",
    "\\",
    '"',
    "'",
]


def _texts() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(max_size=200),
        st.sampled_from(SPECIAL + QUESTIONS),
        st.tuples(st.sampled_from(COMMANDS), st.text(max_size=60)).map(" ".join),
        st.tuples(
            st.sampled_from([f"@{BOT}", f"@{BOT.upper()}", "@someone"]),
            st.sampled_from(QUESTIONS + SPECIAL),
        ).map(" ".join),
    )


_where = st.one_of(
    st.tuples(st.just("private"), st.integers(*USERS), st.just(0)),
    st.tuples(
        st.sampled_from(["group", "supergroup"]),
        st.integers(*USERS),
        st.integers(-9_000_000, -1_000_000),
    ),
)
_forged_data = st.one_of(
    st.sampled_from(["more:0", "more:999", "fb:up", "fb:down", "x", "more:-1", "fb:"]),
    st.text(min_size=1, max_size=64).filter(lambda s: len(s.encode()) <= 64),
)
ACTIONS = st.one_of(
    st.tuples(st.just("text"), _texts(), _where, st.booleans()),
    st.tuples(st.just("text"), _texts(), _where, st.booleans()),
    st.tuples(st.just("text"), _texts(), _where, st.booleans()),
    st.tuples(
        st.just("media"),
        st.sampled_from(["sticker", "photo", "voice", "location", "document"]),
        _where,
    ),
    st.tuples(st.just("edit"), st.integers(0, 10**6), _texts()),
    st.tuples(st.just("press"), st.integers(0, 10**6), st.integers(0, 10), st.integers(*USERS)),
    st.tuples(st.just("forged"), st.integers(*USERS), _forged_data, st.booleans()),
)


class Fuzzer:
    """Turns drawn actions into updates at the fake server and checks what came back."""

    def __init__(self, fake: FakeTelegram, bot: RunningBot):
        self.fake, self.bot = fake, bot
        self.sent = 0
        self.forged: set[str] = set()
        self.errors: list[logging.LogRecord] = []

    def perform(self, action: tuple[Any, ...]) -> None:
        fake, kind = self.fake, action[0]
        if kind == "text":
            _, text, (chat_type, user, group), reply = action
            chat = user if chat_type == "private" else group
            earlier = fake.sent_messages(chat) if reply else []
            fake.send_text(
                text,
                user_id=user,
                chat_id=chat,
                chat_type=chat_type,
                reply_to_message_id=earlier[-1].message_id if earlier else None,
            )
        elif kind == "media":
            _, media, (chat_type, user, group) = action
            chat = user if chat_type == "private" else group
            getattr(fake, f"send_{media}")(user_id=user, chat_id=chat, chat_type=chat_type)
        elif kind == "edit":
            replies = [m for m in fake.sent_messages() if m.reply_to_message_id]
            if not replies:
                return self.nothing_to_act_on()
            m = replies[action[1] % len(replies)]
            fake.edit_text(
                m.reply_to_message_id,
                action[2],
                chat_id=m.chat_id,
                user_id=m.chat_id if m.chat_id > 0 else USERS[0],
            )
        elif kind == "press":
            keyed = [m for m in fake.sent_messages() if m.buttons]
            if not keyed:
                return self.nothing_to_act_on()
            m = keyed[action[1] % len(keyed)]
            buttons = [b for row in m.buttons for b in row]
            button = buttons[action[2] % len(buttons)]
            presser = m.chat_id if m.chat_id > 0 else action[3]
            try:
                fake.press_button(
                    m.message_id, button["callback_data"], chat_id=m.chat_id, user_id=presser
                )
            except LookupError:  # the keyboard changed meanwhile (More sources was used)
                return self.nothing_to_act_on()
        elif kind == "forged":
            _, user, data, accessible = action
            query_id = f"forged-{self.sent}"
            self.forged.add(query_id)
            chat = {"id": user, "type": "private", "first_name": "Eve"}
            message = (
                {"message_id": 1, "date": int(time.time()), "chat": chat, "text": "hi"}
                if accessible
                else {"message_id": 1, "date": 0, "chat": chat}
            )
            fake.add_raw_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": {"id": user, "is_bot": False, "first_name": "Eve"},
                        "chat_instance": "1",
                        "data": data,
                        "message": message,
                    }
                }
            )
        self.sent += 1

    def nothing_to_act_on(self) -> None:
        """No message to edit or press yet: send something else, so every action is an update."""
        self.fake.send_sticker(user_id=USERS[0])
        self.sent += 1

    def wait_idle(self, timeout: float = 180.0) -> None:
        self.fake.wait_for_updates_consumed(timeout)
        app, deadline = self.bot.app, time.monotonic() + timeout
        while app.update_processor.current_concurrent_updates or not app.update_queue.empty():
            assert time.monotonic() < deadline, "the bot never became idle"
            time.sleep(0.02)

    def problems(self) -> list[str]:
        rejected = [
            f"{c.method} -> {c.status} {c.description}"
            for c in self.fake.rejected_calls()
            if c.params.get("callback_query_id") not in self.forged
        ]
        errors = [f"{r.name}: {r.getMessage()}" for r in self.errors]
        return rejected + errors + self.fake.internal_errors


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]):
        super().__init__(logging.ERROR)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


@pytest.fixture(scope="module")
def fuzzer(
    fake: FakeTelegram, engine: Engine, built_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzer]:
    settings = bot_settings(
        fake,
        built_index,
        tmp_path_factory.mktemp("fuzz"),
        admin_ids=frozenset({USERS[0]}),
        typing_after_seconds=0.2,
    )
    bot = RunningBot(settings, engine).start()
    fuzzer = Fuzzer(fake, bot)
    handler = _Collect(fuzzer.errors)
    logging.getLogger().addHandler(handler)
    try:
        yield fuzzer
    finally:
        logging.getLogger().removeHandler(handler)
        bot.stop()


@settings(
    max_examples=math.ceil(UPDATES / BATCH),
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(actions=st.lists(ACTIONS, min_size=BATCH, max_size=BATCH))
def test_random_updates_never_break_the_bot(fuzzer: Fuzzer, actions: list[tuple[Any, ...]]):
    for action in actions:
        fuzzer.perform(action)
    fuzzer.wait_idle()
    assert fuzzer.problems() == []


def test_the_bot_still_answers_after_the_fuzzing(fake: FakeTelegram, fuzzer: Fuzzer):
    assert fuzzer.sent >= UPDATES
    fake.send_text(
        "How many Wagner fighters were killed in combat over the last few weeks?", user_id=70_999
    )
    (reply,) = fake.wait_for_messages(1, 70_999)
    assert "1,000" in reply.text
    print(f"fuzz: {fuzzer.sent} random updates, {len(fake.sent_messages())} bot messages")
