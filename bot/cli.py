"""`newsbot`: the one command for maintainers and users (index, ask, chat, serve, eval).

The group and the console script's entry point; the commands live in modules of their own
(bot/cli_*.py), which import what a command needs only when it runs.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click
from pydantic import ValidationError

from bot.cli_ask import ask, chat
from bot.cli_common import QUICK_EXIT
from bot.cli_corpus import corpus, feeds
from bot.cli_eval import eval_, feedback, report
from bot.cli_index import embed_worker, index, model
from bot.cli_serve import receive, run_, serve, work
from bot.settings import Settings


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


for command in (
    *(index, model, embed_worker),  # bot/cli_index.py
    *(ask, chat),  # bot/cli_ask.py
    *(eval_, feedback, report),  # bot/cli_eval.py
    *(serve, receive, work, run_),  # bot/cli_serve.py
    *(corpus, feeds),  # bot/cli_corpus.py
):
    cli.add_command(command)


def main() -> None:
    """The console script: `cli`, then a quick exit for a command that asked for one."""
    try:
        cli(prog_name="newsbot")
    except SystemExit as exc:
        if not QUICK_EXIT:
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


if __name__ == "__main__":  # python -m bot.cli, as the console script
    main()
