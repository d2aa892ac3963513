"""The vector store: exact or IVF by size, saved with its search parameters, memory-mapped."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import faiss
import numpy as np
import pytest

from index.store import (
    FLAT_MAX,
    IVF_SQ8,
    FaissStore,
    IndexSpec,
    Manifest,
    choose_index,
    describe_stores,
    sidecar,
)

DIM = 16
IVF_ROWS = FLAT_MAX + 4_000  # just past the threshold: the smallest IVF the policy makes


def unit_rows(count: int, seed: int = 0) -> np.ndarray:
    """Clustered, L2-normalised vectors (topics plus noise), like sentence embeddings."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((50, DIM)).astype(np.float32)
    rows = topics[rng.integers(0, len(topics), count)] + 0.5 * rng.standard_normal(
        (count, DIM), dtype=np.float32
    )
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def ivf_rows() -> np.ndarray:
    return unit_rows(IVF_ROWS)


@pytest.fixture(scope="module")
def ivf_store(ivf_rows: np.ndarray) -> FaissStore:
    store = FaissStore.create(DIM, len(ivf_rows))
    store.add(ivf_rows)
    return store


def test_small_stores_are_exact_and_large_ones_ivf():
    assert choose_index(0) == choose_index(FLAT_MAX) == IndexSpec("flat")
    beyond = [choose_index(n) for n in (FLAT_MAX + 1, 100_000, 1_000_000, 10_000_000)]
    assert all(spec.kind == IVF_SQ8 and spec.rerank >= 1 for spec in beyond)
    assert [s.nlist for s in beyond] == sorted(s.nlist for s in beyond)  # grows with size
    assert all(0 < s.nprobe <= s.nlist for s in beyond)


def test_created_store_has_the_kind_chosen_for_its_size(ivf_store: FaissStore):
    small = FaissStore.create(DIM, 100)
    small.add(unit_rows(100))

    assert small.spec.kind == "flat"
    assert ivf_store.spec == choose_index(IVF_ROWS)
    assert len(ivf_store) == IVF_ROWS


def test_a_store_given_fewer_rows_than_expected_sizes_itself_to_them():
    store = FaissStore.create(DIM, 1_000_000)
    store.add(unit_rows(500))

    assert store.spec.kind == "flat"
    assert len(store) == 500


def test_plain_constructor_stays_exact():
    assert FaissStore(DIM).spec == IndexSpec("flat")


@pytest.mark.parametrize("kind", ["flat", IVF_SQ8])
def test_save_and_load_keep_kind_and_search_parameters(
    kind: str, ivf_store: FaissStore, tmp_path: Path
):
    store = ivf_store if kind == IVF_SQ8 else FaissStore.create(DIM, 300)
    if kind == "flat":
        store.add(unit_rows(300))
    store.save(tmp_path / "v.faiss")

    for mmap in (True, False):
        loaded = FaissStore.load(tmp_path / "v.faiss", mmap=mmap)
        assert loaded.spec == store.spec and len(loaded) == len(store)
    assert json.loads(sidecar(tmp_path / "v.faiss").read_text())["kind"] == kind


def test_search_parameters_come_from_the_spec_beside_the_index(
    ivf_store: FaissStore, ivf_rows: np.ndarray, tmp_path: Path
):
    ivf_store.save(tmp_path / "v.faiss")
    spec = json.loads(sidecar(tmp_path / "v.faiss").read_text())
    sidecar(tmp_path / "v.faiss").write_text(json.dumps(spec | {"nprobe": 1}))

    loaded = FaissStore.load(tmp_path / "v.faiss")

    assert loaded.spec.nprobe == 1
    # One list scanned finds less than 32 do: the parameter is in force, not just recorded.
    assert recall(loaded, ivf_rows) < recall(ivf_store, ivf_rows)


def test_a_plain_ivf_file_loads_mapped_with_its_vectors(ivf_rows: np.ndarray, tmp_path: Path):
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(DIM), DIM, 64, faiss.METRIC_INNER_PRODUCT)
    index.train(ivf_rows)
    index.add(ivf_rows)
    index.make_direct_map()
    index.nprobe = 8
    faiss.write_index(index, str(tmp_path / "ivf.faiss"))
    sidecar(tmp_path / "ivf.faiss").write_text(
        json.dumps({"kind": "ivf", "nlist": 64, "nprobe": 8})
    )

    loaded = FaissStore.load(tmp_path / "ivf.faiss")

    assert loaded.spec == IndexSpec("ivf", 64, 8) and loaded.memory_mapped
    np.testing.assert_array_equal(loaded.vectors([9, 4]), ivf_rows[[9, 4]])
    np.testing.assert_array_equal(loaded.vectors(range(len(loaded))), ivf_rows)
    assert recall(loaded, ivf_rows) >= 0.9


def test_index_saved_without_a_spec_still_loads_as_what_it_is(tmp_path: Path):
    index = faiss.IndexFlatIP(DIM)
    index.add(unit_rows(10))
    faiss.write_index(index, str(tmp_path / "old.faiss"))

    loaded = FaissStore.load(tmp_path / "old.faiss")

    assert loaded.spec == IndexSpec("flat") and len(loaded) == 10


