"""The ONNX encoder against the real torch model: same vectors, same answers, clear errors."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.engine import Engine
from bot.format import to_plain
from corpus.loader import load_corpus
from index.embedder import DEFAULT_MODEL, EmbedderError, SentenceTransformerEmbedder
from index.encoders import make_embedder
from index.onnx_embedder import (
    ENCODER_META,
    MODEL_DATA,
    MODEL_FILE,
    EncoderCacheError,
    OnnxEmbedder,
)
from index.onnx_export import (
    ExportError,
    Unexportable,
    cache_folder,
    export_model,
    is_current,
    source_folder,
)
from index.passages import split_passages
from tests.conftest import DATA, SEED_ARTICLES, make_settings

pytestmark = pytest.mark.integration

MIN_COSINE = {"fp32": 0.999, "int8": 0.99}
BACKEND = {"fp32": "onnx", "int8": "onnx-int8"}
KNOWN_QUESTIONS = (
    "What is John Kirby's job title?",
    "How many of Wagner's fighters in Ukraine may be convicts?",
    "Who founded Wagner?",
    "Where did the weapons come from?",
    "What did Prigozhin say about the report?",
    "What is the capital of Australia?",
)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both exports of the packaged model, made once for this module (int8 reuses fp32)."""
    cache = tmp_path_factory.mktemp("models")
    for variant in ("fp32", "int8"):
        export_model(DEFAULT_MODEL, cache, variant)
    return cache


@pytest.fixture(scope="module", params=["fp32", "int8"])
def onnx_embedder(request: pytest.FixtureRequest, cache: Path) -> OnnxEmbedder:
    return OnnxEmbedder(cache_folder(cache, DEFAULT_MODEL, request.param))


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    """What an index embeds: the seed corpus passages and their sentences, and questions."""
    articles, _ = load_corpus(SEED_ARTICLES)
    passages = [p for article in articles for p in split_passages(article)]
    questions = [
        json.loads(line)["question"]
        for line in (DATA / "questions.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    sentences = [s.text for p in passages for s in p.sentences]
    return [f"{p.title}. {p.text}" for p in passages] + sentences + questions


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1)


def test_onnx_vectors_match_torch_on_the_corpus(
    onnx_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder, corpus_texts: list[str]
) -> None:
    got = onnx_embedder.embed(corpus_texts)
    assert cosines(got, embedder.embed(corpus_texts)).min() >= MIN_COSINE[onnx_embedder.variant]


def test_onnx_vectors_are_unit_float32_rows(
    onnx_embedder: OnnxEmbedder, corpus_texts: list[str]
) -> None:
    got = onnx_embedder.embed(corpus_texts[:20])
    assert got.dtype == np.float32 and got.shape == (20, 384)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert onnx_embedder.embed([]).shape == (0, 384)


def test_a_batch_gives_the_vectors_of_one_text_at_a_time(
    onnx_embedder: OnnxEmbedder, corpus_texts: list[str]
) -> None:
    texts = corpus_texts[::4]  # long passages and short questions mixed: padding in batches
    one_by_one = np.vstack([onnx_embedder.embed([t]) for t in texts])
    np.testing.assert_allclose(onnx_embedder.embed(texts), one_by_one, atol=1e-5)


def test_text_longer_than_the_model_window_is_cut_as_torch_cuts_it(
    onnx_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder
) -> None:
    long = " ".join(f"Paragraph {i} of the report lists more sanctions." for i in range(120))
    changed_tail = long + " The last words are about something else entirely."
    got = onnx_embedder.embed([long, changed_tail])
    assert cosines(got[:1], got[1:])[0] > 0.99999  # both cut at 256 tokens
    assert cosines(got, embedder.embed([long, changed_tail])).min() >= MIN_COSINE["int8"]


def test_onnx_embedder_carries_the_source_model_name(onnx_embedder: OnnxEmbedder) -> None:
    # So an index built with torch serves ONNX queries (its manifest names the same model).
    assert (onnx_embedder.name, onnx_embedder.dim) == (DEFAULT_MODEL, 384)


def answers(engine: Engine, questions: Sequence[str]) -> list[tuple[str, list[object]]]:
    replies = engine.answer_many([(q, []) for q in questions])
    return [
        (
            to_plain(a),
            [(h.passage.article_id, h.passage.paragraph, h.passage.start) for h in a.candidates],
        )
        for a in replies
    ]


def test_known_questions_get_the_torch_answers_through_the_real_index(
    onnx_embedder: OnnxEmbedder, embedder: SentenceTransformerEmbedder, built_index: Path
) -> None:
    backend = BACKEND[onnx_embedder.variant]
    onnx_engine = Engine(make_settings(built_index, encoder_backend=backend), onnx_embedder)
    torch_engine = Engine(make_settings(built_index), embedder)
    got, expected = answers(onnx_engine, KNOWN_QUESTIONS), answers(torch_engine, KNOWN_QUESTIONS)
    assert [text for text, _ in got] == [text for text, _ in expected]
    # fp32 ranks every candidate as torch does; int8 (cosine ~0.995) may swap near-ties
    # below the first, which the reply does not show.
    shown = 3 if onnx_embedder.variant == "fp32" else 1
    assert [ids[:shown] for _, ids in got] == [ids[:shown] for _, ids in expected]


def test_factory_serves_a_current_export_without_exporting_again(cache: Path) -> None:
    folder = cache_folder(cache, DEFAULT_MODEL, "int8")
    before = (folder / MODEL_FILE).stat().st_mtime_ns
    served = make_embedder(DEFAULT_MODEL, "onnx-int8", cache)
    assert isinstance(served, OnnxEmbedder) and served.folder == folder
    assert (folder / MODEL_FILE).stat().st_mtime_ns == before


def test_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderCacheError) as caught:
        OnnxEmbedder(tmp_path / "nowhere")
    assert str(caught.value) == (
        f"no ONNX export at {tmp_path / 'nowhere'} (encoder.json missing); "
        "export it with `newsbot model export`"
    )


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (lambda f: (f / MODEL_FILE).write_bytes(b"\0" * 1000), "is damaged: model.onnx has 1000"),
        (
            lambda f: (f / MODEL_DATA).write_bytes(b"\0" * 1000),
            "is damaged: model.onnx.data has 1000",
        ),
        (lambda f: (f / MODEL_DATA).unlink(), "is damaged: model.onnx.data is missing"),
        (lambda f: _same_size_garbage(f / MODEL_FILE), "cannot be loaded"),
        (lambda f: (f / ENCODER_META).write_text("{", encoding="utf-8"), "unreadable"),
    ],
    ids=[
        "truncated model",
        "truncated weights",
        "missing weights",
        "garbled model",
        "garbled metadata",
    ],
)
def test_damaged_export_is_a_clear_error_from_the_factory_too(
    cache: Path, tmp_path: Path, damage: object, says: str
) -> None:
    copy = tmp_path / "models"
    shutil.copytree(cache, copy)
    folder = cache_folder(copy, DEFAULT_MODEL, "fp32")
    damage(folder)  # type: ignore[operator]
    for load in (lambda: OnnxEmbedder(folder), lambda: make_embedder(DEFAULT_MODEL, "onnx", copy)):
        with pytest.raises(EncoderCacheError) as caught:
            load()
        message = str(caught.value)
        assert says in message and "newsbot model export" in message
        assert message.count(". ") == 0 and "\n" not in message  # one sentence


