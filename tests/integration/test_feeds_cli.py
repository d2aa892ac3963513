"""`newsbot feeds add|list|remove|update` against feeds served from loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from tests.fakes.web import FakeWeb, Route, atom, http_date, rss


@pytest.fixture()
def web() -> Iterator[FakeWeb]:
    with FakeWeb() as server:
        server.fixture("/news/harbour-ferry.html", "harbour-ferry.html")
        server.fixture("/news/library-reopens.html", "library-reopens.html")
        server.fixture("/news/radwege.html", "radwege.html")
        yield server


def newsbot(tmp: Path, *args: str) -> Result:
    env = {
        "NEWSBOT_CORPUS_DIR": str(tmp / "articles"),
        "NEWSBOT_FEEDS_DB": str(tmp / "var" / "feeds.sqlite3"),
        "NEWSBOT_FETCH_ALLOW_PRIVATE": "1",
        "NEWSBOT_FETCH_TIMEOUT_SECONDS": "2",
    }
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _rss_feed(web: FakeWeb, *pages: str, etag: str | None = '"v1"') -> str:
    items = [(p, web.url(f"/news/{p}.html"), f"urn:item:{p}") for p in pages]
    return web.route("/feed.xml", Route(rss(items), content_type="application/rss+xml", etag=etag))


def test_update_adds_each_item_once_and_the_second_update_adds_nothing(web, tmp_path):
    """A feed's items become corpus files on the first update; the second update asks with the
    feed's ETag, gets 304 Not Modified and adds nothing."""
    feed = _rss_feed(web, "harbour-ferry", "library-reopens")
    added = newsbot(tmp_path, "feeds", "add", feed)
    assert added.exit_code == 0 and "following" in added.stdout and "2 items" in added.stdout
    first = newsbot(tmp_path, "feeds", "update", "--json")
    assert first.exit_code == 0, first.output
    (report,) = [json.loads(line) for line in first.stdout.splitlines()]
    assert report["items"] == 2 and len(report["added"]) == 2 and report["error"] is None
    assert sorted(p.name for p in (tmp_path / "articles").glob("*.md")) == [
        "electric-ferry-cuts-harbour-crossing-to-nine-minutes.md",
        "old-mill-library-reopens-after-two-year-restoration.md",
    ]
    second = newsbot(tmp_path, "feeds", "update")
    assert second.exit_code == 0 and "not modified" in second.stdout
    last = web.hits_of("/feed.xml")[-1]
    assert last.headers.get("if-none-match") == '"v1"' and last.status == 304
    assert len(list((tmp_path / "articles").glob("*.md"))) == 2
    assert not (tmp_path / "articles" / "feeds.sqlite3").exists()  # state lives under var/


def test_items_already_seen_are_not_added_again_without_conditional_get(web, tmp_path):
    """A server that ignores conditional requests sends the whole feed again: items seen
    before are skipped, a new one is added, and Last-Modified is sent back when given."""
    stamp = http_date(1_700_000_000)
    items = [("ferry", web.url("/news/harbour-ferry.html"), "urn:1")]
    web.route(
        "/atom.xml",
        Route(atom(items), content_type="application/atom+xml", headers={"Last-Modified": stamp}),
    )
    assert newsbot(tmp_path, "feeds", "add", web.url("/atom.xml")).exit_code == 0
    assert newsbot(tmp_path, "feeds", "update").exit_code == 0
    items.append(("radwege", web.url("/news/radwege.html"), "urn:2"))
    web.route("/atom.xml", Route(atom(items), content_type="application/atom+xml"))
    again = newsbot(tmp_path, "feeds", "update", "--json")
    (report,) = [json.loads(line) for line in again.stdout.splitlines()]
    assert report["already_seen"] == 1 and len(report["added"]) == 1
    assert report["added"][0].endswith("neue-radwege-stadt-baut-30-kilometer-bis-2027.md")
    assert web.hits_of("/atom.xml")[-1].headers.get("if-modified-since") == stamp


def test_a_failing_feed_is_reported_and_the_others_still_update(web, tmp_path):
    """Among a good feed, one answering 500 and one that is malformed, the good one's items
    are added; each bad one gets one line naming it, and the exit status is 1."""
    good = _rss_feed(web, "harbour-ferry")
    for path in ("/broken.xml", "/malformed.xml"):
        web.route(path, Route(rss([]), content_type="application/rss+xml"))
        assert newsbot(tmp_path, "feeds", "add", web.url(path)).exit_code == 0
    assert newsbot(tmp_path, "feeds", "add", good).exit_code == 0
    web.route("/broken.xml", Route(b"down", status=500))
    web.route("/malformed.xml", Route(b"<rss><channel><item><title>x</ti", content_type="text/xml"))
    result = newsbot(tmp_path, "feeds", "update")
    assert result.exit_code == 1
    assert f"feed {good}: 1 items, 1 new" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("feed ")]
    assert len(errors) == 2
    assert any("/broken.xml: failed: HTTP 500" in line for line in errors)
    assert any("/malformed.xml: failed: " in line and "feed" in line for line in errors)
    assert len(list((tmp_path / "articles").glob("*.md"))) == 1
    listing = newsbot(tmp_path, "feeds", "list").stdout
    assert "failed: HTTP 500" in listing and "1 articles from 1 items" in listing


def test_an_empty_feed_and_a_page_that_is_no_feed(web, tmp_path):
    """A valid feed without items says so; a web page is refused as a feed when added."""
    web.route("/empty.xml", Route(rss([]), content_type="application/rss+xml"))
    added = newsbot(tmp_path, "feeds", "add", web.url("/empty.xml"))
    assert added.exit_code == 0 and "no items yet" in added.stdout
    update = newsbot(tmp_path, "feeds", "update")
    assert update.exit_code == 0 and "the feed has no items" in update.stdout
    page = newsbot(tmp_path, "feeds", "add", web.url("/news/harbour-ferry.html"))
    assert page.exit_code == 1 and "not an RSS or Atom feed" in page.stderr
    assert len(page.stderr.strip().splitlines()) == 1


def test_a_removed_feed_leaves_its_articles_and_a_removed_article_stays_removed(web, tmp_path):
    """`feeds remove` stops following and keeps the articles; an article removed with
    `corpus remove` is not brought back by the next update of its feed."""
    feed = _rss_feed(web, "harbour-ferry", etag=None)
    assert newsbot(tmp_path, "feeds", "add", feed).exit_code == 0
    assert newsbot(tmp_path, "feeds", "update").exit_code == 0
    slug = "electric-ferry-cuts-harbour-crossing-to-nine-minutes"
    assert newsbot(tmp_path, "corpus", "remove", slug).exit_code == 0
    assert newsbot(tmp_path, "feeds", "update").exit_code == 0
    assert list((tmp_path / "articles").glob("*.md")) == []
    assert newsbot(tmp_path, "feeds", "remove", feed).exit_code == 0
    assert "no feeds yet" in newsbot(tmp_path, "feeds", "list").stdout
