"""Claims the articles dispute: one source says something, another source contradicts that
same thing, so an answer shows both sides.

A dispute needs two different attributed sources of one article (never the article's own
narration), and a contradiction of one claim (bot/claims.py): an outright denial of the same
subject ("Roe rejected the claim", "not true", "опроверг", "wies das zurück") or the same
predicate said with the opposite polarity ("a text alert was sent" / "nobody sent a text").
A source's claim is what it says, read without the words that name or describe the source
("an analyst at the investment company", "the company's report says"). Sharing a topic is
not enough: a coach who will "fight for the title" and a captain who "never doubted" the
team could win it agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.claims import Statement, disputed, read
from bot.clauses import (
    closes_with_source,
    drop_frame,
    names_only,
    paired_quotes,
    split_clauses,
)
from index.passages import Passage, Sentence
from index.search import Hit

UNNAMED = "unnamed"  # index/speakers.py's kind of "a senior official", "officials"
PHRASE_WORDS = 15  # the longest verbatim phrase of a side in the dispute line
SIDE_RANK = 3  # both sides of a dispute must be among the passages ranked this high
_PHRASE_EDGE = ' ,;:“”"«»„'


@dataclass(frozen=True)
class Contest:
    claim: Hit
    denial: Hit
    subject: tuple[str, ...]  # the stems both sides speak of
    claimant: str = ""
    denier: str = ""
    what: str = ""  # a short verbatim phrase of the claim: "Whether <what>: A says so, B denies it"
    denied: str = ""  # a short verbatim phrase of the denial
    # The stems of both sides' sentences that speak of the disputed claim (not only the
    # stems they share: "will Acme cut jobs" asks about the union's "600 jobs cut").
    words: frozenset[str] = field(default=frozenset(), compare=False)


def statements(
    passage: Passage, named_only: bool = False
) -> list[tuple[Statement, list[Sentence]]]:
    """Each attributed source's words in a passage (narration is nobody's); with
    `named_only`, only sources named in the text ("a senior official" is not)."""
    by_speaker: dict[str, list[Sentence]] = {}
    for sentence in passage.sentences:
        speaker = sentence.speaker
        if speaker is None or not speaker.name:
            continue
        if named_only and (speaker.kind == UNNAMED or not speaker.name[:1].isupper()):
            continue
        by_speaker.setdefault(speaker.name, []).append(sentence)
    language = getattr(passage, "language", None)
    return [
        (read(name, " ".join(_content(s) for s in sentences), language), sentences)
        for name, sentences in by_speaker.items()
    ]


def _content(sentence: Sentence) -> str:
    """What a sentence says, without who says it: "Аналитик компании «Меридиан» Денис
    Кравец сказал, что не удивлён ..." -> "не удивлён ...", "Выручка составила 11,2 млрд
    рублей, говорится в отчётности компании" -> "Выручка составила 11,2 млрд рублей" (the
    words that name or describe the source are not part of the claim)."""
    source = sentence.speaker.label() if sentence.speaker else ""
    clauses = [sentence.text[a:b] for a, b in split_clauses(sentence.text)]
    if len(clauses) > 1 and closes_with_source(clauses[-1]):
        clauses.pop()
    return " ".join(drop_frame(c) for c in clauses if not names_only(c, source))


def contest_between(claim: Hit, denial: Hit, named_only: bool = False) -> Contest | None:
    """The dispute, if one source in `denial` contradicts a source in `claim` in the same
    article (sources in two articles speak of two events as often as of one: a dancer's "we
    decided to put ourselves out there" and a minister's "we make no apology")."""
    if claim.passage.article_id != denial.passage.article_id:
        return None
    for said, claim_sentences in statements(claim.passage, named_only):
        for answer, denial_sentences in statements(denial.passage, named_only):
            if said.speaker == answer.speaker:
                continue
            shared = disputed(said, answer, _follows(claim.passage, denial.passage))
            if shared:
                what = _phrase(claim_sentences, said, shared)
                denied = _phrase(denial_sentences, answer, shared, denial=True)
                return Contest(
                    claim,
                    denial,
                    tuple(sorted(shared)),
                    said.speaker,
                    answer.speaker,
                    what,
                    denied,
                    _speaking_of(claim_sentences, said, shared, claim.passage)
                    | _speaking_of(denial_sentences, answer, shared, denial.passage),
                )
    return None


def _speaking_of(
    sentences: list[Sentence], said: Statement, shared: frozenset[str], passage: Passage
) -> frozenset[str]:
    """The stems of a side's sentences that speak of what is disputed (hold one of its
    `shared` stems): what else the source says in the passage is not the dispute ("the
    company offered a community fund" beside "denied any promise of compensation")."""
    language = getattr(passage, "language", None)
    stems = [read(said.speaker, _content(s), language).stems for s in sentences]
    return frozenset().union(*([st for st in stems if st & shared] or stems))


def find_contests(
    hits: Sequence[Hit], question: str, ranking: Sequence[Hit] | None = None
) -> list[Contest]:
    """Pairs of hits where one NAMED source contradicts what another named source claims,
    when that is what the question asks: the best passage is one side, the other side is
    among the SIDE_RANK passages the ranking (`ranking`, else `hits`) puts first after the
    best one's source's own, and the question asks about what they say, not only about
    who they are."""
    if not hits:
        return []
    near = _near(hits[0], ranking if ranking is not None else hits)
    # In the words' language as the passages are read, so that stems meet.
    asked = read("", question, hits[0].passage.language).stems
    contests = []
    for claim in hits:
        for denial in hits:
            if claim is denial or claim.row == denial.row or hits[0] not in (claim, denial):
                continue
            if claim.row not in near or denial.row not in near:
                continue
            contest = contest_between(claim, denial, named_only=True)
            if contest is not None and _on_question(contest, asked):
                contests.append(contest)
    return contests


def _near(best: Hit, ranking: Sequence[Hit]) -> set[int]:
    """The passages close enough to the top to be an answer beside the best one: the
    SIDE_RANK first passages not all in the best one's source's words (several passages
    of one source do not push the other side out), and the other passages of the sources
    those quote."""
    sources = {h.row: _sources(h) for h in (best, *ranking)}
    own = sources[best.row]
    others = [h for h in ranking if not own or not (sources[h.row] and sources[h.row] <= own)]
    top = others[:SIDE_RANK]
    quoted = set().union(*(sources[h.row] for h in top)) - own
    return {best.row} | {h.row for h in top} | {h.row for h in ranking if sources[h.row] & quoted}


def _sources(hit: Hit) -> set[str]:
    return {st.speaker for st, _ in statements(hit.passage, named_only=True)}


def _on_question(contest: Contest, asked: frozenset[str]) -> bool:
    """Whether the question asks about what the sides say: some of its terms, other than
    the two sources' names, are words of the claim or the denial."""
    names = read("", f"x {contest.claimant} {contest.denier}").stems
    words = contest.words or frozenset(contest.subject)
    return bool((asked - names) & words)


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


def _phrase(
    sentences: list[Sentence], said: Statement, shared: frozenset[str], denial: bool = False
) -> str:
    """The clause that holds most of what is disputed (for a denial, its denying words
    count too), at most ~15 words, verbatim; never one that only names the source ("Rachel
    Okonjo, the opposition's transport spokeswoman, told ...") unless nothing else is said."""
    best, best_key = "", (False, -1)
    for sentence in sentences:
        source = sentence.speaker.label() if sentence.speaker else said.speaker
        for start, end in split_clauses(sentence.text):
            clause = drop_frame(sentence.text[start:end])
            read_clause = read(said.speaker, clause)
            count = len(read_clause.stems & shared)
            if denial:  # denying words first ("rumour", "not true"), then any negation
                count += 3 if read_clause.denies else 1 if read_clause.negated else 0
            key = (not names_only(clause, source), count)
            if key > best_key:
                best, best_key = clause, key
    words = best.strip(_PHRASE_EDGE).split()
    more = "…" if len(words) > PHRASE_WORDS else ""
    return paired_quotes(" ".join(words[:PHRASE_WORDS])).strip(_PHRASE_EDGE) + more
