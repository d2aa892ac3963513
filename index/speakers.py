"""Who says each sentence of one news article: "X said" and quote attribution, resolved
across paragraphs (surnames to full names, pronouns and quote continuations to speakers)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.sentences import split_sentences


@dataclass(frozen=True)
class Speaker:
    name: str  # "John Kirby", "a senior U.S. official", "the Kremlin"
    role: str | None = None  # as written: "the National Security Council’s ... coordinator"

    def label(self) -> str:
        return f"{self.name}, {self.role}" if self.role else self.name


_Kind = Literal["person", "unnamed", "group", "org", "pronoun"]


@dataclass(frozen=True)
class _Subject:  # who an attribution clause names, before resolution against the article
    kind: _Kind
    name: str
    role: str | None = None
    gender: str | None = None  # "m"/"f", only ever from an honorific (Mr./Ms.)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_UP, _LOW = "A-ZÀ-ÖØ-ÞА-ЯЁ", "a-zß-öø-ÿа-яё"
_WORD = re.compile(
    rf"[{_UP}][{_LOW}]*(?:[{_UP}][{_LOW}]+)*(?:-[{_UP}]?[{_LOW}]+|['’][{_UP}][{_LOW}]+)*"
)
_DOTTED = re.compile(
    rf"(?:[{_UP}]\.)+|(?:Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Maj|Capt|Sgt|Sen|Rep|Gov|St)\."
)
_PARTICLES = _words("de del der van von da di du la le bin ibn al el ter ten")
_TOKEN = rf"(?:{_DOTTED.pattern}|{_WORD.pattern}(?!\w))"
# Capitalised runs end at punctuation or a possessive: "Ukrainian President Volodymyr Zelensky’s".
_NAME_RUN = re.compile(
    rf"(?<![\w’'.-]){_TOKEN}(?:\s(?:(?:{'|'.join(sorted(_PARTICLES))})\s)*{_TOKEN})*"
)
_HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "prof": None}
_TITLES = _words(
    "president vice prime minister secretary chancellor premier general gen admiral colonel col "
    "lt maj capt sgt captain senator sen representative rep governor gov mayor chief judge justice "
    "king queen prince princess pope ambassador envoy director chairman chairwoman chair "
    "commissioner commander spokesman spokeswoman spokesperson speaker leader attorney deputy "
    "founder head ceo coordinator adviser advisor"
)
_ROLE_NOUNS = _TITLES | _words(
    "official analyst expert professor researcher economist author owner member manager officer "
    "lawyer activist journalist reporter editor scientist doctor teacher executive engineer "
    "negotiator strategist pediatrician physician nurse surgeon steward organizer"
)
# Capitalised words that open sentences or name days, never people.
_STOP = _words(
    "the a an this that these those it he she they we i you some many most others other all both "
    "each everyone nobody someone none there here but and or so yet if when while as in on at by "
    "for from with after before since last next then however still also meanwhile later earlier "
    "now today yesterday monday tuesday wednesday thursday friday saturday sunday"
)
_ORG_WORDS = _words(
    "council ministry department agency group house office party army forces federation union "
    "commission committee court police bank company corporation inc corp institute university "
    "embassy government parliament senate congress authority service board organization military"
)
# Sources that stay unnamed: "a senior U.S. official", "analysts", "witnesses", "people".
_SOURCES = (
    "official|spokesperson|spokesman|spokeswoman|source|diplomat|analyst|expert|aide|lawmaker|"
    "adviser|advisor|officer|investigator|prosecutor|witness|resident|person|insider|executive|"
    "researcher|secretary|minister|ambassador|commander|president|critic|member"
)
_NOT_NAMES = _ORG_WORDS | _STOP | _TITLES | frozenset(_HONORIFICS)
_DETS = _words("a an the one two three four several some many other both")
_UNNAMED = re.compile(  # "A senior U.S. official", "officials", "a spokesperson for the ministry"
    rf"(?:(?:{'|'.join(sorted(_DETS))})\s+)?"
    r"(?:(?!(?:on|in|to|of|and|or|is|was|are|were|has|had|have|that|which|who|for|with|by)\b)"
    rf"[\w.’'-]+\s+){{0,4}}?(?:(?:{_SOURCES})(?P<many>e?s)?|(?P<crowd>people|police|authorities))"
    r"(?:\s+(?:for|of|at|with|from|in|close to|familiar with)\s+[^,;#]{1,60})?",
    re.IGNORECASE,
)
_ORG_PHRASE = re.compile(
    rf"(?:[Tt]he\s+|(?:[{_UP}][\w.’'-]*\s+)+)(?:[\w.’'-]+\s+){{0,3}}(?:{'|'.join(sorted(_ORG_WORDS))})"
)
_VERB = re.compile(
    r"\b(?:(?P<acc>according to)|said|says|say|told|tells|added|adds|stated|claimed|claims|denied|"
    r"denies|wrote|writes|warned|warns|noted|notes|argued|argues|insisted|insists|asked|"
    r"explained|acknowledged|confirmed|announced)\b"
)
_BOUNDARY = ',;:”“"—–('
_ADVERBS = re.compile(
    r"(?:\s+(?:also|later|earlier|then|previously|again|repeatedly|has|have|had))+$"
)
_LEAD_CONJ = re.compile(r"^(?:but|and|yet|so|still|however|meanwhile|instead)\b[\s,]*", re.I)
_TIME_OR_VENUE = re.compile(
    r"\s+(?:(?:on|last|this|late|early)\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|week|month|year|night|morning|evening|afternoon)|in\s+an?\s+(?:statement|interview|"
    r"post|email)|at\s+a\s+(?:news|press)\s+(?:conference|briefing)|on\s+(?:his|her|its|their)\s"
    r")\b.*$",
    re.IGNORECASE,
)
# ", in which he thanked the U.S. for military assistance and [said]": a pronoun whose only
# possible antecedent is named in the same sentence.
_RELATIVE = re.compile(r",\s+(?:in|at|during|on|with) which\s+(?:he|she)\b[^,;“”\"]*\band\s*$")
_PREPOSITION_CUT = re.compile(r"\s+(?:on|in|at|during|after|before|to|via|while|as|when)\s.*$")


def attribute_speakers(paragraphs: Sequence[str]) -> list[list[Speaker | None]]:
    """For each paragraph of ONE article (in order), the speaker of each sentence, aligned with
    split_sentences(paragraph). None = the article's own narration (no attributed source)."""
    return _Article(paragraphs).attribute()


