"""What the `newsbot` commands share: their settings, the core's errors as one sentence, and
loading the engine or the encoders (on demand: `--help` loads no model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from bot.settings import Settings

T = TypeVar("T")

# Commands that hold nothing to close when they finish: the console script leaves without
# tearing the loaded models down (0.2-0.3 s of freeing the ONNX sessions and the index).
QUICK_EXIT: set[str] = set()


def settings_of(ctx: click.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def has_token(settings: Settings) -> bool:
    token = settings.telegram_bot_token
    return token is not None and bool(token.get_secret_value().strip())


def guard(make: Callable[[], T]) -> T:
    """Run `make`, turning the core's named errors into one clear sentence and exit 1."""
    # Here: numpy, FAISS and the corpus reader's YAML load only for commands that use them.
    from corpus.loader import CorpusError
    from index.embedder import EmbedderError
    from index.errors import IndexProblem

    try:
        return make()
    except (IndexProblem, EmbedderError, CorpusError) as exc:
        raise click.ClickException(str(exc)) from exc


def load_encoders(settings: Settings) -> Any:
    from index.encoding import load_encoders as load

    return guard(lambda: load(settings.model, settings.encoder_backend, settings.encoder_cache))


def load_engine(ctx: click.Context) -> Any:
    from bot.engine import Engine

    return guard(lambda: Engine(settings_of(ctx)))
