"""The store past the exact-search threshold: an IVF store of real-looking vectors still finds
what exact search finds, after a save and a memory-mapped load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import faiss
import numpy as np
import pytest

from corpus.loader import load_article
from index.builder import build_index
from index.embedder import SentenceTransformerEmbedder
from index.fields import BY_NAME, E5, FIELDS, MINILM, field_texts
from index.passages import split_passages
from index.search import SearchIndex
from index.store import FLAT_MAX, IVF_SQ8, FaissStore
from tests.conftest import DATA
from tests.integration.corpora import write_copies
from tests.integration.embedders import counting, hashing_encoders

pytestmark = pytest.mark.integration

PASSAGES = 50_000
NOISE = 0.03  # the method and noise of bench/scale.py, where the 1M numbers come from
COPIES = 760  # of the seed article (27 sentences each): 20,520 sentences, past FLAT_MAX


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
    """The seed corpus's real MiniLM passage and sentence vectors (headlined)."""
    stores = [
        FaissStore.load(built_index / f"{n}.faiss") for n in ("minilm.passage", "minilm.sentence")
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

    assert PASSAGES > FLAT_MAX and served.spec.kind == IVF_SQ8 and served.memory_mapped
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

    assert {f"{f.name}.faiss" for f in FIELDS} <= set(stores)
    assert stores["e5.passage.faiss"]["kind"] == "flat"  # 16 passages: exact search
    for name, spec in stores.items():
        assert spec["bytes"] == manifest["files"][name]["bytes"]
        assert FaissStore.load(built_index / name).memory_mapped


def test_rebuilding_a_large_index_embeds_only_new_articles_and_drops_removed_ones(
    tmp_path: Path,
):
    """A corpus whose sentence stores are past FLAT_MAX: IVF, reused vector for vector."""
    corpus = write_copies(tmp_path / "articles", COPIES, vary=True)
    target = tmp_path / "index"
    first = build_index(corpus, target, hashing_encoders())
    stores = first.manifest.stores
    assert stores["e5.sentence.faiss"]["kind"] == IVF_SQ8, stores
    removed = corpus / "copy-000.md"
    removed.unlink()
    shutil.copy(DATA / "corpus_bad" / "good.md", corpus / "port-strike.md")
    encoders, minilm, e5 = counting(hashing_encoders())

    second = build_index(corpus, target, encoders)

    assert second.embedded == len(minilm.texts) + len(e5.texts)
    new = split_passages(load_article(corpus / "port-strike.md"))
    for encoder, kind in ((minilm, MINILM), (e5, E5)):  # the new article's texts, only
        assert set(encoder.texts) == {
            t for f in FIELDS if f.encoder == kind for t in field_texts(f, new)
        }
    index = SearchIndex.load(target)
    assert "copy-000" not in {p.article_id for p in index.passages}
    sentences = index.source.stores["e5.sentence"]
    assert sentences.spec.kind == IVF_SQ8 and sentences.memory_mapped
    # The new article's passage is found through both kinds of store, by its own vector.
    passage_text = field_texts(BY_NAME["e5.passage"], new)[0]
    (row, score), *_ = index.source.stores["e5.passage"].search(e5.documents([passage_text]), 5)[0]
    assert index.passages[row].article_id == "port-strike" and score > 0.999
    (row, score), *_ = sentences.search(e5.documents([new[0].sentences[0].text]), 5)[0]
    assert index.passages[int(index.source.sentence_owner[row])].article_id == "port-strike"
    # Unchanged sentences keep their vectors exactly: the IVF store holds exact copies.
    before = SearchIndex.load(first.path)
    np.testing.assert_array_equal(
        before.source.stores["e5.sentence"].vectors(sentence_rows(before, "copy-001")),
        sentences.vectors(sentence_rows(index, "copy-001")),
    )


def sentence_rows(index: SearchIndex, article_id: str) -> list[int]:
    return [
        int(index.source.first_sentence[row]) + i
        for row, passage in enumerate(index.passages)
        if passage.article_id == article_id
        for i in range(len(passage.sentences))
    ]
