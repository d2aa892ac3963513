"""Passages keep their provenance: article, paragraph, exact span, and who is speaking."""

from __future__ import annotations

from pathlib import Path

from corpus.loader import load_article, normalise_space
from index.passages import Passage, split_passages
from tests.conftest import SEED_ARTICLES

SEED = SEED_ARTICLES / "wagner-north-korea-weapons.md"


def test_every_passage_and_sentence_span_points_at_its_text_in_the_file() -> None:
    article = load_article(SEED)
    for passage in split_passages(article):
        assert normalise_space(article.body[passage.start : passage.end]) == passage.text
        for sentence in passage.sentences:
            assert normalise_space(article.body[sentence.start : sentence.end]) == sentence.text


def test_seed_passages_are_its_sixteen_paragraphs_with_speakers() -> None:
    passages = split_passages(load_article(SEED))
    assert [p.paragraph for p in passages] == list(range(1, 17))
    speakers = {p.paragraph: p.speaker.name if p.speaker else None for p in passages}
    assert speakers[2] == "a senior U.S. official"
    assert speakers[8] == speakers[12] == speakers[13] == "John Kirby"
    assert speakers[15] == speakers[16] == "Yevgeny Prigozhin"
    assert speakers[1] is speakers[14] is None


def test_long_paragraphs_split_at_sentence_boundaries(tmp_path: Path) -> None:
    sentences = [f"Sentence number {i} says something about the port strike." for i in range(30)]
    path = tmp_path / "long.md"
    path.write_text("---\ntitle: Long\n---\n" + " ".join(sentences) + "\n", encoding="utf-8")
    passages = split_passages(load_article(path), max_chars=300)
    assert len(passages) > 1
    assert all(len(p.text) <= 300 for p in passages)
    assert " ".join(p.text for p in passages) == " ".join(sentences)
    assert {p.paragraph for p in passages} == {1}


def test_passages_round_trip_through_json() -> None:
    for passage in split_passages(load_article(SEED)):
        assert Passage.from_dict(passage.to_dict()) == passage
