"""What several benchmarks share: the labelled questions as a pool to draw from, percentiles."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "tests" / "data" / "questions.jsonl"


def question_pool() -> list[str]:
    """Every labelled question's text (tests/data/questions.jsonl), in file order."""
    with QUESTIONS.open(encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line in handle if line.strip()]


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of `values`."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


# ---------------------------------------------------------------- labelled question sets

SHARED = ROOT.parent / "shared" / "eval"
FIXTURES = ROOT / "tests" / "fixtures"
WORK = ROOT / "var" / "bench"  # indexes the benchmarks build (vectors reused between runs)


@dataclass(frozen=True)
class QuestionSet:
    name: str
    corpus: Path
    questions: Path

    @property
    def present(self) -> bool:
        return self.corpus.is_dir() and self.questions.is_file()


def question_sets() -> list[QuestionSet]:
    """Every labelled set whose files are here: ../shared's (when beside the project) and ours."""
    sets = [
        QuestionSet(
            "news-dev", SHARED / "news-dev" / "corpus", SHARED / "news-dev" / "questions.jsonl"
        ),
        QuestionSet("seed-dev", FIXTURES / "seed", SHARED / "dev_questions.jsonl"),
        QuestionSet("seed-ours", FIXTURES / "seed", QUESTIONS),
        QuestionSet("fixtures", FIXTURES / "articles", FIXTURES / "questions.jsonl"),
    ]
    missing = [s.name for s in sets if not s.present]
    if missing:
        print(f"(skipping {', '.join(missing)}: files not found)", file=sys.stderr)
    return [s for s in sets if s.present]


def combined_corpus(sets: list[QuestionSet], folder: Path) -> Path:
    """One corpus folder holding every set's articles (symlinks), for the all-in-one index."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for s in sets:
        for path in sorted(s.corpus.iterdir()):
            if (
                path.is_file()
                and path.suffix in (".md", ".txt")
                and not (folder / path.name).exists()
            ):
                (folder / path.name).symlink_to(path.resolve())
    return folder
