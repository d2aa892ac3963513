"""Split one paragraph of news prose into sentence character spans (rule-based, no model)."""

# Not pysbd: 0.3.4 splits news paragraphs the same way, but takes ~18 ms per article warm
# (~60 ms cold) against ~0.2 ms here, and the index splits every paragraph of every article.

from __future__ import annotations

import re

# A candidate end: terminal punctuation, any closing quotes/brackets, then whitespace.
_TERMINATOR = re.compile(r"[.!?…]+[”\"’'»“)\]]*(?=\s)")
_OPENERS = "“\"‘'«„(["
_CLOSERS = "”\"’'»“)]"
_PROPER_START = re.compile(r"[\w’']+")
_LAST_WORD = re.compile(r"\S*\Z")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Abbreviations that stand before a name, so their period never ends a sentence.
_TITLES = _words(
    "mr mrs ms dr prof gen lt col maj capt sgt adm cmdr gov sen rep rev st jr sr "
    "hon pres supt insp det vs"
)
# Abbreviations whose period ends a sentence unless a number follows ("Jan. 5", "No. 10").
_BEFORE_NUMBER = _words(
    "jan feb mar apr jun jul aug sep sept oct nov dec no nos vol pp p art fig sec ch"
)
# Words that usually open a sentence; after "U.S." or an initial they signal a real end
# ("...in the U.S. The company said"), while a name or noun does not ("U.S. Army", "J. Smith").
_STARTERS = _words(
    "The A An He She It They We I You But And Or So Yet In On At By For From With "
    "This That These Those There Here His Her Its Their Our My Your After Before When "
    "While Since As If Although However Meanwhile Still Some Many Most Last Earlier Later"
)
# A dateline: a place in capitals (an agency in brackets), a comma, a short date with a number.
_DATELINE = re.compile(
    r"[A-ZА-ЯЁ][A-ZА-ЯЁ’'. -]+(?:\s*\([^)]{1,20}\))?,\s+(?=[^.,;]{1,25}\.)[^.,;\d]*\d[^.,;]*\."
)
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S" / "a.m" (the final period is excluded)
_INITIAL = re.compile(r"[A-Z]")
# A short speech tag after a quote ending in ? or ! ("“Is it over?” Roe asked.", "“Why?”
# Roe tearfully asked before leaving.") is part of the quote's sentence, although it starts
# with a capital letter.
_SPEECH_TAG = re.compile(
    r"(?:[A-Z][\w’'.-]*\s+){1,4}(?:\w+ly\s+)?(?:said|says|asked|asks|added|replied|wondered|"
    r"shouted|told|wrote|noted|cried)\b[^.!?“”\"]{0,60}[.!?]"
)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of one paragraph, in order, covering
    every sentence; text[start:end] is the sentence stripped of surrounding whitespace. A
    wire dateline ending in a period ("КЕДРОВСК, 5 марта.") opens the sentence after it."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _TERMINATOR.finditer(text):
        if _is_boundary(text, match):
            _append_stripped(text, start, match.end(), spans)
            start = match.end()
    _append_stripped(text, start, len(text), spans)
    if len(spans) > 1 and _DATELINE.fullmatch(text[spans[0][0] : spans[0][1]]):
        spans[:2] = [(spans[0][0], spans[1][1])]
    return spans


def after_dateline(sentence: str) -> str:
    """The sentence without the wire dateline that opens it ("ТОМСК, 3 мая. Мэрия открыла
    мост." -> "Мэрия открыла мост.")."""
    match = _DATELINE.match(sentence)
    rest = sentence[match.end() :].strip() if match else ""
    return rest or sentence


def _append_stripped(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        spans.append((start, end))


def _is_boundary(text: str, match: re.Match[str]) -> bool:
    nxt = match.end()
    while nxt < len(text) and text[nxt].isspace():
        nxt += 1
    first = nxt
    while first < len(text) and text[first] in _OPENERS:
        first += 1
    if first >= len(text):
        return False  # only whitespace or a lone quote mark left: the last sentence absorbs it
    char = text[first]
    if not (char.isupper() or char.isdigit() or char in "$£€"):
        return False  # '“Yes,” he said' / '“Why?” she asked' / 'U.S. officials'
    punct = match.group()
    if punct[-1] in _CLOSERS and ("?" in punct or "!" in punct):
        return not _SPEECH_TAG.match(text, nxt)
    if punct != ".":
        return True
    # The word the period ends ("U.S" of "U.S.", "Mr"), read from a short window before it.
    last = _LAST_WORD.search(text, max(0, match.start() - 40), match.start())
    word = last.group().lstrip(_OPENERS) if last else ""
    starter = _PROPER_START.match(text, first)
    next_word = starter.group() if starter else ""
    if word.lower() in _TITLES:
        return False
    if word.lower() in _BEFORE_NUMBER and char.isdigit():
        return False
    if _DOTTED.fullmatch(word) or _INITIAL.fullmatch(word):
        return next_word in _STARTERS
    return True