class _Article:
    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = list(paragraphs)
        self.first_seen: dict[str, int] = {}  # full name -> paragraph of its first mention
        self.roles: dict[str, str] = {}  # name -> first role the article gives it
        self.genders: dict[str, str] = {}  # surname -> "m"/"f"
        # Speakers in article order: what "he said" and "the official added" refer back to.
        self.history: list[tuple[Speaker, _Kind, str | None]] = []
        titles: dict[str, str] = {}  # "Ukrainian President" for "Volodymyr Zelensky"
        for number, text in enumerate(self.paragraphs):
            for found in filter(None, map(_parse_person, _name_groups(text))):
                if found.gender:
                    self.genders[found.name.split()[-1]] = found.gender
                if " " in found.name:
                    self.first_seen.setdefault(found.name, number)
                    titles.setdefault(found.name, found.role or "")
        # Appositive roles ("John Kirby, the ... coordinator") beat bare titles ("Gen."), and
        # apply to the whole article, even before the person first speaks.
        for number, text in enumerate(self.paragraphs):
            for name, role in _appositives(text):
                self.roles.setdefault(self._full_name(name, number), role)
        for name, title in titles.items():
            if title:
                self.roles.setdefault(name, title)

    def _full_name(self, name: str, paragraph: int) -> str:
        """A lone surname becomes the full name that ends with it, or failing that with a
        one-letter misspelling of it; the most recently introduced one if several do."""
        if " " in name:  # "Von der Leyen" -> "Ursula von der Leyen"
            longer = [f for f in self.first_seen if f.lower().endswith(" " + name.lower())]
            return longer[0] if len(longer) == 1 else name
        surnames = {full: full.split()[-1] for full in self.first_seen}
        found = [f for f, s in surnames.items() if s == name] or [
            f for f, s in surnames.items() if _one_typo_apart(s, name)
        ]
        before = [f for f in found if self.first_seen[f] <= paragraph]
        if before:
            return max(before, key=self.first_seen.__getitem__)
        return found[0] if found else name

    def attribute(self) -> list[list[Speaker | None]]:
        result: list[list[Speaker | None]] = []
        for number, text in enumerate(self.paragraphs):
            spans = split_sentences(text)
            quotes, masked = _quotes(text)
            explicit = [self._resolve(_find_subject(masked[s:e]), number) for s, e in spans]
            speakers = list(explicit)
            for q_start, q_end in quotes:
                # A quote attributed in one of its sentences owns the others that start in it:
                # “A. B,” Kirby said. -> "A." is Kirby's too.
                inside = [i for i, (s, e) in enumerate(spans) if s < q_end and e > q_start]
                owners = {explicit[i] for i in inside} - {None}
                if len(owners) == 1:
                    owner = owners.pop()
                    for i in inside:
                        if speakers[i] is None and spans[i][0] >= q_start:
                            speakers[i] = owner
            previous = result[-1][-1] if result and result[-1] else None
            for i, (start, _) in enumerate(spans):
                if speakers[i] is None and any(qs <= start < qe for qs, qe in quotes):
                    # A quote that carries on after a speaker's sentence (or opens a paragraph
                    # right after theirs) is still theirs.
                    speakers[i] = speakers[i - 1] if i else previous
            result.append(speakers)
        return result

    def _resolve(self, subject: _Subject | None, paragraph: int) -> Speaker | None:
        if subject is None:
            return None
        kind, gender = subject.kind, subject.gender
        if kind == "pronoun":
            return self._antecedent(subject.name.lower())
        if kind == "person":
            name = self._full_name(subject.name, paragraph)
            if subject.role:
                self.roles.setdefault(name, subject.role)
            gender = gender or self.genders.get(name.split()[-1])
            speaker = Speaker(name, self.roles.get(name))
        elif kind in ("unnamed", "group") and subject.name.startswith("the "):
            # "The spokesperson added" is the spokesperson who spoke before.
            noun = subject.name.split()[-1]
            earlier = [s for s, k, _ in self.history if k == kind and noun in s.name.split()]
            speaker = earlier[-1] if earlier else Speaker(subject.name)
        else:
            speaker = Speaker(subject.name)
        self.history.append((speaker, kind, gender))
        return speaker

    def _antecedent(self, pronoun: str) -> Speaker | None:
        """The most recent speaker (not merely someone mentioned) the pronoun can stand for."""
        kinds = {"he": "person unnamed", "she": "person unnamed", "they": "group org", "it": "org"}
        clash = {"he": "f", "she": "m"}.get(pronoun)
        for speaker, kind, gender in reversed(self.history):
            if kind in kinds[pronoun].split() and (gender is None or gender != clash):
                return speaker
        return None


