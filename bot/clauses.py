"""The clauses of a sentence, as a reply quotes them: where a sentence splits, the reporting
frame before what was said ("Dana Reyes said that ..."), the clauses that only name who
speaks, and quotation marks that must stay paired.

The answer line (bot/answerline.py) cuts the answering sentence along these clauses; the
dispute detector (bot/contested.py) reads a source's claim without the words that name it.
"""

from __future__ import annotations

import re

FRAME_MAX_WORDS = 6  # "A senior U.S. official said" opens a clause; longer is content

# A clause boundary: punctuation then space (not "50,000"), a spaced dash, the end of a
# quotation that ends a clause ("“We won,” she said"). A quoted word inside a clause
# ("renamed it “factcheckUK” during the debate") is part of it.
_BOUNDARY = re.compile(r"(?<=[,;:])\s+(?!\d{3}\b)|\s+[—–-]\s+|(?<=[,.!?;:][”»])\s+")
_EDGE = " \t,;:—–-‘’'"  # what a cut clause loses at its edges (trim), with lone quotes
_WORD = re.compile(r"\S+")
# Verbs that frame reported speech, in the languages the attribution reads; what follows
# them (and a "that") is what was said. Only the neutral ones: "denied", "warned", "rejected"
# (index/attribution/vocabulary.py lists every verb of saying) carry meaning a quote must keep.
_SAYS = r"said|says|stated|added|wrote|noted|explained|reported|announced"
_SAYS_OTHER = (
    r"сказал\w*|заявил\w*|сообщил\w*|отметил\w*|добавил\w*|говорит\w*|sagte\w*|sagt|"
    r"erklärte\w*|betonte\w*"
)
# Words that open a relative clause: a run of clauses that starts with one has lost its noun
# ("who took charge in 2021, added ..."). German and Spanish "der", "que" are not only that.
_RELATIVE = re.compile(
    r"^(?:who|whom|whose|which|котор\w+|чей|чья|чьё|чьи|welche[mnrs]?|quien(?:es)?)\b",
    re.IGNORECASE,
)


def _few_words(least: int) -> str:
    """From `least` to a few words, as few as will do, with no punctuation among them."""
    return rf"(?:\s+[^\s,.;:]+){{{least},{FRAME_MAX_WORDS - 3}}}?"


