"""A build that dies - killed, interrupted, or failing - never breaks the index being served.

The served index here is 60 copies of the seed article (identical text, so embedding it
costs one article). Rebuilding it reuses every vector and spends its time writing the new
build folder, which is when the kills below land; a corpus of varied copies makes the
build spend its time embedding instead.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from bot.engine import Engine
from index.builder import build_index, verify
from index.embedder import SentenceTransformerEmbedder
from index.errors import IndexProblem
from index.search import SearchIndex
from tests.conftest import SEED_ARTICLES, make_settings
from tests.integration.corpora import write_copies
from tests.integration.embedders import (
    EmbedderDied,
    FailingEmbedder,
    HashingEmbedder,
    WrongShapeEmbedder,
)
from tests.integration.support import publish_copy, start_newsbot

pytestmark = pytest.mark.integration

T = TypeVar("T")
TROOPS = "How many Wagner troops does the U.S. estimate are in Ukraine?"
COPIES = 60


@pytest.fixture(scope="module")
def copies_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_copies(tmp_path_factory.mktemp("copies") / "articles", COPIES, vary=False)


@pytest.fixture(scope="module")
def copies_build(
    tmp_path_factory: pytest.TempPathFactory,
    copies_corpus: Path,
    embedder: SentenceTransformerEmbedder,
) -> Path:
    """A finished build of the copies corpus, to publish afresh for each test."""
    target = tmp_path_factory.mktemp("copies-index") / "index"
    return build_index(copies_corpus, target, embedder).path


@pytest.fixture()
def served(copies_build: Path, tmp_path: Path) -> Path:
    return publish_copy(copies_build, tmp_path / "index")


Build = Callable[[Path, Path], "subprocess.Popen[str]"]


@pytest.fixture()
def start_build(tmp_path: Path) -> Iterator[Build]:
    """Start `newsbot index build` of a corpus into a target as a process; never left running."""
    started: list[subprocess.Popen[str]] = []

    def start(target: Path, corpus: Path) -> subprocess.Popen[str]:
        process = start_newsbot(
            "--index", str(target), "index", "build", cwd=tmp_path, articles=corpus
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate()


def builds(target: Path) -> set[Path]:
    return set(target.with_name(target.name + ".builds").iterdir())


def wait_for(found: Callable[[], T | None], process: subprocess.Popen[str], what: str) -> T:
    """Poll every 2 ms until `found()` returns something; fail if the build ends first."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        value = found()
        if value is not None:
            return value
        if process.poll() is not None:
            pytest.fail(f"the build ended before {what}: {process.communicate()}")
        time.sleep(0.002)
    pytest.fail(f"no {what} within 300 s")


def new_build_folder(target: Path, before: set[Path]) -> Callable[[], Path | None]:
    return lambda: next(iter(builds(target) - before), None)


def holding_build_lock(target: Path, pid: int) -> Callable[[], bool | None]:
    """Whether `pid` holds the build lock of `target` (it does from corpus loaded to published)."""
    lock = target.with_name(f".{target.name}.lock")

    def held() -> bool | None:
        if not lock.exists():
            return None
        inode = lock.stat().st_ino
        for line in Path("/proc/locks").read_text().splitlines():
            fields = line.split()
            # "1: FLOCK  ADVISORY  WRITE 4242 00:2a:131077 0 EOF"
            ours = fields[1] == "FLOCK" and fields[4] == str(pid)
            if ours and int(fields[5].split(":")[2]) == inode:
                return True
        return None

    return held


def kill(process: subprocess.Popen[str], signum: int) -> tuple[str, str]:
    os.kill(process.pid, signum)
    return process.communicate(timeout=120)


def assert_still_served(
    target: Path, build: Path, corpus: Path, embedder: SentenceTransformerEmbedder
):
    """`target` still shows the same finished build, which loads, verifies and answers."""
    assert target.resolve() == build
    assert json.loads((target / "manifest.json").read_text())["build_id"] == build.name
    assert verify(corpus, target) == []
    assert SearchIndex.load(target, embedder).directory == build
    answer = Engine(make_settings(target), embedder).answer(TROOPS)
    assert answer.status == "answered"
    assert any("50,000" in hit.passage.text for hit in answer.hits)


