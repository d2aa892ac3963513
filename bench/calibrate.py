"""Fit the abstention model on labelled questions and write bot/abstention.json.

    python bench/calibrate.py [--index var/index] [--max-false-abstention 0.05] [FILES...]

Features come from the real retriever over the built index (see bot/abstention.py). The
model is a logistic regression; the threshold is the highest that keeps wrong abstentions
on answerable questions at or under the limit, chosen on out-of-fold predictions (5-fold
cross-validation), which are also what the printed figures are: an honest estimate for
questions the fit has not seen, not the (better) in-sample numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.abstention import CALIBRATION, FEATURES, Abstainer, features, is_small_talk  # noqa: E402
from bot.answer import clean_question, follow_up_context  # noqa: E402
from bot.evaluate import LabelledQuestion, load_questions  # noqa: E402
from index.embedder import SentenceTransformerEmbedder  # noqa: E402
from index.multilingual import MultilingualEncoder, language_of  # noqa: E402
from index.search import Retriever, SearchIndex  # noqa: E402

WEAK_COVERAGE = 1.0  # "lacks some of its words": not every key word of the question
DEFAULT_FILES = [ROOT / "tests/data/questions.jsonl", ROOT / "../shared/eval/dev_questions.jsonl"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--index", type=Path, default=ROOT / "var/index")
    parser.add_argument("--max-false-abstention", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=CALIBRATION)
    args = parser.parse_args()

    everything = [i for f in args.files if f.exists() for i in load_questions(f)]
    # Small talk never reaches the model, and questions not in English go to the
    # multilingual encoder (calibrated below): neither belongs in this fit.
    items = [
        i for i in everything if language_of(i.question) == "en" and not is_small_talk(i.question)
    ]
    embedder = SentenceTransformerEmbedder()
    retriever = Retriever(SearchIndex.load(args.index, embedder), embedder)
    multilingual_threshold = _multilingual_threshold(
        retriever, everything, args.max_false_abstention
    )
    queries = []
    for item in items:
        question = clean_question(item.question)
        queries.append(
            (
                question,
                follow_up_context(
                    question,
                    [item.context] if item.context else [],
                    retriever.index.is_topic_word,
                ),
            )
        )
    retrievals = retriever.retrieve_many(queries)
    x = np.array([[features(r)[name] for name in FEATURES] for r in retrievals])
    y = np.array([i.answerable for i in items])
    # First stage, two rules no answerable question broke (with a margin): nothing in the
    # articles is near the question at all, or what is near shares none of its words.
    dense = x[:, FEATURES.index("dense")]
    coverage = x[:, FEATURES.index("coverage")]
    min_dense = float(np.floor((dense[y].min() - 0.02) * 100) / 100)
    uncovered = coverage < WEAK_COVERAGE
    weak_dense = float(np.floor((dense[y & uncovered].min(initial=1.0) - 0.02) * 100) / 100)
    # ...or what is near holds none of its words at all (a wider margin: few such questions).
    bare = coverage == 0
    none_dense = float(np.floor((dense[y & bare].min(initial=1.0) - 0.05) * 100) / 100)
    far = (dense < min_dense) | (uncovered & (dense < weak_dense)) | (bare & (dense < none_dense))
    print(
        f"first stage (min_dense {min_dense:.2f}, weak_dense {weak_dense:.2f}, none_dense "
        f"{none_dense:.2f}): abstains on "
        f"{far[~y].sum()} unanswerable, {far[y].sum()} answerable"
    )
    budget = args.max_false_abstention - far[y].mean()
    # The model learns from the questions the first stage lets through: the ones it decides.
    model = LogisticRegression(C=3.0, max_iter=2000)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    out_of_fold = np.zeros(len(y))
    out_of_fold[~far] = cross_val_predict(
        model, x[~far], y[~far], cv=folds, method="predict_proba"
    )[:, 1]
    threshold = _threshold(out_of_fold[~far], y[~far], budget * y.sum() / y[~far].sum())
    model.fit(x[~far], y[~far])

    abstainer = Abstainer(
        weights={
            name: round(float(w), 4) for name, w in zip(FEATURES, model.coef_[0], strict=True)
        },
        bias=round(float(model.intercept_[0]), 4),
        threshold=round(threshold, 4),
        min_dense=min_dense,
        weak_coverage=WEAK_COVERAGE,
        weak_dense=weak_dense,
        none_dense=none_dense,
        multilingual_threshold=round(multilingual_threshold, 4),
        model=embedder.name,
        note=(
            f"bench/calibrate.py on {len(items)} questions ({int(y.sum())} answerable); "
            f"first stage {int(far[~y].sum())} of {int((~y).sum())} unanswerable; 5-fold "
            f"out-of-fold with it: {_summary(np.where(far, 0.0, out_of_fold), y, threshold, items)}"
        ),
    )
    abstainer.save(args.out)
    print(json.dumps(json.loads(args.out.read_text()), indent=2))


def _multilingual_threshold(
    retriever: Retriever, items: list[LabelledQuestion], max_false: float
) -> float:
    """For questions not in English only the multilingual cosine is there to judge: the
    highest cut that keeps wrong abstentions on answerable ones within the limit."""
    foreign = [
        i for i in items if language_of(i.question) != "en" and not is_small_talk(i.question)
    ]
    if not foreign:
        return 0.0
    encoder = MultilingualEncoder()
    vectors = encoder.queries([i.question for i in foreign])
    retrievals = retriever.retrieve_multilingual([(i.question, None) for i in foreign], vectors)
    top = np.array([r.hits[0].dense for r in retrievals])
    y = np.array([i.answerable for i in foreign])
    threshold = _threshold(top, y, max_false)
    refused = (top[~y] < threshold).mean() if (~y).any() else float("nan")
    print(
        f"multilingual: {len(foreign)} questions, threshold {threshold:.3f}: wrong abstention "
        f"{(top[y] < threshold).mean():.3f}, abstention {refused:.3f}"
    )
    return threshold


def _threshold(p: np.ndarray, y: np.ndarray, max_false: float) -> float:
    """The highest threshold whose wrong-abstention rate stays within the limit."""
    answerable = np.sort(p[y])
    allowed = int(np.floor(max_false * len(answerable)))
    # Abstaining below t wrongly drops every answerable question with p < t.
    return float(answerable[allowed]) if allowed < len(answerable) else 1.0


def _summary(p: np.ndarray, y: np.ndarray, threshold: float, items: list) -> str:
    abstain = p < threshold
    kinds = np.array([i.kind for i in items])
    parts = [
        f"wrong abstention {abstain[y].mean():.3f}",
        f"abstention accuracy {abstain[~y].mean():.3f}",
    ]
    for kind in ("unanswerable_on_topic", "off_topic"):
        mask = kinds == kind
        if mask.any():
            parts.append(f"{kind} {abstain[mask].mean():.3f} of {mask.sum()}")
    return ", ".join(parts)


if __name__ == "__main__":
    main()
