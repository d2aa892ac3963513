"""The subject of a verb of saying, read from the clause around it: before the verb ("Jane
Roe, the mayor, said"), after it ('“...,” said Jane Roe, the mayor'), or the sentence's own
subject for a participle or a second verb ("..., saying", "welcomed it but warned")."""

from __future__ import annotations

import re
from dataclasses import replace

from index.attribution import morphology
from index.attribution import vocabulary as v
from index.attribution.phrases import Subject, bare, is_cap, is_org_word, is_role, parse, plain
from index.attribution.quotes import MASK

BOUNDARY = ',;:”“"—–(«»„' + MASK
_PREPOSITIONS = v.words(
    "in on at to during after before via while as when outside inside from into through "
    "over under about per with without despite amid since until after by"
)
_SKIP_APPOSITIVE = re.compile(
    r"^(?:who|whose|which|where|when|whom|\d+|[RDI]-[A-Z][\w.]*|however|though|too|"
    r"meanwhile|in turn|for (?:his|her|its|their) part|also|then|for example|as well|"
    r"(?:on|last|this|late|early|earlier|later) .{0,20}|\w+ly|die|der|das|который|которая|"
    r"которые|who .*|whose .*|which .*|where .*|die .*|der .*|das .*|котор.*)$",
    re.IGNORECASE,
)
_TIME_TAIL = re.compile(
    r"(?:,?\s+(?:(?:on|last|this|late|early|earlier|later|next)\s+)?(?:"
    + "|".join(sorted(v.EN_TIME))
    + r")\b(?:\s+(?:night|morning|evening|afternoon))?)+$",
    re.IGNORECASE,
)
_LEADING_OPENER = re.compile(
    rf"^(?:{'|'.join(sorted(_PREPOSITIONS | v.EN_SUBORDINATORS | v.words('asked under')))})\b",
    re.IGNORECASE,
)


def _stop(language: str) -> frozenset[str]:
    return {"ru": v.RU_ADVERBS, "de": v.words("auch noch bereits schon")}.get(language, v.EN_AUX)


def trim_tail(text: str, language: str) -> str:
    """Adverbs, auxiliaries and times between a subject and its verb ("X on Tuesday also")."""
    text = text.rstrip()
    while True:
        before = text
        text = _TIME_TAIL.sub("", text).rstrip()
        last = text.rsplit(None, 1)[-1] if text.split() else ""
        plain = bare(last).casefold()
        if plain in _stop(language) or (
            language == "en" and plain.endswith("ly") and len(plain) > 4
        ):
            text = text[: len(text) - len(last)].rstrip()
        if text == before:
            return text


def subject_before(left: str, language: str) -> tuple[Subject | None, bool]:
    """The subject ending the text before a verb, and whether it sits in a subordinate clause
    ("Although X said ..., Y told ...": X is not the sentence's source)."""
    text = trim_tail(re.sub(r"\s*\([^)]*\)", "", left), language)
    if not text:
        return None, False
    if text.endswith(","):
        return appositive_subject(text[:-1], language), False
    # A spaced hyphen is a dash too: "LONDON, March 3 (Reuters) - The Bank of England said".
    dash = text.rfind(" - ")
    cut = max(max(text.rfind(c) for c in BOUNDARY), dash + 1 if dash >= 0 else -1)
    clause = text[cut + 1 :].strip()
    tokens = clause.split()
    openers = [
        i
        for i, t in enumerate(tokens)
        if t.casefold() in v.EN_CLAUSE_OPENERS
        and not (
            t.casefold() in ("and", "or")
            and 0 < i < len(tokens) - 1
            and is_cap(tokens[i - 1])
            and is_cap(tokens[i + 1])
        )
    ]
    # "..., when, in fact, he": a subordinator a comma or two back still rules the clause.
    window = [bare(t).casefold() for t in text[: cut + 1].split()[-4:]]
    subordinate = language == "en" and bool(set(window) & v.EN_SUBORDINATORS)
    if openers and language == "en":
        opener = tokens[openers[-1]].casefold()
        subordinate = opener in v.EN_SUBORDINATORS
        tokens = tokens[openers[-1] + 1 :]
    if language == "ru" and tokens and tokens[0].casefold() in ("в", "во"):
        tokens = tokens[1:]  # "В пресс-службе X сообщили"
    if not tokens or len(tokens) > 12 or not _plain_phrase(tokens, language):
        return None, subordinate
    return parse(" ".join(tokens), language), subordinate


