"""Tests of the fake Telegram Bot API server itself (tests.fakes.telegram_api).

The fake is only useful if it is as picky as Telegram, so these tests drive it over real
HTTP with plain httpx, encoding requests the way PTB does (form fields; strings raw, other
values JSON-encoded), and check Telegram's answers and error descriptions.
"""

from __future__ import annotations

import html
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.helpers import escape_markdown

from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import (
    EntityParseError,
    find_auto_entities,
    format_message_text,
    parse_html,
    parse_markdown_v2,
    utf16_len,
)

USER = 1001  # the default user of FakeTelegram.send_text; private chat id == user id


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def client(fake: FakeTelegram) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.api_url + "/", timeout=15) as http:
        yield http


def form(**params: Any) -> dict[str, str]:
    """Encode parameters like PTB's RequestData.json_parameters."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}


def call(client: httpx.Client, method: str, **params: Any) -> httpx.Response:
    return client.post(method, data=form(**params))


def ok(response: httpx.Response) -> Any:
    body = response.json()
    assert response.status_code == 200 and body["ok"], body
    return body["result"]


def error(response: httpx.Response, status: int = 400) -> str:
    body = response.json()
    assert response.status_code == status, body
    assert body == {
        "ok": False,
        "error_code": status,
        "description": body["description"],
        **({"parameters": body["parameters"]} if "parameters" in body else {}),
    }
    return str(body["description"])


@pytest.fixture
def chat(fake: FakeTelegram) -> int:
    """A private chat the bot may write to (the user has written first)."""
    fake.send_text("hi")
    return USER


# --------------------------------------------------------------------------------------------
# Basics: getMe, tokens, unknown methods, request encodings
# --------------------------------------------------------------------------------------------


def test_get_me_describes_the_bot(client: httpx.Client) -> None:
    me = ok(call(client, "getMe"))
    assert me["id"] == 123456 and me["is_bot"] is True
    assert me["username"] == "newsbot_test_bot"
    assert me["can_join_groups"] is True and me["supports_inline_queries"] is True


def test_wrong_token_is_401_and_malformed_token_404(fake: FakeTelegram) -> None:
    wrong = httpx.post(f"{fake.base_url}123456:wrong-token/getMe")
    assert error(wrong, 401) == "Unauthorized"
    malformed = httpx.post(f"{fake.base_url}garbage/getMe")
    assert error(malformed, 404) == "Not Found"
    assert [(c.method, c.status) for c in fake.calls] == [("getMe", 401), ("getMe", 404)]


def test_unknown_method_is_404(client: httpx.Client, fake: FakeTelegram) -> None:
    assert error(call(client, "sendTelepathy"), 404) == "Not Found"
    assert fake.calls[-1].method == "sendTelepathy" and fake.calls[-1].status == 404


def test_method_names_are_case_insensitive(client: httpx.Client, fake: FakeTelegram) -> None:
    ok(call(client, "getme"))
    assert fake.calls[-1].method == "getMe"


def test_bot_only_binds_loopback(fake: FakeTelegram) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake._server is not None and fake._server.server_address[0] == "127.0.0.1"


def test_json_and_multipart_bodies_are_accepted(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    as_json = ok(
        client.post("sendMessage", json={"chat_id": chat, "text": "json", "reply_markup": markup})
    )
    assert as_json["reply_markup"] == markup
    multipart = ok(
        client.post(
            "sendMessage",
            data=form(chat_id=chat, text="multi"),
            files={"document": ("a.txt", b"abc", "text/plain")},
        )
    )
    assert multipart["text"] == "multi"
    assert fake.calls[-1].files == {"document": b"abc"}


def test_numeric_text_stays_a_string(client: httpx.Client, chat: int) -> None:
    # PTB sends strings raw, so "42" must not be JSON-decoded into an int for text fields.
    assert ok(call(client, "sendMessage", chat_id=chat, text="42"))["text"] == "42"


def test_unknown_chat_is_rejected(client: httpx.Client, fake: FakeTelegram) -> None:
    assert (
        error(call(client, "sendMessage", chat_id=777, text="x")) == "Bad Request: chat not found"
    )
    fake.register_chat(777)
    ok(call(client, "sendMessage", chat_id=777, text="x"))


def test_blocked_user_is_403(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    fake.block_bot(chat)
    assert (
        error(call(client, "sendMessage", chat_id=chat, text="x"), 403)
        == "Forbidden: bot was blocked by the user"
    )
    assert fake.sent_messages() == []


# --------------------------------------------------------------------------------------------
# HTML validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("<b>unclosed", "Can't find end tag corresponding to start tag b"),
        ("<script>alert(1)</script>", 'Unsupported start tag "script" at byte offset 0'),
        ("fish & chips", "Character '&' at byte offset 5 must be escaped"),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;" at byte offset 1'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("<a href=x.org>x</a>", 'Attribute value must be quoted in the tag "a"'),
        ("é<u>", "Can't find end tag corresponding to start tag u"),
        ("éé<x>", 'Unsupported start tag "x" at byte offset 4'),  # byte, not char, offsets
    ],
)
def test_invalid_html_is_rejected(
    client: httpx.Client, fake: FakeTelegram, chat: int, text: str, description: str
) -> None:
    response = call(client, "sendMessage", chat_id=chat, text=text, parse_mode="HTML")
    assert error(response).startswith("Bad Request: can't parse entities: " + description)
    assert fake.sent_messages() == []


@pytest.mark.parametrize(
    ("text", "visible", "entities"),
    [
        ("fish &amp; chips", "fish & chips", []),
        ("&lt;tag&gt; &quot;q&quot; &#65;&#x42;", '<tag> "q" AB', []),
        (
            "<b>bold <i>both</i></b>",
            "bold both",
            [
                {"type": "bold", "offset": 0, "length": 9},
                {"type": "italic", "offset": 5, "length": 4},
            ],
        ),
        (
            "<strong>s</strong><em>e</em><ins>u</ins><del>d</del>",
            "seud",
            [
                {"type": "bold", "offset": 0, "length": 1},
                {"type": "italic", "offset": 1, "length": 1},
                {"type": "underline", "offset": 2, "length": 1},
                {"type": "strikethrough", "offset": 3, "length": 1},
            ],
        ),
        (
            '<a href="https://example.com/x">link</a>',
            "link",
            [{"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/x"}],
        ),
        (
            '<pre><code class="language-python">print(1)</code></pre>',
            "print(1)",
            [{"type": "pre", "offset": 0, "length": 8, "language": "python"}],
        ),
        ("<code>x</code>", "x", [{"type": "code", "offset": 0, "length": 1}]),
        (
            '<span class="tg-spoiler">s</span> <tg-spoiler>t</tg-spoiler>',
            "s t",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 2, "length": 1},
            ],
        ),
        (
            "<blockquote>q</blockquote><blockquote expandable>e</blockquote>",
            "qe",
            [
                {"type": "blockquote", "offset": 0, "length": 1},
                {"type": "expandable_blockquote", "offset": 1, "length": 1},
            ],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "type": "custom_emoji",
                    "offset": 0,
                    "length": 2,
                    "custom_emoji_id": "5368324170671202286",
                }
            ],
        ),
        ("😀 <b>x</b>", "😀 x", [{"type": "bold", "offset": 3, "length": 1}]),  # UTF-16 offsets
        ("<B>upper</B>", "upper", [{"type": "bold", "offset": 0, "length": 5}]),
    ],
)
def test_valid_html_is_accepted_with_telegram_entities(
    client: httpx.Client,
    fake: FakeTelegram,
    chat: int,
    text: str,
    visible: str,
    entities: list[dict[str, Any]],
) -> None:
    message = ok(call(client, "sendMessage", chat_id=chat, text=text, parse_mode="HTML"))
    assert message["text"] == visible
    assert message.get("entities", []) == entities
    [sent] = fake.sent_messages()
    assert (sent.text, sent.html, sent.parse_mode) == (visible, text, "HTML")


def test_lenient_mode_matches_real_telegram_for_bare_ampersand() -> None:
    # Real Telegram keeps an unescaped "&" and unknown entities literally; strict mode does not.
    assert parse_html("fish & chips &nbsp;", strict=False).text == "fish & chips &nbsp;"
    with pytest.raises(EntityParseError):
        parse_html("fish & chips")


def test_whitespace_is_trimmed_and_automatic_entities_added(
    client: httpx.Client, chat: int
) -> None:
    message = ok(
        call(
            client,
            "sendMessage",
            chat_id=chat,
            text="\n  see https://example.org and @alice \n",
            parse_mode="HTML",
        )
    )
    assert message["text"] == "see https://example.org and @alice"
    assert message["entities"] == [
        {"type": "url", "offset": 4, "length": 19},
        {"type": "mention", "offset": 28, "length": 6},
    ]


# --------------------------------------------------------------------------------------------
# MarkdownV2 and parse modes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "description"),
    [
        ("Done.", "Character '.' is reserved and must be escaped with the preceding '\\'"),
        ("a-b", "Character '-' is reserved"),
        ("*bold", "Can't find end of Bold entity at byte offset 0"),
        ("_it", "Can't find end of Italic entity at byte offset 0"),
        ("[x](https://e.com", "Can't find end of a URL at byte offset 4"),
    ],
)
def test_invalid_markdown_v2_is_rejected(
    client: httpx.Client, chat: int, text: str, description: str
) -> None:
    response = call(client, "sendMessage", chat_id=chat, text=text, parse_mode="MarkdownV2")
    assert error(response).startswith("Bad Request: can't parse entities: " + description)


def test_valid_markdown_v2_is_accepted(client: httpx.Client, chat: int) -> None:
    text = r"*bold* _it_ __u__ ~s~ ||sp|| `c\`` [l](https://e.com/a\)b) 1\.5\!"
    message = ok(call(client, "sendMessage", chat_id=chat, text=text, parse_mode="MarkdownV2"))
    assert message["text"] == "bold it u s sp c` l 1.5!"
    assert [e["type"] for e in message["entities"]] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert message["entities"][-1]["url"] == "https://e.com/a)b"


def test_legacy_markdown_and_unknown_parse_mode(client: httpx.Client, chat: int) -> None:
    message = ok(call(client, "sendMessage", chat_id=chat, text="*b* 1.5", parse_mode="Markdown"))
    assert message["text"] == "b 1.5"
    assert error(
        call(client, "sendMessage", chat_id=chat, text="*b", parse_mode="Markdown")
    ).startswith("Bad Request: can't parse entities: Can't find end of the entity")
    assert (
        error(call(client, "sendMessage", chat_id=chat, text="x", parse_mode="BBCode"))
        == "Bad Request: unsupported parse_mode"
    )


# --------------------------------------------------------------------------------------------
# Length limits
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [
        ("a" * 4096, None),
        ("😀" * 2048, None),  # 4096 UTF-16 code units
        ("<b>" + "a" * 4096 + "</b>", "HTML"),  # tags do not count
        ("&amp;" * 4096, "HTML"),  # entities count as the character they stand for
    ],
)
def test_4096_utf16_units_are_allowed(
    client: httpx.Client, chat: int, text: str, parse_mode: str | None
) -> None:
    ok(
        call(
            client,
            "sendMessage",
            chat_id=chat,
            text=text,
            **({"parse_mode": parse_mode} if parse_mode else {}),
        )
    )


@pytest.mark.parametrize("text", ["a" * 4097, "😀" * 2048 + "a", "😀" * 2049, "&amp;" * 4097])
def test_longer_texts_are_rejected(
    client: httpx.Client, fake: FakeTelegram, chat: int, text: str
) -> None:
    response = call(client, "sendMessage", chat_id=chat, text=text, parse_mode="HTML")
    assert error(response) == "Bad Request: message is too long"
    assert fake.sent_messages() == []


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "<b></b>", "<b> </b>"])
def test_empty_texts_are_rejected(client: httpx.Client, chat: int, text: str) -> None:
    response = call(client, "sendMessage", chat_id=chat, text=text, parse_mode="HTML")
    assert error(response) == "Bad Request: message text is empty"


def test_missing_text_is_rejected(client: httpx.Client, chat: int) -> None:
    assert error(call(client, "sendMessage", chat_id=chat)) == "Bad Request: message text is empty"


# --------------------------------------------------------------------------------------------
# Keyboards
# --------------------------------------------------------------------------------------------


def keyboard(*buttons: dict[str, Any]) -> dict[str, Any]:
    return {"inline_keyboard": [list(buttons)]}


@pytest.mark.parametrize(
    ("markup", "description"),
    [
        (keyboard({"text": "x", "callback_data": "a" * 65}), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard({"text": "x", "callback_data": "é" * 33}), "Bad Request: BUTTON_DATA_INVALID"),
        (keyboard({"text": "x", "callback_data": ""}), "Bad Request: BUTTON_DATA_INVALID"),
        (
            keyboard({"text": "x"}),
            "Bad Request: can't parse inline keyboard button: Text "
            "buttons are unallowed in the inline keyboard",
        ),
        (
            keyboard({"text": "x", "url": "https://e.com", "callback_data": "a"}),
            "Bad Request: can't parse inline keyboard button: exactly one of",
        ),
        (
            keyboard({"callback_data": "a"}),
            'Bad Request: can\'t parse inline keyboard button: Field "text" must be of type String',
        ),
        (keyboard({"text": "x", "url": "not a url"}), "Bad Request: BUTTON_URL_INVALID"),
        (
            {"inline_keyboard": [{"text": "x", "callback_data": "a"}]},
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array '
            "of Arrays",
        ),
    ],
)
def test_invalid_inline_keyboards_are_rejected(
    client: httpx.Client, fake: FakeTelegram, chat: int, markup: dict[str, Any], description: str
) -> None:
    response = call(client, "sendMessage", chat_id=chat, text="pick", reply_markup=markup)
    assert error(response).startswith(description)
    assert fake.sent_messages() == []


def test_callback_data_of_64_bytes_is_fine(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    markup = keyboard(
        {"text": "x", "callback_data": "a" * 64}, {"text": "y", "callback_data": "é" * 32}
    )
    ok(call(client, "sendMessage", chat_id=chat, text="pick", reply_markup=markup))
    assert fake.sent_messages()[0].button("y")["callback_data"] == "é" * 32


def test_reply_markup_must_be_json(client: httpx.Client, chat: int) -> None:
    response = client.post(
        "sendMessage", data={"chat_id": str(chat), "text": "x", "reply_markup": "{not json"}
    )
    assert error(response) == "Bad Request: can't parse reply keyboard markup JSON object"


# --------------------------------------------------------------------------------------------
# Editing, deleting, ids
# --------------------------------------------------------------------------------------------


def test_message_ids_increase_per_chat(client: httpx.Client, fake: FakeTelegram) -> None:
    fake.send_text("one", user_id=1)
    fake.send_text("one", user_id=2)
    first = ok(call(client, "sendMessage", chat_id=1, text="a"))["message_id"]
    second = ok(call(client, "sendMessage", chat_id=1, text="b"))["message_id"]
    other = ok(call(client, "sendMessage", chat_id=2, text="c"))["message_id"]
    # The user's message took id 1 in each chat; ids are shared by both sides of a chat.
    assert (first, second, other) == (2, 3, 2)


def test_edit_text_and_not_modified(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    markup = keyboard({"text": "x", "callback_data": "x"})
    sent = ok(
        call(
            client,
            "sendMessage",
            chat_id=chat,
            text="<b>v1</b>",
            parse_mode="HTML",
            reply_markup=markup,
        )
    )
    edit = {
        "chat_id": chat,
        "message_id": sent["message_id"],
        "parse_mode": "HTML",
        "reply_markup": markup,
    }
    assert error(call(client, "editMessageText", text="<b>v1</b>", **edit)).startswith(
        "Bad Request: message is not modified: specified new message content and reply "
        "markup are exactly the same"
    )
    edited = ok(call(client, "editMessageText", text="<i>v2</i>", **edit))
    assert edited["text"] == "v2" and "edit_date" in edited
    [message] = fake.sent_messages()
    assert (message.text, message.edits, message.history) == ("v2", 1, ("v1",))
    # Same visible text but different formatting is a modification.
    ok(call(client, "editMessageText", text="<b>v2</b>", **edit))
    # Editing without reply_markup removes the keyboard, as Telegram does.
    edit.pop("reply_markup")
    ok(call(client, "editMessageText", text="<b>v2</b>", **edit))
    assert fake.sent_messages()[0].reply_markup is None


def test_edit_errors(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    assert (
        error(call(client, "editMessageText", chat_id=chat, message_id=99, text="x"))
        == "Bad Request: message to edit not found"
    )
    # Message 1 is the user's own "hi".
    assert (
        error(call(client, "editMessageText", chat_id=chat, message_id=1, text="x"))
        == "Bad Request: message can't be edited"
    )
    sent = ok(call(client, "sendMessage", chat_id=chat, text="x"))
    assert error(
        call(
            client,
            "editMessageText",
            chat_id=chat,
            message_id=sent["message_id"],
            text="<b>",
            parse_mode="HTML",
        )
    ).startswith("Bad Request: can't parse entities")


def test_edit_reply_markup_and_delete(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    sent = ok(call(client, "sendMessage", chat_id=chat, text="x"))
    ids = {"chat_id": chat, "message_id": sent["message_id"]}
    markup = keyboard({"text": "y", "callback_data": "y"})
    ok(call(client, "editMessageReplyMarkup", reply_markup=markup, **ids))
    assert error(call(client, "editMessageReplyMarkup", reply_markup=markup, **ids)).startswith(
        "Bad Request: message is not modified"
    )
    assert ok(call(client, "deleteMessage", **ids)) is True
    assert error(call(client, "deleteMessage", **ids)) == "Bad Request: message to delete not found"
    assert fake.sent_messages() == []
    assert fake.sent_messages(include_deleted=True)[0].deleted


def test_edits_are_checked_like_new_messages(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    """An edit too long or with bad HTML is refused and leaves the message as it was; a deleted
    message can be neither edited nor re-keyboarded."""
    sent = ok(call(client, "sendMessage", chat_id=chat, text="<b>v1</b>", parse_mode="HTML"))
    ids = {"chat_id": chat, "message_id": sent["message_id"]}
    too_long = call(client, "editMessageText", text="a" * 4097, parse_mode="HTML", **ids)
    assert error(too_long) == "Bad Request: message is too long"
    bad = call(client, "editMessageText", text="<b>x</i>", parse_mode="HTML", **ids)
    assert error(bad).startswith("Bad Request: can't parse entities")
    [message] = fake.sent_messages()
    assert (message.html, message.edits) == ("<b>v1</b>", 0)
    ok(call(client, "deleteMessage", **ids))
    markup = keyboard({"text": "y", "callback_data": "y"})
    for method, params in (
        ("editMessageText", {"text": "v2"}),
        ("editMessageReplyMarkup", {"reply_markup": markup}),
    ):
        assert error(call(client, method, **params, **ids)) == (
            "Bad Request: message to edit not found"
        )


def test_reply_to_message(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    sent = ok(
        call(client, "sendMessage", chat_id=chat, text="re", reply_parameters={"message_id": 1})
    )
    assert sent["reply_to_message"]["text"] == "hi"
    assert fake.sent_messages()[0].reply_to_message_id == 1
    assert (
        error(
            call(
                client, "sendMessage", chat_id=chat, text="re", reply_parameters={"message_id": 50}
            )
        )
        == "Bad Request: message to be replied not found"
    )


# --------------------------------------------------------------------------------------------
# Callback and inline queries, chat actions, commands
# --------------------------------------------------------------------------------------------


def test_callback_query_round_trip(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    sent = ok(
        call(
            client,
            "sendMessage",
            chat_id=chat,
            text="pick",
            reply_markup=keyboard({"text": "A", "callback_data": "choose:a"}),
        )
    )
    with pytest.raises(LookupError):
        fake.press_button(sent["message_id"], "choose:z")
    fake.press_button(sent["message_id"], "choose:a")
    [update] = ok(call(client, "getUpdates", offset=-1))
    query = update["callback_query"]
    assert query["data"] == "choose:a" and query["message"]["message_id"] == sent["message_id"]
    assert (
        error(call(client, "answerCallbackQuery", callback_query_id=query["id"], text="x" * 201))
        == "Bad Request: MESSAGE_TOO_LONG"
    )
    ok(call(client, "answerCallbackQuery", callback_query_id=query["id"], text="x" * 200))
    assert error(call(client, "answerCallbackQuery", callback_query_id=query["id"])).startswith(
        "Bad Request: query is too old"
    )
    [answer] = fake.callback_answers
    assert (answer.data, answer.message_id, answer.text) == (
        "choose:a",
        sent["message_id"],
        "x" * 200,
    )


def article(result_id: str, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "article",
        "id": result_id,
        "title": "T",
        "input_message_content": {"message_text": text, **extra},
    }


def test_inline_query_answers_are_validated(client: httpx.Client, fake: FakeTelegram) -> None:
    fake.inline_query("news")
    [update] = ok(call(client, "getUpdates"))
    query_id = update["inline_query"]["id"]
    too_many = [article(str(i), "x") for i in range(51)]
    cases = [
        (too_many, "Bad Request: RESULTS_TOO_MUCH"),
        ([article("x" * 65, "x")], "Bad Request: RESULT_ID_INVALID"),
        ([article("1", "x"), article("1", "y")], "Bad Request: RESULT_ID_DUPLICATE"),
        ([article("1", "<b>x", parse_mode="HTML")], "Bad Request: can't parse entities"),
        ([article("1", "x" * 4097)], "Bad Request: message is too long"),
    ]
    for results, description in cases:
        response = call(client, "answerInlineQuery", inline_query_id=query_id, results=results)
        assert error(response).startswith(description)
    assert fake.inline_answers == []
    results = [article(str(i), f"<b>{i}</b>", parse_mode="HTML") for i in range(50)]
    ok(call(client, "answerInlineQuery", inline_query_id=query_id, results=results))
    [answer] = fake.inline_answers
    assert answer.query == "news" and len(answer.results) == 50


def test_chosen_inline_result_can_be_edited(client: httpx.Client, fake: FakeTelegram) -> None:
    fake.inline_query("q")
    [update] = ok(call(client, "getUpdates"))
    result = article("r1", "v1") | {"reply_markup": keyboard({"text": "b", "callback_data": "b"})}
    ok(
        call(
            client,
            "answerInlineQuery",
            inline_query_id=update["inline_query"]["id"],
            results=[result],
        )
    )
    fake.chosen_inline_result("r1")
    [chosen] = ok(call(client, "getUpdates", offset=update["update_id"] + 1))
    inline_id = chosen["chosen_inline_result"]["inline_message_id"]
    assert ok(call(client, "editMessageText", inline_message_id=inline_id, text="v2")) is True
    assert fake.inline_message(inline_id).text == "v2"


def test_chat_actions_and_commands(client: httpx.Client, fake: FakeTelegram, chat: int) -> None:
    ok(call(client, "sendChatAction", chat_id=chat, action="typing"))
    assert (
        error(call(client, "sendChatAction", chat_id=chat, action="dancing"))
        == "Bad Request: wrong parameter action in request"
    )
    assert [a.action for a in fake.chat_actions] == ["typing"]

    commands = [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    ok(call(client, "setMyCommands", commands=commands))
    assert ok(call(client, "getMyCommands")) == commands == fake.commands()
    assert (
        error(call(client, "setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}]))
        == "Bad Request: BOT_COMMAND_INVALID"
    )
    ok(call(client, "deleteMyCommands"))
    assert fake.commands() == []
    ok(call(client, "setMyDescription", description="A bot"))
    assert ok(call(client, "getMyDescription")) == {"description": "A bot"}
    ok(call(client, "setMyShortDescription", short_description="Short"))
    full = ok(call(client, "getChat", chat_id=chat))
    assert full["id"] == chat and full["type"] == "private" and "accent_color_id" in full


# --------------------------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------------------------


def test_429_carries_retry_after_and_records_nothing(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=7)
    response = call(client, "sendMessage", chat_id=chat, text="x")
    body = response.json()
    assert response.status_code == 429
    assert body == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    assert fake.sent_messages() == []
    assert fake.calls[-1].injected and fake.rejected_calls() == []
    ok(call(client, "sendMessage", chat_id=chat, text="x"))  # the fault was used up
    assert len(fake.sent_messages()) == 1


def test_502_is_an_html_page_like_a_proxy(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    fake.fail_next("sendMessage", status=502, times=2)
    for _ in range(2):
        response = call(client, "sendMessage", chat_id=chat, text="x")
        assert response.status_code == 502
        assert response.headers["content-type"].startswith("text/html")
        assert "502 Bad Gateway" in response.text
    assert fake.sent_messages() == []
    ok(call(client, "sendMessage", chat_id=chat, text="x"))


def test_delay_after_processing_still_sends(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    fake.delay("sendMessage", 2.0, after=True)
    with pytest.raises(httpx.ReadTimeout):
        client.post("sendMessage", data=form(chat_id=chat, text="x"), timeout=0.3)
    fake.wait_for_messages(1, timeout=5)  # the client gave up, but the message was sent


# --------------------------------------------------------------------------------------------
# getUpdates: long polling and offsets
# --------------------------------------------------------------------------------------------


def test_long_poll_returns_as_soon_as_an_update_arrives(
    client: httpx.Client, fake: FakeTelegram
) -> None:
    timer = threading.Timer(0.3, fake.send_text, args=("late",))
    timer.start()
    started = time.monotonic()
    updates = ok(call(client, "getUpdates", timeout=10))
    elapsed = time.monotonic() - started
    timer.join()
    assert [u["message"]["text"] for u in updates] == ["late"]
    assert 0.2 < elapsed < 3.0  # the poll asked for 10 s


def test_long_poll_times_out_with_empty_result(client: httpx.Client) -> None:
    started = time.monotonic()
    assert ok(call(client, "getUpdates", timeout=1)) == []
    assert 0.9 < time.monotonic() - started < 3.0


def test_offset_confirms_updates(client: httpx.Client, fake: FakeTelegram) -> None:
    first, second, third = (fake.send_text(t) for t in ("a", "b", "c"))
    assert [u["update_id"] for u in ok(call(client, "getUpdates"))] == [first, second, third]
    assert [u["update_id"] for u in ok(call(client, "getUpdates", limit=1))] == [first]
    # Without a new offset the same updates come again; offset confirms earlier ones.
    assert [u["update_id"] for u in ok(call(client, "getUpdates", offset=second))] == [
        second,
        third,
    ]
    assert [u["update_id"] for u in ok(call(client, "getUpdates"))] == [second, third]
    assert [u["update_id"] for u in ok(call(client, "getUpdates", offset=-1))] == [third]
    assert ok(call(client, "getUpdates", offset=third + 1)) == []
    assert fake.pending_updates() == []


def test_allowed_updates_filters_update_types(client: httpx.Client, fake: FakeTelegram) -> None:
    fake.send_text("text")
    fake.inline_query("q")
    updates = ok(call(client, "getUpdates", allowed_updates=["inline_query"]))
    assert [next(k for k in u if k != "update_id") for u in updates] == ["inline_query"]


def test_second_poller_ends_the_first_with_conflict(fake: FakeTelegram) -> None:
    results: list[int] = []

    def poll() -> None:
        response = httpx.post(f"{fake.api_url}/getUpdates", data=form(timeout=5), timeout=10)
        results.append(response.status_code)

    first = threading.Thread(target=poll)
    first.start()
    time.sleep(0.3)
    httpx.post(f"{fake.api_url}/getUpdates", data=form(timeout=0))
    first.join(5)
    assert results == [409]
    [conflict] = [c for c in fake.calls_to("getUpdates") if c.status == 409]
    assert str(conflict.description).startswith("Conflict: terminated by other getUpdates request")


def test_webhook_blocks_get_updates(client: httpx.Client, fake: FakeTelegram) -> None:
    assert error(call(client, "setWebhook", url="http://insecure")).startswith(
        "Bad Request: bad webhook"
    )
    ok(call(client, "setWebhook", url="https://example.com/hook"))
    assert ok(call(client, "getWebhookInfo"))["url"] == "https://example.com/hook"
    assert error(call(client, "getUpdates"), 409).startswith("Conflict: can't use getUpdates")
    ok(call(client, "deleteWebhook", drop_pending_updates=True))
    ok(call(client, "getUpdates"))


def test_stop_returns_promptly_during_a_long_poll() -> None:
    fake = FakeTelegram().start()
    statuses: list[int] = []

    def poll() -> None:
        try:
            response = httpx.post(f"{fake.api_url}/getUpdates", data=form(timeout=30), timeout=40)
            statuses.append(response.status_code)
        except httpx.HTTPError:
            statuses.append(-1)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.3)
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 1.0
    poller.join(5)
    assert not poller.is_alive() and statuses in ([200], [-1])


# --------------------------------------------------------------------------------------------
# Injected updates and waiting helpers
# --------------------------------------------------------------------------------------------


def test_injected_text_has_telegram_shape_and_entities(
    client: httpx.Client, fake: FakeTelegram
) -> None:
    fake.send_text("/start@newsbot_test_bot hello @bob", user_id=42, username="carol")
    [update] = ok(call(client, "getUpdates"))
    message = update["message"]
    assert message["chat"] == {
        "id": 42,
        "type": "private",
        "first_name": "Alice",
        "username": "carol",
    }
    assert message["from"]["id"] == 42 and message["from"]["is_bot"] is False
    assert message["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 23},
        {"type": "mention", "offset": 30, "length": 4},
    ]


def test_group_messages_need_a_chat_id(fake: FakeTelegram) -> None:
    with pytest.raises(ValueError):
        fake.send_text("hi", chat_type="group")
    fake.send_text("hi", chat_type="supergroup", chat_id=-100123, title="Readers")
    assert fake.pending_updates()[0]["message"]["chat"] == {
        "id": -100123,
        "type": "supergroup",
        "title": "Readers",
        "username": "alice",
    }


def test_photo_can_be_downloaded(client: httpx.Client, fake: FakeTelegram) -> None:
    fake.send_photo(data=b"JPEG!", caption="look")
    [update] = ok(call(client, "getUpdates"))
    file = ok(call(client, "getFile", file_id=update["message"]["photo"][-1]["file_id"]))
    content = httpx.get(f"{fake.base_file_url}{fake.token}/{file['file_path']}")
    assert content.content == b"JPEG!"


def test_wait_for_messages_times_out_with_a_useful_dump(
    client: httpx.Client, fake: FakeTelegram, chat: int
) -> None:
    call(client, "sendMessage", chat_id=chat, text="<b>", parse_mode="HTML")
    with pytest.raises(AssertionError) as failure:
        fake.wait_for_messages(1, timeout=0.2)
    report = str(failure.value)
    assert "timed out" in report and "sendMessage -> 400" in report
    assert "can't parse entities" in report
    assert [c.method for c in fake.rejected_calls()] == ["sendMessage"]


def test_wait_for_call_sees_past_and_future_calls(fake: FakeTelegram) -> None:
    timer = threading.Timer(0.2, lambda: httpx.post(f"{fake.api_url}/getMe"))
    timer.start()
    assert fake.wait_for_call("getMe", timeout=5).ok
    timer.join()
    assert fake.wait_for_call("getMe", timeout=0.1).method == "getMe"


# --------------------------------------------------------------------------------------------
# Parser properties (no HTTP)
# --------------------------------------------------------------------------------------------

_texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=200)


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_escaped_html_round_trips(text: str) -> None:
    parsed = parse_html(html.escape(text))
    assert parsed.text == text and parsed.entities == []


@settings(max_examples=300, deadline=None)
@given(_texts)
def test_escaped_markdown_v2_round_trips(text: str) -> None:
    parsed = parse_markdown_v2(escape_markdown(text, version=2))
    assert parsed.text == text and parsed.entities == []


@settings(max_examples=200, deadline=None)
@given(_texts, _texts)
def test_bold_entity_offsets_are_utf16(before: str, inside: str) -> None:
    parsed = parse_html(f"{html.escape(before)}<b>{html.escape(inside)}</b>")
    expected = [{"type": "bold", "offset": utf16_len(before), "length": utf16_len(inside)}]
    assert parsed.entities == (expected if inside else [])


@settings(max_examples=200, deadline=None)
@given(_texts)
def test_formatting_never_crashes_and_respects_the_limit(text: str) -> None:
    for mode in ("HTML", "MarkdownV2", "Markdown", None):
        try:
            result = format_message_text(text, mode)
        except ValueError:
            continue  # a rejection is fine; any other exception is a bug
        assert 0 < utf16_len(result.text) <= 4096
        for entity in result.entities:
            assert entity["offset"] >= 0 and entity["length"] > 0
            assert entity["offset"] + entity["length"] <= utf16_len(result.text)


def test_auto_entities_match_telegram_rules() -> None:
    assert find_auto_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert find_auto_entities("a/start") == []  # must not follow a word character
    assert find_auto_entities("mail me@x.org") == [{"type": "email", "offset": 5, "length": 8}]
    assert find_auto_entities("#1") == []  # a hashtag needs a letter
