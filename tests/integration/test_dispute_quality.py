"""The dispute detector on hand-labelled sentence pairs (bench/disputes.py): a dispute it
reports is a real one at least 9 times in 10."""

from __future__ import annotations

import pytest

from bench.disputes import NEWS_DEV, TARGET_PRECISION, fixture_rows, news_dev_rows, score, seed_rows


def test_fixture_pairs_are_called_disputed_with_high_precision() -> None:
    """On the 107 fixture pairs (31 disputes, 76 hard negatives), precision >= 0.9 and at
    least a third of the disputes are found."""
    tally = score(fixture_rows())
    assert tally.precision >= TARGET_PRECISION, "\n".join(tally.errors)
    assert tally.recall >= 0.33, "\n".join(tally.errors)


def test_the_seed_articles_dispute_is_found() -> None:
    """The seed article's arms claim and its founder's denial are a dispute; claims about
    other things are not."""
    tally = score(seed_rows())
    assert tally.fp == 0 and tally.tp >= 1, "\n".join(tally.errors)


def test_news_dev_pairs_raise_no_false_dispute() -> None:
    """On the news-dev pairs, nothing that is not a dispute is called one."""
    rows = news_dev_rows()
    if rows is None:
        pytest.skip(f"{NEWS_DEV} is not there (the shared dev data is not checked out)")
    assert score(rows).fp == 0
