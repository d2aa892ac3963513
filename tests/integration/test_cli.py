"""`newsbot ask` and `newsbot eval` as scripts use them: the JSON contract, JSONL in and out.

Most cases go through one `ask --jsonl` run (one model and index load for the module);
the contract checks then read its output lines.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from corpus.loader import load_article, normalise_space
from tests.conftest import DATA, FIXTURES, SEED_ARTICLES
from tests.integration.support import (
    assert_one_clear_error,
    child_env,
    console_script,
    newsbot,
)

pytestmark = pytest.mark.integration

TROOPS = "How many Wagner troops does the U.S. estimate are in Ukraine?"
BORSCHT = "How do I repot an orchid without hurting the roots?"
TOO_LONG = ("Why does Wagner " * 700)[:10_000]
STATUSES = {"answered", "not_found", "invalid"}
ANSWER_TYPES: dict[str, Any] = {
    "question": str,
    "status": str,
    "text": str,
    "passages": list,
}
PASSAGE_TYPES: dict[str, Any] = {
    "article_id": str,
    "title": str,
    "source": (str, type(None)),
    "url": (str, type(None)),
    "paragraph": int,
    "start": int,
    "end": int,
    "speaker": (str, type(None)),
    "text": str,
    "highlight": str,
    "score": float,
}

LABELLED = [json.loads(line) for line in DATA.joinpath("questions.jsonl").open() if line.strip()]

# One JSONL run: (input line as a dict, the status it must get or None for "any valid one").
ASKS: list[tuple[dict[str, Any], str | None]] = [
    ({"question": TROOPS}, "answered"),
    ({"question": BORSCHT}, "not_found"),
    ({"question": ""}, "invalid"),
    ({"question": " \t  "}, "invalid"),
    ({"question": TOO_LONG}, "invalid"),
    ({"question": "And how much does it spend a month?", "history": [TROOPS]}, None),
    ({"question": "Who paid for the weapons?", "history": []}, None),
] + [({"question": item["question"]}, None) for item in LABELLED[:40]]


@pytest.fixture(scope="module")
def jsonl_input(module_cwd: Path) -> Path:
    path = module_cwd / "asks.jsonl"
    path.write_text("".join(json.dumps(ask) + "\n" for ask, _ in ASKS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def jsonl_run(built_index: Path, jsonl_input: Path) -> Result:
    result = newsbot("--index", str(built_index), "ask", "--jsonl", str(jsonl_input))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def answers(jsonl_run: Result) -> list[dict[str, Any]]:
    return [json.loads(line) for line in jsonl_run.stdout.splitlines()]


def assert_answer_shape(answer: dict[str, Any]) -> None:
    for key, kind in ANSWER_TYPES.items():
        assert isinstance(answer[key], kind), (key, answer)
    assert answer["status"] in STATUSES
    assert answer["text"].strip()
    assert (answer["status"] == "answered") == bool(answer["passages"])
    for passage in answer["passages"]:
        for key, kind in PASSAGE_TYPES.items():
            assert isinstance(passage[key], kind), (key, passage)
        assert passage["paragraph"] >= 1 and 0 <= passage["start"] < passage["end"]


@pytest.fixture(scope="module")
def ask_json(built_index: Path, module_cwd: Path) -> Result:
    return newsbot("--index", str(built_index), "ask", TROOPS, "--json")


def test_ask_json_prints_exactly_one_answer_object(ask_json: Result):
    assert ask_json.exit_code == 0, ask_json.output
    assert ask_json.stderr == ""
    [line] = ask_json.stdout.splitlines()
    answer = json.loads(line)
    assert_answer_shape(answer)
    assert answer["question"] == TROOPS
    assert answer["status"] == "answered"
    assert any("50,000" in p["text"] for p in answer["passages"])


def test_ask_in_words_prints_the_json_text(built_index: Path, ask_json: Result):
    result = newsbot("--index", str(built_index), "ask", TROOPS)

    assert result.exit_code == 0, result.output
    assert result.stdout == json.loads(ask_json.stdout)["text"] + "\n"
    assert "Source: U.S. believes Wagner mercenaries" in result.stdout


def test_jsonl_answers_every_line_in_order(answers: list[dict[str, Any]]):
    assert len(answers) == len(ASKS)
    for answer, (ask, status) in zip(answers, ASKS, strict=True):
        assert_answer_shape(answer)
        assert answer["question"] == " ".join(ask["question"].split())[:1000]
        if status is not None:
            assert answer["status"] == status, answer


def test_every_passage_span_points_at_its_text_in_the_article(answers: list[dict[str, Any]]):
    passages = [p for a in answers for p in a["passages"]]
    assert passages
    for passage in passages:
        article = load_article(SEED_ARTICLES / f"{passage['article_id']}.md")
        assert normalise_space(article.body[passage["start"] : passage["end"]]) == passage["text"]
        assert passage["highlight"] in passage["text"]
        assert (passage["title"], passage["source"], passage["url"]) == (
            article.title,
            article.source,
            article.url,
        )


@pytest.mark.parametrize("position", [2, 3, 4], ids=["empty", "whitespace", "10000-chars"])
def test_empty_blank_and_overlong_questions_are_invalid(
    answers: list[dict[str, Any]], position: int
):
    answer = answers[position]
    assert (answer["status"], answer["passages"]) == ("invalid", [])


def test_question_the_articles_do_not_cover_is_not_found(answers: list[dict[str, Any]]):
    answer = answers[1]
    assert (answer["status"], answer["passages"]) == ("not_found", [])
    assert "do not cover" in answer["text"]


def test_jsonl_from_stdin_gives_the_same_lines(
    built_index: Path, jsonl_input: Path, jsonl_run: Result
):
    result = newsbot(
        "--index", str(built_index), "ask", "--jsonl", "-", input=jsonl_input.read_text()
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == jsonl_run.stdout


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        '{"q": "no question key"}',
        '{"question": 5}',
        '{"question": "x", "history": [1]}',
        '{"question": "x", "history": "not a list"}',
    ],
    ids=["not-json", "no-question", "question-not-text", "history-not-text", "history-text"],
)
def test_bad_jsonl_line_is_named_by_its_number(built_index: Path, bad: str):
    lines = json.dumps({"question": TROOPS}) + "\n" + bad + "\n"

    result = newsbot("--index", str(built_index), "ask", "--jsonl", "-", input=lines)

    assert_one_clear_error(result, "line 2: expected")


def test_ask_needs_a_question_or_a_file(built_index: Path):
    result = newsbot("--index", str(built_index), "ask")

    assert result.exit_code == 2
    assert "give a QUESTION or --jsonl FILE" in result.stderr


def test_eval_prints_the_report_and_fails_below_a_threshold(built_index: Path):
    result = newsbot(
        "--index", str(built_index), "eval", str(DATA / "questions.jsonl"),
        "--json", "--min-recall-at-1", "1.01",
    )  # fmt: skip

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    kinds = {item["kind"] for item in LABELLED}
    assert {"overall", "by_kind"} <= set(report)
    assert set(report["by_kind"]) == kinds
    assert {"questions", "recall@1", "recall@3", "answer_hit", "abstention_accuracy"} <= set(
        report["overall"]
    )
    assert sum(m["questions"] for m in report["by_kind"].values()) == len(LABELLED)
    error = assert_one_clear_error(result, "below thresholds: recall@1")
    assert error.endswith("< 1.01")


def test_eval_passes_without_thresholds(built_index: Path, module_cwd: Path):
    few = module_cwd / "few.jsonl"
    few.write_text("".join(DATA.joinpath("questions.jsonl").open().readlines()[:5]))

    result = newsbot("--index", str(built_index), "eval", str(few), "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["overall"]["questions"] == 5


def test_installed_newsbot_command_answers_in_json(built_index: Path, tmp_path: Path):
    result = subprocess.run(  # noqa: S603 - the console script this package installs
        [str(console_script()), "--index", str(built_index), "ask", "--json", TROOPS],
        cwd=tmp_path,
        env=child_env({"NEWSBOT_CORPUS_DIR": str(SEED_ARTICLES)}),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    answer = json.loads(line)
    assert_answer_shape(answer)
    assert answer["status"] == "answered"
    assert any("50,000" in p["text"] for p in answer["passages"])


def _labelled_sample(directory: Path, count: int = 12) -> Path:
    """Answerable labelled questions about the seed article (a gate needs something to lose)."""
    items = [
        line for line in DATA.joinpath("questions.jsonl").open() if '"answerable": true' in line
    ]
    sample = directory / "gate.jsonl"
    sample.write_text("".join(items[:count]), encoding="utf-8")
    return sample


def test_index_build_eval_refuses_a_worse_index_and_keeps_serving_the_old_one(
    served_index: Path, tmp_path: Path
):
    """Swapping the seed article for an unrelated one answers none of its questions: the
    new build is evaluated aside and never published."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    shutil.copy(DATA / "corpus_bad" / "good.md", corpus / "port-strike.md")
    before = served_index.resolve()

    result = newsbot(
        "--index", str(served_index), "index", "build", "--eval", str(_labelled_sample(tmp_path)),
        articles=corpus,
    )  # fmt: skip

    assert result.exit_code == 1, result.output
    assert "new index not published" in result.output and "< served" in result.output
    assert served_index.resolve() == before
    assert [p for p in served_index.with_name("index.builds").iterdir() if p != before] == []


