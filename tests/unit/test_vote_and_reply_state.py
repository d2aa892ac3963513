"""One vote per person per answer, changed and never added, in SQLite and PostgreSQL (what the
keyboard shows depends on the previous vote each store returns); the messages that answered a
question, in process and in Redis shared by workers. Redis and PostgreSQL tests are skipped
where no server answers (failed under NEWSBOT_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.feedback import FeedbackStore, vote_key
from bot.feedback_pg import PostgresFeedbackStore
from bot.settings import Settings
from bot.shared import Feedback, LocalReplies, SentReply, build_shared_state
from tests.conftest import Service


def _votes(store: Feedback) -> None:
    key, other = vote_key(1, 2, 3), vote_key(1, 2, 4)
    assert store.record_vote(key, 1, "Who?", "an answer", "private") is None  # first vote
    assert store.record_vote(key, 1, "Who?", "an answer", "private") == 1  # the same: no-op
    assert store.record_vote(key, -1, "Who?", "an answer", "private") == 1  # changed
    assert store.record_vote(other, 1, "Who?", "an answer", "group") is None  # someone else
    assert sorted(v.vote for v in store.votes()) == [-1, 1]


def test_sqlite_keeps_one_vote_per_person_and_returns_the_previous(tmp_path: Path):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    _votes(store)
    store.close()


def test_postgres_keeps_one_vote_per_person_and_returns_the_previous(postgres_service: Service):
    store = PostgresFeedbackStore(postgres_service.url, postgres_service.namespace)
    _votes(store)
    store.close()


def test_postgres_orders_two_workers_changing_one_vote(postgres_service: Service):
    """Two workers storing one person's presses at once: each sees the other's vote or none,
    and one row remains."""
    a = PostgresFeedbackStore(postgres_service.url, postgres_service.namespace)
    b = PostgresFeedbackStore(postgres_service.url, postgres_service.namespace)
    key = vote_key(9, 9, 9)

    async def both() -> list[int | None]:
        return list(
            await asyncio.gather(
                asyncio.to_thread(a.record_vote, key, 1, "q", "a", "private"),
                asyncio.to_thread(b.record_vote, key, -1, "q", "a", "private"),
            )
        )

    previous = asyncio.run(both())
    assert sorted(previous, key=str) in ([-1, None], [1, None])
    assert len(a.votes()) == 1
    a.close()
    b.close()


async def test_replies_are_remembered_in_process():
    replies = LocalReplies()
    assert await replies.get((1, 2)) == SentReply()
    await replies.put((1, 2), SentReply((3, 4), "abc"))
    assert await replies.get((1, 2)) == SentReply((3, 4), "abc")


async def test_two_workers_share_the_replies_to_a_question(tmp_path: Path, redis_service: Service):
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        feedback_db=tmp_path / "f.sqlite3",
        redis_url=redis_service.url,
        redis_prefix=redis_service.namespace,
    )
    a, b = build_shared_state(settings), build_shared_state(settings)
    await a.replies.put((-100, 7), SentReply((8, 9, 10), "d1"))
    assert await b.replies.get((-100, 7)) == SentReply((8, 9, 10), "d1")
    assert await b.replies.get((-100, 8)) == SentReply()
    # The edited answer needs fewer messages.
    await b.replies.put((-100, 7), SentReply((8,), "d2"))
    assert await a.replies.get((-100, 7)) == SentReply((8,), "d2")
    ttl = await a.redis.pttl(f"{redis_service.namespace}replies:-100:7")
    assert ttl > 0
    for state in (a, b):
        await state.aclose()
        state.close()


@pytest.mark.parametrize("vote", [0, 2])
def test_only_up_or_down_is_a_vote(tmp_path: Path, vote: int):
    store = FeedbackStore(tmp_path / "f.sqlite3")
    with pytest.raises(ValueError, match="vote must be"):
        store.record_vote("k", vote, "q", "a", None)
    store.close()
