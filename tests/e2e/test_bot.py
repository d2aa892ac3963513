"""The bot as users see it: the real Application and the real answering core, over HTTP to the
fake Telegram server. Each test talks from its own user (and chat), so tests do not mix.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.engine import Engine
from bot.i18n import PHRASES
from tests.e2e.botrunner import RunningBot, bot_settings
from tests.fakes.telegram_api import FakeTelegram, SentMessage

pytestmark = pytest.mark.e2e

DATA = Path(__file__).resolve().parents[1] / "data"
QUESTIONS = [json.loads(line) for line in (DATA / "bot_questions.jsonl").open(encoding="utf-8")]
ANSWERABLE = [q for q in QUESTIONS if not q.get("not_covered")]
NOT_COVERED = [q for q in QUESTIONS if q.get("not_covered")]
# The shared development questions (beside the project, as CI lays them out), every one of them.
DEV_FILE = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev_questions.jsonl"
DEV = (
    [json.loads(line) for line in DEV_FILE.open(encoding="utf-8") if line.strip()]
    if DEV_FILE.is_file()
    else []
)

TITLE = "U.S. believes Wagner mercenaries are expanding influence and taking North Korean weapons"
ASK = "How many Wagner fighters were killed in combat over the last few weeks?"
ADMIN = 4242
BOT = "newsbot_test_bot"

_users = itertools.count(10_000)
_groups = itertools.count(-1_000_100, -1)


def new_user() -> int:
    return next(_users)


@pytest.fixture(scope="module")
def bot(
    fake: FakeTelegram, engine: Engine, built_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningBot]:
    settings = bot_settings(
        fake, built_index, tmp_path_factory.mktemp("bot"), admin_ids=frozenset({ADMIN})
    )
    running = RunningBot(settings, engine).start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _every_call_accepted(fake: FakeTelegram, bot: RunningBot) -> Iterator[None]:
    """Whatever a test does, the fake Telegram never has to reject one of the bot's calls."""
    yield
    assert fake.rejected_calls() == []


def ask(fake: FakeTelegram, text: str, user: int | None = None, n: int = 1) -> list[SentMessage]:
    """Send `text` from a (new) user in a private chat; return the bot's first `n` replies."""
    user = new_user() if user is None else user
    before = len(fake.sent_messages(user))
    fake.send_text(text, user_id=user)
    return fake.wait_for_messages(before + n, user)[before:]


def quiet(fake: FakeTelegram, chat_id: int, expected: int) -> None:
    """Let the bot process everything queued, then check it sent `expected` messages in total."""
    fake.wait_for_updates_consumed()
    time.sleep(0.5)  # updates are handled concurrently; give an unwanted reply time to appear
    assert len(fake.sent_messages(chat_id)) == expected


def labels(message: SentMessage) -> list[str]:
    return [b["text"] for row in message.buttons for b in row]


# ---------------------------------------------------------------- commands


def test_commands_are_registered_so_telegram_shows_them(fake: FakeTelegram, bot: RunningBot):
    names = [c["command"] for c in fake.commands()]
    assert {"start", "help", "sources", "ask", "new"} <= set(names)
    assert "reload" not in names  # admin-only, shown to admins alone
    group = [c["command"] for c in fake.commands({"type": "all_group_chats"})]
    assert "ask" in group
    admin = fake.commands({"type": "chat", "chat_id": ADMIN})
    assert "reload" in [c["command"] for c in admin]


@pytest.mark.parametrize("command", ["/start", "/help"])
def test_start_and_help_say_what_the_bot_knows_and_how_to_ask(fake: FakeTelegram, command: str):
    (reply,) = ask(fake, command)
    assert TITLE in reply.text and "22 Dec 2022" in reply.text
    assert "How to ask" in reply.text and "/sources" in reply.text


def test_sources_lists_the_articles(fake: FakeTelegram):
    (reply,) = ask(fake, "/sources")
    assert "The articles I know (1)" in reply.text
    assert TITLE in reply.text and "22 Dec 2022" in reply.text
    assert reply.disable_web_page_preview


def test_unknown_command_gets_a_pointer_to_help(fake: FakeTelegram):
    (reply,) = ask(fake, "/frobnicate <b>")
    assert reply.text == "I don't know /frobnicate. Try /help."


# ---------------------------------------------------------------- answers


@pytest.mark.parametrize("item", ANSWERABLE, ids=[q["id"] for q in ANSWERABLE])
def test_answerable_question_gets_the_fact_and_its_attribution(
    fake: FakeTelegram, item: dict[str, Any]
):
    user = new_user()
    if item["context"]:  # a follow-up: its first question, in the same chat
        ask(fake, item["context"], user)
    (reply,) = ask(fake, item["question"], user)
    text = reply.text.casefold()
    assert any(s.casefold() in text for s in item["expect"]), reply.text
    # Which article and where in it ("paragraph 12", or its word in the question's language).
    assert re.search(rf"📰 {re.escape(TITLE)} · .*· \w+ \d+", reply.text), reply.text
    if item["speaker"]:
        assert item["speaker"].split()[-1].casefold() in text  # who said it
    assert reply.parse_mode == "HTML" and "<blockquote>" in reply.html  # quoted, not paraphrased
    assert reply.disable_web_page_preview
    assert len(reply.text) <= 4096
    assert "👍" in labels(reply) and "👎" in labels(reply)


