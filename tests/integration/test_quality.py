"""Answer quality on labelled questions, with the real models and real indexes on disk.

Two of our own sets, each on its own index: the seed article with the questions written
about it (tests/data/questions.jsonl), and the fixture articles (sports, business, science,
local news, health, courts, politics, Russian, German) with theirs. Every question was
written from the article text. The floors are the product's goals where it meets them;
where it does not yet (README, "Measured"), they guard what it does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.answer import Status
from bot.engine import Engine
from bot.evaluate import LabelledQuestion, evaluate, load_questions, summarize
from bot.format import to_plain
from index.builder import build_index
from index.encoding import Encoders
from tests.conftest import DATA, FIXTURES, make_settings

pytestmark = pytest.mark.integration

ARTICLES = FIXTURES / "articles"


@pytest.fixture(scope="module")
def seed_engine(built_index: Path, encoders: Encoders) -> Engine:
    return Engine(make_settings(built_index), encoders)


@pytest.fixture(scope="module")
def fixture_engine(tmp_path_factory: pytest.TempPathFactory, encoders: Encoders) -> Engine:
    """The fixture articles built into one index, as `newsbot index build` builds it."""
    target = tmp_path_factory.mktemp("fixtures") / "index"
    build_index(ARTICLES, target, encoders)
    return Engine(make_settings(target, corpus_dir=ARTICLES), encoders)


SETS = {
    "seed": ("seed_engine", DATA / "questions.jsonl"),
    "fixtures": ("fixture_engine", FIXTURES / "questions.jsonl"),
}


@pytest.fixture(scope="module", params=sorted(SETS))
def labelled(request: pytest.FixtureRequest) -> tuple[Engine, list[LabelledQuestion], Any]:
    engine_name, path = SETS[request.param]
    engine = request.getfixturevalue(engine_name)
    items = load_questions(path)
    outcomes = evaluate(items, engine.answer_many)
    return engine, items, outcomes


def plain_recall_at_1(engine: Engine, items: list[LabelledQuestion]) -> dict[str, float]:
    """Recall@1 of the plain rankers the issue names, on answerable English items: MiniLM
    and multilingual-e5 cosine over the paragraphs' own text, and their z-score fusion."""
    passages = engine.index.passages
    wanted = [i for i in items if i.answerable and i.kind != "non_english" and i.context is None]
    texts = [p.text for p in passages]
    questions = engine.encoders.queries([i.question for i in wanted])
    scores = {
        kind: questions[kind] @ encoder.documents(texts).T
        for kind, encoder in engine.encoders.by_kind().items()
    }
    z = [
        (s - s.mean(axis=1, keepdims=True)) / s.std(axis=1, keepdims=True) for s in scores.values()
    ]
    scores["fusion"] = sum(z)
    return {
        name: float(
            np.mean(
                [i.answered_by(passages[b]) for i, b in zip(wanted, s.argmax(axis=1), strict=True)]
            )
        )
        for name, s in scores.items()
    }


def test_the_product_ranks_better_than_the_plain_encoders(labelled: Any) -> None:
    """The fitted ranker finds the answering passage first more often than the plain cosine
    of MiniLM or of multilingual-e5 over the same paragraphs, or their fusion (a declined
    answerable question counts against the product)."""
    engine, items, outcomes = labelled
    wanted = [
        o
        for o in outcomes
        if o.item.answerable and o.item.kind != "non_english" and o.item.context is None
    ]
    product = float(np.mean([o.rank == 1 for o in wanted]))
    for name, plain in plain_recall_at_1(engine, items).items():
        assert product > plain, (name, product, plain)


def test_answerable_questions_are_found_and_rarely_refused(labelled: Any) -> None:
    _, _, outcomes = labelled
    overall = summarize(outcomes)["overall"]
    assert overall["recall@3"] >= 0.85
    assert overall["false_abstention"] <= 0.05


def test_paraphrased_questions_are_not_refused_for_their_words(labelled: Any) -> None:
    _, _, outcomes = labelled
    paraphrase = summarize(outcomes)["by_kind"]["paraphrase"]
    assert paraphrase["false_abstention"] <= 0.1


