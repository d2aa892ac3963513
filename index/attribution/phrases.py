"""What one attribution phrase names: a person (with the role written beside the name), an
organisation, an unnamed source, a pronoun, or a common noun that refers back to someone
named ("the company", "the analyst"). Phrases come from one clause; nothing is resolved here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from index.attribution import morphology
from index.attribution import vocabulary as v
from index.attribution.quotes import MASK

Kind = Literal["person", "org", "name", "unnamed", "group", "document", "pronoun", "generic"]


@dataclass(frozen=True)
class Subject:
    kind: Kind
    name: str  # as written (a pronoun, a name, "a senior official", "the company")
    role: str | None = None
    gender: str | None = None  # "m", "f", "n" (it), None (unknown)
    number: str | None = None  # "sg", "pl", None
    head: str | None = None  # the noun of a common-noun phrase ("company", "analyst")


_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_CAP = re.compile(rf"^(?:[{_UP}]|\d*[{_UP}])")
_POSSESSIVE = re.compile(r"\s?['’]s?$")
_PARTICLES = v.words("de del der van von da di du la le bin ibn al el ter ten dos das")
_INNER = v.words("of for and & de")  # inside an organisation's name: "Center for Disease Control"
_COMPLEMENT = re.compile(
    r"\s+(?:of|for|at|with|from|in|on|close to|familiar with|representing|working)\s.*$"
)
_COMPLEMENT_DE = re.compile(r"\s+(?:von|vom|aus|bei)\s.*$")


def is_cap(token: str) -> bool:
    return bool(_CAP.match(token))


_ABBREVIATED = re.compile(
    r"(?:[A-Za-zА-Я]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Co|Inc|Corp|Ltd|Sen|Rep|Gov|Gen|Lt|Col|"
    r"Maj|Capt|Sgt|Adm|Cmdr|Supt|Insp|Det|Rev|Pres|Amb|Messrs|No|Nos)\."
)


def bare(token: str) -> str:
    """A token without trailing punctuation or a possessive ("Roe’s" -> "Roe")."""
    token = token.strip(',;:!?()[]“”"«»„')
    if not _ABBREVIATED.fullmatch(token):
        token = token.rstrip(".")
    return _POSSESSIVE.sub("", token) if re.search(r"\w['’]s?$", token) else token


def plain(token: str) -> str:
    """A token for vocabulary look-ups: bare, without a final period, lower case."""
    return bare(token).rstrip(".").casefold()


def is_role(token: str, language: str) -> bool:
    word = plain(token)
    if language == "ru":
        return word in v.RU_ROLES
    if language == "de":
        return word in v.DE_ROLES
    if word in v.EN_ROLES or word.rstrip("s") in v.EN_ROLES or word in v.EN_TITLE_ABBREVIATIONS:
        return True
    suffixed = word.endswith(v.EN_ROLE_SUFFIXES) and word not in v.EN_NOT_ROLE_IST
    return suffixed and len(word) > 5 and token[:1].islower()  # "ecologist", not "Lindqvist"


def is_org_word(token: str, language: str) -> bool:
    word = plain(token)
    if language == "ru":
        return morphology.lemma(word) in v.RU_ORGS or word in v.RU_ORGS
    if language == "de":
        return word in v.DE_ORGS
    return word in v.EN_ORGS


def _stop(language: str) -> frozenset[str]:
    return {"ru": v.RU_STOP, "de": v.DE_STOP}.get(language, v.EN_STOP)


def _pronoun(word: str, language: str) -> tuple[str | None, str | None] | None:
    table = {"ru": v.RU_PRONOUNS, "de": v.DE_PRONOUNS}.get(language, v.EN_PRONOUNS)
    return table.get(word.casefold())


def _is_name_token(token: str, language: str) -> bool:
    word = bare(token)
    if not word or MASK in word:
        return False
    if word in ("&",) or word.casefold() in _PARTICLES and language != "de":
        return True
    if not is_cap(word) or word.casefold() in _stop(language) | {"the"}:
        return False
    if len(word) > 6 and word.isupper():
        return False  # a dateline ("LONDON"), not a name
    return bool(re.fullmatch(r"[\w&.’'-]+", word))


def name_run(tokens: list[str], language: str) -> int:
    """Where the name at the end of `tokens` starts (len(tokens) when none ends them); "of",
    "for", "and" join capitalised words into one ("Ministry of Health")."""
    start = len(tokens)
    while start > 0:
        token = tokens[start - 1]
        if start < len(tokens) and re.search(r"\w['’]s?$", token):
            break  # "Acme's Jane Roe": the owner is not part of the name
        inner = plain(token) in _INNER and start < len(tokens) and start > 1
        if not (_is_name_token(token, language) or inner and is_cap(tokens[start - 2])):
            break
        start -= 1
    while (
        start < len(tokens)
        and plain(tokens[start]) in _PARTICLES | _INNER
        and (not is_cap(tokens[start]) or plain(tokens[start]) in _INNER)
    ):
        start += 1
    return start


def parse(phrase: str, language: str = "en") -> Subject | None:
    """The source a whole phrase names, or None when it names none."""
    phrase = re.sub(r"\s*\([^)]*\)", "", phrase).strip(' ,;:—–-"“”«»„')
    phrase = re.sub(r"\s+(['’]s)\b", r"\1", phrase)  # "NPR ’s" as some copy spaces it
    phrase = re.sub(r"^(?:and|but|so|yet|und|aber|и|а|но)\s+", "", phrase, flags=re.I)
    if not phrase or len(phrase.split()) > 16:
        return None
    if (found := _pronoun(phrase, language)) is not None:
        return Subject("pronoun", phrase, gender=found[0], number=found[1])
    tokens = phrase.split()
    if language == "en" and _sentence_capital(tokens):
        tokens[0] = tokens[0].lower()  # "Officials said": a common noun opening a sentence
        phrase = " ".join(tokens)
    start = name_run(tokens, language)
    if start == len(tokens):
        return _common(phrase, language)
    complement = _COMPLEMENT.search(phrase) if language != "de" else None
    if complement is not None and complement.start() > 0:
        head = phrase[: complement.start()].split()
        if name_run(head, language) == len(head) or all(
            not is_cap(t) or plain(t) in v.EN_DETERMINERS | v.EN_STOP for t in head
        ):
            return _common(phrase, language)  # "a spokesperson for the Acme Line"
    person = _person_with_complement(phrase, language)
    if person is not None:
        return person
    return _named(tokens[:start], tokens[start:], language)


def _sentence_capital(tokens: list[str]) -> bool:
    first = plain(tokens[0])
    vocabulary = v.EN_DETERMINERS | v.EN_SOURCES | v.EN_DOCUMENTS | v.EN_ORGS
    common = first in vocabulary or first.rstrip("s") in vocabulary | v.EN_ROLES
    return common and (len(tokens) == 1 or not is_cap(tokens[1]) or first in v.EN_DETERMINERS)


def _person_with_complement(phrase: str, language: str) -> Subject | None:
    """ "Music critic Jane Roe of the Weekly Review", "Roe of the Times": a person and where
    they work; an organisation's own "of" ("Ministry of Health") is not cut."""
    match = (_COMPLEMENT_DE if language == "de" else _COMPLEMENT).search(phrase)
    if match is None or match.start() == 0:
        return None
    head = phrase[: match.start()].split()
    start = name_run(head, language)
    if start == len(head) or any(is_org_word(t, language) for t in head[start:]):
        return None
    found = _named(head[:start], head[start:], language)
    if found is None or found.kind not in ("person", "name"):
        return None
    role = " ".join(filter(None, [found.role, phrase[match.start() :].strip()]))
    return replace(found, kind="person", role=role)


