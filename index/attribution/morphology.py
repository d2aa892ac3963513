"""Russian word forms for attribution: lemmas, nominative phrases, whether a capitalised word
is a first name, patronymic or surname (pymorphy3's dictionary, loaded on first use)."""

from __future__ import annotations

from functools import cache, lru_cache
from typing import Any

_NAME_TAGS = ("Name", "Surn", "Patr")


@cache
def _analyzer() -> Any:
    import pymorphy3  # a 0.3 s load, only for articles in Russian

    return pymorphy3.MorphAnalyzer()


def _cyrillic(word: str) -> bool:
    return any("а" <= c <= "я" or c == "ё" for c in word.casefold())


@lru_cache(maxsize=16384)
def lemma(word: str) -> str:
    if not _cyrillic(word):
        return word.casefold()
    return str(_analyzer().parse(word)[0].normal_form)


@lru_cache(maxsize=16384)
def is_verb(word: str) -> bool:
    if not _cyrillic(word):
        return False
    tag = _analyzer().parse(word)[0].tag
    return any(pos in tag for pos in ("VERB", "INFN", "PRTS", "GRND"))


@lru_cache(maxsize=16384)
def is_person_name(word: str) -> bool:
    if not _cyrillic(word):
        return False
    return any(any(t in p.tag for t in _NAME_TAGS) for p in _analyzer().parse(word))


@lru_cache(maxsize=16384)
def name_gender(word: str) -> str | None:
    """ "m"/"f" for a first name or surname ("Ирина", "Семёнова"), else None."""
    if not _cyrillic(word):
        return None
    for parse in _analyzer().parse(word):
        if any(t in parse.tag for t in _NAME_TAGS) and parse.tag.gender in ("masc", "femn"):
            return "m" if parse.tag.gender == "masc" else "f"
    return None


def _nominative_word(word: str, name: bool, gender: str | None = None) -> str:
    parses = _analyzer().parse(word)
    if name:
        named = [p for p in parses if any(t in p.tag for t in _NAME_TAGS)]
        if not named:  # a surname the dictionary lacks: "Лапина" of a man is "Лапин"
            ending = {"masc": ("ова", "ева", "ина", "ына"), "femn": ("овой", "евой", "иной")}
            if gender == "masc" and word.endswith(ending["masc"]):
                return word[:-1]
            if gender == "femn" and word.endswith(ending["femn"]):
                return word[:-2] + "а"
            return word
        # One person: a plural reading is never theirs ("Гаврилов" is not "of the Gavrilas").
        parses = [p for p in named if p.tag.number != "plur"] or named
        if gender:
            parses = [p for p in parses if p.tag.gender == gender] or parses
    parse = parses[0]
    if parse.tag.case in (None, "nomn"):
        return word
    form = parse.inflect({"nomn", "sing"} if parse.tag.number == "sing" else {"nomn"})
    if form is None:
        return word
    text = str(form.word)
    return text[:1].upper() + text[1:] if word[:1].isupper() else text


def nominative(phrase: str, name: bool = False) -> str:
    """ "городской администрации" -> "городская администрация"; "Виктора Лапина" -> "Виктор
    Лапин". Only the words before the first noun in the genitive change (its dependents stay)."""
    words = phrase.split()
    if not any(_cyrillic(w) for w in words):
        return phrase
    out: list[str] = []
    gender = None
    if name:
        first = next((p for p in _analyzer().parse(words[0]) if "Name" in p.tag), None)
        gender = first.tag.gender if first is not None else None
    for i, word in enumerate(words):
        if not _cyrillic(word) or not word.isalpha() and "-" not in word:
            out.append(word)
            continue
        out.append(_nominative_word(word, name, gender))
        tag = _analyzer().parse(word)[0].tag
        if "NOUN" in tag and not name:
            out.extend(words[i + 1 :])
            break
    return " ".join(out)


def same_surname(a: str, b: str) -> bool:
    """Two case forms of one surname ("Кравец"/"Кравца", "Лапин"/"Лапина")."""
    if a.casefold() == b.casefold():
        return True
    if not (_cyrillic(a) and _cyrillic(b)):
        return False
    return lemma_name(a) == lemma_name(b)


@lru_cache(maxsize=16384)
def lemma_name(word: str) -> str:
    parses = [p for p in _analyzer().parse(word) if any(t in p.tag for t in _NAME_TAGS)]
    parses = [p for p in parses if p.tag.number != "plur"] or parses  # one person's name
    if parses:
        return str(parses[0].normal_form)
    stem = word.casefold()
    for ending in ("ого", "ему", "ой", "ом", "ую", "ою", "а", "у", "е", "ы", "я", "ю"):
        if stem.endswith(ending) and len(stem) - len(ending) >= 3:
            return stem[: -len(ending)]
    return stem
