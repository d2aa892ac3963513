"""Speaker attribution against hand-labelled sentences: precision, recall and wrong names.

    .venv/bin/python bench/speakers.py            # every labelled set, then overall
    .venv/bin/python bench/speakers.py --errors   # also each miss and each wrong name
    .venv/bin/python bench/speakers.py --impl /tmp/old/speakers.py   # another implementation

Sets: `fixtures` (tests/fixtures/speakers.jsonl over tests/fixtures/articles), `news-dev` (the
labels of tests/fixtures/news_dev_speakers.jsonl over ../shared/eval/news-dev, which they point
into by paragraph and character offset; skipped when ../shared is absent) and `legacy` (the seed
article and tests/data/speakers, labels in tests/data/speakers/labels.jsonl).

A label marks one speech sentence by a span inside it; sentences without a label are narration;
an `ambiguous` label is left out of both figures. Matching is by characters, not by sentence
number, so it does not depend on how index/sentences.py cuts a paragraph:
- recall: a label counts when the system sentence covering most of its span names its speaker;
- precision: each system sentence given a speaker is judged by the labelled sentences it
  overlaps (sentences as a reference splitter cuts them, which never splits after a quoted
  question like '"Why?" she asked'); over narration it is a wrong name.
A name matches when equal to the label or one of its `also` names, ignoring case, quote marks,
a leading article and the apostrophe's shape, or when it is the label with an owner before it
("Acme's Ministry of Health" for "Ministry of Health") or more words around it (the label
"пресс-служба губернатора" for "пресс-служба губернатора области"). A name made only of
some of the label's words ("Pettit" for "Graham Pettit", "the ministry" for "Ministry of
Health") is `partial`: neither correct nor counted as a wrong name.
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpus.loader import load_article, normalise_space  # noqa: E402
from index.sentences import split_sentences  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
LEGACY = ROOT / "tests" / "data" / "speakers"
NEWS_DEV = ROOT.parent / "shared" / "eval" / "news-dev"
NEWS_DEV_LABELS = FIXTURES / "news_dev_speakers.jsonl"
TARGETS = {"precision": 0.95, "recall": 0.85}

Attribute = Callable[..., list[list[object]]]


@dataclass(frozen=True)
class Label:
    paragraph: int  # index into the article's paragraphs (as the loader keeps them)
    start: int  # a span inside the labelled sentence
    end: int
    speaker: str | None
    names: tuple[str, ...] = ()  # the speaker and the label's other accepted names
    ambiguous: bool = False


@dataclass(frozen=True)
class LabelledArticle:
    slug: str
    language: str
    paragraphs: tuple[str, ...]
    labels: tuple[Label, ...]


@dataclass
class Score:
    labelled: int = 0  # speech sentences (ambiguous ones left out)
    found: int = 0  # ... attributed to the right speaker
    attributed: int = 0  # system sentences given a speaker, over judged text
    correct: int = 0
    partial: int = 0
    wrong: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.attributed if self.attributed else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    def add(self, other: Score) -> None:
        for name in ("labelled", "found", "attributed", "correct", "partial", "wrong"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


# --- loading the labelled sets ---------------------------------------------------------


def _jsonl(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _names(row: dict) -> tuple[str, ...]:
    return tuple([row["speaker"], *row.get("also", [])]) if row.get("speaker") else ()


def _by_substring(slug: str, paragraphs: Sequence[str], rows: Iterable[dict]) -> list[Label]:
    """Labels given as a verbatim substring of the sentence, unique in the article."""
    labels = []
    for row in rows:
        part = normalise_space(row["sentence"])
        where = [(i, p.find(part)) for i, p in enumerate(paragraphs) if part in p]
        if len(where) != 1:
            raise ValueError(f"{slug}: {part[:50]!r} found {len(where)} times")
        number, start = where[0]
        labels.append(
            Label(
                number,
                start,
                start + len(part),
                row.get("speaker"),
                _names(row),
                bool(row.get("ambiguous")),
            )
        )
    return labels


def _grouped(rows: Iterable[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["article"], []).append(row)
    return groups


def fixture_set() -> list[LabelledArticle]:
    """The teammates' fixture articles, every reported sentence labelled."""
    groups = _grouped(_jsonl(FIXTURES / "speakers.jsonl"))
    articles = []
    for path in sorted((FIXTURES / "articles").glob("*.md")):
        article = load_article(path)
        texts = tuple(p.text for p in article.paragraphs)
        labels = _by_substring(article.id, texts, groups.get(article.id, []))
        articles.append(LabelledArticle(article.id, article.language, texts, tuple(labels)))
    return articles


