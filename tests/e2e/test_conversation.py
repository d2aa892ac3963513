"""Issue 5 over real HTTP: disputed claims, follow-ups, other languages and inline mode, as a
Telegram user sees them through the fake Bot API server."""

from __future__ import annotations

import itertools

import pytest

from bot.engine import Engine
from tests.fakes.telegram_api import FakeTelegram, SentMessage
from tests.fakes.telegram_html import parse_html

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("every_call_accepted")]

_users = itertools.count(30_000)


def ask(fake: FakeTelegram, text: str, user: int) -> SentMessage:
    before = len(fake.sent_messages(user))
    fake.send_text(text, user_id=user)
    return fake.wait_for_messages(before + 1, user)[before]


def test_a_disputed_claim_shows_both_sides_each_attributed(fake: FakeTelegram) -> None:
    reply = ask(fake, "Did Wagner receive arms from North Korea?", next(_users))
    assert "Disputed: John Kirby says “" in reply.text  # each side in its own words
    assert "; Yevgeny Prigozhin: “" in reply.text
    assert "infantry rockets and missiles" in reply.text
    assert "nothing more than rumor and speculation" in reply.text


def test_a_follow_up_is_answered_as_meant(fake: FakeTelegram) -> None:
    user = next(_users)
    first = ask(fake, "How many Wagner fighters are in Ukraine?", user)
    assert "50,000" in first.text
    follow_up = ask(fake, "And how many of them are convicts?", user)
    assert "40,000" in follow_up.text


def test_a_new_self_contained_question_is_not_polluted_by_the_last(
    fake: FakeTelegram, engine: Engine
) -> None:
    """After another question, a question that names its own subject gets the answer it
    gets alone."""
    question = "What did Prigozhin write on his Telegram channel?"
    alone = engine.answer(question)
    user = next(_users)
    ask(fake, "How many Wagner fighters are in Ukraine?", user)
    reply = ask(fake, question, user)
    assert alone.hits and alone.hits[0].highlight.text in reply.text


def test_a_russian_question_gets_the_english_passage_with_russian_framing(
    fake: FakeTelegram,
) -> None:
    reply = ask(fake, "Сколько заключённых воюет за Вагнер?", next(_users))
    assert "40,000 of whom may be convicts" in reply.text
    assert "абзац" in reply.text  # the paragraph is cited in the user's language


def test_inline_query_offers_attributed_answers(fake: FakeTelegram) -> None:
    user = next(_users)
    fake.inline_query("How much does Wagner spend a month?", user_id=user)
    call = fake.wait_for_call(
        "answerInlineQuery", lambda c: c.status == 200 and "spend" in str(fake.inline_answers)
    )
    assert call.status == 200
    [answer] = [a for a in fake.inline_answers if a.query == "How much does Wagner spend a month?"]
    assert answer.is_personal
    first = answer.results[0]
    message = first["input_message_content"]["message_text"]
    visible = parse_html(message).text
    assert "$100 million" in visible
    assert "John Kirby" in visible and "paragraph 8" in visible
    # It opens with the answer line, as a reply does, and the picker shows that line.
    assert "$100 million" in visible.splitlines()[0] and "$100 million" in first["title"]
    assert len(message) <= 4096


def test_inline_query_outside_the_articles_says_so(fake: FakeTelegram) -> None:
    user = next(_users)
    fake.inline_query("how to fix a squeaky door hinge", user_id=user)
    fake.wait_for_call(
        "answerInlineQuery",
        lambda c: any(a.query == "how to fix a squeaky door hinge" for a in fake.inline_answers),
    )
    [answer] = [a for a in fake.inline_answers if a.query == "how to fix a squeaky door hinge"]
    [only] = answer.results
    assert "do not cover" in only["input_message_content"]["message_text"]
