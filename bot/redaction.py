"""Keep the bot token out of every log line.

Bot API URLs contain the token (httpx logs them at INFO), PTB's `InvalidToken` message and
`repr(Bot)` include it, and an exception may carry a URL. Rather than trust each library,
every log record is redacted when it is created (message, arguments, traceback), so no
handler - file, console or a test's capture - ever sees the secret.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

REDACTED = "<redacted>"


def secret_parts(token: str) -> set[str]:
    """What must never be shown: the whole token and its secret half ("123:ABC" -> "ABC")."""
    parts = {token}
    _, _, secret = token.partition(":")
    if len(secret) >= 8:
        parts.add(secret)
    return {p for p in parts if p}


class _RedactingFactory:
    def __init__(self, base: Any) -> None:
        self.base = base
        self.secrets: set[str] = set()

    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.base(*args, **kwargs)
        if not self.secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let logging report it as usual
            return record
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            # Formatters reuse exc_text, so the traceback is rendered (redacted) only once.
            record.exc_text = self.redact("".join(traceback.format_exception(*record.exc_info)))
            record.exc_text = record.exc_text.rstrip("\n")
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return record


_lock = threading.Lock()


def redact_in_logs(token: str) -> None:
    """Install (once per process) a log record factory that hides `token`; idempotent."""
    with _lock:
        factory = logging.getLogRecordFactory()
        if not isinstance(factory, _RedactingFactory):
            factory = _RedactingFactory(factory)
            logging.setLogRecordFactory(factory)
        factory.secrets |= secret_parts(token)
    # Request URLs carry the token; httpx would log each one at INFO.
    for name in ("httpx", "httpcore"):
        if logging.getLogger(name).getEffectiveLevel() < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)


def redact(text: str) -> str:
    """`text` with every installed secret replaced (for messages that are not log records)."""
    factory = logging.getLogRecordFactory()
    return factory.redact(text) if isinstance(factory, _RedactingFactory) else text
