"""Fetching pages and feeds over HTTP(S), politely and safely (httpx).

Only http(s); redirects followed by hand (a bounded number) so every hop's address is checked;
private, loopback and link-local addresses refused unless allowed, both as the name resolves
and as the connection actually went (a name that resolves differently the second time is
caught); timeouts, a cap on the decoded size (a gzip bomb stops at the cap), a clear
User-Agent; conditional GET with ETag / Last-Modified for feeds.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from corpus.errors import FetchError

logger = logging.getLogger(__name__)

try:
    _VERSION = version("newsbot")
except PackageNotFoundError:  # running from a checkout without an install
    _VERSION = "dev"
USER_AGENT = f"newsbot/{_VERSION} (news article ingestion for a question-answering bot)"
REDIRECTS = (301, 302, 303, 307, 308)
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    timeout: float = 20.0  # seconds per connect / read, and for the whole transfer
    max_bytes: int = 10_000_000  # decoded body
    max_redirects: int = 5
    allow_private: bool = False  # loopback and private networks (tests, intranets)
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # after redirects
    status: int
    content_type: str  # media type, lower case, no parameters ("" when not sent)
    charset: str | None
    body: bytes
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Fetcher:
    """One HTTP client (connection reuse) for many fetches; close() or use as a context."""

    def __init__(self, policy: FetchPolicy | None = None):
        self.policy = policy or FetchPolicy()
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.policy.timeout),
            follow_redirects=False,
            trust_env=False,  # no proxy from the environment: the address checks must hold
            headers={"User-Agent": self.policy.user_agent},
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(
        self,
        url: str,
        *,
        accept: str = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        """GET `url`; FetchError with one line saying why it failed."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        deadline = time.monotonic() + self.policy.timeout
        current = url
        for _ in range(self.policy.max_redirects + 1):
            self._check_url(current)
            try:
                response = self._request(current, headers, deadline)
            except httpx.TimeoutException as exc:
                raise FetchError(f"{current}: timed out after {self.policy.timeout:g}s") from exc
            except httpx.DecodingError as exc:
                raise FetchError(f"{current}: the response's compression is broken") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"{current}: cannot fetch ({_reason(exc)})") from exc
            if isinstance(response, str):
                current = response  # a redirect to follow
                continue
            return response
        raise FetchError(f"{url}: more than {self.policy.max_redirects} redirects")

    def _request(self, url: str, headers: dict[str, str], deadline: float) -> Response | str:
        with self._client.stream("GET", url, headers=headers) as r:
            self._check_peer(url, r)
            if r.status_code in REDIRECTS and r.headers.get("location"):
                return urljoin(url, r.headers["location"])
            if r.status_code >= 400:
                raise FetchError(f"{url}: HTTP {r.status_code} {r.reason_phrase}".rstrip())
            body = b"" if r.status_code == 304 else self._read(url, r, deadline)
            return Response(
                url=str(r.url),
                status=r.status_code,
                content_type=r.headers.get("content-type", "").split(";")[0].strip().lower(),
                charset=r.charset_encoding,
                body=body,
                etag=r.headers.get("etag"),
                last_modified=r.headers.get("last-modified"),
            )

    def _read(self, url: str, r: httpx.Response, deadline: float) -> bytes:
        cap = self.policy.max_bytes
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"{url}: too big ({int(declared):,} bytes; the limit is {cap:,})")
        chunks, size = [], 0
        for chunk in r.iter_bytes(CHUNK):
            size += len(chunk)
            if size > cap:
                raise FetchError(f"{url}: too big (over {cap:,} bytes)")
            if time.monotonic() > deadline:  # a server dripping bytes never trips the read timeout
                raise FetchError(f"{url}: timed out after {self.policy.timeout:g}s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"{url}: only http:// and https:// URLs are fetched")
        if not parts.hostname:
            raise FetchError(f"{url}: no host in the URL")
        if self.policy.allow_private:
            return
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, ValueError) as exc:
            raise FetchError(f"{url}: cannot resolve {parts.hostname}") from exc
        for info in infos:
            _refuse_private(url, str(info[4][0]))

    def _check_peer(self, url: str, r: httpx.Response) -> None:
        if self.policy.allow_private:
            return
        stream: Any = r.extensions.get("network_stream")
        peer = stream.get_extra_info("server_addr") if stream is not None else None
        if peer:
            _refuse_private(url, str(peer[0]))


def _refuse_private(url: str, address: str) -> None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if not ip.is_global:
        raise FetchError(
            f"{url}: refused, {ip} is a private or local address "
            "(set NEWSBOT_FETCH_ALLOW_PRIVATE=1 to allow)"
        )


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
