"""Web pages dropped into corpus/ are indexed: extracted at build, cached by content hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import corpus.extract
from index.builder import build_index
from index.store import Manifest
from tests.fakes.web import PAGES

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "seed"


def test_html_files_in_the_corpus_are_extracted_at_build_and_cached(
    tmp_path, embedder, monkeypatch
):
    """`.html`/`.htm` files beside the markdown become articles (id = file name, metadata from
    the page); the extraction is cached under var/, so a rebuild extracts nothing again; a page
    without an article is skipped by name while the rest builds."""
    corpus_dir = tmp_path / "articles"
    shutil.copytree(SEED, corpus_dir)
    shutil.copy(PAGES / "radwege.html", corpus_dir / "radwege.html")
    shutil.copy(PAGES / "metro-line.html", corpus_dir / "metro.htm")
    shutil.copy(PAGES / "home.html", corpus_dir / "front-page.html")
    report = build_index(corpus_dir, tmp_path / "index", embedder)
    meta = {a["id"]: a for a in Manifest.read(tmp_path / "index").articles}
    assert meta["radwege"]["title"] == "Neue Radwege: Stadt baut 30 Kilometer bis 2027"
    assert (meta["radwege"]["language"], meta["metro"]["language"]) == ("de", "ru")
    assert meta["radwege"]["date"] == "2025-03-18" and meta["radwege"]["passages"] >= 5
    assert "front-page" not in meta
    (skipped,) = report.skipped
    assert "front-page.html" in str(skipped) and "no article found" in str(skipped)
    cache = tmp_path / "var" / "extracted"
    assert len(list(cache.glob("*.md"))) == 2
    assert not list(corpus_dir.glob(".*"))  # nothing of the cache inside corpus/

    def no_extraction(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged page was extracted again")

    monkeypatch.setattr(corpus.extract.Extractor, "extract", no_extraction)
    (corpus_dir / "front-page.html").unlink()
    again = build_index(corpus_dir, tmp_path / "index", embedder)
    assert again.embedded == 0 and len(again.manifest.articles) == len(meta)
