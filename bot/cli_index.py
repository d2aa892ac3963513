"""What serving reads: `newsbot index` (build, info, verify), `newsbot model export` (the ONNX
encoder) and `newsbot embed-worker` (the embedding of `index build --distributed`)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from bot.cli_common import guard, load_encoders, settings_of
from bot.settings import Settings

GATED_METRICS = ("recall@1", "recall@3", "answer_hit", "abstention_accuracy")


@click.group()
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

    settings = settings_of(ctx)
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
        encoders = load_encoders(settings)
        thresholds = {"recall@3": min_recall_at_3, "abstention_accuracy": min_abstention}
        gate = (
            _eval_gate(settings, target, encoders, eval_file, thresholds, tolerance)
            if eval_file
            else None
        )
        try:
            report = guard(
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

    manifest = guard(lambda: Manifest.read(settings_of(ctx).index_dir))
    if as_json:
        click.echo(manifest.to_json(), nl=False)
        return
    click.echo(f"index:    {settings_of(ctx).index_dir} (build {manifest.build_id})")
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

    settings = settings_of(ctx)
    problems = verify(settings.corpus_dir, settings.index_dir)
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        raise click.ClickException(f"index at {settings.index_dir} failed verification")
    click.echo(f"index at {settings.index_dir} is intact and matches the corpus")


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
    from index.errors import IndexProblem

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


# ---------------------------------------------------------------- model


@click.group()
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

    settings = settings_of(ctx)
    variant = "int8" if int8 else "fp32"
    folder = guard(lambda: export_model(settings.model, settings.encoder_cache, variant, force))
    meta = guard(lambda: EncoderMeta.read(folder))
    click.echo(
        f"{meta.source_model} ({meta.variant}, {meta.total_bytes / 1e6:.0f} MB, min cosine "
        f"vs torch {meta.min_cosine_vs_torch:.4f}, exported {meta.exported_at}) -> {folder}"
    )


# ---------------------------------------------------------------- distributed embedding


@click.command("embed-worker")
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

    settings = settings_of(ctx)
    cluster = _cluster(settings)
    name = name or worker_name(settings)
    logging.getLogger().setLevel(min(logging.getLogger().getEffectiveLevel(), logging.INFO))
    guard(
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
