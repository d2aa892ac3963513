"""RSS 2.0 and Atom feeds (feedparser): each item's page added to the corpus once.

Feed state (which feeds, their ETag / Last-Modified, every item seen and what became of it)
lives in one SQLite file under var/, never in corpus/. An item is added once: removing its
article later (`newsbot corpus remove`) does not bring it back, and an item that leaves the
feed keeps its article. A feed that fails is reported and the others still update.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from corpus.errors import FeedError, IngestError
from corpus.fetch import Fetcher, Response
from corpus.ingest import Ingestor, Outcome

logger = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
MAX_ATTEMPTS = 3  # an item whose page keeps failing (gone, a PDF) is tried this often, then left
MAX_NEW_PER_UPDATE = 100  # a feed's backlog is taken in steps, not in one long update

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, etag TEXT, last_modified TEXT,
    added_at TEXT NOT NULL, checked_at TEXT, last_error TEXT
);
CREATE TABLE IF NOT EXISTS items (
    feed_url TEXT NOT NULL, key TEXT NOT NULL, link TEXT, state TEXT NOT NULL,
    article TEXT, attempts INTEGER NOT NULL DEFAULT 0, first_seen TEXT NOT NULL,
    PRIMARY KEY (feed_url, key)
);
"""


@dataclass(frozen=True, slots=True)
class Feed:
    url: str
    title: str | None
    etag: str | None
    last_modified: str | None
    added_at: str
    checked_at: str | None
    last_error: str | None
    items: int = 0  # items seen so far
    articles: int = 0  # of which added to the corpus


@dataclass(frozen=True, slots=True)
class Entry:
    key: str  # the item's id (guid), else its link
    link: str
    title: str | None
    date: str | None  # ISO date the feed gives


@dataclass(frozen=True)
class FeedReport:
    url: str
    title: str | None = None
    not_modified: bool = False
    items: int = 0
    added: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    already: int = 0  # items seen in an earlier update
    error: str | None = None

    @property
    def line(self) -> str:
        if self.error:
            return f"feed {self.url}: failed: {self.error}"
        if self.not_modified:
            return f"feed {self.url}: not modified since the last update"
        if not self.items:
            return f"feed {self.url}: the feed has no items"
        parts = [f"{len(self.added)} new", f"{self.already} already seen"]
        duplicates = sum(1 for o in self.added if o.duplicate_of)
        if duplicates:
            parts.append(f"{duplicates} already in the corpus")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return f"feed {self.url}: {self.items} items, " + ", ".join(parts)


class FeedStore:
    """The feeds' state in SQLite (stdlib); each call opens its own short transaction."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            db.row_factory = sqlite3.Row
            yield db

    def add(self, url: str, title: str | None) -> bool:
        """Remember a feed; False when it was there already."""
        with self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO feeds (url, title, added_at) VALUES (?, ?, ?)",
                (url, title, _now()),
            )
            return cursor.rowcount == 1

    def remove(self, url: str) -> bool:
        with self._db() as db:
            db.execute("DELETE FROM items WHERE feed_url = ?", (url,))
            return db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 1

    def feeds(self) -> list[Feed]:
        with self._db() as db:
            rows = db.execute(
                "SELECT f.*, COUNT(i.key) AS items, "
                "SUM(CASE WHEN i.state = 'added' THEN 1 ELSE 0 END) AS articles "
                "FROM feeds f LEFT JOIN items i ON i.feed_url = f.url "
                "GROUP BY f.url ORDER BY f.added_at, f.url"
            ).fetchall()
        return [
            Feed(
                # sqlite3.Row iterates over values: its names come from keys()
                **{k: row[k] for k in row.keys() if k not in ("items", "articles")},  # noqa: SIM118
                items=row["items"] or 0,
                articles=row["articles"] or 0,
            )
            for row in rows
        ]

    def item_state(self, feed_url: str, key: str) -> tuple[str, int] | None:
        with self._db() as db:
            row = db.execute(
                "SELECT state, attempts FROM items WHERE feed_url = ? AND key = ?", (feed_url, key)
            ).fetchone()
        return (row["state"], row["attempts"]) if row else None

    def record_item(self, feed_url: str, entry: Entry, outcome: Outcome) -> None:
        state = "failed" if outcome.error else "duplicate" if outcome.duplicate_of else "added"
        article = outcome.written.stem if outcome.written else outcome.duplicate_of
        with self._db() as db:
            db.execute(
                "INSERT INTO items (feed_url, key, link, state, article, attempts, first_seen) "
                "VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (feed_url, key) DO UPDATE SET "
                "state = excluded.state, article = excluded.article, attempts = attempts + 1",
                (feed_url, entry.key, entry.link, state, article, _now()),
            )

    def record_check(
        self, url: str, title: str | None, response: Response | None, error: str | None
    ) -> None:
        with self._db() as db:
            if response is not None:  # validators only after a complete update
                db.execute(
                    "UPDATE feeds SET etag = ?, last_modified = ? WHERE url = ?",
                    (response.etag, response.last_modified, url),
                )
            db.execute(
                "UPDATE feeds SET checked_at = ?, last_error = ?, title = COALESCE(?, title) "
                "WHERE url = ?",
                (_now(), error, title, url),
            )


def read_feed(response: Response) -> tuple[str | None, list[Entry]]:
    """The feed's title and items; FeedError when the body is not a readable feed."""
    import feedparser

    if not response.body.strip():
        raise FeedError("empty response, not a feed")
    parsed = feedparser.parse(
        response.body,
        response_headers={
            "content-type": response.content_type
            + (f"; charset={response.charset}" if response.charset else ""),
            "content-location": response.url,
        },
    )
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({str(problem).splitlines()[0][:120]})" if problem else ""
        raise FeedError(f"not an RSS or Atom feed{detail}")
    entries = [e for e in (_entry(raw) for raw in parsed.entries) if e is not None]
    if parsed.get("bozo") and not entries:  # a slightly broken feed with items is still read
        problem = str(parsed.get("bozo_exception")).splitlines()[0][:120]
        raise FeedError(f"malformed feed, no item could be read ({problem})")
    return parsed.feed.get("title"), entries


