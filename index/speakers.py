"""Who says each sentence of one news article.

Each sentence's attribution cues (index/attribution/cues.py) name a subject; the subject is
resolved against the article (index/attribution/registry.py: "Roe" is "Jane Roe", "the
company" is the one the article is about, "he" the last speaker he can be); sentences inside
a quote take the quote's speaker, and a quote that carries on after a speaker's sentence or
opens the paragraph after it stays theirs. A sentence without a clear source is narration
(None): a wrong name is worse than none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.attribution import vocabulary as v
from index.attribution.clauses import leading_subject
from index.attribution.cues import Cue, find_cues
from index.attribution.phrases import Subject, bare, is_role
from index.attribution.quotes import Quote, find_quotes, mask
from index.attribution.registry import Entity, Registry
from index.sentences import split_sentences

LANGUAGES = ("en", "ru", "de")


@dataclass(frozen=True)
class Speaker:
    name: str  # "Jane Roe", "a senior official", "the Interior Ministry"
    role: str | None = None  # as written: "the ministry's spokeswoman"
    kind: str | None = None  # "person", "organisation" or "unnamed"; None when unknown

    def label(self) -> str:
        return f"{self.name}, {self.role}" if self.role else self.name


@dataclass(frozen=True)
class _Said:  # one attributed sentence, remembered for what later refers back to it
    speaker: Speaker
    kind: str  # the subject's kind: person, org, name, unnamed, group, document
    gender: str | None
    number: str | None
    head: str | None = None


def attribute_speakers(
    paragraphs: Sequence[str], language: str = "en"
) -> list[list[Speaker | None]]:
    """For each paragraph of ONE article (in order), the speaker of each sentence, aligned
    with split_sentences(paragraph). None = the article's own narration. `language` is the
    article's (front matter); other languages than en, ru and de are read as English."""
    language = language if language in LANGUAGES else "en"
    rows = _Article(list(paragraphs), language).attribute()
    return [[_after_name(s, language) if s else None for s in row] for row in rows]


def _after_name(speaker: Speaker, language: str) -> Speaker:
    """The speaker with its role as written after the name: a role word that opened the
    sentence loses the capital the sentence gave it ("Жительница Заречного района Валентина
    Крылова сказала" is "Валентина Крылова, жительница Заречного района"; "Spokeswoman Jane
    Roe said": "Jane Roe, spokeswoman"). German capitalises every noun; abbreviated titles
    ("Sen.") and acronyms keep theirs."""
    first = (speaker.role or "").split(" ", 1)[0]
    plain = first[1:].isalpha() and first[1:].islower()
    if language == "de" or not (first[:1].isupper() and plain and is_role(first, language)):
        return speaker
    return replace(speaker, role=first[0].lower() + speaker.role[1:])


