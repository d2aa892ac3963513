"""News from a feed reaches users: a feed served on loopback is followed and updated, its
articles indexed and answered in Telegram (the real bot over the fake Bot API) with links to
their pages; `newsbot serve` keeps updating it by itself; an item that leaves the feed stays
answerable until a maintainer removes its article."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.engine import Engine
from index.builder import build_index
from tests.conftest import SEED_ARTICLES, make_settings
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.web import FakeWeb, Route, rss

pytestmark = pytest.mark.e2e


FERRY_Q = "How long does the harbour crossing take on the electric ferry?"
LIBRARY_Q = "How many books does the old mill library hold?"
GERMAN_Q = "Wie viel kosten die neuen Radwege?"
_users = itertools.count(70_100)


def ask(fake: FakeTelegram, text: str) -> Any:
    user = next(_users)
    fake.send_text(text, user_id=user)
    return fake.wait_for_messages(1, user, timeout=60)[0]


def publish_feed(web: FakeWeb, version: str, *pages: str) -> str:
    items = [(p, web.url(f"/news/{p}.html"), f"urn:item:{p}") for p in pages]
    return web.route(
        "/feed.xml", Route(rss(items), content_type="application/rss+xml", etag=f'"{version}"')
    )


def test_a_feed_is_followed_indexed_answered_and_kept_current_by_serve(
    fake: FakeTelegram, tmp_path: Path, embedder: Any
):
    articles = tmp_path / "articles"
    shutil.copytree(SEED_ARTICLES, articles)
    index_dir = tmp_path / "index"
    env = {
        "NEWSBOT_CORPUS_DIR": str(articles),
        "NEWSBOT_FEEDS_DB": str(tmp_path / "var" / "feeds.sqlite3"),
        "NEWSBOT_FETCH_ALLOW_PRIVATE": "1",
    }

    def newsbot(*args: str) -> Any:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    with FakeWeb() as web:
        for page in ("harbour-ferry", "library-reopens", "radwege"):
            web.fixture(f"/news/{page}.html", f"{page}.html")
        feed = publish_feed(web, "v1", "harbour-ferry", "radwege")
        assert newsbot("feeds", "add", feed).exit_code == 0
        first = newsbot("feeds", "update", "--json")
        assert len(json.loads(first.stdout)["added"]) == 2, first.output
        second = newsbot("feeds", "update", "--json")
        assert json.loads(second.stdout)["not_modified"] and second.exit_code == 0
        build_index(articles, index_dir, embedder)

        state = {"feeds_db": tmp_path / "var" / "feeds.sqlite3", "fetch_allow_private": True}
        settings = make_settings(index_dir, **state).model_copy(update={"corpus_dir": articles})
        engine = Engine(settings, embedder=embedder)
        served = bot_settings(
            fake, index_dir, tmp_path, feeds_interval_seconds=0.5, reload_check_seconds=0.2, **state
        ).model_copy(update={"corpus_dir": articles})
        bot = RunningBot(served, engine).start()
        try:
            ferry = ask(fake, FERRY_Q)
            assert "nine minutes" in ferry.text
            assert f'href="{web.url("/news/harbour-ferry.html")}"' in ferry.html
            german = ask(fake, GERMAN_Q)
            assert "21 Millionen Euro" in german.text
            assert f'href="{web.url("/news/radwege.html")}"' in german.html

            # The feed moves on: the ferry item leaves it, the library item arrives.
            publish_feed(web, "v2", "radwege", "library-reopens")
            fake.wait_until(
                lambda: len(bot.engine.articles) == 4,
                timeout=120,
                description="serve added the new item and swapped the index in",
            )
            library = ask(fake, LIBRARY_Q)
            assert "42,000" in library.text
            assert f'href="{web.url("/news/library-reopens.html")}"' in library.html
            assert "nine minutes" in ask(fake, FERRY_Q).text  # gone from the feed, still known

            removed = newsbot("corpus", "remove", web.url("/news/harbour-ferry.html"))
            assert removed.exit_code == 0 and "electric-ferry" in removed.stdout
            build_index(articles, index_dir, embedder)
            fake.wait_until(
                lambda: len(bot.engine.articles) == 3,
                timeout=60,
                description="the rebuilt index swapped in",
            )
            assert "nine minutes" not in ask(fake, FERRY_Q).text
        finally:
            bot.stop()
    assert fake.rejected_calls() == []
