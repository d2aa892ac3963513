"""What the bot remembers of conversations, in memory only: recent questions per chat (for
follow-ups) and recent answers (for 'More sources'). Bounded, expiring, never logged or saved.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Clock = Callable[[], float]


class ChatHistory:
    """The last `turns` answered questions of each conversation, forgotten after `ttl` seconds.

    At most `max_chats` conversations are kept; the least recently active is dropped first.
    """

    def __init__(
        self, turns: int, ttl: float, max_chats: int = 10_000, clock: Clock = time.monotonic
    ):
        self.turns = turns
        self.ttl = ttl
        self.max_chats = max_chats
        self._clock = clock
        self._chats: OrderedDict[Hashable, deque[tuple[float, str]]] = OrderedDict()

    def __repr__(self) -> str:  # never show the questions themselves
        return f"ChatHistory(chats={len(self._chats)}, turns={self.turns}, ttl={self.ttl})"

    def __len__(self) -> int:
        return len(self._chats)

    def get(self, chat: Hashable) -> list[str]:
        """The conversation's recent questions, oldest first (expired ones dropped)."""
        turns = self._chats.get(chat)
        if not turns:
            return []
        oldest = self._clock() - self.ttl
        while turns and turns[0][0] < oldest:
            turns.popleft()
        if not turns:
            del self._chats[chat]
            return []
        return [question for _, question in turns]

    def add(self, chat: Hashable, question: str) -> None:
        if self.turns == 0 or self.ttl == 0:
            return
        turns = self._chats.pop(chat, None) or deque(maxlen=self.turns)
        turns.append((self._clock(), question))
        self._chats[chat] = turns  # most recently active last
        while len(self._chats) > self.max_chats:
            self._chats.popitem(last=False)

    def clear(self, chat: Hashable) -> None:
        self._chats.pop(chat, None)


class Recent(Generic[K, V]):
    """A bounded least-recently-used mapping (answers kept for their 'More sources' button)."""

    def __init__(self, size: int = 2048):
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def __repr__(self) -> str:
        return f"Recent(items={len(self._items)}, size={self.size})"

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
