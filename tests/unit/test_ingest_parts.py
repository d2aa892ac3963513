"""The pure parts of adding news: address checks, decoding, slugs, URL identity, furniture."""

from __future__ import annotations

import socket

import pytest

from corpus.decode import decode_html
from corpus.errors import ExtractionError, FetchError
from corpus.fetch import Fetcher, FetchPolicy
from corpus.furniture import Block, clean_blocks
from corpus.library import url_key
from corpus.titles import headline
from corpus.writer import slugify


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.2.3.4",
        "192.168.1.10",
        "172.16.0.5",
        "169.254.169.254",
        "::1",
        "::ffff:10.0.0.1",
        "100.64.0.1",
        "0.0.0.0",
    ],
)
def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch, address):
    """Whatever a host name is, the address it resolves to decides: private ones are refused."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(family, socket.SOCK_STREAM, 6, "", (address, 80))]
    )
    with Fetcher(FetchPolicy()) as fetcher, pytest.raises(FetchError, match="private or local"):
        fetcher.get("http://news.example.test/story.html")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a", "gopher://x/"])
def test_only_http_urls_are_fetched(url):
    """Other schemes are refused before anything is opened."""
    with (
        Fetcher(FetchPolicy(allow_private=True)) as fetcher,
        pytest.raises(FetchError, match="only http"),
    ):
        fetcher.get(url)


def test_decoding_follows_the_declaration_and_the_bytes():
    """A declared charset is used; UTF-8 is read without one; an unknown declared charset on
    bytes that are not UTF-8 is an error, not mojibake."""
    text = "Новая линия метро"
    assert decode_html(text.encode("cp1251"), "windows-1251") == text
    assert decode_html(f'<meta charset="koi8-r">{text}'.encode("koi8-r")).endswith(text)
    assert decode_html("Straße".encode()) == "Straße"
    with pytest.raises(ExtractionError, match="unknown text encoding"):
        decode_html(bytes(range(128, 256)) * 10, "x-klingon")


def test_slugs_are_ascii_words_from_the_headline():
    """Latin, German and Russian headlines give readable, bounded ASCII file names."""
    assert slugify("Prison guards charged in connection with Epstein's death") == (
        "prison-guards-charged-in-connection-with-epsteins-death"
    )
    assert slugify("Züge fallen aus – Streik") == "zuge-fallen-aus-streik"
    assert slugify("Новая линия метро") == "novaya-liniya-metro"
    assert len(slugify("word " * 40)) <= 60 and slugify("???") == "article"


def test_url_identity_ignores_what_does_not_name_another_page():
    """Scheme, www., tracking parameters, fragments and a trailing slash do not matter."""
    assert url_key("https://www.example.org/a/b/?utm_source=x&id=3#top") == url_key(
        "http://example.org/a/b?id=3"
    )
    assert url_key("https://example.org/a?id=3") != url_key("https://example.org/a?id=4")


def test_the_sites_name_is_dropped_from_the_headline():
    """'Headline | Site' and 'Headline - Site' lose the site; a dash inside a headline stays."""
    assert headline(
        "Ferry cuts crossing | Coastline Courier", "Coastline Courier", None, None, []
    ) == ("Ferry cuts crossing")
    assert headline(
        "Review - shoots for the moon", "VG247", "https://www.vg247.com/x", None, []
    ) == ("Review - shoots for the moon")
    assert headline("Entermedia", "Entermedia", None, "A real headline - Entermedia", []) == (
        "A real headline"
    )


def test_furniture_is_dropped_and_the_article_kept():
    """The repeated headline, a teaser link, a call to subscribe go; prose with links stays."""
    blocks = [
        Block("Ferry cuts crossing", "head", 0.0),
        Block("The ferry entered service on Monday and carried many passengers.", "p", 0.1),
        Block("Bridge repairs to close the coast road", "p", 1.0),
        Block("Sign up for our morning newsletter.", "p", 0.0),
        Block("http://amzn.to/abc", "p", 1.0),
    ]
    kept = [b.text for b in clean_blocks(blocks, "Ferry cuts crossing")]
    assert kept == [blocks[1].text, "http://amzn.to/abc"]


PAGE = """<html lang="en"><head><title>Tram line opens - Example Post</title>
<meta property="og:site_name" content="Example Post"></head><body><article>
<h1>Tram line opens</h1>
<p>The new tram line, built by
<a href="/company">Northern Rail Works</a>
for 300 million euros, opened on Friday and carried 20,000 riders on its first day.</p>
<p>Departures:<br>06:00 from the harbour<br>06:10 from the old town<br>06:20 from the airport</p>
<p>Officials said the line would cut the average commute across the river by a quarter, and that two
more stations would open next spring once the bridge works are finished.</p>
</article></body></html>"""


def test_paragraphs_are_the_pages_blocks_and_line_breaks_end_them():
    """A paragraph whose source is wrapped over lines and holds a link stays one paragraph;
    lines separated by <br> are paragraphs of their own; the headline is not repeated."""
    from corpus.extract import Extractor

    article = Extractor().extract(PAGE, "https://example.org/news/tram.html")
    assert article.title == "Tram line opens" and article.source == "Example Post"
    assert article.paragraphs[0].startswith(
        "The new tram line, built by Northern Rail Works for 300"
    )
    assert "06:10 from the old town" in article.paragraphs
    assert not any(p == "Tram line opens" for p in article.paragraphs)
