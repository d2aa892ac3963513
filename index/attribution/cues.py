"""Attribution cues in one sentence (quotes masked): each verb of saying or evidential phrase
("according to X", "по словам X", "laut X") with the subject it names. The first cue of the
main clause is the sentence's source; a cue in a subordinate clause or a document ("according
to a statement") yields to a named one."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.attribution import vocabulary as v
from index.attribution.clauses import (
    leading_subject,
    subject_after,
    subject_before,
    trim_tail,
    up_to_name_end,
)
from index.attribution.phrases import Subject, bare, parse
from index.attribution.quotes import MASK

_WORD = re.compile(r"\S+")
_NOUN_USE = v.words("a an the his her its their our my your this that these those")
_PARTICIPLES = v.words(
    "saying telling noting adding warning arguing insisting claiming "
    "calling describing explaining stressing urging"
)
_RU_ENDING = re.compile(r"(?:л|ла|ло|ли|ет|ют|ит|ят|ает|яет|ется|ются|г|гла|гли)$")


@dataclass(frozen=True)
class Cue:
    position: int
    subject: Subject
    subordinate: bool = False
    gender: str | None = None  # what the verb's form says (Russian "заявила": "f")
    number: str | None = None
    others: tuple[str, ...] = ()  # names the clause gives to someone else (an addressee)
    relative: bool = False  # "..., in which he thanked them and said": a pronoun in a
    # relative clause means someone the sentence has just named

    def rank(self) -> tuple[bool, bool, int]:
        return (self.subordinate, self.subject.kind == "document", self.position)


def find_cues(sentence: str, language: str = "en") -> list[Cue]:
    finder = {"ru": _russian, "de": _german}.get(language, _english)
    cues = [c for c in finder(sentence) if c.subject is not None]
    return sorted(cues, key=Cue.rank)


def _tokens(sentence: str) -> list[re.Match[str]]:
    return list(_WORD.finditer(sentence))


def _english(sentence: str) -> list[Cue]:
    tokens = _tokens(sentence)
    cues: list[Cue] = []
    for i, match in enumerate(tokens):
        word = bare(match.group()).casefold()
        nxt = bare(tokens[i + 1].group()).casefold() if i + 1 < len(tokens) else ""
        if word == "according" and nxt == "to":
            cues += _evidential(sentence, tokens[i + 1].end(), match.start(), "en")
        elif word == "per" and _per_source(tokens, i):
            cues += _evidential(sentence, match.end(), match.start(), "en")
        elif word in _PARTICIPLES and sentence[: match.start()].rstrip().endswith(","):
            cues += _leading(sentence, match.start(), "en")
        elif (
            word == "issued" and nxt in ("a", "an") and "statement" in sentence[match.end() :][:20]
        ) or (
            word in v.EN_SPEECH and match.group()[0].islower() and _speech_use(sentence, tokens, i)
        ):
            cues += _verb(sentence, tokens, i, "en")
    return cues


def _per_source(tokens: list[re.Match[str]], i: int) -> bool:
    """ "per the WHO" / "per Roe", not "per cent" or "per day"."""
    if i + 1 >= len(tokens):
        return False
    nxt = tokens[i + 1].group()
    return nxt == "the" or (nxt[:1].isupper() and not nxt[:1].isdigit())


def _speech_use(sentence: str, tokens: list[re.Match[str]], i: int) -> bool:
    word = bare(tokens[i].group()).casefold()
    before = [bare(t.group()).casefold() for t in tokens[max(0, i - 2) : i]]
    if before and before[-1] in _NOUN_USE:
        return False  # "a reported fee", "the claim"
    real = [w for w in before if not w.endswith("ly")]
    if word.endswith("ing"):
        return bool(real) and real[-1] in v.words("is are was were been")  # "are urging"
    if real and real[-1] in v.EN_PASSIVE:
        return False  # "is said to", "was accused"
    rest = sentence[tokens[i].end() :]
    clause = re.split(r"[,.;:!?]", rest, maxsplit=1)[0]
    if word in v.EN_PHRASAL:
        return rest.split()[:1] == [v.EN_PHRASAL[word]]
    if word in v.EN_NEEDS:
        wanted = v.EN_NEEDS[word].split()
        return bool(set(clause.casefold().split()) & set(wanted)) or MASK in clause
    if word in v.EN_OBJECT_SHY:
        inverted = sentence[: tokens[i].start()].rstrip()[-1:] in ',”"’' + MASK
        nxt = rest.split()[0].casefold().strip(",.") if rest.split() else ""
        return (
            inverted
            or not nxt
            or rest.lstrip()[:1] in ',.:;“"'
            or nxt in (v.words("that on in to for this last earlier later") | v.EN_TIME)
        )
    return True


def _verb(sentence: str, tokens: list[re.Match[str]], i: int, language: str) -> list[Cue]:
    match = tokens[i]
    left, right = sentence[: match.start()], sentence[match.end() :]
    if match.group().endswith("ing"):
        left = re.sub(r"\s+(?:is|are|was|were|been)\s*$", "", left)
    if language == "en" and bare(match.group()).casefold() in v.EN_PHRASAL:
        right = right.split(None, 1)[1] if len(right.split()) > 1 else ""
    found, subordinate = subject_before(left, language)
    tail = left.rstrip()
    relative = False
    if found is None and _coordinated(tail, language):
        found, relative = _clause_subject(tail, language)
        found = found or leading_subject(sentence, language)
    if found is None and (not tail or tail[-1] in ',”"’—–:' + MASK):
        found = subject_after(right, language)
    if found is None:
        return []
    others = _addressees(right, language)
    return [Cue(match.start(), found, subordinate, others=others, relative=relative)]


def _clause_subject(tail: str, language: str) -> tuple[Subject | None, bool]:
    """The subject of the clause a second verb shares ("in which he thanked them and")."""
    clause = tail[max(tail.rfind(c) for c in ",;:—–(") + 1 :].strip()
    opener = re.match(r"^(?:\w+\s+)?(?:which|whom|who|where|when)\s+", clause, re.I)
    if opener is None:
        return None, False
    rest = clause[opener.end() :]
    first = rest.split()[0] if rest.split() else ""
    found = parse(first, language) if first.casefold() in v.EN_PRONOUNS else None
    found = found or leading_subject(rest, language)
    return found, found is not None and found.kind == "pronoun"


def _coordinated(tail: str, language: str) -> bool:
    """ "... welcomed the findings but warned": a second verb of the sentence's subject."""
    last = trim_tail(tail, language).rsplit(None, 1)[-1:] if tail else []
    return bool(last) and last[0].casefold() in ("and", "but", "und", "aber", "и", "но")


