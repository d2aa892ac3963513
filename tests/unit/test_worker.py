"""The workers' bookkeeping on a real Redis, without Telegram: shards shared out evenly,
redelivered updates answered once, streams read in order; and /healthz + /metrics."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bot import metrics, streams
from bot.settings import Settings
from bot.shared import redis_client
from bot.worker import Worker
from tests.conftest import Service


class FakeApp:
    bot = None

    def __init__(self, delay: float = 0.0) -> None:
        self.seen: list[int] = []
        self.delay = delay

    async def process_update(self, update: Any) -> None:
        await asyncio.sleep(self.delay)
        self.seen.append(update.update_id)


def _settings(redis: Service, **values: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url=redis.url,
        redis_prefix=redis.namespace,
        stream_shards=4,
        receiver_lease_seconds=1.0,
        worker_visibility_seconds=1.0,
        **values,
    )


def _update(update_id: int, chat: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "A"},
            "text": f"q{update_id}",
        },
    }


async def test_shards_are_shared_out_evenly_among_live_workers(redis_service: Service):
    settings = _settings(redis_service)
    redis = redis_client(redis_service.url)
    workers = [Worker(FakeApp(), redis, settings, f"w{i}") for i in range(3)]
    await Worker.ensure_groups(redis, settings.redis_prefix, 4)
    for _ in range(30):  # heartbeats first; extra shards are given back batch by batch
        for worker in workers:
            await worker.balance()
        if sorted(len(w.owned) for w in workers) == [1, 1, 2]:
            break
        await asyncio.sleep(0.2)
    assert sorted(len(w.owned) for w in workers) == [1, 1, 2]
    owned = [shard for w in workers for shard in w.owned]
    assert sorted(owned) == [0, 1, 2, 3]
    for worker in workers:
        await worker.release_all()
    assert await redis.zcard(streams.workers(settings.redis_prefix)) == 0
    await redis.aclose()


async def test_a_redelivered_update_is_answered_once(redis_service: Service):
    settings = _settings(redis_service)
    redis = redis_client(redis_service.url)
    a, b = FakeApp(delay=0.2), FakeApp()
    first, second = Worker(a, redis, settings, "a"), Worker(b, redis, settings, "b")
    await asyncio.gather(first.handle(_update(7, 1)), second.handle(_update(7, 1)))
    assert a.seen + b.seen == [7]  # the second waited for the first's answer, then skipped it
    await second.handle(_update(7, 1))
    await first.handle(_update(7, 1))
    assert a.seen + b.seen == [7]
    # A worker that died while answering: its record expires, then another answers.
    await redis.set(streams.replied(settings.redis_prefix, 8), "working:dead", px=500)
    await second.handle(_update(8, 1))
    assert b.seen[-1] == 8 and sorted(a.seen + b.seen) == [7, 8]
    await redis.aclose()


async def test_a_shard_is_read_in_order_and_acknowledged(redis_service: Service):
    settings = _settings(redis_service)
    redis = redis_client(redis_service.url)
    prefix = settings.redis_prefix
    await Worker.ensure_groups(redis, prefix, 4)
    for update_id, chat in [(1, 4), (2, 8), (3, 4), (4, 8), (5, 4)]:  # all on shard 0
        key = streams.stream(prefix, streams.shard_of(_update(update_id, chat), 4))
        await redis.xadd(key, {streams.FIELD: json.dumps(_update(update_id, chat))})
    app = FakeApp(delay=0.01)
    worker = Worker(app, redis, settings, "solo")
    await worker.balance()
    assert set(worker.owned) == {0, 1, 2, 3}
    for _ in range(100):
        if len(app.seen) == 5:
            break
        await asyncio.sleep(0.05)
    chat4 = [u for u in app.seen if u in (1, 3, 5)]
    assert chat4 == [1, 3, 5] and sorted(app.seen) == [1, 2, 3, 4, 5]
    await asyncio.sleep(0.1)
    pending = await redis.xpending(streams.stream(prefix, 0), streams.GROUP)
    assert pending["pending"] == 0
    await worker.release_all()
    assert await redis.xinfo_consumers(streams.stream(prefix, 0), streams.GROUP) == []
    await redis.aclose()


def test_healthz_and_metrics(tmp_path: Path):
    problems: list[str | None] = [None]
    server = metrics.MetricsServer("127.0.0.1", 0, lambda: problems[0]).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as reply:
            assert reply.status == 200 and reply.read() == b"ok\n"
        metrics.ANSWERED.inc()
        metrics.set_index_version("build-42")
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as reply:
            text = reply.read().decode()
        assert (
            "newsbot_answered_total" in text and 'newsbot_index_info{build="build-42"} 1.0' in text
        )
        problems[0] = "no heartbeat to Redis"
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
        assert failed.value.code == 503
    finally:
        server.stop()


async def test_a_worker_without_redis_keeps_trying_and_says_so(tmp_path: Path):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        redis_url="redis://127.0.0.1:1/0",
        receiver_lease_seconds=0.3,
    )
    redis = redis_client(settings.redis_url)
    worker = Worker(FakeApp(), redis, settings, "lonely")
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(1.2)
    assert not task.done()  # still trying, not crashed
    assert worker.healthy() == "no heartbeat to Redis"
    worker.stop()
    await asyncio.wait_for(task, 5)
    await redis.aclose()
