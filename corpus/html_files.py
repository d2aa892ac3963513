"""Web pages dropped into corpus/: extracted at build time, the result cached by content hash.

The cache holds the page's extraction rendered as a corpus file (the same text `newsbot corpus
add` would write), so a page and an added article are read the same way, and an unchanged page
is never extracted twice. A cache that cannot be written only costs time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from corpus.errors import IngestError

logger = logging.getLogger(__name__)


def extracted_document(path: Path, cache: Path | None) -> str:
    """The corpus-file text of the page at `path`; CorpusError naming the file if it has none."""
    from corpus.extract import EXTRACTION_VERSION
    from corpus.loader import CorpusError

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror})") from exc
    key = hashlib.sha256(EXTRACTION_VERSION.encode() + b"\0" + raw).hexdigest()
    cached = cache / f"{key}.md" if cache else None
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    document = _extract(path, raw)
    if cached is not None:
        _store(cached, document)
    return document


def _extract(path: Path, raw: bytes) -> str:
    from corpus.loader import CorpusError
    from corpus.writer import render

    if raw.startswith(b"%PDF-"):
        raise CorpusError(f"{path}: a PDF, not a web page")
    try:
        article = _extractor().extract(raw)
    except IngestError as exc:
        raise CorpusError(f"{path}: {exc}") from exc
    modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return render(article, source_file=path.name, fetched=modified)


@lru_cache(maxsize=1)
def _extractor():  # noqa: ANN202 - the type lives behind a lazy import
    from corpus.extract import Extractor

    return Extractor()


def _store(target: Path, document: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(document)
        os.replace(tmp, target)
    except OSError as exc:
        logger.warning("cannot cache the extraction of a page in %s: %s", target.parent, exc)
