"""A fake Telegram Bot API server for end-to-end tests.

``FakeTelegram`` is a real HTTP server on 127.0.0.1 (ephemeral port) that answers the way
``api.telegram.org`` does, so the real bot, built with::

    ApplicationBuilder().token(fake.token).base_url(fake.base_url)
        .base_file_url(fake.base_file_url).build()

runs unmodified against it.  Tests inject user activity (``send_text``, ``press_button``,
``inline_query`` ...) which the bot receives through ``getUpdates`` long polling, and observe
what the bot did (``sent_messages``, ``calls``, ``callback_answers`` ...).

Why a server rather than mocking ``telegram.Bot``: it exercises PTB's request encoding,
error mapping (``BadRequest``, ``RetryAfter``, ``NetworkError``), retries and polling loop, and
it rejects what Telegram rejects (bad HTML, too long texts, oversized callback_data ...) with
Telegram's own error descriptions, so a reply that would fail in production fails here too.

Design notes
------------
* Standard library only: ``ThreadingHTTPServer`` on a daemon thread, independent of the
  test's event loop (an ``asyncio`` test and the bot share one loop; the server must not).
* All state sits behind one ``threading.RLock`` + ``Condition``; handler threads, the test
  thread and async tests can all use the public API.  Every wait is bounded.
* Request bodies: PTB (``HTTPXRequest.do_request``) sends ``application/x-www-form-urlencoded``
  with ``RequestData.json_parameters`` - strings raw, everything else ``json.dumps``-ed - and
  ``multipart/form-data`` with the same fields when uploading files.  Other clients send JSON.
  All three are accepted; form values are decoded per field (see ``_decode_form_value``).
* HTTP error statuses match the JSON ``error_code`` like Telegram's: PTB maps 400 to
  ``BadRequest``, 401/404 to ``InvalidToken``, 403 ``Forbidden``, 409 ``Conflict``,
  429 + ``parameters.retry_after`` to ``RetryAfter`` and anything else to ``NetworkError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import select
import socket
import socketserver
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.telegram_html import (
    EntityParseError,
    MessageTextError,
    ParsedText,
    find_auto_entities,
    format_message_text,
    utf16_len,
)

__all__ = [
    "ApiError",
    "Call",
    "CallbackAnswer",
    "ChatAction",
    "FakeTelegram",
    "InlineAnswer",
    "SentMessage",
]

T = TypeVar("T")
JSON = dict[str, Any]

DEFAULT_TOKEN = "123456:TEST-token-not-real"

# Update types delivered when allowed_updates is not specified (Bot API documentation:
# "all update types except chat_member, message_reaction, and message_reaction_count").
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Exactly one of these makes an inline keyboard button do something.
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)

_INLINE_RESULT_TYPES = frozenset(
    {
        "article",
        "photo",
        "gif",
        "mpeg4_gif",
        "video",
        "audio",
        "voice",
        "document",
        "location",
        "venue",
        "contact",
        "game",
        "sticker",
    }
)

# Form fields that are always strings: never JSON-decode them ("123" stays a text).
_TEXT_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "caption_parse_mode",
        "callback_query_id",
        "inline_query_id",
        "inline_message_id",
        "url",
        "description",
        "short_description",
        "name",
        "language_code",
        "action",
        "query",
        "next_offset",
        "switch_pm_text",
        "switch_pm_parameter",
        "secret_token",
        "file_id",
        "title",
        "emoji",
        "business_connection_id",
        "message_effect_id",
        "ip_address",
        "certificate",
    }
)
# Form fields that carry JSON-serialised objects or arrays.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "commands",
        "scope",
        "results",
        "button",
        "media",
        "message_ids",
        "reaction",
        "permissions",
        "menu_button",
        "rights",
    }
)

_PROXY_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot "
    "instance is running",
    500: "Internal Server Error",
}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


# Not a Telegram status: nginx's "client closed request", used to record long polls whose
# client went away (PTB cancels its pending getUpdates on shutdown).
CLIENT_GONE = 499


class ApiError(Exception):
    """An error answer of the Bot API: ``{"ok": false, "error_code": status, ...}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


# ============================================================================================
# What tests observe
# ============================================================================================


@dataclass(frozen=True)
class Call:
    """One HTTP request to the Bot API, as the fake saw and answered it."""

    method: str  # canonical spelling, e.g. "sendMessage"
    params: JSON  # decoded parameters (JSON fields parsed, numbers and booleans typed)
    status: int  # HTTP status of the answer
    description: str | None = None  # error description for failed calls
    result: Any = None  # the "result" of a successful call
    injected: bool = False  # failed because of fail_next(), not because of the request
    files: dict[str, bytes] = field(default_factory=dict)  # multipart uploads by field name
    started: float = 0.0  # time.monotonic() when the request arrived
    finished: float = 0.0

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class SentMessage:
    """A message sent by the bot, in its current state (after edits)."""

    message_id: int
    chat_id: int | None  # None for inline messages (sent via an inline query)
    text: str  # what the user sees: tags removed, entities decoded, trimmed
    html: str  # the text exactly as the bot last sent it (HTML/Markdown source or plain)
    parse_mode: str | None
    entities: list[JSON]
    reply_markup: JSON | None
    reply_to_message_id: int | None
    link_preview_options: JSON | None
    disable_web_page_preview: bool
    disable_notification: bool
    edits: int  # number of successful edits (text or markup)
    deleted: bool
    date: int
    edit_date: int | None
    history: tuple[str, ...]  # earlier visible texts, oldest first
    inline_message_id: str | None = None

    @property
    def buttons(self) -> list[list[JSON]]:
        """The inline keyboard rows, or [] without an inline keyboard."""
        if not self.reply_markup:
            return []
        return list(self.reply_markup.get("inline_keyboard", []))

    def button(self, text: str) -> JSON:
        """The inline button labelled ``text``; LookupError lists the labels if absent."""
        for row in self.buttons:
            for button in row:
                if button.get("text") == text:
                    return button
        labels = [b.get("text") for row in self.buttons for b in row]
        raise LookupError(f"no button {text!r} on message {self.message_id}; have {labels}")


