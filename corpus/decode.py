"""Page bytes -> text: the declared charset when Python knows it, else UTF-8, else detection."""

from __future__ import annotations

import codecs
import re

from corpus.errors import ExtractionError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
SNIFF_BYTES = 4096  # where HTML puts its <meta charset>
MAX_CHAOS = 0.2  # charset_normalizer's "mess" above which a guess is no decoding at all


def decode_html(raw: bytes, declared: str | None = None) -> str:
    """Decode a page; ExtractionError when no encoding reads it as text."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return raw.decode(name, errors="replace")
    for name in (declared, _meta_charset(raw)):
        codec = _codec(name)
        if codec is not None:
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                continue  # mislabelled: fall through to what the bytes say
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    named = declared or _meta_charset(raw)
    if named and _codec(named) is None:
        # Guessing would turn the article into mojibake that no one notices until asked.
        raise ExtractionError(f"the page declares an unknown text encoding ({named!r})")
    return _detect(raw, named)


def _meta_charset(raw: bytes) -> str | None:
    match = _META_CHARSET.search(raw[:SNIFF_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def _detect(raw: bytes, declared: str | None) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None or best.chaos > MAX_CHAOS:
        label = f" (declared {declared!r})" if declared else ""
        raise ExtractionError(f"page in an unknown text encoding{label}; cannot read it")
    return str(best)
