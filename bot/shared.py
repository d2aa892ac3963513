"""The bot's state behind seams, in process or shared by several workers.

Each seam is a Protocol with an in-process default (today's bounded, expiring memory) and a
Redis implementation (redis-py's asyncio client, so no call blocks the event loop):

* `History`: follow-up questions per conversation, forgotten after their TTL;
* `Limiter`: questions per user per minute, counted across every worker;
* `Payloads`: what a "More sources" button shows, keyed by (chat, question message);
* `Once`: "first to claim this key" (double taps on a button; updates already answered);
* `Replies`: the bot's reply messages to each question, so an edited question edits them.

Feedback votes and unanswered questions go to SQLite or, with a database URL, PostgreSQL
(`bot.feedback_pg`). `build_shared_state(settings)` is the one factory that chooses.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Hashable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.feedback import FeedbackStore, Unanswered, Vote
from bot.history import ChatHistory, Recent
from bot.ratelimit import Decision, RateLimiter
from bot.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

Conversation = tuple[int, int]  # (chat id, user id)
PAYLOAD_TTL_SECONDS = 7 * 24 * 3600  # a "More sources" button older than this asks again
PRESSED_TTL_SECONDS = 3600

# The update a worker is handling (`bot.worker` sets it around the handlers). A worker that
# dies mid-update leaves it to another, which handles it again: what the first one counted for
# it (the user's rate limit) must not be counted twice.
HANDLING: ContextVar[int | None] = ContextVar("newsbot_handling", default=None)


@dataclass(frozen=True)
class MoreSources:
    """What a 'More sources' button needs, as plain data (JSON in Redis): the passages not
    shown yet, already rendered as HTML blocks, and how many the reply showed."""

    shown: int  # passages in the reply itself
    language: str
    blocks: tuple[str, ...]  # one HTML block per further passage, best first

    def to_json(self) -> str:
        return json.dumps(
            {"shown": self.shown, "language": self.language, "blocks": list(self.blocks)},
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> MoreSources:
        data = json.loads(text)
        return cls(int(data["shown"]), str(data["language"]), tuple(data["blocks"]))


# ---------------------------------------------------------------- seams


class History(Protocol):
    async def get(self, conversation: Conversation) -> list[str]: ...
    async def add(self, conversation: Conversation, question: str) -> None: ...
    async def clear(self, conversation: Conversation) -> None: ...


class Limiter(Protocol):
    async def check(self, user: int) -> Decision: ...


class Payloads(Protocol):
    async def get(self, key: tuple[int, int]) -> MoreSources | None: ...
    async def put(self, key: tuple[int, int], value: MoreSources) -> None: ...


@dataclass(frozen=True)
class SentReply:
    """The bot's messages that answered a question, and a digest of what they said (an edited
    question whose answer is the same changes nothing)."""

    ids: tuple[int, ...] = ()
    digest: str = ""


class Replies(Protocol):
    """(chat id, question message id) -> the reply the bot sent to it."""

    async def get(self, key: tuple[int, int]) -> SentReply: ...
    async def put(self, key: tuple[int, int], reply: SentReply) -> None: ...


class Once(Protocol):
    async def claim(self, key: str) -> bool:
        """True for the first caller with `key` (within the TTL), False for every later one."""
        ...


class Feedback(Protocol):
    """Blocking calls (handlers run them in a thread): SQLite or PostgreSQL."""

    def record_vote(
        self, key: str, vote: int, question: str | None, answer: str, chat_type: str | None
    ) -> int | None:
        """Store one vote per key (a change replaces it); return the key's previous vote."""
        ...

    def record_unanswered(self, question: str, reason: str, chat_type: str | None) -> None: ...
    def votes(self) -> list[Vote]: ...
    def unanswered(self) -> list[Unanswered]: ...
    def close(self) -> None: ...


# ---------------------------------------------------------------- in process


class LocalHistory:
    def __init__(self, turns: int, ttl: float):
        self.memory = ChatHistory(turns, ttl)

    def __repr__(self) -> str:
        return f"LocalHistory({self.memory!r})"

    async def get(self, conversation: Conversation) -> list[str]:
        return self.memory.get(conversation)

    async def add(self, conversation: Conversation, question: str) -> None:
        self.memory.add(conversation, question)

    async def clear(self, conversation: Conversation) -> None:
        self.memory.clear(conversation)


class LocalLimiter:
    def __init__(self, limit: int, period: float = 60.0):
        self.memory = RateLimiter(limit, period)

    async def check(self, user: int) -> Decision:
        return self.memory.check(user)


class LocalPayloads:
    def __init__(self, size: int = 2048):
        self.memory: Recent[tuple[int, int], MoreSources] = Recent(size)

    async def get(self, key: tuple[int, int]) -> MoreSources | None:
        return self.memory.get(key)

    async def put(self, key: tuple[int, int], value: MoreSources) -> None:
        self.memory.put(key, value)


