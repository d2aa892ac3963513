"""The maintainer's report groups what the bot failed at, by meaning, biggest first."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.feedback import FeedbackStore, vote_key
from bot.report import Asked, collect, group_similar


class TopicEmbedder:
    """A real Encoder: one axis per topic word, so grouping is predictable in a unit test."""

    name = "topics"
    dim = 3
    topics = ("helicopter", "born", "salary")

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        rows = [[float(t in text.lower()) for t in self.topics] for text in texts]
        matrix = np.asarray(rows, dtype=np.float32) + 1e-3
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def test_similar_questions_form_one_group_counted_by_times_asked() -> None:
    asked = [
        Asked("How many helicopters does Wagner have?", 3, "not_covered"),
        Asked("Where was Prigozhin born?", 1, "not_covered"),
        Asked("wagner helicopters??", 2, "thumbs_down"),
    ]
    groups = group_similar(asked, TopicEmbedder())
    assert [g.times for g in groups] == [5, 1]
    assert groups[0].questions == ["How many helicopters does Wagner have?", "wagner helicopters??"]
    assert groups[0].why == {"not_covered": 3, "thumbs_down": 2}


def test_collect_reads_unanswered_and_thumbs_down_from_the_store(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite3")
    try:
        store.record_unanswered("Where was Prigozhin born?", "not_covered", "private")
        store.record_unanswered("Where was Prigozhin born?", "not_covered", "private")
        store.record_vote(vote_key(1, 2, 3), -1, "How many tanks?", "an answer", "private")
        store.record_vote(vote_key(1, 4, 3), 1, "Who founded Wagner?", "Prigozhin", "private")
        asked = collect(store)
    finally:
        store.close()
    assert Asked("Where was Prigozhin born?", 2, "not_covered") in asked
    assert Asked("How many tanks?", 1, "thumbs_down") in asked
    assert all(a.question != "Who founded Wagner?" for a in asked)
