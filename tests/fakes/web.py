"""A small web on loopback (127.0.0.1, port 0) for ingestion tests: pages, feeds, redirects,
errors, slow and compressed responses, conditional GET; it records every request it gets."""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    etag: str | None = None  # answers 304 to a matching If-None-Match
    last_modified: str | None = None  # answers 304 to a matching If-Modified-Since
    compress: bool = False  # Content-Encoding: gzip


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    status: int


class FakeWeb:
    """`with FakeWeb() as web: web.page("/a.html", ...); fetch(web.url("/a.html"))`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeWeb:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, route: Route) -> str:
        with self._lock:
            self.routes[path] = route
        return self.url(path)

    def fixture(self, path: str, name: str, **options: object) -> str:
        """Serve tests/fixtures/pages/<name> at `path`, its {base} placeholders filled in."""
        body = (PAGES / name).read_bytes().replace(b"{base}", self.base.encode())
        options.setdefault("content_type", "text/html")
        return self.route(path, Route(body=body, **options))  # type: ignore[arg-type]

    def hits_of(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        web = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                route = web.routes.get(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = 404 if route is None else route.status
                if route is not None and _not_modified(route, headers):
                    status = 304
                with web._lock:
                    web.hits.append(Hit(self.path, headers, status))
                if route is None:
                    self._send(404, b"<html><body><h1>Not found</h1></body></html>", {})
                    return
                if route.delay:
                    time.sleep(route.delay)
                extra = dict(route.headers)
                if route.etag:
                    extra["ETag"] = route.etag
                if route.last_modified:
                    extra["Last-Modified"] = route.last_modified
                if status == 304:
                    self._send(304, b"", extra)
                    return
                body = route.body
                if route.compress:
                    body = gzip.compress(body)
                    extra["Content-Encoding"] = "gzip"
                if route.content_type:
                    extra["Content-Type"] = route.content_type
                self._send(status, body, extra)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    if status != 304:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.etag and headers.get("if-none-match") == route.etag:
        return True
    return bool(route.last_modified and headers.get("if-modified-since") == route.last_modified)


def http_date(seconds: float) -> str:
    return formatdate(seconds, usegmt=True)


def rss(items: list[tuple[str, str, str]], title: str = "Coastline Courier") -> bytes:
    """An RSS 2.0 feed of (title, link, guid) items."""
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{guid}</guid>"
        "<pubDate>Mon, 12 May 2025 08:30:00 GMT</pubDate></item>"
        for t, link, guid in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>http://example.invalid/</link>"
        f"<description>news</description>{entries}</channel></rss>"
    ).encode()


def atom(items: list[tuple[str, str, str]], title: str = "Valley Herald") -> bytes:
    """An Atom 1.0 feed of (title, link, id) entries."""
    entries = "".join(
        f'<entry><title>{t}</title><link rel="alternate" href="{link}"/><id>{i}</id>'
        "<updated>2025-05-14T10:00:00Z</updated></entry>"
        for t, link, i in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:valley</id><updated>2025-05-14T10:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()
