"""Answer -> what people read: Telegram HTML (escaped, split under 4096) and plain text.

Both renderings come from the same pieces, so the terminal chat, `newsbot ask` and
Telegram say the same thing.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.answer import Answer, Reason, Status
from bot.i18n import phrase
from index.search import Hit

TELEGRAM_LIMIT = 4096
MAX_LISTED_ARTICLES = 5

ArticleInfo = Mapping[str, Any]  # an entry of the manifest's "articles"


def speaker_line(hit: Hit, language: str = "en") -> str:
    """Who makes the answering claim: "Jane Doe, the council's treasurer, said", or the
    article's own narration. The answering sentence decides, not its neighbours."""
    speaker = hit.highlight.speaker
    if speaker is None:
        return phrase("narration", language)
    said = phrase("said", language)
    line = f"{speaker.label()}, {said}" if speaker.role else f"{speaker.name} {said}"
    return line[0].upper() + line[1:]


def source_line(hit: Hit, language: str = "en") -> str:
    """Outlet, date and paragraph: with the title, enough to find the passage again."""
    passage = hit.passage
    parts = [
        passage.source,
        _date(passage.date),
        f"{phrase('paragraph', language)} {passage.paragraph}",
    ]
    return " · ".join(p for p in parts if p)


def dispute_line(answer: Answer) -> str | None:
    """ "Disputed: claimed by X, denied by Y." when the shown passages contest each other."""
    if not answer.contests:
        return None

    def names(side: str) -> str:
        # The source the detector matched, else the passage's main speaker.
        found = []
        for contest in answer.contests:
            hit, name = (
                (contest.claim, contest.claimant)
                if side == "claim"
                else (
                    contest.denial,
                    contest.denier,
                )
            )
            found.append(name or (hit.passage.speaker.name if hit.passage.speaker else ""))
        unique = [n for n in dict.fromkeys(found) if n]
        return f" {phrase('and', answer.language)} ".join(unique)

    claimed, denied = names("claim"), names("denial")
    return phrase("disputed", answer.language).format(claimed=claimed, denied=denied)


def to_plain(answer: Answer, articles: Sequence[ArticleInfo] = ()) -> str:
    """The reply as plain text (terminal chat and the JSON `text` field)."""
    if answer.status is not Status.ANSWERED:
        return _not_answered(answer, articles, lambda s: s, "- ")
    language = answer.language
    blocks = [
        f"{speaker_line(h, language)}:\n  {h.passage.text}\n"
        f"{phrase('source', language)}: {h.passage.title}"
        + (f" <{h.passage.url}>" if h.passage.url else "")
        + f" — {source_line(h, language)}"
        for h in answer.hits
    ]
    header = dispute_line(answer)
    return "\n\n".join([header, *blocks] if header else blocks)


def to_html(answer: Answer, articles: Sequence[ArticleInfo] = ()) -> list[str]:
    """The reply as Telegram HTML messages, each under the 4096-character limit."""
    if answer.status is not Status.ANSWERED:
        return [_not_answered(answer, articles, html.escape, "• ")]
    header = dispute_line(answer)
    blocks = [hit_html(h, language=answer.language) for h in answer.hits]
    return split_messages([f"<b>{html.escape(header)}</b>", *blocks] if header else blocks)


