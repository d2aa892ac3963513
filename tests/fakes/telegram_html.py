"""Telegram's message-text formatting rules, re-implemented for the fake Bot API server.

The Bot API server delegates ``parse_mode`` handling to tdlib (``td/telegram/MessageEntity.cpp``:
``parse_html``, ``parse_markdown_v2``, ``parse_markdown`` and ``fix_formatted_text``).  The
parsers below are line-by-line ports of those functions, so that

* a text the real server rejects is rejected here with the *same* error text
  (``Unsupported start tag "script" at byte offset 0``, ``Character '.' is reserved and must be
  escaped with the preceding '\\'`` ...), and
* the visible text and the ``MessageEntity`` list (offsets and lengths in UTF-16 code units)
  come out the way Telegram computes them.

One deliberate difference, switched on by ``strict=True`` (the default used by the fake): real
tdlib silently keeps a bare ``&`` or an unknown named entity such as ``&nbsp;`` as literal text,
and accepts unquoted attribute values.  The Bot API documentation, however, *requires* ``&`` to
be escaped and lists only ``&lt; &gt; &amp; &quot;`` and numeric references.  A bot that relies
on the lenient behaviour is relying on undocumented behaviour, so the fake rejects it; the error
messages for these strict-only checks are marked "(strict)" and are not Telegram's wording.
Pass ``strict=False`` to get exactly tdlib's behaviour.

Everything here is pure (no I/O) so it can be unit- and property-tested directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "EntityParseError",
    "MessageTextError",
    "ParsedText",
    "find_auto_entities",
    "format_message_text",
    "normalize_text",
    "parse_html",
    "parse_markdown",
    "parse_markdown_v2",
    "parse_text",
    "utf16_len",
]

#: Maximum length of a message text in UTF-16 code units, after entity parsing.
MAX_MESSAGE_LENGTH = 4096

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The text could not be parsed in the requested parse mode.

    ``str(error)`` is tdlib's message, e.g. ``Unsupported start tag "x" at byte offset 3``; the
    Bot API prefixes it with ``Bad Request: can't parse entities: ``.
    """


class MessageTextError(ValueError):
    """The parsed text is unacceptable as a message: empty or too long.

    ``str(error)`` is the Bot API description without the ``Bad Request: `` prefix, i.e.
    ``message text is empty`` or ``message is too long``.
    """


