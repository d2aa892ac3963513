"""The inline keyboards under a reply: More sources, 👍 and 👎, and how a vote shows on them.

Pure: PTB's keyboard values in, keyboard values out; bot/handlers.py sends them.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import text

VOTES = {"fb:up": (1, "👍"), "fb:down": (-1, "👎")}  # callback data -> (vote, label)
CHOSEN = " ✓"  # after the label of the vote a person gave (private chats)


def answer_keyboard(more: bool, shown: int, language: str) -> InlineKeyboardMarkup:
    """Under a reply: 'More sources' (page `shown` on) when there are more, then 👍 and 👎."""
    row = []
    if more:
        label = text("more_sources", language)
        row.append(InlineKeyboardButton(label, callback_data=f"more:{shown}"))
    row += [InlineKeyboardButton(label, callback_data=data) for data, (_, label) in VOTES.items()]
    return InlineKeyboardMarkup([row])


def without_more(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    """The keyboard after 'More sources' did its job: the vote buttons, as they are."""
    buttons = [
        b
        for row in (markup.inline_keyboard if markup else ())
        for b in row
        if b.callback_data in VOTES
    ]
    return InlineKeyboardMarkup([buttons])


def with_vote(
    markup: InlineKeyboardMarkup, vote: int, previous: int | None, private: bool
) -> InlineKeyboardMarkup:
    """The keyboard showing a vote: "👍 ✓" in a private chat; in a group, where everyone sees
    the one keyboard, how many chose each side ("👍 2")."""
    rows = []
    for row in markup.inline_keyboard:
        buttons = []
        for button in row:
            if button.callback_data in VOTES:
                side, label = VOTES[str(button.callback_data)]
                if private:
                    label += CHOSEN if side == vote else ""
                else:
                    count = vote_count(button.text) + (side == vote) - (side == previous)
                    label += f" {count}" if count > 0 else ""
                button = InlineKeyboardButton(label, callback_data=button.callback_data)
            buttons.append(button)
        rows.append(buttons)
    return InlineKeyboardMarkup(rows)


def vote_count(label: str) -> int:
    last = label.split()[-1] if label.split() else ""
    return int(last) if last.isdigit() else 0
