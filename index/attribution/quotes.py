"""Quoted stretches of one paragraph, and the paragraph with their words masked so that
verbs and names inside a quote are never read as an attribution."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Opening and closing marks by language. German opens with „ and closes with “ (which opens
# in English); Russian uses «» outside and „“ inside. Two apostrophes (’’ or '') close a
# quote in some wire copy.
_PAIRS = {
    "en": {"“": "”", "«": "»", "„": "“"},
    "de": {"„": "“", "»": "«", "«": "»"},
    "ru": {"«": "»", "„": "“", "“": "”"},
}
_CLOSE_ALSO = ("’’", "''", "”")
MASK = "#"


@dataclass(frozen=True)
class Quote:
    start: int  # the opening mark
    end: int  # one past the closing mark (or the paragraph's end when left open)
    speech: bool  # words someone said, not a title ("Lantern Road") or a scare quote

    def holds(self, position: int) -> bool:
        return self.start <= position < self.end


def find_quotes(text: str, language: str = "en") -> list[Quote]:
    """Every double-quoted stretch; an unclosed one runs to the paragraph's end."""
    pairs = _PAIRS.get(language, _PAIRS["en"])
    spans: list[tuple[int, int]] = []
    i, opened, closer = 0, -1, ""
    while i < len(text):
        char = text[i]
        if opened < 0:
            if char in pairs:
                opened, closer = i, pairs[char]
            elif char == '"':
                opened, closer = i, '"'
            i += 1
            continue
        two = text[i : i + 2]
        mixed = language != "ru" and char in '"”' and closer in '"”“'  # “...", "...”
        if char == closer or mixed or (closer != '"' and (two in _CLOSE_ALSO[:2] or char == "”")):
            width = 2 if two in _CLOSE_ALSO[:2] else 1
            spans.append((opened, i + width))
            opened = -1
            i += width
            continue
        if closer == '"' and char == '"':
            spans.append((opened, i + 1))
            opened = -1
        i += 1
    if opened >= 0:
        spans.append((opened, len(text)))
    return [Quote(s, e, _is_speech(text[s:e])) for s, e in spans]


def _is_speech(quoted: str) -> bool:
    """Speech has a few words or ends a sentence; a title or a scare quote does not."""
    inner = quoted.strip("“”\"«»„’' ")
    return len(inner.split()) >= 4 or bool(re.search(r"[.!?…]", inner))


def mask(text: str, quotes: list[Quote]) -> str:
    """The text with each quote's inside replaced by MASK characters (marks kept)."""
    chars = list(text)
    for quote in quotes:
        stop = quote.end - 1 if quote.end - 1 > quote.start else quote.end
        if quote.end == len(text) and text[-1] not in "”\"»“'’":
            stop = quote.end
        for k in range(quote.start + 1, stop):
            if not chars[k].isspace():
                chars[k] = MASK
    return "".join(chars)
