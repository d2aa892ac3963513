"""Names of the Redis keys the receiver and the workers share, and which stream a chat is on.

Every key starts with `settings.redis_prefix` (default "newsbot:"):

    updates:<shard>         Redis Stream of updates, one per shard (chat id % shards)
    receiver:lease          who receives from Telegram now (SET NX PX, renewed)
    receiver:offset         the next getUpdates offset, written with the XADD of each batch
    shard:<shard>:owner     which worker reads a shard now (one at a time: order per chat)
    workers                 sorted set: worker name -> last heartbeat (ms)
    replied:<update_id>     "working:<worker>" while an update is handled, "done" after
"""

from __future__ import annotations

from typing import Any

GROUP = "workers"  # the consumer group on every stream
FIELD = "update"  # the stream entry's one field: the update as Telegram sent it (JSON)
REPLIED_TTL_SECONDS = 24 * 3600  # how long "done" is remembered (Telegram redelivers for 24 h)


def stream(prefix: str, shard: int) -> str:
    return f"{prefix}updates:{shard}"


def lease(prefix: str) -> str:
    return f"{prefix}receiver:lease"


def offset(prefix: str) -> str:
    return f"{prefix}receiver:offset"


def shard_owner(prefix: str, shard: int) -> str:
    return f"{prefix}shard:{shard}:owner"


def workers(prefix: str) -> str:
    return f"{prefix}workers"


def replied(prefix: str, update_id: int) -> str:
    return f"{prefix}replied:{update_id}"


def chat_of(update: dict[str, Any]) -> int:
    """The chat an update belongs to (the user for inline queries): its order key."""
    for name in ("message", "edited_message", "channel_post", "edited_channel_post"):
        if isinstance(update.get(name), dict):
            return int(update[name]["chat"]["id"])
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict) and "chat" in message:
            return int(message["chat"]["id"])
        return int(query["from"]["id"])
    for name in ("inline_query", "chosen_inline_result"):
        if isinstance(update.get(name), dict):
            return int(update[name]["from"]["id"])
    return 0


def shard_of(update: dict[str, Any], shards: int) -> int:
    return chat_of(update) % shards  # Python's % is never negative: group ids are
