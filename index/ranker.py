"""Stage 3 of retrieval: one fitted linear scoring model over the candidates' signals.

The weights live in `index/data/ranker.json`, with where and how they were fitted
(`bench/fit.py`: a listwise softmax over each question's candidates, on labelled questions
about many articles, checked by leaving whole articles out). A second model of the same
form picks the sentence of a passage that answers (the highlight).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS = Path(__file__).with_name("data") / "ranker.json"


@dataclass(frozen=True)
class LinearModel:
    """score = weights · features; a missing (NaN) feature takes its fitted stand-in value."""

    features: tuple[str, ...]
    weights: np.ndarray
    impute: Mapping[str, float]

    def score(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        total = np.zeros(len(next(iter(columns.values()))), dtype=np.float64)
        for name, weight in zip(self.features, self.weights, strict=True):
            values = np.asarray(columns[name], dtype=np.float64)
            total += weight * np.where(np.isnan(values), self.impute.get(name, 0.0), values)
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "weights": [round(float(w), 6) for w in self.weights],
            "impute": {k: round(float(v), 6) for k, v in self.impute.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LinearModel:
        return cls(
            tuple(data["features"]),
            np.asarray(data["weights"], dtype=np.float64),
            dict(data.get("impute", {})),
        )


@dataclass(frozen=True)
class Ranker:
    passage: LinearModel
    sentence: LinearModel
    fitted: Mapping[str, Any]  # where and how: data sets, articles, method, held-out figures

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> Ranker:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            LinearModel.from_dict(data["passage"]),
            LinearModel.from_dict(data["sentence"]),
            data.get("fitted", {}),
        )

    def save(self, path: Path = WEIGHTS) -> None:
        data = {
            "passage": self.passage.to_dict(),
            "sentence": self.sentence.to_dict(),
            "fitted": dict(self.fitted),
        }
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def fingerprint(path: Path = WEIGHTS) -> str:
    """What a calibration depends on: a change of weights makes the index stale."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def default_model(features: Sequence[str], lead: Sequence[str]) -> LinearModel:
    """Equal weights on `lead` features: the plain fusion a fit starts from."""
    weights = np.array([1.0 if f in lead else 0.0 for f in features])
    return LinearModel(tuple(features), weights, {})
