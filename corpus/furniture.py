"""What news pages leave inside the article's container, found by rule: every rule here is about
web pages in general, and each was kept only if it helped on held-out pages (bench/extraction.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A block that is mostly link text is a pointer to another page (a teaser headline, "Related:
# ..."), not prose: prose links a few words of a sentence.
TEASER_LINK_SHARE = 0.8
TEASER_MAX_WORDS = 30
TEASER_MIN_WORDS = 3  # a headline has words; a bare link (a URL, a name) is not a teaser
HEADLINE_WINDOW = 3  # the headline repeated in the body comes before the first paragraphs
CALL_MAX_WORDS = 45  # a call to subscribe or download is a short block of its own

# Invitations to do something other than read on: subscribe, sign up, download the app, follow.
_CALL = re.compile(
    r"\b(?:sign up|subscribe|newsletter|click here|tap here|download (?:the|our) app|"
    r"get (?:the|our) .{0,30}app|follow (?:us|our|\S+[’']s (?:full |live )?coverage)|join us on|"
    r"delivered (?:to|through) your|"
    # licence notices: "for your personal, non-commercial use", "may not be redistributed"
    r"personal,? non-commercial use|may not be (?:published|reproduced|redistributed|rewritten))\b",
    re.IGNORECASE,
)
# Lines that are furniture whatever the page (matched against the whole block).
_FURNITURE = re.compile(
    r"^(?:related(?: articles| stories| posts| content| coverage)?|more from .{1,40}|"
    r"you may also like|recommended(?: for you)?|read (?:more|next|also)|see also|"
    r"most (?:read|popular)|trending(?: now)?|advertisement|share(?: this)?(?: article| story)?|"
    r"back to top|comments?|\d+ comments?|leave a (?:comment|reply)|print(?: article)?|"
    r"order reprints|(?:©|copyright) .{0,120}|all rights reserved\.?)$",
    re.IGNORECASE,
)
_STRIP = " .:|-–—»›>•·"
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    kind: str  # p, head, quote, item, row, code
    link_share: float  # fraction of the text that is link text


def clean_blocks(blocks: Sequence[Block], title: str, headings: Sequence[str] = ()) -> list[Block]:
    """The article's own blocks, in order. `headings` are the page's <h1> texts: a page may
    show a headline other than its og:title, and either repeated atop the body is furniture."""
    headlines = [_words(t) for t in (title, *headings) if _words(t)]
    kept = [b for i, b in enumerate(blocks) if not _is_headline(i, b, headlines)]
    return [b for b in kept if not (_is_teaser(b) or _is_call(b) or _is_furniture(b))]


def _is_headline(position: int, block: Block, headlines: list[list[str]]) -> bool:
    return position < HEADLINE_WINDOW and _words(block.text) in headlines


def _is_teaser(block: Block) -> bool:
    words = len(block.text.split())
    return block.link_share >= TEASER_LINK_SHARE and TEASER_MIN_WORDS <= words <= TEASER_MAX_WORDS


def _is_call(block: Block) -> bool:
    return len(block.text.split()) <= CALL_MAX_WORDS and bool(_CALL.search(block.text))


def _is_furniture(block: Block) -> bool:
    # A block without a single letter or digit ("___", "* * *") separates, it says nothing.
    return not _WORD.search(block.text) or bool(_FURNITURE.match(block.text.strip(_STRIP)))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())
