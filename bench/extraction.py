"""Article extraction: the product (corpus/extract.py) beside plain trafilatura, in one run.

    .venv/bin/python bench/extraction.py [--pages N] [--news-dev] [--show N]

On ../shared/eval/extraction-dev/ (60 real pages with hand-made article bodies): the
article-extraction-benchmark's metric (4-gram shingles of \\w+ tokens; true and false positives
and negatives per page, normalised by their sum; precision and recall averaged over pages; F1
of the two averages), for all pages and for each half of a fixed split (a page's half is the
parity of the sha256 of its id), so that a change that helps only the pages it was looked at
on shows up; title accuracy and date accuracy against bench/data/extraction_labels.json (how
those labels were made: bench/extraction_labels.py); language; seconds per page.

With --news-dev it also builds a corpus from ../shared/eval/news-dev/html/ through
`newsbot corpus add` (`build_html_corpus`, reusable by other benchmarks) and compares its
paragraphs with the given markdown corpus. Writes bench/results/extraction.json.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "eval"
PAGES = SHARED / "extraction-dev"
NEWS_DEV = SHARED / "news-dev"
LABELS = ROOT / "bench" / "data" / "extraction_labels.json"
RESULTS = ROOT / "bench" / "results"
TOKEN = re.compile(r"\w+")
SHINGLE = 4


# ---------------------------------------------------------------- the benchmark's metric


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = TOKEN.findall(text)
    return Counter(tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1))


def match(true: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised by their sum (every page weighs the same)."""
    a, b = shingles(true), shingles(predicted)
    tp = sum((a & b).values())
    fp = sum((b - a).values())
    fn = sum((a - b).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def scores(matches: list[tuple[float, float, float]]) -> dict[str, float]:
    p = statistics.mean(precision(*m) for m in matches)
    r = statistics.mean(recall(*m) for m in matches)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


# ---------------------------------------------------------------- titles and dates


def same_title(found: str | None, accepted: list[str]) -> bool:
    return found is not None and _norm(found) in {_norm(t) for t in accepted}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[‘’`´]", "'", re.sub(r"[“”«»]", '"', text))
    return " ".join(re.sub(r"[–—]", "-", text).split())


# ---------------------------------------------------------------- extractors


def plain_trafilatura() -> Callable[[str, str], dict[str, Any]]:
    """trafilatura.extract with its default settings: the floor the product must beat.

    Timed is the extract() call alone; its title and date are read afterwards, untimed, with
    trafilatura's own metadata extraction (the same defaults).
    """
    import trafilatura

    def run(html: str, url: str) -> dict[str, Any]:
        started = time.perf_counter()
        text = trafilatura.extract(html, url=url) or ""
        seconds = time.perf_counter() - started
        meta = trafilatura.extract_metadata(html, default_url=url)
        return {"text": text, "title": meta.title, "date": meta.date, "seconds": seconds}

    return run


def product(**off: bool) -> Callable[[str, str], dict[str, Any]]:
    """The product's extractor; `off` switches stages off (corpus.extract.Stages)."""
    from corpus.errors import ExtractionError
    from corpus.extract import Extractor, Stages

    extractor = Extractor(Stages(**{name: False for name in off}))

    def run(html: str, url: str) -> dict[str, Any]:
        try:
            article = extractor.extract(html, url)
        except ExtractionError:
            return {"text": "", "title": None, "date": None, "language": None}
        return {
            "text": article.text,
            "title": article.title,
            "date": article.date,
            "language": article.language,
        }

    return run


def half_of(page_id: str) -> int:
    return int(hashlib.sha256(page_id.encode()).hexdigest(), 16) % 2


def measure(name: str, run: Callable[[str, str], dict[str, Any]], pages: dict) -> dict:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    rows = {}
    for page_id, (html, truth, url) in pages.items():
        t = time.perf_counter()
        out = run(html, url)
        seconds = out.get("seconds") or time.perf_counter() - t
        label = labels[page_id]
        rows[page_id] = {
            "match": match(truth, out["text"] or ""),
            "title_ok": same_title(out["title"], label["titles"]),
            "date_ok": (out["date"] or "")[:10] in label["dates"] if label["dates"] else None,
            "language": out.get("language"),
            "seconds": seconds,
            "title": out["title"],
            "date": out["date"],
        }
    total = sum(r["seconds"] for r in rows.values())
    dated = [r["date_ok"] for r in rows.values() if r["date_ok"] is not None]
    result = {
        "name": name,
        "pages": len(rows),
        **scores([r["match"] for r in rows.values()]),
        "halves": [
            scores([r["match"] for k, r in rows.items() if half_of(k) == h])["f1"] for h in (0, 1)
        ],
        "title_accuracy": sum(r["title_ok"] for r in rows.values()) / len(rows),
        "date_accuracy": sum(dated) / len(dated) if dated else None,
        "dated_pages": len(dated),
        "ms_per_page": 1000 * total / len(rows),
        "rows": rows,
    }
    return result


def load_pages(limit: int | None) -> dict[str, tuple[str, str, str]]:
    truth = json.loads((PAGES / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:limit] if limit else sorted(truth)
    return {
        i: (
            gzip.decompress((PAGES / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8"),
            truth[i]["articleBody"],
            truth[i]["url"],
        )
        for i in ids
    }


def print_table(results: list[dict]) -> None:
    print(
        f"{'extractor':<22} {'P':>6} {'R':>6} {'F1':>6} {'F1 h0':>6} {'F1 h1':>6} "
        f"{'title':>6} {'date':>6} {'ms/page':>8}"
    )
    for r in results:
        date = f"{r['date_accuracy']:.3f}" if r["date_accuracy"] is not None else "-"
        print(
            f"{r['name']:<26} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} "
            f"{r['halves'][0]:6.3f} {r['halves'][1]:6.3f} {r['title_accuracy']:6.3f} "
            f"{date:>6} {r['ms_per_page']:8.1f}"
        )


def show_misses(result: dict, count: int) -> None:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    rows = result["rows"]
    worst = sorted(rows, key=lambda k: precision(*rows[k]["match"]) + recall(*rows[k]["match"]))
    for k in worst[:count]:
        m = rows[k]["match"]
        print(f"  {k[:10]} P {precision(*m):.3f} R {recall(*m):.3f}")
    for k, r in rows.items():
        if not r["title_ok"]:
            print(f"  title {k[:10]}: {r['title']!r} not in {labels[k]['titles']}")
        if r["date_ok"] is False:
            print(f"  date  {k[:10]}: {r['date']!r} not in {labels[k]['dates']}")


# ---------------------------------------------------------------- news-dev from raw HTML


def build_html_corpus(html_dir: Path, corpus_dir: Path, source_of: dict[str, str] | None = None):
    """Add every page of `html_dir` to `corpus_dir` with `newsbot corpus add`, as a maintainer
    would; returns {page file stem: written corpus file} (None where nothing was written).

    `source_of` maps a page's stem to a publisher name (`--source`); the lead's quality
    benchmark calls this to answer the same questions over extracted articles.
    """
    from click.testing import CliRunner

    from bot.cli import cli

    corpus_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path | None] = {}
    runner = CliRunner()
    for page in sorted(html_dir.glob("*.html")):
        args = ["--corpus", str(corpus_dir), "corpus", "add", str(page), "--json"]
        if source_of and page.stem in source_of:
            args += ["--source", source_of[page.stem]]
        result = runner.invoke(cli, args, catch_exceptions=False)
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        path = lines[0].get("written") if lines else None
        written[page.stem] = Path(path) if path else None
    return written


def paragraph_agreement(ours: Path, given: Path) -> dict[str, float]:
    """How the extracted corpus's paragraphs agree with the given markdown, over all articles:
    the share of given paragraphs found as one extracted paragraph (exact after whitespace),
    the share of extracted paragraphs that are given ones, and the body's shingle F1."""
    from corpus.loader import load_article

    found = exact = extra_total = extra_ok = 0
    matches = []
    for given_file in sorted(given.glob("*.md")):
        mine_file = ours / given_file.name
        truth = [p.text for p in load_article(given_file).paragraphs]
        mine = [p.text for p in load_article(mine_file).paragraphs] if mine_file.exists() else []
        found += len(truth)
        exact += sum(p in set(mine) for p in truth)
        extra_total += len(mine)
        extra_ok += sum(p in set(truth) for p in mine)
        matches.append(match("\n".join(truth), "\n".join(mine)))
    return {
        "given_paragraphs": found,
        "given_found_exactly": exact / found if found else 0.0,
        "extracted_paragraphs": extra_total,
        "extracted_that_are_given": extra_ok / extra_total if extra_total else 0.0,
        **{f"body_{k}": v for k, v in scores(matches).items()},
    }


def news_dev(out: Path) -> dict:
    import tempfile

    sources = {}
    for given in (NEWS_DEV / "corpus").glob("*.md"):
        head = given.read_text(encoding="utf-8").split("\n---\n", 1)[0]
        found = re.search(r"^source: (.+)$", head, re.MULTILINE)
        if found:
            sources[given.stem] = found.group(1).strip()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        written = build_html_corpus(NEWS_DEV / "html", corpus, sources)
        # The extracted files are named from the page titles; line them up with the given ones.
        aligned = Path(tmp) / "aligned"
        aligned.mkdir()
        for stem, path in written.items():
            if path is not None:
                (aligned / f"{stem}.md").write_text(path.read_text(encoding="utf-8"), "utf-8")
        agreement = paragraph_agreement(aligned, NEWS_DEV / "corpus")
        agreement["written"] = sum(p is not None for p in written.values())
        agreement["same_slug"] = sum(p is not None and p.stem == s for s, p in written.items())
        if out:
            out.mkdir(parents=True, exist_ok=True)
            for f in aligned.glob("*.md"):
                (out / f.name).write_text(f.read_text(encoding="utf-8"), "utf-8")
    return agreement


def answer_quality(corpora: dict[str, Path], work: Path) -> dict[str, dict[str, Any]]:
    """`newsbot index build` and `newsbot eval --json` on the news-dev questions, per corpus.

    questions.jsonl marks unanswerable questions by empty answer_substrings; `newsbot eval`
    reads `answerable`, so a copy with that field set is evaluated.
    """
    import subprocess

    questions = work / "questions.jsonl"
    with questions.open("w", encoding="utf-8") as out:
        for line in (NEWS_DEV / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                item["answerable"] = bool(item["answer_substrings"])
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
    newsbot = str(Path(sys.executable).with_name("newsbot"))
    found = {}
    for name, corpus in corpora.items():
        index = work / f"index-{name}"
        common = [newsbot, "--corpus", str(corpus), "--index", str(index)]
        subprocess.run([*common, "index", "build"], check=True, capture_output=True)  # noqa: S603
        done = subprocess.run(  # noqa: S603
            [*common, "eval", str(questions), "--json"], check=True, capture_output=True, text=True
        )
        found[name] = json.loads(done.stdout)["overall"]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, help="only the first N pages (by id)")
    parser.add_argument("--show", type=int, default=0, help="list the N worst pages and misses")
    parser.add_argument("--news-dev", action="store_true", help="also build news-dev from HTML")
    parser.add_argument(
        "--ablate", action="store_true", help="also the product with each stage switched off"
    )
    parser.add_argument(
        "--news-dev-out", type=Path, help="keep the extracted news-dev corpus in this folder"
    )
    parser.add_argument(
        "--news-dev-eval",
        action="store_true",
        help="with --news-dev: answer the news-dev questions over both corpora (builds 2 indexes)",
    )
    args = parser.parse_args()
    if not PAGES.is_dir():
        sys.exit(f"no extraction-dev pages at {PAGES} (../shared is absent)")
    pages = load_pages(args.pages)
    results = [measure("trafilatura (default)", plain_trafilatura(), pages)]
    results.append(measure("newsbot extract", product(), pages))
    if args.ablate:
        for stage in ("precision_first", "continuations", "furniture"):
            results.append(measure(f"  without {stage}", product(**{stage: True}), pages))
    print(f"{len(pages)} pages of {PAGES}; body: benchmark metric; halves by sha256(id) parity")
    print_table(results)
    languages = Counter(r["language"] for r in results[1]["rows"].values())
    print("languages recorded:", dict(languages.most_common()))
    if args.show:
        show_misses(results[1], args.show)
    report = {"extraction": [{k: v for k, v in r.items() if k != "rows"} for r in results]}
    if args.news_dev:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            extracted = args.news_dev_out or Path(tmp) / "extracted"
            report["news_dev"] = news_dev(extracted)
            print("news-dev from raw HTML vs the given markdown:", json.dumps(report["news_dev"]))
            if args.news_dev_eval:
                corpora = {"markdown": NEWS_DEV / "corpus", "from-html": extracted}
                quality = answer_quality(corpora, Path(tmp))
                report["news_dev_answers"] = quality
                keys = ("recall@1", "recall@3", "answer_hit", "abstention_accuracy")
                for name, overall in quality.items():
                    print(f"  newsbot eval, {name:<9}", {k: overall.get(k) for k in keys})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "extraction.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
