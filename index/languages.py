"""Languages: which one a text is in, and how its words are analysed (stemmer, stop words).

An article's language comes from its front matter (or is detected); a question's is
detected. Both pick the Snowball stemmer and stop words the lexical side uses, so a Russian
article is searched with Russian stems and an English question with English ones.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import Stemmer

from index.bm25_library import bm25s

ENGLISH = "en"
# Languages the identifier may answer; restricting it keeps short questions reliable.
LANGUAGES = ("en", "ru", "uk", "de", "es", "fr", "it", "pt", "pl", "nl")
MIN_CONFIDENCE = 0.9  # a Latin-script text leaves English only when the identifier is this sure
MIN_LETTERS = 12  # ... and has at least this many letters ("prigozin nickname??" stays en)

_STEMMERS = {
    "en": "english",
    "ru": "russian",
    "uk": "russian",  # no Ukrainian Snowball stemmer; the Russian one shares most endings
    "de": "german",
    "es": "spanish",
    "fr": "french",
    "it": "italian",
    "pt": "portuguese",
    "pl": "polish",
    "nl": "dutch",
}
# Each language's stop words: bm25s's lists (imported on first use, index/bm25_library.py).
_STOPWORDS = {
    "en": "STOPWORDS_EN",
    "ru": "STOPWORDS_RUSSIAN",
    "uk": "STOPWORDS_RUSSIAN",
    "de": "STOPWORDS_GERMAN",
    "es": "STOPWORDS_SPANISH",
    "fr": "STOPWORDS_FRENCH",
    "it": "STOPWORDS_ITALIAN",
    "pt": "STOPWORDS_PORTUGUESE",
    "nl": "STOPWORDS_DUTCH",
}
_CYRILLIC_LANGUAGES = ("ru", "uk")
_SPANISH_MARKS = re.compile(r"[¿¡]")


def normalise_language(code: str | None) -> str:
    """ "EN", "en-GB", "ru_RU" -> "en", "ru"; unknown or empty -> English."""
    base = re.split(r"[-_]", (code or "").strip().lower())[0]
    return base if base in _STEMMERS else ENGLISH


def _identifier() -> object:
    from index.langid import identifier  # kept uncompressed in the model cache: fast to load

    return identifier(LANGUAGES)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language; English unless another one is clear.

    Short English questions with typos can look German to an identifier, so a Latin-script
    text must be identified with high confidence (and be long enough) to leave English.
    """
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return ENGLISH
    language, confidence = _identifier().classify(text)  # type: ignore[attr-defined]
    cyrillic = sum("CYRILLIC" in unicodedata.name(c, "") for c in letters) / len(letters)
    if cyrillic >= 0.5:
        return str(language) if language in _CYRILLIC_LANGUAGES else "ru"
    if _SPANISH_MARKS.search(text):
        return "es"
    if language != ENGLISH and confidence >= MIN_CONFIDENCE and len(letters) >= MIN_LETTERS:
        return str(language)
    return ENGLISH


@cache
def stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS[normalise_language(language)])


@cache
def stopwords(language: str) -> frozenset[str]:
    lists = bm25s().stopwords
    name = _STOPWORDS.get(normalise_language(language))
    return frozenset(getattr(lists, name)) if name else frozenset()


def is_latin(text: str) -> bool:
    """Whether most letters are Latin (a question an English-only model can at least read)."""
    letters = [c for c in text if c.isalpha()]
    latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
    return not letters or latin / len(letters) >= 0.5