def _modifiers_ok(tokens: list[str], language: str) -> bool:
    """Words before a name or a head noun: articles, possessives, adjectives and roles, not
    a verb, an adverb or a preposition ("surrounded the X on", "always stop by his")."""
    if len(tokens) > 7:
        return False
    if language != "en":
        return True
    for token in tokens:
        word = plain(token)
        if is_role(word, language) or is_cap(token) or word in v.EN_DETERMINERS:
            continue
        verb = word.endswith(("ed", "ing")) and word not in _ADJECTIVE_FORMS
        if word in _FUNCTION_WORDS or verb or (word.endswith("ly") and word not in ("only",)):
            return False
    return True


_FUNCTION_WORDS = (
    v.EN_AUX
    | v.EN_PASSIVE
    | v.EN_SPEECH
    | v.words(
        "in on at to by with from into after before over under about during through without "
        "he she it they we i you him them us his its their our my your and or but that which "
        "who what when where if because than as"
    )
)
_ROLE_OPENERS = v.words("the a an ihr ihre sein") | v.ROLE_POSSESSIVES
_ADJECTIVE_FORMS = v.words(
    "retired elected unnamed unidentified licensed qualified leading ruling governing "
    "acting founding managing presiding visiting supervising striking"
)


def _named(before: list[str], run: list[str], language: str) -> Subject | None:
    """A phrase ending in a capitalised run: role words before it, the name in it."""
    words = [bare(t) for t in run]
    if any(MASK in w for w in words) or not _modifiers_ok(before, language):
        return None
    lowered = [w.casefold() for w in words]
    titled = [i for i, w in enumerate(words) if is_role(w, language) or plain(w) in v.EN_HONORIFICS]
    person_after_title = (
        bool(titled)
        and titled[-1] < len(words) - 1
        and not any(is_org_word(w, language) for w in words[max(titled[-1] + 1, len(words) - 2) :])
    )
    if not person_after_title and _is_org(words, before, language):
        return Subject("org", _org_text(before, run, language), number=None)
    if "and" in lowered:
        return None  # two sources ("Roe and Doe said"): not one to name
    role_tokens = list(before)
    if titled:
        cut = titled[-1] + 1
        rest = words[cut:]
        if rest and rest[0].casefold() in ("of", "for") or (not rest and cut > 0):
            return _titled_of(before, words, cut, language)
        role_tokens += run[:cut]
        words, lowered = words[cut:], lowered[cut:]
    gender = None
    honorific = [w for w in role_tokens if plain(w) in v.EN_HONORIFICS]
    if honorific:
        gender = v.EN_HONORIFICS[plain(honorific[-1])]
        role_tokens = [t for t in role_tokens if t not in honorific]
    if not 1 <= len(words) <= 4:
        return None
    role = _role_text(role_tokens, language)
    kind: Kind = "person" if (role or gender or len(words) > 1) else "name"
    if language == "ru" and kind == "name" and morphology.is_person_name(words[0]):
        kind = "person"
    gender = gender or _gender_of_role(role_tokens, language)
    return Subject(kind, " ".join(words), role, gender, "sg")


