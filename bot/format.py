"""Answer -> what people read: Telegram HTML (escaped, split under 4096) and plain text.

Both renderings come from the same pieces, so the terminal chat, `newsbot ask` and
Telegram say the same thing.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.i18n import phrase
from bot.outcome import Answer, Reason, Status

if TYPE_CHECKING:
    from bot.answerline import AnswerLine
    from index.search import Hit

TELEGRAM_LIMIT = 4096
MAX_LISTED_ARTICLES = 5
QUOTE_MARKS = '“”«»„"'  # a line already quoting someone is not put in quotation marks again
# The quotation marks of the words' language ("en" and any other: “ ”).
QUOTING = {"ru": ("«", "»"), "uk": ("«", "»"), "de": ("„", "“")}
LINE_LIMIT = 400  # characters of the answer line (a whole long sentence at most)

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
    """ "⚖️ Disputed: A says “...”; B: “...”" in the sources' own words, when two named
    sources in the reply contradict each other on what was asked."""
    if not answer.contests:
        return None
    contest = answer.contests[0]
    claimant = contest.claimant or _name(contest.claim)
    denier = contest.denier or _name(contest.denial)
    if contest.what and contest.denied:
        return phrase("disputed_what", answer.language).format(
            claimant=claimant, claim=contest.what, denier=denier, denial=contest.denied
        )
    return phrase("disputed", answer.language).format(claimed=claimant, denied=denier)


def _name(hit: Hit) -> str:
    return hit.passage.speaker.name if hit.passage.speaker else ""


def opening_line(answer: Answer) -> AnswerLine | None:
    """The answer's opening line (made from its best passage if the answer has none yet)."""
    if answer.status is not Status.ANSWERED or not answer.hits:
        return None
    if answer.line is not None:
        return answer.line
    from bot.answerline import answer_line  # the core's reader: loaded with the engine

    return answer_line(answer.question, answer.hits[0], answer.language)


def answer_text(answer: Answer) -> str | None:
    """The opening line as plain text: “the words” — who says them, paragraph N."""
    line = opening_line(answer)
    if line is None:
        return None
    who = line.speaker or phrase("the_article", answer.language)
    opening, closing = QUOTING.get(line.hit.passage.language, ("“", "”"))
    quoted = any(m in line.text for m in QUOTE_MARKS)
    words = line.text if quoted else f"{opening}{line.text}{closing}"
    return f"{words} — {who}, {phrase('paragraph', answer.language)} {line.paragraph}"


def _articles(hits: Sequence[Hit]) -> list[Hit]:
    """One hit per article the reply cites, in order of first citation."""
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.passage.article_id, hit)
    return list(seen.values())


def article_line(hit: Hit) -> str:
    """Title, outlet and date of a cited article (plain text; the url beside the title)."""
    passage = hit.passage
    title = passage.title + (f" <{passage.url}>" if passage.url else "")
    details = [d for d in (passage.source, _date(passage.date)) if d]
    return " — ".join([title, " · ".join(details)]) if details else title


def _where(hit: Hit, marks: Mapping[str, int], language: str) -> str:
    """ "paragraph 9", and which article ("[2]") when the reply cites several."""
    where = f"{phrase('paragraph', language)} {hit.passage.paragraph}"
    mark = marks.get(hit.passage.article_id)
    return f"{where} [{mark}]" if mark else where


def _marks(hits: Sequence[Hit]) -> dict[str, int]:
    cited = _articles(hits)
    if len(cited) < 2:
        return {}
    return {h.passage.article_id: n for n, h in enumerate(cited, start=1)}


