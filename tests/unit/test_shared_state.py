"""State shared by several workers: two state objects built from the same settings (two
"workers") see the same history, limits, buttons and feedback. Needs Redis / PostgreSQL
(skipped where none answers, failed under NEWSBOT_REQUIRE_SERVICES=1)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.feedback import FeedbackStore, vote_key
from bot.feedback_pg import MIGRATIONS, PostgresFeedbackStore
from bot.settings import Settings
from bot.shared import (
    LocalHistory,
    LocalLimiter,
    LocalOnce,
    LocalPayloads,
    MoreSources,
    SharedState,
    build_shared_state,
)
from tests.conftest import Service


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, feedback_db=tmp_path / "f.sqlite3", **values)  # type: ignore[call-arg]


def _redis_settings(tmp_path: Path, redis: Service, **values: object) -> Settings:
    return _settings(tmp_path, redis_url=redis.url, redis_prefix=redis.namespace, **values)


async def _close(*states: SharedState) -> None:
    for state in states:
        await state.aclose()
        state.close()


async def test_without_urls_everything_stays_in_process(tmp_path: Path):
    state = build_shared_state(_settings(tmp_path))
    assert isinstance(state.history, LocalHistory) and isinstance(state.limiter, LocalLimiter)
    assert isinstance(state.payloads, LocalPayloads) and isinstance(state.pressed, LocalOnce)
    assert isinstance(state.feedback, FeedbackStore) and not state.shared
    await state.history.add((1, 1), "first?")
    assert await state.history.get((1, 1)) == ["first?"]
    assert await state.pressed.claim("k") and not await state.pressed.claim("k")
    await _close(state)


async def test_two_workers_share_follow_up_history(tmp_path: Path, redis_service: Service):
    settings = _redis_settings(tmp_path, redis_service, history_turns=2)
    a, b = build_shared_state(settings), build_shared_state(settings)
    for question in ("one?", "two?", "three?"):
        await a.history.add((10, 20), question)
    assert await b.history.get((10, 20)) == ["two?", "three?"]  # the last turns, oldest first
    assert await b.history.get((10, 21)) == []  # another member of the group chat
    await b.history.clear((10, 20))
    assert await a.history.get((10, 20)) == []
    await _close(a, b)


async def test_history_expires_after_its_ttl(tmp_path: Path, redis_service: Service):
    settings = _redis_settings(tmp_path, redis_service, history_ttl_seconds=1)
    a = build_shared_state(settings)
    await a.history.add((1, 2), "soon forgotten?")
    assert await a.history.get((1, 2)) == ["soon forgotten?"]
    ttl = await a.redis.pttl(f"{redis_service.namespace}history:1:2")
    assert 0 < ttl <= 1000
    await asyncio.sleep(1.1)
    assert await a.history.get((1, 2)) == []
    await _close(a)


async def test_a_limit_of_five_a_minute_gives_exactly_five_across_two_workers(
    tmp_path: Path, redis_service: Service
):
    settings = _redis_settings(tmp_path, redis_service, rate_limit_per_minute=5)
    a, b = build_shared_state(settings), build_shared_state(settings)
    decisions = await asyncio.gather(*((a if i % 2 else b).limiter.check(7) for i in range(12)))
    assert sum(d.allowed for d in decisions) == 5
    refused = [d for d in decisions if not d.allowed]
    assert sum(d.notify for d in refused) == 1  # told once to slow down, then quiet
    assert all(0 < d.retry_after <= 60 for d in refused)
    assert (await b.limiter.check(8)).allowed  # another user has a limit of their own
    await _close(a, b)


async def test_a_button_made_by_one_worker_works_on_another(tmp_path: Path, redis_service: Service):
    settings = _redis_settings(tmp_path, redis_service)
    a, b = build_shared_state(settings), build_shared_state(settings)
    more = MoreSources(1, "ru", ("<b>второй</b> абзац", "third & last"))
    await a.payloads.put((5, 99), more)
    assert await b.payloads.get((5, 99)) == more
    assert await b.payloads.get((5, 100)) is None
    presses = await asyncio.gather(a.pressed.claim("5:100:0"), b.pressed.claim("5:100:0"))
    assert sorted(presses) == [False, True]  # a double tap across workers is handled once
    await _close(a, b)


def test_two_workers_share_feedback_in_postgres(tmp_path: Path, postgres_service: Service):
    url, schema = postgres_service.url, postgres_service.namespace
    a = PostgresFeedbackStore(url, schema)
    b = PostgresFeedbackStore(url, schema)  # the migration runs again: nothing to do
    key = vote_key(1, 2, 3)
    a.record_vote(key, 1, "Who said it?", "Kirby said it.", "private")
    b.record_vote(key, -1, "Who said it?", "Kirby said it.", "private")  # changed their mind
    b.record_vote(vote_key(1, 5, 3), 1, None, "x" * 5000, "group")
    for store, text in ((a, "Capital of Peru?"), (b, " capital of peru? "), (a, "Weather?")):
        store.record_unanswered(text, "not_covered", "private")
    votes = a.votes()
    assert [v.vote for v in votes] == [-1, 1] and len(votes[1].answer) == 4096
    unanswered = b.unanswered()
    assert [(u.times, u.reason) for u in unanswered] == [(2, "not_covered"), (1, "not_covered")]
    assert unanswered[0].last_at.endswith("+00:00")
    versions = a._db.execute("SELECT version FROM newsbot_migrations").fetchall()
    assert [v for (v,) in versions] == list(range(1, len(MIGRATIONS) + 1))
    a.close()
    b.close()

    env = {"NEWSBOT_DATABASE_URL": url, "NEWSBOT_DATABASE_SCHEMA": schema}
    result = CliRunner().invoke(cli, ["feedback", "--json"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["unanswered"][0]["times"] == 2 and len(report["votes"]) == 2


def test_shared_state_uses_postgres_when_a_database_url_is_set(
    tmp_path: Path, postgres_service: Service
):
    settings = _settings(
        tmp_path, database_url=postgres_service.url, database_schema=postgres_service.namespace
    )
    state = build_shared_state(settings)
    assert isinstance(state.feedback, PostgresFeedbackStore)
    assert "postgres" not in repr(state.feedback)  # never the URL
    assert not (tmp_path / "f.sqlite3").exists()
    state.close()


def test_required_services_that_do_not_answer_fail(monkeypatch: pytest.MonkeyPatch):
    import tests.conftest as conftest

    services = conftest.Services()
    monkeypatch.setattr(conftest, "TEST_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(conftest, "REQUIRE_SERVICES", False)
    with pytest.raises(pytest.skip.Exception, match="Redis not reachable"):
        services.redis()
    monkeypatch.setattr(conftest, "REQUIRE_SERVICES", True)
    with pytest.raises(pytest.fail.Exception, match="NEWSBOT_REQUIRE_SERVICES=1"):
        services.redis()


async def test_the_bot_wide_flood_limit_holds_across_workers(redis_service: Service):
    from collections import Counter

    from bot.shared import SharedFlood, redis_client

    a, b = redis_client(redis_service.url), redis_client(redis_service.url)
    floods = [
        SharedFlood(a, redis_service.namespace, 5),
        SharedFlood(b, redis_service.namespace, 5),
    ]
    granted = await asyncio.gather(*(floods[i % 2].slot() for i in range(12)))
    per_second = Counter(granted)
    assert max(per_second.values()) <= 5 and len(per_second) >= 3  # 12 at 5/s: three seconds
    await a.aclose()
    await b.aclose()


async def test_workers_applications_use_the_shared_flood_limit(
    tmp_path: Path, redis_service: Service
):
    from bot.telegram_app import SharedRateLimiter, build_application

    settings = _redis_settings(tmp_path, redis_service, telegram_bot_token="1:" + "x" * 30)
    app = build_application(settings, engine=None, polling=False)  # type: ignore[arg-type]
    assert isinstance(app.bot.rate_limiter, SharedRateLimiter) and app.updater is None
    local = build_application(_settings(tmp_path, telegram_bot_token="1:" + "x" * 30), None)  # type: ignore[arg-type]
    assert not isinstance(local.bot.rate_limiter, SharedRateLimiter)
    await app.bot_data["state"].shared.aclose()


async def test_a_request_held_back_by_a_groups_own_limit_takes_its_shared_slot_when_it_goes(
    redis_service: Service,
):
    """A group may get one message a second here (Telegram: 20 a minute): the second one waits
    in PTB's limiter, and only then takes a slot of the bot-wide budget, so the budget counts
    requests when they reach Telegram."""
    import time

    from bot.shared import SharedFlood, redis_client
    from bot.telegram_app import SharedRateLimiter

    client = redis_client(redis_service.url)
    flood = SharedFlood(client, redis_service.namespace, 30)
    taken: list[float] = []
    real_slot = flood.slot

    async def slot() -> int:
        taken.append(time.monotonic())
        return await real_slot()

    flood.slot = slot  # type: ignore[method-assign]
    limiter = SharedRateLimiter(flood, max_retries=0, group_max_rate=1, group_time_period=1)
    sent: list[float] = []

    async def send() -> bool:
        sent.append(time.monotonic())
        return True

    await limiter.initialize()
    data = {"chat_id": -1001, "text": "hello"}
    await asyncio.gather(
        *(limiter.process_request(send, (), {}, "sendMessage", data, None) for _ in range(2))
    )
    await limiter.shutdown()
    await client.aclose()
    assert len(taken) == len(sent) == 2
    assert sent[1] - sent[0] >= 0.8  # the group's own limit held the second one back
    assert all(0 <= s - t < 0.2 for t, s in zip(taken, sent, strict=True))  # slot, then send
