"""Claims the articles dispute: a claim and a denial by different speakers on one subject.

Kirby says Wagner received North Korean rockets; Prigozhin calls it "gossip and
speculation". Found from the text (denial wording, different named speakers, shared
subject words), not from a list of known disputes, so an answer can show both sides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from index.lexical import key_terms
from index.search import Hit

_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying|ial)|reject(?:s|ed)?|dismiss(?:es|ed)?|refut(?:e|es|ed)|"
    r"nothing more than|gossip|speculation|rumou?rs?|untrue|not true|false(?:ly)?|lies|lying|"
    r"fake|fabricat\w+|baseless|groundless|nonsense|no evidence|has not|have not|had not|"
    r"did not|never|no such)\b",
    re.IGNORECASE,
)
# Words every report shares; agreeing on them is not agreeing on a subject.
_GENERIC = set(
    key_terms(
        "said say says told statement claim claims group monday tuesday "
        "wednesday thursday friday saturday sunday"
    )
)
MIN_SHARED = 2


@dataclass(frozen=True)
class Contest:
    claim: Hit
    denial: Hit
    subject: tuple[str, ...]  # the analysed words both passages are about


def denies(hit: Hit) -> bool:
    return _denies(hit.passage.text)


# Every answer checks every pair of its candidate passages: the same few passages again and
# again, so what is read from a passage's text is remembered.
@lru_cache(maxsize=4096)
def _denies(text: str) -> bool:
    return bool(_DENIAL.search(text))


@lru_cache(maxsize=4096)
def _terms(text: str) -> frozenset[str]:
    return frozenset(key_terms(text))


def _speaker(hit: Hit) -> str | None:
    speaker = hit.passage.speaker
    # Only named sources contest each other; the article's own narration is not a side.
    return speaker.name if speaker else None


def find_contests(hits: Sequence[Hit], question: str) -> list[Contest]:
    """Pairs of hits where one named speaker denies what another claims about one subject,
    when that subject is what the question asks about (or the best answer is part of it)."""
    asked = set(key_terms(question))
    contests = []
    for claim in hits:
        if denies(claim) or _speaker(claim) is None:
            continue
        for denial in hits:
            if not denies(denial) or _speaker(denial) in (None, _speaker(claim)):
                continue
            # The subject is what both talk about, not who: names of the two sides don't count.
            names = _terms(f"{_speaker(claim)} {_speaker(denial)}")
            shared = (_terms(claim.passage.text) & _terms(denial.passage.text)) - _GENERIC - names
            relevant = bool(shared & asked) or hits[0] in (claim, denial)
            if len(shared) >= MIN_SHARED and relevant:
                contests.append(Contest(claim, denial, tuple(sorted(shared))))
    return contests


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