def _addressees(right: str, language: str) -> tuple[str, ...]:
    """Who a verb's object names ("told Roe", "сказал Иванову"): never its subject."""
    head = re.split(r"[,.;:!?“\"«(—–]", right, maxsplit=1)[0].split()[:4]
    return tuple(bare(t) for t in head if t[:1].isupper())


def _leading(sentence: str, position: int, language: str) -> list[Cue]:
    found = leading_subject(sentence, language)
    return [Cue(position, found)] if found is not None else []


def _evidential(sentence: str, start: int, position: int, language: str) -> list[Cue]:
    """ "according to X, the ..." / "..., according to data compiled by X"."""
    rest = re.sub(r"\s+(['’]s)\b", r"\1", sentence[start:].strip())
    phrase = re.split(r"[,;:.!?—–(" + MASK + r"]\s|[;:!?—–(" + MASK + r"]|\.$", rest)[0]
    phrase = re.sub(r"\.$", "", phrase.strip())
    compiled = re.search(r"\b(?:compiled|collected|published|released|gathered) by\s+(.+)$", phrase)
    if compiled:
        phrase = compiled.group(1)
    found = parse(" ".join(up_to_name_end(_cut_time(phrase).split(), language)), language)
    after = rest[len(phrase) :].lstrip()
    if after.startswith(",") and found is not None and found.kind in ("generic", "unnamed"):
        appositive = parse(re.split(r"[,.;:!?]", after[1:], maxsplit=1)[0], language)
        if appositive is not None and appositive.kind in ("org", "person", "name"):
            found = appositive  # "the band's label, Greyhound Records"
    if found is None or found.kind == "pronoun":
        return []
    if found.kind == "document" and re.fullmatch(r"(?:a|an)\s+\w+", phrase.strip(), re.I):
        return []  # "according to a report": which, the text does not say
    return [Cue(position, found)]