@pytest.mark.parametrize("item", NOT_COVERED, ids=[q["id"] for q in NOT_COVERED])
def test_question_the_articles_do_not_cover_is_declined_plainly(
    fake: FakeTelegram, item: dict[str, Any]
):
    (reply,) = ask(fake, item["question"])
    assert any(reply.text.startswith(p["not_covered"]) for p in PHRASES.values()), reply.text
    assert TITLE in reply.text  # and what the articles do cover
    assert reply.buttons == []


@pytest.mark.skipif(not DEV, reason=f"no shared dev questions at {DEV_FILE}")
@pytest.mark.parametrize("item", DEV, ids=[q["id"] for q in DEV])
def test_every_dev_question_through_telegram(fake: FakeTelegram, item: dict[str, Any]):
    user = new_user()
    if item.get("context"):
        ask(fake, item["context"], user)
    (reply,) = ask(fake, item["question"], user)
    text = reply.text.casefold()
    if not item["answerable"]:  # declined plainly ("good morning" is greeted back): no passage
        declined = [p[k] for p in PHRASES.values() for k in ("not_covered", "small_talk")]
        assert any(reply.text.startswith(d) for d in declined), reply.text
        assert "<blockquote>" not in reply.html and reply.buttons == []
        return
    expected = [s.casefold() for s in item["answer_substrings"]]
    if item["kind"] == "contested":  # both sides, each named
        assert all(s in text for s in expected), reply.text
    else:
        assert any(s in text for s in expected), reply.text
    if item.get("speaker"):
        assert item["speaker"].split()[-1].casefold() in text, reply.text
    assert re.search(rf"📰 {re.escape(TITLE)} · ", reply.text), reply.text


def test_answer_emphasises_the_answering_sentence(fake: FakeTelegram):
    (reply,) = ask(fake, ASK)
    bold = [e for e in reply.entities if e["type"] == "bold"]
    assert bold
    emphasised = "".join(reply.html.split("<b>")[1].split("</b>")[0])
    assert "1,000 Wagner fighters have been killed" in emphasised


def test_answer_replies_to_the_question_and_shows_typing_first(fake: FakeTelegram):
    user = new_user()
    (reply,) = ask(fake, ASK, user)
    assert reply.reply_to_message_id == 1  # the user's question, the chat's first message
    typing = [a for a in fake.chat_actions if a.chat_id == user]
    assert typing and typing[0].action == "typing"
    sent = fake.wait_for_call("sendMessage", lambda c: c.params.get("chat_id") == user)
    assert typing[0].at <= sent.finished


def test_follow_up_question_uses_the_conversation(fake: FakeTelegram):
    user = new_user()
    ask(fake, "How many Wagner personnel are deployed in Ukraine?", user)
    (reply,) = ask(fake, "And how many of them are convicts?", user)
    assert "40,000" in reply.text


def test_new_forgets_the_conversation(fake: FakeTelegram, bot: RunningBot):
    user = new_user()
    ask(fake, ASK, user)
    assert bot.state.history.get((user, user))
    (reply,) = ask(fake, "/new", user)
    assert "new conversation" in reply.text
    assert bot.state.history.get((user, user)) == []


def test_html_in_questions_is_escaped_never_interpreted(fake: FakeTelegram):
    for text in ("<b>hi</b> & <script>", "/ask <i>unclosed", "a & b < c > d"):
        replies = ask(fake, text)
        assert replies  # the fake rejects unescaped HTML, so an answer here is a valid one


# ---------------------------------------------------------------- buttons


def test_more_sources_sends_the_next_passages(fake: FakeTelegram):
    user = new_user()
    (answer,) = ask(fake, ASK, user)
    assert labels(answer)[0] == "More sources"
    fake.press_button(
        answer.message_id, answer.button("More sources")["callback_data"], user_id=user
    )
    (more,) = fake.wait_for_messages(2, user)[1:]
    assert re.match(r"More sources \(\d+(–\d+)? of \d+\)", more.text)
    assert more.text.count("📰") >= 1 and more.reply_to_message_id == answer.reply_to_message_id
    pressed = fake.wait_until(lambda: (m := fake.sent_message(user, answer.message_id)).edits and m)
    assert labels(pressed) == ["👍", "👎"]  # the used button is gone, feedback stays
    assert any(a.message_id == answer.message_id for a in fake.callback_answers)


def test_more_sources_tapped_twice_sends_them_once(fake: FakeTelegram):
    user = new_user()
    (answer,) = ask(fake, ASK, user)
    fake.press_button(answer.message_id, "more:0", user_id=user)
    fake.press_button(answer.message_id, "more:0", user_id=user)  # before the bot reacts
    fake.wait_until(lambda: len([a for a in fake.callback_answers if a.chat_id == user]) == 2)
    quiet(fake, user, 2)
    texts = [a.text for a in fake.callback_answers if a.chat_id == user]
    assert "Those sources are already shown above." in texts


