"""Fit the ranker and the answerability model on labelled questions about many articles.

    python bench/fit.py            # fit, print the held-out figures, write index/data/*.json
    python bench/fit.py --dry-run  # fit and print only

Every labelled set present is used (bench/common.py: news-dev and the seed's dev set from
../shared, the seed questions and the fixture articles' questions of tests/). Whole articles
are held out: each article's questions are scored by models fitted on the other articles'
questions only, and those held-out scores are what the printed figures and the abstention
threshold come from. Then the models are refitted on everything and written, with where
and how they were fitted, to index/data/ranker.json and index/data/answerability.json.

The ranker is a listwise softmax over each question's candidates (the probability of the
answering passages), each article weighing the same whatever its number of questions. The
answerability model is a logistic regression over the corpus-relative signals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, QuestionSet, combined_corpus, question_sets  # noqa: E402
from bot.answer import make_query  # noqa: E402
from bot.evaluate import LabelledQuestion, load_questions  # noqa: E402
from bot.smalltalk import is_small_talk  # noqa: E402
from corpus.loader import corpus_hash, load_corpus  # noqa: E402
from index.answerability import (  # noqa: E402
    E5_EVIDENCE,
    ENGLISH_MODEL,
    EVIDENCE,
    OTHER_MODEL,
    Answerability,
    Judge,
    minilm_reads,
    raw_evidence,
    relative_evidence,
)
from index.builder import build_index, staleness  # noqa: E402
from index.calibration import calibrate  # noqa: E402
from index.embedder import DEFAULT_MODEL  # noqa: E402
from index.encoding import Encoders, load_encoders  # noqa: E402
from index.languages import ENGLISH, detect_language  # noqa: E402
from index.ranker import LinearModel, Ranker  # noqa: E402
from index.search import SearchIndex  # noqa: E402
from index.signals import PASSAGE_FEATURES, SENTENCE_FEATURES, Candidates  # noqa: E402

L2 = 1.0  # ridge on the listwise weights (per 100 questions)
ABSTAIN_C = 1.0  # inverse ridge of the logistic answerability model
NEGATIVE_KINDS = ("off_topic",)
MAX_WRONG_ABSTENTION = 0.04  # the threshold is the highest keeping held-out refusals of
# answerable questions at or below this share (the product's bound is 0.05)


@dataclass
class Record:
    set: str
    fold: str
    item: LabelledQuestion
    query_text: str  # what was searched (a follow-up with the question before it)
    language: str
    index: SearchIndex
    corpus: Path
    candidates: Candidates
    positive: np.ndarray  # (n,) bool: the candidate answers
    sentence_positive: list[np.ndarray | None]  # per candidate: sentences holding the answer
    english: bool = False  # MiniLM reads the question and the held-out ranker's best passage
    trains: bool = True  # False: measured, never fitted on


def ensure_index(corpus: Path, target: Path, encoders: Encoders) -> SearchIndex:
    """The set's index, rebuilt when the corpus or the ranker changed (vectors reused)."""
    if staleness(corpus, target, encoders.minilm.name, 800, encoders.e5.name):
        build_index(corpus, target, encoders)
    return SearchIndex.load(target, encoders)


def collect(sets: Sequence[QuestionSet], encoders: Encoders, combined: bool = True) -> list[Record]:
    """Every set's questions on the set's own index and, with `combined`, on one index of
    all the sets' articles together (set name + "@all"): the two conditions the product
    meets, a few articles or many. A third: each set's articles not in English as a corpus
    of their own, with the set's questions about them and its off-topic ones (set name +
    "@foreign"), the corpus MiniLM cannot read that a user may well ask in English."""
    records = []
    for qs in sets:
        records += _collect(qs, qs.name, qs.corpus, WORK / qs.name / "index", encoders)
    if combined:
        corpus = combined_corpus(list(sets), WORK / "all" / "corpus")
        for qs in sets:
            records += _collect(qs, f"{qs.name}@all", corpus, WORK / "all" / "index", encoders)
    for qs in sets:
        name = f"{qs.name}@foreign"
        corpus = WORK / name / "corpus"
        ids = _foreign_corpus(qs.corpus, corpus)
        if ids:
            keep = partial(_about, ids)
            measured = _collect(qs, name, corpus, WORK / name / "index", encoders, keep)
            for r in measured:
                r.trains = False  # measured, never fitted on
            records += measured
    return records


