"""Reading a question: key words, the kind of answer it wants, follow-ups, small talk."""

from __future__ import annotations

import pytest

from bot.answer import Reason, Status, _precheck, clean_question, follow_up_context, is_latin
from bot.smalltalk import is_small_talk
from index.answertype import (
    AGE,
    DATE,
    MONEY,
    NUMBER,
    PERSON,
    PLACE,
    expected_type,
    offers,
)
from index.lexical import analyse, key_words


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many Wagner troops are in Ukraine?", NUMBER),
        ("what share of the dead were convicts", NUMBER),
        ("wagner $$ per month??", MONEY),
        ("How much does the new stadium cost?", MONEY),
        ("How much did the club pay to sign him?", MONEY),
        ("how much is the contract worth", MONEY),
        ("How much have the shares gained since January?", NUMBER),
        ("how much rain fell overnight", NUMBER),
        ("Сколько стоит ремонт моста?", MONEY),
        ("Wie viel kostet die Verlängerung?", MONEY),
        ("¿Cuánto cuesta el billete?", MONEY),
        ("In which year was the Wagner group founded?", DATE),
        ("When did the U.S. impose restrictions?", DATE),
        ("Who founded Wagner?", PERSON),
        ("Where was Prigozhin born?", PLACE),
        ("How old is John Kirby?", AGE),
        ("Сколько заключённых воюет за Вагнер?", NUMBER),
        ("Хто заснував Вагнер?", PERSON),
        ("Did Wagner receive arms from North Korea?", None),
        ("Who paid for the weapons, and how much does Wagner spend?", None),
    ],
)
def test_the_kind_of_answer_a_question_wants(question: str, kind: str | None) -> None:
    assert expected_type(question) == kind


def test_a_sentence_offers_a_number_a_date_or_a_speaker() -> None:
    assert offers("about 50,000 personnel", NUMBER)
    assert offers("it spends $100 million", NUMBER)
    assert not offers("Wagner received rockets and missiles", NUMBER)
    assert offers("Since its founding in 2014", DATE)
    assert offers("On Thursday, he said", DATE)
    assert offers("the group received weapons", PERSON, has_speaker=True)
    assert not offers("the group received weapons", PERSON)
    assert not offers("He is 61", AGE)
    assert offers("the 61-year-old businessman", AGE)
    assert offers("it spends $100 million a month", MONEY)
    assert offers("a fee of 4.5 million pounds", MONEY)
    assert offers("ремонт обойдётся в 386 млн рублей", MONEY)
    assert offers("Die Kosten liegen bei 96 Millionen Euro", MONEY)
    assert not offers("about 50,000 personnel", MONEY)


def test_numbers_match_with_or_without_thousands_separators() -> None:
    assert "50000" in analyse("about 50,000 personnel")
    assert analyse("50000") == ["50000"]


def test_key_words_drop_question_words_and_possessives() -> None:
    assert key_words("Who is Wagner's founder?") == ["wagner", "founder"]
    assert key_words("How many of them are there?") == []


@pytest.mark.parametrize(
    ("question", "history", "context"),
    [
        ("And how many of them are convicts?", ["How many Wagner fighters are in Ukraine?"], True),
        ("Who said that?", ["What did North Korea send to Wagner?"], True),
        ("what about last month?", ["What did the U.S. do on Wednesday?"], True),
        ("Who founded the Wagner group in 2014?", ["How many fighters are there?"], False),
        ("How much does Wagner spend on its operations in Ukraine?", ["Who is Kirby?"], False),
        ("And who paid for them?", [], False),
    ],
)
def test_follow_ups_lean_on_the_previous_question_and_standalone_ones_do_not(
    question: str, history: list[str], context: bool
) -> None:
    found = follow_up_context(question, history)
    assert (found == history[-1]) if context else found is None


@pytest.mark.parametrize(
    ("question", "language", "context"),
    [
        ("а кто его ремонтирует?", "ru", True),
        ("und wer bezahlt das?", "de", True),
        ("¿y quién lo paga?", "es", True),
        ("Кто ремонтирует мост через реку Сосьву в Верхнеозёрске?", "ru", False),
    ],
)
def test_a_follow_up_in_another_language_is_read_in_its_own_language(
    question: str, language: str, context: bool
) -> None:
    """Its pronouns and question words are stop words of its language, not subject terms."""
    history = ["Сколько стоит ремонт моста?"]
    found = follow_up_context(question, history, language=language)
    assert (found == history[-1]) if context else found is None


@pytest.mark.parametrize(
    ("question", "context"),
    [("convicts?", True), ("tell me a joke", False), ("who is kirbi", False)],
)
def test_a_bare_word_continues_the_conversation_only_if_it_is_a_topic_of_the_articles(
    question: str, context: bool
) -> None:
    topics = {"convicts", "fighters"}  # not names ("kirby"), not what the articles lack ("joke")
    history = ["How many Wagner fighters are in Ukraine?"]
    found = follow_up_context(question, history, topical=lambda word: word in topics)
    assert (found == history[0]) if context else found is None


@pytest.mark.parametrize(
    "text", ["hi", "Hello bot!", "good morning", "thanks!", "ok bye 👋", "Привет", "Дякую", "hola"]
)
def test_small_talk_is_recognised(text: str) -> None:
    assert is_small_talk(text)


@pytest.mark.parametrize(
    "text",
    ["Hi, who founded Wagner?", "good", "Who is Kirby?", "thanks for what?", "hello world program"],
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert not is_small_talk(text)


def test_questions_are_cleaned_but_keep_every_script() -> None:
    assert clean_question("  How\tmany\u200b\x00 troops?\n ") == "How many troops?"
    assert clean_question("Сколько  бойцов?") == "Сколько бойцов?"
    assert is_latin("How many?") and not is_latin("Сколько бойцов?")


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        ("", Status.INVALID, Reason.EMPTY),
        ("?!…", Status.INVALID, Reason.EMPTY),
        ("x" * 1001, Status.INVALID, Reason.TOO_LONG),
        ("good evening", Status.NOT_FOUND, Reason.SMALL_TALK),
    ],
)
def test_empty_huge_and_small_talk_questions_never_reach_the_index(
    text: str, status: Status, reason: Reason
) -> None:
    answer = _precheck(clean_question(text))
    assert answer is not None
    assert (answer.status, answer.reason) == (status, reason)
    assert _precheck("Who founded Wagner?") is None