def test_off_topic_questions_are_declined(labelled: Any) -> None:
    _, _, outcomes = labelled
    assert summarize(outcomes)["by_kind"]["off_topic"]["abstention_accuracy"] >= 0.8


def test_who_said_it_is_named_on_attribution_questions(labelled: Any) -> None:
    _, _, outcomes = labelled
    assert summarize(outcomes)["by_kind"]["attribution"]["speaker_accuracy"] >= 0.9


def test_questions_in_other_languages_find_their_passage(labelled: Any) -> None:
    """Russian, Ukrainian, German and Spanish questions about English articles (and English
    questions about the Russian and German ones) find the answering passage."""
    _, _, outcomes = labelled
    foreign = [o for o in outcomes if o.item.kind == "non_english"]
    # The goal is 0.85; held out, the fixtures reach 0.84 (README, "Measured"), the shipped
    # models 17 of 24 here: an English question about a Russian article is judged on e5's
    # signals alone since 2026-12-07, and "Which river does the Zarechny bridge cross?" is
    # refused (it was answered on MiniLM's meaningless cosines). This guards that.
    assert np.mean([o.rank is not None and o.rank <= 3 for o in foreign]) >= 0.70


def test_follow_ups_are_answered_from_the_conversation(labelled: Any) -> None:
    _, _, outcomes = labelled
    follow_ups = [o for o in outcomes if o.item.context]
    # The goal is 0.85; the fixtures' follow-ups reach 10 of 13 (README, "Measured").
    assert np.mean([o.rank is not None and o.rank <= 3 for o in follow_ups]) >= 0.75


def test_a_follow_up_means_nothing_without_its_question(seed_engine: Engine) -> None:
    """The same words find the convicts' figure only after the question they follow."""
    followed = seed_engine.answer(
        "And how many of them are convicts?", ["How many Wagner fighters are in Ukraine?"]
    )
    assert followed.status is Status.ANSWERED
    assert "40,000" in followed.hits[0].passage.text


def test_a_contested_claim_shows_both_speakers(seed_engine: Engine) -> None:
    answer = seed_engine.answer("Did Wagner receive arms from North Korea?")
    speakers = {h.passage.speaker.name for h in answer.hits if h.passage.speaker}
    assert {"John Kirby", "Yevgeny Prigozhin"} <= speakers
    assert answer.contests


def test_the_reply_speaks_the_users_language(seed_engine: Engine) -> None:
    answer = seed_engine.answer("Сколько заключённых воюет за Вагнер?")
    assert answer.status is Status.ANSWERED and answer.language == "ru"
    assert "Источник" in to_plain(answer)


RUSSIAN = ("severnaya-niva-kedrovsk-dairy-plant.md", "verkhneozyorsk-zarechny-bridge-repair.md")


@pytest.fixture(scope="module")
def russian_engine(tmp_path_factory: pytest.TempPathFactory, encoders: Encoders) -> Engine:
    """Only the Russian fixture articles: no English passage anywhere in the index."""
    root = tmp_path_factory.mktemp("russian")
    articles = root / "articles"
    articles.mkdir()
    for name in RUSSIAN:
        (articles / name).write_bytes((ARTICLES / name).read_bytes())
    build_index(articles, root / "index", encoders)
    return Engine(make_settings(root / "index", corpus_dir=articles), encoders)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many jobs were created at the new plant in Kedrovsk?", "420"),
        ("How much did the Kedrovsk dairy plant cost to build?", "2,4 млрд рублей"),
        ("When will the first cheese reach the shops?", "в апреле"),
        ("When will the Zarechny bridge repair be finished?", "к 1 сентября"),
    ],
)
def test_english_questions_about_russian_articles_are_answered(
    russian_engine: Engine, question: str, expected: str
) -> None:
    """MiniLM reads no Russian: an English question about Russian articles is judged on the
    multilingual encoder's signals, as a Russian question is, and answered (issue 8: an
    article in Russian answers questions in English too); the passage that holds the fact
    is among the first three of the ranking (across languages only e5 reads both sides: the
    goal of 0.85 is not reached, README "Measured")."""
    answer = russian_engine.answer(question)
    assert answer.status is Status.ANSWERED, answer.reason
    assert any(expected in hit.passage.text for hit in answer.candidates[:3])
