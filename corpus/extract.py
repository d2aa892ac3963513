"""Web page -> article: body paragraphs and metadata, by trafilatura plus general furniture rules.

trafilatura finds the article's container and its metadata (title, author, date via htmldate,
site name, canonical URL); the rules in `corpus/furniture.py` then drop what news pages leave
inside that container (the headline again, teasers of other stories, calls to subscribe).
Paragraphs stay the page's own blocks: answers cite them.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from corpus.continuation import add_continuations
from corpus.decode import decode_html
from corpus.errors import ExtractionError
from corpus.furniture import Block, clean_blocks
from corpus.titles import headline, page_titles

logger = logging.getLogger(__name__)

# Part of the key of cached extractions (corpus/html_files.py): change it with the rules.
EXTRACTION_VERSION = "1"
MIN_ARTICLE_WORDS = 40
PRECISE_MIN_SHARE = 0.5  # less than this is a home page, an error page or a stub, not an article
_SPACE = re.compile(r"\s+")
_BREAK = "\x00"  # an <lb/>; newlines in the page's source are only whitespace
_LANG = re.compile(r"^[a-zA-Z]{2,3}\b")


@dataclass(frozen=True, slots=True)
class Extracted:
    title: str
    source: str | None  # the publisher (site name)
    author: str | None
    date: str | None  # ISO 8601 date of publication
    url: str | None  # canonical URL
    language: str
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "source": self.source,
            "author": self.author,
            "date": self.date,
            "url": self.url,
            "language": self.language,
            "text": self.text,
            "paragraphs": list(self.paragraphs),
        }


@dataclass(frozen=True, slots=True)
class Stages:
    """The steps beyond trafilatura's own extraction; all of them in the product (the benchmark
    turns them off one at a time to show what each adds, on both halves of its pages)."""

    precision_first: bool = True
    continuations: bool = True
    furniture: bool = True


class Extractor:
    """Loaded once (trafilatura's settings, the language identifier), used for many pages."""

    def __init__(self, stages: Stages | None = None) -> None:
        import trafilatura  # noqa: F401 - imported here: `newsbot --help` stays instant
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        self.stages = stages or Stages()
        self._langid = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def extract(self, page: str | bytes, url: str | None = None) -> Extracted:
        """The article in `page` (HTML text or bytes); ExtractionError when there is none."""
        from trafilatura.utils import load_html

        html = decode_html(page) if isinstance(page, bytes) else page
        tree = load_html(html)
        if tree is None:
            raise ExtractionError("not an HTML page")
        declared = _declared_language(tree)
        html_title, h1 = page_titles(tree)
        page_tree = copy.deepcopy(tree)  # trafilatura prunes the tree it is given
        doc = _trafilatura(copy.deepcopy(tree), url, favor_precision=False)
        if doc is None or doc.body is None:
            raise ExtractionError("no article text found (a home page, an index or an error page?)")
        source = _clean(doc.sitename or "") or _host(doc.url or url)
        title = headline(_clean(doc.title or ""), source, doc.url or url, html_title, h1)
        blocks = self._blocks(tree, page_tree, url, _blocks(doc.body))
        paragraphs = (
            [b.text for b in clean_blocks(blocks, title, h1)]
            if self.stages.furniture
            else [b.text for b in blocks]
        )
        words = sum(len(p.split()) for p in paragraphs)
        if words < MIN_ARTICLE_WORDS:
            raise ExtractionError(
                f"no article found: {words} words of text (a home page, an index or an error page?)"
            )
        return Extracted(
            title=title or paragraphs[0][:120],
            source=source,
            author=_clean(doc.author or "") or None,
            date=(doc.date or "")[:10] or None,
            url=_canonical(doc.url, url),
            language=self._language(" ".join(paragraphs), declared),
            paragraphs=tuple(paragraphs),
        )

    def _blocks(
        self, tree: Any, page_tree: Any, url: str | None, blocks: list[Block]
    ) -> list[Block]:
        if self.stages.precision_first:
            precise = _trafilatura(tree, url, favor_precision=True)
            if precise is not None and precise.body is not None:
                # trafilatura's precision mode leaves out more furniture, and on some layouts
                # most of the article: keep it unless it lost most of what the default found.
                narrow = _blocks(precise.body)
                if _word_count(narrow) >= PRECISE_MIN_SHARE * _word_count(blocks):
                    blocks = narrow
        if self.stages.continuations:
            blocks = add_continuations(page_tree, blocks)
        return blocks

    def _language(self, text: str, declared: str | None) -> str:
        """The body's language as identified; the page's declaration when identification is
        unsure (short texts)."""
        guess, confidence = self._langid.classify(text[:5000])
        if confidence >= 0.9 or declared is None:
            return str(guess)
        return declared


def _trafilatura(tree: Any, url: str | None, *, favor_precision: bool) -> Any:
    import trafilatura

    return trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=favor_precision,
        include_comments=False,  # readers' comments are not the article
        include_links=True,  # link text tells teasers of other pages from prose
        include_tables=True,
        with_metadata=True,
    )


