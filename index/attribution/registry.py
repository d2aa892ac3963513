"""Who an article names, read once before attribution: people with their full names, roles
and (where the text shows it) gender; organisations with their aliases, descriptions and
mention counts. Short references resolve against it: a surname to the full name, "Acme" or
"ABC" to "Acme Broadcasting Corp.", "the company" to the organisation the article is about."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from index.attribution import morphology
from index.attribution import vocabulary as v
from index.attribution.clauses import is_role_phrase
from index.attribution.phrases import (
    Subject,
    bare,
    is_cap,
    is_org_word,
    is_role,
    name_run,
    parse,
    plain,
)
from index.attribution.quotes import find_quotes, mask
from index.sentences import split_sentences


@dataclass
class Entity:
    name: str
    kind: str  # "person" or "org"
    first: int  # paragraph of the first mention
    role: str | None = None
    gender: str | None = None
    head: str | None = None  # an organisation's own noun: "band" for "X, the folk band"
    mentions: int = 0


class Registry:
    def __init__(self, paragraphs: Sequence[str], language: str) -> None:
        self.language = language
        self.entities: dict[str, Entity] = {}
        self.acronyms: dict[str, str] = {}
        self._text = " ".join(paragraphs)
        self._lowered = set(re.findall(r"\b[a-zа-яё]+\b", self._text))
        for number, text in enumerate(paragraphs):
            masked = mask(text, find_quotes(text, language))
            for start, end in split_sentences(text):
                self._read(masked[start:end], number)
        for number, text in enumerate(paragraphs):
            self._quoted_orgs(text, number)
        self._merge_prefixes()
        for entity in self.entities.values():
            entity.mentions = self._mentions(entity)

    def _mentions(self, entity: Entity) -> int:
        """The full name, its acronyms, and its first word standing alone ("Acme's")."""
        if self.language == "ru":
            stem = re.escape(entity.name.split()[0][:6])
            return len(re.findall(rf"(?<!\w){stem}", self._text))
        name = re.sub(r"^the\s+", "", entity.name)
        count = self._text.count(name)
        count += sum(self._text.count(a) for a, n in self.acronyms.items() if n == entity.name)
        words = name.split()
        if len(words) > 1 and entity.kind == "org":
            first = re.escape(words[0])
            count += len(re.findall(rf"(?<!\w){first}(?!\w)(?!\s+[A-Z&])", self._text))
        return count

    def _quoted_orgs(self, text: str, number: int) -> None:
        """Names in quotes after a type noun: компания «Альфа», Bürgerinitiative „Grün“."""
        for match in re.finditer(r"([\w-]+)\s+[«„“\"]([^»“”\"]{2,40})[»“”\"]", text):
            noun = match.group(1)
            if self.language == "en" or not (
                is_org_word(noun, self.language)
                or (morphology.lemma(noun.casefold()) in v.RU_GENERIC_ORGS)
            ):
                continue
            name = match.group(2)
            if self.language == "ru":
                name = morphology.nominative(name)
            self.entities.setdefault(name, Entity(name, "org", number))

    def _merge_prefixes(self) -> None:
        """ "Acme" (an organisation, from "Acme's chief executive") and "Acme Foods" are one:
        the longer name is kept, as an organisation."""
        for short in [e for e in self.entities.values() if " " not in e.name and e.kind == "org"]:
            longer = [
                e
                for e in self.entities.values()
                if e is not short and e.name.split()[0] == short.name
            ]
            if len(longer) == 1:
                longer[0].kind = "org"
                longer[0].head = longer[0].head or short.head
                del self.entities[short.name]

    # --- reading --------------------------------------------------------------------

    def _read(self, sentence: str, number: int) -> None:
        tokens = sentence.split()
        i = 0
        while i < len(tokens):
            end = self._run_end(tokens, i)
            if end == i:
                i += 1
                continue
            self._note(tokens, i, end, number)
            i = end

    def _run_end(self, tokens: list[str], i: int) -> int:
        """Where a run of capitalised words (joined by "of", "for", "&") starting at i ends."""
        end = i
        while end < len(tokens):
            token = tokens[end]
            joins = plain(token) in _JOINERS and end > i and end + 1 < len(tokens)
            joins = joins and (token.islower() or plain(token) in ("of", "for", "and"))
            if joins and name_run([tokens[end + 1]], self.language) == 0:
                end += 1
                continue
            if name_run([token], self.language) != 0 or "(" in token:
                break
            end += 1
            if re.search(r"['’]s?$", token) or token[-1:] in ",;:)":
                break
        return end

    def _note(self, tokens: list[str], i: int, end: int, number: int) -> None:
        run = [bare(t) for t in tokens[i:end]]
        if "and" in run and not any(is_org_word(w, self.language) for w in run):
            cut = i + run.index("and")  # "Jane Roe and John Doe": two people
            self._note(tokens, i, cut, number)
            self._note(tokens, cut + 1, end, number)
            return
        if i == 0 or tokens[i - 1][-1:] in '.!?“"«—':
            while run and self._common_word(run[0]):
                run, i = run[1:], i + 1
        if not run:
            return
        if len(run) == 1 and is_org_word(run[0], self.language):
            return  # "Ministry" or "Агрохолдинг" alone is a kind of organisation, not one
        dateline = end < len(tokens) and tokens[end].startswith("(")
        if all(w.isupper() for w in run) and (len(run) > 1 or dateline):
            return  # "SAN JOSE (Reuters) —": a dateline
        place = i > 0 and plain(tokens[i - 1]) in _PLACE_PREPOSITIONS
        roles: list[str] = []
        for token in reversed(tokens[max(0, i - 4) : i]):
            word = bare(token)
            title = is_role(word, self.language) or (roles and (token.islower() or is_cap(word)))
            if not title or token[-1:] in ",;:." or plain(token) in v.EN_STOP | v.DE_STOP:
                break
            roles.insert(0, word)  # "Acme spokesman Jane Roe", "chief financial officer"
        subject = parse(" ".join([*roles, *run]), self.language)
        if subject is None or subject.kind not in ("person", "org", "name"):
            return
        after = ("," if tokens[end - 1].endswith(",") else "") + " ".join(tokens[end:])
        owner = bool(re.search(r"['’]s?$", tokens[end - 1]))
        possessor = owner and (self._role_follows(after) or _members_follow(after))
        owned = not re.search(r"['’]s?$", tokens[end - 1]) and _members_follow(after)
        kind = subject.kind
        appositive = _appositive(after, self.language)
        if kind == "name" and appositive and is_role_phrase(appositive, self.language):
            kind = "person" if not self._described(after) else "org"  # "Roe, a steward,"
        if kind == "name" or (kind == "person" and not subject.role):
            evidence = possessor or owned or self._described(after) or after.startswith("(")
            kind = "org" if evidence else kind
        if kind == "name" or (place and kind == "person" and not subject.role):
            return  # "in Port Ellis": a place, not a person
        if kind == "org" and i > 0 and tokens[i - 1] in ("The", "the") and self.language == "en":
            subject = replace(subject, name="the " + re.sub(r"^the\s+", "", subject.name))
        self._add(subject, kind, number, after)
        self._acronym(subject.name, after)

    def _common_word(self, word: str) -> bool:
        """A sentence's first word that the article also writes in lower case, or a form
        that is no name ("Hosting", "Asked")."""
        low = word.casefold()
        if low in v.EN_STOP | v.RU_STOP | v.DE_STOP:
            return True
        return low in self._lowered or low.endswith(("ing", "ly")) and self.language == "en"

    def _role_follows(self, after: str) -> bool:
        """ "Acme's chief executive": a role right after the possessive (adjectives aside)."""
        for word in after.split()[:3]:
            if is_role(bare(word), self.language):
                return True
            if not word.islower():
                return False
        return False

    def _described(self, after: str) -> bool:
        """ "Acme, a medical charity," / "The Pines, the folk band whose ...": an organisation."""
        head = _appositive_head(after)
        return head is not None and is_org_word(head, self.language)

    def _add(self, subject: Subject, kind: str, number: int, after: str) -> None:
        name = subject.name
        if self.language == "ru" and kind == "person":
            name = morphology.nominative(name, name=True)
        appositive = _appositive(after, self.language).rstrip(".")
        described = bool(appositive) and is_role_phrase(appositive, self.language)
        if kind == "person" and " " not in name and not described:
            return  # a lone surname is a reference, not an introduction ("Roe, a steward," is)
        if kind == "person" and self.language == "de" and not subject.role:
            return  # every German noun is capitalised: a person has a role before the name
        entity = self.entities.setdefault(name, Entity(name, kind, number))
        if entity.kind == "person" and kind == "org":
            entity.kind = "org"
        role = subject.role
        part = _appositive(after, self.language).rstrip(".")
        if kind == "org":
            entity.head = entity.head or _appositive_head(after)
        elif part and is_role_phrase(part, self.language):
            role = role or part
        entity.role = entity.role or role
        entity.gender = entity.gender or subject.gender or self._name_gender(name)

    def _name_gender(self, name: str) -> str | None:
        return morphology.name_gender(name.split()[0]) if self.language == "ru" else None

    def _acronym(self, name: str, after: str) -> None:
        found = re.match(r"\s*\((?:ticker:\s*)?([A-ZА-Я&]{2,6})\)", after)
        if found:
            self.acronyms[found.group(1)] = name

    # --- resolving ------------------------------------------------------------------

    def person(self, name: str, paragraph: int) -> Entity | None:
        """A surname (or given name, or misspelt surname) to the full name it stands for; a
        full name to itself; the most recently introduced of several."""
        people = [e for e in self.entities.values() if e.kind == "person"]
        if " " in name:
            longer = [e for e in people if e.name.casefold().endswith(" " + name.casefold())]
            if len(longer) == 1:
                return longer[0]  # "Van Der Beek" is "James Van Der Beek"
            return self.entities.get(name)
        full = [e for e in people if " " in e.name]
        for same in (self._same_last, self._same_first, self._typo):
            found = [e for e in full if same(e.name, name)]
            if found:
                before = [e for e in found if e.first <= paragraph] or found
                return max(before, key=lambda e: e.first)
        if name in self.entities and self.entities[name].kind == "person":
            return self.entities[name]
        return None

    def _same_last(self, full: str, name: str) -> bool:
        last = full.split()[-1]
        if self.language == "ru":
            return morphology.same_surname(last, name)
        return last == name

    @staticmethod
    def _same_first(full: str, name: str) -> bool:
        return full.split()[0] == name and len(name) > 1

    @staticmethod
    def _typo(full: str, name: str) -> bool:
        return one_typo_apart(full.split()[-1], name)

    def org(self, name: str) -> Entity | None:
        """ "Acme" or "ABC" to the organisation of that first word or initials."""
        orgs = [e for e in self.entities.values() if e.kind == "org"]
        plain = re.sub(r"^the\s+", "", name, flags=re.I)
        if plain in self.acronyms:
            return self.entities.get(self.acronyms[plain])
        exact = [e for e in orgs if re.sub(r"^the\s+", "", e.name, flags=re.I) == plain]
        if exact:
            return exact[0]
        if " " not in plain:
            found = [e for e in orgs if e.name.split()[0] == plain or _initials(e.name) == plain]
            return found[0] if len(found) == 1 else None
        return None

    def generic(self, subject: Subject) -> Entity | None:
        """ "the weather office" -> the organisation whose name holds those words; "the band"
        -> the one the article describes as a band; "the company" -> the article's main one."""
        words = {w for w in subject.name.casefold().split() if w not in ("the", "a", "an")}
        words = {morphology.lemma(w) for w in words} if self.language == "ru" else words
        orgs = [e for e in self.entities.values() if e.kind == "org"]
        named = [
            e for e in orgs if words <= {morphology.lemma(w) for w in e.name.casefold().split()}
        ]
        if len(named) == 1:
            return named[0]
        described = [e for e in orgs if e.head and e.head == subject.head]
        if len(described) == 1:
            return described[0]
        generic = v.RU_GENERIC_ORGS if self.language == "ru" else v.EN_GENERIC_ORGS
        bare_noun = len(words - _MEMBERS) == 1 or self.language == "ru"
        if subject.head in generic and bare_noun:
            return self.main_org()  # "the company", not "Russia's foreign ministry"
        return None

    def main_org(self) -> Entity | None:
        """The organisation the article is about: the first one its lead (first two
        paragraphs) names that the article mentions again."""
        lead = [e for e in self.entities.values() if e.kind == "org" and e.first <= 1]
        lead = [e for e in lead if e.mentions >= 2] if len(lead) > 1 else lead
        if not lead:
            return None
        return min(lead, key=lambda e: (e.first, self._position(e.name)))

    def _position(self, name: str) -> int:
        at = self._text.find(re.sub(r"^the\s+", "", name))
        return at if at >= 0 else len(self._text)

    def role_holder(self, head: str, paragraph: int) -> Entity | None:
        """The person "the analyst" means: the latest introduced so far with that role, if
        only one was introduced in that paragraph or before (else the only one at all)."""
        people = self.with_role(head, paragraph)
        so_far = [p for p in people if p.first <= paragraph]
        if so_far:
            latest = max(p.first for p in so_far)
            last = [p for p in so_far if p.first == latest]
            return last[0] if len(last) == 1 else None
        return people[0] if len(people) == 1 else None

    def with_role(self, head: str, paragraph: int) -> list[Entity]:
        """People whose role names this noun ("the analyst", "the governor" for "Gov. X")."""
        found = []
        for entity in self.entities.values():
            words = {plain(w) for w in (entity.role or "").split()}
            words = {v.EN_TITLE_ABBREVIATIONS.get(w, w) for w in words}
            nouns = {
                w for w in words if is_role(w, self.language) and not is_org_word(w, self.language)
            }
            if entity.kind == "person" and head in nouns:
                found.append(entity)  # "ministry spokesman": a spokesman, not a ministry
        return found