@dataclass(frozen=True)
class CallbackAnswer:
    """An ``answerCallbackQuery`` call, with the query it answered."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    data: str | None  # callback_data of the pressed button
    message_id: int | None  # the message the button was on
    chat_id: int | None


@dataclass(frozen=True)
class InlineAnswer:
    """An ``answerInlineQuery`` call, with the query text it answered."""

    inline_query_id: str
    query: str
    results: list[JSON]
    cache_time: int | None
    is_personal: bool
    next_offset: str | None
    button: JSON | None


@dataclass(frozen=True)
class ChatAction:
    """A ``sendChatAction`` call."""

    chat_id: int
    action: str
    at: float  # time.monotonic()


# ============================================================================================
# Internal records
# ============================================================================================


@dataclass
class _Message:
    """Internal, mutable: every message the fake knows, user's or bot's."""

    seq: int  # global order of creation
    message: JSON  # current Bot API Message object
    from_bot: bool
    source: str = ""  # bot messages: raw text as sent
    parse_mode: str | None = None
    link_preview_options: JSON | None = None
    disable_notification: bool = False
    reply_to_message_id: int | None = None
    edits: int = 0
    deleted: bool = False
    history: list[str] = field(default_factory=list)
    inline_message_id: str | None = None


@dataclass
class _Fault:
    status: int
    retry_after: int
    description: str | None
    remaining: int


@dataclass
class _Delay:
    seconds: float
    after: bool  # True: process the call, then delay the answer


# ============================================================================================
# HTTP plumbing
# ============================================================================================


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck handler must never keep the test process alive
    block_on_close = False  # stop() must not join handler threads (bounded shutdown)
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: a burst of new connections beyond it has
    # its SYNs dropped and retried by the client a second (then three) later, which would
    # show up as multi-second replies under load. Telegram accepts them.
    request_queue_size = 128

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() calls socket.getfqdn(), a reverse DNS lookup that can take
        # seconds in sandboxes without DNS.  Loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer (e.g. PTB cancelling a long poll on shutdown) is
        # normal; anything else is a bug in the fake and is kept for inspection.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        self.fake._note_internal_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Telegram; we always send Content-Length
    # Headers and body go out in separate writes; with Nagle's algorithm and delayed ACKs
    # every keep-alive request would stall ~40 ms.
    disable_nagle_algorithm = True
    server_version = "nginx/1.18.0"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track_connection(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track_connection(self.connection, open_=False)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # no per-request stderr noise in test output

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self.server.fake._handle_http(self)

    def do_POST(self) -> None:  # noqa: N802
        self.server.fake._handle_http(self)

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.server.fake._stopping.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)


def _decode_form_value(name: str, value: str) -> Any:
    """Type one urlencoded/multipart field the way the Bot API would read it.

    PTB sends strings raw and everything else JSON-encoded, so "42" may be an int chat_id or a
    text "42": known text fields stay strings, known object fields must be valid JSON, and the
    rest is typed if it looks like a number, boolean or JSON value.
    """
    if name in _TEXT_FIELDS:
        return value
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            what = "reply keyboard markup" if name == "reply_markup" else f'field "{name}"'
            raise ApiError(400, f"Bad Request: can't parse {what} JSON object") from None
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"-?\d+\.\d*", value):
        return float(value)
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _decode_json_value(name: str, value: Any) -> Any:
    # In a JSON body objects come as objects, but some clients still JSON-encode them.
    if name in _JSON_FIELDS and isinstance(value, str):
        return _decode_form_value(name, value)
    return value


def _parse_body(content_type: str, body: bytes) -> tuple[JSON, dict[str, bytes]]:
    ctype = content_type.split(";")[0].strip().lower()
    params: JSON = {}
    files: dict[str, bytes] = {}
    if not body:
        return params, files
    if ctype == "application/json":
        try:
            data = json.loads(body.decode("utf-8"))
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON encoded request body") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Bad Request: JSON encoded request body must be an object")
        return {k: _decode_json_value(k, v) for k, v in data.items()}, files
    if ctype == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if not isinstance(name, str):
                continue
            if part.get_filename() is not None:
                files[name] = payload
            else:
                params[name] = _decode_form_value(name, payload.decode("utf-8"))
        return params, files
    # application/x-www-form-urlencoded (PTB's default) or anything else form-like.
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        params[key] = _decode_form_value(key, value)
    return params, files


# ============================================================================================
# Parameter access with Telegram's error messages
# ============================================================================================


class _Params:
    def __init__(
        self, fake: FakeTelegram, values: JSON, connection: socket.socket | None = None
    ) -> None:
        self._fake = fake
        self.values = values
        self.connection = connection  # lets a long poll notice that its client hung up

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def number(self, name: str, default: float) -> float:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ApiError(400, f"Bad Request: invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str) and value:
            return _decode_form_value(name, value) if name in _JSON_FIELDS else value
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        """Resolve a chat_id (int, numeric string or @username) to a known chat."""
        value = self.values.get(name)
        if value is None or value == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        return self._fake._resolve_chat(value)


# ============================================================================================
# The fake
# ============================================================================================


class FakeTelegram:
    """A fake Telegram Bot API server; see the module docstring.

    Use as a context manager (``with FakeTelegram() as fake:``) or call ``start()``/``stop()``.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "newsbot_test_bot",
        *,
        bot_first_name: str = "News Bot",
        strict_html: bool = True,
        max_long_poll: float = 60.0,
    ) -> None:
        """
        Args:
            token: the only token accepted; its numeric prefix is the bot's user id.
            bot_username: the bot's @username (without "@").
            bot_first_name: the bot's display name.
            strict_html: reject unescaped "&", unknown named entities and unquoted attribute
                values in HTML, as the documentation demands (real Telegram tolerates them;
                see tests.fakes.telegram_html).
            max_long_poll: upper bound for getUpdates' timeout, so no request blocks for long.
        """
        if ":" not in token or not token.split(":", 1)[0].isdigit():
            raise ValueError(f"token must look like '123456:secret', got {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.strict_html = strict_html
        self.max_long_poll = max_long_poll

        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

        self._updates: list[JSON] = []
        self._update_ids = itertools.count(100_000_001)
        self._poll_generation = 0
        self._allowed_updates: list[str] | None = None
        self._webhook_url = ""
        self._users: dict[int, JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._blocked: set[int] = set()
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], _Message] = {}
        self._inline_messages: dict[str, _Message] = {}
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)  # callback/inline query ids, file ids
        self._calls: list[Call] = []
        self._callback_queries: dict[str, JSON] = {}
        self._inline_queries: dict[str, JSON] = {}
        self._inline_results: dict[str, dict[str, JSON]] = {}  # query id -> result id -> result
        self._callback_answers: list[CallbackAnswer] = []
        self._inline_answers: list[InlineAnswer] = []
        self._chat_actions: list[ChatAction] = []
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, _Delay] = {}
        self._files: dict[str, JSON] = {}  # file_id -> File object
        self._file_data: dict[str, bytes] = {}  # file_path -> bytes
        self._internal_errors: list[str] = []

        self._methods: dict[str, tuple[str, Callable[[_Params], Any]]] = {}
        for name in (
            "getMe",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "setMyDescription",
            "getMyDescription",
            "setMyShortDescription",
            "getMyShortDescription",
            "setMyName",
            "getMyName",
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "deleteMessage",
            "deleteMessages",
            "answerCallbackQuery",
            "answerInlineQuery",
            "sendChatAction",
            "getChat",
            "getFile",
            "close",
            "logOut",
        ):
            self._methods[name.lower()] = (name, getattr(self, f"_api_{name}"))

    # ----------------------------------------------------------------------------------------
    # Lifecycle
    # ----------------------------------------------------------------------------------------

    def start(self) -> FakeTelegram:
        """Bind 127.0.0.1 on a free port and serve on a daemon thread. Returns self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits at most one interval
            name=f"FakeTelegram:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: wakes long polls, closes open connections; returns within ~1 s."""
        server = self._server
        if server is None:
            return
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()  # long polls return [] at once
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            # Idle keep-alive connections block their handler thread in recv(); shutting the
            # socket down ends them now instead of whenever the client closes.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What PTB's ``base_url`` takes: PTB appends the token and then ``/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What PTB's ``base_file_url`` takes."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def api_url(self) -> str:
        """``base_url`` + token: POST ``{api_url}/sendMessage`` to call a method directly."""
        return f"{self.base_url}{self.token}"

    # ----------------------------------------------------------------------------------------
    # Users and chats
    # ----------------------------------------------------------------------------------------

    @property
    def bot_user(self) -> JSON:
        """The bot as a ``User`` object (what getMe returns)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _bot_from(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def register_user(
        self,
        user_id: int,
        *,
        username: str | None = "alice",
        first_name: str = "Alice",
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> JSON:
        """Make a user known (done implicitly by every injected update). Returns the User."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        with self._lock:
            self._users[user_id] = user
        return dict(user)

    def register_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> JSON:
        """Make a chat known, so the bot may send to it without an update from it first."""
        chat: JSON = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name or "Alice"
            if username:
                chat["username"] = username
        else:
            chat["title"] = title or f"Test {chat_type}"
            if username:
                chat["username"] = username
        with self._lock:
            self._chats[chat_id] = chat
            self._message_ids.setdefault(chat_id, itertools.count(1))
        return dict(chat)

    def block_bot(self, user_id: int, blocked: bool = True) -> None:
        """The user blocks (or unblocks) the bot: sends to them fail with 403 Forbidden."""
        with self._lock:
            (self._blocked.add if blocked else self._blocked.discard)(user_id)

    def _resolve_chat(self, value: Any) -> int:
        with self._lock:
            if isinstance(value, str) and value.startswith("@"):
                for chat in self._chats.values():
                    if chat.get("username", "").lower() == value[1:].lower():
                        return int(chat["id"])
                raise ApiError(400, "Bad Request: chat not found")
            try:
                chat_id = int(value)
            except (TypeError, ValueError):
                raise ApiError(400, "Bad Request: chat not found") from None
            if chat_id not in self._chats:
                raise ApiError(400, "Bad Request: chat not found")
            return chat_id

    def _user_and_chat(
        self,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        username: str | None,
        first_name: str,
        language_code: str | None,
        title: str | None = None,
    ) -> tuple[JSON, JSON]:
        if chat_id is None:
            if chat_type != "private":
                raise ValueError("chat_id is required for group chats")
            chat_id = user_id
        user = self.register_user(
            user_id, username=username, first_name=first_name, language_code=language_code
        )
        with self._lock:
            existing = self._chats.get(chat_id)
        if existing is None or existing["type"] != chat_type:
            chat = self.register_chat(
                chat_id, chat_type, title=title, username=username, first_name=first_name
            )
        else:
            chat = dict(existing)
        return user, chat

    # ----------------------------------------------------------------------------------------
    # Injecting updates
    # ----------------------------------------------------------------------------------------

    def add_raw_update(self, update: JSON) -> int:
        """Queue an arbitrary Update object; ``update_id`` is assigned if missing.

        Users and chats found in it become known.  Returns the update_id.
        """
        update = copy.deepcopy(update)
        for value in update.values():
            if isinstance(value, dict):
                if isinstance(value.get("from"), dict) and "id" in value["from"]:
                    with self._lock:
                        self._users.setdefault(value["from"]["id"], value["from"])
                chat = value.get("chat") or (value.get("message") or {}).get("chat")
                if isinstance(chat, dict) and "id" in chat:
                    with self._lock:
                        self._chats.setdefault(chat["id"], chat)
                        self._message_ids.setdefault(chat["id"], itertools.count(1))
        return self._enqueue(update)

    def _enqueue(self, update: JSON) -> int:
        with self._cond:
            if "update_id" not in update:
                update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()  # wake the long poll
            return int(update["update_id"])

    def _next_message_id(self, chat_id: int) -> int:
        with self._lock:
            return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _inject_user_message(
        self,
        content: JSON,
        *,
        user_id: int,
        chat_id: int | None,
        chat_type: str,
        username: str | None,
        first_name: str,
        language_code: str | None,
        reply_to_message_id: int | None,
        title: str | None = None,
    ) -> int:
        user, chat = self._user_and_chat(
            user_id, chat_id, chat_type, username, first_name, language_code, title
        )
        with self._lock:
            message: JSON = {
                "message_id": self._next_message_id(chat["id"]),
                "from": user,
                "chat": chat,
                "date": int(time.time()),
                **content,
            }
            if reply_to_message_id is not None:
                replied = self._messages.get((chat["id"], reply_to_message_id))
                if replied is None:
                    raise LookupError(f"no message {reply_to_message_id} in chat {chat['id']}")
                message["reply_to_message"] = _without_reply(replied.message)
            self._messages[(chat["id"], message["message_id"])] = _Message(
                seq=next(self._seq), message=message, from_bot=False
            )
            return self._enqueue({"message": copy.deepcopy(message)})

    def send_text(
        self,
        text: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
        reply_to_message_id: int | None = None,
        entities: list[JSON] | None = None,
        title: str | None = None,
    ) -> int:
        """The user sends ``text``. Returns the update_id.

        Entities are detected like Telegram does (``/command``, ``/command@bot``, ``@mention``,
        ``#hashtag``, URLs), unless ``entities`` is given.  For a group pass ``chat_id`` (and
        ``chat_type="group"``/``"supergroup"``); private chats use ``chat_id = user_id``.
        """
        content: JSON = {"text": text}
        found = entities if entities is not None else find_auto_entities(text)
        if found:
            content["entities"] = found
        return self._inject_user_message(
            content,
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=reply_to_message_id,
            title=title,
        )

    def _new_file(self, kind: str, data: bytes, extension: str) -> JSON:
        with self._lock:
            n = next(self._ids)
            file_id = f"fake-{kind}-{n:06d}"
            path = f"{kind}s/file_{n}.{extension}"
            self._files[file_id] = {
                "file_id": file_id,
                "file_unique_id": f"uniq{n:06d}",
                "file_size": len(data),
                "file_path": path,
            }
            self._file_data[path] = data
            return {"file_id": file_id, "file_unique_id": f"uniq{n:06d}", "file_size": len(data)}

    def send_photo(
        self,
        *,
        caption: str | None = None,
        data: bytes = b"\xff\xd8fake-jpeg\xff\xd9",
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user sends a photo (two sizes, like Telegram). ``data`` is served by getFile."""
        small = self._new_file("photo", data, "jpg")
        large = self._new_file("photo", data, "jpg")
        content: JSON = {
            "photo": [{**small, "width": 90, "height": 90}, {**large, "width": 800, "height": 800}]
        }
        if caption:
            content["caption"] = caption
            if entities := find_auto_entities(caption):
                content["caption_entities"] = entities
        return self._inject_user_message(
            content,
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=None,
        )

    def send_document(
        self,
        *,
        file_name: str = "notes.txt",
        data: bytes = b"hello",
        mime_type: str = "text/plain",
        caption: str | None = None,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user sends a document."""
        document = {
            **self._new_file("document", data, file_name.rsplit(".", 1)[-1]),
            "file_name": file_name,
            "mime_type": mime_type,
        }
        content: JSON = {"document": document}
        if caption:
            content["caption"] = caption
        return self._inject_user_message(
            content,
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=None,
        )

    def send_sticker(
        self,
        *,
        emoji: str = "👍",
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user sends a (static, regular) sticker."""
        sticker = {
            **self._new_file("sticker", b"RIFFfake-webp", "webp"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._inject_user_message(
            {"sticker": sticker},
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=None,
        )

    def send_voice(
        self,
        *,
        duration: int = 3,
        data: bytes = b"OggSfake-opus",
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user sends a voice note."""
        voice = {
            **self._new_file("voice", data, "oga"),
            "duration": duration,
            "mime_type": "audio/ogg",
        }
        return self._inject_user_message(
            {"voice": voice},
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=None,
        )

    def send_location(
        self,
        latitude: float = 52.52,
        longitude: float = 13.405,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        chat_type: str = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user shares a location."""
        return self._inject_user_message(
            {"location": {"latitude": latitude, "longitude": longitude}},
            user_id=user_id,
            chat_id=chat_id,
            chat_type=chat_type,
            username=username,
            first_name=first_name,
            language_code=language_code,
            reply_to_message_id=None,
        )

    def edit_text(
        self, message_id: int, text: str, *, user_id: int = 1001, chat_id: int | None = None
    ) -> int:
        """The user edits their earlier text message: an ``edited_message`` update."""
        chat_id = user_id if chat_id is None else chat_id
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.from_bot:
                raise LookupError(f"no user message {message_id} in chat {chat_id}")
            stored.message["text"] = text
            stored.message["edit_date"] = int(time.time())
            stored.message.pop("entities", None)
            if entities := find_auto_entities(text):
                stored.message["entities"] = entities
            stored.edits += 1
            return self._enqueue({"edited_message": copy.deepcopy(stored.message)})

    def press_button(
        self,
        message_id: int,
        callback_data: str,
        *,
        user_id: int = 1001,
        chat_id: int | None = None,
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user presses the inline button with ``callback_data`` on a bot message.

        Raises LookupError if the message (current state, after edits) has no such button -
        a real client can only send data of buttons it shows.  Returns the update_id; the
        query id is ``callback_answers[i].callback_query_id`` once the bot answers.
        """
        chat_id = user_id if chat_id is None else chat_id
        user = self.register_user(
            user_id, username=username, first_name=first_name, language_code=language_code
        )
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or not stored.from_bot or stored.deleted:
                raise LookupError(f"no bot message {message_id} in chat {chat_id}")
            keyboard = (stored.message.get("reply_markup") or {}).get("inline_keyboard", [])
            data = [b.get("callback_data") for row in keyboard for b in row]
            if callback_data not in data:
                raise LookupError(
                    f"message {message_id} has no button with callback_data "
                    f"{callback_data!r}; buttons carry {data}"
                )
            query_id = str(4_000_000_000_000_000 + next(self._ids))
            self._callback_queries[query_id] = {
                "data": callback_data,
                "chat_id": chat_id,
                "message_id": message_id,
                "answered": False,
            }
            query = {
                "id": query_id,
                "from": user,
                "message": copy.deepcopy(stored.message),
                "chat_instance": str(-abs(chat_id) * 7919 - 13),
                "data": callback_data,
            }
            return self._enqueue({"callback_query": query})

    def inline_query(
        self,
        query: str,
        *,
        offset: str = "",
        user_id: int = 1001,
        chat_type: str | None = "private",
        username: str | None = "alice",
        first_name: str = "Alice",
        language_code: str | None = "en",
    ) -> int:
        """The user types ``@bot query`` somewhere: an ``inline_query`` update."""
        user = self.register_user(
            user_id, username=username, first_name=first_name, language_code=language_code
        )
        with self._lock:
            query_id = str(5_000_000_000_000_000 + next(self._ids))
            self._inline_queries[query_id] = {"query": query, "answered": False, "user_id": user_id}
            body: JSON = {"id": query_id, "from": user, "query": query, "offset": offset}
            if chat_type:
                body["chat_type"] = chat_type
            return self._enqueue({"inline_query": body})

    def chosen_inline_result(self, result_id: str, *, query: str = "", user_id: int = 1001) -> int:
        """The user picks an inline result the bot offered: a ``chosen_inline_result`` update.

        The result is looked up in the bot's answers; as in Telegram the update carries an
        ``inline_message_id`` only if the result had an inline keyboard, and that id can then
        be used with editMessageText.
        """
        with self._lock:
            result = None
            for answer in reversed(self._inline_answers):
                if (not query or answer.query == query) and any(
                    r.get("id") == result_id for r in answer.results
                ):
                    result = next(r for r in answer.results if r.get("id") == result_id)
                    query = answer.query
                    break
            if result is None:
                raise LookupError(f"the bot offered no inline result {result_id!r}")
            user = self._users.get(user_id) or self.register_user(user_id)
            body: JSON = {"result_id": result_id, "from": user, "query": query}
            content = result.get("input_message_content") or {}
            inline_id = f"AAAAA{next(self._ids):08d}fake"
            text, entities = "", []
            if isinstance(content.get("message_text"), str):
                formatted = format_message_text(
                    content["message_text"],
                    content.get("parse_mode"),
                    content.get("entities"),
                    strict=False,
                )
                text, entities = formatted.text, formatted.entities
            message: JSON = {"message_id": 0, "date": int(time.time()), "text": text}
            if entities:
                message["entities"] = entities
            if result.get("reply_markup"):
                message["reply_markup"] = copy.deepcopy(result["reply_markup"])
                body["inline_message_id"] = inline_id
            self._inline_messages[inline_id] = _Message(
                seq=next(self._seq),
                message=message,
                from_bot=True,
                source=content.get("message_text", ""),
                parse_mode=content.get("parse_mode"),
                inline_message_id=inline_id,
            )
            return self._enqueue({"chosen_inline_result": body})

    # ----------------------------------------------------------------------------------------
    # Observing
    # ----------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """Every API call so far, in arrival order of their answers (a copy)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Calls of one method (case-insensitive name)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    def rejected_calls(self) -> list[Call]:
        """Calls the fake refused on their merits (not injected faults): bot bugs, usually."""
        return [c for c in self.calls if not c.ok and not c.injected and c.status != CLIENT_GONE]

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        with self._lock:
            return list(self._callback_answers)

    @property
    def inline_answers(self) -> list[InlineAnswer]:
        with self._lock:
            return list(self._inline_answers)

    @property
    def chat_actions(self) -> list[ChatAction]:
        with self._lock:
            return list(self._chat_actions)

    def commands(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """The command list set with setMyCommands for a scope (default scope if None)."""
        with self._lock:
            return copy.deepcopy(self._commands.get((_scope_key(scope), language_code), []))

    @property
    def webhook_url(self) -> str:
        with self._lock:
            return self._webhook_url

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs in the fake itself (answered with HTTP 500)."""
        with self._lock:
            return list(self._internal_errors)

    def pending_updates(self) -> list[JSON]:
        """Updates queued but not yet confirmed by a getUpdates offset (copies)."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def sent_messages(
        self, chat_id: int | None = None, *, include_deleted: bool = False
    ) -> list[SentMessage]:
        """Messages the bot sent (current state after edits), oldest first."""
        with self._lock:
            stored = sorted(
                (
                    m
                    for m in self._messages.values()
                    if m.from_bot
                    and (chat_id is None or m.message["chat"]["id"] == chat_id)
                    and (include_deleted or not m.deleted)
                ),
                key=lambda m: m.seq,
            )
            return [_snapshot(m) for m in stored]

    def sent_message(self, chat_id: int, message_id: int) -> SentMessage:
        """One bot message by id (deleted ones included)."""
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            if stored is None or not stored.from_bot:
                raise LookupError(f"the bot sent no message {message_id} to chat {chat_id}")
            return _snapshot(stored)

    def inline_message(self, inline_message_id: str) -> SentMessage:
        """A message sent through an inline query (see ``chosen_inline_result``)."""
        with self._lock:
            return _snapshot(self._inline_messages[inline_message_id])

    # ----------------------------------------------------------------------------------------
    # Waiting (bounded; sync for threads, async for tests running the bot in their loop)
    # ----------------------------------------------------------------------------------------

    def wait_until(
        self,
        condition: Callable[[], T | None],
        timeout: float = 10.0,
        description: str = "condition",
    ) -> T:
        """Block until ``condition()`` returns something truthy; return it.

        Raises AssertionError (with a dump of recent calls) after ``timeout`` seconds.  Do not
        call from the event loop that runs the bot - use ``wait_until_async`` there.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = condition()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(self._timeout_report(description, timeout))
                # Short slices: conditions may depend on things that do not notify.
                self._cond.wait(min(remaining, 0.1))

    async def wait_until_async(
        self,
        condition: Callable[[], T | None],
        timeout: float = 10.0,
        description: str = "condition",
    ) -> T:
        """``wait_until`` for async tests: polls without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                value = condition()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(self._timeout_report(description, timeout))
            await asyncio.sleep(0.01)

    def _messages_probe(self, n: int, chat_id: int | None) -> Callable[[], list[SentMessage]]:
        def probe() -> list[SentMessage]:
            messages = self.sent_messages(chat_id)
            return messages if len(messages) >= n else []

        return probe

    def wait_for_messages(
        self, n: int, chat_id: int | None = None, timeout: float = 30.0
    ) -> list[SentMessage]:
        """Wait until the bot has sent at least ``n`` (undeleted) messages; return them all."""
        where = "" if chat_id is None else f" to chat {chat_id}"
        return self.wait_until(
            self._messages_probe(n, chat_id), timeout, f"{n} bot message(s){where}"
        )

    async def wait_for_messages_async(
        self, n: int, chat_id: int | None = None, timeout: float = 30.0
    ) -> list[SentMessage]:
        """Async ``wait_for_messages``."""
        where = "" if chat_id is None else f" to chat {chat_id}"
        return await self.wait_until_async(
            self._messages_probe(n, chat_id), timeout, f"{n} bot message(s){where}"
        )

    def _call_probe(
        self, method: str, predicate: Callable[[Call], bool] | None
    ) -> Callable[[], Call | None]:
        def probe() -> Call | None:
            for call in self.calls_to(method):
                if predicate is None or predicate(call):
                    return call
            return None

        return probe

    def wait_for_call(
        self, method: str, predicate: Callable[[Call], bool] | None = None, timeout: float = 10.0
    ) -> Call:
        """Wait for the first call of ``method`` (past or future) matching ``predicate``."""
        return self.wait_until(self._call_probe(method, predicate), timeout, f"a {method} call")

    async def wait_for_call_async(
        self, method: str, predicate: Callable[[Call], bool] | None = None, timeout: float = 10.0
    ) -> Call:
        """Async ``wait_for_call``."""
        return await self.wait_until_async(
            self._call_probe(method, predicate), timeout, f"a {method} call"
        )

    def wait_for_updates_consumed(self, timeout: float = 10.0) -> None:
        """Wait until the bot has confirmed every queued update (polled past it)."""
        self.wait_until(lambda: not self._updates, timeout, "all updates consumed")

    async def wait_for_updates_consumed_async(self, timeout: float = 10.0) -> None:
        await self.wait_until_async(lambda: not self._updates, timeout, "all updates consumed")

    def _timeout_report(self, description: str, timeout: float) -> str:
        with self._lock:
            lines = [f"FakeTelegram: timed out after {timeout:.1f}s waiting for {description}."]
            sent = self.sent_messages(include_deleted=True)
            lines.append(f"Bot messages ({len(sent)}):")
            for m in sent[-15:]:
                flags = (" [deleted]" if m.deleted else "") + (
                    f" [edits={m.edits}]" if m.edits else ""
                )
                lines.append(f"  chat {m.chat_id} #{m.message_id}{flags}: {m.text[:200]!r}")
            lines.append(f"Pending updates: {len(self._updates)}")
            calls = self._calls[-25:]
            lines.append(f"Last {len(calls)} of {len(self._calls)} API calls:")
            for c in calls:
                detail = f" {c.description}" if c.description else ""
                injected = " (injected)" if c.injected else ""
                params = {k: v for k, v in c.params.items() if k != "text"}
                text = c.params.get("text")
                shown = f" text={text[:80]!r}" if isinstance(text, str) else ""
                lines.append(f"  {c.method} -> {c.status}{injected}{detail}{shown} {params}"[:400])
            if self._internal_errors:
                lines.append("Internal errors of the fake:")
                lines.extend(self._internal_errors[-3:])
            return "\n".join(lines)

    # ----------------------------------------------------------------------------------------
    # Fault injection
    # ----------------------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 1,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` ("*" = any method) fail.

        * 429: ``Too Many Requests: retry after N`` with ``parameters.retry_after`` (PTB raises
          ``RetryAfter``);
        * 502/503/504: an nginx HTML error page, not JSON, like a failing proxy (PTB raises
          ``NetworkError``);
        * other statuses: a JSON error with ``description`` or Telegram's usual one.

        The failed call is answered before any processing: nothing is sent or changed.
        """
        key = method.lower()
        with self._lock:
            self._faults.setdefault(key, deque()).append(
                _Fault(
                    status=status, retry_after=retry_after, description=description, remaining=times
                )
            )

    def delay(self, method: str, seconds: float, *, after: bool = False) -> None:
        """Delay every call of ``method`` by ``seconds`` (0 removes the delay).

        ``after=False`` waits before processing (a slow network on the way in);
        ``after=True`` processes the call and then delays the answer - a client timeout then
        leaves a message that *was* sent, which is how duplicates happen in production.
        """
        with self._lock:
            if seconds <= 0:
                self._delays.pop(method.lower(), None)
            else:
                self._delays[method.lower()] = _Delay(seconds, after)

    def clear_faults(self) -> None:
        """Forget all pending ``fail_next`` and ``delay`` settings."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for key in (method.lower(), "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.popleft()
                    return fault
            return None

    # ----------------------------------------------------------------------------------------
    # HTTP handling
    # ----------------------------------------------------------------------------------------

    def _track_connection(self, conn: socket.socket, *, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def _note_internal_error(self, text: str) -> None:
        with self._lock:
            self._internal_errors.append(text)

    def _handle_http(self, handler: _Handler) -> None:
        started = time.monotonic()
        # Always consume the body first so a keep-alive connection stays in sync.
        body = handler.read_body()
        path = urlsplit(handler.path)

        if path.path.startswith("/file/bot"):
            self._serve_file(handler, path.path[len("/file/bot") :])
            return

        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z0-9_]*)/?", path.path)
        if match is None:
            self._send_json(handler, 404, _error_body(404, "Not Found"))
            return
        token, method = match.groups()
        known = self._methods.get(method.lower())
        canonical = known[0] if known else method
        if token != self.token:
            # Telegram: a well-formed but wrong token is 401, a malformed one 404.  Recorded
            # with no params: a bot with the wrong token should be visible in `calls`.
            status = 401 if re.fullmatch(r"\d+:[\w-]+", token) else 404
            rejected = ApiError(status, _DEFAULT_DESCRIPTIONS[status])
            self._finish(handler, canonical, {}, {}, started, error=rejected)
            return

        files: dict[str, bytes] = {}
        params: JSON = {}
        try:
            params = {k: _decode_form_value(k, v) for k, v in parse_qsl(path.query)}
            body_params, files = _parse_body(handler.headers.get("Content-Type", ""), body)
            params.update(body_params)
        except ApiError as error:
            self._finish(handler, canonical, params, files, started, error=error)
            return

        if known is None:
            self._finish(
                handler, canonical, params, files, started, error=ApiError(404, "Not Found")
            )
            return

        with self._lock:
            delay = self._delays.get(method.lower())
        if delay is not None and not delay.after:
            self._stopping.wait(delay.seconds)

        fault = self._take_fault(method)
        if fault is not None:
            self._answer_fault(handler, canonical, params, files, started, fault)
            return

        try:
            result = known[1](_Params(self, params, handler.connection))
        except ApiError as error:
            self._finish(handler, canonical, params, files, started, error=error)
            return
        except Exception:  # a bug in the fake: say so loudly, but answer the client
            self._note_internal_error(traceback.format_exc())
            self._finish(
                handler,
                canonical,
                params,
                files,
                started,
                error=ApiError(500, "Internal Server Error: bug in FakeTelegram"),
            )
            return
        if delay is not None and delay.after:
            self._stopping.wait(delay.seconds)
        self._finish(handler, canonical, params, files, started, result=result)

    def _finish(
        self,
        handler: _Handler,
        method: str,
        params: JSON,
        files: dict[str, bytes],
        started: float,
        *,
        result: Any = None,
        error: ApiError | None = None,
    ) -> None:
        if error is None:
            status, payload = 200, {"ok": True, "result": result}
        else:
            status = error.status
            payload = _error_body(error.status, error.description, error.parameters)
        self._record(
            Call(
                method=method,
                params=params,
                status=status,
                description=error.description if error else None,
                result=copy.deepcopy(result),
                files=files,
                started=started,
                finished=time.monotonic(),
            )
        )
        self._send_json(handler, status, payload)

    def _answer_fault(
        self,
        handler: _Handler,
        method: str,
        params: JSON,
        files: dict[str, bytes],
        started: float,
        fault: _Fault,
    ) -> None:
        if fault.status in (502, 503, 504):
            phrase = HTTPStatus(fault.status).phrase
            body = _PROXY_502.replace("502 Bad Gateway", f"{fault.status} {phrase}")
            self._record(
                Call(
                    method=method,
                    params=params,
                    status=fault.status,
                    description=f"{fault.status} {phrase} (HTML)",
                    injected=True,
                    files=files,
                    started=started,
                    finished=time.monotonic(),
                )
            )
            handler.send(fault.status, body.encode(), "text/html")
            return
        parameters = None
        if fault.status == 429:
            description = fault.description or f"Too Many Requests: retry after {fault.retry_after}"
            parameters = {"retry_after": fault.retry_after}
        else:
            description = fault.description or _DEFAULT_DESCRIPTIONS.get(
                fault.status, HTTPStatus(fault.status).phrase
            )
        self._record(
            Call(
                method=method,
                params=params,
                status=fault.status,
                description=description,
                injected=True,
                files=files,
                started=started,
                finished=time.monotonic(),
            )
        )
        self._send_json(handler, fault.status, _error_body(fault.status, description, parameters))

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    @staticmethod
    def _send_json(handler: _Handler, status: int, payload: JSON) -> None:
        handler.send(
            status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json"
        )

    def _serve_file(self, handler: _Handler, rest: str) -> None:
        token, _, file_path = rest.partition("/")
        with self._lock:
            data = self._file_data.get(file_path) if token == self.token else None
        if data is None:
            self._send_json(handler, 404, _error_body(404, "Not Found"))
        else:
            handler.send(200, data, "application/octet-stream")

    # ----------------------------------------------------------------------------------------
    # Shared validation
    # ----------------------------------------------------------------------------------------

    def _format(self, text: str | None, parse_mode: str | None, entities: Any) -> ParsedText:
        if text is None:
            raise ApiError(400, "Bad Request: message text is empty")
        if entities is not None and not isinstance(entities, list):
            raise ApiError(400, "Bad Request: can't parse entities JSON object")
        try:
            parsed = format_message_text(text, parse_mode, entities, strict=self.strict_html)
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        except MessageTextError as error:
            raise ApiError(400, f"Bad Request: {error}") from None
        except ValueError as error:  # unsupported parse_mode
            raise ApiError(400, f"Bad Request: {error}") from None
        with self._lock:
            for entity in parsed.entities:
                if entity["type"] == "text_mention" and entity["user"]["id"] in self._users:
                    entity["user"] = dict(self._users[entity["user"]["id"]])
        return parsed

    def _validate_markup(self, markup: Any, *, inline_only: bool = False) -> JSON | None:
        """Check a reply_markup like Telegram; returns it (None if absent)."""
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "inline_keyboard" of the '
                    "InlineKeyboardMarkup should be an Array of Arrays",
                )
            if sum(len(r) for r in rows) > 100:
                raise ApiError(400, "Bad Request: reply markup is too long")
            for row in rows:
                for button in row:
                    self._validate_inline_button(button)
            return markup
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400,
                    'Bad Request: field "keyboard" of the ReplyKeyboardMarkup '
                    "should be an Array of Arrays",
                )
            for row in rows:
                for button in row:
                    text = (
                        button
                        if isinstance(button, str)
                        else (button.get("text") if isinstance(button, dict) else None)
                    )
                    if not isinstance(text, str) or not text:
                        raise ApiError(
                            400,
                            "Bad Request: can't parse keyboard button: "
                            'Field "text" must be of type String',
                        )
            return markup
        if markup.get("remove_keyboard") is True or markup.get("force_reply") is True:
            return markup
        raise ApiError(400, 'Bad Request: can\'t find field "inline_keyboard"')

    @staticmethod
    def _validate_inline_button(button: Any) -> None:
        prefix = "Bad Request: can't parse inline keyboard button: "
        if not isinstance(button, dict):
            raise ApiError(400, prefix + "InlineKeyboardButton should be an Object")
        if not isinstance(button.get("text"), str):
            raise ApiError(400, prefix + 'Field "text" must be of type String')
        actions = [a for a in _BUTTON_ACTIONS if a in button]
        if not actions:
            raise ApiError(400, prefix + "Text buttons are unallowed in the inline keyboard")
        if len(actions) > 1:
            # Telegram picks one silently; a button with two actions is a bot bug (strict).
            raise ApiError(400, prefix + f"exactly one of {actions} must be set (strict)")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url, re.I):
                raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")

    def _check_can_send(self, chat_id: int) -> None:
        with self._lock:
            if chat_id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")

    # ----------------------------------------------------------------------------------------
    # Bot API methods (each returns the "result" or raises ApiError)
    # ----------------------------------------------------------------------------------------

    def _api_getMe(self, p: _Params) -> JSON:  # noqa: N802 - Bot API names
        return self.bot_user

    def _api_close(self, p: _Params) -> bool:
        return True

    def _api_logOut(self, p: _Params) -> bool:  # noqa: N802
        return True

    def _api_getUpdates(self, p: _Params) -> list[JSON]:  # noqa: N802
        offset = p.integer("offset")
        limit = max(1, min(100, p.integer("limit", 100) or 100))
        timeout = max(0.0, min(self.max_long_poll, p.number("timeout", 0.0)))
        allowed = p.obj("allowed_updates")
        with self._cond:
            if self._webhook_url:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            if isinstance(allowed, list):
                # Telegram remembers the last list; an empty list means "the default set".
                self._allowed_updates = [str(a) for a in allowed] or None
            # A newer getUpdates ends an older one still waiting, like Telegram's 409.
            self._poll_generation += 1
            generation = self._poll_generation
            self._cond.notify_all()
            self._confirm(offset)
            deadline = time.monotonic() + timeout
            while True:
                batch = self._deliverable(limit)
                if batch or self._stopping.is_set():
                    return batch
                if _client_gone(p.connection):
                    raise ApiError(CLIENT_GONE, "client closed the connection during long poll")
                if generation != self._poll_generation:
                    raise ApiError(409, _DEFAULT_DESCRIPTIONS[409])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                # Short slices: notice a vanished client soon (it frees this thread).
                self._cond.wait(min(remaining, 0.25))

    def _confirm(self, offset: int | None) -> None:
        # "An update is considered confirmed as soon as getUpdates is called with an offset
        # higher than its update_id. The negative offset can be specified to retrieve updates
        # starting from -offset update from the end of the updates queue. All previous updates
        # will be forgotten."
        if not offset:
            return
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        else:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JSON]:
        allowed = self._allowed_updates

        def wanted(update: JSON) -> bool:
            kinds = [k for k in update if k != "update_id"]
            kind = kinds[0] if kinds else ""
            return kind in allowed if allowed else kind not in _NOT_DEFAULT_UPDATES

        # Updates of types the bot did not subscribe to are never produced by Telegram.
        self._updates = [u for u in self._updates if wanted(u)]
        return copy.deepcopy(self._updates[:limit])

    def _api_setWebhook(self, p: _Params) -> bool:  # noqa: N802
        url = p.text("url") or ""
        if url and not url.lower().startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        with self._cond:
            self._webhook_url = url
            if p.flag("drop_pending_updates"):
                self._updates.clear()
            self._poll_generation += 1  # ends a running long poll with 409
            self._cond.notify_all()
        return True

    def _api_deleteWebhook(self, p: _Params) -> bool:  # noqa: N802
        with self._lock:
            self._webhook_url = ""
            if p.flag("drop_pending_updates"):
                self._updates.clear()
        return True

    def _api_getWebhookInfo(self, p: _Params) -> JSON:  # noqa: N802
        with self._lock:
            info: JSON = {
                "url": self._webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            }
            if self._webhook_url:
                info["max_connections"] = 40
                info["ip_address"] = "127.0.0.1"
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
            return info

    def _api_setMyCommands(self, p: _Params) -> bool:  # noqa: N802
        commands = p.obj("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(
                    400, "Bad Request: can't parse BotCommand: BotCommand should be an Object"
                )
            name, description = command.get("command"), command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = (_scope_key(p.obj("scope")), p.text("language_code") or "")
        with self._lock:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        return True

    def _api_getMyCommands(self, p: _Params) -> list[JSON]:  # noqa: N802
        return self.commands(p.obj("scope"), p.text("language_code") or "")

    def _api_deleteMyCommands(self, p: _Params) -> bool:  # noqa: N802
        with self._lock:
            self._commands.pop((_scope_key(p.obj("scope")), p.text("language_code") or ""), None)
        return True

    def _set_text_setting(self, p: _Params, kind: str, field_name: str, limit: int) -> bool:
        value = p.text(field_name) or ""
        if len(value) > limit:
            raise ApiError(400, f"Bad Request: {kind} is too long")
        with self._lock:
            self._descriptions[(kind, p.text("language_code") or "")] = value
        return True

    def _get_text_setting(self, p: _Params, kind: str, field_name: str) -> JSON:
        with self._lock:
            value = self._descriptions.get((kind, p.text("language_code") or ""), "")
        if kind == "name" and not value:
            value = self.bot_first_name
        return {field_name: value}

    def _api_setMyDescription(self, p: _Params) -> bool:  # noqa: N802
        return self._set_text_setting(p, "description", "description", 512)

    def _api_getMyDescription(self, p: _Params) -> JSON:  # noqa: N802
        return self._get_text_setting(p, "description", "description")

    def _api_setMyShortDescription(self, p: _Params) -> bool:  # noqa: N802
        return self._set_text_setting(p, "short_description", "short_description", 120)

    def _api_getMyShortDescription(self, p: _Params) -> JSON:  # noqa: N802
        return self._get_text_setting(p, "short_description", "short_description")

    def _api_setMyName(self, p: _Params) -> bool:  # noqa: N802
        return self._set_text_setting(p, "name", "name", 64)

    def _api_getMyName(self, p: _Params) -> JSON:  # noqa: N802
        return self._get_text_setting(p, "name", "name")

    def _api_getChat(self, p: _Params) -> JSON:  # noqa: N802
        chat_id = p.chat_id()
        with self._lock:
            chat = dict(self._chats[chat_id])
        # ChatFullInfo: PTB 22 requires these three fields.
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": True,
                    "limited_gifts": True,
                    "unique_gifts": True,
                    "premium_subscription": True,
                    "gifts_from_channels": True,
                },
            }
        )
        return chat

    def _api_getFile(self, p: _Params) -> JSON:  # noqa: N802
        with self._lock:
            file = self._files.get(p.text("file_id") or "")
            if file is None:
                raise ApiError(400, "Bad Request: invalid file_id")
            return dict(file)

    def _api_sendChatAction(self, p: _Params) -> bool:  # noqa: N802
        chat_id = p.chat_id()
        action = p.text("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._check_can_send(chat_id)
        with self._cond:
            self._chat_actions.append(ChatAction(chat_id, action, time.monotonic()))
            self._cond.notify_all()
        return True

    def _api_sendMessage(self, p: _Params) -> JSON:  # noqa: N802
        chat_id = p.chat_id()
        formatted = self._format(p.text("text"), p.text("parse_mode"), p.obj("entities"))
        markup = self._validate_markup(p.obj("reply_markup"))
        self._check_can_send(chat_id)

        reply_to = p.integer("reply_to_message_id")
        allow_without_reply = p.flag("allow_sending_without_reply")
        reply_parameters = p.obj("reply_parameters")
        if isinstance(reply_parameters, dict):
            reply_to = reply_parameters.get("message_id", reply_to)
            allow_without_reply = bool(
                reply_parameters.get("allow_sending_without_reply", allow_without_reply)
            )
        link_preview = p.obj("link_preview_options")
        if not isinstance(link_preview, dict):
            link_preview = {"is_disabled": True} if p.flag("disable_web_page_preview") else None

        with self._cond:
            replied = self._messages.get((chat_id, reply_to)) if reply_to else None
            if reply_to and (replied is None or replied.deleted):
                if not allow_without_reply:
                    raise ApiError(400, "Bad Request: message to be replied not found")
                reply_to, replied = None, None
            message: JSON = {
                "message_id": self._next_message_id(chat_id),
                "from": self._bot_from(),
                "chat": dict(self._chats[chat_id]),
                "date": int(time.time()),
                "text": formatted.text,
            }
            if formatted.entities:
                message["entities"] = formatted.entities
            if replied is not None:
                message["reply_to_message"] = _without_reply(replied.message)
            if markup and "inline_keyboard" in markup:
                message["reply_markup"] = markup  # only inline keyboards belong to a message
            if link_preview:
                message["link_preview_options"] = link_preview
            self._messages[(chat_id, message["message_id"])] = _Message(
                seq=next(self._seq),
                message=message,
                from_bot=True,
                source=p.text("text") or "",
                parse_mode=p.text("parse_mode"),
                link_preview_options=link_preview,
                disable_notification=p.flag("disable_notification"),
                reply_to_message_id=reply_to,
            )
            self._cond.notify_all()
            return copy.deepcopy(message)

    def _edit_target(self, p: _Params) -> _Message:
        inline_id = p.text("inline_message_id")
        with self._lock:
            if inline_id:
                stored = self._inline_messages.get(inline_id)
                if stored is None:
                    raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
                return stored
            chat_id = p.chat_id()
            message_id = p.integer("message_id")
            if message_id is None:
                raise ApiError(400, "Bad Request: message identifier is not specified")
            stored = self._messages.get((chat_id, message_id))
            if stored is None or stored.deleted:
                raise ApiError(400, "Bad Request: message to edit not found")
            if not stored.from_bot:
                raise ApiError(400, "Bad Request: message can't be edited")
            return stored

    def _edited_result(self, stored: _Message) -> JSON | bool:
        stored.edits += 1
        stored.message["edit_date"] = int(time.time())
        self._cond.notify_all()
        return True if stored.inline_message_id else copy.deepcopy(stored.message)

    def _api_editMessageText(self, p: _Params) -> JSON | bool:  # noqa: N802
        stored = self._edit_target(p)
        formatted = self._format(p.text("text"), p.text("parse_mode"), p.obj("entities"))
        markup = self._validate_markup(p.obj("reply_markup"), inline_only=True)
        link_preview = p.obj("link_preview_options")
        with self._cond:
            current = stored.message
            # Editing without reply_markup removes the keyboard, as in Telegram.
            if (
                current.get("text") == formatted.text
                and current.get("entities", []) == formatted.entities
                and current.get("reply_markup") == markup
            ):
                raise ApiError(400, _NOT_MODIFIED)
            stored.history.append(current.get("text", ""))
            current["text"] = formatted.text
            current.pop("entities", None)
            if formatted.entities:
                current["entities"] = formatted.entities
            current.pop("reply_markup", None)
            if markup:
                current["reply_markup"] = markup
            if isinstance(link_preview, dict):
                stored.link_preview_options = link_preview
            stored.source = p.text("text") or ""
            stored.parse_mode = p.text("parse_mode")
            return self._edited_result(stored)

    def _api_editMessageReplyMarkup(self, p: _Params) -> JSON | bool:  # noqa: N802
        stored = self._edit_target(p)
        markup = self._validate_markup(p.obj("reply_markup"), inline_only=True)
        with self._cond:
            if stored.message.get("reply_markup") == markup:
                raise ApiError(400, _NOT_MODIFIED)
            stored.message.pop("reply_markup", None)
            if markup:
                stored.message["reply_markup"] = markup
            return self._edited_result(stored)

    def _api_deleteMessage(self, p: _Params) -> bool:  # noqa: N802
        chat_id = p.chat_id()
        message_id = p.integer("message_id")
        with self._cond:
            stored = self._messages.get((chat_id, message_id or 0))
            if stored is None or stored.deleted:
                raise ApiError(400, "Bad Request: message to delete not found")
            stored.deleted = True
            self._cond.notify_all()
        return True

    def _api_deleteMessages(self, p: _Params) -> bool:  # noqa: N802
        chat_id = p.chat_id()
        ids = p.obj("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise ApiError(400, "Bad Request: message_ids must be a non-empty Array")
        with self._cond:
            for message_id in ids:
                stored = self._messages.get((chat_id, int(message_id)))
                if stored is not None:
                    stored.deleted = True  # Telegram skips ids it can't find
            self._cond.notify_all()
        return True

    def _api_answerCallbackQuery(self, p: _Params) -> bool:  # noqa: N802
        query_id = p.text("callback_query_id") or ""
        text = p.text("text")
        if text is not None and utf16_len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._cond:
            query = self._callback_queries.get(query_id)
            if query is None or query["answered"]:
                raise ApiError(400, _QUERY_TOO_OLD)
            query["answered"] = True
            self._callback_answers.append(
                CallbackAnswer(
                    callback_query_id=query_id,
                    text=text,
                    show_alert=p.flag("show_alert"),
                    url=p.text("url"),
                    cache_time=p.integer("cache_time", 0) or 0,
                    data=query["data"],
                    message_id=query["message_id"],
                    chat_id=query["chat_id"],
                )
            )
            self._cond.notify_all()
        return True

    def _api_answerInlineQuery(self, p: _Params) -> bool:  # noqa: N802
        query_id = p.text("inline_query_id") or ""
        results = p.obj("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse results JSON object")
        if len(results) > 50:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            self._validate_inline_result(result, seen)
        next_offset = p.text("next_offset")
        if next_offset is not None and len(next_offset.encode("utf-8")) > 64:
            raise ApiError(400, "Bad Request: NEXT_OFFSET_INVALID")
        with self._cond:
            query = self._inline_queries.get(query_id)
            if query is None or query["answered"]:
                raise ApiError(400, _QUERY_TOO_OLD)
            query["answered"] = True
            button = p.obj("button")
            self._inline_answers.append(
                InlineAnswer(
                    inline_query_id=query_id,
                    query=query["query"],
                    results=results,
                    cache_time=p.integer("cache_time"),
                    is_personal=p.flag("is_personal"),
                    next_offset=next_offset,
                    button=button if isinstance(button, dict) else None,
                )
            )
            self._cond.notify_all()
        return True

    def _validate_inline_result(self, result: Any, seen: set[str]) -> None:
        if not isinstance(result, dict):
            raise ApiError(
                400,
                "Bad Request: can't parse inline query result: "
                "InlineQueryResult should be an Object",
            )
        result_id = result.get("id")
        if not isinstance(result_id, str) or not 1 <= len(result_id.encode("utf-8")) <= 64:
            raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
        if result_id in seen:
            raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
        seen.add(result_id)
        kind = result.get("type")
        if kind not in _INLINE_RESULT_TYPES:
            raise ApiError(400, f'Bad Request: unsupported inline query result type "{kind}"')
        content = result.get("input_message_content")
        if kind == "article":
            if not isinstance(result.get("title"), str) or not result["title"]:
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline query result: "
                    'Field "title" must be of type String',
                )
            if not isinstance(content, dict):
                raise ApiError(
                    400,
                    "Bad Request: can't parse inline query result: "
                    'Field "input_message_content" must be of type Object',
                )
        if isinstance(content, dict) and "message_text" in content:
            self._format(
                content.get("message_text"), content.get("parse_mode"), content.get("entities")
            )
        if "reply_markup" in result:
            self._validate_markup(result["reply_markup"], inline_only=True)


def _client_gone(conn: socket.socket | None) -> bool:
    """True if the peer closed the connection (readable with nothing to read)."""
    if conn is None:
        return False
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _scope_key(scope: Any) -> str:
    if not isinstance(scope, dict) or not scope:
        scope = {"type": "default"}
    return json.dumps(scope, sort_keys=True)


def _error_body(status: int, description: str, parameters: JSON | None = None) -> JSON:
    body: JSON = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return body


def _without_reply(message: JSON) -> JSON:
    # reply_to_message is not nested further in Telegram's Message objects.
    return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}


def _snapshot(stored: _Message) -> SentMessage:
    message = stored.message
    preview = stored.link_preview_options
    return SentMessage(
        message_id=int(message["message_id"]),
        chat_id=message["chat"]["id"] if "chat" in message else None,
        text=message.get("text", ""),
        html=stored.source,
        parse_mode=stored.parse_mode,
        entities=copy.deepcopy(message.get("entities", [])),
        reply_markup=copy.deepcopy(message.get("reply_markup")),
        reply_to_message_id=stored.reply_to_message_id,
        link_preview_options=copy.deepcopy(preview),
        disable_web_page_preview=bool(preview and preview.get("is_disabled")),
        disable_notification=stored.disable_notification,
        edits=stored.edits,
        deleted=stored.deleted,
        date=int(message["date"]),
        edit_date=message.get("edit_date"),
        history=tuple(stored.history),
        inline_message_id=stored.inline_message_id,
    )