@dataclass(frozen=True)
class ParsedText:
    """A text as Telegram stores it: what the user sees, plus formatting entities."""

    text: str
    entities: list[Entity] = field(default_factory=list)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and its 4096 limit."""
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _byte_offset(source: str, index: int) -> int:
    # tdlib reports positions as byte offsets into the UTF-8 input.
    return len(source[:index].encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------------------------
# Entity bookkeeping shared by the parsers
# --------------------------------------------------------------------------------------------

# tdlib's MessageEntity::get_type_priority; used as the last sort key like sort_entities().
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
}

# tdlib's internal names (used in its error messages) -> Bot API entity type.
_TD_TO_API = {
    "Bold": "bold",
    "Italic": "italic",
    "Underline": "underline",
    "Strikethrough": "strikethrough",
    "Spoiler": "spoiler",
    "Code": "code",
    "Pre": "pre",
    "PreCode": "pre",
    "TextUrl": "text_link",
    "CustomEmoji": "custom_emoji",
    "BlockQuote": "blockquote",
    "ExpandableBlockQuote": "expandable_blockquote",
}

# Entities whose payload is not the visible text; tdlib keeps them even if they cover only
# whitespace (is_hidden_data_entity).
_HIDDEN_DATA = frozenset({"text_link", "text_mention", "custom_emoji"})


def _sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)))


_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.DOTALL)
_BARE_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?::\d{1,5})?(?:[/?#]\S*)?$")


def _checked_link(url: str) -> str:
    """Simplified tdlib ``LinkManager::get_checked_link``: the URL to store, or "" if invalid.

    Invalid links are not an error in Telegram: the ``<a>`` simply produces no entity.
    """
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    match = _SCHEME.match(url)
    if match is None:
        # tdlib accepts "example.com/x" and stores it with an http:// prefix.
        return "http://" + url if _BARE_DOMAIN.match(url) else ""
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme in ("http", "https", "ftp"):
        host = re.split(r"[/?#]", rest, maxsplit=1)[0]
        if not host:
            return ""
        # tdlib normalises "https://host" to "https://host/".
        return url + "/" if rest == host else url
    if scheme in ("tg", "ton", "tonsite"):
        return url
    return ""


def _text_link_entity(offset: int, length: int, url: str) -> Entity | None:
    """``<a href>`` / ``[text](url)``: a text_mention for tg://user?id=, else a text_link."""
    user = _USER_LINK.match(url.strip())
    if user:
        uid = int(user.group(1))
        # The server fills in the real user object if it knows the user.
        return {
            "type": "text_mention",
            "offset": offset,
            "length": length,
            "user": {"id": uid, "is_bot": False, "first_name": str(uid)},
        }
    checked = _checked_link(url)
    if not checked:
        return None
    return {"type": "text_link", "offset": offset, "length": length, "url": checked}


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
# tdlib's is_space() also matches the NUL terminator; "" plays that role here (end of input).
_HTML_SPACE = frozenset({"", " ", "\t", "\r", "\n", "\v", "\0"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(source: str, pos: int, strict: bool) -> tuple[str, int] | None:
    """Port of tdlib ``decode_html_entity``: (character, position after it) or None.

    tdlib also accepts a reference without the closing ``;`` ("&amp"); strict mode does not,
    because the documentation only promises the ``;`` forms.
    """
    n = len(source)
    end = pos + 1
    if end < n and source[end] == "#":
        end += 1
        value = 0
        if end < n and source[end] == "x":
            end += 1
            while end < n and source[end] in "0123456789abcdefABCDEF":
                value = value * 16 + int(source[end], 16)
                end += 1
        else:
            while end < n and source[end] in "0123456789":
                value = value * 10 + int(source[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        while end < n and source[end].isascii() and source[end].isalpha():
            end += 1
        name = source[pos + 1 : end]
        if name not in _NAMED_ENTITIES:
            return None  # unsupported literal entity, e.g. &nbsp;
        char = _NAMED_ENTITIES[name]
    if end < n and source[end] == ";":
        return char, end + 1
    if strict:
        return None
    return char, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    out_index: int  # index into the output char list, for <a> without href


def parse_html(source: str, *, strict: bool = True) -> ParsedText:
    """Parse ``parse_mode=HTML`` text like tdlib's ``parse_html``.

    Raises :class:`EntityParseError` with tdlib's wording for anything Telegram rejects (and,
    with ``strict``, for unescaped ``&`` and unquoted attribute values; see module docstring).
    """
    n = len(source)

    def at(k: int) -> str:
        return source[k] if k < n else ""

    def error(message: str) -> EntityParseError:
        return EntityParseError(message)

    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_OpenTag] = []
    i = 0
    while i < n:
        c = source[i]
        if c == "&":
            decoded = _decode_html_entity(source, i, strict)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                utf16 += _units(char)
                continue
            if strict:
                match = re.match(r"&#?[A-Za-z0-9]*;?", source[i:])
                ref = match.group(0) if match else "&"
                if (ref.endswith(";") and len(ref) > 2) or ref[1:] in _NAMED_ENTITIES:
                    raise error(
                        f'Unsupported HTML entity "{ref}" at byte offset '
                        f"{_byte_offset(source, i)} (strict)"
                    )
                raise error(
                    f"Character '&' at byte offset {_byte_offset(source, i)} must be "
                    f'escaped as "&amp;" (strict)'
                )
        if c != "<":
            out.append(c)
            utf16 += _units(c)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            # --- start tag ---
            while at(i) not in _HTML_SPACE and at(i) != ">":
                i += 1
            if at(i) == "":
                raise error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
            tag = source[begin + 1 : i].lower()
            if tag not in _HTML_TAGS:
                raise error(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
                )
            argument = ""
            while at(i) != ">":
                while at(i) != "" and at(i) in _HTML_SPACE:
                    i += 1
                if at(i) == ">":
                    break
                attr_begin = i
                while at(i) not in _HTML_SPACE and at(i) not in ("=", ">"):
                    i += 1
                attr_name = source[attr_begin:i]
                if not attr_name:
                    raise error(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{_byte_offset(source, begin)}"
                    )
                while at(i) != "" and at(i) in _HTML_SPACE:
                    i += 1
                if at(i) != "=":
                    # Newer tdlib: a valueless "expandable" makes an expandable blockquote.
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "1"
                        continue
                    raise error(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {_byte_offset(source, begin)}'
                    )
                i += 1
                while at(i) != "" and at(i) in _HTML_SPACE:
                    i += 1
                if at(i) == "":
                    raise error(
                        f'Unclosed start tag "{tag}" at byte offset {_byte_offset(source, begin)}'
                    )
                if at(i) not in ("'", '"'):
                    # An unquoted "name token": letters, digits, '.', '-'; case-insensitive.
                    if strict:
                        raise error(
                            f'Attribute value must be quoted in the tag "{tag}" at byte '
                            f"offset {_byte_offset(source, begin)} (strict)"
                        )
                    token_begin = i
                    while at(i) != "" and (at(i).isascii() and at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = source[token_begin:i].lower()
                    if at(i) not in _HTML_SPACE and at(i) != ">":
                        raise error(
                            "Unexpected end of name token at byte offset "
                            f"{_byte_offset(source, token_begin)}"
                        )
                else:
                    quote = source[i]
                    i += 1
                    chars: list[str] = []
                    while at(i) != quote and at(i) != "":
                        if at(i) == "&":
                            decoded = _decode_html_entity(source, i, strict)
                            if decoded is not None:
                                chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        chars.append(source[i])
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = "".join(chars)
                if at(i) == "":
                    raise error(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise error(
                    'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(source, begin)}"
                )
            stack.append(_OpenTag(tag, argument, utf16, len(out)))
            i += 1  # past '>'
            continue

        # --- end tag ---
        if not stack:
            raise error(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
        while at(i) not in _HTML_SPACE and at(i) != ">":
            i += 1
        end_name = source[begin + 2 : i].lower()
        while at(i) != "" and at(i) in _HTML_SPACE:
            i += 1
        if at(i) != ">":
            raise error(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
        i += 1
        top = stack.pop()
        if end_name and end_name != top.name:
            raise error(
                f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
                f'expected "</{top.name}>", found "</{end_name}>"'
            )
        if utf16 <= top.utf16_offset:
            continue  # empty element: no entity, like tdlib
        offset, length = top.utf16_offset, utf16 - top.utf16_offset
        entity: Entity | None
        if top.name in ("i", "em"):
            entity = {"type": "italic"}
        elif top.name in ("b", "strong"):
            entity = {"type": "bold"}
        elif top.name in ("s", "strike", "del"):
            entity = {"type": "strikethrough"}
        elif top.name in ("u", "ins"):
            entity = {"type": "underline"}
        elif top.name in ("tg-spoiler", "span"):
            entity = {"type": "spoiler"}
        elif top.name == "tg-emoji":
            if not top.argument.isdigit() or int(top.argument) == 0:
                raise error("Invalid custom emoji identifier specified")
            entity = {"type": "custom_emoji", "custom_emoji_id": top.argument}
        elif top.name == "a":
            url = top.argument or "".join(out[top.out_index :])
            entity = _text_link_entity(offset, length, url)
        elif top.name == "pre":
            last = entities[-1] if entities else None
            # <pre><code class="language-x">..</code></pre>: the inner code becomes "pre"
            # with a language (tdlib's PreCode).
            if (
                last is not None
                and last["type"] == "code"
                and last["offset"] == offset
                and last["length"] == length
                and last.get("language")
            ):
                last["type"] = "pre"
                entity = None
            else:
                entity = {"type": "pre"}
        elif top.name == "code":
            last = entities[-1] if entities else None
            if (
                last is not None
                and last["type"] == "pre"
                and last["offset"] == offset
                and last["length"] == length
                and top.argument
                and "language" not in last
            ):
                last["language"] = top.argument
                entity = None
            else:
                entity = {"type": "code"}
                if top.argument:
                    entity["language"] = top.argument  # dropped below unless inside <pre>
        else:  # blockquote
            entity = {"type": "expandable_blockquote" if top.argument else "blockquote"}
        if entity is not None:
            entity.setdefault("offset", offset)
            entity.setdefault("length", length)
            entities.append(entity)

    if stack:
        raise error(f"Can't find end tag corresponding to start tag {stack[-1].name}")
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # a class on a bare <code> means nothing
    return ParsedText("".join(out), _sort_entities(entities))


# --------------------------------------------------------------------------------------------
# MarkdownV2
# --------------------------------------------------------------------------------------------

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!\n"
_CUSTOM_EMOJI_LINK = re.compile(r"^tg://emoji\?id=(\d+)$")


@dataclass
class _OpenMd:
    kind: str  # tdlib type name: Bold, Italic, ..., used verbatim in error messages
    argument: str
    utf16_offset: int
    byte_offset: int
    out_index: int


def parse_markdown_v2(source: str) -> ParsedText:
    """Parse ``parse_mode=MarkdownV2`` text like tdlib's ``parse_markdown_v2``."""
    n = len(source)

    def at(k: int) -> str:
        return source[k] if k < n else ""

    def reserved(ch: str) -> EntityParseError:
        return EntityParseError(
            f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
        )

    def read_url(start: int, what: str) -> tuple[str, int]:
        # Reads "...)" from `start`; backslash escapes any ASCII char. Returns (url, index of ')').
        k, chars = start, []
        while k < n and source[k] != ")":
            if source[k] == "\\" and k + 1 < n and 0 < ord(source[k + 1]) <= 126:
                chars.append(source[k + 1])
                k += 2
                continue
            chars.append(source[k])
            k += 1
        if at(k) != ")":
            raise EntityParseError(
                f"Can't find end of {what} at byte offset {_byte_offset(source, start)}"
            )
        return "".join(chars), k

    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    stack: list[_OpenMd] = []
    have_blockquote = False
    i = 0
    while i < n:
        c = source[i]
        if c == "\\" and i + 1 < n and 0 < ord(source[i + 1]) <= 126:
            out.append(source[i + 1])
            utf16 += 1
            i += 2
            continue
        in_code = bool(stack) and stack[-1].kind in ("Code", "Pre", "PreCode")
        if c not in ("`" if in_code else _MDV2_RESERVED):
            out.append(c)
            utf16 += _units(c)
            i += 1
            continue

        is_end = False
        if stack:
            top_kind = stack[-1].kind
            if have_blockquote and c == "\n" and (i + 1 == n or source[i + 1] != ">"):
                is_end = True
            else:
                is_end = {
                    "Bold": c == "*",
                    "Italic": c == "_" and at(i + 1) != "_",
                    "Code": c == "`",
                    "Pre": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
                    "PreCode": c == "`" and at(i + 1) == "`" and at(i + 2) == "`",
                    "TextUrl": c == "]",
                    "Underline": c == "_" and at(i + 1) == "_",
                    "Strikethrough": c == "~",
                    "Spoiler": c == "|" and at(i + 1) == "|",
                    "CustomEmoji": c == "]",
                    "BlockQuote": False,
                }[top_kind]

        if not is_end:
            start_index = i
            argument = ""
            kind: str | None
            if c == "_":
                if at(i + 1) == "_":
                    kind = "Underline"
                    i += 1
                else:
                    kind = "Italic"
            elif c == "*":
                kind = "Bold"
            elif c == "~":
                kind = "Strikethrough"
            elif c == "|":
                if at(i + 1) != "|":
                    raise reserved(c)
                kind = "Spoiler"
                i += 1
            elif c == "[":
                kind = "TextUrl"
            elif c == "`":
                if at(i + 1) == "`" and at(i + 2) == "`":
                    i += 3
                    kind = "Pre"
                    lang_end = i
                    while at(lang_end) not in _HTML_SPACE and at(lang_end) != "`":
                        lang_end += 1
                    if i != lang_end and lang_end < n and source[lang_end] != "`":
                        kind = "PreCode"
                        argument = source[i:lang_end]
                        i = lang_end
                    # skip one new line at the beginning of the block
                    if at(i) in ("\n", "\r"):
                        if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1):
                            i += 2
                        else:
                            i += 1
                    i -= 1
                else:
                    kind = "Code"
            elif c == "!":
                if at(i + 1) != "[":
                    raise reserved(c)
                kind = "CustomEmoji"
                i += 1
            elif c == "\n":
                out.append("\n")
                utf16 += 1
                kind = None
                if i + 1 < n and source[i + 1] == ">":
                    i += 1
                    if not have_blockquote:
                        kind = "BlockQuote"
                        have_blockquote = True
            elif c == ">":
                if i != 0:
                    raise reserved(c)
                kind = "BlockQuote"
                have_blockquote = True
            else:
                raise reserved(c)
            if kind is not None:
                stack.append(
                    _OpenMd(kind, argument, utf16, _byte_offset(source, start_index), len(out))
                )
            i += 1
            continue

        # --- end of an entity ---
        top = stack[-1]
        if c == "\n" and top.kind != "BlockQuote":
            raise EntityParseError(
                f"Can't find end of {top.kind} entity at byte offset {top.byte_offset}"
            )
        skip = utf16 == top.utf16_offset
        entity: Entity | None = None
        if top.kind in ("Bold", "Italic", "Code", "Strikethrough"):
            entity = {"type": _TD_TO_API[top.kind]}
        elif top.kind in ("Underline", "Spoiler"):
            i += 1
            entity = {"type": _TD_TO_API[top.kind]}
        elif top.kind in ("Pre", "PreCode"):
            i += 2
            entity = {"type": "pre"}
            if top.kind == "PreCode":
                entity["language"] = top.argument
        elif top.kind == "TextUrl":
            if at(i + 1) != "(":
                url = "".join(out[top.out_index :])
            else:
                url, i = read_url(i + 2, "a URL")
            entity = _text_link_entity(top.utf16_offset, utf16 - top.utf16_offset, url)
            skip = skip or entity is None
        elif top.kind == "CustomEmoji":
            if at(i + 1) != "(":
                raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
            url, i = read_url(i + 2, "a custom emoji URL")
            match = _CUSTOM_EMOJI_LINK.match(url)
            if match is None or int(match.group(1)) == 0:
                raise EntityParseError("Invalid custom emoji identifier specified")
            entity = {"type": "custom_emoji", "custom_emoji_id": match.group(1)}
        else:  # BlockQuote, ended by a line that does not start with '>'
            have_blockquote = False
            out.append(c)
            utf16 += 1
            entity = {"type": "blockquote"}
        if not skip and entity is not None:
            entity.setdefault("offset", top.utf16_offset)
            entity.setdefault("length", utf16 - top.utf16_offset)
            entities.append(entity)
        stack.pop()
        i += 1

    if have_blockquote and stack and stack[-1].kind == "BlockQuote":
        top = stack.pop()
        if utf16 != top.utf16_offset:
            entities.append(
                {
                    "type": "blockquote",
                    "offset": top.utf16_offset,
                    "length": utf16 - top.utf16_offset,
                }
            )
    if stack:
        top = stack[-1]
        raise EntityParseError(
            f"Can't find end of {top.kind} entity at byte offset {top.byte_offset}"
        )
    return ParsedText("".join(out), _sort_entities(entities))


# --------------------------------------------------------------------------------------------
# Legacy Markdown
# --------------------------------------------------------------------------------------------


def parse_markdown(source: str) -> ParsedText:
    """Parse legacy ``parse_mode=Markdown`` like tdlib's ``parse_markdown``.

    Only ``*bold*``, ``_italic_``, ``[text](url)``, `` `code` `` and ```` ```pre``` ````; an
    unterminated marker is an error, everything else is literal.
    """
    n = len(source)

    def at(k: int) -> str:
        return source[k] if k < n else ""

    out: list[str] = []
    utf16 = 0
    entities: list[Entity] = []
    i = 0
    while i < n:
        c = source[i]
        if c == "\\" and at(i + 1) in ("_", "*", "`", "["):
            out.append(source[i + 1])
            utf16 += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            utf16 += _units(c)
            i += 1
            continue
        begin = i
        end_char = "]" if c == "[" else c
        is_pre = False
        language = ""
        i += 1
        if c == "`" and at(i) == "`" and at(i + 1) == "`":
            i += 2
            is_pre = True
            lang_end = i
            while at(lang_end) not in _HTML_SPACE and at(lang_end) != "`":
                lang_end += 1
            if i != lang_end and lang_end < n and source[lang_end] != "`":
                language = source[i:lang_end]
                i = lang_end
            if at(i) in ("\n", "\r"):
                i += 2 if at(i + 1) in ("\n", "\r") and at(i) != at(i + 1) else 1
        start = utf16
        text_begin = len(out)
        while i < n and (
            source[i] != end_char or (is_pre and not (at(i + 1) == "`" and at(i + 2) == "`"))
        ):
            out.append(source[i])
            utf16 += _units(source[i])
            i += 1
        if i == n:
            raise EntityParseError(
                "Can't find end of the entity starting at byte offset "
                f"{_byte_offset(source, begin)}"
            )
        if utf16 != start:
            length = utf16 - start
            entity: Entity | None = None
            if c == "_":
                entity = {"type": "italic", "offset": start, "length": length}
            elif c == "*":
                entity = {"type": "bold", "offset": start, "length": length}
            elif c == "[":
                if at(i + 1) != "(":
                    url = "".join(out[text_begin:])
                else:
                    i += 2
                    url_chars = []
                    while i < n and source[i] != ")":
                        url_chars.append(source[i])
                        i += 1
                    url = "".join(url_chars)
                entity = _text_link_entity(start, length, url)
            elif is_pre:
                entity = {"type": "pre", "offset": start, "length": length}
                if language:
                    entity["language"] = language
            else:
                entity = {"type": "code", "offset": start, "length": length}
            if entity is not None:
                entities.append(entity)
        if is_pre:
            i += 2
        i += 1
    return ParsedText("".join(out), _sort_entities(entities))


# --------------------------------------------------------------------------------------------
# Automatic entities (what Telegram detects in any text) and fix_formatted_text
# --------------------------------------------------------------------------------------------


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")


def find_auto_entities(text: str) -> list[Entity]:
    """Entities Telegram detects by itself: mention, hashtag, bot_command, url, email.

    Ports of tdlib's match_mentions / match_bot_commands / match_hashtags, plus simplified URL
    and e-mail detection (only ``http(s)://`` and ``www.`` URLs; tdlib also knows bare domains).
    Offsets are in UTF-16 code units.  Overlapping matches are resolved first-come.
    """
    n = len(text)
    prefix = [0] * (n + 1)
    for k, ch in enumerate(text):
        prefix[k + 1] = prefix[k] + _units(ch)

    spans: list[tuple[int, int, str]] = []  # (start index, end index, type)

    for k, ch in enumerate(text):
        prev = text[k - 1] if k else ""
        if ch == "@" and not (prev and _is_word_char(prev)):
            end = k + 1
            while end < n and _ascii_word(text[end]):
                end += 1
            if 2 <= end - k - 1 <= 32 and not (end < n and _is_word_char(text[end])):
                spans.append((k, end, "mention"))
        elif ch == "/" and not (prev and (_is_word_char(prev) or prev in "/<>")):
            end = k + 1
            while end < n and _ascii_word(text[end]):
                end += 1
            if not 1 <= end - k - 1 <= 64:
                continue
            if end < n and text[end] == "@":
                m_end = end + 1
                while m_end < n and _ascii_word(text[m_end]):
                    m_end += 1
                if not 3 <= m_end - end - 1 <= 32:
                    continue
                end = m_end
            if end < n and (_is_word_char(text[end]) or text[end] in "/<>"):
                continue
            spans.append((k, end, "bot_command"))
        elif ch == "#" and not (prev and (_is_word_char(prev) or prev == "\u200c")):
            end = k + 1
            while end < n and (_is_word_char(text[end]) or text[end] == "\u200c"):
                end += 1
            body = text[k + 1 : end]
            if body and any(x.isalpha() for x in body) and not (end < n and text[end] == "#"):
                spans.append((k, min(end, k + 1 + 256), "hashtag"))

    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?)]}":
            end -= 1  # trailing punctuation is not part of the link
        spans.append((match.start(), end, "url"))
    for match in _EMAIL.finditer(text):
        spans.append((match.start(), match.end(), "email"))

    chosen: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if any(start < c_end and c_start < end for c_start, c_end, _ in chosen):
            continue
        chosen.append((start, end, kind))
    return [
        {"type": kind, "offset": prefix[s], "length": prefix[e] - prefix[s]}
        for s, e, kind in sorted(chosen)
    ]


# Characters tdlib's clean_input_string_with_entities drops from a message text.
_REMOVED = frozenset({"\r", *(chr(c) for c in range(0x2028, 0x202F))})
# Entities that exclude automatic detection inside them.
_OPAQUE = frozenset({"code", "pre", "text_link", "text_mention", "custom_emoji"})


def normalize_text(parsed: ParsedText, *, detect_entities: bool = True) -> ParsedText:
    """Simplified tdlib ``fix_formatted_text``: what the message text finally looks like.

    * control characters other than ``\\n`` (including ``\\t``) become spaces; ``\\r`` and
      U+2028..U+202E are removed;
    * entities that cover only spaces/newlines are dropped and leading spaces are cut from
      entities (except link-like entities, whose payload is not the visible text);
    * trailing spaces/newlines are removed, leading ones up to the first entity;
    * automatically detected entities (mentions, commands, hashtags, URLs) are added.
    """
    old_text = parsed.text
    # Map every old UTF-16 position to a new one while cleaning characters.
    mapping: list[int] = []
    chars: list[str] = []
    new_pos = 0
    for ch in old_text:
        for _ in range(_units(ch)):
            mapping.append(new_pos)
        if ch in _REMOVED:
            continue
        if ch != "\n" and ord(ch) < 32:
            ch = " "
        chars.append(ch)
        new_pos += _units(ch)
    mapping.append(new_pos)
    text = "".join(chars)

    def span_text(offset: int, length: int) -> str:
        return _utf16_slice(text, offset, offset + length)

    entities: list[Entity] = []
    for original in parsed.entities:
        entity = dict(original)
        start = mapping[min(entity["offset"], len(mapping) - 1)]
        end = mapping[min(entity["offset"] + entity["length"], len(mapping) - 1)]
        covered = _utf16_slice(text, start, end)
        if entity["type"] not in _HIDDEN_DATA:
            stripped = covered.lstrip(" \n")
            start += utf16_len(covered) - utf16_len(stripped)
            if not stripped.strip(" \n"):
                continue
        if end <= start:
            continue
        entity["offset"], entity["length"] = start, end - start
        entities.append(entity)

    # rtrim
    trimmed = text.rstrip(" \n")
    limit = utf16_len(trimmed)
    kept: list[Entity] = []
    for entity in entities:
        if entity["offset"] >= limit:
            continue
        entity["length"] = min(entity["length"], limit - entity["offset"])
        kept.append(entity)
    # ltrim, but never into an entity
    first_entity = min((e["offset"] for e in kept), default=limit)
    lead = 0
    while lead < len(trimmed) and lead < first_entity and trimmed[lead] in " \n":
        lead += 1  # spaces and newlines are one UTF-16 unit each
    text = trimmed[lead:]
    for entity in kept:
        entity["offset"] -= lead

    if detect_entities:
        opaque = [(e["offset"], e["offset"] + e["length"]) for e in kept if e["type"] in _OPAQUE]
        for auto in find_auto_entities(text):
            a_start, a_end = auto["offset"], auto["offset"] + auto["length"]
            if not any(a_start < o_end and o_start < a_end for o_start, o_end in opaque):
                kept.append(auto)
    return ParsedText(text, _sort_entities(kept))


def _utf16_slice(text: str, start: int, end: int) -> str:
    """``text[start:end]`` with start/end in UTF-16 code units."""
    out: list[str] = []
    pos = 0
    for ch in text:
        if pos >= end:
            break
        if pos >= start:
            out.append(ch)
        pos += _units(ch)
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Entry points used by the server
# --------------------------------------------------------------------------------------------

_PARSE_MODES = {"html": "HTML", "markdownv2": "MarkdownV2", "markdown": "Markdown"}


def parse_text(text: str, parse_mode: str | None, *, strict: bool = True) -> ParsedText:
    """Dispatch on ``parse_mode`` (case-insensitive like the Bot API; None/"" = plain text).

    Raises :class:`EntityParseError` for parse errors and ``ValueError("unsupported
    parse_mode")`` for an unknown mode.
    """
    if not parse_mode:
        return ParsedText(text, [])
    mode = _PARSE_MODES.get(parse_mode.lower())
    if mode == "HTML":
        return parse_html(text, strict=strict)
    if mode == "MarkdownV2":
        return parse_markdown_v2(text)
    if mode == "Markdown":
        return parse_markdown(text)
    raise ValueError("unsupported parse_mode")


def format_message_text(
    text: str,
    parse_mode: str | None = None,
    entities: list[Entity] | None = None,
    *,
    strict: bool = True,
    max_length: int = MAX_MESSAGE_LENGTH,
) -> ParsedText:
    """Everything sendMessage does to ``text``: parse, normalise, check emptiness and length.

    Explicit ``entities`` are used only without ``parse_mode`` (as in the Bot API, where
    parse_mode wins).  Raises :class:`EntityParseError` or :class:`MessageTextError`.
    """
    if parse_mode:
        parsed = parse_text(text, parse_mode, strict=strict)
    else:
        parsed = ParsedText(text, [dict(e) for e in (entities or [])])
        total = utf16_len(text)
        for entity in parsed.entities:
            offset, length = entity.get("offset"), entity.get("length")
            if not isinstance(offset, int) or not isinstance(length, int) or offset < 0:
                raise EntityParseError(f"Receive an entity with incorrect offset {offset}")
            if length < 0 or offset + length > total:
                raise EntityParseError(
                    f"Entity beginning at UTF-16 offset {offset} ends after "
                    f"the end of the text at UTF-16 offset {offset + length}"
                )
    result = normalize_text(parsed)
    if not result.text.strip(" \n"):
        raise MessageTextError("message text is empty")
    if utf16_len(result.text) > max_length:
        raise MessageTextError("message is too long")
    return result