def _about(ids: set[str], item: LabelledQuestion) -> bool:
    """A question about one of the articles `ids`, or an off-topic one."""
    return item.article in ids or item.kind in NEGATIVE_KINDS


def _foreign_corpus(corpus: Path, folder: Path) -> set[str]:
    """A folder of links to the articles of `corpus` not in English (none: no folder);
    their ids."""
    articles, _ = load_corpus(corpus)
    foreign = [a for a in articles if a.language != ENGLISH]
    if foreign:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for article in foreign:
            (folder / article.path.name).symlink_to(article.path.resolve())
    return {a.id for a in foreign}


def _collect(
    qs: QuestionSet,
    name: str,
    corpus: Path,
    target: Path,
    encoders: Encoders,
    keep: Callable[[LabelledQuestion], bool] = lambda item: True,
) -> list[Record]:
    records = []
    index = ensure_index(corpus, target, encoders)
    items = [item for item in load_questions(qs.questions) if keep(item)]
    languages = [detect_language(i.question) for i in items]
    queries = [
        make_query(i.question, [i.context] if i.context else [], lang)
        for i, lang in zip(items, languages, strict=True)
    ]
    vectors = encoders.queries([q.text for q in queries])
    folds = _folds(items, index)
    for n, (item, query) in enumerate(zip(items, queries, strict=True)):
        candidates = index.source.gather(query, {k: v[n] for k, v in vectors.items()})
        passages = [index.passages[r] for r in candidates.rows]
        positive = np.array([item.answered_by(p) for p in passages], dtype=bool)
        sentences = [
            np.array([_holds(s.text, item.answer_substrings) for s in p.sentences])
            if ok and item.answer_substrings
            else None
            for p, ok in zip(passages, positive, strict=True)
        ]
        records.append(
            Record(
                name,
                folds[n],
                item,
                query.text,
                query.language,
                index,
                corpus,
                candidates,
                positive,
                sentences,
            )
        )
    print(f"{name}: {len(items)} questions, {len(index.passages)} passages", file=sys.stderr)
    return records


def _holds(text: str, needles: Sequence[str]) -> bool:
    folded = text.casefold()
    return any(n.casefold() in folded for n in needles)


def _folds(items: Sequence[LabelledQuestion], index: SearchIndex) -> list[str]:
    """Each question's held-out group: its article (off-topic ones spread over the articles)."""
    articles = sorted({p.article_id for p in index.passages})
    folds = []
    for n, item in enumerate(items):
        article = item.article
        if article is None and item.answerable:
            article = next((p.article_id for p in index.passages if item.answered_by(p)), None)
        folds.append(article or articles[n % len(articles)])
    return folds


# ---------------------------------------------------------------- the listwise ranker


def _impute(records: Sequence[Record], names: Sequence[str]) -> dict[str, float]:
    """Stand-in values for signals a pair cannot have: their mean on answering passages."""
    values: dict[str, list[float]] = defaultdict(list)
    for r in records:
        for name in names:
            v = r.candidates.features[name][r.positive]
            values[name].extend(v[~np.isnan(v)].tolist())
    return {n: float(np.mean(v)) for n, v in values.items() if v}


def _matrix(columns: dict[str, np.ndarray], names: Sequence[str], impute: dict[str, float]):
    x = np.column_stack([columns[n] for n in names]).astype(np.float64)
    for j, name in enumerate(names):
        x[np.isnan(x[:, j]), j] = impute.get(name, 0.0)
    return x


