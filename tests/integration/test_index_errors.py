"""A missing, damaged or mismatched index, and a bad corpus: one clear sentence, exit 1."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from index.builder import build_index
from index.embedder import DEFAULT_MODEL, SentenceTransformerEmbedder
from index.search import SearchIndex
from index.store import IndexMismatch
from tests.conftest import DATA, SEED_ARTICLES
from tests.integration.embedders import HashingEmbedder
from tests.integration.support import assert_one_clear_error, newsbot

pytestmark = pytest.mark.integration

QUESTION = "Who founded Wagner?"


def test_asking_without_an_index_says_to_build_one(tmp_path: Path):
    missing = tmp_path / "no-index"

    result = newsbot("--index", str(missing), "ask", QUESTION)

    assert_one_clear_error(result, f"no index at {missing}", "newsbot index build")


def test_index_info_without_an_index_says_to_build_one(tmp_path: Path):
    missing = tmp_path / "no-index"

    result = newsbot("--index", str(missing), "index", "info")

    assert_one_clear_error(result, f"no index at {missing}", "newsbot index build")


def test_truncated_vectors_are_refused_naming_the_file(served_index: Path):
    vectors = served_index / "e5.passage.faiss"
    vectors.write_bytes(vectors.read_bytes()[:1000])

    asked = newsbot("--index", str(served_index), "ask", QUESTION)
    verified = newsbot("--index", str(served_index), "index", "verify")

    assert_one_clear_error(asked, "e5.passage.faiss is missing or truncated", "rebuild")
    assert verified.exit_code == 1
    assert "problem: e5.passage.faiss has 1000 bytes, expected" in verified.stderr
    assert "Traceback" not in verified.output


def test_a_changed_byte_is_caught_by_verify(served_index: Path):
    vectors = served_index / "e5.sentence.faiss"
    data = bytearray(vectors.read_bytes())
    data[-7] ^= 0xFF  # inside a vector: same size, still loads, different numbers
    vectors.write_bytes(bytes(data))

    result = newsbot("--index", str(served_index), "index", "verify")

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "problem: e5.sentence.faiss does not match its checksum",
        f"Error: index at {served_index} failed verification",
    ]


def test_index_without_manifest_is_called_incomplete(served_index: Path):
    (served_index / "manifest.json").unlink()

    asked = newsbot("--index", str(served_index), "ask", QUESTION)
    info = newsbot("--index", str(served_index), "index", "info")

    for result in (asked, info):
        assert_one_clear_error(result, "has no manifest.json", "incomplete", "newsbot index build")


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\xff\xfe not json", b"{truncated", b"[]", b"null", b"{}", b'{"model": 3}'],
    ids=["binary", "cut-off", "list", "null", "empty-object", "missing-fields"],
)
def test_garbage_manifest_is_called_damaged(served_index: Path, garbage: bytes):
    (served_index / "manifest.json").write_bytes(garbage)

    result = newsbot("--index", str(served_index), "index", "info")

    assert_one_clear_error(result, "manifest.json is damaged", "newsbot index build")


def test_manifest_from_a_newer_format_asks_for_a_rebuild(served_index: Path):
    path = served_index / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "format_version": 99}))

    result = newsbot("--index", str(served_index), "index", "info")

    assert_one_clear_error(result, "index format 99", "newsbot index build")


@pytest.mark.parametrize(
    "other",
    [HashingEmbedder("test-hashing-embedder", 64), HashingEmbedder("other-model-same-dim", 384)],
    ids=["other-dim", "other-name"],
)
def test_index_built_with_another_model_is_refused(
    tmp_path: Path, embedder: SentenceTransformerEmbedder, other: HashingEmbedder
):
    target = tmp_path / "index"
    build_index(SEED_ARTICLES, target, other)

    with pytest.raises(IndexMismatch) as raised:
        SearchIndex.load(target, embedder)
    asked = newsbot("--index", str(target), "ask", QUESTION)

    built_with = f"built with {other.name} ({other.dim}-d)"
    assert built_with in str(raised.value)
    assert_one_clear_error(asked, built_with, f"configured model is {DEFAULT_MODEL} (384-d)")


def test_build_skips_a_file_without_title_and_names_it(tmp_path: Path):
    articles = tmp_path / "articles"
    articles.mkdir()
    for name in ("good.md", "no-title.md"):
        shutil.copy(DATA / "corpus_bad" / name, articles / name)
    target = tmp_path / "index"

    result = newsbot("--index", str(target), "index", "build", articles=articles)

    assert result.exit_code == 0, result.output
    assert result.stderr == (
        f"skipped {articles / 'no-title.md'}: no title; add 'title: ...' to the front matter\n"
    )
    assert result.stdout.startswith("index built: ") and "from 1 articles" in result.stdout
    manifest = json.loads((target / "manifest.json").read_text())
    assert [a["id"] for a in manifest["articles"]] == ["good"]


def test_build_of_an_empty_corpus_fails_and_publishes_nothing(tmp_path: Path):
    articles = tmp_path / "articles"
    articles.mkdir()
    target = tmp_path / "index"

    result = newsbot("--index", str(target), "index", "build", articles=articles)

    assert_one_clear_error(result, str(articles), "no usable article files")
    assert not target.exists() and not target.is_symlink()


def test_build_from_a_missing_corpus_folder_names_it(tmp_path: Path):
    result = newsbot("index", "build", articles=tmp_path / "nowhere")

    assert_one_clear_error(result, f"{tmp_path / 'nowhere'}: no such corpus directory")


def test_verify_notices_a_corpus_that_changed_since_the_build(
    served_index: Path, articles_copy: Path
):
    article = articles_copy / "wagner-north-korea-weapons.md"
    article.write_text(article.read_text() + "\nOne more paragraph, added later.\n")

    result = newsbot("--index", str(served_index), "index", "verify", articles=articles_copy)

    assert result.exit_code == 1
    assert f"problem: the corpus in {articles_copy} changed since the index was built" in (
        result.stderr
    )
