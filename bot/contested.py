"""Claims the articles dispute: one source says something, another source contradicts that
same thing, so an answer shows both sides.

A dispute needs two different attributed sources (never the article's own narration), and a
contradiction of one claim (bot/claims.py): an outright denial of the same subject ("Roe
rejected the claim", "not true", "опроверг", "wies das zurück") or the same predicate said
with the opposite polarity ("a text alert was sent" / "nobody sent a text"). Sharing a topic
is not enough: a coach who will "fight for the title" and a captain who "never doubted" the
team could win it agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.claims import Statement, disputed, read
from index.passages import Passage, Sentence
from index.search import Hit


@dataclass(frozen=True)
class Contest:
    claim: Hit
    denial: Hit
    subject: tuple[str, ...]  # the stems both sides speak of
    claimant: str = ""
    denier: str = ""
    what: str = ""  # a short verbatim phrase of the claim: "Whether <what>: A says so, B denies it"


def statements(passage: Passage) -> list[tuple[Statement, list[Sentence]]]:
    """Each attributed source's words in a passage (narration is nobody's)."""
    by_speaker: dict[str, list[Sentence]] = {}
    for sentence in passage.sentences:
        if sentence.speaker is not None and sentence.speaker.name:
            by_speaker.setdefault(sentence.speaker.name, []).append(sentence)
    language = getattr(passage, "language", None)
    return [
        (read(name, " ".join(s.text for s in sentences), language), sentences)
        for name, sentences in by_speaker.items()
    ]


def contest_between(claim: Hit, denial: Hit) -> Contest | None:
    """The dispute, if one source in `denial` contradicts a source in `claim`."""
    for said, claim_sentences in statements(claim.passage):
        for answer, _ in statements(denial.passage):
            if said.speaker == answer.speaker:
                continue
            shared = disputed(said, answer, _follows(claim.passage, denial.passage))
            if shared:
                what = _phrase(claim_sentences, said, shared)
                return Contest(
                    claim, denial, tuple(sorted(shared)), said.speaker, answer.speaker, what
                )
    return None


def find_contests(hits: Sequence[Hit], question: str) -> list[Contest]:
    """Pairs of hits where one source contradicts what another claims, when that claim is
    what the question asks about (or the best answer is one side of it)."""
    asked = read("", question).stems
    contests = []
    for claim in hits:
        for denial in hits:
            if claim is denial or claim.row == denial.row:
                continue
            contest = contest_between(claim, denial)
            if contest is None:
                continue
            if set(contest.subject) & asked or hits[0] in (claim, denial):
                contests.append(contest)
    return contests


def denies(hit: Hit) -> bool:
    """Whether some source in the passage denies something outright."""
    return any(statement.denies for statement, _ in statements(hit.passage))


def sides_contradict(a: Passage, speaker_a: str, b: Passage, speaker_b: str) -> bool:
    """Whether what one source says in passage `a` and another in `b` contradict each
    other, either way round (for measuring the detector on labelled sentence pairs)."""
    if speaker_a == speaker_b:
        return False
    said = dict((st.speaker, st) for st, _ in statements(a)).get(speaker_a)
    other = dict((st.speaker, st) for st, _ in statements(b)).get(speaker_b)
    if said is None or other is None:
        return False
    return bool(disputed(said, other, _follows(a, b)) or disputed(other, said, _follows(b, a)))


def _follows(claim: Passage, denial: Passage) -> bool:
    """The denial comes one or two paragraphs after the claim, in the same article."""
    return claim.article_id == denial.article_id and 0 <= denial.paragraph - claim.paragraph <= 2


def with_other_side(
    shown: Sequence[Hit], ranking: Sequence[Hit], question: str, k: int
) -> tuple[Hit, ...]:
    """The shown hits plus, for a disputed claim among them, the best passage of the other
    side from the ranking, so that no side of a dispute is presented alone as fact."""
    chosen = list(shown)
    for contest in find_contests(ranking, question):
        rows = {h.row for h in chosen}
        claim_in, denial_in = contest.claim.row in rows, contest.denial.row in rows
        if claim_in != denial_in and len(chosen) < k + 1:
            chosen.append(contest.denial if claim_in else contest.claim)
    return tuple(chosen)


def _phrase(sentences: list[Sentence], said: Statement, shared: frozenset[str]) -> str:
    """The claim's clause that holds most of what is disputed, at most ~15 words, verbatim."""
    best, best_count = "", -1
    for sentence in sentences:
        for clause in re.split(r"(?<=[,;:])\s+|\s+[—–]\s+", sentence.text):
            words = read(said.speaker, clause).stems & shared
            if len(words) > best_count:
                best, best_count = clause, len(words)
    words = best.strip(' ,;:“”"«»').split()
    return " ".join(words[:15]) + ("…" if len(words) > 15 else "")
