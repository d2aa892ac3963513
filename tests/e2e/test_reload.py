"""A rebuilt index reaches users without a restart: by an admin's /reload, or by itself; a
broken build is refused while the old index keeps answering; no question is dropped."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from index.builder import build_index
from index.store import new_build_dir, publish
from tests.conftest import make_settings
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e

ADMIN = 60_009
ASK = "How many Wagner fighters were killed in combat over the last few weeks?"
NEW_QUESTION = "Which yacht won the first Lunar Regatta?"
NEW_ARTICLE = """---
title: Selene wins the first Lunar Regatta
url: https://example.org/news/lunar-regatta?id=7&lang=en
date: 2031-06-14
source: Example Gazette
language: en
---
The first Lunar Regatta was won by the Norwegian yacht Selene, which finished the 40-kilometre night course off Bergen in three hours and twelve minutes.

“We trained for two years for this race under the full moon,” said Ingrid Solberg, the skipper of Selene.

Organisers said 28 boats from 11 countries took part in the regatta, which will be held again next summer.
"""  # noqa: E501 - article paragraphs are single lines

_users = itertools.count(60_100)


def ask(fake: FakeTelegram, text: str, user: int | None = None) -> Any:
    user = next(_users) if user is None else user
    before = len(fake.sent_messages(user))
    fake.send_text(text, user_id=user)
    return fake.wait_for_messages(before + 1, user, timeout=60)[before]


@pytest.fixture()
def index_dir(articles_copy: Path, tmp_path: Path, embedder: Any) -> Path:
    target = tmp_path / "index"
    build_index(articles_copy, target, embedder)
    return target


def start(
    fake: FakeTelegram, index_dir: Path, tmp_path: Path, embedder: Any, **kw: Any
) -> RunningBot:
    engine = Engine(make_settings(index_dir), embedder=embedder)
    settings = bot_settings(fake, index_dir, tmp_path, admin_ids=frozenset({ADMIN}), **kw)
    return RunningBot(settings, engine).start()


def test_admin_reload_swaps_in_a_rebuilt_index_without_dropping_questions(
    fake: FakeTelegram, index_dir: Path, articles_copy: Path, tmp_path: Path, embedder: Any
):
    bot = start(fake, index_dir, tmp_path, embedder)
    try:
        assert "do not cover" in ask(fake, NEW_QUESTION).text
        (articles_copy / "lunar-regatta.md").write_text(NEW_ARTICLE, encoding="utf-8")
        build_index(articles_copy, index_dir, embedder)

        assert "only the bot's admins" in ask(fake, "/reload").text
        askers = [next(_users) for _ in range(12)]
        for user in askers:  # questions in flight while the index is swapped
            fake.send_text(ASK, user_id=user)
        reloaded = ask(fake, "/reload", ADMIN)
        assert reloaded.text.startswith("New index loaded") and "2 articles" in reloaded.text
        for user in askers:
            (reply,) = fake.wait_for_messages(1, user, timeout=60)
            assert "1,000" in reply.text

        answer = ask(fake, NEW_QUESTION)
        assert "Selene" in answer.text and "Selene wins the first Lunar Regatta" in answer.text
        link = 'href="https://example.org/news/lunar-regatta?id=7&amp;lang=en"'
        assert link in answer.html  # the article title links to it, escaped
        sources = ask(fake, "/sources")
        assert "The articles I know (2)" in sources.text and link in sources.html
        assert "Example Gazette" in sources.text
    finally:
        bot.stop()
    assert fake.rejected_calls() == []


def test_bot_picks_up_a_new_index_by_itself(
    fake: FakeTelegram, index_dir: Path, articles_copy: Path, tmp_path: Path, embedder: Any
):
    bot = start(fake, index_dir, tmp_path, embedder, reload_check_seconds=0.1)
    try:
        (articles_copy / "lunar-regatta.md").write_text(NEW_ARTICLE, encoding="utf-8")
        build_index(articles_copy, index_dir, embedder)
        fake.wait_until(lambda: len(bot.engine.articles) == 2, timeout=30, description="reload")
        assert "Selene" in ask(fake, NEW_QUESTION).text
    finally:
        bot.stop()


def test_a_broken_index_is_refused_and_the_old_one_keeps_answering(
    fake: FakeTelegram, index_dir: Path, tmp_path: Path, embedder: Any
):
    bot = start(fake, index_dir, tmp_path, embedder)
    try:
        broken = new_build_dir(index_dir)
        (broken / "manifest.json").write_text("{not json", encoding="utf-8")
        publish(broken, index_dir)
        reply = ask(fake, "/reload", ADMIN)
        assert reply.text.startswith("Reload failed, still serving the previous index")
        assert "1,000" in ask(fake, ASK).text
    finally:
        bot.stop()
