"""The line a reply opens with: the words of the text that answer the question, verbatim.

The answering sentence (the hit's highlight) is kept whole when it is short. A long one is
cut at clause boundaries (commas, semicolons, colons, dashes, quotation marks) and the run
of neighbouring clauses that holds the kind of answer the question asks for (a number for
"how many", a date for "when", a name for "who": index/answertype.py) and most of the
question's terms (index/lexical.py) is kept, without the reporting frame ("Kirby said",
"according to", "заявил", "sagte") since the line names its source anyway. Nothing is
composed: the line is always a substring of the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.answertype import PERSON, expected_type, offers
from index.lexical import analyse, key_terms
from index.search import Hit

SHORT_WORDS = 20  # a sentence this short is the line as it is
MAX_WORDS = 26  # the longest run of clauses a cut line keeps
TYPE_WEIGHT = 4.0  # holding the asked kind of answer outweighs a few shared terms
LENGTH_COST = 0.04  # per word: of two runs as good, the shorter
FRAME_MAX_WORDS = 6  # "A senior U.S. official said" opens a clause; longer is content

# A clause boundary: punctuation then space (not "50,000"), a spaced dash, a quotation mark.
_BOUNDARY = re.compile(r"(?<=[,;:])\s+(?!\d{3}\b)|\s+[—–-]\s+|(?<=[”»])\s+|\s+(?=[“«„])")
_EDGE = " \t,;:—–-“”\"«»„‘’'()"
_WORD = re.compile(r"\S+")
# Verbs that frame reported speech, in the languages the attribution reads; what follows
# them (and a "that") is what was said.
_REPORTING = re.compile(
    r"^(?P<frame>(?:[^\d\s]+\s+){0,"
    + str(FRAME_MAX_WORDS - 1)
    + r"}?(?:said|says|say|told\s+\S+|added|adds|stated|states|"
    r"wrote|writes|noted|notes|explained|reported|announced|according\s+to\s+[^,]+,|"
    r"сказал\w*|заявил\w*|сообщил\w*|отметил\w*|добавил\w*|по\s+словам\s+[^,]+,|"
    r"sagte\w*|sagt|erklärte\w*|betonte\w*|laut\s+[^,]+,),?\s+(?:(?:that|что|dass)\s+)?)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class AnswerLine:
    """The opening line: verbatim words, who says them (None: the article) and where."""

    text: str
    speaker: str | None  # "John Kirby, the National Security Council’s ..." as attributed
    paragraph: int
    hit: Hit


def answer_line(question: str, hit: Hit, language: str = "en") -> AnswerLine:
    """The line that answers `question` from the hit's answering sentence.

    `language` is the question's; the sentence is read in its article's language.
    """
    sentence = hit.highlight
    speaker = sentence.speaker.label() if sentence.speaker else None
    text = best_clause(question, sentence.text, language, hit.passage.language)
    return AnswerLine(text, speaker, hit.passage.paragraph, hit)


def best_clause(
    question: str, sentence: str, language: str = "en", text_language: str | None = None
) -> str:
    """The part of `sentence` that answers `question`: the whole of a short sentence, else
    the run of clauses with the asked kind of answer and most question terms."""
    whole = sentence.strip()
    if len(_WORD.findall(whole)) <= SHORT_WORDS:
        return whole
    text_language = text_language or language
    terms = set(key_terms(question, language))
    if text_language != language:  # a question in another language: its words may still match
        terms |= set(key_terms(question, text_language))
    kind = expected_type(question)
    clauses = split_clauses(whole)
    best, best_score = whole, float("-inf")
    for i in range(len(clauses)):
        for j in range(i, len(clauses)):
            start, end = clauses[i][0], clauses[j][1]
            text = _trim(drop_frame(whole[start:end]))
            size = len(_WORD.findall(text))
            if size > MAX_WORDS:
                break
            if not text:
                continue
            score = _score(text, terms, kind, text_language) - LENGTH_COST * size
            if score > best_score:
                best, best_score = text, score
    if best_score <= 0:  # nothing in any clause ties it to the question: keep it all
        return whole
    return best


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
    """The clause without an opening reporting frame ("Kirby said that ..." -> "...") when
    enough is said after it to stand alone."""
    match = _REPORTING.match(clause)
    if match is None:
        return clause
    rest = clause[match.end() :]
    return rest if len(_WORD.findall(rest)) >= 4 else clause


def _trim(text: str) -> str:
    return text.strip(_EDGE).rstrip()


def _score(text: str, terms: set[str], kind: str | None, language: str) -> float:
    shared = len(terms & set(analyse(text, language)))
    typed = kind is not None and kind != PERSON and offers(text, kind)
    if kind == PERSON:
        typed = offers(text, PERSON)
    return shared + (TYPE_WEIGHT if typed else 0.0)
