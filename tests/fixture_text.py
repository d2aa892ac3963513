"""Reading the fixture articles and the text helpers their checks share: paragraphs,
sentence spans, content words and proper names. Plain text, no models."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTICLES = FIXTURES / "articles"
SEED = FIXTURES / "seed"
BAD = FIXTURES / "bad"

# Function words and question words of the article languages; everything else is a
# content word for the paraphrase check.
_STOP_TEXT = """
    a an the of in on at to for from with by about into onto over under out up down off
    and or but nor so if as than then that this these those there here it its is are was
    were be been being am do does did doing have has had having will would shall should
    can could may might must get gets got what whats which who whom whose when where why
    how much many any some more most much such very just now still ever far yet also too
    i me my we us our you your he him his she her they them their not no s t after before
    during while until since per according one ones
    что кто как какой какая какое какие каков какова когда где куда откуда почему зачем
    сколько ли в во на с со к ко по о об от до из у за для при и а но же не ни это этот эта
    эти его её ее их он она оно они мы вы я был была было были будет будут есть уже ещё
    еще теперь также то чем через можно может нужно ну ли бы
    der die das den dem des ein eine einen einem einer eines und oder aber wie was wer wen
    wem wann wo woher wohin warum wieso viel viele vielen ist sind war waren wird werden
    hat haben mit zu zum zur im in am an auf für von vom bei nach ab als es sie er man
    sich noch schon nicht mehr lange solange denn dass ob gegen
"""
STOP_WORDS = set(_STOP_TEXT.split())
QUOTES = "\"“”«»„'’‘"


@dataclass(frozen=True)
class Article:
    slug: str
    meta: dict
    body: str
    paragraphs: tuple[str, ...]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_article(path: Path) -> Article:
    raw = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n", raw, re.DOTALL)
    assert match, f"{path}: no front matter"
    meta = yaml.safe_load(match.group(1)) or {}
    blocks = [normalise(b) for b in re.split(r"\n\s*\n", raw[match.end() :])]
    paragraphs = tuple(b for b in blocks if b)
    return Article(path.stem, meta, " ".join(paragraphs), paragraphs)


def load_articles() -> dict[str, Article]:
    return {p.stem: read_article(p) for p in sorted(ARTICLES.glob("*.md"))}


def read_jsonl(name: str) -> list[dict]:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def all_paragraphs(articles: dict[str, Article]) -> list[tuple[str, str]]:
    """(slug, paragraph) for every fixture paragraph, the seed's included."""
    seed = [read_article(p) for p in sorted(SEED.glob("*.md"))]
    every = list(articles.values()) + seed
    return [(a.slug, p) for a in every for p in a.paragraphs]


def stem(token: str) -> str:
    token = token.casefold()
    for suffix in ("’s", "'s"):
        token = token.removesuffix(suffix)
    return token


def same_word(a: str, b: str) -> bool:
    """Equal, or sharing a stem: a common prefix of five letters (or all of a shorter word)."""
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < 4:
        return False
    need = min(5, shorter)
    return a[:need] == b[:need]


def content_words(text: str) -> set[str]:
    tokens = {stem(t) for t in re.findall(r"[^\W_]+(?:['’][^\W_]+)?", text)}
    return {t for t in tokens if t not in STOP_WORDS and (len(t) > 2 or t.isdigit())}


def names_in(article: Article) -> set[str]:
    """Words the article capitalises mid-sentence: proper names (in English and Russian)."""
    names = set()
    for paragraph in (*article.paragraphs, str(article.meta.get("title", ""))):
        for match in re.finditer(r"[^\W\d_]+", paragraph):
            word = match.group()
            before = paragraph[: match.start()].rstrip().rstrip(QUOTES).rstrip()
            dash = re.search(r"\s[-–—]$", before)
            sentence_start = not before or before[-1] in ".!?:" or bool(dash)
            # "Coastline Power said": a capitalised pair opens a name even at sentence start.
            pair = (
                re.match(r" [^\W\d_]", paragraph[match.end() :])
                and paragraph[match.end() + 1].isupper()
            )
            if word[0].isupper() and (not sentence_start or pair):
                names.add(word.casefold())
    return names


def sentence_span(paragraph: str, part: str) -> tuple[int, int]:
    """Where in `paragraph` the sentence(s) holding `part` lie."""
    start = paragraph.index(part)
    end = start + len(part)
    bounds = [0]
    bounds += [m.end() for m in re.finditer(r"[.!?][" + QUOTES + r"]*\s+", paragraph)]
    bounds.append(len(paragraph))
    return max(b for b in bounds if b <= start), min(b for b in bounds if b >= end)


def sentences_around(paragraph: str, snippet: str) -> str:
    """The sentence(s) of `paragraph` that hold `snippet`."""
    left, right = sentence_span(paragraph, snippet)
    return paragraph[left:right]


def is_whole_sentence(text: str, part: str) -> bool:
    """`part` starts where a sentence starts and ends where it ends (quote marks aside)."""
    at = text.find(part)
    before = text[:at].rstrip().rstrip(QUOTES + " ")
    starts = not before or before[-1] in ".!?"
    after = text[at + len(part) :].lstrip(QUOTES)
    ends = part.rstrip(QUOTES)[-1:] in ".!?" or not after or after[0] in ".!?"
    return starts and ends
