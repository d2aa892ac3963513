"""Telegram renderings of the commands: /sources and /help (bot/commands.py)."""

from __future__ import annotations

from bot.commands import help_html, sources_html
from bot.format import TELEGRAM_LIMIT

ARTICLES = [
    {
        "id": "a",
        "title": "Wagner & <co>",
        "url": "https://x.org/a?b=1&c=2",
        "date": "2022-12-22",
        "source": "AP",
    },
    {"id": "b", "title": "No link", "url": None, "date": None, "source": None},
]


def test_sources_link_titles_with_urls_and_escape_everything():
    (text,) = sources_html(ARTICLES)
    assert (
        '<a href="https://x.org/a?b=1&amp;c=2">Wagner &amp; &lt;co&gt;</a> — AP, 22 Dec 2022'
        in text
    )
    assert "• No link" in text and "(2)" in text


def test_sources_split_under_the_telegram_limit():
    many = [{"id": str(i), "title": "T" * 200, "url": None} for i in range(100)]
    messages = sources_html(many)
    assert len(messages) > 1 and all(len(m) <= TELEGRAM_LIMIT for m in messages)


def test_sources_without_articles():
    assert sources_html([]) == ["I have no articles loaded at the moment."]


def test_help_lists_articles_and_says_how_to_ask_in_groups():
    private = help_html(ARTICLES, "newsbot_test_bot", group=False)
    group = help_html(ARTICLES, "newsbot_test_bot", group=True)
    assert "Wagner &amp; &lt;co&gt; (22 Dec 2022)" in private
    assert "Just send me a question" in private and "@newsbot_test_bot" in group
    assert "/ask" in group