def _titled_of(before: list[str], words: list[str], cut: int, language: str) -> Subject | None:
    """ "Secretary of State Jane Roe" (a title with its own "of", then the name) or "the High
    Commissioner for Human Rights" (a title alone: an unnamed source as written)."""
    rest = words[cut:]
    if len(rest) >= 4:  # "of State Jane Roe"
        name = rest[-2:]
        role = " ".join([*before, *words[:cut], *rest[:-2]])
        return Subject("person", " ".join(name), _role_text(role.split(), language), None, "sg")
    text = " ".join([*before, *words])
    return Subject("unnamed", _lower_article(text), head=words[cut - 1].casefold())


def _is_org(words: list[str], before: list[str], language: str) -> bool:
    if any(is_org_word(w, language) for w in words) or "&" in "".join(words):
        return not any(is_role(w, language) for w in words[-2:])
    if any(re.fullmatch(r"[A-ZА-Я]{2,6}", w) and w not in ("II", "III", "IV") for w in words):
        return len(words) <= 3  # an acronym: "CPUC", "EU", "Chinese CDC"
    inner = [w for w in words[1:-1] if w.casefold() in _INNER - {"and"}]
    return bool(inner) or bool(before and before[-1] in ("The", "the"))  # "the Kremlin"


def _org_text(before: list[str], run: list[str], language: str) -> str:
    tokens = [t for t in before if is_cap(t) or t.casefold() in _INNER] + run
    if before and before[-1] == "the" and language == "en":
        tokens = ["the", *tokens]
    text = " ".join(tokens).strip(",;:")
    text = re.sub(r"^(?:The|the)\s+", "the " if language == "en" else "", text)
    if language == "de":
        text = re.sub(r"^(?:Der|Die|Das|der|die|das|des|dem|den)\s+", "", text)
    return text


