"""Issue 10, Telegram polish, as a user sees it over the fake Bot API: the bot's own words and
buttons in the user's language, votes shown on the keyboard, edited questions answered by
editing the reply, menus that match /help, link previews. Expected HTML and keyboards are
computed with the public format functions on the core's answer to the same question.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answer, Status
from bot.commands import Scope, help_html, menu, sources_html
from bot.engine import Engine
from bot.format import hit_html, split_messages, to_html
from bot.handlers import GROUP_HITS, MORE_PAGE
from bot.i18n import LANGUAGES, text
from tests.conftest import Service
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("every_call_accepted")]

BOT = "newsbot_test_bot"
ADMIN = 4343
# Questions written from the seed article's text, in the languages the bot speaks.
ASKED = {
    "en": "How many Wagner fighters were killed in combat over the last few weeks?",
    "de": "Wie viele Wagner-Kämpfer wurden in den letzten Wochen im Kampf getötet?",
    "ru": "Сколько бойцов Вагнера погибло в боях за последние недели?",
}
OTHER = "How many Wagner personnel are deployed in Ukraine?"
OFF_TOPIC = "What is the boiling point of water on Mount Everest?"

_users = itertools.count(50_000)
_groups = itertools.count(-1_005_000, -1)


def send(
    fake: FakeTelegram, message: str, user: int, language: str | None = "en", n: int = 1
) -> list[SentMessage]:
    """`message` from `user` in a private chat; the bot's next `n` messages there."""
    before = len(fake.sent_messages(user))
    fake.send_text(message, user_id=user, language_code=language)
    return fake.wait_for_messages(before + n, user)[before:]


def labels(message: SentMessage) -> list[str]:
    return [b["text"] for row in message.buttons for b in row]


def expected_labels(answer: Answer) -> list[str]:
    more = [text("more_sources", answer.language)] if answer.more else []
    return [*more, "👍", "👎"]


def answered(engine: Engine, question: str, history: list[str] | None = None) -> Answer:
    answer = engine.answer(question, history or [])
    assert answer.status is Status.ANSWERED, f"the core declined {question!r}"
    return answer


# ---------------------------------------------------------------- languages


