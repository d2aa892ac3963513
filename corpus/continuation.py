"""Articles split into several containers: the rest of the text after the first one.

Some layouts cut the body into chunks of the same kind (`<div class="article-body">` repeated
between ads); an extractor that picks one container then loses the others. Paragraphs in other
elements of exactly the same tag and class as the extracted paragraphs' containers are the
same article, and are put back in page order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from corpus.furniture import Block

MIN_WORDS = 8  # a continuation paragraph is prose, not a caption or a button
MAX_LINK_SHARE = 0.5
_SPACE = re.compile(r"\s+")


def add_continuations(tree: Any, blocks: Sequence[Block]) -> list[Block]:
    """`blocks` with the paragraphs of sibling chunks of the same container inserted."""
    paragraphs = [p for p in tree.iter("p") if isinstance(p.tag, str)]
    texts = [_clean(p.text_content()) for p in paragraphs]
    have = {b.text for b in blocks}
    found = [i for i, text in enumerate(texts) if text in have]
    kinds = {_kind(paragraphs[i].getparent()) for i in found} - {None}
    if not found or not kinds:
        return list(blocks)
    containers = {paragraphs[i].getparent() for i in found}
    extra = [
        i
        for i, p in enumerate(paragraphs)
        if texts[i] not in have
        and p.getparent() not in containers
        and _kind(p.getparent()) in kinds
        and _is_prose(p, texts[i])
    ]
    return _merge(blocks, texts, found, extra) if extra else list(blocks)


def _merge(
    blocks: Sequence[Block], texts: list[str], found: list[int], extra: list[int]
) -> list[Block]:
    """Each new paragraph goes after the block that precedes it on the page."""
    position = {texts[i]: i for i in found}
    merged = list(blocks)
    for i in sorted(extra, reverse=True):
        after_at = max(
            (n for n, b in enumerate(merged) if b.text in position and position[b.text] < i),
            default=-1,
        )
        merged.insert(after_at + 1, Block(texts[i], "p", 0.0))
        position[texts[i]] = i
    return merged


def _kind(element: Any) -> tuple[str, str] | None:
    if element is None or not (element.get("class") or "").strip():
        return None  # a bare <div> is every layout's, not this article's
    return element.tag, _clean(element.get("class"))


def _is_prose(element: Any, text: str) -> bool:
    if len(text.split()) < MIN_WORDS:
        return False
    linked = sum(len(_clean(a.text_content())) for a in element.iter("a"))
    return linked / max(len(text), 1) <= MAX_LINK_SHARE


def _clean(text: str | None) -> str:
    return _SPACE.sub(" ", text or "").strip()
