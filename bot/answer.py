"""The answering core: (question, retriever) -> Answer. No Telegram, no printing.

The CLI, the terminal chat and the Telegram bot all call `Answerer.answer`, so they give
the same answers.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.abstention import Abstainer, is_small_talk
from bot.contested import Contest, find_contests, with_other_side
from index.lexical import key_terms, key_words
from index.multilingual import MultilingualEncoder, language_of
from index.search import Hit, Retrieval, Retriever

MAX_QUESTION_CHARS = 1000
RELATIVE_SCORE = 0.85  # further passages must score this close to the best one
# multilingual-e5 cosines crowd together (0.75-0.9), so "close to the best" is closer.
RELATIVE_SCORE_MULTILINGUAL = 0.98
SAME_TEXT = 0.95  # cosine above which two passages say the same thing


class Status(enum.StrEnum):
    ANSWERED = "answered"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


class Reason(enum.StrEnum):
    """Why a question was not answered; the formatter words it for people."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    SMALL_TALK = "small_talk"
    NOT_COVERED = "not_covered"
    LANGUAGE = "language"


@dataclass(frozen=True)
class Answer:
    question: str
    status: Status
    hits: tuple[Hit, ...] = ()
    reason: Reason | None = None
    # The whole ranking, shown or not: for "more sources" and for evaluation.
    candidates: tuple[Hit, ...] = field(default=(), compare=False)
    contests: tuple[Contest, ...] = ()  # disputes among the shown hits
    language: str = "en"  # the question's language: the reply's framing speaks it

    @property
    def contested(self) -> bool:
        return bool(self.contests)

    @property
    def more(self) -> tuple[Hit, ...]:
        shown = {h.row for h in self.hits}
        return tuple(h for h in self.candidates if h.row not in shown)


class Answerer:
    """Validates the question, retrieves, decides whether the articles answer it."""

    def __init__(
        self,
        retriever: Retriever,
        abstainer: Abstainer,
        top_k: int = 3,
        multilingual: MultilingualEncoder | None = None,
    ):
        self.retriever = retriever
        self.abstainer = abstainer
        self.top_k = top_k
        # Questions not in English go to the multilingual encoder when the index has its vectors.
        usable = multilingual is not None and retriever.index.multilingual is not None
        self.multilingual = multilingual if usable else None

    def answer(self, question: str, history: Sequence[str] = ()) -> Answer:
        return self.answer_many([(question, history)])[0]

    def answer_many(self, asks: Sequence[tuple[str, Sequence[str]]]) -> list[Answer]:
        """Answer several questions, encoding them in one batch."""
        cleaned = [clean_question(q) for q, _ in asks]
        answers: list[Answer | None] = [_precheck(q) for q in cleaned]
        languages = [language_of(q) for q in cleaned]
        todo = [i for i, a in enumerate(answers) if a is None]
        topical = self.retriever.index.is_topic_word
        contexts = {i: follow_up_context(cleaned[i], asks[i][1], topical) for i in todo}
        foreign = [i for i in todo if languages[i] != "en" and self.multilingual is not None]
        english = [i for i in todo if i not in foreign]
        retrievals = dict(
            zip(
                english,
                self.retriever.retrieve_many([(cleaned[i], contexts[i]) for i in english]),
                strict=True,
            )
        )
        if foreign and self.multilingual is not None:
            texts = [f"{contexts[i]} {cleaned[i]}" if contexts[i] else cleaned[i] for i in foreign]
            vectors = self.multilingual.queries(texts)
            queries = [(cleaned[i], contexts[i]) for i in foreign]
            found = self.retriever.retrieve_multilingual(queries, vectors)
            retrievals.update(zip(foreign, found, strict=True))
        for i in todo:
            answers[i] = self._decide(cleaned[i], retrievals[i], languages[i])
        return [
            replace(a, language=languages[i]) if a.language != languages[i] else a
            for i, a in enumerate(answers)
            if a is not None
        ]

    def _decide(self, question: str, retrieval: Retrieval, language: str) -> Answer:
        ranking = tuple(retrieval.hits)
        if not ranking or self.abstainer.abstains(retrieval):
            # Without the multilingual encoder, a question in another script can't be read.
            unread = language != "en" and not retrieval.multilingual and not is_latin(question)
            reason = Reason.LANGUAGE if unread else Reason.NOT_COVERED
            return Answer(question, Status.NOT_FOUND, reason=reason, candidates=ranking)
        relative = RELATIVE_SCORE_MULTILINGUAL if retrieval.multilingual else RELATIVE_SCORE
        shown = _select(ranking, self.top_k, self.retriever, relative)
        chosen = with_other_side(shown, ranking, retrieval.question, self.top_k)
        contests = tuple(find_contests(chosen, retrieval.question))
        return Answer(question, Status.ANSWERED, chosen, candidates=ranking, contests=contests)


def clean_question(text: str) -> str:
    """Drop control characters and collapse whitespace; keep every letter of every script."""
    text = "".join(c for c in text if unicodedata.category(c)[0] != "C" or c in "\n\t")
    return re.sub(r"\s+", " ", text).strip()


_FOLLOW_UP = re.compile(
    r"^(?:and|but|so|also|then|what about|how about|and what about)\b|"
    r"\b(?:he|she|they|them|it|its|his|her|their|this|that|those|these|him|there)\b",
    re.IGNORECASE,
)


def follow_up_context(
    question: str, history: Sequence[str], topical: Callable[[str], bool] = lambda word: True
) -> str | None:
    """The previous question, when this one leans on it; None for a self-contained question.

    "And who paid for them?" means nothing alone; after "What weapons did North Korea send
    to Wagner?" it does. A question that names its own subject is searched as it is. A bare
    word with no pronoun ("convicts?") continues the conversation only if it is `topical`, a
    topic word of the articles: "tell me a joke" after a question about Wagner is not about
    Wagner, and "who is Kirby" names its own subject.
    """
    if not history:
        return None
    previous = clean_question(history[-1])
    subject = key_terms(question)  # pronouns and question words are not subject terms
    if not previous:
        return None
    if _FOLLOW_UP.search(question) and len(subject) < 3:
        return previous
    if len(subject) < 2 and all(topical(word) for word in key_words(question)):
        return previous
    return None


def is_latin(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    latin = sum("LATIN" in unicodedata.name(c, "") for c in letters)
    return not letters or latin / len(letters) >= 0.5


def _precheck(question: str) -> Answer | None:
    if not any(c.isalnum() for c in question):
        return Answer(question, Status.INVALID, reason=Reason.EMPTY)
    if len(question) > MAX_QUESTION_CHARS:
        return Answer(question[:MAX_QUESTION_CHARS], Status.INVALID, reason=Reason.TOO_LONG)
    if is_small_talk(question):
        return Answer(question, Status.NOT_FOUND, reason=Reason.SMALL_TALK)
    return None


def _select(hits: Sequence[Hit], k: int, retriever: Retriever, relative: float) -> tuple[Hit, ...]:
    """The best hit, plus up to k-1 others nearly as good that do not repeat it."""
    vectors = retriever.index.passage_store.vectors([h.row for h in hits])
    chosen: list[int] = [0]
    for i, hit in enumerate(hits[1:], start=1):
        if len(chosen) == k or hit.score < relative * hits[0].score:
            break
        if all(float(vectors[i] @ vectors[j]) <= SAME_TEXT for j in chosen):
            chosen.append(i)
    return tuple(hits[i] for i in chosen)