_JOINERS = v.words("of for & and von van der de da del la le bin al")
_PLACE_PREPOSITIONS = v.words("in at from near across throughout outside inside into via")
_MEMBERS = v.words(
    "officials executives spokesperson spokesman spokeswoman employees workers management "
    "staff shares stock customers shareholders executive officers lawyers profit profits "
    "revenue revenues sales earnings headquarters board subsidiary"
)


def _appositive(after: str, language: str) -> str:
    """The description after a name's comma ("a union steward", "PG&E's meteorologist",
    "president of X"), or "" ("not the government" and "52" describe nobody)."""
    if not after.startswith(","):
        return ""
    part = after[1:].split(",")[0].strip()
    first = part.split()[0] if part.split() else ""
    opens = plain(first) in ("a", "an", "the", "another") or bool(re.search(r"['’]s?$", first))
    return part if opens or is_role(first, language) else ""


def _members_follow(after: str) -> bool:
    """ "Acme officials", "Acme shares": a name that people or shares belong to."""
    words = after.split()
    return bool(words) and bare(words[0]).casefold() in _MEMBERS


def _appositive_head(after: str) -> str | None:
    """The noun of "the folk-rock band whose ..." / "a medical charity" after a comma."""
    if not after.startswith(","):
        return None
    part = after[1:].split(",")[0].strip()
    words = part.split()
    if not words or words[0] not in ("a", "an", "the"):
        return None
    core = re.split(r"\s(?:whose|who|which|that|of|at|for|in|from|with|based)\s", part)[0]
    return bare(core.split()[-1]).casefold()


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if is_cap(w) and w.casefold() not in ("of", "the"))


def one_typo_apart(a: str, b: str) -> bool:
    """One insertion, deletion or substitution ("Kowalenko" for "Kovalenko"), long names."""
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return a[i + (len(a) >= len(b)) :] == b[i + (len(b) >= len(a)) :]
