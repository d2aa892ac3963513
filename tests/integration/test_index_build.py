"""Building a real index on disk with the packaged model: layout, manifest, reuse, CLI views."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from bot.engine import Engine
from corpus.loader import corpus_hash, load_article, load_corpus
from index.answerability import PAIRED, Calibration, paired, relative_evidence
from index.builder import build_index
from index.embedder import DEFAULT_MODEL
from index.encoding import Encoders
from index.fields import E5, FIELDS, MINILM, Field, field_texts
from index.multilingual import MULTILINGUAL_MODEL
from index.passages import reader_fingerprint, split_passages
from index.ranker import fingerprint
from index.search import SearchIndex
from index.store import FORMAT_VERSION, FaissStore
from tests.conftest import DATA, SEED_ARTICLES, make_settings
from tests.integration.embedders import counting, hashing_encoders
from tests.integration.support import newsbot

pytestmark = pytest.mark.integration

SEED_ID = "wagner-north-korea-weapons"
TROOPS = "How many Wagner troops does the U.S. estimate are in Ukraine?"


def test_index_is_published_as_a_relative_link_to_a_finished_build_folder(built_index: Path):
    build = built_index.resolve()
    assert built_index.is_symlink()
    assert build.parent == built_index.with_name("index.builds")
    assert (build / "manifest.json").is_file()
    # Relative, so moving the whole var/ folder keeps the index working.
    assert not os.path.isabs(os.readlink(built_index))


def test_manifest_says_what_the_index_was_built_from_and_with(built_index: Path):
    build = built_index.resolve()
    manifest = json.loads((built_index / "manifest.json").read_text(encoding="utf-8"))
    passages = [json.loads(line) for line in (built_index / "passages.jsonl").open()]
    articles, _ = load_corpus(SEED_ARTICLES)

    assert manifest["model"] == DEFAULT_MODEL
    assert manifest["dim"] == 384
    assert manifest["multilingual"] == MULTILINGUAL_MODEL
    assert manifest["passages"] == len(passages) == 16
    assert manifest["sentences"] == sum(len(p["sentences"]) for p in passages) > 16
    assert manifest["corpus_hash"] == corpus_hash(articles)
    assert manifest["chunking"] == {"unit": "paragraph", "split": "sentences", "max_chars": 800}
    assert manifest["format_version"] == FORMAT_VERSION == 2
    assert manifest["scoring"] == fingerprint()
    assert manifest["reader"] == reader_fingerprint()
    assert manifest["build_id"] == build.name
    built_at = dt.datetime.fromisoformat(manifest["built_at"])
    assert built_at.utcoffset() == dt.timedelta(0)
    assert dt.timedelta(0) <= dt.datetime.now(dt.UTC) - built_at < dt.timedelta(hours=1)
    assert [(a["id"], a["passages"]) for a in manifest["articles"]] == [(SEED_ID, 16)]
    assert {"faiss-cpu", "sentence-transformers", "torch"} <= set(manifest["versions"])


def test_an_index_read_by_other_passage_code_is_stale(
    built_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New sentence or speaker rules change what passages hold: `index build --if-stale`
    must rebuild, not keep serving the old speakers."""
    from index import builder

    assert builder.staleness(SEED_ARTICLES, built_index, DEFAULT_MODEL, 800) == []
    monkeypatch.setattr(builder, "reader_fingerprint", lambda: "0" * 16)
    assert builder.staleness(SEED_ARTICLES, built_index, DEFAULT_MODEL, 800) == [
        "the passage reader (sentences, speakers) changed since the index was built"
    ]


