"""Article -> passages that keep their provenance: article, paragraph, character span, speaker.

A passage is a paragraph (news paragraphs are one to three sentences, the unit a reader
cites); a paragraph longer than `max_chars` is cut at sentence boundaries.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from corpus.loader import Article, normalise_space
from index.sentences import split_sentences
from index.speakers import Speaker, attribute_speakers

DEFAULT_MAX_CHARS = 800
HERE = Path(__file__).parent
# The code that reads an article into passages: a change to it changes what an index holds
# (sentence boundaries, speakers), so an index built by other code is stale.
READER = (HERE / "passages.py", HERE / "sentences.py", HERE / "speakers.py", HERE / "attribution")


@cache
def reader_fingerprint() -> str:
    """A digest of the passage reader's source (the files of READER)."""
    digest = hashlib.sha256()
    for path in READER:
        for file in sorted(path.glob("*.py")) if path.is_dir() else [path]:
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Sentence:
    start: int  # span in the article body
    end: int
    text: str
    speaker: Speaker | None


@dataclass(frozen=True)
class Passage:
    article_id: str
    title: str
    source: str | None
    url: str | None
    date: str | None
    paragraph: int
    start: int
    end: int
    text: str
    sentences: tuple[Sentence, ...]
    language: str = "en"  # the article's

    @property
    def speaker(self) -> Speaker | None:
        """Who makes the passage's claims: the speaker of most of its sentences."""
        named = [s.speaker for s in self.sentences if s.speaker is not None]
        return Counter(named).most_common(1)[0][0] if named else None

    @property
    def text_hash(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        sentences = tuple(
            Sentence(
                start=s["start"],
                end=s["end"],
                text=s["text"],
                speaker=Speaker(**s["speaker"]) if s["speaker"] else None,  # kind may be absent
            )
            for s in data["sentences"]
        )
        return cls(**{**data, "sentences": sentences})


def split_passages(article: Article, max_chars: int = DEFAULT_MAX_CHARS) -> list[Passage]:
    """Every paragraph of the article as one or more passages, speakers resolved across them."""
    texts: list[str] = []
    paragraph_sentences: list[list[tuple[int, int]]] = []
    for paragraph in article.paragraphs:
        text, offsets = _normalise_with_offsets(article.body, paragraph.start, paragraph.end)
        texts.append(text)
        paragraph_sentences.append(
            [(offsets[s], offsets[e - 1] + 1) for s, e in split_sentences(text)]
        )
    # The speaker module splits the same normalised text, so its rows align with ours.
    speakers = attribute_speakers(texts, language=article.language)
    passages: list[Passage] = []
    for paragraph, spans, who in zip(
        article.paragraphs, paragraph_sentences, speakers, strict=True
    ):
        sentences = [
            Sentence(start=s, end=e, text=normalise_space(article.body[s:e]), speaker=speaker)
            for (s, e), speaker in zip(spans, who, strict=True)
        ]
        for group in _group(sentences, max_chars):
            passages.append(
                Passage(
                    article_id=article.id,
                    title=article.title,
                    source=article.source,
                    url=article.url,
                    date=article.date,
                    paragraph=paragraph.number,
                    start=group[0].start,
                    end=group[-1].end,
                    text=" ".join(s.text for s in group),
                    sentences=tuple(group),
                    language=article.language,
                )
            )
    return passages


def _normalise_with_offsets(body: str, start: int, end: int) -> tuple[str, list[int]]:
    """Whitespace-normalised body[start:end] and, for each of its characters, its body offset."""
    chars: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"\S+", body[start:end]):
        if chars:
            chars.append(" ")
            offsets.append(start + match.start() - 1)
        chars.extend(match.group())
        offsets.extend(range(start + match.start(), start + match.end()))
    return "".join(chars), offsets


def _group(sentences: Sequence[Sentence], max_chars: int) -> Iterable[list[Sentence]]:
    group: list[Sentence] = []
    size = 0
    for sentence in sentences:
        if group and size + len(sentence.text) + 1 > max_chars:
            yield group
            group, size = [], 0
        group.append(sentence)
        size += len(sentence.text) + 1
    if group:
        yield group