def fetch_feed(fetcher: Fetcher, url: str) -> tuple[str | None, list[Entry]]:
    """Fetch and read a feed (for `feeds add`, which checks the URL is one)."""
    return read_feed(fetcher.get(url, accept=FEED_ACCEPT))


def update_feeds(
    store: FeedStore, fetcher: Fetcher, ingestor: Ingestor, only: Sequence[str] = ()
) -> list[FeedReport]:
    """Fetch every feed (or those in `only`) and add the pages of items not seen before."""
    return [
        _update_one(store, fetcher, ingestor, feed)
        for feed in store.feeds()
        if not only or feed.url in only
    ]


def _update_one(store: FeedStore, fetcher: Fetcher, ingestor: Ingestor, feed: Feed) -> FeedReport:
    started = time.perf_counter()
    try:
        response = fetcher.get(
            feed.url, accept=FEED_ACCEPT, etag=feed.etag, last_modified=feed.last_modified
        )
        if response.not_modified:
            store.record_check(feed.url, None, None, None)
            return FeedReport(feed.url, feed.title, not_modified=True)
        title, entries = read_feed(response)
    except IngestError as exc:
        message = _short(str(exc), feed.url)
        store.record_check(feed.url, None, None, message)
        logger.warning("feed %s failed: %s", feed.url, message)
        return FeedReport(feed.url, feed.title, error=message)
    added, failed, already = [], [], 0
    for entry in reversed(entries):  # feeds list the newest first; add in publication order
        state = store.item_state(feed.url, entry.key)
        if state and (state[0] != "failed" or state[1] >= MAX_ATTEMPTS):
            already += 1
            continue
        if len(added) + len(failed) >= MAX_NEW_PER_UPDATE:
            break
        outcome = ingestor.add(entry.link, url_hint=entry.link, date_hint=entry.date)
        store.record_item(feed.url, entry, outcome)
        (failed if outcome.error else added).append(outcome)
    # Keep the validators only when every item got its chance: a failed page is retried
    # next time even if the feed itself has not changed.
    store.record_check(feed.url, title, None if failed else response, None)
    logger.info(
        "feed %s: %d items, %d new, %d failed in %.1fs",
        feed.url,
        len(entries),
        len(added),
        len(failed),
        time.perf_counter() - started,
    )
    return FeedReport(
        feed.url, title, items=len(entries), added=added, failed=failed, already=already
    )


def _entry(raw: dict) -> Entry | None:
    link = raw.get("link") or next(
        (x.get("href") for x in raw.get("links", []) if x.get("rel") == "alternate"), None
    )
    if not link:
        return None
    when = raw.get("published_parsed") or raw.get("updated_parsed")
    date = dt.date(*when[:3]).isoformat() if when else None
    return Entry(key=raw.get("id") or link, link=link, title=raw.get("title"), date=date)


def _short(message: str, url: str) -> str:
    return message[len(url) + 2 :] if message.startswith(f"{url}: ") else message


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
