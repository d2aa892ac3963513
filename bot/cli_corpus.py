"""`newsbot corpus` (extract, add, remove) and `newsbot feeds` (add, list, remove, update)."""

from __future__ import annotations

import json
from typing import Any

import click

from bot.settings import Settings

_NEXT = "run `newsbot index build` to answer from it"


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.find_object(Settings)
    assert isinstance(settings, Settings)
    return settings


def _fetcher(settings: Settings) -> Any:
    from bot.ingest import fetch_policy
    from corpus.fetch import Fetcher

    return Fetcher(fetch_policy(settings))


# ---------------------------------------------------------------- corpus


@click.group()
def corpus() -> None:
    """Add articles from web pages, files and URLs; remove them.

    \b
    Examples:
      newsbot corpus extract https://example.org/news/story.html
      newsbot corpus add page.html https://example.org/news/story.html --source "Example Wire"
      newsbot corpus remove story-slug
    """


@corpus.command("extract")
@click.argument("inputs", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--json", "as_json", is_flag=True, help="One JSON list of all articles.")
@click.option("--jsonl", is_flag=True, help="One JSON object per input, in order.")
@click.pass_context
def corpus_extract(ctx: click.Context, inputs: tuple[str, ...], as_json: bool, jsonl: bool) -> None:
    """Show what would be added from each page or URL; writes nothing."""
    from corpus.errors import IngestError
    from corpus.ingest import Ingestor, failure_reason, is_url

    if as_json and jsonl:
        raise click.UsageError("give --json or --jsonl, not both")
    settings = _settings(ctx)
    objects, failures = [], 0
    with _fetcher(settings) as fetcher:
        ingestor = Ingestor(settings.corpus_dir, fetcher)  # the extractor, loaded once
        for given in inputs:
            # "path" or "url" names the input; for a URL, "url" then becomes the canonical one
            # and "input" keeps what was asked for.
            where = {"input": given, "url" if is_url(given) else "path": given}
            try:
                found = ingestor.extract(given)
            except IngestError as exc:
                failures += 1
                reason = failure_reason(str(exc), given)
                click.echo(f"failed {given}: {reason}", err=True)
                obj = {**where, "error": reason}
            else:
                obj = {**where, **found.article.to_dict()}
                if not (as_json or jsonl):
                    _show(given, found.article)
            if jsonl:
                click.echo(json.dumps(obj, ensure_ascii=False))
            objects.append(obj)
    if as_json:
        click.echo(json.dumps(objects, ensure_ascii=False, indent=2))
    if failures:
        ctx.exit(1)  # each failure has had its one line


def _show(given: str, article: Any) -> None:
    click.echo(f"{given}")
    click.echo(f"  title:    {article.title}")
    for label, value in (
        ("source", article.source),
        ("author", article.author),
        ("date", article.date),
        ("url", article.url),
    ):
        click.echo(f"  {label + ':':<9} {value or '–'}")
    click.echo(f"  language: {article.language}, {len(article.paragraphs)} paragraphs")
    for n, paragraph in enumerate(article.paragraphs[:3], start=1):
        short = paragraph if len(paragraph) <= 160 else paragraph[:159] + "…"
        click.echo(f"  {n:>3}. {short}")
    if len(article.paragraphs) > 3:
        click.echo(f"       … {len(article.paragraphs) - 3} more")


@corpus.command("add")
@click.argument("inputs", nargs=-1, required=True, metavar="PATH_OR_URL...")
@click.option("--source", "source_name", help="The publisher's name (default: from the page).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input.")
@click.pass_context
def corpus_add(
    ctx: click.Context, inputs: tuple[str, ...], source_name: str | None, as_json: bool
) -> None:
    """Add each page or URL as corpus/<slug>.md; skip articles already there."""
    from corpus.ingest import Ingestor

    settings = _settings(ctx)
    with _fetcher(settings) as fetcher:
        ingestor = Ingestor(settings.corpus_dir, fetcher)
        outcomes = [ingestor.add(given, source_name) for given in inputs]
    for outcome in outcomes:
        if as_json:
            click.echo(json.dumps(_outcome_json(outcome), ensure_ascii=False))
        else:
            click.echo(outcome.line, err=bool(outcome.error))
    written = sum(1 for o in outcomes if o.written)
    if written and not as_json:
        click.echo(f"{written} article{'s' if written > 1 else ''} added; {_NEXT}", err=True)
    if any(o.error for o in outcomes):
        ctx.exit(1)  # each failure has had its one line


def _outcome_json(outcome: Any) -> dict[str, Any]:
    article = outcome.article
    return {
        "input": outcome.given,
        "written": str(outcome.written) if outcome.written else None,
        "duplicate_of": outcome.duplicate_of,
        "error": outcome.error,
        "title": article.title if article else None,
        "url": article.url if article else None,
    }


@corpus.command("remove")
@click.argument("articles", nargs=-1, required=True, metavar="SLUG_OR_URL...")
@click.pass_context
def corpus_remove(ctx: click.Context, articles: tuple[str, ...]) -> None:
    """Delete articles from the corpus, by file name (slug) or by URL."""
    from corpus.ingest import remove

    settings = _settings(ctx)
    missing = []
    for which in articles:
        removed = remove(settings.corpus_dir, which)
        if not removed:
            missing.append(which)
            click.echo(f"not in the corpus: {which}", err=True)
        for path in removed:
            click.echo(f"removed {path}")
    if len(missing) < len(articles):
        click.echo("run `newsbot index build` to stop answering from what was removed", err=True)
    if missing:
        raise click.ClickException(
            f"{len(missing)} of {len(articles)} not found in {settings.corpus_dir}"
        )


# ---------------------------------------------------------------- feeds


@click.group()
def feeds() -> None:
    """Follow RSS and Atom feeds: each new item's page is added to the corpus once.

    \b
    Examples:
      newsbot feeds add https://example.org/news/rss.xml
      newsbot feeds update
      newsbot feeds list
    `newsbot serve` updates them every NEWSBOT_FEEDS_INTERVAL_SECONDS (default 900).
    """


def _store(settings: Settings) -> Any:
    from corpus.feeds import FeedStore

    return FeedStore(settings.feeds_db)


@feeds.command("add")
@click.argument("url")
@click.pass_context
def feeds_add(ctx: click.Context, url: str) -> None:
    """Follow a feed (checked to be one first); `feeds update` adds its items."""
    from corpus.errors import IngestError
    from corpus.feeds import fetch_feed

    settings = _settings(ctx)
    with _fetcher(settings) as fetcher:
        try:
            title, entries = fetch_feed(fetcher, url)
        except IngestError as exc:
            raise click.ClickException(f"not added: {exc}") from exc
    if not _store(settings).add(url, title):
        click.echo(f"already following {url}")
        return
    note = f"{len(entries)} items" if entries else "no items yet"
    click.echo(f"following {url} ({title or 'untitled'}, {note}); `newsbot feeds update` adds them")


@feeds.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_context
def feeds_list(ctx: click.Context, as_json: bool) -> None:
    """The feeds followed, when each was last checked and what it gave."""
    from dataclasses import asdict

    followed = _store(_settings(ctx)).feeds()
    for feed in followed:
        if as_json:
            click.echo(json.dumps(asdict(feed), ensure_ascii=False))
            continue
        state = (
            f"failed: {feed.last_error}"
            if feed.last_error
            else f"checked {feed.checked_at or 'never'}"
        )
        click.echo(f"{feed.url}  {feed.title or ''}")
        click.echo(f"    {feed.articles} articles from {feed.items} items; {state}")
    if not followed and not as_json:
        click.echo("no feeds yet: newsbot feeds add URL")


@feeds.command("remove")
@click.argument("url")
@click.pass_context
def feeds_remove(ctx: click.Context, url: str) -> None:
    """Stop following a feed (its articles stay in the corpus)."""
    if not _store(_settings(ctx)).remove(url):
        raise click.ClickException(f"not following {url}")
    click.echo(f"stopped following {url}; its articles stay (newsbot corpus remove SLUG)")


@feeds.command("update")
@click.argument("urls", nargs=-1, metavar="[URL...]")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per feed.")
@click.pass_context
def feeds_update(ctx: click.Context, urls: tuple[str, ...], as_json: bool) -> None:
    """Fetch every feed (or the given ones) and add the items not seen before."""
    from bot.ingest import make_ingestor
    from corpus.feeds import update_feeds

    settings = _settings(ctx)
    store = _store(settings)
    with _fetcher(settings) as fetcher:
        reports = update_feeds(store, fetcher, make_ingestor(settings, fetcher), urls)
    for report in reports:
        if as_json:
            click.echo(json.dumps(_report_json(report), ensure_ascii=False))
            continue
        click.echo(report.line, err=bool(report.error))
        for outcome in [*report.added, *report.failed]:
            click.echo(f"  {outcome.line}", err=bool(outcome.error))
    added = sum(1 for r in reports for o in r.added if o.written)
    if added and not as_json:
        click.echo(f"{added} articles added; {_NEXT}", err=True)
    if not reports and not as_json:
        click.echo("no feeds to update: newsbot feeds add URL", err=True)
    if any(r.error for r in reports):
        ctx.exit(1)  # each failed feed has had its one line; the others were updated


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "feed": report.url,
        "title": report.title,
        "not_modified": report.not_modified,
        "items": report.items,
        "added": [str(o.written) for o in report.added if o.written],
        "duplicates": [o.duplicate_of for o in report.added if o.duplicate_of],
        "failed": [{"link": o.given, "error": o.error} for o in report.failed],
        "already_seen": report.already,
        "error": report.error,
    }
