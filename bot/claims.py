"""What one source says in one passage, read for disputes: its content words (stemmed, in
the passage's language), which of them it negates, and whether it denies outright.

General wording of denial in English, Russian and German (deny, reject, "not true", "no
evidence", опроверг, неправда, слухи, wies zurück, ...), not the words of any one speaker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from index.attribution.vocabulary import words

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d[\d.,]*\d|\d", re.UNICODE)
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?|"
    r"refut(?:e|es|ed|ing)|untrue|not true|false(?:ly)?|lies|lying|baseless|groundless|"
    r"nonsense|fabricat\w+|no evidence|smear|rumou?rs?|speculation|no such|misleading|"
    r"опроверг\w*|отрица\w*|неправд\w*|ложь|лжив\w*|слух\w*|не соответству\w* действительност\w*|"
    r"bestreit\w*|bestritt\w*|dementi\w*|falsch\w*|nicht wahr|gerücht\w*|zurückgewiesen)\b"
    r"|\bwies\b[^.!?]*\bzurück\b",
    re.IGNORECASE,
)
# A denial that points back at what someone else said: "rejected that", "denied it as well",
# "rejected the claim", "назвал эти слова", "wies das zurück".
_ANAPHORA = re.compile(
    r"\b(?:den\w*|reject\w*|dismiss\w*|refut\w*)\s+(?:that|this|it|the\s+(?:claim|claims|"
    r"accusation|allegation|allegations|account|report|suggestion))\b|эти слова|эти данные|"
    r"\bwies\s+(?:das|dies|diese\w*)\b|\bclaim\b|\baccusation\b|\ballegation\b",
    re.IGNORECASE,
)
_NEGATIONS = words(
    "not n't never no nobody nothing none neither nor without cannot "
    "не ни нет никогда никто ничего нельзя "
    "nicht nie niemals kein keine keinen keinem keiner nichts niemand"
)
# Words every report shares; agreeing on them is not agreeing on a claim.
_STOP = _NEGATIONS | words(
    "a an the of in on at to for from with by about into over under and or but so if as "
    "than then that this these those there here it its is are was were be been being am do "
    "does did have has had having will would shall should can could may might must i me my "
    "we us our you your he him his she her they them their who whom whose which what when "
    "where why how all any both each few more most other some such only own same too very "
    "just also said says say told tell added adds claim claimed statement according asked "
    "one two monday tuesday wednesday thursday friday saturday sunday year years month week "
    "day и в во на с со к по о об от до из у за для при что как это этот эта эти его её ее "
    "их он она оно они мы вы я был была было были будет будут есть уже ещё еще также то чем "
    "же заявил заявила заявили сказал сказала сказали сообщил сообщила сообщили der die das "
    "den dem des ein eine einen einem einer eines und oder aber wie was wer ist sind war "
    "waren wird werden hat haben mit zu zum zur im in am an auf für von vom bei nach es sie "
    "er man sich noch schon dass ob sagte sagten erklärte"
)
_WINDOW = 5  # how far a negation reaches: "did not approve anything on August 2"
_BEHIND = 2  # and back: "the bridge will not open" negates the bridge's opening


@dataclass(frozen=True)
class Statement:
    speaker: str
    text: str
    stems: frozenset[str]
    names: frozenset[str]  # stems of capitalised words (who and where the claim is about)
    negated: frozenset[str]  # stems inside a negation's reach
    denies: bool  # denial wording ("rejected", "not true", "опроверг")
    points_back: bool  # "rejected that", "the claim": a denial of something said before


def language_of(text: str) -> str:
    if re.search(r"[а-яё]", text, re.IGNORECASE):
        return "ru"
    german = len(re.findall(r"\b(?:der|die|das|und|nicht|ist|sei|sagte|wird)\b", text))
    return "de" if german >= 2 else "en"


@cache
def _stemmer(language: str):  # type: ignore[no-untyped-def]
    import Stemmer  # PyStemmer: Snowball stemmers for en, ru, de

    return Stemmer.Stemmer({"ru": "russian", "de": "german"}.get(language, "english"))


@lru_cache(maxsize=4096)
def read(speaker: str, text: str, language: str | None = None) -> Statement:
    """One source's words in a passage, analysed (in the article's language, else guessed)."""
    language = language if language in ("en", "ru", "de") else language_of(text)
    stemmer = _stemmer(language)
    tokens = _WORD.findall(text.replace("n’t", " n't").replace("n't", " n't"))
    stems: set[str] = set()
    names: set[str] = set()
    negated: set[str] = set()
    reach = 0
    recent: list[str] = []  # stems of the last few tokens, for a negation's reach back
    for index, token in enumerate(tokens):
        low = token.casefold().replace("’", "'")
        if low in _NEGATIONS or low == "n't":
            reach = _WINDOW
            negated.update(s for s in recent[-_BEHIND:] if s)
            continue
        reach = max(0, reach - 1)
        if low in _STOP or len(low) < 3 and not low.isdigit():
            recent.append("")
            continue
        stem = stemmer.stemWord(low)
        recent.append(stem)
        stems.add(stem)
        if token[0].isupper() and index > 0 and language != "de":
            names.add(stem)
        if reach:
            negated.add(stem)
    own = {_stemmer(language).stemWord(w.casefold()) for w in speaker.split()}
    return Statement(
        speaker,
        text,
        frozenset(stems - own),
        frozenset(names - own),
        frozenset(negated - own),
        bool(_DENIAL.search(text)),
        bool(_ANAPHORA.search(text)),
    )


def disputed(claim: Statement, denial: Statement, follows: bool = False) -> frozenset[str]:
    """What `denial` contradicts in `claim` (the shared stems), or nothing: an explicit
    denial sharing two words with the claim (or naming its source, or "rejected that" right
    after it), or two of the claim's words said with the opposite polarity.
    `follows`: the denial comes a paragraph or two after the claim in the same article, so
    "rejected that" may point back at it."""
    shared = claim.stems & denial.stems
    content = shared - claim.names - denial.names
    if not shared:
        return frozenset()
    flipped = (shared & denial.negated) - claim.negated
    if denial.denies and not claim.denies:
        surname = claim.speaker.split()[-1].casefold() if claim.speaker else ""
        named_back = bool(surname) and surname in denial.text.casefold()
        pointed = denial.points_back and follows and bool(content)
        if len(shared) >= 2 or named_back or pointed:
            return frozenset(shared)
    if len(flipped & content) >= 2:
        return frozenset(shared)
    return frozenset()