def to_plain(answer: Answer, articles: Sequence[ArticleInfo] = ()) -> str:
    """The reply as plain text (terminal chat and the JSON `text` field): the answer line,
    the passages with who says them and their paragraph, then the article(s) once."""
    if answer.status is not Status.ANSWERED:
        return _not_answered(answer, articles, lambda s: s, "- ")
    language = answer.language
    marks = _marks(answer.hits)
    blocks = [
        f"{speaker_line(h, language)}:\n  {h.passage.text}\n  ({_where(h, marks, language)})"
        for h in answer.hits
    ]
    cited = _articles(answer.hits)
    if len(cited) == 1:
        footer = f"{phrase('source', language)}: {article_line(cited[0])}"
    else:
        footer = f"{phrase('sources', language)}:\n" + "\n".join(
            f"[{n}] {article_line(h)}" for n, h in enumerate(cited, start=1)
        )
    head = [x for x in (dispute_line(answer), answer_text(answer)) if x]
    return "\n\n".join([*head, *blocks, footer])


def to_html(answer: Answer, articles: Sequence[ArticleInfo] = ()) -> list[str]:
    """The reply as Telegram HTML messages, each under the 4096-character limit: the answer
    line, each passage (answering sentence in bold, who and paragraph), the article once."""
    if answer.status is not Status.ANSWERED:
        return [_not_answered(answer, articles, html.escape, "• ")]
    language = answer.language
    marks = _marks(answer.hits)
    head = []
    header = dispute_line(answer)
    if header:
        head.append(f"<b>{html.escape(header)}</b>")
    line = opening_line(answer)
    if line is not None:
        head.append(line_html(answer, line))
    blocks = [
        hit_html(h, language=language, where=_where(h, marks, language), title=False)
        for h in answer.hits
    ]
    cited = _articles(answer.hits)
    footer = "\n".join(
        "📰 " + (f"[{marks[h.passage.article_id]}] " if marks else "") + article_html(h)
        for h in cited
    )
    return split_messages([*head, *blocks, footer])


def line_html(answer: Answer, line: AnswerLine) -> str:
    """The answer line in HTML: the words in bold, who says them and the paragraph."""
    who = line.speaker or phrase("the_article", answer.language)
    where = f"{phrase('paragraph', answer.language)} {line.paragraph}"
    words = html.escape(_shorten(line.text, LINE_LIMIT))
    return f"<b>{words}</b>\n— <i>{html.escape(who)}</i>, {where}"


def article_html(hit: Hit) -> str:
    """The cited article: its title (a link when it has a url), outlet and date."""
    passage = hit.passage
    title = html.escape(passage.title)
    if passage.url:
        title = f'<a href="{html.escape(passage.url, quote=True)}">{title}</a>'
    details = [d for d in (passage.source, _date(passage.date)) if d]
    return " · ".join([title, *(html.escape(d) for d in details)])


def hit_html(
    hit: Hit,
    limit: int = TELEGRAM_LIMIT,
    language: str = "en",
    where: str | None = None,
    title: bool = True,
) -> str:
    """One passage: the quote with its answering sentence in bold, then who and where.

    With `title` (a passage shown on its own, as in "More sources") the article's title,
    outlet and date follow; in a reply they come once at the end instead, and `where` is
    the paragraph (and article mark) alone.
    """
    passage, highlight = hit.passage, hit.highlight
    text = passage.text
    # Sentences are normalised substrings of the passage text, so find() locates them.
    at = text.find(highlight.text) if len(passage.sentences) > 1 else -1
    end = at + len(highlight.text)
    who = f"🗣 <i>{html.escape(speaker_line(hit, language))}</i>"
    if title:
        footer = f"{who}\n📰 {article_html(hit)} · {html.escape(_where(hit, {}, language))}"
    else:
        footer = f"{who} · {html.escape(where or _where(hit, {}, language))}"
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
    line = opening_line(answer)
    items = []
    for n, hit in enumerate(answer.hits):
        # The first result opens with the answer line, as a reply does; the others are the
        # further passages, each as its own quote.
        head = [f"<b>{html.escape(header)}</b>"] if header else []
        said = hit.highlight.text
        if n == 0 and line is not None:
            head.append(line_html(answer, line))
            said = line.text
        message = "\n\n".join([*head, hit_html(hit, language=answer.language)])
        title = f"{speaker_line(hit, answer.language)}: {said}"
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
        "answer": answer_text(answer),  # the opening line, plain text (null: not answered)
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
                "denial_text": c.denied or None,  # a verbatim phrase of its denial
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
