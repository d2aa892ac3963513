"""The reply a person reads first, over the real index of the seed fixture: the answer line,
disputes only when two named sources contradict each other on what was asked, and the
terminal chat that records votes and unanswered questions like the bot."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rich.console import Console

from bot.answer import Status
from bot.cli import cli
from bot.engine import Engine
from bot.feedback import FeedbackStore
from bot.format import answer_text, to_json
from bot.terminal import run_chat
from tests.conftest import make_settings

pytestmark = pytest.mark.integration

DISPUTED = "Did Wagner receive arms from North Korea?"


@pytest.fixture(scope="module")
def engine(built_index: Path, encoders: Any) -> Engine:
    return Engine(make_settings(built_index), encoders)


def test_the_seeds_dispute_is_flagged_with_both_named_sides(engine: Engine) -> None:
    """The arms question shows the claim and its denial, each named, and the opening line
    says what is disputed in the sources' own words (verbatim from their passages)."""
    answer = engine.answer(DISPUTED)
    assert answer.status is Status.ANSWERED and answer.contested
    [row, *_] = to_json(answer)["contested"]
    texts = " ".join(h.passage.text for h in answer.hits)
    assert row["what"].rstrip("…") in texts and row["denial_text"].rstrip("…") in texts
    assert {row["claimed_by"], row["denied_by"]} == {"John Kirby", "Yevgeny Prigozhin"}


@pytest.mark.parametrize(
    "question",
    [
        "Who is Kirby?",
        "Who is John Kirby?",
        "Who is Yevgeny Prigozhin?",
        "what's the US doing about it",
        "How many Wagner fighters were killed in combat?",
    ],
)
def test_questions_about_a_source_or_another_subject_are_not_flagged(
    engine: Engine, question: str
) -> None:
    answer = engine.answer(question)
    assert not answer.contested, to_json(answer)["contested"]


def test_the_answer_line_is_verbatim_from_the_best_passage(engine: Engine) -> None:
    """JSON "answer" quotes words of the answering sentence and says who and where."""
    answer = engine.answer("How many Wagner troops does the U.S. estimate are in Ukraine?")
    assert answer.line is not None
    assert answer.line.text in answer.hits[0].highlight.text
    assert "50,000" in answer.line.text
    data = to_json(answer)
    assert data["answer"] == answer_text(answer)
    assert data["answer"].endswith(f"paragraph {answer.hits[0].passage.paragraph}")
    assert data["text"].startswith(data["answer"])


def test_the_terminal_chat_records_votes_and_unanswered_questions(
    served_index: Path, tmp_path: Path
) -> None:
    """`newsbot chat` answers, takes + after an answer, records an unanswered question,
    and `newsbot feedback` then lists both; piped output carries no terminal codes."""
    db = tmp_path / "feedback.sqlite3"
    env = {"NEWSBOT_FEEDBACK_DB": str(db), "NEWSBOT_INDEX_DIR": str(served_index)}
    lines = [
        "/help",
        "-",  # nothing answered yet to vote on
        "How much does Wagner spend a month?",
        "+",
        "How long should sourdough bread proof in the fridge?",
        "/new",
        "/quit",
    ]
    result = CliRunner().invoke(cli, ["chat"], input="\n".join(lines) + "\n", env=env)
    assert result.exit_code == 0, result.output
    assert "$100 million" in result.output and "\x1b[" not in result.output
    assert "+ or -" in result.output and "Thanks, noted." in result.output
    assert "Ask a question first" in result.output and "New conversation" in result.output
    feedback = CliRunner().invoke(cli, ["feedback", "--json"], env=env)
    assert feedback.exit_code == 0, feedback.output
    data = json.loads(feedback.output)
    [vote] = data["votes"]
    assert vote["vote"] == 1 and vote["chat_type"] == "terminal"
    assert vote["question"] == "How much does Wagner spend a month?"
    assert "$100 million" in vote["answer"]
    [unanswered] = data["unanswered"]
    assert unanswered["question"] == "How long should sourdough bread proof in the fridge?"


def test_the_terminal_marks_the_answer_on_a_tty(engine: Engine, tmp_path: Path) -> None:
    """On a terminal the answering sentence and the answer line are bold; votes go to the
    store handed in."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="standard", width=200)
    store = FeedbackStore(tmp_path / "f.sqlite3")
    answers = iter(["How much does Wagner spend a month?", "-", "/quit"])
    console.input = lambda prompt="": next(answers)  # type: ignore[method-assign]
    run_chat(engine, console, store)
    text = out.getvalue()
    assert "\x1b[1m" in text  # bold
    [vote] = store.votes()
    assert vote.vote == -1 and vote.chat_type == "terminal"
    store.close()