def _same_size_garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(0).bytes(path.stat().st_size))


def test_failed_export_leaves_no_folder_behind(tmp_path: Path) -> None:
    """A model whose tokenizer is broken fails mid-export; nothing half-written is visible."""
    model = tmp_path / "broken-model"
    model.mkdir()
    for item in source_folder(DEFAULT_MODEL).iterdir():
        (model / item.name).symlink_to(item)  # weights are not copied: 90 MB
    (model / "tokenizer.json").unlink()
    (model / "tokenizer.json").write_text("{not json", encoding="utf-8")
    cache = tmp_path / "models"
    with pytest.raises(EmbedderError):
        export_model(str(model), cache, "fp32")
    folder = cache_folder(cache, str(model), "fp32")
    assert not folder.exists()
    assert [p.name for p in folder.parent.iterdir()] == [".export.lock"]


def test_unsupported_pipeline_is_refused_before_any_work(tmp_path: Path) -> None:
    model = tmp_path / "dense-model"
    model.mkdir()
    (model / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Dense",
                    "type": "sentence_transformers.models.Dense",
                },
            ]
        ),
        encoding="utf-8",
    )
    with pytest.raises(
        ExportError, match="cannot export a Transformer -> Pooling -> Dense pipeline"
    ):
        export_model(str(model), tmp_path / "models", "fp32")
    assert not (tmp_path / "models").exists()


def test_model_that_is_not_local_cannot_be_exported_offline() -> None:
    with pytest.raises(Unexportable, match="not a local sentence-transformers folder"):
        source_folder("someone/some-model")


def test_model_the_exporter_refuses_is_served_by_torch(tmp_path: Path) -> None:
    """NEWSBOT_MODEL may name any sentence-transformers model: under the default ONNX backend
    one the exporter cannot handle (here a Dense layer after pooling) runs on torch."""
    import torch
    from sentence_transformers import SentenceTransformer, models

    base = SentenceTransformer(str(source_folder(DEFAULT_MODEL)), device="cpu")
    dense = models.Dense(384, 384, bias=False, activation_function=torch.nn.Identity())
    with torch.no_grad():
        dense.linear.weight.copy_(torch.eye(384).flip(0))  # a real change: reversed dimensions
    folder = tmp_path / "dense-model"
    SentenceTransformer(modules=[base[0], base[1], dense, models.Normalize()]).save(str(folder))

    served = make_embedder(str(folder), "onnx", tmp_path / "models")
    assert isinstance(served, SentenceTransformerEmbedder)
    texts = ["Who paid for the weapons?", "The ministry said the shipment was held."]
    expected = base.encode(texts, normalize_embeddings=True)[:, ::-1]
    np.testing.assert_allclose(served.embed(texts), expected, atol=1e-5)
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").rglob("*.onnx"))


@pytest.mark.parametrize(
    "stale",
    [{"source_fingerprint": "0" * 16}, {"source_model": "all-MiniLM-L6-v2"}, {"data_bytes": 0}],
    ids=["model package changed", "exported under another name", "weights in the graph"],
)
def test_stale_export_is_exported_again(cache: Path, tmp_path: Path, stale: dict[str, str]) -> None:
    copy = tmp_path / "models"
    shutil.copytree(cache, copy)
    folder = cache_folder(copy, DEFAULT_MODEL, "int8")
    meta = json.loads((folder / ENCODER_META).read_text(encoding="utf-8"))
    (folder / ENCODER_META).write_text(json.dumps({**meta, **stale}), encoding="utf-8")
    assert not is_current(folder, DEFAULT_MODEL)
    before = (folder / MODEL_FILE).stat().st_mtime_ns

    served = make_embedder(DEFAULT_MODEL, "onnx-int8", copy)
    assert isinstance(served, OnnxEmbedder) and served.folder == folder
    assert is_current(folder, DEFAULT_MODEL)
    assert (folder / MODEL_FILE).stat().st_mtime_ns != before
