"""Whether a message is meant for the bot, and the question in it.

Private chats: every text is a question. Groups (privacy-mode semantics): only messages that
mention @bot, reply to one of the bot's messages, or use /ask[@bot] QUESTION; the rest of the
group's conversation is none of the bot's business.
"""

from __future__ import annotations

import re

from telegram import Message, MessageEntity
from telegram.constants import ChatType

_LEADING_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")


def is_private(message: Message) -> bool:
    return message.chat.type == ChatType.PRIVATE


def mentions(message: Message, bot_username: str, bot_id: int) -> bool:
    """True when the message's entities mention the bot (@username or a text mention)."""
    wanted = f"@{bot_username}".casefold()
    for entity, text in message.parse_entities(
        [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    ).items():
        if entity.type == MessageEntity.MENTION and text.casefold() == wanted:
            return True
        if entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
    return False


def replies_to_bot(message: Message, bot_id: int) -> bool:
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == bot_id)


def addressed(message: Message, bot_username: str, bot_id: int) -> bool:
    """Whether a plain (non-command) text message asks the bot something."""
    return (
        is_private(message)
        or mentions(message, bot_username, bot_id)
        or replies_to_bot(message, bot_id)
    )


def question_text(text: str, bot_username: str) -> str:
    """The question in a message text: without a leading /command and without @bot mentions."""
    text = _LEADING_COMMAND.sub("", text, count=1)
    text = re.sub(rf"@{re.escape(bot_username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def command_name(text: str) -> str | None:
    """The command a text starts with, lowercased ("/Ask@newsbot hi" -> "ask"), if any."""
    match = _LEADING_COMMAND.match(text)
    return match.group(0)[1:].split("@")[0].lower() if match else None


def command_target(text: str) -> str | None:
    """The @bot a leading command is addressed to ("/ask@newsbot" -> "newsbot"), if any."""
    match = _LEADING_COMMAND.match(text)
    return match.group(1)[1:] if match and match.group(1) else None
