"""Access control and fairness: allowlists of users and chats, admins, the per-user limit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.engine import Engine
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ASK = "How many Wagner fighters were killed in combat over the last few weeks?"
MEMBER, HURRIED, ADMIN, STRANGER = 40_001, 40_002, 40_009, 40_666
TEAM_CHAT, OTHER_CHAT = -40_000, -40_777


@pytest.fixture(scope="module")
def bot(
    fake: FakeTelegram, engine: Engine, built_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    settings = bot_settings(
        fake,
        built_index,
        tmp_path_factory.mktemp("access"),
        allowed_user_ids=frozenset({MEMBER, HURRIED}),
        allowed_chat_ids=frozenset({TEAM_CHAT}),
        admin_ids=frozenset({ADMIN}),
        rate_limit_per_minute=3,
    )
    running = RunningBot(settings, engine).start()
    yield running
    running.stop()
    assert fake.rejected_calls() == []


def settle(fake: FakeTelegram) -> None:
    fake.wait_for_updates_consumed()
    time.sleep(0.5)  # concurrent handlers: let an unwanted extra reply show up if there is one


def test_allowed_user_gets_answers(fake: FakeTelegram, bot: RunningBot):
    fake.send_text(ASK, user_id=MEMBER)
    (reply,) = fake.wait_for_messages(1, MEMBER)
    assert "1,000" in reply.text


def test_user_outside_the_allowlist_is_refused(fake: FakeTelegram, bot: RunningBot):
    fake.send_text(ASK, user_id=STRANGER)
    fake.send_sticker(user_id=STRANGER)
    replies = fake.wait_for_messages(2, STRANGER)
    assert all(r.text.startswith("Sorry, this bot is private") for r in replies)
    assert "1,000" not in " ".join(r.text for r in replies)


def test_admin_is_always_allowed(fake: FakeTelegram, bot: RunningBot):
    fake.send_text(ASK, user_id=ADMIN)
    (reply,) = fake.wait_for_messages(1, ADMIN)
    assert "1,000" in reply.text


def test_allowed_group_lets_every_member_ask(fake: FakeTelegram, bot: RunningBot):
    fake.send_text("/ask " + ASK, user_id=STRANGER, chat_id=TEAM_CHAT, chat_type="group")
    (reply,) = fake.wait_for_messages(1, TEAM_CHAT)
    assert "1,000" in reply.text


def test_other_group_is_refused_only_when_it_addresses_the_bot(fake: FakeTelegram, bot: RunningBot):
    fake.send_text(
        "chatting among ourselves", user_id=STRANGER, chat_id=OTHER_CHAT, chat_type="group"
    )
    fake.send_text("/ask " + ASK, user_id=STRANGER, chat_id=OTHER_CHAT, chat_type="group")
    (reply,) = fake.wait_for_messages(1, OTHER_CHAT)
    assert reply.text.startswith("Sorry, this bot is private")
    settle(fake)
    assert len(fake.sent_messages(OTHER_CHAT)) == 1


def test_per_user_limit_answers_then_asks_to_slow_down_once(fake: FakeTelegram, bot: RunningBot):
    for _ in range(6):
        fake.send_text(ASK, user_id=HURRIED)
    replies = fake.wait_for_messages(4, HURRIED)
    settle(fake)
    replies = fake.sent_messages(HURRIED)
    assert sum("1,000" in r.text for r in replies) == 3
    notices = [r for r in replies if "faster than I can keep up" in r.text]
    assert len(notices) == 1 and len(replies) == 4
    # ...while everyone else is still answered at once.
    fake.send_text(ASK, user_id=MEMBER)
    assert "1,000" in fake.wait_for_messages(2, MEMBER)[-1].text
