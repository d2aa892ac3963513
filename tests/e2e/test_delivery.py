"""Replies that change length when their question is edited, over real HTTP to the fake Bot API:
`bot.delivery.edit_replies` edits the earlier messages, sends what no longer fits, deletes the
surplus, and every message stays whole paragraphs under Telegram's limit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from bot.delivery import edit_replies, send_html
from bot.format import TELEGRAM_LIMIT, split_messages
from tests.fakes.telegram_api import FakeTelegram

pytestmark = [pytest.mark.asyncio, pytest.mark.e2e]

USER = 2001
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:up")]])


@pytest.fixture
async def bot() -> AsyncIterator[tuple[FakeTelegram, ExtBot[None]]]:
    with FakeTelegram() as fake:
        client: ExtBot[None] = ExtBot(
            fake.token,
            base_url=fake.base_url,
            base_file_url=fake.base_file_url,
            defaults=Defaults(parse_mode=ParseMode.HTML),
        )
        async with client:
            yield fake, client
        assert fake.internal_errors == []


def paragraphs(n: int, size: int) -> list[str]:
    """`n` HTML paragraphs of about `size` characters, each telling which one it is."""
    return [f"<b>{i}.</b> " + ("word &amp; " * (size // 11)).strip() for i in range(n)]


async def test_a_longer_answer_edits_the_first_message_and_sends_the_rest(bot):
    fake, client = bot
    fake.send_text("question?", user_id=USER)
    (first,) = await send_html(client, USER, ["<i>short</i>"], reply_to=1, markup=KEYBOARD)
    blocks = paragraphs(5, 1800)
    texts = split_messages(blocks)
    assert len(texts) >= 3, "the paragraphs need several messages"

    ids = await edit_replies(client, USER, [first.message_id], texts, reply_to=1, markup=KEYBOARD)

    messages = fake.sent_messages(USER)
    assert ids[0] == first.message_id and [m.message_id for m in messages] == ids
    assert [m.html for m in messages] == texts
    assert all(len(m.html) <= TELEGRAM_LIMIT for m in messages)
    # Whole paragraphs only, each once, in order.
    assert [b for m in messages for b in m.html.split("\n\n")] == blocks
    assert [m.reply_markup for m in messages[:-1]] == [None] * (len(messages) - 1)
    assert messages[-1].buttons[0][0]["callback_data"] == "fb:up"
    assert all(m.reply_to_message_id == 1 for m in messages[1:])
    assert fake.rejected_calls() == []


async def test_a_shorter_answer_deletes_the_surplus_and_keeps_the_keyboard(bot):
    fake, client = bot
    fake.send_text("question?", user_id=USER)
    texts = split_messages(paragraphs(5, 1800))
    sent = await send_html(client, USER, texts, reply_to=1, markup=KEYBOARD)

    ids = await edit_replies(
        client, USER, [m.message_id for m in sent], ["<b>now</b> one"], markup=KEYBOARD
    )

    assert ids == [sent[0].message_id]
    (left,) = fake.sent_messages(USER)
    assert left.html == "<b>now</b> one" and left.buttons
    deleted = fake.sent_messages(USER, include_deleted=True)[1:]
    assert deleted and all(m.deleted for m in deleted)


async def test_the_same_answer_again_changes_nothing_and_a_deleted_reply_is_sent_anew(bot):
    fake, client = bot
    fake.send_text("question?", user_id=USER)
    (first,) = await send_html(client, USER, ["<b>same</b>"], reply_to=1, markup=KEYBOARD)

    same = await edit_replies(client, USER, [first.message_id], ["<b>same</b>"], markup=KEYBOARD)
    assert same == [first.message_id]
    assert fake.sent_message(USER, first.message_id).edits == 0
    # Telegram refuses an edit that changes nothing; that refusal is expected, nothing else.
    (refused,) = fake.rejected_calls()
    assert refused.method == "editMessageText" and "not modified" in str(refused.description)

    await client.delete_message(USER, first.message_id)  # the user deleted the reply
    again = await edit_replies(
        client, USER, [first.message_id], ["<b>new</b>"], reply_to=1, markup=KEYBOARD
    )
    assert again != [first.message_id]
    (now,) = fake.sent_messages(USER)
    assert (now.message_id, now.html, now.reply_to_message_id) == (again[0], "<b>new</b>", 1)