def test_index_build_eval_tolerates_the_corpus_growing(served_index: Path, tmp_path: Path):
    """A maintainer adds an article and its questions to the eval file: the questions the
    served index cannot answer count for the new build only, so growth is published."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    shutil.copy(SEED_ARTICLES / "wagner-north-korea-weapons.md", corpus)
    added = "brackenford-rovers-beat-kelmore-city"
    shutil.copy(FIXTURES / "articles" / f"{added}.md", corpus)
    sample = _labelled_sample(tmp_path)
    about_added = [
        line
        for line in (FIXTURES / "questions.jsonl").open(encoding="utf-8")
        if f'"article": "{added}"' in line and '"answerable": true' in line
    ]
    with sample.open("a", encoding="utf-8") as out:
        out.writelines(about_added)
    before = served_index.resolve()

    result = newsbot(
        "--index", str(served_index), "index", "build", "--eval", str(sample), articles=corpus,
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert served_index.resolve() != before


def test_index_build_eval_publishes_an_index_that_answers_as_well(
    served_index: Path, tmp_path: Path
):
    before = served_index.resolve()

    result = newsbot(
        "--index", str(served_index), "index", "build", "--eval", str(_labelled_sample(tmp_path)),
        "--min-recall-at-3", "0.8",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "eval of the new build" in result.output
    assert served_index.resolve() != before
