"""The hand-written fixture data under tests/fixtures/ is mechanically consistent.

The validators live in tests/fixture_checks.py; the last test feeds deliberately broken
data through them to show they catch it. Fast: plain text and JSON, no models.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.fixture_checks import (
    check_article,
    check_disputes,
    check_language,
    check_paraphrase,
    check_question,
    check_question_set,
    check_quota,
    check_speaker_links,
    check_speakers,
)
from tests.fixture_text import BAD, Article, all_paragraphs, load_articles, read_article, read_jsonl


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return load_articles()


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return read_jsonl("questions.jsonl")


@pytest.fixture(scope="module")
def labels() -> list[dict]:
    return read_jsonl("speakers.jsonl")


@pytest.fixture(scope="module")
def pairs() -> list[dict]:
    return read_jsonl("disputes.jsonl")


def test_articles_have_front_matter_and_a_news_length(articles: dict[str, Article]) -> None:
    """Every fixture article has title, source, url, ISO date and language, 8-25 paragraphs;
    at least 12 articles, Russian and German among them."""
    assert len(articles) >= 12
    languages = Counter(a.meta.get("language") for a in articles.values())
    assert languages["ru"] >= 2 and languages["de"] >= 1
    assert [p for a in articles.values() for p in check_article(a)] == []


def test_bad_fixture_lacks_a_title_and_says_why() -> None:
    """tests/fixtures/bad/ holds an article file with no title and a README saying it is skipped."""
    files = sorted(BAD.glob("*.md"))
    assert [f.name for f in files if f.stem.upper() == "README"] == ["README.md"]
    broken = [f for f in files if f.stem.upper() != "README"]
    assert broken and all(not read_article(f).meta.get("title") for f in broken)


def test_questions_are_well_formed(questions: list[dict], articles: dict[str, Article]) -> None:
    """Every question has the format's fields; gold snippets are 6-15 words found in exactly one
    fixture paragraph of its article; answers and named speakers occur in a gold paragraph."""
    paragraphs = all_paragraphs(articles)
    problems = [p for q in questions for p in check_question(q, articles, paragraphs)]
    assert problems + check_question_set(questions) == []


def test_every_article_has_its_question_quota(
    questions: list[dict], articles: dict[str, Article]
) -> None:
    """Each article has 3 factoid, 3 paraphrase, 2 attribution, 2 unanswerable, 1 follow-up and
    1 cross-language question at least; there are 25 off-topic questions at least."""
    assert check_quota(questions, articles) == []


def test_question_languages_fit_their_kind(
    questions: list[dict], articles: dict[str, Article]
) -> None:
    """Questions are asked in their article's language, except non_english ones, which cross."""
    assert [p for q in questions for p in check_language(q, articles)] == []


def test_paraphrases_share_no_content_word_with_the_answer(
    questions: list[dict], articles: dict[str, Article]
) -> None:
    """Paraphrase questions share no content word (stems compared) with their answering
    sentence, apart from proper names."""
    paraphrases = [q for q in questions if q["kind"] == "paraphrase"]
    assert [p for q in paraphrases for p in check_paraphrase(q, articles)] == []


def test_speaker_labels_locate_their_sentences(
    labels: list[dict], articles: dict[str, Article]
) -> None:
    """Every label's sentence occurs once in its article (8+ words or a whole sentence), labels
    do not overlap, and every paragraph that reports speech holds a label."""
    assert len({row["article"] for row in labels}) == len(articles)
    assert check_speakers(labels, articles) == []


def test_dispute_pairs_locate_both_sides(
    pairs: list[dict], labels: list[dict], articles: dict[str, Article]
) -> None:
    """Dispute pairs quote two sentences of one article; a positive pair sets two different
    labelled speakers against each other; there are 15 positives and 40 negatives at least."""
    assert check_disputes(pairs, labels, articles) == []


def test_questions_agree_with_speaker_and_dispute_labels(
    questions: list[dict], labels: list[dict], pairs: list[dict]
) -> None:
    """Speakers named by questions are labelled speakers of the article; each disputed article
    has contested questions, two per claimant and denier."""
    assert check_speaker_links(questions, labels, pairs) == []


