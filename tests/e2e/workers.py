"""Several workers, as they run in production, for end-to-end tests: `newsbot receive` and
`newsbot work` as subprocesses (the `processes` fixture) against the fake Telegram Bot API and
a real Redis, and what the tests check them with: who owns which shard, and what each chat got
back, in order."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from bot import streams
from tests.conftest import MODELS, SEED_ARTICLES, Service
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.processes import Processes

SHARDS = 4


@pytest.fixture(name="processes")
def processes_fixture(
    fake: FakeTelegram, built_index: Path, tmp_path: Path, redis_service: Service
) -> Iterator[Processes]:
    """Start `receive`/`work` processes with `processes.start(command, name, **env)`: each
    on the fake Bot API, the seed index and this test's Redis prefix; all ended afterwards."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSBOT_", "TELEGRAM_")) and k != "PYTHONPATH"
    }
    env.update(
        {
            "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_BASE_URL": fake.base_url,
            "TELEGRAM_BASE_FILE_URL": fake.base_file_url,
            "NEWSBOT_INDEX_DIR": str(built_index),
            "NEWSBOT_CORPUS_DIR": str(SEED_ARTICLES),
            "NEWSBOT_MODELS_DIR": str(MODELS),
            "NEWSBOT_FEEDBACK_DB": str(tmp_path / "feedback.sqlite3"),
            "NEWSBOT_REDIS_URL": redis_service.url,
            "NEWSBOT_REDIS_PREFIX": redis_service.namespace,
            "NEWSBOT_STREAM_SHARDS": str(SHARDS),
            "NEWSBOT_RECEIVER_LEASE_SECONDS": "1.5",
            "NEWSBOT_WORKER_VISIBILITY_SECONDS": "3",
            "NEWSBOT_RELOAD_CHECK_SECONDS": "0",
            "NEWSBOT_FEEDS_INTERVAL_SECONDS": "0",
            "NEWSBOT_TYPING_AFTER_SECONDS": "0",
            "TOKENIZERS_PARALLELISM": "false",
            "OMP_NUM_THREADS": "1",
        }
    )
    started = Processes(env, tmp_path)
    try:
        yield started
    finally:
        started.end()


def wait_for(condition: Callable[[], Any], timeout: float, what: str, procs: Processes) -> Any:
    """`condition()`'s first truthy value, polled; on timeout, fail with every process's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{procs.all_logs()}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def owners(client: redis.Redis, prefix: str) -> dict[int, str | None]:
    """Which worker holds each shard's lease now (None: nobody)."""
    return {
        shard: (v.decode() if (v := client.get(streams.shard_owner(prefix, shard))) else None)
        for shard in range(SHARDS)
    }


@dataclass(frozen=True)
class ChatReplies:
    """The bot's messages in one chat, grouped by the user's message each replies to."""

    by_question: dict[int, list[SentMessage]]  # question message id -> replies, as sent

    @property
    def answered(self) -> list[int]:
        """The questions replied to, in the order of their first replies."""
        return list(self.by_question)

    @property
    def repeated(self) -> list[int]:
        """Questions replied to more than once (a reply here is one message): Telegram has no
        idempotent send, so a worker killed between sending and recording leaves one such."""
        return [q for q, sent in self.by_question.items() if len(sent) > 1]

    def first(self, question: int) -> SentMessage:
        return self.by_question[question][0]


def chat_replies(fake: FakeTelegram, chat_id: int) -> ChatReplies:
    """What the bot sent to `chat_id`, checked to come in the order of the questions it
    answers (a repeat right after the reply it repeats)."""
    sent = fake.sent_messages(chat_id)
    replied_to = [m.reply_to_message_id or 0 for m in sent]
    assert replied_to == sorted(replied_to), [
        (r, m.text[:60]) for r, m in zip(replied_to, sent, strict=True)
    ]
    by_question: dict[int, list[SentMessage]] = {}
    for question, message in zip(replied_to, sent, strict=True):
        by_question.setdefault(question, []).append(message)
    return ChatReplies(by_question)