def _find_subject(sentence: str) -> _Subject | None:
    """The source of the first attribution in a sentence whose quotes are masked."""
    for match in _VERB.finditer(sentence):
        left, right = sentence[: match.start()], sentence[match.end() :]
        if match.group("acc"):
            subject = _subject_after(right)
        else:
            subject = _subject_before(left)
            if subject is None and left.rstrip()[-1:] in (",", "”", '"'):
                subject = _subject_after(right)  # '“...,” said John Kirby, the ...'
        if subject is not None:
            return subject
    return None


def _clause_end(text: str) -> str:
    """The words after the last clause boundary, without a leading "But"."""
    text = text.rstrip()
    return _LEAD_CONJ.sub("", text[max(text.rfind(c) for c in _BOUNDARY) + 1 :].strip())


def _subject_before(left: str) -> _Subject | None:
    if (relative := _RELATIVE.search(left)) is not None:
        # "... Zelensky's visit to Washington, in which he thanked the U.S. and said ...": the
        # pronoun is the one person the sentence named before it; with two, it is a guess.
        named = [
            _parse_person([t.removesuffix("’s").removesuffix("'s") for t in group])
            for group in _name_groups(left[: relative.start()])
        ]
        # A lone capitalised word ("Wagner", "Washington") is no evidence of a person.
        people = {p.name: p for p in named if p is not None and (p.role or " " in p.name)}
        return next(iter(people.values())) if len(people) == 1 else None
    # Only a whole clause may be the subject, so "in which he thanked ... and said" is not.
    if clause := _clause_end(_ADVERBS.sub("", left.rstrip())):
        return _parse_subject(clause)
    if not left.rstrip().endswith(","):
        return None
    # Appositive: "John Kirby, the ... coordinator, said" / "The founder, Yevgeny Prigozhin, said"
    body = left.rstrip()[:-1]
    second, first = (
        body[body.rfind(",") + 1 :].strip(),
        _clause_end(body[: max(body.rfind(","), 0)]),
    )
    if second.startswith(("who ", "whose ")) or second.isdigit():  # "X, who .../X, 52, said"
        return _parse_subject(first)
    for name, role in ((first, second), (second, first)):
        found = _parse_subject(name) if _is_appositive(role) else None
        if found is not None and found.kind == "person":
            return _with_role(found, role)
    return None


