"""Durable store of 👍/👎 feedback and of the questions the bot could not answer (SQLite, WAL).

Maintainers read it with `newsbot feedback`. No Telegram user or chat ids are stored: a vote
is keyed by a hash of (chat, message, user), enough to let a person change their vote.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id        INTEGER PRIMARY KEY,
    vote_key  TEXT NOT NULL UNIQUE,
    at        TEXT NOT NULL,
    vote      INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    question  TEXT,
    answer    TEXT NOT NULL,
    chat_type TEXT
);
CREATE TABLE IF NOT EXISTS unanswered (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    question  TEXT NOT NULL,
    reason    TEXT NOT NULL,
    chat_type TEXT
);
"""

MAX_STORED_CHARS = 4096  # a Telegram message; longer texts are cut before storing
BUSY_SECONDS = 5.0  # how long a process waits for another's lock on the file


@dataclass(frozen=True)
class Vote:
    at: str  # UTC ISO-8601
    vote: int  # +1 or -1
    question: str | None  # None when the question message was gone
    answer: str  # the reply as the user saw it
    chat_type: str | None


@dataclass(frozen=True)
class Unanswered:
    question: str
    reason: str
    times: int  # how often it was asked
    last_at: str


def vote_key(chat_id: int, message_id: int, user_id: int) -> str:
    return hashlib.sha256(f"{chat_id}:{message_id}:{user_id}".encode()).hexdigest()[:32]


def _write_ahead(db: sqlite3.Connection) -> None:
    """WAL mode, which lets workers read while one writes. Workers starting together on a
    new file all ask for it; the switch needs the file to itself and SQLite does not wait
    for that (no busy handler), so "database is locked" is retried while another switches."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class FeedbackStore:
    """One SQLite file; safe to call from worker threads (one connection behind a lock)."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=BUSY_SECONDS, check_same_thread=False, isolation_level=None
        )
        _write_ahead(self._db)
        self._db.execute("PRAGMA synchronous=FULL")  # a vote acknowledged is a vote kept
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record_vote(
        self, key: str, vote: int, question: str | None, answer: str, chat_type: str | None
    ) -> int | None:
        """Store a vote; the same person voting again on the same answer replaces it (one vote
        per key, never added). Returns the key's previous vote (None: first vote); the same
        vote again changes nothing."""
        check_vote(vote)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # read and write as one, across processes
            try:
                row = self._db.execute(
                    "SELECT vote FROM feedback WHERE vote_key = ?", (key,)
                ).fetchone()
                previous = None if row is None else int(row[0])
                if previous != vote:
                    self._db.execute(
                        "INSERT INTO feedback (vote_key, at, vote, question, answer, chat_type) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(vote_key) DO UPDATE SET "
                        "at = excluded.at, vote = excluded.vote",
                        (key, _now(), vote, _cut(question), _cut(answer) or "", chat_type),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        return previous

    def record_unanswered(self, question: str, reason: str, chat_type: str | None) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO unanswered (at, question, reason, chat_type) VALUES (?, ?, ?, ?)",
                (_now(), _cut(question), reason, chat_type),
            )

    def votes(self) -> list[Vote]:
        """All votes, 👎 first (what needs fixing), newest first within each."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, vote, question, answer, chat_type FROM feedback "
                "ORDER BY vote ASC, at DESC, id DESC"
            ).fetchall()
        return [Vote(*row) for row in rows]

    def unanswered(self) -> list[Unanswered]:
        """Questions the bot could not answer, most asked first (same text counted together)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question, reason, COUNT(*) AS times, MAX(at) AS last_at FROM unanswered "
                "GROUP BY lower(trim(question)), reason ORDER BY times DESC, last_at DESC"
            ).fetchall()
        return [Unanswered(*row) for row in rows]


def check_vote(vote: int) -> None:
    if vote not in (-1, 1):
        raise ValueError(f"vote must be +1 or -1, got {vote!r}")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _cut(text: str | None) -> str | None:
    return text if text is None or len(text) <= MAX_STORED_CHARS else text[:MAX_STORED_CHARS]
