"""What people read: Telegram HTML that Telegram accepts, plain text, the JSON contract."""

from __future__ import annotations

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
    hit = make_hit("Kirby said 50,000 <fighters> & more. The group spends $100 million a month.")
    [message] = to_html(answered(hit))
    parsed = parse_html(message)
    assert "<fighters> & more" in parsed.text
    bold = [e for e in parsed.entities if e["type"] == "bold"]
    assert len(bold) == 1
    assert "The group spends $100 million a month." in parsed.text
    assert (
        "John Kirby, the National Security Council’s strategic communications coordinator, said"
        in parsed.text
    )
    assert "22 Dec 2022" in parsed.text and "paragraph 8" in parsed.text


def test_article_title_links_to_the_url_with_quotes_escaped() -> None:
    hit = make_hit("A sentence. Another one.", url='https://example.org/a?x="1"&y=2', title="A & B")
    [message] = to_html(answered(hit))
    parsed = parse_html(message)
    links = [e for e in parsed.entities if e["type"] == "text_link"]
    assert links and links[0]["url"].startswith("https://example.org/a?x=")
    assert "A & B" in parsed.text


def test_narration_is_attributed_to_the_article_itself() -> None:
    plain = to_plain(answered(make_hit("Wagner paid for the equipment.", speaker=None)))
    assert plain.startswith("Reported by the article (no named source):")


def test_unnamed_speaker_reads_naturally() -> None:
    hit = make_hit("A senior U.S. official said so.", speaker=Speaker("a senior U.S. official"))
    assert to_plain(answered(hit)).startswith("A senior U.S. official said:")


def test_long_answers_split_between_passages_never_inside_one() -> None:
    hits = [make_hit(f"Passage {i}. " + "word " * 300) for i in range(8)]
    messages = to_html(answered(*hits))
    assert len(messages) > 1
    for message in messages:
        assert len(message) <= TELEGRAM_LIMIT
        assert utf16_len(parse_html(message).text) <= TELEGRAM_LIMIT
    assert sum(m.count("<blockquote>") for m in messages) == 8


def test_an_absurdly_long_passage_is_shortened_not_cut_mid_tag() -> None:
    [message] = to_html(answered(make_hit("Start. " + "&<>" * 3000)))
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


def test_split_messages_keeps_order_and_joins_what_fits() -> None:
    assert split_messages(["a", "b"], limit=10) == ["a\n\nb"]
    assert split_messages(["aaaa", "bbbb"], limit=6) == ["aaaa", "bbbb"]