def _word_count(blocks: list[Block]) -> int:
    return sum(len(b.text.split()) for b in blocks)


def _blocks(body: Any) -> list[Block]:
    """trafilatura's XML body as blocks: paragraphs, headings, quotes, list items, table rows."""
    blocks: list[Block] = []
    _walk(body, blocks)
    return blocks


_BLOCK_TAGS = frozenset({"p", "head", "quote", "code", "item"})


def _walk(element: Any, blocks: list[Block]) -> None:
    """Blocks in document order; containers (a fallback's <div>s, a quote of paragraphs) are
    walked into, so no text is lost to the shape of the tree."""
    for child in element:
        tag = child.tag
        if tag == "row":
            cells = [_clean("".join(cell.itertext())) for cell in child]
            text = " ".join(c for c in cells if c)
            if text:
                linked = sum(len(_clean("".join(r.itertext()))) for r in child.iter("ref"))
                blocks.append(Block(text, "row", min(1.0, linked / len(text))))
        elif tag in _BLOCK_TAGS and not any(d.tag in _BLOCK_TAGS for d in child.iterdescendants()):
            blocks.extend(Block(text, tag, share) for text, share in _lines(child))
        elif isinstance(tag, str):
            if _clean(child.text or ""):
                blocks.append(Block(_clean(child.text), tag, 0.0))
            _walk(child, blocks)
        if _clean(child.tail or ""):
            blocks.append(Block(_clean(child.tail), "p", 0.0))


def _lines(element: Any) -> list[tuple[str, float]]:
    """A block's text split at its line breaks (<lb/>: lists typed as lines, datelines), each
    line with the share of it that is link text."""
    segments: list[tuple[str, bool]] = []
    _segments(element, False, segments)
    lines: list[tuple[str, float]] = []
    for line in _split_lines(segments):
        text = _clean("".join(t for t, _ in line))
        if text:
            linked = sum(len(t.strip()) for t, in_link in line if in_link)
            total = sum(len(t.strip()) for t, _ in line)
            lines.append((text, min(1.0, linked / max(total, 1))))
    return lines


def _segments(element: Any, in_link: bool, out: list[tuple[str, bool]]) -> None:
    inside = in_link or element.tag == "ref"
    if element.tag == "lb":
        out.append((_BREAK, False))
    elif element.text:
        out.append((element.text, inside))
    for child in element:
        _segments(child, inside, out)
        if child.tail:
            out.append((child.tail, inside))


def _split_lines(segments: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    lines: list[list[tuple[str, bool]]] = [[]]
    for text, in_link in segments:
        parts = text.split(_BREAK)
        for n, part in enumerate(parts):
            if n:
                lines.append([])
            lines[-1].append((part, in_link))
    return lines


def _declared_language(tree: Any) -> str | None:
    for value in (
        tree.get("lang"),
        tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
        *tree.xpath("//meta[@http-equiv='content-language' or @name='language']/@content"),
        *tree.xpath("//meta[@property='og:locale']/@content"),
    ):
        match = _LANG.match(value or "")
        if match:
            return match.group().lower()
    return None


def _canonical(found: str | None, fetched: str | None) -> str | None:
    """The page's canonical URL, unless it is missing, relative, or just the site's home page
    (templates that link every article to the front page)."""
    if not found or urlsplit(found).scheme not in ("http", "https"):
        return fetched
    if fetched and not urlsplit(found).path.strip("/") and urlsplit(fetched).path.strip("/"):
        return fetched
    return found


def _host(url: str | None) -> str | None:
    host = urlsplit(url or "").hostname
    return host.removeprefix("www.") if host else None


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