class LocalReplies:
    def __init__(self, size: int = 4096):
        self.memory: Recent[tuple[int, int], SentReply] = Recent(size)

    async def get(self, key: tuple[int, int]) -> SentReply:
        return self.memory.get(key) or SentReply()

    async def put(self, key: tuple[int, int], reply: SentReply) -> None:
        self.memory.put(key, reply)


class LocalOnce:
    def __init__(self, size: int = 4096):
        self.memory: Recent[Hashable, bool] = Recent(size)

    async def claim(self, key: str) -> bool:
        if self.memory.get(key):
            return False
        self.memory.put(key, True)
        return True


# ---------------------------------------------------------------- Redis


class RedisHistory:
    """A list per conversation: [[time, question], ...], trimmed to `turns`, expiring whole
    `ttl` seconds after its last question; older entries are skipped on reading."""

    def __init__(self, redis: Redis, prefix: str, turns: int, ttl: float):
        self.redis, self.prefix, self.turns, self.ttl = redis, prefix, turns, ttl

    def __repr__(self) -> str:  # never the questions, nor the URL
        return f"RedisHistory(turns={self.turns}, ttl={self.ttl})"

    def _key(self, conversation: Conversation) -> str:
        return f"{self.prefix}history:{conversation[0]}:{conversation[1]}"

    async def get(self, conversation: Conversation) -> list[str]:
        if self.turns == 0 or self.ttl == 0:
            return []
        items = await self.redis.lrange(self._key(conversation), 0, -1)
        oldest = time.time() - self.ttl
        turns = [json.loads(item) for item in items]
        return [question for at, question in turns if at >= oldest]

    async def add(self, conversation: Conversation, question: str) -> None:
        if self.turns == 0 or self.ttl == 0:
            return
        key = self._key(conversation)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps([time.time(), question], ensure_ascii=False))
            pipe.ltrim(key, -self.turns, -1)
            pipe.pexpire(key, int(self.ttl * 1000))
            await pipe.execute()

    async def clear(self, conversation: Conversation) -> None:
        await self.redis.delete(self._key(conversation))


# Sliding window in a sorted set, atomically, on Redis's clock (workers' clocks may differ).
# A member is one question (its update where known): the same update checked again (handled
# again after its worker died) gets the same decision, counted once, its notice not lost.
_LIMIT_SCRIPT = """
local key, warned = KEYS[1], KEYS[2]
local limit, period, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
if redis.call('ZSCORE', key, member) then return {1, 0, 0} end
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, period)
  redis.call('DEL', warned)
  return {1, 0, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local retry = tonumber(oldest[2]) + period - now
if redis.call('SET', warned, member, 'NX', 'PX', period) then return {0, retry, 1} end
if redis.call('GET', warned) == member then return {0, retry, 1} end
return {0, retry, 0}
"""


class RedisLimiter:
    """At most `limit` questions per user in any `period` seconds, across all workers."""

    def __init__(self, redis: Redis, prefix: str, limit: int, period: float = 60.0):
        self.redis, self.prefix, self.limit, self.period = redis, prefix, limit, period
        self._script = redis.register_script(_LIMIT_SCRIPT)

    async def check(self, user: int) -> Decision:
        keys = [f"{self.prefix}limit:{user}", f"{self.prefix}limit-warned:{user}"]
        update = HANDLING.get()
        member = uuid.uuid4().hex if update is None else f"update:{update}"
        args = [self.limit, int(self.period * 1000), member]
        allowed, retry_ms, notify = await self._script(keys=keys, args=args)
        return Decision(bool(allowed), max(0.0, int(retry_ms) / 1000), bool(notify))


class RedisPayloads:
    def __init__(self, redis: Redis, prefix: str, ttl: float = PAYLOAD_TTL_SECONDS):
        self.redis, self.prefix, self.ttl = redis, prefix, ttl

    def _key(self, key: tuple[int, int]) -> str:
        return f"{self.prefix}more:{key[0]}:{key[1]}"

    async def get(self, key: tuple[int, int]) -> MoreSources | None:
        text = await self.redis.get(self._key(key))
        return None if text is None else MoreSources.from_json(text)

    async def put(self, key: tuple[int, int], value: MoreSources) -> None:
        await self.redis.set(self._key(key), value.to_json(), px=int(self.ttl * 1000))


class RedisReplies:
    def __init__(self, redis: Redis, prefix: str, ttl: float = PAYLOAD_TTL_SECONDS):
        self.redis, self.prefix, self.ttl = redis, prefix, ttl

    def _key(self, key: tuple[int, int]) -> str:
        return f"{self.prefix}replies:{key[0]}:{key[1]}"

    async def get(self, key: tuple[int, int]) -> SentReply:
        text = await self.redis.get(self._key(key))
        if text is None:
            return SentReply()
        data = json.loads(text)
        return SentReply(tuple(int(i) for i in data["ids"]), str(data["digest"]))

    async def put(self, key: tuple[int, int], reply: SentReply) -> None:
        value = json.dumps({"ids": list(reply.ids), "digest": reply.digest})
        await self.redis.set(self._key(key), value, px=int(self.ttl * 1000))