class _Article:
    def __init__(self, paragraphs: list[str], language: str) -> None:
        self.paragraphs = paragraphs
        self.language = language
        self.registry = Registry(paragraphs, language)
        self.history: list[_Said] = []  # speakers and narrated subjects, in article order

    def attribute(self) -> list[list[Speaker | None]]:
        result: list[list[Speaker | None]] = []
        for number, text in enumerate(self.paragraphs):
            previous = result[-1][-1] if result and result[-1] else None
            result.append(self._paragraph(number, text, previous))
        return result

    def _paragraph(self, number: int, text: str, previous: Speaker | None) -> list[Speaker | None]:
        spans = split_sentences(text)
        quotes = [q for q in find_quotes(text, self.language) if q.speech]
        masked = mask(text, find_quotes(text, self.language))
        speakers = [self._sentence(masked[s:e], number) for s, e in spans]
        _share_quotes(spans, quotes, speakers)
        for i, (start, end) in enumerate(spans):
            if speakers[i] is not None:
                continue
            before = speakers[i - 1] if i else previous
            if any(q.holds(start) for q in quotes) or self._reported(masked[start:end]):
                speakers[i] = before
            elif i + 1 < len(spans) and _wholly_quoted((start, end), quotes):
                speakers[i] = speakers[i + 1]  # '“Can I?” Roe asked, turning ...'
        return speakers

    def _reported(self, sentence: str) -> bool:
        """German reported speech goes on in the subjunctive ("Man rechne mit ...")."""
        if self.language != "de":
            return False
        return any(bare(w).casefold() in v.DE_SUBJUNCTIVE for w in sentence.split())

    def _sentence(self, sentence: str, number: int) -> Speaker | None:
        cues = find_cues(sentence, self.language)
        for cue in cues:
            if cue.relative:
                speaker = self._named_before(sentence[: cue.position], number)
                if speaker is not None:
                    return speaker
                continue
            if cue.subject.kind == "pronoun":
                if cue.subordinate:
                    continue  # "when he responded": too loose to name anyone
                named = [
                    c for c in cues if c.position < cue.position and c.subject.kind != "pronoun"
                ]
                cue = named[0] if named else cue  # "Though X said ..., it added": it is X
            speaker = self._resolve(cue, number)
            if speaker is not None:
                return speaker
        self._narrated(sentence, number)
        return None

    def _named_before(self, text: str, number: int) -> Speaker | None:
        """The one person a sentence names before a relative clause's pronoun; with two or
        none, nobody (a guess is worse than no name)."""
        people = set()
        for token in text.split():
            word = bare(token)
            entity = self.registry.person(word, number) if word[:1].isupper() else None
            if entity is not None and word not in v.EN_STOP:
                people.add(entity.name)
        if len(people) != 1:
            return None
        entity = self.registry.entities[people.pop()]
        speaker = Speaker(entity.name, entity.role, "person")
        self.history.append(_Said(speaker, "person", entity.gender, "sg"))
        return speaker

    def _narrated(self, sentence: str, number: int) -> None:
        """A person a narrated sentence is about ("Roe visited the plant") is whom a "he
        said" in the next sentence most likely means."""
        subject = leading_subject(sentence, self.language)
        opening = sentence.split(",")[0].split()[:8]
        if subject is None and "and" in opening and self.language == "en":
            # "Roe and the board have ...": a plural subject "they" may mean; no one name.
            self.history.append(_Said(Speaker(""), "group", None, "pl"))
            return
        if subject is not None and subject.kind in ("person", "name"):
            entity = self.registry.person(subject.name, number)
            if entity is not None:
                speaker = Speaker(entity.name, entity.role, "person")
                self.history.append(_Said(speaker, "person", entity.gender, "sg"))

    # --- resolution -----------------------------------------------------------------

    def _resolve(self, cue: Cue, number: int) -> Speaker | None:
        subject = cue.subject
        if subject.kind == "pronoun":
            return self._antecedent(subject, cue)
        said = self._said(subject, number, cue)
        if said is None:
            return None
        gender = said.gender or cue.gender
        entity = self.registry.entities.get(said.speaker.name)
        if entity is not None and entity.gender is None and gender:
            entity.gender = gender
        self.history.append(_Said(said.speaker, said.kind, gender, said.number, said.head))
        return said.speaker

    def _said(self, subject: Subject, number: int, cue: Cue) -> _Said | None:
        kind = subject.kind
        if kind in ("person", "name"):
            entity = self.registry.person(subject.name, number)
            if entity is None and kind == "name":
                entity = self.registry.org(subject.name)
            if entity is not None:
                return self._entity(entity, subject)
            if kind == "name":
                return _Said(Speaker(subject.name), "name", None, None)
            return _Said(Speaker(subject.name, subject.role, "person"), kind, subject.gender, "sg")
        if kind == "org":
            entity = self.registry.org(subject.name)
            name = entity.name if entity is not None else subject.name
            return _Said(Speaker(name, None, "organisation"), "org", "n", None, subject.head)
        if kind == "generic":
            return self._generic(subject, number)
        return self._unnamed(subject, number)

    def _entity(self, entity: Entity, subject: Subject) -> _Said:
        if entity.kind == "org":
            return _Said(Speaker(entity.name, None, "organisation"), "org", "n", None, entity.head)
        if subject.role and (
            not entity.role or len(entity.role.split()) == 1 < len(subject.role.split())
        ):
            entity.role = subject.role  # "the army chief" says more than "Gen."
        role = entity.role or subject.role
        return _Said(
            Speaker(entity.name, role, "person"), "person", entity.gender or subject.gender, "sg"
        )

    def _generic(self, subject: Subject, number: int) -> _Said | None:
        """ "the company" / "the analyst": someone the article has named."""
        head = subject.head or ""
        holder = self.registry.role_holder(head, number)
        if holder is not None:
            return self._entity(holder, subject)
        entity = self.registry.generic(subject)
        if entity is not None:
            return self._entity(entity, subject)
        earlier = [s for s in self.history if s.head == head and s.kind in ("org", "unnamed")]
        if earlier:
            return earlier[-1]
        if head in v.EN_SOURCES or head in v.EN_ORGS or self.language != "en":
            kind = "unnamed" if head in v.EN_SOURCES else "org"
            label = "unnamed" if kind == "unnamed" else "organisation"
            return _Said(Speaker(subject.name, None, label), kind, None, "sg", head)
        return None  # "the actor" nobody in the article is

    def _unnamed(self, subject: Subject, number: int) -> _Said:
        head = subject.head
        if subject.name.startswith("the "):
            earlier = [s for s in self.history if s.head == head and s.kind == subject.kind]
            if earlier:
                return earlier[-1]
            holder = self.registry.role_holder(head or "", number)
            if holder is not None and subject.kind == "unnamed":
                return self._entity(holder, subject)  # "the analyst" the article named
        if number == 0 and subject.kind == "unnamed" and head:
            # A lead keeps the name for later ("a prosecutor told the jury"); the one person
            # the article gives that role is who it means.
            later = self.registry.with_role(head, number)
            if len(later) == 1:
                return self._entity(later[0], subject)
        speaker = Speaker(subject.name, None, "unnamed")
        return _Said(speaker, subject.kind, subject.gender, subject.number, head)

    def _antecedent(self, pronoun: Subject, cue: Cue) -> Speaker | None:
        """The latest speaker (or narrated person) the pronoun can stand for, never one the
        same clause addresses ("he told Roe")."""
        gender = pronoun.gender or cue.gender
        number = pronoun.number or cue.number
        for said in reversed(self.history):
            if said.speaker.name and bare(said.speaker.name.split()[-1]) in cue.others:
                continue
            entity = self.registry.entities.get(said.speaker.name)
            if entity is not None and entity.gender:
                said = _Said(said.speaker, said.kind, entity.gender, said.number, said.head)
            if _agrees(said, gender, number):
                return said.speaker if said.speaker.name else None
        return None


def _agrees(said: _Said, gender: str | None, number: str | None) -> bool:
    if gender == "n":  # "it": an organisation
        return said.kind in ("org", "name")
    if number == "pl":
        return said.kind in ("group", "org") or said.number == "pl"
    if said.kind not in ("person", "unnamed"):
        return gender == "f" and number is None and said.kind in ("group", "org")  # German "sie"
    return said.gender is None or gender is None or said.gender == gender


def _wholly_quoted(span: tuple[int, int], quotes: list[Quote]) -> bool:
    return any(q.start <= span[0] and q.end >= span[1] - 1 for q in quotes)


def _share_quotes(
    spans: list[tuple[int, int]], quotes: list[Quote], speakers: list[Speaker | None]
) -> None:
    """A quote attributed in one of its sentences owns the others that start inside it:
    '“A. B,” Roe said.' -> "A." is Roe's too."""
    for quote in quotes:
        inside = [i for i, (s, e) in enumerate(spans) if s < quote.end and e > quote.start]
        owners = {speakers[i] for i in inside} - {None}
        if len(owners) != 1:
            continue
        owner = owners.pop()
        for i in inside:
            if speakers[i] is None and quote.holds(spans[i][0]):
                speakers[i] = owner
