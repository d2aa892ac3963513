"""The one settings object: environment variables (NEWSBOT_*, TELEGRAM_*) and an optional .env."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index.defaults import DEFAULT_BACKEND, DEFAULT_MODEL, Backend

IdSet = Annotated[frozenset[int], NoDecode]


class Settings(BaseSettings):
    """Everything the CLI, the terminal chat and the bot can be configured with.

    Built once in the entry point and passed down; library code never reads the environment.
    """

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_", env_file=".env", extra="ignore", frozen=True
    )

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("var/index")
    model: str = DEFAULT_MODEL
    # How `model` runs: an ONNX export of it (fp32, or int8), which needs neither torch nor
    # sentence-transformers to serve, or torch (sentence-transformers) itself. The export is
    # made once, offline, into models_dir (default: models/ beside index_dir).
    encoder_backend: Backend = DEFAULT_BACKEND
    models_dir: Path | None = None
    # MiniLM's intra-op threads. Unset: all cores (up to 4) for serve, ask and chat, which
    # run alone; 1 for `newsbot work` and `newsbot embed-worker`, which run one per core.
    encoder_threads: int | None = Field(default=None, ge=1, le=64)
    # Telegram's flood limits (PTB's limiter per chat, 30 messages/s per bot shared in Redis).
    # Off only to measure answering capacity: Telegram answers floods with 429s.
    telegram_rate_limit: bool = True
    top_k: int = Field(default=3, ge=1, le=10)
    # Kept so that existing .env files still load: every index now holds both encoders'
    # fields (index/fields.py), so multilingual-e5 always serves. Ignored.
    multilingual: bool = True

    # Telegram: the names every Telegram tool uses, without our prefix.
    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        validation_alias=AliasChoices("TELEGRAM_BASE_URL", "telegram_base_url"),
    )
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot",
        validation_alias=AliasChoices("TELEGRAM_BASE_FILE_URL", "telegram_base_file_url"),
    )

    # Access control: empty allowlists mean everyone may ask.
    allowed_user_ids: IdSet = frozenset()
    allowed_chat_ids: IdSet = frozenset()
    admin_ids: IdSet = frozenset()
    rate_limit_per_minute: int = Field(default=20, ge=1)
    feedback_db: Path = Path("var/feedback.sqlite3")
    history_turns: int = Field(default=3, ge=0, le=10)
    history_ttl_seconds: int = Field(default=900, ge=0)
    reload_check_seconds: float = Field(default=10.0, ge=0)
    # Telegram asks bots to send "typing…" only when a reply takes noticeable time; answers
    # usually take tens of milliseconds, and each chat action costs a request of the flood budget.
    typing_after_seconds: float = Field(default=0.2, ge=0)
    # Replies cite articles by link; Telegram would show a preview card of the first one under
    # every answer. Off unless asked for.
    link_previews: bool = False
    # Webhook mode (optional; needs `pip install "python-telegram-bot[webhooks]"`): with a
    # public HTTPS URL set, `newsbot serve` listens on webhook_listen:webhook_port, not polling.
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: SecretStr | None = None

    # Adding news (`newsbot corpus add`, `newsbot feeds`): fetching pages and feeds.
    feeds_db: Path = Path("var/feeds.sqlite3")
    # How often `newsbot serve` updates the feeds and rebuilds the index; 0 = never.
    feeds_interval_seconds: float = Field(default=900.0, ge=0)
    fetch_timeout_seconds: float = Field(default=20.0, gt=0)
    fetch_max_bytes: int = Field(default=10_000_000, ge=1024)
    # Loopback, private and link-local addresses are refused unless this is set (tests do).
    fetch_allow_private: bool = False

    # Several workers (see README "Running several workers"). Unset: everything stays in
    # process and in SQLite. Redis holds follow-up history, rate limits, "More sources"
    # payloads and the update streams; PostgreSQL holds feedback votes and unanswered questions.
    redis_url: str | None = None
    redis_prefix: str = "newsbot:"  # every Redis key starts with it (several bots, one Redis)
    database_url: str | None = None
    database_schema: str = "public"  # where the feedback tables live (created at start)
    # `newsbot receive` / `newsbot work`: updates go to `stream_shards` Redis Streams by chat.
    stream_shards: int = Field(default=4, ge=1, le=256)
    stream_max_length: int = Field(default=100_000, ge=100)  # approximate cap per stream
    # A delivered update not acknowledged within this many seconds is taken over by another
    # worker (its worker died or hangs).
    worker_visibility_seconds: float = Field(default=60.0, gt=0)
    worker_name: str | None = None  # default: host name and process id
    receiver_lease_seconds: float = Field(
        default=10.0, gt=0
    )  # a dead receiver's successor waits this long
    # /healthz and Prometheus /metrics for serve, receive and work; unset = no HTTP endpoint.
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"

    @property
    def encoder_cache(self) -> Path:
        """Where the ONNX exports live: models_dir, else models/ beside the index folder."""
        return self.models_dir or self.index_dir.parent / "models"

    @field_validator("allowed_user_ids", "allowed_chat_ids", "admin_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        """Accept "1,2,3" (or spaces) from the environment as well as real collections."""
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            try:
                return frozenset(int(p) for p in parts)
            except ValueError as exc:
                raise ValueError(f"expected comma-separated numeric ids, got {value!r}") from exc
        return value
