"""Extracted article -> corpus file: front matter + paragraphs, written atomically, never over
another file (a temporary name in the corpus folder, fsync, then a hard link to the new name)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import unicodedata
from pathlib import Path

import yaml

from corpus.extract import Extracted

SLUG_CHARS = 60
# Cyrillic letters spelled in Latin ones (ISO 9-like, simplified), so Russian and Ukrainian
# headlines give readable file names.
_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g"
_CYRILLIC = {
    c: ("" if latin == "_" else latin)
    for c, latin in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ", _LATIN.split(), strict=True)
}


def slugify(title: str, fallback: str = "article") -> str:
    """A file name from a headline: ASCII words joined by '-', at most SLUG_CHARS long."""
    text = "".join(_CYRILLIC.get(c, c) for c in title.casefold().replace("’", "").replace("'", ""))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.replace("-", " ")).strip("-")
    if len(slug) > SLUG_CHARS:
        slug = slug[: SLUG_CHARS + 1]
        slug = slug[: slug.rfind("-")] if "-" in slug else slug[:SLUG_CHARS]
    return slug.strip("-") or fallback


def render(
    article: Extracted,
    *,
    source: str | None = None,
    source_url: str | None = None,
    source_file: str | None = None,
    fetched: dt.datetime | None = None,
) -> str:
    """The corpus file's text: the loader's front matter (title, source, url, date, language),
    plus author, where it came from and when; then one paragraph per block."""
    meta: dict[str, object] = {"title": article.title}
    for key, value in (
        ("source", source or article.source),
        ("author", article.author),
        ("url", article.url),
        ("date", article.date),
        ("language", article.language),
        ("source_url", source_url),
        ("source_file", source_file),
    ):
        if value:
            meta[key] = value
    stamp = fetched or dt.datetime.now(dt.UTC)
    meta["fetched"] = stamp.isoformat(timespec="seconds")
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    return f"---\n{head}---\n\n" + "\n\n".join(article.paragraphs) + "\n"


def write_new(directory: Path, slug: str, text: str) -> Path:
    """Write `text` as directory/<slug>.md (or <slug>-2.md, ... if taken), all or nothing."""
    directory.mkdir(parents=True, exist_ok=True)
    # A dot-name: the loader never reads a half-written file, and a crash leaves only this.
    fd, tmp = tempfile.mkstemp(prefix=".adding-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        for n in range(1, 1000):
            target = directory / (f"{slug}.md" if n == 1 else f"{slug}-{n}.md")
            try:
                os.link(tmp, target)  # fails if the name exists: never overwrites an article
            except FileExistsError:
                continue
            return target
        raise FileExistsError(f"{directory}: no free name for {slug}")
    finally:
        os.unlink(tmp)
