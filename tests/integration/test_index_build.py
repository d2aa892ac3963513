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
from index.builder import build_index
from index.embedder import DEFAULT_MODEL, SentenceTransformerEmbedder
from index.passages import embedding_text, split_passages
from index.search import SearchIndex
from index.store import FORMAT_VERSION, FaissStore
from tests.conftest import CORPUS, DATA, make_settings
from tests.integration.embedders import CountingEmbedder, HashingEmbedder
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
    articles, _ = load_corpus(CORPUS)

    assert manifest["model"] == DEFAULT_MODEL
    assert manifest["dim"] == 384
    assert manifest["passages"] == len(passages) == 16
    assert manifest["sentences"] == sum(len(p["sentences"]) for p in passages) > 16
    assert manifest["corpus_hash"] == corpus_hash(articles)
    assert manifest["chunking"] == {"unit": "paragraph", "split": "sentences", "max_chars": 800}
    assert manifest["format_version"] == FORMAT_VERSION == 1
    assert manifest["build_id"] == build.name
    built_at = dt.datetime.fromisoformat(manifest["built_at"])
    assert built_at.utcoffset() == dt.timedelta(0)
    assert dt.timedelta(0) <= dt.datetime.now(dt.UTC) - built_at < dt.timedelta(hours=1)
    assert [(a["id"], a["passages"]) for a in manifest["articles"]] == [(SEED_ID, 16)]
    assert {"faiss-cpu", "sentence-transformers", "torch"} <= set(manifest["versions"])


def test_manifest_lists_every_file_of_the_build_with_its_size_and_sha256(built_index: Path):
    build = built_index.resolve()
    files = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["files"]
    on_disk = {
        str(p.relative_to(build)): p.read_bytes()
        for p in build.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert {"passages.jsonl", "passages.faiss", "sentences.faiss"} <= set(on_disk)
    assert files == {
        name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in on_disk.items()
    }


def test_reloaded_index_answers_from_the_paragraph_with_the_number(
    built_index: Path, embedder: SentenceTransformerEmbedder
):
    index = SearchIndex.load(built_index, embedder)
    assert index.directory == built_index.resolve()
    assert len(index.passages) == len(index.passage_store) == 16

    answer = Engine(make_settings(built_index), embedder).answer(TROOPS)
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


def test_rebuilding_an_unchanged_corpus_embeds_nothing(
    served_index: Path, embedder: SentenceTransformerEmbedder
):
    first = served_index.resolve()
    counting = CountingEmbedder(embedder)

    report = build_index(CORPUS, served_index, counting)

    assert counting.texts == []
    assert report.embedded == 0 and report.reused > report.manifest.passages
    assert report.path != first and served_index.resolve() == report.path
    old_manifest = json.loads((first / "manifest.json").read_text(encoding="utf-8"))
    assert report.manifest.corpus_hash == old_manifest["corpus_hash"]
    for name in ("passages.faiss", "sentences.faiss"):
        old, new = FaissStore.load(first / name), FaissStore.load(report.path / name)
        np.testing.assert_array_equal(old.vectors(range(len(old))), new.vectors(range(len(new))))


def test_a_change_to_what_is_embedded_for_a_passage_embeds_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Reuse is keyed on the text that was embedded, not on the passage: a release that embeds
    passages differently (say, with their title) must not keep the old vectors."""
    hashing = HashingEmbedder()
    target = tmp_path / "index"
    build_index(CORPUS, target, hashing, multilingual=None)
    monkeypatch.setattr("index.builder.embedding_text", lambda p: f"{p.title}\n{p.text}")

    report = build_index(CORPUS, target, hashing, multilingual=None)

    passages = SearchIndex.load(target).passages
    assert report.embedded == len(passages)  # the passages; sentences and words are reused
    stored = FaissStore.load(target / "passages.faiss")
    expected = hashing.embed([f"{p.title}\n{p.text}" for p in passages])
    np.testing.assert_array_equal(stored.vectors(range(len(stored))), expected)


def test_adding_an_article_embeds_only_that_articles_text(
    served_index: Path, corpus_copy: Path, embedder: SentenceTransformerEmbedder
):
    added = corpus_copy / "port-strike.md"
    shutil.copy(DATA / "corpus_bad" / "good.md", added)
    counting = CountingEmbedder(embedder)

    report = build_index(corpus_copy, served_index, counting)

    article = load_article(added)
    passages = split_passages(article)
    own_texts = {embedding_text(p) for p in passages} | {
        s.text for p in passages for s in p.sentences
    }
    embedded = counting.texts
    assert report.embedded == len(embedded) == len(set(embedded))
    assert own_texts <= set(embedded)
    # Anything else embedded is a word of the new article (the vocabulary grows with it).
    others = [t for t in embedded if t not in own_texts]
    assert all(t.casefold() in article.body.casefold() for t in others), others
    assert report.manifest.passages == 16 + len(passages)
    assert [a["id"] for a in report.manifest.articles] == ["port-strike", SEED_ID]


def test_quick_successive_builds_each_publish_their_own_folder(tmp_path: Path):
    target = tmp_path / "index"
    hashing = HashingEmbedder()

    paths = [build_index(CORPUS, target, hashing).path for _ in range(3)]

    assert len(set(paths)) == 3
    assert target.resolve() == paths[-1]
    # The served build and the one before it are kept (a running bot may still read it).
    assert sorted((tmp_path / "index.builds").iterdir()) == paths[1:]