def fit_listwise(
    groups: Sequence[tuple[np.ndarray, np.ndarray, float]], dim: int, l2: float = L2
) -> np.ndarray:
    """Weights maximising the weighted log-probability of each group's positive rows."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(w)
        for x, pos, weight in groups:
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            hit = p[pos].sum()
            total -= weight * np.log(hit + 1e-12)
            grad += weight * (p @ x - (p[pos] / hit) @ x[pos])
        return total + 0.005 * l2 * w @ w, grad + 0.01 * l2 * w

    start = np.zeros(dim)
    return minimize(loss, start, jac=True, method="L-BFGS-B").x


def _article_weights(records: Sequence[Record]) -> np.ndarray:
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        counts[r.fold] += 1
    weights = np.array([1.0 / counts[r.fold] for r in records])
    return weights / weights.sum()


def fit_ranker(records: Sequence[Record]) -> Ranker:
    usable = [r for r in records if r.positive.any()]
    impute = _impute(usable, ["coverage", "title"])
    weights = _article_weights(usable)
    groups = [
        (_matrix(r.candidates.features, PASSAGE_FEATURES, impute), r.positive, w)
        for r, w in zip(usable, weights, strict=True)
    ]
    passage = LinearModel(PASSAGE_FEATURES, fit_listwise(groups, len(PASSAGE_FEATURES)), impute)
    sentence_groups = []
    for r, w in zip(usable, weights, strict=True):
        for j, pos in enumerate(r.sentence_positive):
            if pos is not None and pos.any() and not pos.all():
                x = _matrix(r.candidates.sentence_features[j], SENTENCE_FEATURES, impute)
                sentence_groups.append((x, pos, w))
    sentence = LinearModel(
        SENTENCE_FEATURES, fit_listwise(sentence_groups, len(SENTENCE_FEATURES)), impute
    )
    return Ranker(passage, sentence, {})


def rank_of(r: Record, ranker: Ranker) -> int | None:
    if not r.positive.any():
        return None
    order = np.argsort(-ranker.passage.score(r.candidates.features), kind="stable")
    return int(np.flatnonzero(r.positive[order])[0]) + 1


# ---------------------------------------------------------------- held out, then all


def held_out(records: Sequence[Record], encoders: Encoders):
    """Per record: its rank and its answerability evidence under models that never saw its
    article (the fold's ranker, and a calibration measured with that ranker)."""
    ranks: dict[int, int | None] = {}
    evidence: dict[int, dict[str, float]] = {}
    for fold in sorted({r.fold for r in records}):
        ranker = fit_ranker([r for r in records if r.fold != fold and r.trains])
        tests = [r for r in records if r.fold == fold]
        calibrations = {}
        for r in tests:
            key = id(r.index)
            if key not in calibrations:
                articles, _ = load_corpus(r.corpus)
                calibrations[key] = calibrate(r.index, encoders, corpus_hash(articles), ranker)
            ranks[id(r)] = rank_of(r, ranker)
            evidence[id(r)] = _evidence(r, ranker, calibrations[key])
    return ranks, evidence


def _evidence(r: Record, ranker: Ranker, calibration) -> dict[str, float]:
    scores = ranker.passage.score(r.candidates.features)
    top = int(np.argmax(scores))
    raw = raw_evidence(r.candidates, float(scores[top]), top)
    language = r.index.passages[int(r.candidates.rows[top])].language
    english = minilm_reads(r.language, language)
    r.english = english  # which judge decides, as the product chooses it
    lexical = r.language in r.index.languages
    return relative_evidence(raw, calibration, english, lexical, r.language == language)


def fit_judge(
    records: Sequence[Record], evidence: dict[int, dict[str, float]], names: Sequence[str]
) -> tuple[LinearModel, float]:
    """Logistic regression of "answerable" on the evidence `names`; the negatives are the
    off-topic questions (on-topic unanswerable ones look like paraphrases to every signal
    here, and teaching the model otherwise only makes it refuse paraphrases)."""
    from sklearn.linear_model import LogisticRegression

    train = [r for r in records if r.item.answerable or r.item.kind in NEGATIVE_KINDS]
    labels = np.array([r.item.answerable for r in train], dtype=int)
    impute = {}
    for name in names:
        finite = [
            v for r in train if r.item.answerable and not np.isnan(v := evidence[id(r)][name])
        ]
        impute[name] = float(np.mean(finite)) if finite else 0.0
    x = np.array([[evidence[id(r)][n] for n in names] for r in train], dtype=np.float64)
    for j, name in enumerate(names):
        x[np.isnan(x[:, j]), j] = impute[name]
    weights = _article_weights(train) * len(train)
    model = LogisticRegression(C=ABSTAIN_C, max_iter=5000, class_weight="balanced")
    model.fit(x, labels, sample_weight=weights)
    return LinearModel(tuple(names), model.coef_[0], impute), float(model.intercept_[0])


def _english(r: Record) -> bool:
    return r.english


JUDGES = {  # judge -> (the questions it judges, the evidence it reads, who it learns from)
    ENGLISH_MODEL: (_english, EVIDENCE, _english),
    OTHER_MODEL: (lambda r: not _english(r), E5_EVIDENCE, lambda r: True),
}


def answerability_held_out(records, evidence) -> dict[int, float]:
    confidences = {}
    for fold in sorted({r.fold for r in records}):
        for judged, names, learns in JUDGES.values():
            train = [r for r in records if r.fold != fold and learns(r) and r.trains]
            model, bias = fit_judge(train, evidence, names)
            judge = Judge(model, bias, 0.5)
            for r in records:
                if r.fold == fold and judged(r):
                    confidences[id(r)] = judge.confidence(evidence[id(r)])
    return confidences


def choose_threshold(records, confidences) -> float:
    """The highest threshold that keeps held-out refusals of answerable questions, and of
    paraphrased ones alone, at or below MAX_WRONG_ABSTENTION."""

    def allowed(group) -> float:
        values = sorted(confidences[id(r)] for r in group)
        return float(values[int(MAX_WRONG_ABSTENTION * len(values))]) if values else 1.0

    answerable = [r for r in records if r.item.answerable]
    paraphrased = [r for r in answerable if r.item.kind == "paraphrase"]
    return min(allowed(answerable), allowed(paraphrased) if paraphrased else 1.0)


def declines(r: Record, confidences, threshold) -> bool:
    """Whether the product declines the question: below the judge's threshold, or small talk
    ("hi", "спасибо"), which it greets back before any search (bot/answer.py)."""
    return is_small_talk(r.item.question) or confidences[id(r)] < threshold[id(r)]


def report(records, ranks, confidences, threshold) -> dict[str, dict[str, float]]:
    table = {}
    for name in sorted({r.set for r in records}) + ["all"]:
        rs = [r for r in records if name == r.set or name == "all" and r.trains]
        english = [
            r for r in rs if r.item.answerable and r.positive.any() and r.language == ENGLISH
        ]
        answerable = [r for r in rs if r.item.answerable]
        off = [r for r in rs if r.item.kind == "off_topic"]
        on = [r for r in rs if r.item.kind == "unanswerable_on_topic"]
        para = [r for r in answerable if r.item.kind == "paraphrase"]

        def declined(group):
            if not group:
                return float("nan")
            return float(np.mean([declines(r, confidences, threshold) for r in group]))

        table[name] = {
            "questions": len(rs),
            "r@1": float(np.mean([ranks[id(r)] == 1 for r in english]))
            if english
            else float("nan"),
            "r@3": float(np.mean([(ranks[id(r)] or 99) <= 3 for r in english]))
            if english
            else float("nan"),
            "wrong_abstention": declined(answerable),
            "wrong_abstention_paraphrase": declined(para),
            "off_topic_declined": declined(off),
            "on_topic_declined": declined(on),
        }
    return table


def on_topic_tradeoff(records, confidences, shares=(0.05, 0.10, 0.20)) -> dict[float, float]:
    """On-topic unanswerable questions declined if each judge's threshold refused this share
    of the answerable questions it judges: how far the signals tell the two apart."""
    found = {}
    for share in shares:
        declined, total = 0, 0
        for judged, _, _ in JUDGES.values():
            rs = [r for r in records if judged(r) and r.trains]
            answerable = sorted(confidences[id(r)] for r in rs if r.item.answerable)
            on = [r for r in rs if r.item.kind == "unanswerable_on_topic"]
            if not answerable or not on:
                continue
            cut = answerable[int(share * len(answerable))]
            declined += sum(confidences[id(r)] < cut for r in on)
            total += len(on)
        found[share] = declined / total if total else float("nan")
    return found


def in_sample_r1(records, ranker: Ranker) -> dict[str, float]:
    """r@1 of a ranker on the questions it was fitted on, per set: the most one linear
    ranker over these signals reaches on them (held-out figures are below it)."""
    found = {}
    english = [
        r for r in records if r.item.answerable and r.positive.any() and r.language == ENGLISH
    ]
    for name in sorted({r.set for r in english}) + ["all"]:
        rs = [r for r in english if name == r.set or name == "all" and r.trains]
        found[name] = float(np.mean([rank_of(r, ranker) == 1 for r in rs]))
    return found


def explain(records, ranks, confidences, threshold) -> None:
    for r in records:
        c, declined = confidences[id(r)], declines(r, confidences, threshold)
        if r.item.answerable and declined:
            why = "declined"
        elif not r.item.answerable and not declined:
            why = "answered"
        elif r.item.answerable and (ranks[id(r)] or 99) > 1:
            why = f"rank {ranks[id(r)]}"
        else:
            continue
        print(f"{r.set:14s} {r.item.kind:22s} {why:9s} {c:.2f}  {r.item.question}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    parser.add_argument(
        "--explain", action="store_true", help="list the held-out misses (ranking, abstention)"
    )
    args = parser.parse_args()
    sets = question_sets()
    encoders = load_encoders(DEFAULT_MODEL)
    records = collect(sets, encoders)
    ranks, evidence = held_out(records, encoders)
    confidences = answerability_held_out(records, evidence)
    thresholds = {
        name: choose_threshold([r for r in records if judged(r) and r.trains], confidences)
        for name, (judged, _, _) in JUDGES.items()
    }
    threshold = {id(r): thresholds[ENGLISH_MODEL if _english(r) else OTHER_MODEL] for r in records}
    table = report(records, ranks, confidences, threshold)
    print(f"held out by article; thresholds {thresholds}")
    for name, row in table.items():
        print(
            f"{name:10s} "
            + "  ".join(
                f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()
            )
        )
    tradeoff = on_topic_tradeoff(records, confidences)
    print(
        "on-topic unanswerable declined if the judges refused this share of answerable "
        "questions: " + ", ".join(f"{k:.2f} -> {v:.3f}" for k, v in tradeoff.items())
    )
    ranker = fit_ranker([r for r in records if r.trains])
    ceiling = in_sample_r1(records, ranker)
    print(
        "r@1 in sample (the ranker fitted on the very questions it is measured on): "
        + ", ".join(f"{k} {v:.3f}" for k, v in ceiling.items())
    )
    if args.explain:
        explain(records, ranks, confidences, threshold)
    if args.dry_run:
        return
    fitted = {
        "by": "bench/fit.py",
        "date": dt.date.today().isoformat(),
        "sets": [s.name for s in sets],
        "articles": len(
            {r.fold for r in records if r.trains and (r.item.article or r.positive.any())}
        ),
        "questions": sum(r.trains for r in records),
        "method": "listwise softmax over candidates, articles weighted equally, L2 "
        f"{L2}; figures held out by article",
        "held_out": {
            k: {m: round(v, 4) for m, v in row.items() if isinstance(v, float)}
            for k, row in table.items()
        },
    }
    Ranker(ranker.passage, ranker.sentence, fitted).save()
    judges = {}
    for name, (_, names, learns) in JUDGES.items():
        model, bias = fit_judge([r for r in records if learns(r) and r.trains], evidence, names)
        judges[name] = Judge(model, bias, thresholds[name])
    method = (
        "logistic regression over corpus-relative signals (held-out evidence), answerable vs "
        f"{', '.join(NEGATIVE_KINDS)}; thresholds keep held-out wrong abstention <= "
        f"{MAX_WRONG_ABSTENTION}, overall and on paraphrases"
    )
    Answerability(judges, {**fitted, "method": method}).save()
    print("wrote index/data/ranker.json and index/data/answerability.json")


if __name__ == "__main__":
    main()
