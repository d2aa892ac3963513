"""`newsbot receive`: the one process that talks to Telegram for updates (long polling).

Every update goes onto a Redis Stream chosen by its chat (`bot.streams.shard_of`), to be
answered by `newsbot work`. The Telegram offset advances only after the XADD: the entries and
the next offset are written by one script, which also checks that this receiver still holds
the lease, so a receiver that lost it can never write. A second receiver waits for the lease
(SET NX PX, renewed every third of its length) and takes over, from the stored offset, when
the first one dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

from bot import metrics, streams
from bot.settings import Settings
from bot.worker import _RELEASE, _RENEW, worker_name

logger = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds of each getUpdates long poll

# KEYS: lease, offset, stream of each update; ARGV: owner, next offset, maxlen, then updates.
_PUBLISH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 3, #KEYS do
  redis.call('XADD', KEYS[i], 'MAXLEN', '~', ARGV[3], '*', 'update', ARGV[i + 1])
end
redis.call('SET', KEYS[2], ARGV[2])
return 1
"""


class Receiver:
    def __init__(self, bot: Any, redis: Any, settings: Settings, name: str | None = None):
        self.bot, self.redis, self.settings = bot, redis, settings
        self.name = name or worker_name(settings)
        self.prefix = settings.redis_prefix
        self.lease_key = streams.lease(self.prefix)
        self.lease_ms = int(settings.receiver_lease_seconds * 1000)
        self.poll_timeout = min(POLL_TIMEOUT, max(1, int(settings.receiver_lease_seconds / 2)))
        self._publish = redis.register_script(_PUBLISH)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)
        self._stopping = asyncio.Event()
        self.leading = False
        self.failing = False
        self.last_poll = 0.0

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        from redis.exceptions import RedisError

        from bot.worker import Worker

        waiting_said, ready, failing = False, False, False
        while not self._stopping.is_set():
            try:  # Redis gone for a while: keep trying; nothing is taken from Telegram meanwhile
                if not ready:
                    await Worker.ensure_groups(self.redis, self.prefix, self.settings.stream_shards)
                    ready = True
                if await self.redis.set(self.lease_key, self.name, nx=True, px=self.lease_ms):
                    logger.info("receiver %s holds the lease; receiving updates", self.name)
                    waiting_said = failing = False
                    await self._lead()
                    continue
                failing = False
                if not waiting_said:
                    logger.info("receiver %s waits: another receiver holds the lease", self.name)
                    waiting_said = True
            except (RedisError, OSError) as exc:
                if not failing:
                    logger.warning("receiver %s cannot reach Redis: %r", self.name, exc)
                failing = True
            self.failing = failing
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.lease_ms / 3000)

    async def _lead(self) -> None:
        self.leading = True
        renew = asyncio.create_task(self._keep_lease(), name="lease")
        poll = asyncio.create_task(self._poll(), name="poll")
        stop = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait({renew, poll, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.leading = False
            for task in (renew, poll, stop):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if poll.done() and not poll.cancelled() and poll.exception():
                logger.error("receiver %s: polling failed: %r", self.name, poll.exception())
            await self._release(keys=[self.lease_key], args=[self.name])

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            if not await self._renew(keys=[self.lease_key], args=[self.name, self.lease_ms]):
                logger.warning("receiver %s lost the lease", self.name)
                return

    async def _poll(self) -> None:
        from telegram.error import Conflict, NetworkError, TimedOut

        from bot.telegram_app import ALLOWED_UPDATES

        stored = await self.redis.get(streams.offset(self.prefix))
        offset = int(stored) if stored else None
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    read_timeout=self.poll_timeout + 5,
                )
            except (TimedOut, NetworkError, Conflict) as exc:
                logger.warning("receiver %s: getUpdates failed, retrying: %s", self.name, exc)
                await asyncio.sleep(1)
                continue
            self.last_poll = time.monotonic()
            if not updates:
                continue
            offset = await self.publish([u.to_dict() for u in updates])

    async def publish(self, updates: list[dict[str, Any]]) -> int:
        """Stream `updates` and store the next offset, atomically, if still the leader."""
        shards = self.settings.stream_shards
        keys = [self.lease_key, streams.offset(self.prefix)]
        keys += [streams.stream(self.prefix, streams.shard_of(u, shards)) for u in updates]
        next_offset = max(int(u["update_id"]) for u in updates) + 1
        args = [self.name, next_offset, self.settings.stream_max_length]
        args += [json.dumps(u, ensure_ascii=False) for u in updates]
        if not await self._publish(keys=keys, args=args):
            raise RuntimeError("lost the lease before the updates were streamed")
        metrics.UPDATES_RECEIVED.inc(len(updates))
        for u in updates:
            logger.info(
                "receiver %s streamed update %s to shard %d",
                self.name,
                u["update_id"],
                streams.shard_of(u, shards),
            )
        return next_offset

    def healthy(self) -> str | None:
        return "cannot reach Redis" if self.failing else None  # a waiting receiver is fine


async def run_receiver(settings: Settings, name: str | None = None) -> None:
    import signal

    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.redaction import redact_in_logs
    from bot.shared import redis_client

    if not settings.redis_url:
        raise ValueError("NEWSBOT_REDIS_URL is not set: the receiver streams updates to Redis")
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    redact_in_logs(token)
    bot = Bot(
        token,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        get_updates_request=HTTPXRequest(connect_timeout=5.0, read_timeout=POLL_TIMEOUT + 10),
    )
    redis = redis_client(settings.redis_url)
    receiver = Receiver(bot, redis, settings, name)
    server = metrics.start_metrics(settings, receiver.healthy)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, receiver.stop)
    try:
        async with bot:
            await receiver.run()
    finally:
        await redis.aclose()
        if server:
            server.stop()
