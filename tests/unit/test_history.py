"""Per-chat question history (follow-ups) and the recent-answers LRU: bounded, expiring."""

from __future__ import annotations

from bot.history import ChatHistory, Recent


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_keeps_the_last_turns_oldest_first():
    history = ChatHistory(turns=2, ttl=60)
    for q in ("one", "two", "three"):
        history.add("chat", q)
    assert history.get("chat") == ["two", "three"]
    assert history.get("other") == []


def test_questions_expire_after_the_ttl():
    clock = Clock()
    history = ChatHistory(turns=3, ttl=60, clock=clock)
    history.add("chat", "old")
    clock.now += 50
    history.add("chat", "newer")
    clock.now += 20
    assert history.get("chat") == ["newer"]
    clock.now += 100
    assert history.get("chat") == [] and len(history) == 0


def test_least_recently_active_chat_is_dropped_beyond_the_bound():
    history = ChatHistory(turns=1, ttl=60, max_chats=2)
    history.add("a", "qa")
    history.add("b", "qb")
    history.add("a", "qa2")  # a is active again
    history.add("c", "qc")
    assert history.get("b") == [] and history.get("a") == ["qa2"] and history.get("c") == ["qc"]


def test_clear_forgets_a_conversation():
    history = ChatHistory(turns=3, ttl=60)
    history.add(("chat", 1), "q")
    history.clear(("chat", 1))
    assert history.get(("chat", 1)) == []


def test_disabled_history_remembers_nothing():
    for history in (ChatHistory(turns=0, ttl=60), ChatHistory(turns=3, ttl=0)):
        history.add("chat", "q")
        assert history.get("chat") == []


def test_repr_never_shows_questions():
    history = ChatHistory(turns=3, ttl=60)
    history.add("chat", "a private question")
    assert "private" not in repr(history)


def test_recent_is_a_bounded_lru():
    recent: Recent[str, int] = Recent(size=2)
    recent.put("a", 1)
    recent.put("b", 2)
    assert recent.get("a") == 1  # a is now the most recent
    recent.put("c", 3)
    assert recent.get("b") is None and recent.get("a") == 1 and recent.get("c") == 3
    assert len(recent) == 2
