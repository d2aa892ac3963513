"""Settings -> the ingestion library (corpus/): the fetcher, the ingestor, the feeds' store,
and the feed cycle `newsbot serve` runs: update the feeds, rebuild the index when articles
were added (incrementally: unchanged text is never embedded again); the index watcher then
swaps the new build in."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.settings import Settings
from corpus.feeds import FeedReport, FeedStore, update_feeds
from corpus.fetch import Fetcher, FetchPolicy
from corpus.ingest import Ingestor

logger = logging.getLogger(__name__)


def fetch_policy(settings: Settings) -> FetchPolicy:
    return FetchPolicy(
        timeout=settings.fetch_timeout_seconds,
        max_bytes=settings.fetch_max_bytes,
        allow_private=settings.fetch_allow_private,
    )


def make_ingestor(settings: Settings, fetcher: Fetcher) -> Ingestor:
    return Ingestor(settings.corpus_dir, fetcher)


@dataclass(frozen=True)
class Cycle:
    reports: list[FeedReport]
    rebuilt: bool


def update_and_rebuild(settings: Settings, encoders: Any) -> Cycle:
    """One feed cycle: every feed updated, the index rebuilt (with the serving process's
    `encoders`, loaded once) if anything was added."""
    from index.builder import build_index

    if not settings.feeds_db.exists():  # no feed was ever added: nothing to create or fetch
        return Cycle([], False)
    store = FeedStore(settings.feeds_db)
    if not store.feeds():
        return Cycle([], False)
    with Fetcher(fetch_policy(settings)) as fetcher:
        reports = update_feeds(store, fetcher, make_ingestor(settings, fetcher))
    for report in reports:
        (logger.warning if report.error else logger.info)("%s", report.line)
    added = sum(1 for r in reports for o in r.added if o.written)
    if not added:
        return Cycle(reports, False)
    report = build_index(settings.corpus_dir, settings.index_dir, encoders)
    logger.info(
        "index rebuilt after %d new articles: %d passages (%d texts embedded, %d reused)",
        added,
        report.manifest.passages,
        report.embedded,
        report.reused,
    )
    return Cycle(reports, True)
