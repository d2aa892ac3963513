"""Read article files (YAML front matter + body) into Articles with clean, located paragraphs.

The body is kept exactly as it came; cleaning only decides which blocks are paragraphs,
so every paragraph's character span points back into the file's own text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

ARTICLE_SUFFIXES = (".md", ".txt", ".html", ".htm")
HTML_SUFFIXES = (".html", ".htm")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.DOTALL)
_BLOCK = re.compile(r"\S(?:.*?\S)?(?=\s*(?:\n[ \t]*\n|\Z))", re.DOTALL)
_SPACE = re.compile(r"\s+")

# Web furniture that copies of articles drag along. Matched against a whole block,
# case-insensitively, after stripping punctuation; rules, not edits of the text.
_BOILERPLATE = re.compile(
    r"^(?:related(?: articles| stories| posts| content| coverage)?|more from .{1,40}|"
    r"back to top(?: button)?|share(?: this(?: article| story)?)?(?: on \w+)?|advertisement|"
    r"read more|read next|continue reading|subscribe(?: now)?|sign up .{0,60}newsletters?|"
    r"follow us(?: on .{1,40})?|print|email|comments?|leave a (?:comment|reply)|"
    r"skip to (?:main )?content|click here .{0,60}|tags?: .{0,80}|topics?: .{0,80}|"
    r"© ?.{0,80}|copyright (?:©|\(c\) )?\d{4}.{0,80}|all rights reserved\.?|"
    r"you may also like|recommended(?: for you)?|"
    r"most (?:read|popular)|trending(?: now)?|news|world|politics|home)$",
    re.IGNORECASE,
)


class CorpusError(Exception):
    """A corpus file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, counting only the article's own paragraphs
    text: str  # whitespace-normalised
    start: int  # span of the block in Article.body
    end: int


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    source: str | None
    url: str | None
    date: str | None  # ISO 8601 date
    language: str
    path: Path
    body: str
    paragraphs: tuple[Paragraph, ...]
    content_hash: str


def normalise_space(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def load_article(path: Path, html_cache: Path | None = None) -> Article:
    """Read one article file; raise CorpusError naming the file when it cannot be used.

    A web page (.html, .htm) is extracted first (corpus/html_files.py), its extraction cached
    by content hash in `html_cache`; its paragraph spans point into the extracted text.
    """
    if path.suffix.lower() in HTML_SUFFIXES:
        from corpus.html_files import extracted_document

        return _article(path, extracted_document(path, html_cache))
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: not UTF-8 text (byte 0x{raw_byte(exc):02x} at offset {exc.start}); "
            "save the file as UTF-8"
        ) from exc
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror})") from exc
    return _article(path, raw)


def _article(path: Path, raw: str) -> Article:
    raw = raw.replace("\r\n", "\n")
    meta, body = _split_front_matter(path, raw)
    title = _text_field(path, meta, "title")
    if not title:
        raise CorpusError(f"{path}: no title; add 'title: ...' to the front matter")
    date = _date_field(path, meta)
    paragraphs = tuple(_clean_paragraphs(body, title))
    if not paragraphs:
        raise CorpusError(f"{path}: no article text after the front matter")
    digest = hashlib.sha256(
        repr((title, meta.get("source"), meta.get("url"), meta.get("date"))).encode()
        + body.encode()
    ).hexdigest()
    return Article(
        id=path.stem,
        title=title,
        source=_text_field(path, meta, "source"),
        url=_text_field(path, meta, "url"),
        date=date,
        language=_language(_text_field(path, meta, "language"), paragraphs),
        path=path,
        body=body,
        paragraphs=paragraphs,
        content_hash=digest,
    )


def _language(declared: str | None, paragraphs: tuple[Paragraph, ...]) -> str:
    """The front matter's language, or the one the text is written in."""
    from index.languages import detect_language, normalise_language

    if declared:
        return normalise_language(declared)
    return detect_language(" ".join(p.text for p in paragraphs[:5])[:2000])


