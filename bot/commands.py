"""The bot's commands in one table: the menus Telegram shows (per scope and language) and the
/help and /sources texts, so that a menu and the help beside it can never disagree.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.format import split_messages
from bot.i18n import text

MAX_LISTED_ARTICLES = 5  # /help lists this many; /sources lists them all


class Scope(StrEnum):
    PRIVATE = "private"  # Telegram's default scope: private chats (and groups without a menu)
    GROUP = "group"  # all_group_chats
    ADMIN = "admin"  # an admin's own chat: the private menu plus the admin commands


@dataclass(frozen=True)
class Command:
    name: str
    private: bool = True
    group: bool = False
    admin_only: bool = False

    def description(self, language: str) -> str:
        return text(f"cmd_{self.name}", language)

    def shown_in(self, scope: Scope) -> bool:
        if scope is Scope.GROUP:
            return self.group and not self.admin_only
        if scope is Scope.PRIVATE:
            return self.private and not self.admin_only
        return self.private


COMMANDS: tuple[Command, ...] = (
    Command("ask", group=True),
    Command("sources", group=True),
    Command("new"),
    Command("help", group=True),
    Command("start"),
    Command("reload", admin_only=True),
)
NAMES = frozenset(c.name for c in COMMANDS)


def menu(scope: Scope, language: str = "en") -> list[tuple[str, str]]:
    """(command, description) pairs, in the table's order, for setMyCommands."""
    return [(c.name, c.description(language)) for c in COMMANDS if c.shown_in(scope)]


def help_html(
    articles: Sequence[Mapping[str, Any]], bot_username: str, group: bool, language: str = "en"
) -> str:
    """/start and /help: what the bot knows, how to ask it, and the commands of its menu."""
    how = (
        text("help_how_group", language, bot=html.escape(bot_username))
        if group
        else text("help_how_private", language)
    )
    known = _listed(articles, language) if articles else text("no_articles_yet", language)
    scope = Scope.GROUP if group else Scope.PRIVATE
    commands = "\n".join(
        f"/{name} – {html.escape(description)}" for name, description in menu(scope, language)
    )
    buttons = text("help_buttons", language, more=html.escape(text("more_sources", language)))
    return (
        f"{text('help_intro', language)}\n\n"
        f"<b>{text('help_known', language)}</b>\n{known}\n\n"
        f"<b>{text('help_how', language)}</b>\n{how}\n{buttons}\n\n"
        f"<b>{text('help_commands', language)}</b>\n{commands}"
    )


def sources_html(articles: Sequence[Mapping[str, Any]], language: str = "en") -> list[str]:
    """/sources: every article, its title linked when it has a url, with outlet and date."""
    if not articles:
        return [html.escape(text("no_articles", language))]
    lines = [f"<b>{html.escape(text('sources_header', language))}</b> ({len(articles)}):"]
    for article in articles:
        title = html.escape(str(article.get("title") or article.get("id") or "Untitled"))
        if article.get("url"):
            title = f'<a href="{html.escape(str(article["url"]), quote=True)}">{title}</a>'
        details = [str(d) for d in (article.get("source"), _date(article.get("date"))) if d]
        lines.append(f"• {title}" + (f" — {html.escape(', '.join(details))}" if details else ""))
    return split_messages(lines)


def _listed(articles: Sequence[Mapping[str, Any]], language: str) -> str:
    lines = []
    for article in articles[:MAX_LISTED_ARTICLES]:
        date = _date(article.get("date"))
        title = html.escape(str(article.get("title") or article.get("id") or "Untitled"))
        lines.append(title + (f" ({date})" if date else ""))
    if len(articles) > MAX_LISTED_ARTICLES:
        more = len(articles) - MAX_LISTED_ARTICLES
        lines.append(html.escape(text("more_articles", language, n=more)))
    return "\n".join(lines)


def _date(value: object) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%-d %b %Y")
    except ValueError:
        return str(value)
