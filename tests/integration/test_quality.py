"""Answer quality on labelled questions, with the real model and index: a regression guard.

The floors sit a little under what `newsbot eval` measures today (see the issue notes), so
a change that makes answers worse fails here; tune retrieval, then raise them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Status
from bot.engine import Engine
from bot.evaluate import evaluate, load_questions, summarize
from bot.format import to_plain
from index.embedder import SentenceTransformerEmbedder
from tests.conftest import DATA, make_settings
from tests.integration.embedders import CountingEmbedder

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def engine(built_index: Path, embedder: SentenceTransformerEmbedder) -> Engine:
    return Engine(make_settings(built_index), embedder=embedder)


@pytest.fixture(scope="module")
def report(engine: Engine) -> dict:
    return summarize(evaluate(load_questions(DATA / "questions.jsonl"), engine.answer_many))


def test_answerable_english_questions_are_found(report: dict) -> None:
    overall = report["overall"]
    assert overall["recall@1"] >= 0.80
    assert overall["recall@3"] >= 0.90
    assert overall["answer_hit"] >= 0.85
    assert overall["false_abstention"] <= 0.06


def test_factoids_and_attributions_are_nearly_perfect(report: dict) -> None:
    for kind in ("factoid", "attribution", "contested"):
        assert report["by_kind"][kind]["recall@3"] >= 0.95, kind
    assert report["by_kind"]["attribution"]["speaker_accuracy"] >= 0.95


def test_off_topic_questions_are_refused(report: dict) -> None:
    assert report["by_kind"]["off_topic"]["abstention_accuracy"] >= 0.9  # 34 of 35 today


def test_some_on_topic_questions_the_article_does_not_answer_are_refused(report: dict) -> None:
    # 40 hard ones (the subject is in the article, the fact asked for is not): 0.30 today.
    assert report["by_kind"]["unanswerable_on_topic"]["abstention_accuracy"] >= 0.25


def test_follow_ups_use_the_previous_question(engine: Engine) -> None:
    alone = engine.answer("And how many of them are convicts?")
    followed = engine.answer(
        "And how many of them are convicts?", ["How many Wagner fighters are in Ukraine?"]
    )
    assert followed.status is Status.ANSWERED
    assert "40,000" in followed.hits[0].passage.text
    assert alone.question == followed.question


def test_a_contested_claim_shows_both_speakers(engine: Engine) -> None:
    answer = engine.answer("Did Wagner receive arms from North Korea?")
    speakers = {h.passage.speaker.name for h in answer.hits if h.passage.speaker}
    assert {"John Kirby", "Yevgeny Prigozhin"} <= speakers


@pytest.mark.parametrize(
    ("question", "expected", "framing"),
    [
        ("Сколько заключённых воюет за Вагнер?", "40,000", "Источник"),
        ("Хто заснував Вагнер?", "Prigozhin", "Джерело"),
        ("Wer ist der Gründer der Wagner-Gruppe?", "Prigozhin", "Quelle"),
    ],
)
def test_questions_in_other_languages_find_the_english_passage(
    engine: Engine, question: str, expected: str, framing: str
) -> None:
    answer = engine.answer(question)
    assert answer.status is Status.ANSWERED
    assert any(expected in h.passage.text for h in answer.hits)
    text = to_plain(answer)
    assert framing in text  # the reply's own words speak the user's language


def test_words_seen_before_are_not_embedded_again(
    built_index: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """Unknown question words ("rival" -> "competitor") are embedded once per process: a
    second question reusing them costs the model one text, itself."""
    counting = CountingEmbedder(embedder)
    engine = Engine(make_settings(built_index), embedder=counting)
    first = engine.answer("Is the mercenary outfit a rival to Russia's defence ministry?")
    assert len(counting.texts) > 1  # the question and its words the corpus lacks

    counting.texts.clear()
    again = engine.answer("Is the outfit a rival of the defence ministry?")

    assert counting.texts == ["Is the outfit a rival of the defence ministry?"]
    assert "competitor" in to_plain(first) and "competitor" in to_plain(again)
