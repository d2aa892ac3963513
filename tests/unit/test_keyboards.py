"""The keyboards under a reply: what a vote shows, in a private chat and in a group."""

from __future__ import annotations

from bot.keyboards import CHOSEN, answer_keyboard, with_vote, without_more


def _labels(markup) -> list[str]:
    return [b.text for row in markup.inline_keyboard for b in row]


def test_a_reply_offers_more_sources_only_when_there_are_more():
    assert [b.callback_data for b in answer_keyboard(True, 1, "en").inline_keyboard[0]] == [
        "more:1",
        "fb:up",
        "fb:down",
    ]
    assert [b.callback_data for b in answer_keyboard(False, 1, "en").inline_keyboard[0]] == [
        "fb:up",
        "fb:down",
    ]


def test_more_sources_label_speaks_the_language():
    english = answer_keyboard(True, 1, "en").inline_keyboard[0][0].text
    russian = answer_keyboard(True, 1, "ru").inline_keyboard[0][0].text
    assert english != russian and russian.strip()


def test_in_a_private_chat_the_vote_given_is_marked_and_a_change_moves_the_mark():
    keyboard = answer_keyboard(False, 0, "en")
    up = with_vote(keyboard, 1, None, private=True)
    assert _labels(up) == ["👍" + CHOSEN, "👎"]
    down = with_vote(up, -1, 1, private=True)
    assert _labels(down) == ["👍", "👎" + CHOSEN]


def test_in_a_group_the_buttons_count_votes_and_a_changed_vote_moves_one():
    keyboard = answer_keyboard(False, 0, "en")
    one = with_vote(keyboard, 1, None, private=False)  # someone likes it
    two = with_vote(one, 1, None, private=False)  # someone else too
    assert _labels(two) == ["👍 2", "👎"]
    changed = with_vote(two, -1, 1, private=False)  # one of them changes their mind
    assert _labels(changed) == ["👍 1", "👎 1"]


def test_after_more_sources_only_the_votes_stay():
    keyboard = with_vote(answer_keyboard(True, 1, "en"), 1, None, private=True)
    assert [b.callback_data for b in without_more(keyboard).inline_keyboard[0]] == [
        "fb:up",
        "fb:down",
    ]
    assert _labels(without_more(keyboard))[0] == "👍" + CHOSEN