# A frame may run on to a "that" through the one told ("told the assembly that"), an
# adverbial ("said on Thursday that"; in English it must open with a preposition or a word of
# time, as "said the plan that ..." is no frame), or a few words before a comma and a
# conjunction that is never a relative ("заявил в четверг, что", "sagte am Mittwoch, dass").
_FRAMES = (
    r"told" + _few_words(1) + r"\s+that\s+",
    rf"(?:{_SAYS})\s+(?:on|in|at|during|after|before|last|this|earlier|later|late|early|"
    r"yesterday|today|also|again|separately)" + _few_words(0) + r",?\s+that\s+",
    rf"(?:{_SAYS_OTHER})" + _few_words(1) + r",\s+(?:что|dass)\s+",
    rf"(?:{_SAYS}|say|told\s+(?:the\s+|an?\s+)?\S+|adds|states|writes|notes|according\s+to\s+[^,]+,|"
    rf"{_SAYS_OTHER}|по\s+словам\s+[^,]+,|laut\s+[^,]+,),?\s+(?:(?:that|что|dass)\s+)?",
)
_REPORTING = re.compile(
    rf"^(?P<frame>(?:[^\d\s]+\s+){{0,{FRAME_MAX_WORDS - 1}}}?(?:{'|'.join(_FRAMES)}))",
    re.IGNORECASE,
)
_OPENS_FRAME = re.compile(rf"^(?:{_SAYS}|told|{_SAYS_OTHER})\b", re.IGNORECASE)
_SAYING = re.compile(rf"\b(?:{_SAYS}|told|{_SAYS_OTHER})\b", re.IGNORECASE)
_QUOTED_WORDS = re.compile(r"[,.!?…][”»“\"]")  # the end of a quoted sentence: "... win,”"
_ENDS_SAYING = re.compile(rf"\b(?:{_SAYS}|{_SAYS_OTHER})(?:\s+(?:that|что|dass))?\W*$", re.I)
# After a comma, Russian and German open what was said with a conjunction ("..., что ..."),
# and a clause may open with one that joins it to the clause before ("..., but striker X
# scored twice", "..., and we believe that ..."): neither is part of what a cut quotes.
_CONJUNCTION = re.compile(r"^(?:что|dass|and|but|и|а|но|und|aber|y|pero)\s+", re.IGNORECASE)
_WORD_ONLY = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_ARTICLES = frozenset({"the", "a", "an"})
# Quotation marks and what closes each (German opens with „ and closes with “).
_QUOTES = {"“": "”", "„": "“", "«": "»", '"': '"'}
_CLOSERS = frozenset('”»“"')


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def split_clauses(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of a sentence, in order, covering every word."""
    spans, start = [], 0
    for match in _BOUNDARY.finditer(sentence):
        if sentence[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if sentence[start:].strip():
        spans.append((start, len(sentence)))
    return spans


def drop_frame(clause: str) -> str:
    """The clause without an opening reporting frame ("Reyes said that ..." -> "...") or
    joining conjunction ("but ...") when enough is said after it to stand alone."""
    match = _REPORTING.match(clause) or _CONJUNCTION.match(clause)
    if match is None:
        return clause
    rest = clause[match.end() :]
    return rest if word_count(rest) >= 4 else clause


def names_only(clause: str, source: str) -> bool:
    """Whether a clause says nothing but who the `source` (name and role, as attributed) is
    and that they speak: "the opposition's transport spokeswoman", or a frame whose words
    come in the next clause, "Аналитик «Меридиан» Денис Кравец сказал"."""
    known = {w.casefold() for w in _WORD_ONLY.findall(source)} | _ARTICLES
    rest = [w for w in _WORD_ONLY.findall(clause) if w.casefold() not in known]
    if _ENDS_SAYING.search(clause):
        # a few words that describe the source before the verb, not a quotation ("“We won,”
        # Okonjo said")
        return len(rest) <= FRAME_MAX_WORDS and not _QUOTED_WORDS.search(clause)
    return all(_SAYING.fullmatch(w) for w in rest)


def closes_with_source(clause: str) -> bool:
    """Whether the last clause of a sentence only says who said it: "said Brackenford coach
    Miriam Hale", "the ministry said", "говорится в отчётности компании"."""
    short = word_count(clause) <= FRAME_MAX_WORDS and not _QUOTED_WORDS.search(clause)
    return short and bool(_OPENS_FRAME.match(clause) or _ENDS_SAYING.search(clause))


def quotation(sentence: str) -> str | None:
    """What a sentence that is one quotation and the words naming who said it quotes:
    "“We ran out of legs,” Navarro told reporters." -> "We ran out of legs" (the line names
    its source anyway); None for any other sentence."""
    text = sentence.strip()
    closer = _QUOTES.get(text[:1])
    end = text.find(closer, 1) if closer else -1
    if end < 0 or _has_marks(text[1:end]):
        return None
    frame = text[end + 1 :].strip(" ,—–-")
    short = 0 < word_count(frame) <= FRAME_MAX_WORDS and not _QUOTED_WORDS.search(frame)
    if not (short and _SAYING.search(frame)):  # "Navarro told reporters", "сказал он"
        return None
    return text[1:end].strip().rstrip(",;:").rstrip()


def paired_quotes(text: str) -> str:
    """The text without the quotation marks that open or close nothing in it."""
    lone = _lone_marks(text)
    return "".join(c for i, c in enumerate(text) if i not in lone)


def cuts_a_noun_off(clauses: list[str]) -> bool:
    """Whether a run of clauses that does not open the sentence starts in a relative clause
    ("who took charge in 2021, added ...") or leaves out the subject of a reporting verb it
    holds ("head of the medical association, said the true number ...")."""
    return bool(_RELATIVE.match(clauses[0])) or any(_OPENS_FRAME.match(c) for c in clauses[1:])


def unquote(text: str) -> str:
    """Without quotation marks that open or close nothing within it: a sentence that is one
    quotation loses its outer marks, the last sentence of a quotation its closing one."""
    inner = text[1:-1]
    if len(text) > 2 and _QUOTES.get(text[0]) == text[-1] and not _has_marks(inner):
        return inner
    lone = _lone_marks(text)
    return text[1 if 0 in lone else 0 : -1 if len(text) - 1 in lone else len(text)]


def _has_marks(text: str) -> bool:
    return any(c in _QUOTES or c in _CLOSERS for c in text)


def _lone_marks(text: str) -> set[int]:
    """Where `text` has a quotation mark that opens or closes nothing in it."""
    opened: list[int] = []
    lone: set[int] = set()
    for i, mark in enumerate(text):
        if mark not in _QUOTES and mark not in _CLOSERS:
            continue
        if opened and mark == _QUOTES[text[opened[-1]]]:
            opened.pop()
        elif mark in _QUOTES:
            opened.append(i)
        else:
            lone.add(i)
    return lone | set(opened)


def trim(text: str) -> str:
    """Without edge punctuation, nor quotation marks at the edges that match nothing."""
    while (trimmed := unquote(text.strip(_EDGE))) != text:
        text = trimmed
    return text
