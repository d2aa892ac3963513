"""The dispute detector (bot/contested.py) against hand-labelled sentence pairs: precision
and recall of "these two sources contradict each other on the same claim".

    .venv/bin/python bench/disputes.py            # per set and overall
    .venv/bin/python bench/disputes.py --errors   # also each wrong call

Sets: `fixtures` (tests/fixtures/disputes.jsonl, pairs of verbatim sentence parts of one
fixture article), `seed` (tests/data/seed_disputes.jsonl, the seed article), `news-dev`
(tests/fixtures/news_dev_disputes.jsonl, pairs given by paragraph and character span in
../shared/eval/news-dev; skipped when ../shared is absent). Each pair is judged on the
article's passages as the index builds them (speakers attributed by index/speakers.py): the
two sentences' sources, in their passages, must contradict each other. A pair whose sentence
has no attributed source can only be called "not disputed".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.speakers import NEWS_DEV, news_dev_blocks  # noqa: E402
from bot.contested import sides_contradict  # noqa: E402
from corpus.loader import load_article, normalise_space  # noqa: E402
from index.passages import Passage, split_passages  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TARGET_PRECISION = 0.9


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Tally) -> None:
        self.tp, self.fp = self.tp + other.tp, self.fp + other.fp
        self.fn, self.tn = self.fn + other.fn, self.tn + other.tn
        self.errors += other.errors


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _locate(passages: list[Passage], part: str) -> tuple[Passage, str | None]:
    """The passage holding `part` and the source of the sentence that holds it."""
    part = normalise_space(part)
    for passage in passages:
        at = passage.text.find(part)
        if at < 0:
            continue
        offset = passage.start + at + len(part) // 2  # the sentence around its middle
        for sentence in passage.sentences:
            if sentence.start <= offset < sentence.end or sentence.end >= offset:
                return passage, sentence.speaker.name if sentence.speaker else None
    raise ValueError(f"not found: {part[:60]!r}")


def _judge(rows: list[tuple[str, list[Passage], str, str, bool, str]]) -> Tally:
    tally = Tally()
    for slug, passages, a, b, truth, why in rows:
        (pa, sa), (pb, sb) = _locate(passages, a), _locate(passages, b)
        said = bool(sa and sb) and sides_contradict(pa, sa, pb, sb)
        kind = {(True, True): "tp", (True, False): "fp", (False, True): "fn"}.get(
            (said, truth), "tn"
        )
        setattr(tally, kind, getattr(tally, kind) + 1)
        if kind in ("fp", "fn"):
            tally.errors.append(f"{kind} {slug[:24]}: {a[:40]!r} / {b[:40]!r} ({sa} / {sb}): {why}")
    return tally


def _passages(path: Path) -> list[Passage]:
    return split_passages(load_article(path))


def fixture_rows() -> list[tuple[str, list[Passage], str, str, bool, str]]:
    cache: dict[str, list[Passage]] = {}
    rows = []
    for pair in _jsonl(FIXTURES / "disputes.jsonl"):
        slug = pair["article"]
        if slug not in cache:
            cache[slug] = _passages(FIXTURES / "articles" / f"{slug}.md")
        rows.append((slug, cache[slug], pair["a"], pair["b"], pair["disputed"], pair["why"]))
    return rows


def seed_rows() -> list[tuple[str, list[Passage], str, str, bool, str]]:
    rows = []
    for pair in _jsonl(ROOT / "tests" / "data" / "seed_disputes.jsonl"):
        passages = _passages(FIXTURES / "seed" / f"{pair['article']}.md")
        rows.append(
            (pair["article"], passages, pair["a"], pair["b"], pair["disputed"], pair["why"])
        )
    return rows


def news_dev_rows() -> list[tuple[str, list[Passage], str, str, bool, str]] | None:
    if not (NEWS_DEV / "corpus").is_dir():
        return None
    rows = []
    for pair in _jsonl(FIXTURES / "news_dev_disputes.jsonl"):
        path = NEWS_DEV / "corpus" / f"{pair['article']}.md"
        blocks = news_dev_blocks(path)
        parts = [blocks[s["paragraph"]][s["start"] : s["end"]] for s in (pair["a"], pair["b"])]
        rows.append((pair["article"], _passages(path), *parts, pair["disputed"], pair["why"]))
    return rows


def labelled_sets() -> dict[str, list]:
    sets = {"fixtures": fixture_rows(), "seed": seed_rows()}
    news_dev = news_dev_rows()
    if news_dev is not None:
        sets["news-dev"] = news_dev
    return sets


def score(rows: list) -> Tally:
    return _judge(rows)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args(argv)
    sets = labelled_sets()
    if "news-dev" not in sets:
        print(f"news-dev: skipped, {NEWS_DEV} is not there")
    overall = Tally()
    for name, rows in [*sets.items()]:
        tally = score(rows)
        overall.add(tally)
        _print(name, tally, args.errors)
    _print("overall", overall, False)
    print(f"target: precision >= {TARGET_PRECISION}")


def _print(name: str, t: Tally, errors: bool) -> None:
    print(
        f"{name:10} precision {t.precision:.3f} ({t.tp}/{t.tp + t.fp})  recall {t.recall:.3f} "
        f"({t.tp}/{t.tp + t.fn})  pairs {t.tp + t.fp + t.fn + t.tn}"
    )
    if errors:
        print("\n".join(f"    {e}" for e in t.errors))


if __name__ == "__main__":
    main()
