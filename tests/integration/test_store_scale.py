"""The store past the exact-search threshold: an IVF store of real-looking vectors still finds
what exact search finds, after a save and a memory-mapped load."""

from __future__ import annotations

import json
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.embedder import SentenceTransformerEmbedder
from index.store import FLAT_MAX, FaissStore
from tests.conftest import DATA

pytestmark = pytest.mark.integration

PASSAGES = 50_000
NOISE = 0.03  # the method and noise of bench/scale.py, where the 1M numbers come from


def synthesize(seeds: np.ndarray, count: int, mix: int, seed: int) -> np.ndarray:
    """Unit vectors: `mix` random seeds mixed by Dirichlet weights, plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(seeds), size=(count, mix))
    weights = rng.dirichlet(np.ones(mix), size=count).astype(np.float32)
    rows = sum(weights[:, j : j + 1] * seeds[picks[:, j]] for j in range(mix))
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    rows += NOISE * rng.standard_normal(rows.shape, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def real_vectors(built_index: Path) -> np.ndarray:
    """The seed corpus's real passage, sentence and word vectors."""
    stores = [
        FaissStore.load(built_index / n)
        for n in ("passages.faiss", "sentences.faiss", "vocab.faiss")
    ]
    return np.vstack([s.vectors(range(len(s))) for s in stores])


@pytest.fixture(scope="module")
def questions(embedder: SentenceTransformerEmbedder) -> np.ndarray:
    lines = DATA.joinpath("questions.jsonl").read_text(encoding="utf-8").splitlines()
    asked = embedder.embed([json.loads(line)["question"] for line in lines if line.strip()])
    return synthesize(asked, 200, mix=1, seed=7)


def test_large_store_is_ivf_and_finds_what_exact_search_finds(
    real_vectors: np.ndarray, questions: np.ndarray, tmp_path: Path
):
    rows = synthesize(real_vectors, PASSAGES, mix=3, seed=1)
    store = FaissStore.create(rows.shape[1], len(rows))
    store.add(rows)
    store.save(tmp_path / "passages.faiss")

    served = FaissStore.load(tmp_path / "passages.faiss")

    assert PASSAGES > FLAT_MAX and served.spec.kind == "ivf" and served.memory_mapped
    _, exact = faiss.knn(questions, rows, 10, faiss.METRIC_INNER_PRODUCT)
    found = served.search(questions, 10)
    recall = np.mean(
        [len(set(e) & {r for r, _ in f}) / 10 for e, f in zip(exact, found, strict=True)]
    )
    assert recall >= 0.95
    # The retriever rescores candidates with their exact vectors: those come back unchanged.
    rows_found = [r for r, _ in found[0]]
    np.testing.assert_array_equal(served.vectors(rows_found), rows[rows_found])


def test_a_built_index_records_each_store_and_serves_it_mapped(built_index: Path):
    manifest = json.loads((built_index / "manifest.json").read_text(encoding="utf-8"))

    stores = manifest["stores"]

    assert {"passages.faiss", "sentences.faiss", "vocab.faiss"} <= set(stores)
    assert stores["passages.faiss"]["kind"] == "flat"  # 16 passages: exact search
    for name, spec in stores.items():
        assert spec["bytes"] == manifest["files"][name]["bytes"]
        assert FaissStore.load(built_index / name).memory_mapped
