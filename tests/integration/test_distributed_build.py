"""`newsbot index build --distributed`: real `newsbot embed-worker` processes on a real Redis
embed the build's texts; the index equals a local build's, also when a worker is killed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.builder import EMBED_BATCH, BuildReport, build_index
from index.distributed import Cluster, DistributedEmbedding
from index.encoding import Encoders
from index.fields import FIELDS, store_path
from index.store import FaissStore
from tests.conftest import FIXTURES, Service
from tests.integration.support import newsbot
from tests.processes import Processes

pytestmark = pytest.mark.integration

# A few articles of the fixtures, English and German: 248 texts, 2 chunks of MiniLM's and 3
# of e5's at one batch (EMBED_BATCH) a chunk.
ARTICLES = (
    "lumen-labs-folio-x-e-reader-launch.md",
    "eastmark-ferry-contract-minister-denies.md",
    "lindenfeld-strassenbahn-linie-4.md",
)
# How soon a killed worker's chunk goes to the other one; longer than a chunk takes on a
# loaded machine, or a live worker's chunk is also embedded by the other (harmless: the same
# bytes under the same key).
VISIBILITY_SECONDS = 20.0
STARTED = re.compile(r"chunk (\w+): embedding")
# Fields of the manifest that differ between any two builds, local or not.
PER_BUILD = {"built_at", "build_id"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("articles")
    for name in ARTICLES:
        shutil.copy(FIXTURES / "articles" / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def local_build(corpus: Path, encoders: Encoders, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same corpus built in this process, as `newsbot index build` does."""
    target = tmp_path_factory.mktemp("local") / "index"
    build_index(corpus, target, encoders)
    return target


def _worker_env(service: Service, folder: Path) -> dict[str, str]:
    """What `newsbot embed-worker` processes of one test run with."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")},
        "NEWSBOT_REDIS_URL": service.url,
        "NEWSBOT_REDIS_PREFIX": service.namespace,
        "NEWSBOT_WORKER_VISIBILITY_SECONDS": str(VISIBILITY_SECONDS),
        "NEWSBOT_INDEX_DIR": str(folder / "index"),
        "NEWSBOT_ENCODER_BACKEND": "torch",  # the session's encoders, loaded before any chunk
    }


@pytest.fixture()
def workers(redis_service: Service, tmp_path: Path) -> Iterator[Processes]:
    running = Processes(_worker_env(redis_service, tmp_path), tmp_path)
    try:
        yield running
    finally:
        running.end()


def _distributed_build(
    corpus: Path, target: Path, encoders: Encoders, service: Service
) -> tuple[BuildReport, DistributedEmbedding]:
    cluster = Cluster(service.url, service.namespace, VISIBILITY_SECONDS)
    # One batch a chunk: several chunks per encoder even on this small corpus.
    embedding = DistributedEmbedding(
        cluster, encoders.minilm.name, "torch", chunk_size=EMBED_BATCH, wait_for_workers=120
    )
    try:
        return build_index(corpus, target, encoders, embed_many=embedding), embedding
    finally:
        embedding.close()


def _assert_same_index(built: Path, local: Path) -> None:
    """Bitwise the same vectors, row for row, in every field; the same manifest."""
    for field in FIELDS:
        ours = FaissStore.load(store_path(built, field))
        theirs = FaissStore.load(store_path(local, field))
        assert len(ours) == len(theirs) > 0, field.name
        mine = ours.vectors(range(len(ours)))
        assert np.array_equal(mine, theirs.vectors(range(len(theirs)))), field.name
    ours_manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    local_manifest = json.loads((local / "manifest.json").read_text(encoding="utf-8"))
    assert ours_manifest["build_id"] != local_manifest["build_id"]
    for name in PER_BUILD:
        ours_manifest.pop(name)
        local_manifest.pop(name)
    assert ours_manifest == local_manifest


def _chunks_left(service: Service) -> list[bytes]:
    import redis

    client = redis.Redis.from_url(service.url)
    try:
        return list(client.scan_iter(match=f"{service.namespace}embed:chunk:*"))
    finally:
        client.close()


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_workers_build_the_same_index_as_one_process(
    corpus: Path,
    local_build: Path,
    encoders: Encoders,
    workers: Processes,
    redis_service: Service,
    tmp_path: Path,
):
    """Two embed workers share the chunks; the index is bitwise the local one."""
    workers.start("embed-worker", "e1")
    workers.start("embed-worker", "e2")
    report, embedding = _distributed_build(corpus, tmp_path / "index", encoders, redis_service)

    _assert_same_index(tmp_path / "index", local_build)
    assert report.embedded > 2 * EMBED_BATCH
    done = {name: STARTED.findall(workers.log(name)) for name in ("e1", "e2")}
    assert done["e1"] and done["e2"], "both workers embedded chunks"
    assert len(set(done["e1"]) | set(done["e2"])) == embedding.queued
    assert not _chunks_left(redis_service)


def test_a_worker_killed_mid_chunk_its_chunk_is_redone_by_the_other(
    corpus: Path,
    local_build: Path,
    encoders: Encoders,
    workers: Processes,
    redis_service: Service,
    tmp_path: Path,
):
    """SIGKILL during a chunk: the build completes, the chunk is embedded again by the other
    worker, and no row is missing or doubled."""
    workers.start("embed-worker", "victim")
    workers.start("embed-worker", "survivor")
    outcome: dict[str, Any] = {}

    def build() -> None:
        try:
            outcome["report"] = _distributed_build(
                corpus, tmp_path / "index", encoders, redis_service
            )
        except BaseException as exc:  # reported by the assertion below
            outcome["error"] = exc

    builder = threading.Thread(target=build)
    builder.start()
    killed = _wait(lambda: STARTED.findall(workers.log("victim")), 180, "a chunk on victim")[0]
    workers.started["victim"].send_signal(signal.SIGKILL)
    builder.join(timeout=300)
    assert not builder.is_alive()
    assert "error" not in outcome, outcome.get("error")

    _assert_same_index(tmp_path / "index", local_build)
    assert killed in STARTED.findall(workers.log("survivor")), "the lost chunk was redone"
    assert f"chunk {killed}: stored" not in workers.log("victim")
    assert not _chunks_left(redis_service)


@pytest.mark.parametrize("command", [["index", "build", "--distributed"], ["embed-worker"]])
def test_distributed_commands_say_they_need_redis(command: list[str], tmp_path: Path):
    """Without NEWSBOT_REDIS_URL a distributed build or an embed worker stops at once with
    the variable to set, before loading any model."""
    result = newsbot("--index", str(tmp_path / "index"), *command)

    assert result.exit_code == 1
    assert "NEWSBOT_REDIS_URL is not set" in result.output
    assert not (tmp_path / "index").exists()
