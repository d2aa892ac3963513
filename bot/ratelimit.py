"""A per-user limit on questions, so that one person cannot starve everyone else."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0  # seconds until the user may ask again
    notify: bool = False  # first refusal of this burst: tell the user once, then stay quiet


class RateLimiter:
    """At most `limit` questions per user in any `period`-second window (sliding window)."""

    def __init__(
        self,
        limit: int,
        period: float = 60.0,
        max_users: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.period = period
        self.max_users = max_users
        self._clock = clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._warned: dict[Hashable, float] = {}  # user -> when they were told to slow down

    def check(self, user: Hashable) -> Decision:
        """Count one question from `user` if allowed; say whether it is."""
        now = self._clock()
        stamps = self._seen.get(user)
        if stamps is None:
            if len(self._seen) >= self.max_users:
                self._forget_idle(now)
            stamps = self._seen[user] = deque()
        while stamps and stamps[0] <= now - self.period:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.pop(user, None)
            return Decision(True)
        retry_after = max(0.0, stamps[0] + self.period - now)
        warned = self._warned.get(user)
        notify = warned is None or warned <= now - self.period
        if notify:
            self._warned[user] = now
        return Decision(False, retry_after, notify)

    def _forget_idle(self, now: float) -> None:
        idle = [u for u, s in self._seen.items() if not s or s[-1] <= now - self.period]
        for user in idle:
            del self._seen[user]
            self._warned.pop(user, None)
