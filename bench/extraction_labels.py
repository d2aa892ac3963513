"""Title and date labels of ../shared/eval/extraction-dev/ (derived once, then hand-checked).

The benchmark gives only article bodies. A page's title is right when it is one of the titles the
page itself states: its `og:title`, its `<title>` without the site's name, its first non-empty
`<h1>` (unless that is the site's name), or its JSON-LD `headline`, each with a trailing
" | Site" / " - Site" removed. A page's date is right when it is one of the publication dates
it states: `article:published_time` (or `datePublished`, `pubdate`, `sailthru.date`) meta
tags, JSON-LD `datePublished`, a date in its URL; a `<time datetime>` only where none of those
exists. Dates are taken as written (the date part, no time-zone conversion).

Every page's labels were then read by hand against the page; HAND_CHECKED records what that
changed and why. Run: .venv/bin/python bench/extraction_labels.py  (writes bench/data/).
(Needs lxml, which trafilatura brings.) The extractor is never consulted here, so the labels
cannot follow what it outputs.
"""

from __future__ import annotations

import gzip
import html as htmlmod
import json
import re
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "eval" / "extraction-dev"
OUT = ROOT / "bench" / "data" / "extraction_labels.json"
_MONTH_NAMES = "jan feb mar apr may jun jul aug sep oct nov dec"
MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES.split(), 1)}  # noqa: SIM905
SEPARATORS = re.compile(r"\s+(?:\||-|–|—)\s+")
PUBLISHED = (
    "article:published_time",
    "datePublished",
    "article:published",
    "pubdate",
    "sailthru.date",
)

# Reading the derived labels of every page by hand: what the rules above got wrong, and why.
HAND_CHECKED = {
    "9da36ae4": {"drop_titles": ["엔터 미디어"], "why": "the h1 is the site's name (Entermedia)"},
    "4219d096": {
        "drop_dates": ["2019-09-17"],
        "why": "a JSON-LD datePublished of another item on the page; the post is of 2017-12-06",
    },
}


def meta(tree, key):
    for value in tree.xpath(
        f'//meta[@property="{key}" or @name="{key}" or @itemprop="{key}"]/@content'
    ):
        if value.strip():
            return " ".join(value.split())
    return None


def site_names(tree, url):
    host = re.sub(r"^www\d?\.", "", url.split("/")[2]).lower()
    names = {host, host.split(".")[0]}
    site = meta(tree, "og:site_name")
    if site:
        names.add(site.lower())
    return names


def strip_site(title, names):
    """Drop trailing " | Site" segments: the site's name, or a short label (section, brand)."""
    while True:
        cuts = list(SEPARATORS.finditer(title))
        if not cuts:
            return title
        last = title[cuts[-1].end() :]
        squashed = re.sub(r"\W", "", last.lower())
        named = any(
            squashed and (squashed in re.sub(r"\W", "", n) or re.sub(r"\W", "", n) in squashed)
            for n in names
        )
        if not (named or len(last.split()) <= 3):
            return title
        title = title[: cuts[-1].start()]


def titles(tree, page, url):
    names = site_names(tree, url)
    found = []
    og = meta(tree, "og:title")
    title = tree.xpath("//title/text()")
    h1 = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    h1 = [h for h in h1 if h][:1]
    ld = [
        htmlmod.unescape(json.loads(f'"{m}"'))
        for m in re.findall(r'"headline"\s*:\s*"((?:[^"\\]|\\.)*)"', page)
    ][:1]
    for candidate in [og, " ".join(title[0].split()) if title else None, *h1, *ld]:
        if candidate:
            candidate = strip_site(htmlmod.unescape(candidate), names)
            if candidate.lower() not in names and candidate not in found:
                found.append(candidate)
    return found


def parse_date(text):
    if not text:
        return None
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m and m.group(1) != "0001":
        return "-".join(m.groups())
    m = re.search(r"([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})", text)
    if m and m.group(1).lower() in MONTHS:
        return f"{int(m.group(3)):04d}-{MONTHS[m.group(1).lower()]:02d}-{int(m.group(2)):02d}"
    return None


def dates(tree, page, url):
    found = []
    for key in PUBLISHED:
        found.append(parse_date(meta(tree, key)))
    found += [parse_date(d) for d in re.findall(r'"datePublished"\s*:\s*"([^"]*)"', page)]
    m = re.search(r"/(20\d\d)[/-](\d{1,2})[/-](\d{1,2})/", url)  # /2019/11/19/, /2019-11-19/
    if m:
        found.append(f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
    found = [d for d in dict.fromkeys(found) if d]
    if not found:
        found = [
            d for d in dict.fromkeys(parse_date(t) for t in tree.xpath("//time/@datetime")) if d
        ][:1]
    return found


def main():
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    labels = {}
    for key in sorted(truth):
        page = gzip.decompress((DATA / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8")
        tree = lxml.html.fromstring(page)
        url = truth[key]["url"]
        label = {"titles": titles(tree, page, url), "dates": dates(tree, page, url)}
        for prefix, fix in HAND_CHECKED.items():
            if key.startswith(prefix):
                label["titles"] = [
                    t for t in label["titles"] if t not in fix.get("drop_titles", [])
                ]
                label["dates"] = [d for d in label["dates"] if d not in fix.get("drop_dates", [])]
                label["hand_checked"] = fix["why"]
        labels[key] = label
    OUT.write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(labels)} pages -> {OUT}")


if __name__ == "__main__":
    main()