def _cut_time(phrase: str) -> str:
    """ "a study published on Wednesday in the journal X" -> "a study"."""
    phrase = re.sub(r"\s+(?:published|released|issued|seen|obtained|filed)\b.*$", "", phrase)
    return re.sub(
        r"\s+(?:on|last|this)\s+(?:" + "|".join(v.EN_TIME) + r")\b.*$", "", phrase, flags=re.I
    )


def _russian(sentence: str) -> list[Cue]:
    cues: list[Cue] = []
    lowered = sentence.casefold()
    for phrase in v.RU_EVIDENTIAL:
        for found in re.finditer(rf"(?<!\w){phrase}(?!\w)", lowered):
            cues += _evidential(sentence, found.end(), found.start(), "ru")
    pronoun = re.search(r"(?<!\w)по (его|её|ее|их) словам", lowered)
    if pronoun:
        cues.append(Cue(pronoun.start(), parse(pronoun.group(1), "ru")))  # type: ignore[arg-type]
    for phrase in v.RU_IMPERSONAL:
        for found in re.finditer(rf"(?<!\w){phrase}\s", lowered):
            cues += _evidential(sentence, found.end(), found.start(), "ru")
    tokens = _tokens(sentence)
    for i, match in enumerate(tokens):
        word = bare(match.group()).casefold()
        stem = next((s for s in v.RU_SPEECH_STEMS if word.startswith(s)), None)
        if stem is None or not _RU_ENDING.search(word[len(stem) - 1 :]):
            continue
        if stem in v.RU_NEEDS_QUOTE and MASK not in sentence[match.end() :]:
            continue
        gender, number = _russian_form(word)
        for cue in _verb(sentence, tokens, i, "ru"):
            cues.append(Cue(cue.position, cue.subject, cue.subordinate, gender, number, cue.others))
    return cues


def _russian_form(word: str) -> tuple[str | None, str | None]:
    if word.endswith(("ла", "лась")):
        return "f", "sg"
    if word.endswith(("ли", "лись", "ют", "ят")):
        return None, "pl"
    if word.endswith(("л", "г")):
        return "m", "sg"
    return None, "sg"


def _german(sentence: str) -> list[Cue]:
    cues: list[Cue] = []
    tokens = _tokens(sentence)
    for i, match in enumerate(tokens):
        word = bare(match.group())
        low = word.casefold()
        after_comma = sentence[: match.start()].rstrip().endswith(",")
        if low == "laut" and (word == "laut" or i == 0) or low == "so" and after_comma:
            cues += _evidential(sentence, match.end(), match.start(), "de")
        elif low == "nach" and i + 1 < len(tokens) and tokens[i + 1].group() == "Angaben":
            cues += _evidential(sentence, tokens[i + 1].end(), match.start(), "de")
        elif word in v.DE_SPEECH and word[0].islower():
            particle = v.DE_PARTICLE.get(word)
            clause = re.split(r"[,.;:!?]", sentence[match.end() :], maxsplit=1)[0]
            if particle and particle not in clause.split():
                continue
            cues += _verb(sentence, tokens, i, "de")
    return cues
