"""Corpora written for a test: many copies of the seed article under distinct ids."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import SEED_ARTICLES

SEED = SEED_ARTICLES / "wagner-north-korea-weapons.md"
# A sentence end after a lower-case word or a number ("said." "2014."), not "U.S.".
_SENTENCE_END = re.compile(r"(?<=[a-z0-9]{2})([.!?])(?=[\s”\"’]|$)")


def write_copies(directory: Path, copies: int, *, vary: bool, tag: str = "copy") -> Path:
    """`copies` articles `{tag}-NNN.md`; with `vary`, every sentence of each copy is unique.

    Identical copies cost one article's embedding (texts are embedded once by content);
    varied copies make every copy's text new, so a build has to embed all of it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    head, sep, body = SEED.read_text(encoding="utf-8").partition("\n---\n")
    for n in range(copies):
        text = _SENTENCE_END.sub(lambda m, n=n: f" ({tag} {n}){m.group(1)}", body) if vary else body
        (directory / f"{tag}-{n:03d}.md").write_text(head + sep + text, encoding="utf-8")
    return directory
