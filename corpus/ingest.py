"""Adding news to the corpus: a file or URL -> extracted article -> corpus/<slug>.md, once.

An article already in the corpus (the same canonical URL, or near-identical text) is reported
and skipped. Nothing is written unless the whole article is: see corpus/writer.py.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from corpus.errors import ExtractionError, FetchError, IngestError
from corpus.extract import Extracted, Extractor
from corpus.fetch import Fetcher, Response
from corpus.library import Library
from corpus.writer import render, slugify, write_new

logger = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml", "")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")


@dataclass(frozen=True, slots=True)
class Source:
    """What was asked for: a URL or a file, and what it gave."""

    given: str
    url: str | None  # the URL fetched (after redirects), None for a file
    path: Path | None
    article: Extracted
    fetched: dt.datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    given: str
    written: Path | None = None
    duplicate_of: str | None = None  # the corpus file it repeats, and why
    error: str | None = None
    article: Extracted | None = None

    @property
    def line(self) -> str:
        """One line for the maintainer."""
        if self.error:
            return f"failed {self.given}: {self.error}"
        if self.duplicate_of:
            return f"skipped {self.given}: already in the corpus as {self.duplicate_of}"
        assert self.article is not None and self.written is not None
        return (
            f"added {self.written} ({self.article.title!r}, {len(self.article.paragraphs)} "
            f"paragraphs, {self.article.language})"
        )


def is_url(given: str) -> bool:
    return "://" in given or given.lower().startswith(("http:", "https:", "file:"))


class Ingestor:
    """Extracts pages (the extractor loaded once) and adds them to one corpus folder."""

    def __init__(self, corpus_dir: Path, fetcher: Fetcher, extractor: Extractor | None = None):
        self.corpus_dir = corpus_dir
        self.fetcher = fetcher
        self.extractor = extractor or Extractor()
        self._library: Library | None = None

    @property
    def library(self) -> Library:
        if self._library is None:
            self._library = Library.load(self.corpus_dir)
        return self._library

    def extract(self, given: str) -> Source:
        """Fetch or read `given` and extract its article; IngestError with one line if not."""
        fetched = dt.datetime.now(dt.UTC)
        if is_url(given):
            response = self.fetcher.get(given)
            _check_page(response)
            article = self.extractor.extract(_decoded(response), response.url)
            return Source(given, response.url, None, article, fetched)
        path = Path(given)
        try:
            page = path.read_bytes()
        except OSError as exc:
            raise IngestError(f"{given}: cannot be read ({exc.strerror})") from exc
        if page.startswith(b"%PDF-"):
            raise ExtractionError(f"{given}: a PDF, not a web page")
        return Source(given, None, path, self.extractor.extract(page), fetched)

    def add(
        self,
        given: str,
        source_name: str | None = None,
        *,
        url_hint: str | None = None,
        date_hint: str | None = None,
    ) -> Outcome:
        """Extract and write one article, unless it is already in the corpus.

        `url_hint` and `date_hint` come from a feed item: its link also identifies the
        article, and its date stands in when the page states none.
        """
        try:
            found = self.extract(given)
        except IngestError as exc:
            return Outcome(given, error=failure_reason(str(exc), given))
        if found.article.date is None and date_hint:
            found = replace(found, article=replace(found.article, date=date_hint))
        return self.add_extracted(found, source_name, url_hint=url_hint)

    def add_extracted(
        self, found: Source, source_name: str | None = None, *, url_hint: str | None = None
    ) -> Outcome:
        article = found.article
        urls = [
            u for u in (article.url, found.url, url_hint, found.given if found.url else None) if u
        ]
        duplicate = self.library.duplicate(urls, article.text)
        if duplicate:
            return Outcome(found.given, duplicate_of=duplicate, article=article)
        text = render(
            article,
            source=source_name,
            source_url=found.url or url_hint,
            source_file=found.path.name if found.path else None,
            fetched=found.fetched,
        )
        try:
            written = write_new(self.corpus_dir, slugify(article.title), text)
        except OSError as exc:
            return Outcome(found.given, error=f"cannot write to {self.corpus_dir} ({exc})")
        self.library.remember(written.stem, urls, article.text)
        logger.info("added %s from %s", written, found.given)
        return Outcome(found.given, written=written, article=article)


def remove(corpus_dir: Path, which: str) -> list[Path]:
    """Delete the corpus file(s) named `which` (a file name or slug) or holding it as their
    url / source_url; [] when none does."""
    library = Library.load(corpus_dir)
    paths = library.find(which)
    for path in paths:
        path.unlink()
    return paths


def _check_page(response: Response) -> None:
    kind = response.content_type
    if kind == "application/pdf" or response.body.startswith(b"%PDF-"):
        raise ExtractionError(f"{response.url}: a PDF, not a web page")
    if kind not in HTML_TYPES:
        raise ExtractionError(f"{response.url}: not a web page ({kind})")
    if not response.body.strip():
        raise ExtractionError(f"{response.url}: an empty page")


def _decoded(response: Response) -> str:
    from corpus.decode import decode_html

    try:
        return decode_html(response.body, response.charset)
    except ExtractionError as exc:
        raise ExtractionError(f"{response.url}: {exc}") from exc


def failure_reason(message: str, given: str) -> str:
    """Errors name the input; the outcome line names it already."""
    for prefix in (f"{given}: ", f"{given.rstrip('/')}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    if is_url(given) and message.startswith(("http://", "https://")):
        url, _, rest = message.partition(": ")
        return f"{rest} (at {url})" if urlsplit(url).netloc else message
    return message


__all__ = ["FetchError", "Ingestor", "Outcome", "Source", "failure_reason", "is_url", "remove"]