class RedisOnce:
    def __init__(self, redis: Redis, prefix: str, name: str, ttl: float):
        self.redis, self.prefix, self.ttl = redis, f"{prefix}{name}:", ttl

    async def claim(self, key: str) -> bool:
        return bool(await self.redis.set(self.prefix + key, "1", nx=True, px=int(self.ttl * 1000)))


# ---------------------------------------------------------------- the factory


@dataclass
class SharedState:
    history: History
    limiter: Limiter
    payloads: Payloads
    pressed: Once
    feedback: Feedback
    replies: Replies = field(default_factory=LocalReplies)
    redis: Any = None  # redis.asyncio.Redis when shared, for the workers' own keys

    @property
    def shared(self) -> bool:
        return self.redis is not None

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()

    def close(self) -> None:
        self.feedback.close()


def redis_client(url: str) -> Redis:
    from redis.asyncio import Redis

    return Redis.from_url(url, decode_responses=True, health_check_interval=30)


def open_feedback(settings: Settings) -> Feedback:
    """PostgreSQL when a database URL is set (tables made by a migration), else SQLite."""
    if settings.database_url:
        from bot.feedback_pg import PostgresFeedbackStore

        return PostgresFeedbackStore(settings.database_url, settings.database_schema)
    return FeedbackStore(settings.feedback_db)


def build_shared_state(settings: Settings) -> SharedState:
    """The state the bot keeps, chosen by settings: Redis and/or PostgreSQL, else in process."""
    feedback = open_feedback(settings)
    if not settings.redis_url:
        return SharedState(
            history=LocalHistory(settings.history_turns, settings.history_ttl_seconds),
            limiter=LocalLimiter(settings.rate_limit_per_minute),
            payloads=LocalPayloads(),
            pressed=LocalOnce(),
            feedback=feedback,
            replies=LocalReplies(),
        )
    redis = redis_client(settings.redis_url)
    prefix = settings.redis_prefix
    return SharedState(
        history=RedisHistory(redis, prefix, settings.history_turns, settings.history_ttl_seconds),
        limiter=RedisLimiter(redis, prefix, settings.rate_limit_per_minute),
        payloads=RedisPayloads(redis, prefix),
        pressed=RedisOnce(redis, prefix, "pressed", PRESSED_TTL_SECONDS),
        feedback=feedback,
        replies=RedisReplies(redis, prefix),
        redis=redis,
    )


# ---------------------------------------------------------------- Telegram's flood limit

# Slots evenly spaced on Redis's clock (a virtual schedule, as GCRA keeps): KEYS[1] holds the
# time (µs) the next slot is free; each call reserves it and moves it on by ARGV[1] µs. Returns
# the µs to wait for the slot reserved, and the second it falls in (for tests and logs).
_FLOOD_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local at = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local following = at + tonumber(ARGV[1])
local keep = math.ceil((following - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', keep)
return {at - now, math.floor(at / 1000000)}
"""
TELEGRAM_MESSAGES_PER_SECOND = 30  # Telegram's limit per bot, whatever the number of workers
# Telegram counts requests as they arrive, and the way there (each worker's event loop, its
# connection pool, the network) delays some more than others: a second's slots are spread
# over a little more than a second, so that jitter of up to 3 slots (~0.1 s) still leaves no
# second at Telegram's end with more than its limit.
FLOOD_WINDOW_SECONDS = 1.1


class SharedFlood:
    """At most `per_second` requests to chats in any second for the whole bot, across workers:
    one every `window / per_second` seconds, in the order asked for. (Fixed one-second windows
    let twice as many through across the turn of a second, and a burst of a whole second's
    slots at once reaches Telegram spread by its own jitter.)

    PTB's AIORateLimiter keeps the limit per process; chats' own limits need nothing more
    (each chat is answered by one worker at a time), the bot-wide one does."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        per_second: int = TELEGRAM_MESSAGES_PER_SECOND,
        window: float = FLOOD_WINDOW_SECONDS,
    ):
        self.key = f"{prefix}flood:next"
        self.interval_us = round(window * 1_000_000 / per_second)
        self._script = redis.register_script(_FLOOD_SCRIPT)

    async def slot(self) -> int:
        """Reserve the next free slot and wait for it; return the second (Redis's clock) it
        falls in."""
        import asyncio

        wait_us, second = await self._script(keys=[self.key], args=[self.interval_us])
        if int(wait_us) > 0:
            await asyncio.sleep(int(wait_us) / 1_000_000)
        return int(second)