@pytest.mark.parametrize("kind", ["flat", IVF_SQ8])
def test_loading_maps_the_vectors_instead_of_reading_them(
    kind: str, ivf_store: FaissStore, ivf_rows: np.ndarray, tmp_path: Path
):
    rows = ivf_rows if kind == IVF_SQ8 else ivf_rows[:1000]
    store = ivf_store if kind == IVF_SQ8 else FaissStore.create(DIM, len(rows))
    if kind == "flat":
        store.add(rows)
    store.save(tmp_path / "v.faiss")

    mapped = FaissStore.load(tmp_path / "v.faiss")
    read = FaissStore.load(tmp_path / "v.faiss", mmap=False)

    assert mapped.memory_mapped and not read.memory_mapped and not store.memory_mapped
    assert mapped.search(rows[:5], 10) == read.search(rows[:5], 10)
    np.testing.assert_array_equal(mapped.vectors([3, 1]), rows[[3, 1]])


@pytest.mark.parametrize("kind", ["flat", IVF_SQ8])
@pytest.mark.parametrize("mmap", [True, False])
def test_stored_vectors_come_back_exactly_for_every_kind(
    kind: str, mmap: bool, ivf_store: FaissStore, ivf_rows: np.ndarray, tmp_path: Path
):
    rows = ivf_rows if kind == IVF_SQ8 else ivf_rows[:2000]
    store = ivf_store if kind == IVF_SQ8 else FaissStore(DIM)
    if kind == "flat":
        store.add(rows)
    store.save(tmp_path / "v.faiss")
    loaded = FaissStore.load(tmp_path / "v.faiss", mmap=mmap)

    for got in (store, loaded):
        np.testing.assert_array_equal(got.vectors([7, 0, len(rows) - 1, 7]), rows[[7, 0, -1, 7]])
        np.testing.assert_array_equal(got.vectors(range(100, 140)), rows[100:140])
        np.testing.assert_array_equal(got.vectors(range(len(got))), rows)
        assert got.vectors([]).shape == (0, DIM)


@pytest.mark.parametrize("kind", ["flat", IVF_SQ8])
def test_results_are_best_first_and_scores_are_cosines(
    kind: str, ivf_store: FaissStore, ivf_rows: np.ndarray
):
    store = ivf_store if kind == IVF_SQ8 else FaissStore(DIM)
    if kind == "flat":
        store.add(ivf_rows[:3000])
    queries = unit_rows(20, seed=1)

    for query, found in zip(queries, store.search(queries, 10), strict=True):
        scores = [score for _, score in found]
        assert len(found) == 10 and scores == sorted(scores, reverse=True)
        rows = [row for row, _ in found]
        np.testing.assert_allclose(store.vectors(rows) @ query, scores, rtol=1e-5, atol=1e-6)


def test_asking_for_more_results_than_rows_returns_every_row():
    store = FaissStore(DIM)
    store.add(unit_rows(5))

    found = store.search(unit_rows(2, seed=3), 50)

    assert [sorted(row for row, _ in hits) for hits in found] == [list(range(5))] * 2


def test_empty_store_finds_nothing_and_round_trips(tmp_path: Path):
    for store in (FaissStore(DIM), FaissStore.create(DIM, 1_000_000)):
        assert len(store) == 0
        assert store.search(unit_rows(3), 5) == [[], [], []]
        assert store.vectors([]).shape == (0, DIM)
    FaissStore(DIM).save(tmp_path / "empty.faiss")
    assert len(FaissStore.load(tmp_path / "empty.faiss")) == 0


def test_concurrent_searches_agree_with_one_at_a_time(ivf_store: FaissStore):
    queries = unit_rows(64, seed=4)
    alone = [ivf_store.search(q[None], 10)[0] for q in queries]

    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda q: ivf_store.search(q[None], 10)[0], queries))

    assert together == alone


def test_ivf_store_finds_nearly_what_exact_search_finds(
    ivf_store: FaissStore, ivf_rows: np.ndarray
):
    assert recall(ivf_store, ivf_rows) >= 0.95


def test_manifest_records_each_store_and_old_manifests_still_load(
    ivf_store: FaissStore, tmp_path: Path
):
    ivf_store.save(tmp_path / "passages.faiss")
    FaissStore(DIM).save(tmp_path / "sentences.faiss")

    stores = describe_stores(tmp_path)

    assert stores["passages.faiss"] | {"bytes": 0} == {
        "kind": IVF_SQ8,
        "metric": "inner_product",
        "nlist": ivf_store.spec.nlist,
        "nprobe": ivf_store.spec.nprobe,
        "rerank": ivf_store.spec.rerank,
        "bytes": 0,
    }
    assert stores["passages.faiss"]["bytes"] == (tmp_path / "passages.faiss").stat().st_size
    assert stores["sentences.faiss"]["kind"] == "flat"
    old = {
        "model": "m",
        "dim": DIM,
        "passages": 0,
        "sentences": 0,
        "corpus_hash": "",
        "chunking": {},
        "articles": [],
        "versions": {},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(old))
    assert Manifest.read(tmp_path).stores == {}


def recall(store: FaissStore, rows: np.ndarray, k: int = 10) -> float:
    """Share of the exact top-k that the store returns, over queries near the stored rows."""
    queries = unit_rows(100, seed=2)
    _, exact = faiss.knn(queries, rows, k, faiss.METRIC_INNER_PRODUCT)
    found = store.search(queries, k)
    return float(
        np.mean([len(set(e) & {r for r, _ in f}) / k for e, f in zip(exact, found, strict=True)])
    )
