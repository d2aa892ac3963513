"""Reading article files: metadata, cleaning web furniture, spans back into the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.loader import CorpusError, corpus_hash, load_article, load_corpus
from tests.conftest import SEED_ARTICLES

ROOT = Path(__file__).resolve().parents[2]
SEED = SEED_ARTICLES / "wagner-north-korea-weapons.md"
BAD = ROOT / "tests" / "data" / "corpus_bad"


def test_seed_article_reads_with_its_metadata() -> None:
    article = load_article(SEED)
    assert article.id == "wagner-north-korea-weapons"
    assert article.title.startswith("U.S. believes Wagner mercenaries")
    assert article.date == "2022-12-22"
    assert article.language == "en"
    assert article.url is None


def test_seed_article_loses_section_word_headline_and_boilerplate() -> None:
    paragraphs = load_article(SEED).paragraphs
    texts = [p.text for p in paragraphs]
    assert len(paragraphs) == 16
    assert texts[0].startswith("The latest downgrade of U.S. intelligence")
    assert texts[-1].startswith("“Everyone knows that North Korea")
    assert not any("Related Articles" in t or "Back to top" in t for t in texts)
    assert [p.number for p in paragraphs] == list(range(1, 17))


def test_paragraph_spans_point_into_the_file_body() -> None:
    article = load_article(SEED)
    for paragraph in article.paragraphs:
        assert " ".join(article.body[paragraph.start : paragraph.end].split()) == paragraph.text


def test_the_same_rules_clean_another_outlets_article() -> None:
    article = load_article(BAD / "good.md")
    texts = [p.text for p in article.paragraphs]
    assert texts == [
        "Dock workers in the city returned to work on Monday after a three-week strike over pay, "
        "union leader Maria Okafor said.",
        '"We got most of what we asked for," Okafor told reporters. '
        '"The rest we will win next year."',
    ]
    assert article.url == "https://example.org/port-strike"


def test_a_file_without_title_is_reported_by_name_and_the_rest_still_loads() -> None:
    articles, errors = load_corpus(BAD)
    assert [a.id for a in articles] == ["good"]
    messages = sorted(str(e) for e in errors)
    assert len(messages) == 2
    assert "latin1.md: not UTF-8 text" in messages[0]
    assert "no-title.md: no title" in messages[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("no front matter at all\n", "no front matter"),
        ("---\ntitle: [unclosed\n---\nText.\n", "not valid YAML"),
        ("---\n- a list\n---\nText.\n", "must be 'key: value'"),
        ("---\ntitle: T\ndate: yesterday\n---\nText.\n", "not an ISO date"),
        ("---\ntitle: T\n---\n\n\n", "no article text"),
    ],
)
def test_bad_files_get_one_clear_sentence(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "article.md"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match=message) as info:
        load_article(path)
    assert str(path) in str(info.value)


def test_corpus_hash_changes_with_the_text_only(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: T\n---\nOne sentence.\n", encoding="utf-8")
    before = corpus_hash([load_article(path)])
    assert corpus_hash([load_article(path)]) == before
    path.write_text("---\ntitle: T\n---\nAnother sentence.\n", encoding="utf-8")
    assert corpus_hash([load_article(path)]) != before


def test_missing_corpus_directory_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such corpus directory"):
        load_corpus(tmp_path / "nope")
