"""Answer quality per question set: the product beside the plain rankers it is built from.

    python bench/quality.py          # every set present, each on its own index and all in one
    python bench/quality.py --json   # the same figures as one JSON object

For each labelled set (bench/common.py) and again with every set's articles in one index
("@all"), on answerable English questions:

- plain BM25, plain MiniLM, plain multilingual-e5 (each over the paragraphs' own text) and
  the plain z-score fusion of the two dense models: recall@1 and @3 of their ranking;
- the product held out: the ranker and the answerability model fitted without the
  question's article (bench/fit.py), recall over the passages an answer offers (a declined
  answerable question is a miss), wrong abstention overall and on paraphrases, off-topic
  and on-topic unanswerable declined, follow-ups and questions in other languages;
- the product as shipped (index/data/*.json, fitted on all of these sets: in-sample) end to
  end through the answering core: the same recall, and the speaker named on attribution
  questions.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import WORK, question_sets  # noqa: E402
from bench.fit import (  # noqa: E402
    JUDGES,
    Record,
    answerability_held_out,
    choose_threshold,
    collect,
    declines,
    held_out,
)
from bot.answer import Answerer  # noqa: E402
from bot.evaluate import evaluate, summarize  # noqa: E402
from index.embedder import DEFAULT_MODEL  # noqa: E402
from index.encoding import Encoders, load_encoders  # noqa: E402
from index.fields import BY_NAME  # noqa: E402
from index.languages import ENGLISH  # noqa: E402
from index.lexical import analyse  # noqa: E402
from index.search import Retriever, SearchIndex  # noqa: E402

PLAIN = ("bm25", "minilm", "e5", "zfusion")


class Plain:
    """The plain rankers over one index's passages: scores of every passage for a question."""

    def __init__(self, index: SearchIndex, encoders: Encoders):
        self.index = index
        self.encoders = encoders
        store = index.source.stores[BY_NAME["minilm.plain"].name]
        self.minilm = store.vectors(range(len(store)))
        cache = index.directory.parent.parent / f"plain-e5-{index.manifest.corpus_hash[:16]}.npy"
        if cache.is_file():
            self.e5 = np.load(cache)
        else:
            self.e5 = encoders.e5.documents([p.text for p in index.passages])
            np.save(cache, self.e5)

    def rankings(self, question: str, vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        lexical = self.index.source.lexical.scores(analyse(question))
        minilm, e5 = self.minilm @ vectors["minilm"], self.e5 @ vectors["e5"]
        fused = _z(minilm) + _z(e5)
        return {
            name: np.argsort(-scores, kind="stable")
            for name, scores in zip(PLAIN, (lexical, minilm, e5, fused), strict=True)
        }


def _z(scores: np.ndarray) -> np.ndarray:
    return (scores - scores.mean()) / (scores.std() + 1e-9)


def plain_ranks(records: Sequence[Record], encoders: Encoders) -> dict[int, dict[str, int]]:
    """Each answerable record's rank of its first answering passage, per plain ranker."""
    found: dict[int, dict[str, int]] = {}
    rankers: dict[int, Plain] = {}
    wanted = [r for r in records if r.item.answerable and r.positive.any()]
    vectors = encoders.queries([r.query_text for r in wanted])
    for n, r in enumerate(wanted):
        ranker = rankers.setdefault(id(r.index), Plain(r.index, encoders))
        answers = np.array([r.item.answered_by(p) for p in r.index.passages])
        ranked = ranker.rankings(r.query_text, {k: v[n] for k, v in vectors.items()})
        found[id(r)] = {
            k: int(np.flatnonzero(answers[order])[0]) + 1 for k, order in ranked.items()
        }
    return found


def _share(group: Sequence[Record], test: Callable[[Record], bool]) -> float | None:
    return round(float(np.mean([test(r) for r in group])), 3) if group else None


def held_out_table(records, ranks, confidences, thresholds, plain) -> dict[str, dict]:
    answered = {id(r): not declines(r, confidences, thresholds) for r in records}

    def offered(r: Record, k: int) -> bool:
        return answered[id(r)] and (ranks[id(r)] or 99) <= k

    def declined(r: Record) -> bool:
        return not answered[id(r)]

    table = {}
    for name in sorted({r.set for r in records}):
        rs = [r for r in records if r.set == name]
        found = [r for r in rs if r.item.answerable and r.positive.any()]
        english = [r for r in found if r.language == ENGLISH]
        answerable = [r for r in rs if r.item.answerable]
        row: dict[str, Any] = {"questions": len(rs), "answerable_en": len(english)}
        for ranker in PLAIN:
            row[f"{ranker} r@1"] = _share(english, lambda r, x=ranker: plain[id(r)][x] == 1)
            row[f"{ranker} r@3"] = _share(english, lambda r, x=ranker: plain[id(r)][x] <= 3)
        row["product r@1"] = _share(english, lambda r: offered(r, 1))
        row["product r@3"] = _share(english, lambda r: offered(r, 3))
        row["wrong abstention"] = _share(answerable, declined)
        paraphrases = [r for r in answerable if r.item.kind == "paraphrase"]
        row["wrong abstention, paraphrases"] = _share(paraphrases, declined)
        for kind in ("off_topic", "unanswerable_on_topic"):
            row[f"{kind} declined"] = _share([r for r in rs if r.item.kind == kind], declined)
        followups = [r for r in english if r.item.kind == "followup"]
        row["followup r@3"] = _share(followups, lambda r: offered(r, 3))
        foreign = [r for r in found if r.language != ENGLISH]
        row["other languages r@3"] = _share(foreign, lambda r: offered(r, 3))
        best = {k: max(row[f"{p} {k}"] or 0 for p in PLAIN) for k in ("r@1", "r@3")}
        row["beats best plain"] = bool(
            english
            and (row["product r@1"] or 0) > best["r@1"]
            and (row["product r@3"] or 0) >= best["r@3"]
        )
        table[name] = row
    return table


def shipped_table(records: Sequence[Record], encoders: Encoders) -> dict[str, dict]:
    """The shipped models end to end through the answering core, per set (in-sample)."""
    table = {}
    by_set: dict[str, list[Record]] = {}
    for r in records:
        by_set.setdefault(r.set, []).append(r)
    for name, rs in sorted(by_set.items()):
        answerer = Answerer(Retriever(rs[0].index, encoders))
        overall = summarize(evaluate([r.item for r in rs], answerer.answer_many))
        table[name] = {
            k: overall["overall"][k]
            for k in ("recall@1", "recall@3", "false_abstention", "speaker_accuracy")
        }
        table[name]["answered"] = overall["all"]["answerable"]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    encoders = load_encoders(DEFAULT_MODEL)
    records = collect(question_sets(), encoders)
    ranks, evidence = held_out(records, encoders)
    confidences = answerability_held_out(records, evidence)
    limits = {}
    for judge, (judged, _, _) in JUDGES.items():
        limits[judge] = choose_threshold([r for r in records if judged(r)], confidences)
    thresholds = {
        id(r): limits[next(j for j, (judged, _, _) in JUDGES.items() if judged(r))] for r in records
    }
    plain = plain_ranks(records, encoders)
    result = {
        "held_out": held_out_table(records, ranks, confidences, thresholds, plain),
        "shipped": shipped_table(records, encoders),
        "work": str(WORK),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print_tables(result)


def print_tables(result: dict) -> None:
    held = result["held_out"]
    print("held out by article (bench/fit.py); recall on answerable English questions")
    header = ["set", *(f"{p} r@1/r@3" for p in PLAIN), "product r@1/r@3", "beats plain"]
    print(" | ".join(header))
    for name, row in held.items():
        cells = [name]
        for p in (*PLAIN, "product"):
            cells.append(f"{_fmt(row[f'{p} r@1'])}/{_fmt(row[f'{p} r@3'])}")
        cells.append("yes" if row["beats best plain"] else "NO")
        print(" | ".join(cells))
    print()
    keys = [
        "wrong abstention",
        "wrong abstention, paraphrases",
        "off_topic declined",
        "unanswerable_on_topic declined",
        "followup r@3",
        "other languages r@3",
    ]
    print(" | ".join(["set", *keys]))
    for name, row in held.items():
        print(" | ".join([name, *(_fmt(row[k]) for k in keys)]))
    print()
    print("shipped models, end to end (in-sample: fitted on these sets)")
    for name, row in result["shipped"].items():
        print(name, " ".join(f"{k} {_fmt(v)}" for k, v in row.items()))


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    main()
