"""`newsbot`: the one command for maintainers and users (index, ask, chat, serve, eval)."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from bot.settings import Settings
from corpus.loader import CorpusError
from index.embedder import EmbedderError

T = TypeVar("T")

logger = logging.getLogger(__name__)

ASK_BATCH = 32  # questions encoded together by `ask --jsonl`
# Commands that hold nothing to close when they finish: the console script leaves without
# tearing the loaded models down (0.2-0.3 s of freeing the ONNX sessions and the index).
_QUICK_EXIT: set[str] = set()


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsbot")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="Index directory.")
@click.option("--corpus", "corpus_dir", type=click.Path(path_type=Path), help="Corpus directory.")
@click.option("--model", help="Sentence-transformers model name or path.")
@click.option("-v", "--verbose", count=True, help="More logging (-v info, -vv debug).")
@click.pass_context
def cli(
    ctx: click.Context,
    index_dir: Path | None,
    corpus_dir: Path | None,
    model: str | None,
    verbose: int,
) -> None:
    """Answer questions about news articles, saying who said what and where.

    \b
    Examples:
      newsbot index build
      newsbot ask "Who said the strike was over?"
      newsbot ask --json "How many people were evacuated?"
      echo '{"question": "Who paid for it?"}' | newsbot ask --jsonl -
      newsbot chat
      newsbot eval tests/data/questions.jsonl --min-recall-at-3 0.95
    """
    configure_logging(verbose)
    overrides = {
        k: v
        for k, v in {"index_dir": index_dir, "corpus_dir": corpus_dir, "model": model}.items()
        if v is not None
    }
    try:
        ctx.obj = Settings(**overrides)
    except ValidationError as exc:
        raise click.ClickException(f"invalid configuration: {exc}") from exc


def configure_logging(verbose: int) -> None:
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    for noisy in ("sentence_transformers", "transformers", "faiss", "bm25s"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


# ---------------------------------------------------------------- index


@cli.group()
def index() -> None:
    """Build, describe and check the search index."""


@index.command("build")
@click.option("--out", type=click.Path(path_type=Path), help="Where to publish (default: --index).")
@click.option("--max-chars", default=800, show_default=True, help="Longest passage, in characters.")
@click.option("--if-stale", is_flag=True, help="Do nothing when the index matches the corpus.")
@click.option(
    "--distributed",
    is_flag=True,
    help="Embed the new texts on `newsbot embed-worker` processes (NEWSBOT_REDIS_URL).",
)
@click.option(
    "--eval",
    "eval_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Publish only if answers to these labelled questions are no worse than now.",
)
@click.option(
    "--tolerance",
    default=0.1,
    show_default=True,
    help="Allowed drop per metric (more articles move a few answers; a lost article drops all).",
)
@click.option("--min-recall-at-3", type=float, default=0.0, show_default=True)
@click.option("--min-abstention", type=float, default=0.0, show_default=True)
@click.pass_context
def index_build(
    ctx: click.Context,
    out: Path | None,
    max_chars: int,
    if_stale: bool,
    distributed: bool,
    eval_file: Path | None,
    tolerance: float,
    min_recall_at_3: float,
    min_abstention: float,
) -> None:
    """Build the index from the corpus, aside, and swap it in atomically.

    With --eval, the new index answers the labelled questions first and replaces the
    served one only if it meets the thresholds and is no worse than it (a running bot
    picks it up by itself). With --distributed, the texts that need embedding go to
    embed workers through Redis in chunks; the index is the same as a local build's.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from index.builder import build_index, staleness
    from index.multilingual import MULTILINGUAL_MODEL

    settings = _settings(ctx)
    target = out or settings.index_dir
    if if_stale:
        problems = staleness(
            settings.corpus_dir, target, settings.model, max_chars, MULTILINGUAL_MODEL
        )
        if not problems:
            click.echo(f"index at {target} is up to date")
            return
        click.echo(f"building: {problems[0]}", err=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("embedding", total=None)
        embed_many = _distributed_embedding(settings) if distributed else None
        encoders = _encoders(settings)
        thresholds = {"recall@3": min_recall_at_3, "abstention_accuracy": min_abstention}
        gate = (
            _eval_gate(settings, target, encoders, eval_file, thresholds, tolerance)
            if eval_file
            else None
        )
        try:
            report = _guard(
                lambda: build_index(
                    settings.corpus_dir,
                    target,
                    encoders,
                    max_chars=max_chars,
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                    gate=gate,
                    embed_many=embed_many,
                )
            )
        finally:
            if embed_many:
                embed_many.close()
    for skipped in report.skipped:
        click.echo(f"skipped {skipped}", err=True)
    if report.refused:
        raise click.ClickException(f"new index not published: {report.refused}")
    m = report.manifest
    click.echo(
        f"index built: {m.passages} passages from {len(m.articles)} articles "
        f"({report.embedded} texts embedded, {report.reused} reused) in {report.seconds:.1f}s "
        f"-> {target}"
    )


@index.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print the manifest as JSON.")
@click.pass_context
def index_info(ctx: click.Context, as_json: bool) -> None:
    """Print the index manifest: model, passages, corpus hash, build time."""
    from index.store import Manifest

    manifest = _guard(lambda: Manifest.read(_settings(ctx).index_dir))
    if as_json:
        click.echo(manifest.to_json(), nl=False)
        return
    click.echo(f"index:    {_settings(ctx).index_dir} (build {manifest.build_id})")
    click.echo(f"built:    {manifest.built_at}")
    click.echo(f"model:    {manifest.model} ({manifest.dim}-d)")
    click.echo(f"passages: {manifest.passages} ({manifest.sentences} sentences)")
    click.echo(f"chunking: {json.dumps(manifest.chunking)}")
    click.echo(f"corpus:   {manifest.corpus_hash[:16]}…")
    for article in manifest.articles:
        click.echo(f"  - {article['id']}: {article['title']} ({article['passages']} passages)")


@index.command("verify")
@click.pass_context
def index_verify(ctx: click.Context) -> None:
    """Check the index files against the manifest, and the manifest against the corpus."""
    from index.builder import verify

    settings = _settings(ctx)
    problems = verify(settings.corpus_dir, settings.index_dir)
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException(f"index at {settings.index_dir} failed verification")
    click.echo(f"index at {settings.index_dir} is intact and matches the corpus")


# ---------------------------------------------------------------- asking


@cli.command()
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
    _QUICK_EXIT.add("ask")
    engine = _engine(ctx)
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


@cli.command()
@click.pass_context
def chat(ctx: click.Context) -> None:
    """Chat in the terminal, over the same answers the Telegram bot gives."""
    from bot.terminal import run_chat

    run_chat(_engine(ctx))


@cli.command("eval")
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
    engine = _engine(ctx)
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


# ---------------------------------------------------------------- Telegram


@cli.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Run the Telegram bot (long polling; a webhook when NEWSBOT_WEBHOOK_URL is set).

    \b
    Needs TELEGRAM_BOT_TOKEN (environment or .env). A self-hosted Bot API server:
      TELEGRAM_BASE_URL=http://localhost:8081/bot newsbot serve
    Webhook mode (pip install "python-telegram-bot[webhooks]"):
      NEWSBOT_WEBHOOK_URL=https://bot.example.org/hook NEWSBOT_WEBHOOK_PORT=8443 newsbot serve
    """
    settings = _settings(ctx)
    if not _has_token(settings):
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (environment or .env)")
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)  # a server says what it is doing
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="engine-load") as pool:
        # The models and the index load while Telegram's code is imported.
        loading = pool.submit(_engine, ctx)
        from telegram.error import InvalidToken, TelegramError

        from bot.redaction import redact
        from bot.telegram_app import build_application, run

        app = build_application(settings, loading.result())  # from here on, logs hide the token
    from bot.metrics import start_metrics

    start_metrics(settings)
    try:
        run(app, settings)
    except InvalidToken as exc:
        raise click.ClickException("Telegram rejected TELEGRAM_BOT_TOKEN; check it") from exc
    except (TelegramError, RuntimeError) as exc:
        raise click.ClickException(redact(f"the bot stopped: {exc}")) from exc


@cli.command()
@click.option("--name", help="This receiver's name in logs and in the lease (host-pid).")
@click.pass_context
def receive(ctx: click.Context, name: str | None) -> None:
    """Take updates from Telegram (long polling) and stream them to Redis for the workers.

    \b
    One receiver holds a lease in Redis; start a second one anywhere and it takes over
    within NEWSBOT_RECEIVER_LEASE_SECONDS when the first dies:
      NEWSBOT_REDIS_URL=redis://127.0.0.1:6379/0 newsbot receive
    """
    import asyncio

    from bot.receiver import run_receiver

    settings = _settings(ctx)
    name = _one_of_several(settings, name)
    asyncio.run(run_receiver(settings, name))


@cli.command()
@click.option("--name", help="This worker's name in logs and in Redis (host-pid).")
@click.pass_context
def work(ctx: click.Context, name: str | None) -> None:
    """Answer the updates `newsbot receive` streams; run as many as the load needs.

    \b
      NEWSBOT_REDIS_URL=redis://127.0.0.1:6379/0 \\
      NEWSBOT_DATABASE_URL=postgresql://newsbot@db/newsbot newsbot work
    """
    import asyncio

    from telegram.error import InvalidToken

    from bot.engine import Engine
    from bot.worker import run_worker

    settings = _settings(ctx)
    name = _one_of_several(settings, name)
    if settings.encoder_threads is None:
        # Workers run one per core: more intra-op threads each only contend (bench/scale_out.py).
        settings = settings.model_copy(update={"encoder_threads": 1})
    engine = _guard(lambda: Engine(settings))
    try:
        asyncio.run(run_worker(settings, engine, name))
    except InvalidToken as exc:
        raise click.ClickException("Telegram rejected TELEGRAM_BOT_TOKEN; check it") from exc


@cli.command("embed-worker")
@click.option("--name", help="This worker's name in logs and in Celery (host-pid).")
@click.option(
    "--threads",
    type=int,
    help="MiniLM's intra-op threads (NEWSBOT_ENCODER_THREADS; default 1: one worker per core).",
)
@click.pass_context
def embed_worker(ctx: click.Context, name: str | None, threads: int | None) -> None:
    """Embed chunks for `newsbot index build --distributed`; run one per core, on any machine.

    Needs only NEWSBOT_REDIS_URL (and NEWSBOT_MODEL / NEWSBOT_ENCODER_BACKEND to load the
    build's encoder before the first chunk): the texts come in the tasks.

    \b
      NEWSBOT_REDIS_URL=redis://127.0.0.1:6379/0 newsbot embed-worker --name e1
    """
    from bot.worker import worker_name
    from index.distributed import run_worker

    settings = _settings(ctx)
    cluster = _cluster(settings)
    name = name or worker_name(settings)
    logging.getLogger().setLevel(min(logging.getLogger().getEffectiveLevel(), logging.INFO))
    _guard(
        lambda: run_worker(
            cluster,
            settings.encoder_cache,
            name,
            preload=(settings.model, settings.encoder_backend),
            threads=threads or settings.encoder_threads or 1,
        )
    )


def _cluster(settings: Settings) -> Any:
    from index.distributed import Cluster

    if not settings.redis_url:
        raise click.ClickException(
            "NEWSBOT_REDIS_URL is not set: builds and embed workers meet there"
        )
    return Cluster(settings.redis_url, settings.redis_prefix, settings.worker_visibility_seconds)


def _distributed_embedding(settings: Settings) -> Any:
    from index.distributed import DistributedEmbedding

    return DistributedEmbedding(_cluster(settings), settings.model, settings.encoder_backend)


def _one_of_several(settings: Settings, name: str | None) -> str:
    """Check what a receiver or worker needs; then a server says what it is doing, and every
    log line says which process of several."""
    from bot.worker import worker_name

    if not _has_token(settings):
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set (environment or .env)")
    if not settings.redis_url:
        raise click.ClickException("NEWSBOT_REDIS_URL is not set: receiver and workers meet there")
    name = name or worker_name(settings)
    root = logging.getLogger()
    if root.getEffectiveLevel() > logging.INFO:
        root.setLevel(logging.INFO)
    for handler in root.handlers:
        handler.setFormatter(
            logging.Formatter(
                f"%(asctime)s %(levelname)s [{name.replace('%', '%%')}] %(name)s: %(message)s"
            )
        )
    return name


@cli.command("run")
@click.pass_context
def run_(ctx: click.Context) -> None:
    """`newsbot serve` when TELEGRAM_BOT_TOKEN is set, else the terminal chat (`make run`)."""
    if not _has_token(_settings(ctx)):
        click.echo("TELEGRAM_BOT_TOKEN is not set: starting the terminal chat instead.", err=True)
        ctx.invoke(chat)
    else:
        ctx.invoke(serve)


def _has_token(settings: Settings) -> bool:
    token = settings.telegram_bot_token
    return token is not None and bool(token.get_secret_value().strip())


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--limit", default=50, show_default=True, help="At most this many of each list.")
@click.pass_context
def feedback(ctx: click.Context, as_json: bool, limit: int) -> None:
    """Print what users told the bot: unanswered questions first, then 👎 and 👍 votes."""
    from dataclasses import asdict

    settings = _settings(ctx)
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


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@click.option("--similar", default=0.7, show_default=True, help="Cosine that groups questions.")
@click.option("--limit", default=20, show_default=True, help="At most this many groups.")
@click.pass_context
def report(ctx: click.Context, as_json: bool, similar: float, limit: int) -> None:
    """What people asked that the bot could not answer or answered badly, grouped by
    similar question, largest group first: the articles worth adding."""
    from bot.report import collect, group_similar

    settings = _settings(ctx)
    asked = []
    if settings.database_url or settings.feedback_db.exists():  # else nothing recorded yet
        store = _feedback_store(settings)
        try:
            asked = collect(store)
        finally:
            store.close()
    groups = group_similar(asked, _encoders(settings).minilm, similar)[:limit] if asked else []
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


GATED_METRICS = ("recall@1", "recall@3", "answer_hit", "abstention_accuracy")


def _eval_gate(
    settings: Settings,
    target: Path,
    encoders: Any,
    eval_file: Path,
    thresholds: dict[str, float],
    tolerance: float,
) -> Callable[[Path], str | None]:
    """A build gate: evaluate the new build (and the served index) on labelled questions.

    The two are compared on the questions the served index could answer at all (an
    answering passage is in it, or the question is one to decline): questions about the
    articles a growing corpus adds count for the new build's thresholds only.
    """
    from bot.engine import Engine
    from bot.evaluate import evaluate, load_questions, summarize
    from index.store import IndexProblem

    items = load_questions(eval_file)

    def engine_at(index_dir: Path) -> Any:
        return Engine(settings.model_copy(update={"index_dir": index_dir}), encoders)

    def overall(engine: Any, asked: list[Any]) -> dict[str, Any]:
        return summarize(evaluate(asked, engine.answer_many))["overall"]

    def gate(build: Path) -> str | None:
        built = engine_at(build)
        new = overall(built, items)
        failures = [f"{k} {new[k]} < {v}" for k, v in thresholds.items() if (new[k] or 0) < v]
        try:
            served_engine = engine_at(target)
        except IndexProblem:
            served_engine = None  # nothing served yet: only the thresholds apply
        if served_engine is not None:
            passages = served_engine.index.passages
            shared = [i for i in items if not i.answerable or any(map(i.answered_by, passages))]
            served, same = overall(served_engine, shared), overall(built, shared)
            failures += [
                f"{k} {same[k]} < served {served[k]}"
                for k in GATED_METRICS
                if same[k] is not None and served[k] is not None and same[k] < served[k] - tolerance
            ]
        click.echo(f"eval of the new build: {json.dumps({k: new[k] for k in GATED_METRICS})}")
        return "; ".join(failures) or None

    return gate


def _guard(make: Callable[[], T]) -> T:
    """Run `make`, turning the core's named errors into one clear sentence and exit 1."""
    from index.store import IndexProblem  # here: FAISS loads only for commands that use it

    try:
        return make()
    except (IndexProblem, EmbedderError, CorpusError) as exc:
        raise click.ClickException(str(exc)) from exc


def _encoders(settings: Settings) -> Any:
    from index.encoding import load_encoders

    return _guard(
        lambda: load_encoders(settings.model, settings.encoder_backend, settings.encoder_cache)
    )


def _engine(ctx: click.Context) -> Any:
    from bot.engine import Engine

    return _guard(lambda: Engine(_settings(ctx)))


# ---------------------------------------------------------------- model


@cli.group()
def model() -> None:
    """Prepare the encoder: ONNX exports of the configured model."""


@model.command("export")
@click.option("--int8", "int8", is_flag=True, help="Also quantise (attention layers) to int8.")
@click.option("--force", is_flag=True, help="Export again even if a current export exists.")
@click.pass_context
def model_export(ctx: click.Context, int8: bool, force: bool) -> None:
    """Export the model to ONNX, offline, into models/ beside the index (NEWSBOT_MODELS_DIR).

    The default backend (NEWSBOT_ENCODER_BACKEND=onnx) serves the fp32 export, and
    `newsbot index build` makes it when it is missing or stale; onnx-int8 serves the int8 one.

    \b
      newsbot model export
      newsbot model export --int8
    """
    from index.onnx_embedder import EncoderMeta
    from index.onnx_export import export_model

    settings = _settings(ctx)
    variant = "int8" if int8 else "fp32"
    folder = _guard(lambda: export_model(settings.model, settings.encoder_cache, variant, force))
    meta = _guard(lambda: EncoderMeta.read(folder))
    click.echo(
        f"{meta.source_model} ({meta.variant}, {meta.model_bytes / 1e6:.0f} MB, min cosine "
        f"vs torch {meta.min_cosine_vs_torch:.4f}, exported {meta.exported_at}) -> {folder}"
    )


# ---------------------------------------------------------------- adding news

from bot.cli_corpus import corpus, feeds  # noqa: E402 - the groups live in their own module

cli.add_command(corpus)
cli.add_command(feeds)


def main() -> None:
    """The console script: `cli`, then a quick exit for a command that asked for one."""
    try:
        cli(prog_name="newsbot")
    except SystemExit as exc:
        if not _QUICK_EXIT:
            raise
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            click.echo(exc.code, err=True)
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe (`| head`): nothing more to say
                code = code or 1
        os._exit(code)
