"""The opening line: the words of the answering sentence that hold the answer, verbatim.

Sentences here are invented; each expectation is read off the sentence itself (which clause
holds the number, the date, the name the question asks for).
"""

from __future__ import annotations

import pytest

from bot.answerline import answer_line, best_clause
from index.passages import Passage, Sentence
from index.search import Hit
from index.speakers import Speaker

LONG_COUNT = (
    "Hollis said the harbour authority now expects that about 7,400 containers will pass "
    "through the new terminal each week, most of them bound for inland depots, once the "
    "second crane is running in March."
)


@pytest.mark.parametrize(
    ("question", "sentence", "language", "expected"),
    [
        (
            "How many containers will pass through the terminal each week?",
            LONG_COUNT,
            "en",
            "the harbour authority now expects that about 7,400 containers will pass through "
            "the new terminal each week",
        ),
        (
            "When will the second crane be running?",
            LONG_COUNT,
            "en",
            "once the second crane is running in March",
        ),
        (
            "Сколько пассажиров перевёз паром в прошлом году?",
            "По словам директора порта Олега Руднева, паром, который ходит между островами "
            "уже восемь лет, в прошлом году перевёз 212 тысяч пассажиров, хотя половину "
            "зимы он простоял в ремонте на верфи.",
            "ru",
            "в прошлом году перевёз 212 тысяч пассажиров",
        ),
        (
            "Wann soll die Linie 4 wieder fahren?",
            "Die Stadtwerke teilten am Montag mit, dass die Straßenbahn nach den Arbeiten an "
            "den Gleisen in der Altstadt, die länger dauern als geplant, erst im März 2027 "
            "wieder auf der Linie 4 fahren soll.",
            "de",
            "erst im März 2027 wieder auf der Linie 4 fahren soll",
        ),
        (
            "Who founded the cooperative?",
            "The cooperative, which now sells honey and wax to shops in four counties and "
            "employs eleven people, was founded in 2009 by Marta Iglesias, a former teacher "
            "from the valley.",
            "en",
            "was founded in 2009 by Marta Iglesias",
        ),
    ],
)
def test_a_long_sentence_is_cut_to_the_clause_that_answers(
    question: str, sentence: str, language: str, expected: str
) -> None:
    line = best_clause(question, sentence, language)
    assert line in sentence  # verbatim, never composed
    assert expected in line
    assert len(line.split()) < len(sentence.split())


def test_a_short_sentence_is_kept_whole() -> None:
    sentence = "The ferry, built in 1998, carries 300 cars."
    assert best_clause("How many cars does the ferry carry?", sentence) == sentence


def test_a_sentence_with_nothing_of_the_question_is_kept_whole() -> None:
    """No clause shares a term or the asked kind: cutting would be a guess."""
    assert best_clause("Why?", LONG_COUNT) == LONG_COUNT


def test_the_line_carries_who_says_it_and_the_paragraph() -> None:
    speaker = Speaker("Ana Hollis", "the harbour master", "person")
    sentence = Sentence(0, len(LONG_COUNT), LONG_COUNT, speaker)
    passage = Passage("port", "T", None, None, None, 7, 0, len(LONG_COUNT), LONG_COUNT, (sentence,))
    line = answer_line("How many containers a week?", Hit(passage, 0, 1.0, sentence, {}))
    assert line.speaker == "Ana Hollis, the harbour master" and line.paragraph == 7
    assert "7,400 containers" in line.text and line.text in LONG_COUNT


def test_without_an_asked_kind_a_long_sentence_is_kept_whole() -> None:
    """ "What ..." names no kind the text can be checked for: cutting could lose the fact."""
    question = "What is bound for inland depots?"
    assert best_clause(question, LONG_COUNT) == LONG_COUNT


def test_two_separate_clauses_equally_good_keep_the_sentence_whole() -> None:
    """Both clauses hold a number and no question term tells them apart (a question in
    another language than the text): the line is the sentence."""
    sentence = (
        "Officials said about 50,000 workers had joined the strike across the northern "
        "region by Friday, 12,000 of whom had never before walked off the job in protest."
    )
    assert best_clause("Wie viele?", sentence, "de", "en") == sentence


