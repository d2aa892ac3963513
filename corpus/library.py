"""What the corpus already holds, for telling a new article from one already there.

Two articles are the same when their canonical URLs agree (after normalising the parts that
do not name a different page: scheme, "www.", tracking parameters, fragment, trailing slash), or
when their texts are near-identical (most word 4-grams shared: a copy on another URL, a
re-fetch with a changed footer).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml

from corpus.loader import CorpusError, corpus_files, load_corpus

logger = logging.getLogger(__name__)

NEAR_DUPLICATE = 0.8  # shared 4-grams / 4-grams of the longer text
SHINGLE = 4
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|ref|smid)$", re.I)
_WORD = re.compile(r"\w+")
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.DOTALL)


def url_key(url: str) -> str:
    """A URL reduced to what names the page."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k)))
    path = parts.path.rstrip("/") or ""
    return f"{host}{port}{path}" + (f"?{query}" if query else "")


def shingles(text: str) -> frozenset[int]:
    words = _WORD.findall(text.casefold())
    return frozenset(hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1))


@dataclass
class Library:
    directory: Path
    by_url: dict[str, str] = field(default_factory=dict)  # url key -> article id
    texts: dict[str, frozenset[int]] = field(default_factory=dict)
    paths: dict[str, list[Path]] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> Library:
        library = cls(directory)
        if not directory.is_dir():
            return library
        for path in corpus_files(directory):
            library.paths.setdefault(path.stem, []).append(path)
            for url in _front_matter_urls(path):
                library.by_url.setdefault(url_key(url), path.stem)
        try:
            articles, _ = load_corpus(directory)
        except CorpusError:
            articles = []
        for article in articles:
            library.texts[article.id] = shingles(" ".join(p.text for p in article.paragraphs))
            if article.url:
                library.by_url.setdefault(url_key(article.url), article.id)
        return library

    def duplicate(self, urls: Iterable[str], text: str) -> str | None:
        """The article this one repeats, with why ("x (same URL)"), or None."""
        for url in urls:
            found = self.by_url.get(url_key(url))
            if found:
                return f"{found} (same URL)"
        mine = shingles(text)
        for article_id, theirs in self.texts.items():
            longer = max(len(mine), len(theirs))
            if longer and len(mine & theirs) / longer >= NEAR_DUPLICATE:
                return f"{article_id} (near-identical text)"
        return None

    def remember(self, article_id: str, urls: Iterable[str], text: str) -> None:
        for url in urls:
            self.by_url.setdefault(url_key(url), article_id)
        self.texts[article_id] = shingles(text)

    def find(self, which: str) -> list[Path]:
        """Files named `which` (with or without suffix) or whose url/source_url it is."""
        name = Path(which).name
        stem = (
            Path(name).stem
            if Path(name).suffix.lower() in (".md", ".txt", ".html", ".htm")
            else name
        )
        if "://" not in which and stem in self.paths:
            return list(self.paths[stem])
        key = url_key(which) if "://" in which else None
        if key is None:
            return []
        article_id = self.by_url.get(key)
        return list(self.paths.get(article_id, [])) if article_id else []


def _front_matter_urls(path: Path) -> list[str]:
    if path.suffix.lower() not in (".md", ".txt"):
        return []
    try:
        head = _FRONT.match(path.read_text(encoding="utf-8-sig"))
        meta = yaml.safe_load(head.group(1)) if head else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    if not isinstance(meta, dict):
        return []
    return [str(meta[k]) for k in ("url", "source_url") if isinstance(meta.get(k), str)]