def test_feedback_buttons_store_the_vote_with_its_question(fake: FakeTelegram, bot: RunningBot):
    user = new_user()
    (answer,) = ask(fake, ASK, user)
    fake.press_button(answer.message_id, "fb:down", user_id=user)
    ack = fake.wait_until(
        lambda: next(
            (
                a
                for a in fake.callback_answers
                if a.message_id == answer.message_id and a.chat_id == user
            ),
            None,
        )
    )
    assert ack.text and "Thanks" in ack.text
    fake.press_button(answer.message_id, "fb:up", user_id=user)  # changes their mind
    fake.wait_until(lambda: len([a for a in fake.callback_answers if a.chat_id == user]) == 2)
    votes = [v for v in bot.state.feedback.votes() if v.question == ASK]
    assert [v.vote for v in votes] == [1]
    assert "1,000" in votes[0].answer


# ---------------------------------------------------------------- odd input


@pytest.mark.parametrize("send", ["sticker", "photo", "voice", "location", "document"])
def test_non_text_message_gets_a_polite_note(fake: FakeTelegram, send: str):
    user = new_user()
    getattr(fake, f"send_{send}")(user_id=user)
    (reply,) = fake.wait_for_messages(1, user)
    assert reply.text.startswith("I can only read text")


def test_edited_message_gets_a_polite_note(fake: FakeTelegram):
    user = new_user()
    ask(fake, ASK, user)
    fake.edit_text(1, "How many convicts?", user_id=user)
    (note,) = fake.wait_for_messages(2, user)[1:]
    assert "new message" in note.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("   ", "Ask me a question"),
        ("?!…", "Ask me a question"),
        ("x" * 10_000, "too long"),
        ("hello", "Hello!"),
    ],
)
def test_empty_huge_and_small_talk_messages_get_short_replies(
    fake: FakeTelegram, text: str, expected: str
):
    (reply,) = ask(fake, text)
    assert expected in reply.text and len(reply.text) < 1000


# ---------------------------------------------------------------- groups


def group_send(fake: FakeTelegram, chat: int, text: str, **kw: Any) -> None:
    fake.send_text(text, chat_id=chat, chat_type="supergroup", user_id=kw.pop("user", 777), **kw)


def test_group_answers_only_when_addressed(fake: FakeTelegram):
    chat = next(_groups)
    group_send(fake, chat, ASK)  # people talking among themselves
    group_send(fake, chat, "nice sticker")
    fake.send_sticker(chat_id=chat, chat_type="supergroup", user_id=777)
    group_send(fake, chat, "/frobnicate")  # could be another bot's command
    group_send(fake, chat, "/ask@some_other_bot " + ASK)
    quiet(fake, chat, 0)

    group_send(fake, chat, f"@{BOT} {ASK}")
    (mentioned,) = fake.wait_for_messages(1, chat)
    assert "1,000" in mentioned.text
    assert mentioned.text.count("📰") == 1  # one passage in a group, the rest behind a button
    assert "More sources" in labels(mentioned)

    group_send(fake, chat, f"/ask@{BOT} Who is John Kirby?")
    group_send(fake, chat, "/ask")
    replies = fake.wait_for_messages(3, chat)
    assert any("/ask your question" in m.text or "/ask Who said" in m.text for m in replies)

    group_send(fake, chat, "And what did Prigozhin say?", reply_to_message_id=mentioned.message_id)
    fake.wait_for_messages(4, chat)
    quiet(fake, chat, 4)


def test_group_sees_both_sides_of_a_disputed_claim(fake: FakeTelegram):
    chat = next(_groups)
    group_send(fake, chat, "/ask Did Wagner receive arms from North Korea?")
    replies = fake.wait_for_messages(1, chat)
    text = "\n".join(m.text for m in replies)
    assert "Disputed" in text and "Kirby" in text and "Prigozhin" in text


def test_group_more_sources_button_works(fake: FakeTelegram):
    chat = next(_groups)
    group_send(fake, chat, f"/ask {ASK}")
    (answer,) = fake.wait_for_messages(1, chat)
    fake.press_button(answer.message_id, "more:0", chat_id=chat, user_id=778)
    (more,) = fake.wait_for_messages(2, chat)[1:]
    assert more.text.startswith("More sources (2")


# ---------------------------------------------------------------- Telegram trouble


@pytest.mark.parametrize("status", [429, 502])
def test_send_failure_is_survived_with_exactly_one_reply(fake: FakeTelegram, status: int):
    user = new_user()
    fake.fail_next("sendMessage", status=status, retry_after=1)
    (reply,) = ask(fake, ASK, user)
    assert "1,000" in reply.text
    calls = [c for c in fake.calls_to("sendMessage") if c.params.get("chat_id") == user]
    assert [c.status for c in calls] == [status, 200]
    quiet(fake, user, 1)  # no duplicate


def test_reload_is_refused_to_non_admins(fake: FakeTelegram):
    (reply,) = ask(fake, "/reload")
    assert "only the bot's admins" in reply.text
