"""The loaded answering stack (model, index, answerer), swappable when a new index is published.

The model loads once per process; an index swap replaces only the index, and questions
already being answered finish on the index they started with.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from bot.abstention import Abstainer
from bot.answer import Answer, Answerer
from bot.settings import Settings
from index.embedder import Embedder
from index.encoders import make_embedder, models_dir
from index.multilingual import MultilingualEncoder
from index.search import Retriever, SearchIndex

logger = logging.getLogger(__name__)


class Engine:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or make_embedder(
            settings.model, settings.encoder_backend, models_dir(settings.index_dir)
        )
        self.abstainer = Abstainer.load(model=self.embedder.name)
        self.multilingual = MultilingualEncoder() if settings.multilingual else None
        self._lock = threading.Lock()
        self._answerer = self._load()

    @property
    def index(self) -> SearchIndex:
        return self._answerer.retriever.index

    @property
    def articles(self) -> list[dict[str, Any]]:
        return self.index.manifest.articles

    def answer(self, question: str, history: Sequence[str] = ()) -> Answer:
        return self._answerer.answer(question, history)

    def answer_many(self, asks: Sequence[tuple[str, Sequence[str]]]) -> list[Answer]:
        return self._answerer.answer_many(asks)

    def index_changed(self) -> bool:
        """Whether a different build has been published at the index path since loading."""
        try:
            return self.settings.index_dir.resolve() != self.index.directory
        except OSError:
            return False

    def reload(self) -> bool:
        """Load the currently published index; keep serving the old one if it is unusable.

        Raises the index's error so that an admin asking for a reload learns why it failed.
        """
        with self._lock:
            answerer = self._load()
            changed = answerer.retriever.index.directory != self.index.directory
            self._answerer = answerer  # one reference swap: in-flight answers keep the old one
        logger.info("index reloaded (%s)", "new build" if changed else "unchanged")
        return changed

    def _load(self) -> Answerer:
        index = SearchIndex.load(self.settings.index_dir, self.embedder)
        return Answerer(
            Retriever(index, self.embedder), self.abstainer, self.settings.top_k, self.multilingual
        )