def _subject_after(right: str) -> _Subject | None:
    head, _, tail = right.partition(",")
    head = _TIME_OR_VENUE.sub("", head.strip().rstrip('.!?”"’) '))
    found = _parse_subject(head) or _parse_subject(_PREPOSITION_CUT.sub("", head))
    if found is None or found.kind == "pronoun":
        return None
    return _with_role(found, tail.partition(",")[0].strip().rstrip('.!?”"’) '))


def _with_role(subject: _Subject, role: str) -> _Subject:
    if subject.kind != "person" or not _is_appositive(role, job=True):
        return subject
    return _Subject("person", subject.name, _lower_article(role), subject.gender)


def _parse_subject(clause: str) -> _Subject | None:
    clause = _TIME_OR_VENUE.sub("", clause.strip())
    if clause.lower() in ("he", "she", "they", "it"):
        return _Subject("pronoun", clause)
    if "#" in clause or not clause:
        return None
    if match := _UNNAMED.fullmatch(clause):
        many = match.group("many") or match.group("crowd")
        return _Subject("group" if many else "unnamed", _lower_article(clause))
    tokens = clause.split()
    person = _parse_person(tokens)
    if person is not None and person.role:
        return person  # "the Ukrainian President Volodymyr Zelensky"
    if _ORG_PHRASE.fullmatch(clause) or (
        all(t[0].isupper() or t in ("of", "and", "for") for t in tokens)
        and (tokens[0] == "The" or any(t.rstrip(".").lower() in _ORG_WORDS for t in tokens))
    ):
        return _Subject("org", _lower_article(clause))  # "the Kremlin", "Russia’s Defense Ministry"
    return person


def _parse_person(tokens: Sequence[str]) -> _Subject | None:
    """Name, role and gender: Ukrainian President Volodymyr Zelensky; Mr. Prigozhin."""
    titled = [i for i, t in enumerate(tokens) if t.lower().rstrip(".") in _TITLES]
    cut = titled[-1] + 1 if titled else 0
    role, name = list(tokens[:cut]), list(tokens[cut:])
    while role and role[0].lower() in _STOP:  # "the Ukrainian President", "Yesterday President"
        role = role[1:]
    gender = None
    if name and name[0].lower().rstrip(".") in _HONORIFICS:
        gender = _HONORIFICS[name.pop(0).lower().rstrip(".")]
    if not 1 <= len(name) <= 4 or len(role) > 6 or name[0] in _PARTICLES or name[-1] in _PARTICLES:
        return None
    for token in name:
        plain = token.rstrip(".").lower()
        if token not in _PARTICLES and (
            not (_WORD.fullmatch(token) or _DOTTED.fullmatch(token)) or plain in _NOT_NAMES
        ):
            return None
    return _Subject("person", " ".join(name), " ".join(role) or None, gender)