@pytest.mark.parametrize("language", sorted(ASKED))
def test_an_answer_and_its_buttons_speak_the_questions_language(
    fake: FakeTelegram, engine: Engine, language: str
):
    """The reply is the core's answer rendered as the format functions render it, and the
    'More sources' button and the further sources' header speak the question's language."""
    answer = answered(engine, ASKED[language])
    assert answer.language == language
    expected = to_html(answer, engine.articles)
    user = next(_users)
    # The Telegram client's language is English: the question decides.
    replies = send(fake, ASKED[language], user, "en", n=len(expected))
    assert [r.html for r in replies] == expected
    assert all(r.buttons == [] for r in replies[:-1])
    assert labels(replies[-1]) == expected_labels(answer)
    if not answer.more:
        return
    fake.press_button(replies[-1].message_id, "more:0", user_id=user)
    more = fake.wait_for_messages(len(expected) + 1, user)[len(expected)]
    page = answer.more[:MORE_PAGE]
    first, last = len(answer.hits) + 1, len(answer.hits) + len(page)
    span = f"{first}" if last == first else f"{first}–{last}"
    header = text("more_header", language, span=span, total=len(answer.hits) + len(answer.more))
    blocks = [hit_html(h, language=language) for h in page]
    assert more.html == split_messages([header, *blocks])[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_fixed_texts_follow_the_users_telegram_language(fake: FakeTelegram, language: str):
    """Without a question to go by, the user's Telegram language decides every fixed text."""
    user = next(_users)
    (note,) = send(fake, "/frobnicate", user, language)
    assert note.text == text("unknown_command", language, command="/frobnicate")
    (new,) = send(fake, "/new", user, language)
    assert new.text == text("new_conversation", language)
    (usage,) = send(fake, "/ask", user, language)
    assert usage.html == text("ask_usage", language)
    (admin,) = send(fake, "/reload", user, language)
    assert admin.text == text("not_admin", language)
    before = len(fake.sent_messages(user))
    fake.send_sticker(user_id=user, language_code=language)
    (sticker,) = fake.wait_for_messages(before + 1, user)[before:]
    assert sticker.text == text("not_text", language)


@pytest.mark.parametrize("code", ["pt-BR", None, "zz"])
def test_languages_the_bot_does_not_speak_get_english(fake: FakeTelegram, code: str | None):
    (note,) = send(fake, "/new", next(_users), code)
    assert note.text == text("new_conversation", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_and_sources_in_the_users_language(fake: FakeTelegram, engine: Engine, language: str):
    user = next(_users)
    (reply,) = send(fake, "/help", user, language)
    assert reply.html == help_html(engine.articles, BOT, False, language)
    sources = sources_html(engine.articles, language)
    assert [m.html for m in send(fake, "/sources", user, language, n=len(sources))] == sources


# ---------------------------------------------------------------- menus


def menu_in_help(reply: SentMessage, language: str) -> list[tuple[str, str]]:
    """The "/command – description" lines under the help's Commands header."""
    lines = reply.text.split(text("help_commands", language) + "\n", 1)[1].splitlines()
    return [tuple(line[1:].split(" – ", 1)) for line in lines]  # type: ignore[misc]


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_menu_is_the_help_of_its_chat_type(fake: FakeTelegram, language: str):
    """The group menu Telegram shows is the command list of the group /help, the private menu
    the private one's, in each language; admins alone see /reload."""
    code = "" if language == "en" else language
    private = [(c["command"], c["description"]) for c in fake.commands(None, code)]
    group_scope = {"type": "all_group_chats"}
    group = [(c["command"], c["description"]) for c in fake.commands(group_scope, code)]
    assert private == menu(Scope.PRIVATE, language) and group == menu(Scope.GROUP, language)
    assert group and set(group) < set(private)

    (private_help,) = send(fake, "/help", next(_users), language)
    assert menu_in_help(private_help, language) == private
    chat = next(_groups)
    fake.send_text(
        f"/help@{BOT}",
        chat_id=chat,
        chat_type="supergroup",
        user_id=next(_users),
        language_code=language,
    )
    (group_help,) = fake.wait_for_messages(1, chat)
    assert menu_in_help(group_help, language) == group

    admin = [c["command"] for c in fake.commands({"type": "chat", "chat_id": ADMIN}, code)]
    assert "reload" in admin and "reload" not in [name for name, _ in private + group]


# ---------------------------------------------------------------- votes


def wait_for_answer(fake: FakeTelegram, chat: int, message_id: int, n: int) -> list[Any]:
    """The first `n` answers to presses of buttons on one message."""

    def answers() -> list[Any] | None:
        found = [
            a for a in fake.callback_answers if (a.chat_id, a.message_id) == (chat, message_id)
        ]
        return found if len(found) >= n else None

    return fake.wait_until(answers)


def votes_for(bot: RunningBot, question: str) -> list[int]:
    return [v.vote for v in bot.state.feedback.votes() if v.question == question]


def test_a_vote_shows_on_the_keyboard_and_a_second_vote_changes_it(
    fake: FakeTelegram, engine: Engine, bot: RunningBot
):
    """👍 marks the button; 👎 afterwards moves the mark and replaces the stored vote; 👎 again
    changes nothing and says so."""
    answer = answered(engine, OTHER)
    user = next(_users)
    replies = send(fake, OTHER, user, n=len(to_html(answer, engine.articles)))
    reply = replies[-1]
    more = expected_labels(answer)[:-2]

    fake.press_button(reply.message_id, "fb:up", user_id=user)
    (ack,) = wait_for_answer(fake, user, reply.message_id, 1)
    assert ack.text == text("thanks_up", answer.language)
    shown = fake.wait_until(lambda: (m := fake.sent_message(user, reply.message_id)).edits and m)
    assert labels(shown) == [*more, "👍 ✓", "👎"]
    assert votes_for(bot, OTHER) == [1]

    fake.press_button(reply.message_id, "fb:down", user_id=user)
    wait_for_answer(fake, user, reply.message_id, 2)
    changed = fake.wait_until(
        lambda: (m := fake.sent_message(user, reply.message_id)).edits == 2 and m
    )
    assert labels(changed) == [*more, "👍", "👎 ✓"]
    assert votes_for(bot, OTHER) == [-1]  # replaced, not added

    fake.press_button(reply.message_id, "fb:down", user_id=user)
    acks = wait_for_answer(fake, user, reply.message_id, 3)
    assert acks[-1].text == text("vote_same", answer.language, vote="👎")
    fake.wait_for_updates_consumed()
    assert fake.sent_message(user, reply.message_id).edits == 2
    assert votes_for(bot, OTHER) == [-1]


def test_in_a_group_the_keyboard_counts_each_members_vote_once(
    fake: FakeTelegram, engine: Engine, bot: RunningBot
):
    chat = next(_groups)
    question = "Who is John Kirby?"
    fake.send_text(f"/ask {question}", chat_id=chat, chat_type="supergroup", user_id=61)
    reply = fake.wait_for_messages(1, chat)[-1]
    base = labels(reply)[:-2]
    for n, (member, data) in enumerate([(61, "fb:up"), (62, "fb:up"), (61, "fb:down")], 1):
        fake.press_button(reply.message_id, data, chat_id=chat, user_id=member)
        wait_for_answer(fake, chat, reply.message_id, n)
        fake.wait_until(lambda n=n: fake.sent_message(chat, reply.message_id).edits == n)
        if n == 2:
            assert labels(fake.sent_message(chat, reply.message_id)) == [*base, "👍 2", "👎"]
    assert labels(fake.sent_message(chat, reply.message_id)) == [*base, "👍 1", "👎 1"]
    assert sorted(votes_for(bot, question)) == [-1, 1]


def test_more_sources_keeps_the_vote_shown(fake: FakeTelegram, engine: Engine):
    answer = answered(engine, ASKED["en"])
    assert answer.more, "the seed answer has further sources"
    user = next(_users)
    reply = send(fake, ASKED["en"], user, n=len(to_html(answer, engine.articles)))[-1]
    fake.press_button(reply.message_id, "fb:up", user_id=user)
    fake.wait_until(lambda: fake.sent_message(user, reply.message_id).edits == 1)
    fake.press_button(reply.message_id, "more:0", user_id=user)
    fake.wait_until(lambda: fake.sent_message(user, reply.message_id).edits == 2)
    assert labels(fake.sent_message(user, reply.message_id)) == ["👍 ✓", "👎"]


# ---------------------------------------------------------------- edited questions


def test_an_edited_question_is_answered_by_editing_the_reply(
    fake: FakeTelegram, engine: Engine, bot: RunningBot
):
    """The reply to a question becomes the answer to its corrected text: the same messages,
    edited, no new ones; a declined question edited into one the articles answer gets the
    answer and its buttons in place of the decline."""
    user = next(_users)
    (declined,) = send(fake, OFF_TOPIC, user)
    assert declined.buttons == []
    history = asyncio.run(bot.state.history.get((user, user)))
    answer = answered(engine, ASKED["en"], history)
    expected = to_html(answer, engine.articles)
    assert len(expected) == 1, "the seed answer fits one message"
    fake.edit_text(1, ASKED["en"], user_id=user)
    edited = fake.wait_until(
        lambda: (m := fake.sent_message(user, declined.message_id)).edits and m
    )
    assert edited.html == expected[0]
    assert labels(edited) == expected_labels(answer)
    assert edited.history == (declined.text,)

    history = asyncio.run(bot.state.history.get((user, user)))
    again = answered(engine, OTHER, history)
    fake.edit_text(1, OTHER, user_id=user)
    fake.wait_until(lambda: fake.sent_message(user, declined.message_id).edits == 2)
    final = fake.sent_message(user, declined.message_id)
    assert final.html == to_html(again, engine.articles)[0]
    assert labels(final) == expected_labels(again)
    fake.wait_for_updates_consumed()
    assert len(fake.sent_messages(user)) == 1  # edited in place, nothing sent besides


def test_an_edited_group_question_is_answered_only_when_meant_for_the_bot(
    fake: FakeTelegram, engine: Engine
):
    chat = next(_groups)
    fake.send_text(f"/ask {OFF_TOPIC}", chat_id=chat, chat_type="supergroup", user_id=71)
    (reply,) = fake.wait_for_messages(1, chat)
    fake.edit_text(1, f"/ask {OTHER}", chat_id=chat, user_id=71)
    fake.wait_until(lambda: fake.sent_message(chat, reply.message_id).edits == 1)
    answer = answered(engine, OTHER)
    if not answer.contested:  # a group sees the best passage; the rest behind the button
        answer = dataclasses.replace(answer, hits=answer.hits[:GROUP_HITS])
    edited = fake.sent_message(chat, reply.message_id)
    assert edited.html == to_html(answer, engine.articles)[0]
    assert labels(edited) == expected_labels(answer)

    fake.send_text(
        "people talking among themselves", chat_id=chat, chat_type="supergroup", user_id=72
    )
    fake.edit_text(3, f"still talking about {OTHER}", chat_id=chat, user_id=72)  # 2: the reply
    fake.wait_for_updates_consumed()
    assert len(fake.sent_messages(chat)) == 1


def test_edited_commands_other_than_ask_are_ignored(fake: FakeTelegram):
    user = next(_users)
    send(fake, "/help", user)
    fake.edit_text(1, "/sources", user_id=user)
    fake.wait_for_updates_consumed()
    assert len(fake.sent_messages(user)) == 1
    assert fake.sent_messages(user)[0].edits == 0


# ---------------------------------------------------------------- link previews


def test_replies_carry_no_link_preview_by_default(fake: FakeTelegram, engine: Engine):
    answer = answered(engine, OTHER)
    (reply, *_) = send(fake, OTHER, next(_users), n=len(to_html(answer, engine.articles)))
    assert reply.link_preview_options == {"is_disabled": True}


def test_link_previews_when_the_settings_ask_for_them(
    engine: Engine, built_index: Path, tmp_path: Path
):
    with FakeTelegram() as own:
        settings = bot_settings(own, built_index, tmp_path, link_previews=True)
        running = RunningBot(settings, engine).start()
        try:
            own.send_text(OTHER, user_id=5)
            (reply, *_) = own.wait_for_messages(1, 5)
            own.inline_query(OTHER, user_id=5)
            own.wait_until(lambda: own.inline_answers)
        finally:
            running.stop()
    assert reply.link_preview_options == {"is_disabled": False}
    (inline,) = own.inline_answers
    content = inline.results[0]["input_message_content"]
    assert content["link_preview_options"] == {"is_disabled": False}
    assert own.rejected_calls() == []


# ---------------------------------------------------------------- shared state


def test_votes_and_edits_with_redis_and_postgresql(
    fake: FakeTelegram,
    engine: Engine,
    built_index: Path,
    tmp_path: Path,
    redis_service: Service,
    postgres_service: Service,
    bot: RunningBot,
):
    """With Redis and PostgreSQL configured, a second process (after a restart) still knows
    which messages answered a question and which way a person voted."""
    own = FakeTelegram().start()
    try:
        settings = bot_settings(
            own,
            built_index,
            tmp_path,
            redis_url=redis_service.url,
            redis_prefix=redis_service.namespace,
            database_url=postgres_service.url,
            database_schema=postgres_service.namespace,
        )
        first = RunningBot(settings, engine).start()
        try:
            own.send_text(OFF_TOPIC, user_id=7)
            (reply,) = own.wait_for_messages(1, 7)
        finally:
            first.stop()
        second = RunningBot(settings, engine).start()
        try:
            own.edit_text(1, OTHER, user_id=7)
            own.wait_until(lambda: own.sent_message(7, reply.message_id).edits == 1)
            own.press_button(reply.message_id, "fb:up", user_id=7)
            own.wait_until(lambda: own.sent_message(7, reply.message_id).edits == 2)
            own.press_button(reply.message_id, "fb:up", user_id=7)
            own.wait_until(lambda: len(own.callback_answers) == 2)
            own.press_button(reply.message_id, "fb:down", user_id=7)
            own.wait_until(lambda: own.sent_message(7, reply.message_id).edits == 3)
            # The question as the button's message quotes it: Telegram may show the text the
            # question had when the reply was first sent.
            votes = [
                v.vote for v in second.state.feedback.votes() if v.question in (OTHER, OFF_TOPIC)
            ]
        finally:
            second.stop()
        answer = answered(engine, OTHER, [])  # the declined question left no history
        assert own.sent_messages(7)[0].html == to_html(answer, engine.articles)[0]
        assert own.callback_answers[1].text == text("vote_same", "en", vote="👍")
        assert votes == [-1]
        assert len(own.sent_messages(7)) == 1
        assert own.rejected_calls() == []
    finally:
        own.stop()