def load_corpus(
    directory: Path, html_cache: Path | None = None
) -> tuple[list[Article], list[CorpusError]]:
    """Every usable article under `directory`, plus an error for each file that is not.

    Web pages are extracted once and cached by content in `html_cache` (default:
    var/extracted beside the corpus folder, never inside it).
    """
    if not directory.is_dir():
        raise CorpusError(f"{directory}: no such corpus directory")
    cache = html_cache or default_html_cache(directory)
    articles: list[Article] = []
    errors: list[CorpusError] = []
    for path in corpus_files(directory):
        try:
            articles.append(load_article(path, cache))
        except CorpusError as exc:
            logger.warning("skipping %s", exc)
            errors.append(exc)
    return articles, errors


def default_html_cache(directory: Path) -> Path:
    return directory.resolve().parent / "var" / "extracted"


def corpus_files(directory: Path) -> Iterable[Path]:
    for path in sorted(directory.iterdir()):
        hidden = path.name.startswith((".", "_")) or path.stem.upper() == "README"
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES and not hidden:
            yield path


def corpus_hash(articles: Iterable[Article]) -> str:
    digest = hashlib.sha256()
    for article in sorted(articles, key=lambda a: a.id):
        digest.update(f"{article.id}\0{article.content_hash}\n".encode())
    return digest.hexdigest()


def raw_byte(exc: UnicodeDecodeError) -> int:
    return exc.object[exc.start] if isinstance(exc.object, bytes | bytearray) else 0


def _split_front_matter(path: Path, raw: str) -> tuple[dict[str, object], str]:
    match = _FRONT_MATTER.match(raw)
    if match is None:
        raise CorpusError(
            f"{path}: no front matter; start the file with '---', 'title: ...', '---'"
        )
    import yaml  # here: serving reads built passages, never front matter (0.02 s of start-up)

    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise CorpusError(f"{path}: front matter is not valid YAML ({exc.problem})") from exc
    if not isinstance(meta, dict):
        raise CorpusError(f"{path}: front matter must be 'key: value' lines")
    return meta, raw[match.end() :]


def _text_field(path: Path, meta: dict[str, object], key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise CorpusError(f"{path}: '{key}' must be text, got {type(value).__name__}")
    return normalise_space(str(value)) or None


def _date_field(path: Path, meta: dict[str, object]) -> str | None:
    value = meta.get("date")
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        try:
            return dt.datetime.fromisoformat(str(value)).isoformat()
        except ValueError as exc:
            raise CorpusError(f"{path}: date {value!r} is not an ISO date like 2022-12-22") from exc


def _clean_paragraphs(body: str, title: str) -> Iterable[Paragraph]:
    blocks = [(m.start(), m.end(), normalise_space(m.group())) for m in _BLOCK.finditer(body)]
    # Furniture before the headline and after the last sentence: strip from both ends.
    while blocks and (_is_furniture(blocks[0][2]) or _is_headline(blocks[0][2], title)):
        blocks.pop(0)
    while blocks and _is_furniture(blocks[-1][2], trailing=True):
        blocks.pop()
    number = 0
    for start, end, text in blocks:
        if _is_boilerplate(text):
            continue
        number += 1
        yield Paragraph(number=number, text=text, start=start, end=end)


def _is_boilerplate(text: str) -> bool:
    return bool(_BOILERPLATE.match(text.strip(" .:|-–—»›>•·")))


def _is_furniture(text: str, trailing: bool = False) -> bool:
    if _is_boilerplate(text):
        return True
    # A short line without sentence punctuation at the end of a page is navigation,
    # never the article's closing paragraph (which ends like a sentence).
    return trailing and len(text.split()) <= 5 and not re.search(r"[.!?\"”’)]$", text)


def _is_headline(text: str, title: str) -> bool:
    """The headline repeated in the body, possibly after a section label ("News ...")."""
    words, title_words = _words(text), _words(title)
    extra = len(words) - len(title_words)
    return bool(title_words) and 0 <= extra <= 3 and words[extra:] == title_words


def _words(text: str) -> list[str]:
    return re.sub(r"[\W_]+", " ", text.casefold()).split()
