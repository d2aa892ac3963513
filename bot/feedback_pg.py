"""Feedback votes and unanswered questions in PostgreSQL (psycopg 3), for several workers.

The same calls and answers as `bot.feedback.FeedbackStore` (SQLite); no Telegram user or chat
ids are stored. The tables are made by numbered migrations run at start, under an advisory
lock, so that workers starting together apply each one once.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from bot.feedback import Unanswered, Vote, _cut, check_vote

MIGRATIONS: list[str] = [
    # 1: the SQLite schema, in PostgreSQL's words
    """
    CREATE TABLE IF NOT EXISTS feedback (
        id        BIGSERIAL PRIMARY KEY,
        vote_key  TEXT NOT NULL UNIQUE,
        at        TIMESTAMPTZ NOT NULL DEFAULT now(),
        vote      SMALLINT NOT NULL CHECK (vote IN (-1, 1)),
        question  TEXT,
        answer    TEXT NOT NULL,
        chat_type TEXT
    );
    CREATE TABLE IF NOT EXISTS unanswered (
        id        BIGSERIAL PRIMARY KEY,
        at        TIMESTAMPTZ NOT NULL DEFAULT now(),
        question  TEXT NOT NULL,
        reason    TEXT NOT NULL,
        chat_type TEXT
    );
    CREATE INDEX IF NOT EXISTS unanswered_question ON unanswered (lower(btrim(question)), reason);
    """,
]
_LOCK_ID = 0x6E657773  # "news": pg_advisory_xact_lock key for migrations


def _iso(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="seconds")


class PostgresFeedbackStore:
    """One connection behind a lock; safe to call from worker threads like the SQLite one."""

    def __init__(self, url: str, schema: str = "public"):
        import psycopg

        self.schema = schema
        self._lock = threading.Lock()
        self._db: Any = psycopg.connect(url, autocommit=True)
        self.migrate()

    def __repr__(self) -> str:  # never the URL (it may carry a password)
        return f"PostgresFeedbackStore(schema={self.schema!r})"

    def migrate(self) -> int:
        """Apply the migrations not yet applied; return the schema version."""
        from psycopg import sql

        schema = sql.Identifier(self.schema)
        with self._lock, self._db.transaction():
            self._db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            self._db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
            self._db.execute(sql.SQL("SET search_path TO {}").format(schema))
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS newsbot_migrations ("
                "version INTEGER PRIMARY KEY, at TIMESTAMPTZ NOT NULL DEFAULT now())"
            )
            row = self._db.execute("SELECT max(version) FROM newsbot_migrations").fetchone()
            version = row[0] or 0
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                self._db.execute(statements)
                self._db.execute("INSERT INTO newsbot_migrations (version) VALUES (%s)", (number,))
            # SET inside a transaction lasts for the session unless LOCAL: keep it.
        return len(MIGRATIONS)

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
        with self._lock, self._db.transaction():
            # Two workers with one person's presses: the first insert wins (the other waits
            # for it to commit), and the row lock orders the changes after it.
            inserted = self._db.execute(
                "INSERT INTO feedback (vote_key, vote, question, answer, chat_type) "
                "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (vote_key) DO NOTHING RETURNING id",
                (key, vote, _cut(question), _cut(answer) or "", chat_type),
            ).fetchone()
            if inserted is not None:
                return None
            row = self._db.execute(
                "SELECT vote FROM feedback WHERE vote_key = %s FOR UPDATE", (key,)
            ).fetchone()
            previous = int(row[0])
            if previous != vote:
                self._db.execute(
                    "UPDATE feedback SET at = now(), vote = %s WHERE vote_key = %s", (vote, key)
                )
        return previous

    def record_unanswered(self, question: str, reason: str, chat_type: str | None) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO unanswered (question, reason, chat_type) VALUES (%s, %s, %s)",
                (_cut(question), reason, chat_type),
            )

    def votes(self) -> list[Vote]:
        """All votes, 👎 first (what needs fixing), newest first within each."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, vote, question, answer, chat_type FROM feedback "
                "ORDER BY vote ASC, at DESC, id DESC"
            ).fetchall()
        return [Vote(_iso(at), vote, q, a, t) for at, vote, q, a, t in rows]

    def unanswered(self) -> list[Unanswered]:
        """Questions the bot could not answer, most asked first (same text counted together)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT (array_agg(question ORDER BY at DESC, id DESC))[1], reason, "
                "count(*) AS times, max(at) AS last_at FROM unanswered "
                "GROUP BY lower(btrim(question)), reason ORDER BY times DESC, last_at DESC"
            ).fetchall()
        return [Unanswered(q, reason, int(n), _iso(last)) for q, reason, n, last in rows]
