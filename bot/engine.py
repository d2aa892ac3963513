"""The loaded answering stack (model, index, answerer), swappable when a new index is published.

The model loads once per process; an index swap replaces only the index, and questions
already being answered finish on the index they started with.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.answer import Answer, Answerer
from bot.settings import Settings
from index.answerability import Answerability
from index.embedder import Embedder
from index.encoding import Encoders, as_encoders, load_encoders
from index.ranker import Ranker
from index.search import Retriever, SearchIndex, check_encoders

logger = logging.getLogger(__name__)


class Engine:
    def __init__(self, settings: Settings, embedder: Encoders | Embedder | None = None):
        """`embedder`: the encoders to use, or only MiniLM's (the packaged e5 then joins it);
        None loads what the settings name."""
        self.settings = settings
        # The index files (FAISS, BM25 and what it imports) load while the encoders do:
        # ONNX Runtime builds its sessions outside the GIL, so the two overlap.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-load") as pool:
            pending = pool.submit(SearchIndex.load, settings.index_dir)
            self.encoders = (
                as_encoders(embedder)
                if embedder is not None
                else load_encoders(
                    settings.model,
                    settings.encoder_backend,
                    settings.encoder_cache,
                    settings.encoder_threads,
                )
            )
            self.ranker = Ranker.load()
            self.answerability = Answerability.load()
            self._lock = threading.Lock()
            self._answerer = self._load(pending.result)

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

    def _load(self, loaded: Callable[[], SearchIndex] | None = None) -> Answerer:
        """The answerer over the published index (`loaded`: one already being read)."""
        if loaded is None:
            index = SearchIndex.load(self.settings.index_dir, self.encoders)
        else:
            index = loaded()
            check_encoders(self.settings.index_dir, index.manifest, self.encoders)
        retriever = Retriever(index, self.encoders, self.ranker, self.answerability)
        return Answerer(retriever, self.settings.top_k)
