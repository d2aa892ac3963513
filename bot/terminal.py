"""The terminal faces of the product: `newsbot chat` and the `newsbot eval` report."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.answer import Status
from bot.engine import Engine
from bot.evaluate import Outcome
from bot.format import articles_list, to_plain

HELP = (
    "Ask a question about the articles, e.g. 'Who said what about it?'.\n"
    "Follow-up questions are understood ('And who paid for them?').\n"
    "/sources lists the articles, /new forgets the conversation, /quit leaves."
)


def run_chat(engine: Engine, console: Console | None = None) -> None:
    """A read-answer loop over the same answering and formatting code as the bot."""
    console = console or Console()
    history: deque[str] = deque(maxlen=engine.settings.history_turns)
    console.print(Text("newsbot: ask about the news. " + HELP.splitlines()[-1], style="dim"))
    while True:
        try:
            question = console.input("[bold]you ›[/bold] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        command = question.strip().lower()
        if command in ("/quit", "/exit", "/q"):
            return
        if command in ("/help", "/start"):
            console.print(HELP)
            continue
        if command == "/sources":
            console.print(articles_list(engine.articles, str))
            continue
        if command == "/new":
            history.clear()
            continue
        if not command:
            continue
        answer = engine.answer(question, list(history))
        console.print(Text(to_plain(answer, engine.articles)), style=None)
        console.print()
        if answer.status is Status.ANSWERED:
            history.append(answer.question)


def print_report(report: dict[str, Any], failures: Sequence[Outcome] = ()) -> None:
    console = Console(width=max(140, Console().width))  # a table, not a squeezed one, in CI logs
    table = Table(title="newsbot eval")
    columns = [
        "questions",
        "recall@1",
        "recall@3",
        "mrr",
        "answer_hit",
        "false_abstention",
        "abstention_accuracy",
        "speaker_accuracy",
    ]
    table.add_column("kind")
    for column in columns:
        table.add_column(column, justify="right")
    rows = [("overall (answerable English)", report["overall"])]
    rows += list(report["by_kind"].items()) + [("all", report["all"])]
    for name, metrics in rows:
        table.add_row(name, *("–" if metrics[c] is None else str(metrics[c]) for c in columns))
    console.print(table)
    for outcome in failures:
        item = outcome.item
        wrong_abstain = item.answerable and outcome.answer.status is not Status.ANSWERED
        wrong_answer = not item.answerable and outcome.answer.status is Status.ANSWERED
        missed = item.answerable and not outcome.text_hit
        if wrong_abstain or wrong_answer or missed or outcome.speaker_ok is False:
            console.print(
                f"[red]✗[/red] {item.id} [{item.kind}] {item.question!r}: "
                f"status={outcome.answer.status} rank={outcome.rank} "
                f"speaker_ok={outcome.speaker_ok}"
            )
