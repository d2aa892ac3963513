"""`newsbot corpus extract|add|remove` against pages served from loopback (tests/fakes/web.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import cli
from corpus.loader import load_article, load_corpus
from tests.fakes.web import PAGES, FakeWeb, Route

NEWS_DEV = Path(__file__).resolve().parents[3] / "shared" / "eval" / "news-dev"


@pytest.fixture()
def web() -> Iterator[FakeWeb]:
    with FakeWeb() as server:
        server.fixture("/news/harbour-ferry.html", "harbour-ferry.html")
        server.fixture("/news/library-reopens.html", "library-reopens.html")
        server.fixture("/news/radwege.html", "radwege.html")
        server.fixture(
            "/news/metro-line.html",
            "metro-line.html",
            content_type="text/html; charset=windows-1251",
        )
        yield server


def newsbot(articles: Path, *args: str, **env: str) -> Result:
    environment = {"NEWSBOT_CORPUS_DIR": str(articles), "NEWSBOT_FETCH_ALLOW_PRIVATE": "1", **env}
    return CliRunner().invoke(cli, list(args), env=environment, catch_exceptions=False)


def test_extract_prints_one_object_per_input_in_order_and_writes_nothing(web, tmp_path):
    """`corpus extract --jsonl` gives each input's article with its metadata, in input order,
    the furniture of the page left out and its quote and list kept; nothing is written."""
    articles = tmp_path / "articles"
    inputs = [web.url("/news/harbour-ferry.html"), str(PAGES / "radwege.html")]
    result = newsbot(articles, "corpus", "extract", "--jsonl", *inputs)
    assert result.exit_code == 0, result.output
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["url"] == web.url("/news/harbour-ferry.html") and "path" not in first
    assert first["title"] == "Electric ferry cuts harbour crossing to nine minutes"
    assert (first["source"], first["author"], first["date"], first["language"]) == (
        "Coastline Courier",
        "Marta Lindqvist",
        "2025-05-12",
        "en",
    )
    paragraphs = first["paragraphs"]
    assert paragraphs[0].startswith("The harbour's first electric ferry, the Aurora")
    assert any(p.startswith("“We expected curious commuters") for p in paragraphs)
    assert "no shelter from the rain at the fish market stop;" in paragraphs
    assert first["text"] == "\n\n".join(paragraphs)
    for furniture in ("newsletter", "Related articles", "Share on", "Bridge repairs", "©"):
        assert furniture not in first["text"], furniture
    assert second["path"] == inputs[1] and second["language"] == "de"
    assert second["title"] == "Neue Radwege: Stadt baut 30 Kilometer bis 2027"
    assert not articles.exists()


def test_a_russian_page_in_windows_1251_is_extracted_with_its_language(web, tmp_path):
    """A Russian page served in windows-1251 reads as Russian text, its language recorded."""
    result = newsbot(
        tmp_path / "articles", "corpus", "extract", "--json", web.url("/news/metro-line.html")
    )
    assert result.exit_code == 0, result.output
    (article,) = json.loads(result.stdout)
    assert article["title"] == "В Северограде открыли новую линию метро"
    assert article["language"] == "ru" and article["source"] == "Северные вести"
    assert any("двадцать две минуты" in p for p in article["paragraphs"])
    assert not any("Подписывайтесь" in p for p in article["paragraphs"])


def test_add_writes_a_corpus_file_the_loader_reads_and_skips_a_second_copy(web, tmp_path):
    """`corpus add` writes corpus/<slug>.md with the front matter plus source_url and fetched;
    the same URL again, or the same text at another URL, is reported and not written."""
    articles = tmp_path / "articles"
    url = web.url("/news/harbour-ferry.html")
    result = newsbot(articles, "corpus", "add", url, "--source", "The Courier")
    assert result.exit_code == 0, result.output
    written = articles / "electric-ferry-cuts-harbour-crossing-to-nine-minutes.md"
    assert result.stdout.startswith(f"added {written}")
    article = load_article(written)
    assert (article.title, article.source, article.url, article.date, article.language) == (
        "Electric ferry cuts harbour crossing to nine minutes",
        "The Courier",
        url,
        "2025-05-12",
        "en",
    )
    head = written.read_text(encoding="utf-8").split("\n---\n")[0]
    assert f"source_url: {url}" in head and "fetched: '20" in head
    assert article.paragraphs[0].text.startswith("The harbour's first electric ferry")

    again = newsbot(articles, "corpus", "add", url)
    assert again.exit_code == 0
    assert "already in the corpus as electric-ferry-cuts-harbour" in again.stdout
    web.route(
        "/copy/ferry.html",
        Route(
            body=web.routes["/news/harbour-ferry.html"].body.replace(
                b'rel="canonical"', b'rel="x-none"'
            )
        ),
    )
    copy = newsbot(articles, "corpus", "add", web.url("/copy/ferry.html"))
    assert "near-identical text" in copy.stdout, copy.output
    assert sorted(p.name for p in articles.iterdir()) == [written.name]


def test_remove_takes_a_slug_or_a_url(web, tmp_path):
    """`corpus remove` deletes an article by its file name or by its URL; an unknown one is
    named in one line and exits 1."""
    articles = tmp_path / "articles"
    ferry, library = web.url("/news/harbour-ferry.html"), web.url("/news/library-reopens.html")
    assert newsbot(articles, "corpus", "add", ferry, library).exit_code == 0
    by_slug = newsbot(
        articles, "corpus", "remove", "electric-ferry-cuts-harbour-crossing-to-nine-minutes"
    )
    assert by_slug.exit_code == 0 and by_slug.stdout.startswith("removed ")
    by_url = newsbot(articles, "corpus", "remove", library)
    assert by_url.exit_code == 0 and "old-mill-library" in by_url.stdout
    assert list(articles.glob("*.md")) == []
    missing = newsbot(articles, "corpus", "remove", "no-such-article")
    assert missing.exit_code == 1 and "not in the corpus: no-such-article" in missing.stderr


def _bad_inputs(web: FakeWeb) -> dict[str, tuple[str, str]]:
    web.fixture("/", "home.html")
    web.fixture("/gone.html", "not-found.html", status=404)
    web.route("/broken.html", Route(body=b"<html><body>oops</body></html>", status=500))
    web.route(
        "/report.pdf", Route(body=b"%PDF-1.7\n" + b"0" * 2000, content_type="application/pdf")
    )
    web.route("/slow.html", Route(body=b"<html></html>", delay=3))
    web.route(
        "/klingon.html",
        Route(body=bytes(range(128, 256)) * 40, content_type="text/html; charset=x-klingon"),
    )
    web.route("/loop", Route(status=302, headers={"Location": "/loop"}))
    web.route("/to-file", Route(status=301, headers={"Location": "file:///etc/passwd"}))
    return {
        "home page": (web.url("/"), "no article found"),
        "404": (web.url("/gone.html"), "HTTP 404"),
        "500": (web.url("/broken.html"), "HTTP 500"),
        "pdf": (web.url("/report.pdf"), "a PDF, not a web page"),
        "timeout": (web.url("/slow.html"), "timed out after 1s"),
        "unknown encoding": (web.url("/klingon.html"), "unknown text encoding ('x-klingon')"),
        "redirect loop": (web.url("/loop"), "more than 5 redirects"),
        "redirect to a file": (web.url("/to-file"), "only http:// and https:// URLs"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "home page",
        "404",
        "500",
        "pdf",
        "timeout",
        "unknown encoding",
        "redirect loop",
        "redirect to a file",
    ],
)
def test_bad_input_gets_one_clear_line_and_writes_nothing(web, tmp_path, case):
    """A page with no article, an HTTP error, a PDF, a timeout, an unknown encoding or a bad
    redirect: exit 1, one line naming the input and the reason, and corpus/ untouched."""
    articles = tmp_path / "articles"
    articles.mkdir()
    url, reason = _bad_inputs(web)[case]
    result = newsbot(articles, "corpus", "add", url, NEWSBOT_FETCH_TIMEOUT_SECONDS="1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"failed {url}: ") and reason in line, line
    assert list(articles.iterdir()) == []


def test_private_addresses_are_refused_without_the_setting(web, tmp_path):
    """Without NEWSBOT_FETCH_ALLOW_PRIVATE a loopback URL is refused before any request."""
    url = web.url("/news/harbour-ferry.html")
    runner = CliRunner()
    result = runner.invoke(
        cli, ["corpus", "add", url], env={"NEWSBOT_CORPUS_DIR": str(tmp_path / "articles")}
    )
    assert result.exit_code == 1
    assert "refused, 127.0.0.1 is a private or local address" in result.stderr
    assert "NEWSBOT_FETCH_ALLOW_PRIVATE=1" in result.stderr
    assert web.hits == []


def test_a_redirect_is_followed_and_a_gzip_page_read(web, tmp_path):
    """A moved page is fetched at its new address (recorded as source_url), gzip decoded."""
    web.fixture("/news/radwege-gz.html", "radwege.html", compress=True)
    web.route("/old/radwege", Route(status=301, headers={"Location": "/news/radwege-gz.html"}))
    articles = tmp_path / "articles"
    result = newsbot(articles, "corpus", "add", web.url("/old/radwege"))
    assert result.exit_code == 0, result.output
    (written,) = articles.glob("*.md")
    assert f"source_url: {web.url('/news/radwege-gz.html')}" in written.read_text("utf-8")
    assert load_article(written).language == "de"


def test_a_page_over_the_size_cap_is_refused(web, tmp_path):
    """A page larger than NEWSBOT_FETCH_MAX_BYTES is not read to its end."""
    result = newsbot(
        tmp_path / "articles",
        "corpus",
        "add",
        web.url("/news/harbour-ferry.html"),
        NEWSBOT_FETCH_MAX_BYTES="2048",
    )
    assert result.exit_code == 1 and "too big" in result.stderr


@pytest.mark.skipif(not NEWS_DEV.is_dir(), reason="../shared/eval/news-dev is absent")
def test_news_dev_pages_are_added_with_their_metadata(tmp_path):
    """The raw news-dev pages become corpus files whose titles, URLs and dates agree with the
    given markdown's front matter, and whose paragraphs are the article's."""
    articles = tmp_path / "articles"
    pages = sorted((NEWS_DEV / "html").glob("*.html"))
    result = newsbot(articles, "corpus", "add", *map(str, pages))
    assert result.exit_code == 0, result.output
    given = {a.url: a for a in load_corpus(NEWS_DEV / "corpus")[0]}
    ours = {a.url: a for a in load_corpus(articles)[0]}
    assert set(ours) == set(given)
    titles = sum(ours[u].title == given[u].title for u in given)
    dates = sum(ours[u].date == given[u].date for u in given if given[u].date)
    assert titles >= 11 and dates >= 10, (titles, dates)
    for url, article in given.items():
        found = {p.text for p in ours[url].paragraphs}
        share = sum(p.text in found for p in article.paragraphs) / len(article.paragraphs)
        assert share >= 0.6, (url, share)


def test_several_inputs_load_the_extractor_once(web, tmp_path, monkeypatch):
    """`corpus extract` over several inputs builds one extractor for all of them."""
    import corpus.extract

    made = []
    original = corpus.extract.Extractor.__init__

    def counting(self, *args, **kwargs):
        made.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(corpus.extract.Extractor, "__init__", counting)
    urls = [web.url("/news/harbour-ferry.html"), web.url("/news/library-reopens.html")]
    result = newsbot(
        tmp_path / "articles", "corpus", "extract", "--jsonl", *urls, str(PAGES / "radwege.html")
    )
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3
    assert len(made) == 1


def test_the_address_actually_connected_to_is_checked(web, monkeypatch):
    """A name that looked public when checked but connects to loopback (DNS rebinding) is
    refused once connected, before its body is read."""
    from corpus.errors import FetchError
    from corpus.fetch import Fetcher, FetchPolicy

    monkeypatch.setattr(Fetcher, "_check_url", lambda self, url: None)  # "it resolved public"
    with Fetcher(FetchPolicy()) as fetcher, pytest.raises(FetchError, match="private or local"):
        fetcher.get(web.url("/news/harbour-ferry.html"))
