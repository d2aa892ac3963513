"""What kind of answer a question wants (a number, an amount of money, a date, a person, a
place) and whether a sentence offers one: "How many rockets?" is not answered by a sentence
with no number in it, "How much does it cost?" by one with no amount of money.
"""

from __future__ import annotations

import re

NUMBER, DATE, PERSON, PLACE, AGE = "number", "date", "person", "place", "age"
MONEY = "money"  # a number that is an amount of money: "how much does it cost?"

_EXPECT = [
    (
        NUMBER,
        r"\bhow (?:many|much|big|large|old|long|often)\b|\bwhat (?:share|percentage|percent|"
        r"fraction|proportion|number|amount|sum|size)\b|\bhow \w+ (?:percent|per ?cent)\b|"
        r"\bсколько\b|\bскільки\b|\bwie (?:viele?|alt|lange)\b|\bcu[aá]nt[oa]s?\b|%",
    ),
    (
        DATE,
        r"\bwhen\b|\bwen\b|\bwhat (?:year|date|day|month|time)\b|\bwhich (?:year|date|day|month)\b|"
        r"\bsince when\b|\bкогда\b|\bколи\b|\bв каком году\b|\bу якому році\b|\bwann\b|"
        r"\bcu[aá]ndo\b|\bin welchem jahr\b|\ben qu[eé] a[nñ]o\b",
    ),
    (
        MONEY,
        r"\bhow much\b[^?]{0,60}?\b(?:cost|costs|costing|pay|pays|paid|paying|spend|spends|spent|"
        r"spending|worth|insured|owe|owes|owed|money|price|priced|charge|charges|charged|earn|"
        r"earns|earned|raise|raised|budget|profit|revenue|bond|fine|fined|fund|funding|invest|"
        r"invested|salary|wages?|sell|sold|fetch|fetched)\b|"
        r"\bwhat (?:is|was|will be) the (?:price|cost|value)\b|\$\$|"
        r"\bсколько (?:стои\w*|стоил\w*|плат\w*|заплат\w*|потрат\w*|денег|получ\w*)|"
        r"\bскільки (?:кошту\w*|коштував\w*|плат\w*|грошей)|"
        r"\bwie viel (?:kostet|kosten|kostete\w*|geld|zahl\w*|bezahl\w*)|"
        r"\bcu[aá]nto (?:cuesta\w*|cost[oó]|pag\w*|dinero|gast\w*)",
    ),
    (PERSON, r"\bwho(?:m|se)?\b|\bкто\b|\bкого\b|\bхто\b|\bwer\b|\bqui[eé]n(?:es)?\b"),
    (
        PLACE,
        r"\bwhere\b|\bwhich (?:country|countries|city|place)\b|\bгде\b|\bде\b|\bwo\b|"
        r"\bd[oó]nde\b|\bin what country\b",
    ),
]
_EXPECT_RE = [(kind, re.compile(pattern, re.IGNORECASE)) for kind, pattern in _EXPECT]

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|half|percent|several"
)
_HAS = {
    NUMBER: re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE),
    DATE: re.compile(
        r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:january|february|march|april|may|june|july|august|"
        r"september|october|november|december|monday|tuesday|wednesday|thursday|friday|"
        r"saturday|sunday|yesterday|today|tomorrow)\b|\b(?:last|next|this|past) (?:week|month|"
        r"year|weeks|months|years)\b|\bago\b|\bsince\b",
        re.IGNORECASE,
    ),
    MONEY: re.compile(
        r"[$€£¥₽₴]|\b(?:dollars?|euros?|pounds?|pence|cents?|yuan|yen|rupees?|rs\.?|lakhs?|"
        r"crores?|francs?|rubles?|roubles?|hryvnias?|usd|eur|gbp|rub|chf)\b|"
        r"\b(?:рубл|доллар|евро|гривн)\w*|\b(?:dollar|pfund|franken)\b",
        re.IGNORECASE,
    ),
    # A person: two capitalised words in a row, or a title and a name ("Mr. Okafor").
    PERSON: re.compile(r"\b[A-Z][a-z]+(?:\s[A-Z][a-z]+)+\b|\b(?:Mr|Ms|Mrs|Dr)\.? [A-Z]"),
    # A place: a capitalised word after a locative preposition.
    PLACE: re.compile(r"\b(?:in|to|from|at|into|near|across)\s+(?:the\s+)?[A-Z]"),
}


_AGE = re.compile(r"\bhow old\b|\bage of\b|\bwhat age\b", re.IGNORECASE)
_HAS_AGE = re.compile(r"\b\d+[- ]years?[- ]old\b|\baged? \d+\b", re.IGNORECASE)


def asks_age(question: str) -> bool:
    return bool(_AGE.search(question))


def expected_type(question: str) -> str | None:
    """The kind of answer the question asks for, if it asks for one of the kinds we know."""
    head = question[:120]
    if asks_age(head):
        return AGE
    found = sorted(
        (match.start(), kind)
        for kind, pattern in _EXPECT_RE
        if (match := pattern.search(head)) is not None
    )
    # "Who paid, and how much?" asks for two things: no single kind to insist on. An amount
    # of money is the number a "how much does it cost" asks for, not a second kind.
    kinds = {kind for _, kind in found}
    if MONEY in kinds:
        kinds.discard(NUMBER)
        found = [(start, kind) for start, kind in found if kind != NUMBER]
    return found[0][1] if len(kinds) == 1 else None


def offers(text: str, kind: str | None, has_speaker: bool = False) -> bool:
    """Whether `text` contains an answer of that kind (a named speaker answers 'who')."""
    if kind is None:
        return True
    if kind == AGE:
        return bool(_HAS_AGE.search(text))
    if kind == PERSON and has_speaker:
        return True
    return bool(_HAS[kind].search(text))
