"""The line a reply opens with: the words of the text that answer the question, verbatim.

The answering sentence (the hit's highlight) is kept whole when it is short. A long one is
cut at clause boundaries (commas, semicolons, colons, dashes, quotation marks) and the run
of neighbouring clauses that holds the kind of answer the question asks for (a number for
"how many", a date for "when", a name for "who": index/answertype.py) and most of the
question's terms (index/lexical.py) is kept, without the reporting frame ("Dana Reyes said",
"according to", "заявил", "sagte") since the line names its source anyway. Nothing is
composed: the line is always a substring of the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answertype import expected_type, offers
from index.lexical import analyse, key_terms
from index.search import Hit

SHORT_WORDS = 20  # a sentence this short is the line as it is
LONG_WORDS = 40  # ... and this short, when the question asks for no kind the text shows
MAX_WORDS = 26  # the longest run of clauses a cut line keeps
LENGTH_COST = 0.04  # per word: of two runs as good, the shorter
MIN_WORDS = 5  # a cut shorter than this is a name or a fragment ("Salt and Ember"), not a fact
FRAME_MAX_WORDS = 6  # "A senior U.S. official said" opens a clause; longer is content

# A clause boundary: punctuation then space (not "50,000"), a spaced dash, the end of a
# quotation that ends a clause ("“We won,” she said"). A quoted word inside a clause
# ("renamed it “factcheckUK” during the debate") is part of it.
_BOUNDARY = re.compile(r"(?<=[,;:])\s+(?!\d{3}\b)|\s+[—–-]\s+|(?<=[,.!?;:][”»])\s+")
_EDGE = " \t,;:—–-‘’'"  # and quotation marks that match nothing in the line
_WORD = re.compile(r"\S+")
# Verbs that frame reported speech, in the languages the attribution reads; what follows
# them (and a "that") is what was said.
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
# After a comma, Russian and German open what was said with a conjunction ("..., что ...").
_CONJUNCTION = re.compile(r"^(?:что|dass)\s+", re.IGNORECASE)
_WORD_ONLY = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*")
_ARTICLES = frozenset({"the", "a", "an"})
# Quotation marks and what closes each (German opens with „ and closes with “).
_QUOTES = {"“": "”", "„": "“", "«": "»", '"': '"'}
_CLOSERS = frozenset('”»“"')


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """The opening line: verbatim words, who says them (None: the article) and where."""

    text: str
    speaker: str | None  # "Dana Reyes, the council's treasurer" as attributed
    paragraph: int
    hit: Hit


def answer_line(question: str, hit: Hit, language: str = "en") -> AnswerLine:
    """The line that answers `question` from the hit's answering sentence.

    `language` is the question's; the sentence is read in its article's language.
    """
    sentence = hit.highlight
    speaker = sentence.speaker.label() if sentence.speaker else None
    name = sentence.speaker.name if sentence.speaker else ""
    text = best_clause(question, sentence.text, language, hit.passage.language, name)
    return AnswerLine(text, speaker, hit.passage.paragraph, hit)


def best_clause(
    question: str,
    sentence: str,
    language: str = "en",
    text_language: str | None = None,
    speaker: str = "",
) -> str:
    """The part of `sentence` that answers `question`: the whole of a short sentence, else
    the run of clauses with the asked kind of answer and most question terms (the name of
    the `speaker`, shown beside the line anyway, does not count).

    The sentence stays whole when no run can be told apart as the answer: the question
    asks for no kind the text can be checked for (unless the sentence is very long), no
    run holds the asked kind, or two separate runs are equally good.
    """
    whole = _unquote(sentence.strip())
    size = len(_WORD.findall(whole))
    kind = expected_type(question)
    if size <= SHORT_WORDS or (kind is None and size <= LONG_WORDS):
        return whole
    text_language = text_language or language
    terms = set(key_terms(question, language))
    if text_language != language:  # a question in another language: its words may still match
        terms |= set(key_terms(question, text_language))
    terms -= set(analyse(speaker, text_language))
    runs = _runs(whole, terms, kind, text_language)
    if not runs:
        return whole
    best_score = max(score for score, _, _ in runs)
    tops = [(span, text) for score, span, text in runs if score == best_score]
    (start, end), best = min(tops, key=lambda top: len(top[1]))
    if best_score <= 0 or any(b <= start or a >= end for (a, b), _ in tops):
        return whole  # nothing ties a run to the question, or two separate runs tie
    return best


def _runs(
    whole: str, terms: set[str], kind: str | None, language: str
) -> list[tuple[float, tuple[int, int], str]]:
    """Each run of neighbouring clauses short enough for the line: (score, span, text); with
    an asked kind, only the runs that hold one."""
    clauses = split_clauses(whole)
    opens = [_trim(whole[a:b]) for a, b in clauses]
    runs = []
    for i in range(len(clauses)):
        for j in range(i, len(clauses)):
            start, end = clauses[i][0], clauses[j][1]
            text = _trim(drop_frame(whole[start:end]))
            size = len(_WORD.findall(text))
            if size > MAX_WORDS:
                break
            if size < MIN_WORDS or (kind is not None and not offers(text, kind)):
                continue
            if i > 0 and _cuts_a_noun_off(opens[i : j + 1]):
                continue
            if text.count("(") != text.count(")"):
                continue  # "with producer John Shanks (Bon Jovi"
            shared = len(terms & set(analyse(text, language)))
            runs.append((round(shared - LENGTH_COST * size, 6), (start, end), text))
    return runs


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
    """The clause without an opening reporting frame ("Reyes said that ..." -> "...") when
    enough is said after it to stand alone."""
    match = _REPORTING.match(clause) or _CONJUNCTION.match(clause)
    if match is None:
        return clause
    rest = clause[match.end() :]
    return rest if len(_WORD.findall(rest)) >= 4 else clause


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
    short = len(_WORD.findall(clause)) <= FRAME_MAX_WORDS and not _QUOTED_WORDS.search(clause)
    return short and bool(_OPENS_FRAME.match(clause) or _ENDS_SAYING.search(clause))


def paired_quotes(text: str) -> str:
    """The text without the quotation marks that open or close nothing in it."""
    lone = _lone_marks(text)
    return "".join(c for i, c in enumerate(text) if i not in lone)


def _cuts_a_noun_off(clauses: list[str]) -> bool:
    """Whether a run of clauses that does not open the sentence starts in a relative clause
    ("who took charge in 2021, added ...") or leaves out the subject of a reporting verb it
    holds ("head of the medical association, said the true number ...")."""
    return bool(_RELATIVE.match(clauses[0])) or any(_OPENS_FRAME.match(c) for c in clauses[1:])


def _unquote(text: str) -> str:
    """Without quotation marks that open or close nothing within it: a sentence that is one
    quotation loses its outer marks, the last sentence of a quotation its closing one."""
    inner = text[1:-1]
    if (
        len(text) > 2
        and _QUOTES.get(text[0]) == text[-1]
        and not _lone_marks(inner, all_marks=True)
    ):
        return inner
    lone = _lone_marks(text)
    return text[1 if 0 in lone else 0 : -1 if len(text) - 1 in lone else len(text)]


def _lone_marks(text: str, all_marks: bool = False) -> set[int]:
    """Where `text` has a quotation mark that opens or closes nothing in it (with
    `all_marks`, where it has any)."""
    opened: list[int] = []
    lone: set[int] = set()
    for i, mark in enumerate(text):
        if mark not in _QUOTES and mark not in _CLOSERS:
            continue
        if all_marks:
            lone.add(i)
        elif opened and mark == _QUOTES[text[opened[-1]]]:
            opened.pop()
        elif mark in _QUOTES:
            opened.append(i)
        else:
            lone.add(i)
    return lone | set(opened)


def _trim(text: str) -> str:
    """Without edge punctuation, nor quotation marks at the edges that match nothing."""
    while (trimmed := _unquote(text.strip(_EDGE))) != text:
        text = trimmed
    return text
