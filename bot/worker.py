"""`newsbot work`: one of several workers answering the updates `newsbot receive` streams.

A PTB Application without an updater, with the same handlers as `newsbot serve`. Each worker
owns some of the shards (streams) at a time, through a lease per shard that it renews; the
shards are shared out evenly among the live workers, and a dead worker's shards are taken
over when its leases expire. One owner per shard keeps the order of each chat's updates.

An update is handled at most once: a reply record `replied:<update_id>` is set (SET NX) to
"working:<worker>" before and to "done" after; a redelivered update found "done" is only
acknowledged, one still "working" elsewhere waits for that worker or for the record to
expire. Entries are XACKed after they are handled; on taking a shard the worker claims
(XAUTOCLAIM) what its previous owner left pending, and now and then whatever has been
pending longer than NEWSBOT_WORKER_VISIBILITY_SECONDS. While an update is handled,
`bot.shared.HANDLING` names it: handled again after its worker died, its question is still
counted once against the user's rate limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections import defaultdict
from typing import Any

from telegram import Update

from bot import metrics, shared, streams
from bot.settings import Settings

logger = logging.getLogger(__name__)

READ_COUNT = 32  # entries read from a shard at once (chats among them run side by side)
BLOCK_MS = 500

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def worker_name(settings: Settings) -> str:
    return settings.worker_name or f"{socket.gethostname()}-{os.getpid()}"


class Worker:
    """Reads its shards' streams and feeds each update to `app.process_update`."""

    def __init__(self, app: Any, redis: Any, settings: Settings, name: str | None = None):
        self.app, self.redis, self.settings = app, redis, settings
        self.name = name or worker_name(settings)
        self.prefix = settings.redis_prefix
        self.shards = settings.stream_shards
        self.lease_ms = int(settings.receiver_lease_seconds * 1000)
        self.visibility_ms = int(settings.worker_visibility_seconds * 1000)
        self.owned: dict[int, asyncio.Task[None]] = {}
        self.leaving: set[int] = set()  # shards to give back once their batch is done
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._stopping = asyncio.Event()
        self.last_beat = 0.0

    # ------------------------------------------------------------ lifecycle

    async def run(self) -> None:
        from redis.exceptions import RedisError

        logger.info("worker %s started (%d shards)", self.name, self.shards)
        ready, failing = False, False
        try:
            while not self._stopping.is_set():
                try:  # Redis gone for a while: keep trying (/healthz says 503 meanwhile)
                    if not ready:
                        await self.ensure_groups(self.redis, self.prefix, self.shards)
                        ready = True
                    await self.balance()
                    if failing:
                        logger.info("worker %s reaches Redis again", self.name)
                    failing = False
                except (RedisError, OSError) as exc:
                    if not failing:
                        logger.warning("worker %s cannot reach Redis: %r", self.name, exc)
                    failing = True
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.lease_ms / 3000)
        finally:
            try:
                await self.release_all()
            except (RedisError, OSError):  # the leases expire by themselves
                logger.warning("worker %s could not give its shards back", self.name)

    def stop(self) -> None:
        self._stopping.set()

    @staticmethod
    async def ensure_groups(redis: Any, prefix: str, shards: int) -> None:
        from redis.exceptions import ResponseError

        for shard in range(shards):
            try:
                await redis.xgroup_create(streams.stream(prefix, shard), streams.GROUP, "0", True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    async def release_all(self, grace: float = 10.0) -> None:
        """Finish the batches in hand (up to `grace` seconds), then give every shard back."""
        self.leaving |= set(self.owned)
        if self.owned:
            await asyncio.wait(list(self.owned.values()), timeout=grace)
        for shard, task in list(self.owned.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await self._release(keys=[streams.shard_owner(self.prefix, shard)], args=[self.name])
        self.owned.clear()
        self.leaving.clear()
        await self.redis.zrem(streams.workers(self.prefix), self.name)
        metrics.SHARDS_OWNED.set(0)
        for shard in range(self.shards):  # leave no consumer behind that holds nothing
            key = streams.stream(self.prefix, shard)
            mine = await self.redis.xpending_range(
                key, streams.GROUP, "-", "+", 1, consumername=self.name
            )
            if not mine:
                await self.redis.xgroup_delconsumer(key, streams.GROUP, self.name)

    # ------------------------------------------------------------ sharing the shards out

    async def balance(self) -> None:
        """Heartbeat, renew the leases held, take free shards up to a fair share, give back
        the ones above it."""
        now = time.time() * 1000
        key = streams.workers(self.prefix)
        await self.redis.zadd(key, {self.name: now})
        await self.redis.zremrangebyscore(key, "-inf", now - self.lease_ms)
        names = sorted(
            n.decode() if isinstance(n, bytes) else n for n in await self.redis.zrange(key, 0, -1)
        )
        self.last_beat = time.monotonic()
        live = max(1, len(names))
        rank = names.index(self.name) if self.name in names else 0
        # An even share: shards // live each, one more for the first (shards % live) names.
        fair = self.shards // live + (1 if rank < self.shards % live else 0)
        for shard, task in list(self.owned.items()):
            owner = streams.shard_owner(self.prefix, shard)
            if not await self._renew(keys=[owner], args=[self.name, self.lease_ms]):
                logger.warning("worker %s lost shard %d", self.name, shard)
                self._drop(shard)
            elif task.done() and shard in self.leaving:  # its batch is done: give it back
                self._drop(shard)
                await self._release(keys=[owner], args=[self.name])
                logger.info("worker %s gave shard %d back", self.name, shard)
            elif task.done():  # reading failed (logged): read it again
                self.owned[shard] = asyncio.create_task(self._read(shard), name=f"shard-{shard}")
        staying = [shard for shard in self.owned if shard not in self.leaving]
        while len(staying) > fair:  # a worker joined: give its share back, batch by batch
            self.leaving.add(staying.pop())
        start = hash(self.name) % self.shards
        for step in range(self.shards):
            if len(self.owned) - len(self.leaving) >= fair:
                break
            shard = (start + step) % self.shards
            if shard in self.owned:
                continue
            owner = streams.shard_owner(self.prefix, shard)
            if await self.redis.set(owner, self.name, nx=True, px=self.lease_ms):
                logger.info("worker %s took shard %d", self.name, shard)
                self.owned[shard] = asyncio.create_task(self._read(shard), name=f"shard-{shard}")
        metrics.SHARDS_OWNED.set(len(self.owned))

    def _drop(self, shard: int) -> None:
        self.leaving.discard(shard)
        task = self.owned.pop(shard, None)
        if task is not None:
            task.cancel()

    # ------------------------------------------------------------ one shard

    async def _read(self, shard: int) -> None:
        key = streams.stream(self.prefix, shard)
        try:
            await self._claim(key, 0)  # what the previous owner left pending
            backlog = True  # our own pending entries first (a restart with the same name)
            last_claim = time.monotonic()
            while shard not in self.leaving:
                entries = await self.redis.xreadgroup(
                    streams.GROUP,
                    self.name,
                    {key: "0" if backlog else ">"},
                    count=READ_COUNT,
                    block=None if backlog else BLOCK_MS,
                )
                batch = entries[0][1] if entries else []
                if backlog and not batch:
                    backlog = False
                    continue
                if batch:
                    await self._handle_batch(key, batch)
                if time.monotonic() - last_claim > self.visibility_ms / 1000:
                    last_claim = time.monotonic()
                    if await self._claim(key, self.visibility_ms):
                        backlog = True
                await self._gauges(shard, key)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception(
                "worker %s: reading shard %d failed; it will be retaken", self.name, shard
            )

    async def _claim(self, key: str, min_idle_ms: int) -> int:
        """Move entries pending (with anyone) for at least `min_idle_ms` to this worker."""
        claimed, start = 0, "0-0"
        while True:
            reply = await self.redis.xautoclaim(
                key, streams.GROUP, self.name, min_idle_ms, start, count=100
            )
            start = reply[0]
            claimed += len(reply[1])
            if start in ("0-0", b"0-0"):
                return claimed

    async def _gauges(self, shard: int, key: str) -> None:
        if not metrics.AVAILABLE:
            return
        metrics.STREAM_LENGTH.labels(shard=str(shard)).set(await self.redis.xlen(key))
        pending = await self.redis.xpending(key, streams.GROUP)
        metrics.STREAM_PENDING.labels(shard=str(shard)).set(pending["pending"])

    async def _handle_batch(self, key: str, batch: list[tuple[str, dict[str, str]]]) -> None:
        """Chats side by side, each chat's updates in stream order; XACK as each is done."""
        by_chat: dict[int, list[tuple[str, dict[str, Any] | None]]] = defaultdict(list)
        for entry_id, fields in batch:
            try:
                data = json.loads(fields[streams.FIELD]) if fields else None
            except (KeyError, ValueError):
                data = None
            by_chat[streams.chat_of(data) if data else 0].append((entry_id, data))

        async def chat(entries: list[tuple[str, dict[str, Any] | None]]) -> None:
            for entry_id, data in entries:
                if data is not None:
                    await self.handle(data)
                else:
                    logger.warning("worker %s: dropped a malformed entry %s", self.name, entry_id)
                await self.redis.xack(key, streams.GROUP, entry_id)

        await asyncio.gather(*(chat(entries) for entries in by_chat.values()))

    async def handle(self, data: dict[str, Any]) -> None:
        """Answer one update unless it was answered already (a redelivery)."""
        update_id = int(data.get("update_id", 0))
        record = streams.replied(self.prefix, update_id)
        mine = f"working:{self.name}"
        while not await self.redis.set(record, mine, nx=True, px=self.visibility_ms):
            value = await self.redis.get(record)
            if value == "done":
                metrics.UPDATES_DUPLICATE.inc()
                logger.info("worker %s: update %s was answered already", self.name, update_id)
                return
            if value == mine:
                break  # our own record from before a cancellation
            await asyncio.sleep(0.2)  # another worker is on it: its answer or its expiry
        started = time.monotonic()
        handling = shared.HANDLING.set(update_id)  # a second try counts nothing twice
        try:
            await self.app.process_update(Update.de_json(data, self.app.bot))
        except asyncio.CancelledError:
            raise  # the record stays "working" and expires: the next owner answers it
        except Exception:  # handlers' errors go to on_error; this is PTB's or a bad update
            metrics.ERRORS.inc()
            logger.exception("worker %s: update %s could not be handled", self.name, update_id)
        finally:
            shared.HANDLING.reset(handling)
        await self.redis.set(record, "done", ex=streams.REPLIED_TTL_SECONDS)
        metrics.UPDATES_PROCESSED.labels(role="worker").inc()
        logger.info(
            "worker %s handled update %s in %.0f ms",
            self.name,
            update_id,
            (time.monotonic() - started) * 1000,
        )

    def healthy(self) -> str | None:
        if time.monotonic() - self.last_beat > 3 * self.lease_ms / 1000:
            return "no heartbeat to Redis"
        return None


async def run_worker(settings: Settings, engine: Any, name: str | None = None) -> None:
    """Build the application, serve the streams until SIGTERM/SIGINT, shut down cleanly."""
    import signal

    from bot.shared import build_shared_state
    from bot.telegram_app import build_application

    if not settings.redis_url:
        raise ValueError("NEWSBOT_REDIS_URL is not set: workers share their state in Redis")
    shared = build_shared_state(settings)
    app = build_application(settings, engine, polling=False, shared=shared)
    worker = Worker(app, shared.redis, settings, name)
    server = metrics.start_metrics(settings, worker.healthy)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, worker.stop)
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        await app.start()
        await worker.run()
    finally:
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)  # closes the answering queue and Redis
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
        if server:
            server.stop()