def legacy_set() -> list[LabelledArticle]:
    """The seed article and the two older test articles (plain text, blank-line paragraphs)."""
    groups = _grouped(_jsonl(LEGACY / "labels.jsonl"))
    articles = []
    for slug, rows in groups.items():
        seed = FIXTURES / "seed" / f"{slug}.md"
        if seed.exists():
            texts = tuple(p.text for p in load_article(seed).paragraphs)
        else:
            raw = (LEGACY / f"{slug}.txt").read_text(encoding="utf-8")
            texts = tuple(normalise_space(b) for b in raw.split("\n\n") if b.strip())
        labels = _by_substring(slug, texts, rows)
        articles.append(LabelledArticle(slug, "en", texts, tuple(labels)))
    return articles


def news_dev_set(root: Path = NEWS_DEV) -> list[LabelledArticle] | None:
    """The 12 news-dev articles with our labels, or None when ../shared is not there.

    Labels point at a block of the article body (blank-line separated, as paragraphs.json
    lists them) and a character span in it; the loader drops furniture blocks, so a block
    is found among the loaded paragraphs by its text."""
    if not (root / "corpus").is_dir():
        return None
    groups = _grouped(_jsonl(NEWS_DEV_LABELS))
    articles = []
    for path in sorted((root / "corpus").glob("*.md")):
        article = load_article(path)
        texts = tuple(p.text for p in article.paragraphs)
        blocks = news_dev_blocks(path)
        labels = []
        for row in groups.get(article.id, []):
            block = blocks[row["paragraph"]]
            if block not in texts:
                raise ValueError(f"{article.id}: labelled block {row['paragraph']} was dropped")
            labels.append(
                Label(
                    texts.index(block),
                    row["start"],
                    row["end"],
                    row.get("speaker"),
                    _names(row),
                    bool(row.get("ambiguous")),
                )
            )
        articles.append(LabelledArticle(article.id, article.language, texts, tuple(labels)))
    return articles


def news_dev_blocks(path: Path) -> list[str]:
    """The blocks of a news-dev article's body, as paragraphs.json lists them."""
    body = path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [normalise_space(b) for b in re.split(r"\n\s*\n", body) if b.strip()]


def labelled_sets() -> dict[str, list[LabelledArticle]]:
    sets = {"fixtures": fixture_set(), "legacy": legacy_set()}
    news_dev = news_dev_set()
    if news_dev is not None:
        sets["news-dev"] = news_dev
    return sets


# --- matching --------------------------------------------------------------------------

_QUOTE_MARKS = re.compile(r"[«»„“”\"]")
_ARTICLE = re.compile(r"^(?:the|a|an)\s+")


def _norm(name: str) -> str:
    text = _QUOTE_MARKS.sub("", name.replace("’", "'")).casefold()
    return _ARTICLE.sub("", normalise_space(text))


def _unpossessed(name: str) -> str:
    """ "marenia's ministry of health" -> "ministry of health": the owner is not the name."""
    return re.sub(r"^\S+'s? ", "", name)


def judge(system: str, label: Label) -> str:
    """'correct', 'partial' or 'wrong' for a system name against a label."""
    mine = _norm(system)
    accepted = [_norm(n) for n in label.names]
    if mine in accepted or any(f" {a} " in f" {_unpossessed(mine)} " for a in accepted):
        return "correct"
    words = set(mine.split())
    if words and any(words < set(a.split()) for a in accepted):
        return "partial"
    return "wrong"


# The reference splitter: a period, ? or ! (and closing quotes) before a capital starts a
# sentence, except after an abbreviation or an initial, and never after a quoted question.
_END = re.compile(r"[.!?…]+[”\"’'»)\]]*\s+(?=[“\"‘'«(\[]?[\w$£€])")
_ABBREVIATIONS = frozenset(
    re.findall(
        r"\S+",
        "mr mrs ms dr prof sen rep gov gen lt col maj capt sgt st jr sr inc co corp ltd no vs "
        "jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n a.m p.m",
    )
)


