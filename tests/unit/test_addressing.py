"""Which messages are for the bot (privacy-mode semantics in groups) and the question in them."""

from __future__ import annotations

import datetime as dt

import pytest
from telegram import Chat, Message, MessageEntity, User

from bot.addressing import addressed, command_name, command_target, question_text

BOT = User(id=99, first_name="News Bot", is_bot=True, username="newsbot_test_bot")
ALICE = User(id=1, first_name="Alice", is_bot=False)
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def message(text: str, chat_type: str = "group", entities=(), reply_to: Message | None = None):
    chat = Chat(id=1 if chat_type == "private" else -5, type=chat_type)
    return Message(
        1, NOW, chat, from_user=ALICE, text=text, entities=list(entities), reply_to_message=reply_to
    )


def test_every_private_text_is_a_question():
    assert addressed(message("hello", "private"), BOT.username, BOT.id)


def test_group_text_is_ignored_unless_it_mentions_or_replies_to_the_bot():
    assert not addressed(message("who said that?"), BOT.username, BOT.id)
    mention = message("@newsbot_test_bot who?", entities=[MessageEntity("mention", 0, 17)])
    assert addressed(mention, BOT.username, BOT.id)
    other = message("@someone_else who?", entities=[MessageEntity("mention", 0, 13)])
    assert not addressed(other, BOT.username, BOT.id)
    bot_said = Message(7, NOW, Chat(-5, "group"), from_user=BOT, text="an answer")
    assert addressed(message("and then?", reply_to=bot_said), BOT.username, BOT.id)


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("/ask Who is Kirby?", "Who is Kirby?"),
        ("/ask@newsbot_test_bot   Who   is Kirby?", "Who is Kirby?"),
        ("@NewsBot_Test_Bot who is Kirby?", "who is Kirby?"),
        ("who is @newsbot_test_bot asking?", "who is asking?"),
        ("/ask", ""),
        ("plain question", "plain question"),
    ],
)
def test_question_text_drops_the_command_and_mentions(text: str, question: str):
    assert question_text(text, "newsbot_test_bot") == question


def test_command_name():
    assert command_name("/Ask@newsbot_test_bot hi") == "ask"
    assert command_name("/") is None and command_name("/ hi") is None
    assert command_name("text") is None


def test_command_target():
    assert command_target("/ask@newsbot_test_bot hi") == "newsbot_test_bot"
    assert command_target("/ask hi") is None
    assert command_target("no command") is None