@pytest.mark.parametrize(
    ("sentence", "line"),
    [
        ("“We never split up.”", "We never split up."),
        ("So the deliveries are nothing but rumour.”", "So the deliveries are nothing but rumour."),
        ("“Everyone knows it,” she said.", "“Everyone knows it,” she said."),
        ("„Nie getrennt“, sagte sie.", "„Nie getrennt“, sagte sie."),
        ("«Мы не расставались», сказала она.", "«Мы не расставались», сказала она."),
        ("„Wir haben uns nie getrennt.“", "Wir haben uns nie getrennt."),
    ],
)
def test_quotation_marks_that_match_nothing_in_the_line_are_left_out(
    sentence: str, line: str
) -> None:
    assert best_clause("Did they split up?", sentence) == line


@pytest.mark.parametrize(
    ("sentence", "line"),
    [
        (
            "“We ran out of legs, simple as that,” Navarro told reporters.",
            "We ran out of legs, simple as that",
        ),
        (
            '"People keep telling us we are too young," she said.',
            "People keep telling us we are too young",
        ),
        (
            "«Ни рубля субсидий — только собственные деньги», — сказал он.",
            "Ни рубля субсидий — только собственные деньги",
        ),
        (
            "„Wer am Kiesberg wohnt, braucht kein Auto“, sagte sie.",
            "Wer am Kiesberg wohnt, braucht kein Auto",
        ),
    ],
)
def test_a_quotation_is_the_line_without_the_words_that_say_who_said_it(
    sentence: str, line: str
) -> None:
    """The line names its source anyway: "“…,” Navarro told reporters" is the quotation."""
    assert best_clause("What did they say?", sentence) == line


@pytest.mark.parametrize(
    "sentence",
    [
        "“We won,” she said.",  # too short to stand alone
        "“We will appeal,” he said, adding that the fine was “absurd”.",  # more than a frame
        "“We will appeal the ruling,” the union said in a statement on its website on Friday.",
    ],
)
def test_a_quotation_with_more_than_its_frame_or_too_short_stays_whole(sentence: str) -> None:
    assert best_clause("What did they say?", sentence) == sentence


def test_a_cut_never_starts_in_a_relative_clause() -> None:
    """The clause holds words of the question, but "who took charge ..." has lost its noun."""
    sentence = (
        "Pettit, who took charge of Kelmore in 2021, added that he had never lost a match at "
        "Brookfield Park before Saturday, when a crowd of 18,412 saw his side lose 3-1."
    )
    line = best_clause("how many fans were at brookfield park for the kelmore game", sentence)
    assert line in sentence and not line.startswith("who")


def test_a_cut_never_leaves_out_the_one_who_says_what_it_holds() -> None:
    sentence = (
        "Dr. Ilse Varga, head of the Marenian Medical Association, which represents most of "
        "the country's 4,000 doctors, said the association had counted at least 640 cases in "
        "three weeks."
    )
    line = best_clause("How many cases has the Marenian Medical Association counted?", sentence)
    assert "640 cases" in line and line in sentence and not line.startswith("head of")


def test_a_cut_keeps_brackets_whole_and_the_one_told_in_the_frame() -> None:
    sentence = (
        "Last month, Ortega told the Gazette the band had been recording with producer Lena "
        "Marsh (Arcade Lights, The Fernleys, Dovetail), writing seven songs for an album due "
        "next spring."
    )
    line = best_clause("Who is producing the band's new record?", sentence)
    assert line == (
        "the band had been recording with producer Lena Marsh (Arcade Lights, The Fernleys, "
        "Dovetail)"
    )


def test_being_shorter_does_not_make_a_clause_the_answer() -> None:
    """Each clause holds one word of the question and a name: the shorter one names the other
    side's scorer. Nothing tells them apart, so the line is the sentence."""
    sentence = (
        "Northgate took the lead in the ninth minute when Sam Reid rose highest at a corner, "
        "but striker Ivo Marek scored twice after the break to turn the game around."
    )
    assert best_clause("Who scored Northgate's goal?", sentence) == sentence


def test_the_line_leaves_out_the_wire_dateline_its_sentence_opens_with() -> None:
    sentence = "ТОМСК, 3 мая. Мэрия открыла мост через реку Томь после ремонта."
    assert best_clause("Открыли ли мост?", sentence, "ru") == (
        "Мэрия открыла мост через реку Томь после ремонта."
    )