def test_manifest_lists_every_file_of_the_build_with_its_size_and_sha256(built_index: Path):
    build = built_index.resolve()
    files = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["files"]
    on_disk = {
        str(p.relative_to(build)): p.read_bytes()
        for p in build.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    fields = {f"{f.name}.{kind}" for f in FIELDS for kind in ("faiss", "stats.npz", "keys.json")}
    assert {"passages.jsonl", "calibration.json", *fields} <= set(on_disk)
    assert files == {
        name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in on_disk.items()
    }


def test_the_calibration_describes_this_corpus(built_index: Path):
    """The build measured the corpus's own "not covered" baseline, for every signal."""
    calibration = json.loads((built_index / "calibration.json").read_text(encoding="utf-8"))
    manifest = json.loads((built_index / "manifest.json").read_text(encoding="utf-8"))

    assert calibration["corpus_hash"] == manifest["corpus_hash"]
    assert calibration["probes"] >= 200
    by_pair = {paired(name, same) for name in PAIRED for same in (True, False)}
    assert {f.name for f in FIELDS} | {"score", "score.foreign"} | by_pair == set(
        calibration["baselines"]
    )
    assert all(b["std"] > 0 for b in calibration["baselines"].values())


def test_a_question_in_another_language_is_read_against_probes_in_another_language(
    built_index: Path,
):
    """e5 brings a question closer to a passage in its own language than to one in
    another: the probes that met the (English) article in another language come less close
    than the English ones, and a Russian question is measured against them, not against
    all (an answerable Russian question looked weak, an off-topic one in the article's
    language strong)."""
    calibration = Calibration.load(built_index / "calibration.json")
    e5 = [f.name for f in FIELDS if f.encoder == E5]
    same = [calibration.baselines[paired(name, True)].mean for name in e5]
    cross = [calibration.baselines[paired(name, False)].mean for name in e5]
    assert all(c < s for c, s in zip(cross, same, strict=True)), (cross, same)
    raw = {name: calibration.baselines[paired(name, False)].mean for name in (*e5, "score")}
    raw |= {f.name: 0.0 for f in FIELDS if f.encoder == MINILM}  # unread: MiniLM reads English
    raw |= {"coverage": 0.0, "unknown": 0.0, "type": 0.0}
    read = relative_evidence(raw, calibration, english=False, lexical=False, same_language=False)
    assert all(abs(read[name]) < 1e-6 for name in (*e5, "score"))
    as_if_same = relative_evidence(raw, calibration, False, False, same_language=True)
    assert all(as_if_same[name] < read[name] for name in e5)


def test_reloaded_index_answers_from_the_paragraph_with_the_number(
    built_index: Path, encoders: Encoders
):
    index = SearchIndex.load(built_index, encoders)
    assert index.directory == built_index.resolve()
    sentences = index.manifest.sentences
    for f in FIELDS:
        assert len(index.source.stores[f.name]) == (16 if f.unit == "passage" else sentences)

    answer = Engine(make_settings(built_index), encoders).answer(TROOPS)
    assert answer.status == "answered"
    assert any("50,000" in hit.passage.text for hit in answer.hits)


def test_index_info_shows_model_size_build_and_articles(built_index: Path):
    manifest = json.loads((built_index / "manifest.json").read_text(encoding="utf-8"))
    result = newsbot("--index", str(built_index), "index", "info")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"index:    {built_index} (build {manifest['build_id']})"
    assert f"built:    {manifest['built_at']}" in lines
    assert f"model:    {DEFAULT_MODEL} (384-d)" in lines
    assert f"passages: 16 ({manifest['sentences']} sentences)" in lines
    assert f"corpus:   {manifest['corpus_hash'][:16]}…" in lines
    assert (
        lines[-1].startswith(f"  - {SEED_ID}: U.S. believes Wagner")
        and "(16 passages)" in lines[-1]
    )


def test_index_info_json_is_the_manifest(built_index: Path):
    result = newsbot("--index", str(built_index), "index", "info", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((built_index / "manifest.json").read_text())


def test_index_verify_passes_on_a_fresh_build(built_index: Path):
    result = newsbot("--index", str(built_index), "index", "verify")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"index at {built_index} is intact and matches the corpus\n"
    assert result.stderr == ""


def test_rebuilding_an_unchanged_corpus_embeds_nothing(served_index: Path, encoders: Encoders):
    first = served_index.resolve()
    wrapped, minilm, e5 = counting(encoders)

    report = build_index(SEED_ARTICLES, served_index, wrapped)

    assert minilm.texts == [] and e5.texts == []
    assert report.embedded == 0 and report.reused > report.manifest.passages
    assert report.path != first and served_index.resolve() == report.path
    old_manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert report.manifest.corpus_hash == old_manifest["corpus_hash"]
    for f in FIELDS:
        name = f"{f.name}.faiss"
        old, new = FaissStore.load(first / name), FaissStore.load(report.path / name)
        np.testing.assert_array_equal(old.vectors(range(len(old))), new.vectors(range(len(new))))


def test_a_change_to_what_is_embedded_for_a_passage_embeds_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Reuse is keyed on the text that was embedded, not on the passage: a release that embeds
    a field's passages differently must not keep the old vectors."""
    target = tmp_path / "index"
    build_index(SEED_ARTICLES, target, hashing_encoders())
    real = field_texts

    def prefixed(field: Field, passages: list) -> list[str]:
        texts = real(field, passages)
        return [f"new: {t}" for t in texts] if field.name == "minilm.plain" else texts

    monkeypatch.setattr("index.builder.field_texts", prefixed)
    wrapped, minilm, e5 = counting(hashing_encoders())

    report = build_index(SEED_ARTICLES, target, wrapped)

    passages = SearchIndex.load(target).passages
    assert e5.texts == [] and report.embedded == len(minilm.texts) == len(passages)
    stored = FaissStore.load(target / "minilm.plain.faiss")
    expected = wrapped.minilm.documents([f"new: {p.text}" for p in passages])
    np.testing.assert_array_equal(stored.vectors(range(len(stored))), expected)


def test_adding_an_article_embeds_only_that_articles_text(
    served_index: Path, articles_copy: Path, encoders: Encoders
):
    added = articles_copy / "port-strike.md"
    shutil.copy(DATA / "corpus_bad" / "good.md", added)
    wrapped, minilm, e5 = counting(encoders)

    report = build_index(articles_copy, served_index, wrapped)

    passages = split_passages(load_article(added))
    for encoder, kind in ((minilm, MINILM), (e5, E5)):
        own = {t for f in FIELDS if f.encoder == kind for t in field_texts(f, passages)}
        assert set(encoder.texts) == own, kind
        assert len(encoder.texts) == len(set(encoder.texts))
    assert report.embedded == len(minilm.texts) + len(e5.texts)
    assert report.manifest.passages == 16 + len(passages)
    assert [a["id"] for a in report.manifest.articles] == ["port-strike", SEED_ID]


def test_quick_successive_builds_each_publish_their_own_folder(tmp_path: Path):
    target = tmp_path / "index"

    paths = [build_index(SEED_ARTICLES, target, hashing_encoders()).path for _ in range(3)]

    assert len(set(paths)) == 3
    assert target.resolve() == paths[-1]
    # The served build and the one before it are kept (a running bot may still read it).
    assert sorted((tmp_path / "index.builds").iterdir()) == paths[1:]
