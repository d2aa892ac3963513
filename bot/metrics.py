"""Prometheus metrics and /healthz for `newsbot serve`, `receive` and `work`.

With NEWSBOT_METRICS_PORT set, a small HTTP server on NEWSBOT_METRICS_LISTEN (127.0.0.1)
answers `/metrics` (Prometheus text format) and `/healthz` ("ok", or 503 with the reason when
the process's health check fails). Without prometheus-client installed, metrics are no-ops.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

logger = logging.getLogger(__name__)

try:
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    REGISTRY: Any = CollectorRegistry()
    UPDATES_RECEIVED = Counter(
        "newsbot_updates_received", "Updates taken from Telegram", registry=REGISTRY
    )
    UPDATES_PROCESSED = Counter(
        "newsbot_updates_processed", "Updates handled by this worker", ["role"], registry=REGISTRY
    )
    UPDATES_DUPLICATE = Counter(
        "newsbot_updates_duplicate", "Redelivered updates already answered", registry=REGISTRY
    )
    ANSWERED = Counter("newsbot_answered", "Questions answered", registry=REGISTRY)
    DECLINED = Counter(
        "newsbot_declined", "Questions not answered, by reason", ["reason"], registry=REGISTRY
    )
    ERRORS = Counter("newsbot_errors", "Errors while handling updates", registry=REGISTRY)
    LATENCY = Histogram(
        "newsbot_answer_latency_seconds",
        "From the question to the reply sent",
        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30),
        registry=REGISTRY,
    )
    STREAM_LENGTH = Gauge(
        "newsbot_stream_length", "Entries in an update stream", ["shard"], registry=REGISTRY
    )
    STREAM_PENDING = Gauge(
        "newsbot_stream_pending", "Delivered, not yet acknowledged", ["shard"], registry=REGISTRY
    )
    SHARDS_OWNED = Gauge("newsbot_shards_owned", "Shards this worker reads", registry=REGISTRY)
    INDEX_VERSION = Gauge(
        "newsbot_index_info", "The served index (build id as a label)", ["build"], registry=REGISTRY
    )
    AVAILABLE = True
except ImportError:  # pragma: no cover - the `shared` extra is not installed
    AVAILABLE = False

    class _Nothing:
        def labels(self, *args: Any, **kwargs: Any) -> _Nothing:
            return self

        def __getattr__(self, name: str) -> Callable[..., None]:
            return lambda *args, **kwargs: None

        def time(self) -> Any:
            import contextlib

            return contextlib.nullcontext()

    REGISTRY = None
    UPDATES_RECEIVED = UPDATES_PROCESSED = UPDATES_DUPLICATE = ANSWERED = DECLINED = ERRORS = (
        _Nothing()
    )
    LATENCY = STREAM_LENGTH = STREAM_PENDING = SHARDS_OWNED = INDEX_VERSION = _Nothing()


def set_index_version(build_id: object) -> None:
    if AVAILABLE:
        INDEX_VERSION.clear()
    INDEX_VERSION.labels(build=str(build_id)).set(1)


HealthCheck = Callable[[], str | None]  # None when healthy, else what is wrong


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("metrics: " + format, *args)


class MetricsServer:
    """/metrics and /healthz on a daemon thread."""

    def __init__(self, listen: str, port: int, health: HealthCheck = lambda: None):
        self.health = health
        self._server: WSGIServer = make_server(listen, port, self._app, handler_class=_Quiet)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="metrics", daemon=True
        )

    def start(self) -> MetricsServer:
        self._thread.start()
        logger.info("metrics and /healthz on port %d", self.port)
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict[str, Any], respond: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            try:
                problem = self.health()
            except Exception as exc:
                problem = f"health check failed: {type(exc).__name__}"
            status = "200 OK" if problem is None else "503 Service Unavailable"
            respond(status, [("Content-Type", "text/plain; charset=utf-8")])
            return [(problem or "ok").encode() + b"\n"]
        if path == "/metrics" and AVAILABLE:
            respond("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [generate_latest(REGISTRY)]
        respond("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]


def start_metrics(settings: Any, health: HealthCheck = lambda: None) -> MetricsServer | None:
    if settings.metrics_port is None:
        return None
    return MetricsServer(settings.metrics_listen, settings.metrics_port, health).start()