def hit_html(hit: Hit, limit: int = TELEGRAM_LIMIT, language: str = "en") -> str:
    """One passage: the quote with its answering sentence in bold, then who and where."""
    passage, highlight = hit.passage, hit.highlight
    text = passage.text
    # Sentences are normalised substrings of the passage text, so find() locates them.
    at = text.find(highlight.text) if len(passage.sentences) > 1 else -1
    end = at + len(highlight.text)
    title = html.escape(passage.title)
    if passage.url:
        title = f'<a href="{html.escape(passage.url, quote=True)}">{title}</a>'
    footer = (
        f"🗣 <i>{html.escape(speaker_line(hit, language))}</i>\n"
        f"📰 {title} · {html.escape(source_line(hit, language))}"
    )
    while True:
        if at >= 0:
            quote = "".join(
                (
                    html.escape(text[:at]),
                    "<b>",
                    html.escape(text[at:end]),
                    "</b>",
                    html.escape(text[end:]),
                )
            )
        else:
            quote = html.escape(text)
        block = f"<blockquote>{quote}</blockquote>\n{footer}"
        if len(block) <= limit or len(text) < 20:
            return block
        # Absurdly long text: shorten the plain text (never the markup) and try again.
        text = text[: len(text) // 2].rstrip() + "…"
        at, end = (at, min(end, len(text))) if 0 <= at < len(text) else (-1, -1)


@dataclass(frozen=True)
class InlineItem:
    """One inline-mode result: what the picker shows, and the message it sends."""

    id: str
    title: str
    description: str
    html: str


def inline_items(answer: Answer, articles: Sequence[ArticleInfo] = ()) -> list[InlineItem]:
    """Inline results: one per shown passage (attributed), or one saying it is not covered."""
    if answer.status is not Status.ANSWERED:
        message = to_html(answer, articles)[0]
        title = phrase(str(answer.reason or Reason.NOT_COVERED), answer.language)
        return [InlineItem("none", _shorten(title, 64), "", message)]
    header = dispute_line(answer)
    items = []
    for hit in answer.hits:
        block = hit_html(hit, language=answer.language)
        message = f"<b>{html.escape(header)}</b>\n\n{block}" if header else block
        title = f"{speaker_line(hit, answer.language)}: {hit.highlight.text}"
        description = f"{hit.passage.title} · {source_line(hit, answer.language)}"
        items.append(
            InlineItem(f"p{hit.row}", _shorten(title, 120), _shorten(description, 200), message)
        )
    return items


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def split_messages(blocks: Sequence[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Join blocks into as few messages as fit; a block is never cut (blocks are < limit)."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
        else:
            messages.append(current)
            current = block
    if current:
        messages.append(current)
    return messages


def articles_list(articles: Sequence[ArticleInfo], escape: Any = html.escape) -> str:
    lines = []
    for article in articles[:MAX_LISTED_ARTICLES]:
        date = _date(article.get("date"))
        lines.append(escape(article["title"]) + (f" ({date})" if date else ""))
    if len(articles) > MAX_LISTED_ARTICLES:
        lines.append(f"… and {len(articles) - MAX_LISTED_ARTICLES} more (/sources)")
    return "\n".join(lines)


def more_html(hits: Sequence[Hit], first: int, total: int, language: str = "en") -> list[str]:
    """Further passages for 'More sources': a header ("4–6 of 9"), then the passages."""
    last = first + len(hits) - 1
    span = f"{first}" if last == first else f"{first}–{last}"
    blocks = [hit_html(h, language=language) for h in hits]
    return split_messages([f"<b>More sources</b> ({span} of {total})", *blocks])


def sources_html(articles: Sequence[ArticleInfo]) -> list[str]:
    """/sources: every article, its title linked when it has a url, with outlet and date."""
    if not articles:
        return ["I have no articles loaded at the moment."]
    lines = [f"<b>The articles I know</b> ({len(articles)}):"]
    for article in articles:
        title = html.escape(str(article.get("title") or article.get("id") or "Untitled"))
        if article.get("url"):
            title = f'<a href="{html.escape(str(article["url"]), quote=True)}">{title}</a>'
        details = [str(d) for d in (article.get("source"), _date(article.get("date"))) if d]
        lines.append(f"• {title}" + (f" — {html.escape(', '.join(details))}" if details else ""))
    return split_messages(lines)


def help_html(articles: Sequence[ArticleInfo], bot_username: str, group: bool) -> str:
    """/start and /help: what the bot knows and how to ask it."""
    how = (
        f"Mention me (<code>@{html.escape(bot_username)} your question</code>), reply to one "
        "of my messages, or use <code>/ask your question</code>."
        if group
        else "Just send me a question in a sentence. Follow-up questions work too."
    )
    known = articles_list(articles) if articles else "No articles are loaded yet."
    return (
        "I answer questions about news articles: I quote the passage that answers, with "
        "<b>the answering sentence in bold</b>, and say who said it and in which article.\n\n"
        f"<b>What I know about</b>\n{known}\n\n"
        f"<b>How to ask</b>\n{how}\n"
        "Under an answer, <b>More sources</b> shows further passages and 👍/👎 tell my "
        "maintainers whether it helped. If the articles do not cover something, I say so "
        "rather than guess.\n\n"
        "/sources – the articles, with links\n"
        "/new – start a new conversation\n"
        "/help – this message"
    )


def _not_answered(answer: Answer, articles: Sequence[ArticleInfo], escape: Any, bullet: str) -> str:
    language = answer.language
    text = escape(phrase(str(answer.reason or Reason.NOT_COVERED), language))
    if answer.reason in (Reason.NOT_COVERED, Reason.SMALL_TALK, Reason.LANGUAGE) and articles:
        listed = articles_list(articles, escape).splitlines()
        text += f"\n\n{escape(phrase('know_about', language))}\n" + "\n".join(
            bullet + line for line in listed
        )
    return text


def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).strftime("%-d %b %Y")
    except ValueError:
        return value


def to_json(answer: Answer, articles: Sequence[ArticleInfo] = ()) -> dict[str, Any]:
    """The `--json` contract: question, status, text, passages (fields only ever added).

    `passages` are those the answer offers, best first: the ones the reply shows
    (`"shown": true`), then those behind "More sources". `contested` lists disputes among
    them, by their positions in `passages`. `confidence` (0 to 1) is how sure the core is
    that the articles answer the question at all.
    """
    offered = answer.offered
    rows = [h.row for h in offered]
    shown = {h.row for h in answer.hits}
    return {
        "question": answer.question,
        "status": str(answer.status),
        "reason": str(answer.reason) if answer.reason else None,
        "confidence": round(answer.confidence, 4),
        "text": to_plain(answer, articles),
        "passages": [{**hit_json(h), "shown": h.row in shown} for h in offered],
        "contested": [
            {
                "claim": rows.index(c.claim.row),
                "denial": rows.index(c.denial.row),
                "claimed_by": c.claimant
                or (c.claim.passage.speaker.name if c.claim.passage.speaker else None),
                "denied_by": c.denier
                or (c.denial.passage.speaker.name if c.denial.passage.speaker else None),
                "subject": list(c.subject),
                "what": c.what or None,  # a verbatim phrase of the disputed claim
            }
            for c in answer.contests
        ],
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    passage = hit.passage
    speaker = hit.highlight.speaker
    return {
        "article_id": passage.article_id,
        "title": passage.title,
        "source": passage.source,
        "url": passage.url,
        "date": passage.date,
        "paragraph": passage.paragraph,
        "start": passage.start,
        "end": passage.end,
        "speaker": speaker.name if speaker else None,
        "speaker_role": speaker.role if speaker else None,
        "text": passage.text,
        "highlight": hit.highlight.text,
        "score": round(hit.score, 4),
    }
