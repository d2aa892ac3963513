"""The article's headline from what a page says its title is, without the site's name.

Pages put their name after the headline in <title> and often in og:title ("Headline | Site",
"Headline - Site"); trafilatura sometimes takes a site-wide <h1> (the logo) for the title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|::|•|·)\s+")
_SQUASH = re.compile(r"\W+")


def page_titles(tree: Any) -> tuple[str | None, list[str]]:
    """(the <title> text, the page's <h1> texts), read before extraction prunes the tree."""
    title = tree.xpath("string(//title)")
    h1 = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    return (" ".join(title.split()) or None), [h for h in h1 if h]


def headline(
    found: str, site: str | None, url: str | None, html_title: str | None, h1: Iterable[str]
) -> str:
    """`found` (trafilatura's title) as the headline: the site's name dropped from its end,
    and the <title> used instead when `found` is only the site's name."""
    names = _site_names(site, url, html_title)
    if _squash(found) in names and html_title:
        found = html_title
    headings = {_squash(h) for h in h1}
    while True:
        cuts = list(_SEPARATOR.finditer(found))
        if not cuts:
            return found
        head, tail = found[: cuts[-1].start()], found[cuts[-1].end() :]
        # The tail is the site (or one of its sections, when the page's own headline shows
        # the head alone), never words of the headline itself.
        if not (_names_site(tail, names) or _squash(head) in headings):
            return found
        found = head


def _site_names(site: str | None, url: str | None, html_title: str | None) -> set[str]:
    names = set()
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    if host:
        names |= {_squash(host), _squash(host.split(".")[0]), _squash(host.rsplit(".", 1)[0])}
    if site:
        names.add(_squash(site))
    if html_title:
        cuts = list(_SEPARATOR.finditer(html_title))
        if cuts:
            names.add(_squash(html_title[cuts[-1].end() :]))  # "Headline | Site": the last part
    return {n for n in names if n}


def _names_site(tail: str, names: set[str]) -> bool:
    squashed = _squash(tail)
    return bool(squashed) and any(squashed in n or n in squashed for n in names)


def _squash(text: str) -> str:
    return _SQUASH.sub("", text.casefold())