def _plain_phrase(tokens: list[str], language: str) -> bool:
    """A noun phrase has no verb or preposition of its own in it (titles' "of" aside)."""
    banned = v.EN_SPEECH | v.EN_AUX | v.EN_PASSIVE
    if language != "en":
        banned = v.words("und ist sind war hat haben wird и был была было")
    if language == "ru" and any(morphology.is_verb(bare(t).casefold()) for t in tokens):
        return False  # "открыл завод" has its own verb
    for token in tokens:
        word = bare(token).casefold()
        if (word in banned and not is_cap(token)) or MASK in token:
            return False
    return True


def appositive_subject(body: str, language: str) -> Subject | None:
    """ "Jane Roe, the mayor, / Acme's chief, Jane Roe, / X, who chairs the board, / X, 52,":
    the subject among comma-separated parts before a verb, with its role."""
    segments = [_after_quote(s.strip()) for s in body.split(",")]
    role = None
    for k in range(len(segments) - 1, -1, -1):
        segment = _trim_opener(segments[k]) if k == 0 else segments[k]
        if not segment or _SKIP_APPOSITIVE.match(segment):
            continue
        if k > 0 and is_role_phrase(segment, language) and _reads_as_role(segment, language):
            role = role or segment
            continue
        found = parse(segment, language) if _plain_phrase(segment.split(), language) else None
        if found is None:
            return None
        if k > 0 and is_role_phrase(segments[k - 1], language) and found.kind in ("person", "name"):
            role = _trim_opener(segments[k - 1]) or role
        return with_role(found, role)
    return None


def _after_quote(segment: str) -> str:
    """'“...” Jane Roe' -> 'Jane Roe': a quote before a comma part is not part of it. A ’
    closes a quote only after a ‘ opened one; else it is an apostrophe ("Acme’s chief")."""
    marks = '”“"»«‘' + MASK + ("’" if "‘" in segment else "")
    cut = max(segment.rfind(c) for c in marks)
    return segment[cut + 1 :].strip() if cut >= 0 else segment


def _reads_as_role(segment: str, language: str) -> bool:
    """ "a pediatrician at St. Mary's", "PG&E's principal meteorologist", "head of X":
    a role, although a name follows in it; "Kelmore City" is a name."""
    first = segment.split()[0]
    lead = plain(first)
    possessive = bool(re.search(r"['’]s?$", first))
    found = parse(segment, language)
    if found is not None and found.kind == "person" and is_cap(found.name):
        return False  # "Gen. Jane Roe": a title and a name
    return (
        found is None
        or not is_cap(first)
        or possessive
        or (lead in v.EN_DETERMINERS | v.words("another"))
        or is_role(first, language)
    )


def _trim_opener(segment: str) -> str:
    """Drop a leading adverbial the first comma part carries ("But", "On Thursday")."""
    return re.sub(r"^(?:but|and|so|yet|still|meanwhile|however)\s+", "", segment, flags=re.I)


def is_role_phrase(text: str, language: str) -> bool:
    """ "the union's regional chairman", "president of the Friends of X", "an analyst at Y",
    "PG&E's principal meteorologist", "a medical charity" (an organisation's description)."""
    tokens = text.split()
    if not 1 <= len(tokens) <= 16 or MASK in text:
        return False
    head = re.split(r"\s(?:of|at|for|in|from|with|and)\s", text, maxsplit=1)[0].split()
    words = [bare(t) for t in head]
    return any(is_role(w, language) or is_org_word(w, language) for w in words[-3:]) and not (
        all(is_cap(w) for w in words) and not any(is_role(w, language) for w in words)
    )


def with_role(subject: Subject, role: str | None) -> Subject:
    if role is None or subject.kind not in ("person", "name", "org"):
        return subject
    words = role.split()
    while len(words) > 1 and words[0].casefold() in v.ROLE_POSSESSIVES:
        words = words[1:]
    role = re.sub(r"^(The|A|An)\b", lambda m: m.group(1).lower(), " ".join(words))
    if subject.kind == "org":
        return replace(subject, head=bare(role.split()[-1]).casefold())
    return replace(subject, kind="person", role=subject.role or role)


