"""The line a reply opens with: the words of the text that answer the question, verbatim.

The answering sentence (the hit's highlight) is kept whole when it is short. A long one is
cut at clause boundaries (bot/clauses.py: commas, semicolons, colons, dashes, quotation
marks) and the run of neighbouring clauses that holds the kind of answer the question asks
for (a number for "how many", a date for "when", a name for "who": index/answertype.py) and
most of the question's terms (index/lexical.py) is kept, without the reporting frame ("Dana
Reyes said", "according to", "заявил", "sagte") since the line names its source anyway. A
run never starts inside a relative clause nor leaves out the one a "said" it holds is
about, and keeps its quotation marks and brackets paired. Nothing is composed: the line is
always a substring of the sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.clauses import (
    cuts_a_noun_off,
    drop_frame,
    quotation,
    split_clauses,
    trim,
    unquote,
    word_count,
)
from index.answertype import expected_type, offers
from index.lexical import analyse, key_terms
from index.search import Hit
from index.sentences import after_dateline

SHORT_WORDS = 20  # a sentence this short is the line as it is
LONG_WORDS = 40  # ... and this short, when the question asks for no kind the text shows
MAX_WORDS = 26  # the longest run of clauses a cut line keeps
LENGTH_COST = 0.04  # per word: of two runs as good, the shorter
MIN_WORDS = 5  # a cut shorter than this is a name or a fragment ("Salt and Ember"), not a fact


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
    run holds the asked kind, or two separate runs hold as many of the question's terms
    (being shorter does not make one the answer).
    """
    sentence = after_dateline(sentence.strip())  # "ТОМСК, 3 мая." says nothing asked
    whole = unquote(sentence)
    quoted = quotation(sentence)
    if quoted is not None and word_count(quoted) >= MIN_WORDS:
        whole = quoted  # "“We ran out of legs, simple as that,” Navarro told reporters."
    size = word_count(whole)
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
    most = max(shared for shared, _, _, _ in runs)
    tops = [
        (shared - LENGTH_COST * words, span, text)
        for shared, words, span, text in runs
        if shared == most
    ]
    score, (start, end), best = max(tops, key=lambda top: (top[0], -len(top[2])))
    if score <= 0 or any(b <= start or a >= end for _, (a, b), _ in tops):
        return whole  # nothing ties a run to the question, or two separate runs hold as much
    return best


def _runs(
    whole: str, terms: set[str], kind: str | None, language: str
) -> list[tuple[int, int, tuple[int, int], str]]:
    """Each run of neighbouring clauses short enough for the line: (question terms it holds,
    words, span, text); with an asked kind, only the runs that hold one."""
    clauses = split_clauses(whole)
    opens = [trim(whole[a:b]) for a, b in clauses]
    runs = []
    for i in range(len(clauses)):
        for j in range(i, len(clauses)):
            start, end = clauses[i][0], clauses[j][1]
            text = trim(drop_frame(whole[start:end]))
            size = word_count(text)
            if size > MAX_WORDS:
                break
            if size < MIN_WORDS or (kind is not None and not offers(text, kind)):
                continue
            if i > 0 and cuts_a_noun_off(opens[i : j + 1]):
                continue
            if text.count("(") != text.count(")"):
                continue  # "with producer John Shanks (Bon Jovi"
            shared = len(terms & set(analyse(text, language)))
            runs.append((shared, size, (start, end), text))
    return runs
