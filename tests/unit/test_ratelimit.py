"""The per-user question limit: a sliding window, one friendly notice per burst."""

from __future__ import annotations

from bot.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_allows_the_limit_then_refuses_with_a_wait_time():
    clock = Clock()
    limiter = RateLimiter(limit=3, period=60, clock=clock)
    assert all(limiter.check(1).allowed for _ in range(3))
    clock.now = 10
    refused = limiter.check(1)
    assert not refused.allowed and refused.retry_after == 50


def test_notifies_once_per_burst():
    clock = Clock()
    limiter = RateLimiter(limit=1, period=60, clock=clock)
    limiter.check(1)
    assert [limiter.check(1).notify for _ in range(3)] == [True, False, False]


def test_window_slides_and_users_are_independent():
    clock = Clock()
    limiter = RateLimiter(limit=2, period=60, clock=clock)
    limiter.check("a")
    clock.now = 30
    limiter.check("a")
    assert not limiter.check("a").allowed
    assert limiter.check("b").allowed  # someone else is not affected
    clock.now = 61  # the first question left the window
    assert limiter.check("a").allowed
    assert not limiter.check("a").allowed


def test_idle_users_are_forgotten_when_the_table_is_full():
    clock = Clock()
    limiter = RateLimiter(limit=1, period=60, max_users=2, clock=clock)
    limiter.check("a")
    limiter.check("b")
    clock.now = 100
    limiter.check("c")
    assert set(limiter._seen) == {"c"}