def subject_after(right: str, language: str) -> Subject | None:
    """'... said Jane Roe, the mayor, in a statement' / 'reports Roe' / '— заявил глава
    города Иван Петров' / ', sagte sie': the inverted subject and its role."""
    text = right.strip()
    cut = clause_end(text)
    head, tail = text[:cut].split(), text[cut:]
    head = up_to_name_end(head, language)
    if not head:
        return None
    found = parse(" ".join(head), language)
    if found is None or found.kind == "document":
        return None
    if tail.startswith(","):
        parts = [p.strip() for p in tail[1:].split(",")]
        role = next((p for p in parts[:2] if is_role_phrase(p, language)), None)
        found = with_role(found, role.rstrip('.!?”"') if role else None)
    return found


_ABBREVIATION = re.compile(
    r"(?:[A-Za-z]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Co|Inc|Corp|Ltd|Sen|Rep|Gov|Gen|Lt|Col|Capt|Sgt)\."
)


def clause_end(text: str) -> int:
    """Where the clause that starts `text` ends: at punctuation, not at "Dr." or "J."."""
    for match in re.finditer(r"[,;:!?“\"«(—–" + MASK + r"]|\.(?=\s|$)", text):
        if match.group() == ".":
            word = re.search(r"\S+$", text[: match.end()])
            if word and _ABBREVIATION.fullmatch(word.group().lstrip('(“"')):
                continue
        return match.start()
    return len(text)


def up_to_name_end(tokens: list[str], language: str) -> list[str]:
    """The words of an inverted subject: up to its name's end, or to a preposition."""
    out: list[str] = []
    seen_name = False
    for k, token in enumerate(tokens):
        word = bare(token)
        capital = is_cap(word) and word.casefold() not in v.EN_STOP | v.RU_STOP
        joins = (
            word.casefold() in ("of", "for", "and", "&")
            and k + 1 < len(tokens)
            and (is_cap(tokens[k + 1]) and tokens[k + 1] not in ("The",))
        )
        if seen_name and not capital and not joins:
            break
        if not seen_name and word.casefold() in _PREPOSITIONS and out:
            break
        if not seen_name and language == "ru" and word.casefold() in ("во", "в", "на", *v.RU_TIME):
            out = []  # "заявил во вторник глава города X": a time before the subject
            continue
        out.append(token)
        seen_name = seen_name or (capital and not is_role(word, language))
    while out and bare(out[-1]).casefold() in v.EN_TIME | v.RU_ADVERBS:
        out.pop()
    return out


def leading_subject(sentence: str, language: str) -> Subject | None:
    """The sentence's own subject when it is a source ("Jane Roe, the mayor, welcomed it"),
    after an opening adverbial ("In a letter, ..."), for participles and second verbs."""
    segments = [s.strip() for s in sentence.split(",")]
    for k, segment in enumerate(segments[:3]):
        if _LEADING_OPENER.match(segment) and k < len(segments) - 1:
            continue
        tokens = segment.split()
        end = _noun_phrase_end(tokens, language)
        if language == "en" and end < len(tokens) and not _verb_like(tokens[end]):
            return None  # "The Acme group revelations came": the phrase is longer
        found = parse(" ".join(tokens[:end]), language) if end else None
        if found is None or found.kind in ("document",):
            return None
        if end == len(tokens) and k + 1 < len(segments):
            role = segments[k + 1] if is_role_phrase(segments[k + 1], language) else None
            found = with_role(found, role)
        return found
    return None


def _verb_like(token: str) -> bool:
    word = plain(token)
    return word in v.EN_SPEECH | v.EN_AUX | v.EN_PASSIVE or word.endswith(("ed", "s"))


def _noun_phrase_end(tokens: list[str], language: str) -> int:
    """Where a sentence's opening noun phrase ends: at its verb, which follows the name
    ("Chief financial officer Jane Roe said") or is an auxiliary ("The board is ...")."""
    named = False
    for i, token in enumerate(tokens):
        word = bare(token).casefold()
        if word in v.EN_SPEECH | v.EN_AUX | v.EN_PASSIVE and i:
            return i
        if is_cap(token) and word not in v.EN_STOP and not is_role(word, language):
            named = True
        elif named and word not in ("of", "for", "and", "&", "the", "de", "van", "der"):
            return i
    return len(tokens)
