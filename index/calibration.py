"""The corpus's own "not covered" baseline, measured at every build without labelled questions.

A shipped list of general questions no news corpus answers (`data/offtopic_probes.txt`:
recipes, maths, small talk, travel, in several languages) is asked against the new index;
how close its passages come to them, signal by signal, is the baseline a real question's
signals are read against (index/answerability.py); e5's signals also by pair kind, a probe
and its best passage in one language or in two, as a question and its passage may be. It is
stored in the index folder with the corpus hash, so it always describes the corpus served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.answerability import (
    PAIRED,
    SCORE,
    SCORE_FOREIGN,
    Baseline,
    Calibration,
    minilm_reads,
    paired,
    raw_evidence,
)
from index.encoding import Encoders
from index.fields import FIELDS, MINILM
from index.languages import detect_language
from index.ranker import Ranker
from index.search import Retriever, SearchIndex
from index.signals import Query

PROBES = Path(__file__).with_name("data") / "offtopic_probes.txt"
MIN_PAIRED = 8  # probes of one pair kind (same language, or across) for a baseline of its own


@lru_cache(maxsize=1)
def load_probes(path: Path = PROBES) -> tuple[Query, ...]:
    """The probe questions with their languages (comment lines start with #)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    texts = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return tuple(Query(t, detect_language(t)) for t in texts)


# The probes are the same for every build: their vectors are computed once per process.
_VECTORS: dict[tuple[str, str, str], dict[str, np.ndarray]] = {}


def probe_vectors(encoders: Encoders, probes: Sequence[Query]) -> dict[str, np.ndarray]:
    digest = hashlib.sha256("\n".join(q.text for q in probes).encode()).hexdigest()
    key = (encoders.minilm.name, encoders.e5.name, digest)
    if key not in _VECTORS:
        _VECTORS[key] = encoders.queries([q.text for q in probes])
    return _VECTORS[key]


def calibrate(
    index: SearchIndex, encoders: Encoders, corpus_hash: str, ranker: Ranker | None = None
) -> Calibration:
    """Ask the probes against a built (not yet published) index and keep their statistics."""
    retriever = Retriever(index, encoders, ranker)
    probes = load_probes()
    vectors = probe_vectors(encoders, probes)
    english: dict[str, list[float]] = {}
    foreign: dict[str, list[float]] = {}
    pairs: dict[bool, dict[str, list[float]]] = {True: {}, False: {}}  # same language?
    for i, probe in enumerate(probes):
        candidates = index.source.gather(probe, {kind: v[i] for kind, v in vectors.items()})
        if not len(candidates.rows):
            continue
        scores = retriever.ranker.passage.score(candidates.features)
        top = int(np.argmax(scores))
        raw = raw_evidence(candidates, float(scores[top]), top)
        best = index.passages[int(candidates.rows[top])]
        bucket = english if minilm_reads(probe.language, best.language) else foreign
        for name, value in raw.items():
            bucket.setdefault(name, []).append(value)
            pairs[probe.language == best.language].setdefault(name, []).append(value)
    # A corpus with no English passage has no pair MiniLM reads (its baselines are then never
    # used), one with English passages only may have no other: each falls back on the other.
    english, foreign = english or foreign, foreign or english
    baselines = {}
    for f in FIELDS:
        # MiniLM's baseline from the pairs it can read; e5's from all of them.
        values = english[f.name] if f.encoder == MINILM else english[f.name] + foreign[f.name]
        baselines[f.name] = _baseline(values)
    baselines[SCORE] = _baseline(english[SCORE])
    baselines[SCORE_FOREIGN] = _baseline(foreign[SCORE])
    for same_language, values in pairs.items():
        if len(values.get(SCORE, ())) >= MIN_PAIRED:  # else the pooled baseline stands
            for name in PAIRED:
                baselines[paired(name, same_language)] = _baseline(values[name])
    return Calibration(baselines, corpus_hash, len(probes))


def _baseline(values: Sequence[float]) -> Baseline:
    array = np.asarray(values, dtype=np.float64)
    return Baseline(float(array.mean()), float(array.std()) or 1e-6)