def assert_only_finished_builds(target: Path) -> None:
    left = builds(target)
    assert left and all((b / "manifest.json").is_file() for b in left)
    assert target.resolve() in left


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="needs Linux /proc/locks")
def test_build_killed_while_embedding_leaves_the_served_index_answering(
    served: Path,
    copies_corpus: Path,
    tmp_path: Path,
    start_build: Build,
    embedder: SentenceTransformerEmbedder,
):
    build, before = served.resolve(), builds(served)
    varied = write_copies(tmp_path / "varied", 40, vary=True)
    process = start_build(served, varied)
    wait_for(holding_build_lock(served, process.pid), process, "the build took its lock")
    time.sleep(1.0)  # well into embedding ~1,500 new texts

    kill(process, signal.SIGKILL)

    assert process.returncode == -signal.SIGKILL
    assert all(not (p / "manifest.json").exists() for p in builds(served) - before)
    assert_still_served(served, build, copies_corpus, embedder)


def test_build_killed_while_writing_leaves_a_folder_nobody_sees_and_the_next_build_removes_it(
    served: Path, copies_corpus: Path, start_build: Build, embedder: SentenceTransformerEmbedder
):
    build, before = served.resolve(), builds(served)
    process = start_build(served, copies_corpus)
    half_built = wait_for(new_build_folder(served, before), process, "a build folder appeared")

    kill(process, signal.SIGKILL)

    assert process.returncode == -signal.SIGKILL
    assert half_built.is_dir() and not (half_built / "manifest.json").exists()
    assert_still_served(served, build, copies_corpus, embedder)

    report = build_index(copies_corpus, served, embedder)

    assert report.embedded == 0
    assert not half_built.exists()
    assert_only_finished_builds(served)
    assert served.resolve() == report.path


def test_build_interrupted_while_writing_removes_its_own_folder(
    served: Path, copies_corpus: Path, start_build: Build, embedder: SentenceTransformerEmbedder
):
    build, before = served.resolve(), builds(served)
    process = start_build(served, copies_corpus)
    wait_for(new_build_folder(served, before), process, "a build folder appeared")

    out, err = kill(process, signal.SIGINT)  # Ctrl-C

    assert process.returncode == 1, err
    assert err.strip().splitlines()[-1] == "Aborted!" and "Traceback" not in err
    assert out == ""
    assert builds(served) == before
    assert_still_served(served, build, copies_corpus, embedder)


def test_embedder_failing_mid_build_leaves_the_served_index_and_no_folder(
    served_index: Path, tmp_path: Path, embedder: SentenceTransformerEmbedder
):
    build, before = served_index.resolve(), builds(served_index)
    varied = write_copies(tmp_path / "varied", 3, vary=True)
    failing = FailingEmbedder(HashingEmbedder(), fail_after=100)

    with pytest.raises(EmbedderDied):
        build_index(varied, served_index, failing)

    assert failing.embedded > 0  # it did fail part-way, not before starting
    assert builds(served_index) == before
    assert_still_served(served_index, build, SEED_ARTICLES, embedder)


def test_build_failing_while_writing_removes_its_own_folder(
    served_index: Path, embedder: SentenceTransformerEmbedder
):
    build, before = served_index.resolve(), builds(served_index)

    with pytest.raises(IndexProblem, match="unusable vectors"):  # one dimension short
        build_index(SEED_ARTICLES, served_index, WrongShapeEmbedder(HashingEmbedder(dim=384)))

    assert builds(served_index) == before
    assert_still_served(served_index, build, SEED_ARTICLES, embedder)


class _InterruptOnPublish(logging.Handler):
    """Ctrl-C at the worst moment: right after the new build is linked in."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("index published"):
            raise KeyboardInterrupt


@pytest.fixture()
def interrupt_on_publish() -> Iterator[None]:
    logger = logging.getLogger("index.store")
    handler, level = _InterruptOnPublish(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.usefixtures("interrupt_on_publish")
def test_ctrl_c_just_after_publishing_keeps_an_index_served(
    served_index: Path, embedder: SentenceTransformerEmbedder
):
    with pytest.raises(KeyboardInterrupt):
        build_index(SEED_ARTICLES, served_index, embedder)

    assert (served_index / "manifest.json").is_file()
    assert verify(SEED_ARTICLES, served_index) == []
