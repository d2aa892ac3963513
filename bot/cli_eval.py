"""How well the bot answers: `newsbot eval` (labelled questions), `newsbot feedback` (what users
voted and what went unanswered) and `newsbot report` (that, grouped by meaning)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.cli_common import load_encoders, load_engine, settings_of
from bot.settings import Settings


@click.command("eval")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--min-recall-at-1", type=float, default=0.0, show_default=True)
@click.option("--min-recall-at-3", type=float, default=0.0, show_default=True)
@click.option("--min-answer-hit", type=float, default=0.0, show_default=True)
@click.option("--min-abstention", type=float, default=0.0, show_default=True)
@click.option("--max-false-abstention", type=float, default=1.0, show_default=True)
@click.option("--show-failures", is_flag=True, help="List the questions that missed.")
@click.pass_context
def eval_(
    ctx: click.Context,
    file: Path,
    as_json: bool,
    min_recall_at_1: float,
    min_recall_at_3: float,
    min_answer_hit: float,
    min_abstention: float,
    max_false_abstention: float,
    show_failures: bool,
) -> None:
    """Score answers to labelled questions; exit 1 under the given thresholds.

    Recall and answer hits are over answerable English questions; `by kind` shows the rest.
    """
    from bot.evaluate import evaluate, load_questions, summarize
    from bot.terminal import print_report

    try:
        items = load_questions(file)
    except (ValueError, KeyError) as exc:
        raise click.ClickException(
            f"{file}: not a JSONL file of labelled questions ({exc})"
        ) from exc
    engine = load_engine(ctx)
    outcomes = evaluate(items, engine.answer_many)
    report = summarize(outcomes)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        print_report(report, outcomes if show_failures else ())
    overall = report["overall"]
    checks = [
        ("recall@1", min_recall_at_1, 1),
        ("recall@3", min_recall_at_3, 1),
        ("answer_hit", min_answer_hit, 1),
        ("abstention_accuracy", min_abstention, 1),
        ("false_abstention", max_false_abstention, -1),
    ]
    failed = [
        f"{name} {overall[name]} {'<' if sign > 0 else '>'} {limit}"
        for name, limit, sign in checks
        if overall[name] is not None and sign * (overall[name] - limit) < 0
    ]
    if failed:
        raise click.ClickException("below thresholds: " + "; ".join(failed))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--limit", default=50, show_default=True, help="At most this many of each list.")
@click.pass_context
def feedback(ctx: click.Context, as_json: bool, limit: int) -> None:
    """Print what users told the bot: unanswered questions first, then 👎 and 👍 votes."""
    from dataclasses import asdict

    settings = settings_of(ctx)
    unanswered, votes = [], []
    if settings.database_url or settings.feedback_db.exists():  # else nothing recorded yet
        store = _feedback_store(settings)
        try:
            unanswered, votes = store.unanswered()[:limit], store.votes()[:limit]
        finally:
            store.close()
    if as_json:
        report = {
            "unanswered": [asdict(u) for u in unanswered],
            "votes": [asdict(v) for v in votes],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(f"Questions the bot could not answer ({len(unanswered)}):")
    for u in unanswered:
        click.echo(f"  {u.times:>3}× {u.question!r} ({u.reason}, last {u.last_at})")
    down = sum(v.vote < 0 for v in votes)
    click.echo(f"\nFeedback ({down} 👎, {len(votes) - down} 👍):")
    for v in votes:
        answer = " ".join(v.answer.split())
        answer = answer if len(answer) <= 200 else answer[:199] + "…"
        click.echo(f"  {'👎' if v.vote < 0 else '👍'} {v.at} {v.question!r}\n       -> {answer}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--similar", default=0.7, show_default=True, help="Cosine that groups questions.")
@click.option("--limit", default=20, show_default=True, help="At most this many groups.")
@click.pass_context
def report(ctx: click.Context, as_json: bool, similar: float, limit: int) -> None:
    """What people asked that the bot could not answer or answered badly, grouped by
    similar question, largest group first: the articles worth adding."""
    from bot.report import collect, group_similar

    settings = settings_of(ctx)
    asked = []
    if settings.database_url or settings.feedback_db.exists():  # else nothing recorded yet
        store = _feedback_store(settings)
        try:
            asked = collect(store)
        finally:
            store.close()
    groups = group_similar(asked, load_encoders(settings).minilm, similar)[:limit] if asked else []
    if as_json:
        data = [{"questions": g.questions, "times": g.times, "why": dict(g.why)} for g in groups]
        click.echo(json.dumps({"groups": data}, ensure_ascii=False, indent=2))
        return
    if not groups:
        click.echo("Nothing unanswered or disliked so far.")
    for number, group in enumerate(groups, start=1):
        why = ", ".join(f"{reason} ×{n}" for reason, n in group.why.most_common())
        click.echo(f"{number:>2}. {group.times}× {group.example!r} ({why})")
        for other in group.questions[1:6]:
            click.echo(f"      also: {other!r}")


def _feedback_store(settings: Settings) -> Any:
    """SQLite, or PostgreSQL when NEWSBOT_DATABASE_URL is set."""
    from bot.shared import open_feedback

    try:
        return open_feedback(settings)
    except Exception as exc:  # psycopg.OperationalError and the like; never the URL
        raise click.ClickException(
            f"cannot open the feedback database: {type(exc).__name__}"
        ) from exc
