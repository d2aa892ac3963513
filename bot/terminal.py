"""The terminal faces of the product: `newsbot chat` (answers, votes, unanswered questions
recorded like the bot's) and the `newsbot eval` report."""

from __future__ import annotations

import os
import secrets
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from bot.shared import Feedback

from bot.engine import Engine
from bot.evaluate import Outcome
from bot.feedback import vote_key
from bot.format import answer_text, articles_list, to_plain
from bot.outcome import Answer, Reason, Status

HELP = (
    "Ask a question about the articles, e.g. 'Who said what about it?'.\n"
    "Follow-up questions are understood ('And who paid for them?').\n"
    "After an answer, + or - tells the maintainers whether it helped.\n"
    "/sources lists the articles, /new forgets the conversation, /quit leaves."
)
CHAT_TYPE = "terminal"  # how votes and unanswered questions from here are marked
VOTES = {"+": 1, "-": -1}
_STYLES = ("bold", "bold cyan")  # the answering sentences; the answer line


def run_chat(
    engine: Engine, console: Console | None = None, feedback: Feedback | None = None
) -> None:
    """A read-answer loop over the same answering and formatting code as the bot.

    Votes (+/-) and unanswered questions go to the feedback store the bot uses (from the
    settings unless `feedback` is given), keyed the same way: this session stands for a
    chat, each answer for a message.
    """
    console = console or Console()
    store = feedback if feedback is not None else _open_feedback(engine)
    session = Session(engine, store)
    console.print(Text("newsbot: ask about the news. " + HELP.splitlines()[-1], style="dim"))
    try:
        while (line := _read(console)) is not None:
            if not session.handle(line, console):
                return
    finally:
        if feedback is None:
            store.close()


def _read(console: Console) -> str | None:
    try:
        return console.input("[bold]you ›[/bold] ")
    except (EOFError, KeyboardInterrupt):
        console.print()
        return None


class Session:
    """One terminal conversation: its history, its last answer (what a vote is about)."""

    def __init__(self, engine: Engine, store: Feedback):
        self.engine = engine
        self.store = store
        self.history: deque[str] = deque(maxlen=engine.settings.history_turns)
        self.chat_id = secrets.randbelow(2**31)  # one per session, as a chat is in Telegram
        self.user_id = os.getuid() if hasattr(os, "getuid") else 0
        self.answered = 0
        self.last: tuple[str, str] | None = None  # (question, reply text) open to a vote

    def handle(self, line: str, console: Console) -> bool:
        """Act on one line; False when the user leaves."""
        command = line.strip().lower()
        if command in ("/quit", "/exit", "/q"):
            return False
        if command in ("/help", "/start"):
            console.print(HELP)
        elif command == "/sources":
            console.print(articles_list(self.engine.articles, str))
        elif command == "/new":
            self.history.clear()
            self.last = None
            console.print(Text("New conversation: earlier questions are forgotten.", style="dim"))
        elif command in VOTES:
            self._vote(VOTES[command], console)
        elif command:
            self._ask(line, console)
        return True

    def _ask(self, question: str, console: Console) -> None:
        answer = self.engine.answer(question, list(self.history))
        text = to_plain(answer, self.engine.articles)
        console.print(styled(answer, text))
        console.print()
        self.last = None
        if answer.status is Status.ANSWERED:
            self.history.append(answer.question)
            self.answered += 1
            self.last = (answer.question, text)
        elif answer.reason in (Reason.NOT_COVERED, Reason.LANGUAGE):
            self.store.record_unanswered(answer.question, str(answer.reason), CHAT_TYPE)

    def _vote(self, vote: int, console: Console) -> None:
        if self.last is None:
            console.print(Text("Ask a question first; + or - then rates its answer.", style="dim"))
            return
        question, text = self.last
        key = vote_key(self.chat_id, self.answered, self.user_id)
        self.store.record_vote(key, vote, question, text, CHAT_TYPE)
        console.print(
            Text("Thanks, noted." if vote > 0 else "Thanks, noted: not helpful.", style="dim")
        )


def styled(answer: Answer, text: str) -> Text:
    """The plain reply with the answer line and each answering sentence marked (bold on a
    terminal; a console that is not one prints the same text without marks)."""
    rich = Text(text)
    if answer.status is not Status.ANSWERED:
        return rich
    for hit in answer.hits:
        at = text.find(hit.passage.text)
        sentence = text.find(hit.highlight.text, max(at, 0))
        if sentence >= 0 and len(hit.passage.sentences) > 1:
            rich.stylize(_STYLES[0], sentence, sentence + len(hit.highlight.text))
    line = answer_text(answer)
    if line and (at := text.find(line)) >= 0:
        rich.stylize(_STYLES[1], at, at + len(line))
    return rich


def _open_feedback(engine: Engine) -> Feedback:
    from bot.shared import open_feedback

    return open_feedback(engine.settings)


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