def _role_text(tokens: list[str], language: str) -> str | None:
    """The role as written, without the words at its edges that are not part of it (a
    preposition inside it stays: "вице-мэр города по транспорту")."""
    stop = _stop(language) - {"of"}
    while tokens and (bare(tokens[0]).casefold() in _ROLE_OPENERS or tokens[0].casefold() in stop):
        tokens = tokens[1:]
    while tokens and tokens[-1].casefold() in stop:
        tokens = tokens[:-1]
    text = " ".join(tokens).strip(" ,")
    return text or None


def _gender_of_role(tokens: list[str], language: str) -> str | None:
    words = {bare(t).casefold() for t in tokens}
    if words & v.EN_FEMALE:
        return "f"
    if words & v.EN_MALE:
        return "m"
    if language == "de" and any(is_role(w, language) and w.endswith("in") for w in words):
        return "f"
    if language == "ru" and any(w.endswith(("ница", "ка")) for w in words if is_role(w, language)):
        return "f"
    return None


def _common(phrase: str, language: str) -> Subject | None:
    """A phrase without a name: "a senior official", "analysts", "the ministry", "court
    records", "Russia's foreign ministry", "judge Roe" is not one (it ends in a name)."""
    core = _COMPLEMENT.sub("", phrase) if not phrase.casefold().startswith("one of") else phrase
    tokens = core.split()
    head = bare(tokens[-1]).casefold()
    first = tokens[0].casefold()
    if first in ("his", "her", "its", "their", "our", "my", "your") or not _modifiers_ok(
        tokens[:-1], language
    ):
        return None  # "his office": whose is not said here
    definite = first in ("the", "der", "die", "das") or bool(re.search(r"['’]s?$", tokens[0]))
    if language == "ru":
        return _common_ru(phrase, tokens)
    singular = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
    if head in v.EN_DOCUMENTS or singular in v.EN_DOCUMENTS:
        return Subject("document", _lower_article(phrase), head=singular)
    generic = [bare(t).casefold() for t in tokens if bare(t).casefold() in v.EN_GENERIC_ORGS]
    if generic and not definite and len(tokens) == 2 and is_org_word(head, language):
        return Subject("generic", _lower_article(phrase), head=generic[0])  # "company officials"
    if is_org_word(head, language):
        kind: Kind = "generic" if definite and len(tokens) <= 3 else "org"
        return Subject(kind, _lower_article(phrase), number=None, head=head)
    plural = head != singular or head in ("people", "police", "authorities", "staff")
    if is_role(singular, language) or singular in v.EN_SOURCES or head in v.EN_SOURCES:
        if plural:
            return Subject("group", _lower_article(phrase), number="pl", head=singular)
        if first not in v.EN_DETERMINERS and not definite:
            return None  # a bare singular ("actor") names nobody
        kind = "generic" if definite and singular not in v.EN_SOURCES else "unnamed"
        gender = _gender_of_role(tokens, language)
        return Subject(kind, _lower_article(phrase), gender=gender, number="sg", head=singular)
    return None


def _common_ru(phrase: str, tokens: list[str]) -> Subject | None:
    if any(morphology.is_verb(bare(t).casefold()) for t in tokens):
        return None
    lemmas = [morphology.lemma(bare(t).casefold()) for t in tokens]
    if any(lem in v.RU_GENERIC_ORGS for lem in lemmas):
        head = next(lem for lem in lemmas if lem in v.RU_GENERIC_ORGS)
        return Subject("generic", morphology.nominative(phrase), head=head)
    if any(lem in v.RU_ORGS for lem in lemmas):
        return Subject("org", morphology.nominative(phrase), head=lemmas[0])
    if lemmas[0] in v.RU_ROLES:
        return Subject("unnamed", morphology.nominative(phrase), head=lemmas[0])
    return None


def _lower_article(text: str) -> str:
    """Lower-case a leading article or common noun ("A senior official", "Officials"), not
    a proper adjective ("Israeli settlers")."""
    first, _, rest = text.partition(" ")
    word = first.casefold()
    common = word in v.EN_DETERMINERS or word.rstrip("s") in v.EN_SOURCES | v.EN_ROLES
    if common and first.isalpha():
        return f"{word} {rest}".strip()
    return text