def test_validators_reject_broken_data(articles: dict[str, Article]) -> None:
    """The checks fail on broken data: a missing snippet, an answer outside the gold paragraph,
    a paraphrase reusing the text's words, an unlocatable label, a one-speaker dispute."""
    slug = "brackenford-rovers-beat-kelmore-city"
    paragraphs = all_paragraphs(articles)
    base = {
        "id": "x",
        "question": "How many fans watched?",
        "kind": "factoid",
        "article": slug,
        "gold_snippets": ["in front of a crowd of 18,412"],
        "answer_substrings": ["18,412"],
        "speaker": None,
        "context": None,
        "language": "en",
        "answerable": True,
    }
    assert check_question(base, articles, paragraphs) == []
    assert check_question(
        {**base, "gold_snippets": ["a crowd of 99 people watched"]}, articles, paragraphs
    )
    assert check_question({**base, "answer_substrings": ["Dunmore"]}, articles, paragraphs)
    assert check_question({**base, "kind": "off_topic"}, articles, paragraphs)
    reused = {**base, "kind": "paraphrase", "question": "How big was the crowd?"}
    assert check_paraphrase(reused, articles)
    label = {
        "article": slug,
        "sentence": "a sentence the article never had",
        "speaker": "X",
        "role": None,
    }
    assert check_speakers([label], {slug: articles[slug]})
    same = {
        "article": slug,
        "a": "For an hour we were the better team",
        "b": "Then we gave the ball away twice",
        "disputed": True,
        "why": "w",
    }
    own = [
        {"article": slug, "sentence": s, "speaker": "Graham Pettit", "role": None}
        for s in (same["a"], same["b"])
    ]
    assert check_disputes([same], own, {slug: articles[slug]})


def test_a_test_never_sees_the_project_corpus_folder_by_default() -> None:
    """Adding articles to corpus/ must not change any test: unless a test names its articles,
    its settings point at a folder of its own tmp_path that does not exist."""
    from bot.settings import Settings
    from tests.conftest import ROOT

    folder = Settings().corpus_dir.resolve()
    assert folder != (ROOT / "corpus").resolve()
    assert not folder.exists()


def test_a_child_process_of_a_test_never_sees_the_project_corpus_folder() -> None:
    """A `newsbot` a test starts as a process of its own has no audit hook: even run from
    the project's root, its settings name the test's folder, not corpus/."""
    from tests.conftest import ROOT
    from tests.integration.support import child_env

    code = "from bot.settings import Settings; print(Settings().corpus_dir.resolve())"
    seen = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=child_env({}),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(seen) != (ROOT / "corpus").resolve()
    assert Path(seen) == Path(os.environ["NEWSBOT_CORPUS_DIR"]).resolve()


def test_opening_an_article_of_the_project_corpus_folder_fails_the_test() -> None:
    """Whatever code a test runs, an article file of corpus/ cannot be opened (the audit
    hook of tests/conftest.py); the corpus package's code beside it still loads."""
    import corpus.loader
    from tests.conftest import LIVE_ARTICLES

    with pytest.raises(PermissionError, match="the project's articles"):
        (LIVE_ARTICLES / "an-article-a-maintainer-added.md").read_text(encoding="utf-8")
    articles, errors = corpus.loader.load_corpus(LIVE_ARTICLES)
    assert articles == []
    assert all("a test opened the project's articles" in str(e) for e in errors)
    assert Path(corpus.loader.__file__).read_text(encoding="utf-8")


def test_no_test_names_a_file_of_the_project_corpus_folder() -> None:
    """Tests take their articles from tests/fixtures: a path built from the project's root
    into corpus/ (as test_loader and test_passages once read the seed article) would make a
    maintainer's edit there change a test."""
    from tests.conftest import ROOT

    # The two files that name the folder to keep tests out of it.
    guards = {ROOT / "tests" / "conftest.py", ROOT / "tests" / "unit" / "test_fixtures.py"}
    into_corpus = re.compile(r"""(?:ROOT|parents\[\d\])\s*/\s*["']corpus["']""")
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "tests").rglob("*.py"))
        if path not in guards and into_corpus.search(path.read_text("utf-8"))
    ]
    assert offenders == []