def reference_sentences(text: str) -> list[tuple[int, int]]:
    bounds = [0]
    for match in _END.finditer(text):
        before = re.search(r"[\w.]+$", text[: match.start() + 1])
        word = before.group().rstrip(".").casefold() if before else ""
        quoted_question = re.match(r"[?!]+[”\"’']", match.group())
        nxt = text[match.end() :].lstrip("“\"‘'«([")
        abbreviated = word in _ABBREVIATIONS or len(word) == 1
        number = nxt[:1].isdigit() and not quoted_question and word not in _ABBREVIATIONS
        if (abbreviated or quoted_question or not nxt[:1].isupper()) and not number:
            continue
        bounds.append(match.end())
    bounds.append(len(text))
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


# --- scoring ---------------------------------------------------------------------------


def _call(attribute: Attribute, paragraphs: Sequence[str], language: str) -> list[list[object]]:
    if "language" in inspect.signature(attribute).parameters:
        return attribute(list(paragraphs), language=language)
    return attribute(list(paragraphs))


def score_article(article: LabelledArticle, attribute: Attribute) -> Score:
    result = _call(attribute, article.paragraphs, article.language)
    score = Score()
    for number, (text, speakers) in enumerate(zip(article.paragraphs, result, strict=True)):
        spans = split_sentences(text)
        labels = [lab for lab in article.labels if lab.paragraph == number]
        names = [getattr(s, "name", None) for s in speakers]
        where = f"{article.slug}[{number}]"
        for label in labels:
            if label.ambiguous:
                continue
            score.labelled += 1
            best = max(
                range(len(spans)), key=lambda i: _overlap(spans[i], (label.start, label.end))
            )
            said = names[best] if spans else None
            if said is not None and judge(said, label) == "correct":
                score.found += 1
            else:
                score.errors.append(
                    f"miss  {where} {text[label.start : label.end][:50]!r}: "
                    f"{said!r} for {label.speaker!r}"
                )
        regions = reference_sentences(text)
        for span, name in zip(spans, names, strict=True):
            if name is None:
                continue
            covered = [r for r in regions if _overlap(r, span) > 0]
            judged = [
                lab for lab in labels if any(_overlap(r, (lab.start, lab.end)) for r in covered)
            ]
            if judged and all(lab.ambiguous for lab in judged):
                continue
            verdicts = {judge(name, lab) for lab in judged if not lab.ambiguous} or {"wrong"}
            verdict = next(v for v in ("correct", "partial", "wrong") if v in verdicts)
            score.attributed += 1
            setattr(score, verdict, getattr(score, verdict) + 1)
            if verdict != "correct":
                given = judged[0].speaker if judged else "narration"
                score.errors.append(
                    f"{verdict:7} {where} {text[span[0] : span[1]][:50]!r}: {name!r} for {given!r}"
                )
    return score


def score_set(articles: Iterable[LabelledArticle], attribute: Attribute) -> Score:
    total = Score()
    for article in articles:
        total.add(score_article(article, attribute))
    return total


def load_impl(path: str | None) -> Attribute:
    if path is None:
        from index.speakers import attribute_speakers

        return attribute_speakers
    spec = importlib.util.spec_from_file_location("speakers_under_test", path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module.attribute_speakers


def _row(name: str, score: Score) -> str:
    return (
        f"{name:10} precision {score.precision:.3f} ({score.correct}/{score.attributed})  "
        f"recall {score.recall:.3f} ({score.found}/{score.labelled})  "
        f"wrong names {score.wrong}  partial {score.partial}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--impl", help="a file defining attribute_speakers (default: index)")
    parser.add_argument("--set", action="append", help="only these sets")
    parser.add_argument("--errors", action="store_true", help="print each miss and wrong name")
    args = parser.parse_args(argv)
    attribute = load_impl(args.impl)
    sets = labelled_sets()
    if "news-dev" not in sets:
        print(f"news-dev: skipped, {NEWS_DEV} is not there")
    overall = Score()
    for name, articles in sets.items():
        if args.set and name not in args.set:
            continue
        score = score_set(articles, attribute)
        overall.add(score)
        print(_row(name, score))
        if args.errors:
            print("\n".join(f"    {e}" for e in score.errors))
    print(_row("overall", overall))
    print(f"targets: precision >= {TARGETS['precision']}, recall >= {TARGETS['recall']}")


if __name__ == "__main__":
    main()
