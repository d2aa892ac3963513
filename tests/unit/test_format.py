"""What people read: Telegram HTML that Telegram accepts, plain text, the JSON contract."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.answer import Answer, Reason, Status
from bot.format import TELEGRAM_LIMIT, split_messages, to_html, to_json, to_plain
from index.passages import Passage, Sentence
from index.search import Hit
from index.speakers import Speaker
from tests.fakes.telegram_html import parse_html, utf16_len

KIRBY = Speaker(
    "John Kirby", "the National Security Council’s strategic communications coordinator"
)


def make_hit(
    text: str, *, speaker: Speaker | None = KIRBY, url: str | None = None, title: str = "T"
) -> Hit:
    first, _, rest = text.partition(". ")
    sentences = [Sentence(0, len(first) + 1, first + ".", speaker)]
    if rest:
        sentences.append(Sentence(len(first) + 2, len(text), rest, speaker))
    passage = Passage(
        article_id="a",
        title=title,
        source="Wire <b>",
        url=url,
        date="2022-12-22",
        paragraph=8,
        start=0,
        end=len(text),
        text=text,
        sentences=tuple(sentences),
    )
    return Hit(passage, 0, 0.9, sentences[-1], {})


def answered(*hits: Hit) -> Answer:
    return Answer("q", Status.ANSWERED, hits, candidates=hits)


def test_html_answer_is_accepted_by_telegram_and_bolds_the_answering_sentence() -> None:
    """The reply opens with the answer line in bold; in the quoted passage only the
    answering sentence is bold; who said it, the paragraph and the article follow."""
    hit = make_hit("Kirby said 50,000 <fighters> & more. The group spends $100 million a month.")
    [message] = to_html(answered(hit))
    parsed = parse_html(message)
    assert "<fighters> & more" in parsed.text
    bold = [
        parsed.text[e["offset"] : e["offset"] + e["length"]]
        for e in parsed.entities
        if e["type"] == "bold"
    ]
    assert bold == ["The group spends $100 million a month."] * 2  # the line, the sentence
    assert parsed.text.startswith("The group spends $100 million a month.")
    assert (
        "John Kirby, the National Security Council’s strategic communications coordinator, said"
        in parsed.text
    )
    assert "22 Dec 2022" in parsed.text and "paragraph 8" in parsed.text


def test_the_title_comes_once_per_reply_and_paragraphs_stay_on_each_passage() -> None:
    """Three passages of one article: one title line, three paragraph numbers."""
    hits = [
        make_hit(f"First fact {n}. Second fact {n}.", title="Ferry <deal> & more") for n in range(3)
    ]
    hits = [
        Hit(replace(h.passage, paragraph=4 + n), n, h.score, h.highlight, {})
        for n, h in enumerate(hits)
    ]
    [message] = to_html(answered(*hits))
    text = parse_html(message).text
    assert text.count("Ferry <deal> & more") == 1 and "&lt;" not in text
    assert all(f"paragraph {4 + n}" in text for n in range(3))
    plain = to_plain(answered(*hits))
    assert plain.count("Ferry <deal> & more") == 1
    assert plain.endswith("Source: Ferry <deal> & more — Wire <b> · 22 Dec 2022")


def test_passages_of_several_articles_are_marked_and_each_title_listed_once() -> None:
    one = make_hit("A one. B one.", title="First story")
    two = make_hit("A two. B two.", title="Second story")
    two = Hit(replace(two.passage, article_id="b", paragraph=2), 1, 0.5, two.highlight, {})
    plain = to_plain(answered(one, two))
    assert "(paragraph 8 [1])" in plain and "(paragraph 2 [2])" in plain
    assert plain.count("First story") == 1 and plain.count("Second story") == 1
    assert "Sources:\n[1] First story" in plain and "\n[2] Second story" in plain


def test_the_answer_line_names_the_article_when_nobody_is_quoted() -> None:
    hit = make_hit("The council met. Wagner paid for the equipment.", speaker=None)
    data = to_json(answered(hit))
    assert data["answer"] == "“Wagner paid for the equipment.” — the article itself, paragraph 8"
    assert data["text"].startswith(data["answer"] + "\n\n")


@pytest.mark.parametrize(
    ("language", "marks"), [("ru", "«»"), ("de", "„“"), ("en", "“”"), ("es", "“”")]
)
def test_the_answer_line_is_quoted_with_the_marks_of_its_language(
    language: str, marks: str
) -> None:
    hit = make_hit("Der Rat tagte. Die Stadt zahlt 96 Millionen Euro.", speaker=None)
    hit = replace(hit, passage=replace(hit.passage, language=language))
    line = to_json(answered(hit))["answer"]
    assert line.startswith(f"{marks[0]}Die Stadt zahlt 96 Millionen Euro.{marks[1]} — ")


def test_article_title_links_to_the_url_with_quotes_escaped() -> None:
    hit = make_hit("A sentence. Another one.", url='https://example.org/a?x="1"&y=2', title="A & B")
    [message] = to_html(answered(hit))
    parsed = parse_html(message)
    links = [e for e in parsed.entities if e["type"] == "text_link"]
    assert links and links[0]["url"].startswith("https://example.org/a?x=")
    assert "A & B" in parsed.text


def test_narration_is_attributed_to_the_article_itself() -> None:
    plain = to_plain(answered(make_hit("Wagner paid for the equipment.", speaker=None)))
    assert "\n\nReported by the article (no named source):\n" in plain


def test_unnamed_speaker_reads_naturally() -> None:
    hit = make_hit("A senior U.S. official said so.", speaker=Speaker("a senior U.S. official"))
    plain = to_plain(answered(hit))
    assert plain.startswith(f"“{hit.highlight.text}” — a senior U.S. official, paragraph 8")
    assert "\n\nA senior U.S. official said:\n" in plain


def test_long_answers_split_between_passages_never_inside_one() -> None:
    hits = [make_hit(f"Passage {i}. " + "word " * 300) for i in range(8)]
    messages = to_html(answered(*hits))
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= TELEGRAM_LIMIT
        assert utf16_len(parse_html(message).text) <= TELEGRAM_LIMIT
    assert sum(m.count("<blockquote>") for m in messages) == 8


def test_an_absurdly_long_passage_is_shortened_not_cut_mid_tag() -> None:
    messages = to_html(answered(make_hit("Start. " + "&<>" * 3000)))
    for message in messages:
        assert len(message) <= TELEGRAM_LIMIT
        parse_html(message)  # raises if a tag or entity was cut


@pytest.mark.parametrize("reason", list(Reason))
def test_every_refusal_is_one_valid_message(reason: Reason) -> None:
    answer = Answer("q", Status.NOT_FOUND, reason=reason)
    articles = [{"title": "Wagner & <North Korea>", "date": "2022-12-22"}]
    [message] = to_html(answer, articles)
    assert parse_html(message).text
    assert to_plain(answer, articles)


def test_not_covered_shows_what_the_articles_do_cover() -> None:
    answer = Answer("q", Status.NOT_FOUND, reason=Reason.NOT_COVERED)
    text = to_plain(answer, [{"title": "Wagner story", "date": "2022-12-22"}])
    assert "do not cover" in text and "Wagner story (22 Dec 2022)" in text


def test_json_contract_fields() -> None:
    data = to_json(answered(make_hit("Kirby said 50,000. He said more.")))
    assert list(data)[:2] == ["question", "status"]
    assert {"question", "status", "text", "passages"} <= set(data)
    passage = data["passages"][0]
    assert {
        "article_id",
        "title",
        "source",
        "url",
        "paragraph",
        "start",
        "end",
        "speaker",
        "text",
        "highlight",
        "score",
    } <= set(passage)
    assert passage["speaker"] == "John Kirby"
    assert data["status"] == "answered"
    assert data["answer"].startswith("“He said more.” — John Kirby, the National Security")
    refused = to_json(Answer("q", Status.NOT_FOUND, reason=Reason.NOT_COVERED))
    assert refused["answer"] is None and refused["passages"] == []


def test_split_messages_keeps_order_and_joins_what_fits() -> None:
    assert split_messages(["a", "b"], limit=10) == ["a\n\nb"]
    assert split_messages(["aaaa", "bbbb"], limit=6) == ["aaaa", "bbbb"]
