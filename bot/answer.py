"""The answering core: (question, history) -> Answer. No Telegram, no printing.

The CLI, the terminal chat and the Telegram bot all call `Answerer.answer_many`, so they
give the same answers. Retrieval and the confidence that the articles answer at all come
from the index package; this module decides what to show.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from bot.answerline import AnswerLine, answer_line
from bot.contested import find_contests, with_other_side
from bot.outcome import Answer, Reason, Status
from bot.smalltalk import is_small_talk
from index.answerability import Answerability
from index.answertype import expected_type, offers
from index.languages import ENGLISH, detect_language, is_latin
from index.lexical import analyse, key_terms, key_words
from index.search import Hit, Retrieval, Retriever
from index.signals import Query

MAX_QUESTION_CHARS = 1000
CANDIDATES = 10  # ranked passages kept per answer (shown, "More sources", evaluation)
# A further passage is shown beside the best one when the ranker gives it at least this
# share of the best one's probability (its softmax over the candidates); the rest wait
# behind "More sources".
SHOW_SHARE = 0.5


class Answerer:
    """Validates the question, retrieves, decides whether the articles answer it."""

    def __init__(self, retriever: Retriever, top_k: int = 3):
        self.retriever = retriever
        self.top_k = top_k
        if retriever.answerability is None:
            retriever.answerability = Answerability.load()
        self.answerability = retriever.answerability

    @property
    def index(self):  # noqa: ANN201 - the SearchIndex, for callers that list its articles
        return self.retriever.index

    def answer(self, question: str, history: Sequence[str] = ()) -> Answer:
        return self.answer_many([(question, history)])[0]

    def answer_many(self, asks: Sequence[tuple[str, Sequence[str]]]) -> list[Answer]:
        """Answer several questions, encoding them in one batch."""
        cleaned = [clean_question(q) for q, _ in asks]
        answers: list[Answer | None] = [_precheck(q) for q in cleaned]
        languages = [detect_language(q) for q in cleaned]
        todo = [i for i, a in enumerate(answers) if a is None]
        queries = [make_query(cleaned[i], asks[i][1], languages[i], self._topical) for i in todo]
        for i, retrieval in zip(
            todo, self.retriever.retrieve_many(queries, CANDIDATES), strict=True
        ):
            answers[i] = self._decide(cleaned[i], retrieval, languages[i])
        return [
            a if a.language == languages[i] else _with_language(a, languages[i])
            for i, a in enumerate(answers)
            if a is not None
        ]

    def _topical(self, word: str) -> bool:
        """Whether the articles use `word` (a topic word a bare follow-up may continue)."""
        lexical = self.retriever.index.source.lexical
        return any(lexical.knows(t) for t in key_terms(word))

    def _decide(self, question: str, retrieval: Retrieval, language: str) -> Answer:
        ranking = tuple(retrieval.hits)
        confidence = 0.0 if math.isnan(retrieval.confidence) else retrieval.confidence
        threshold = self.answerability.threshold(retrieval.minilm_read)
        if not ranking or confidence < threshold:
            # A question the encoders cannot read at all (no Latin letters, no e5 match).
            reason = Reason.NOT_COVERED
            if not ranking and not is_latin(question):
                reason = Reason.LANGUAGE
            return Answer(
                question,
                Status.NOT_FOUND,
                reason=reason,
                candidates=ranking,
                language=language,
                confidence=confidence,
            )
        shown = _select(ranking, self.top_k)
        line = answer_line(question, shown[0], language)
        shown = (shown[0], *(h for h in shown[1:] if _adds(h, line, question, language)))
        chosen = with_other_side(shown, ranking, retrieval.question, self.top_k)
        contests = tuple(find_contests(chosen, retrieval.question, ranking))
        return Answer(
            question,
            Status.ANSWERED,
            chosen,
            candidates=ranking,
            contests=contests,
            language=language,
            confidence=confidence,
            line=line,
        )


def clean_question(text: str) -> str:
    """Drop control characters and collapse whitespace; keep every letter of every script."""
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


_FOLLOW_UP = re.compile(
    r"^(?:and|but|so|also|then|what about|how about|and what about)\b|"
    r"\b(?:he|she|they|them|it|its|his|her|their|this|that|those|these|him|there)\b|"
    r"^(?:а|и|но|тогда)\b|\b(?:он|она|они|его|её|ее|их|это|этот|эта|там|йому|вони|це)\b|"
    r"^(?:und|aber)\b|\b(?:er|sie|es|ihm|ihn|dies|das)\b|^(?:y|pero)\b|\b(?:él|ella|ellos|eso)\b",
    re.IGNORECASE,
)


def follow_up_context(
    question: str,
    history: Sequence[str],
    topical: Callable[[str], bool] = lambda word: True,
    language: str = ENGLISH,
) -> str | None:
    """The previous question, when this one leans on it; None for a self-contained question.

    "And how much did that cost?" means nothing alone; after a question about a new stadium
    it does. A question that names its own subject is searched as it is. A bare word with
    no pronoun ("tickets?") continues the conversation only if it is `topical`, a topic word
    of the articles: "tell me a joke" after a question about a match is not about the match.
    Its words are read in the question's `language` ("а кто его ремонтирует?" names no
    subject: its pronoun and question word are Russian stop words, not English terms).
    """
    if not history:
        return None
    previous = clean_question(history[-1])
    subject = key_terms(question, language)  # pronouns and question words are not terms
    if not previous:
        return None
    if _FOLLOW_UP.search(question.lstrip("¿¡\"'«„“ ")) and len(subject) < 3:
        return previous
    if len(subject) < 2 and all(topical(word) for word in key_words(question, language)):
        return previous
    return None


def make_query(
    question: str,
    history: Sequence[str],
    language: str,
    topical: Callable[[str], bool] = lambda word: True,
) -> Query:
    """What is searched for a question: itself, or with the question it follows up."""
    context = follow_up_context(question, history, topical, language)
    return Query(f"{context} {question}" if context else question, language)


def _precheck(question: str) -> Answer | None:
    if not any(c.isalnum() for c in question):
        return Answer(question, Status.INVALID, reason=Reason.EMPTY)
    if len(question) > MAX_QUESTION_CHARS:
        return Answer(question[:MAX_QUESTION_CHARS], Status.INVALID, reason=Reason.TOO_LONG)
    if is_small_talk(question):
        return Answer(question, Status.NOT_FOUND, reason=Reason.SMALL_TALK)
    return None


def _with_language(answer: Answer, language: str) -> Answer:
    return replace(answer, language=language)


def _adds(hit: Hit, line: AnswerLine, question: str, language: str) -> bool:
    """Whether a further passage says something the best one does not: the kind of answer
    asked for when the opening line lacks it, or a question term the best passage lacks."""
    kind = expected_type(question)
    if (
        kind is not None
        and not offers(line.text, kind, line.speaker is not None)
        and offers(hit.highlight.text, kind, hit.highlight.speaker is not None)
    ):
        return True
    best = line.hit.passage
    asked = set(key_terms(question, language))
    covered = set(analyse(best.text, best.language))
    return bool((asked - covered) & set(analyse(hit.highlight.text, hit.passage.language)))


def _select(hits: Sequence[Hit], k: int) -> tuple[Hit, ...]:
    """The best hit, plus up to k-1 others the ranker finds nearly as likely to answer."""
    scores = np.array([h.score for h in hits])
    share = np.exp(scores - scores[0])  # each one's softmax probability over the best one's
    chosen = [hits[0]]
    for hit, ratio in zip(hits[1:], share[1:], strict=True):
        if len(chosen) == k or ratio < SHOW_SHARE:
            break
        if hit.passage.text != chosen[0].passage.text:
            chosen.append(hit)
    return tuple(chosen)