def _name_groups(text: str) -> list[list[str]]:
    """Runs of capitalised words, without leading sentence words ("But Kirby" -> ["Kirby"])."""
    groups: list[list[str]] = []
    for run in _NAME_RUN.finditer(text):
        group = run.group().split()
        while group and (group[0] in _PARTICLES or group[0].lower().rstrip(".") in _STOP):
            group = group[1:]
        if group:
            groups.append(group)
    return groups


def _appositives(text: str) -> list[tuple[str, str]]:
    """(name, role): "John Kirby, the ... coordinator" and "The ... founder, Yevgeny Prigozhin,"."""
    pairs: list[tuple[str, str]] = []
    for start, end in split_sentences(text):
        sentence = text[start:end].rstrip('.!?”" ')
        for m in re.finditer(r", (?=(?:the|a|an) )", sentence):
            role, groups = (
                re.split("[,;]", sentence[m.end() :])[0],
                _name_groups(sentence[: m.start()]),
            )
            if (
                groups
                and sentence[: m.start()].endswith(groups[-1][-1])
                and _is_appositive(role, job=True)
            ):
                pairs.append((" ".join(groups[-1]), role))
        for m in re.finditer(r"(?:^|, )((?:[Tt]he|[Aa]n?) [^,;“”\"]{3,100}), ([^,]+),", sentence):
            if _is_appositive(m.group(1), job=True) and (
                person := _parse_person(m.group(2).split())
            ):
                pairs.append((person.name, _lower_article(m.group(1))))
    return pairs


def _is_appositive(text: str, job: bool = False) -> bool:
    """An appositive: "the ... coordinator"; with job, one that names a job, not a place."""
    words = text.split()
    plain = {w.lower().rstrip(".,").removesuffix("’s").removesuffix("'s") for w in words}
    return (
        1 < len(words) <= 15
        and words[0].lower() in ("the", "a", "an")
        and not any(c in text for c in '#“”"')
        and words[1].lower() not in ("same", "other", "first", "second", "last")
        and (not job or bool(plain & _ROLE_NOUNS))
    )


def _lower_article(text: str) -> str:
    """Lower-case a leading article or common noun: A senior official; Officials (not U.S.)."""
    first, _, rest = text.partition(" ")
    common = first.lower() in _DETS or _UNNAMED.fullmatch(first) is not None
    return f"{first.lower()} {rest}".strip() if common and first.isalpha() else text


def _one_typo_apart(a: str, b: str) -> bool:
    """One insertion, deletion or substitution ("Prigorzhin" for "Prigozhin"), in long names."""
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return a[i + (len(a) >= len(b)) :] == b[i + (len(b) >= len(a)) :]


def _quotes(text: str) -> tuple[list[tuple[int, int]], str]:
    """Double-quoted stretches (an unclosed one runs to the paragraph end), and the text with
    their words masked by '#' so that verbs and names inside quotes are not attributions."""
    spans: list[tuple[int, int]] = []
    opened = -1
    for mark in re.finditer(r"[“”\"]", text):
        if mark.group() == "“" or (mark.group() == '"' and opened < 0):
            if opened >= 0:
                spans.append((opened, mark.start()))
            opened = mark.start()
        elif opened >= 0:
            spans.append((opened, mark.end()))
            opened = -1
    if opened >= 0:
        spans.append((opened, len(text)))
    chars = list(text)
    for start, end in spans:
        stop = end - 1 if text[end - 1] in '”"' and end - 1 > start else end
        chars[start + 1 : stop] = "#" * (stop - start - 1)
    return spans, "".join(chars)
