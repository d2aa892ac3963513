"""Greetings, thanks and chit-chat: answered kindly, never searched for."""

from __future__ import annotations

import re

_SMALL_TALK_PHRASES = (
    r"hi|hello|hey|hiya|yo|howdy|greetings|good (?:morning|afternoon|evening|night|day)|"
    r"thanks?(?: you)?(?: (?:so|very) much)?|thx|ty|cheers|bye|goodbye|see you|ok(?:ay)?|cool|"
    r"nice|great|lol|how are you(?: doing)?|what'?s up|sup|who are you|what are you|"
    r"привет|здравствуй(?:те)?|доброе утро|добрый (?:день|вечер)|спасибо|пока|как дела|"
    r"привіт|дякую|добрий (?:день|вечір)|hallo|guten (?:morgen|tag|abend)|danke|hola|"
    r"buen(?:os|as) (?:d[ií]as|tardes|noches)|gracias|adi[oó]s|there|bot|everyone|all|again|"
    r"friend|mate"
)
_SMALL_TALK = re.compile(
    rf"^(?:{_SMALL_TALK_PHRASES})(?: (?:{_SMALL_TALK_PHRASES}))*$", re.IGNORECASE
)


def is_small_talk(question: str) -> bool:
    """Greetings, thanks and chit-chat: answered kindly, never searched for."""
    words = re.sub(r"[^\w\s']+", " ", question).split()
    words = [w for w in words if not w.startswith("@")]
    return bool(words) and bool(_SMALL_TALK.match(" ".join(words)))
