"""`newsbot ask` (one question, or a JSONL file of them) and `newsbot chat` (the terminal)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import click

from bot.cli_common import QUICK_EXIT, load_engine

ASK_BATCH = 32  # questions encoded together by `ask --jsonl`


@click.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help='File of {"question", "history"} lines ("-" for stdin); JSON lines out.',
)
@click.pass_context
def ask(ctx: click.Context, question: str | None, as_json: bool, jsonl: Any) -> None:
    """Answer one question, or every line of a JSONL file."""
    from bot.format import to_json, to_plain

    if (question is None) == (jsonl is None):
        raise click.UsageError("give a QUESTION or --jsonl FILE (one of them)")
    QUICK_EXIT.add("ask")
    engine = load_engine(ctx)
    if jsonl is None:
        answer = engine.answer(question or "")
        if as_json:
            click.echo(json.dumps(to_json(answer, engine.articles), ensure_ascii=False))
        else:
            click.echo(to_plain(answer, engine.articles))
        return
    for batch in _batches(_read_asks(jsonl), ASK_BATCH):
        for answer in engine.answer_many(batch):
            click.echo(json.dumps(to_json(answer, engine.articles), ensure_ascii=False))


def _read_asks(lines: Iterator[str]) -> Iterator[tuple[str, Sequence[str]]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            question = data["question"] if isinstance(data, dict) else None
            history = data.get("history") or []
            if not isinstance(question, str) or not isinstance(history, list):
                raise ValueError
            if not all(isinstance(h, str) for h in history):
                raise ValueError
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            raise click.ClickException(
                f'line {number}: expected {{"question": "...", "history": [...]}}'
            ) from exc
        yield question, history


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@click.command()
@click.pass_context
def chat(ctx: click.Context) -> None:
    """Chat in the terminal, over the same answers the Telegram bot gives."""
    from bot.terminal import run_chat

    run_chat(load_engine(ctx))
