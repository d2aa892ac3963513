"""Disputes are found from the text: two different sources, one contradicting the same claim
the other makes (an outright denial, or the same thing said with the opposite polarity)."""

from __future__ import annotations

from dataclasses import replace

from bot.answer import Answer, Status
from bot.contested import Contest, contest_between, find_contests, with_other_side
from bot.format import to_json, to_plain
from corpus.loader import load_article
from index.passages import Passage, Sentence, split_passages
from index.search import Hit
from index.speakers import Speaker
from tests.conftest import FIXTURES

UNION = Speaker("Carla Benn", "president of the bakers' union", "person")
CHIEF = Speaker("Helen Marr", "chief executive", "person")
COACH = Speaker("Miriam Hale", "coach", "person")
CAPTAIN = Speaker("Dan Okoro", "captain", "person")
ANALYST = Speaker("Priya Rao", "an analyst", "person")


def hit(row: int, *said: tuple[str, Speaker | None], paragraph: int | None = None) -> Hit:
    sentences, start = [], 0
    for text, speaker in said:
        sentences.append(Sentence(start, start + len(text), text, speaker))
        start += len(text) + 1
    text = " ".join(t for t, _ in said)
    number = row if paragraph is None else paragraph
    passage = Passage("a", "T", None, None, None, number, 0, len(text), text, tuple(sentences))
    return Hit(passage, row, 1.0 - row / 100, sentences[0], {})


CLAIM = hit(
    5, ("Carla Benn said Acme planned to cut 600 jobs at its headquarters next year.", UNION)
)
DENIAL = hit(
    6,
    ("Marr rejected the claim.", CHIEF),
    (
        "“There is no plan to cut jobs at our headquarters. That is simply not true,” she said.",
        CHIEF,
    ),
)
UNRELATED = hit(9, ("Marr said prices would fall on 40 products next year.", CHIEF))
NARRATION = hit(2, ("Acme has no plan to cut jobs at its headquarters, the filing shows.", None))


def test_a_denial_of_the_same_claim_by_another_source_is_a_dispute() -> None:
    """A named source rejecting what another said about the same thing is a dispute, with
    both sides named and a verbatim phrase of what is disputed."""
    [contest] = find_contests([CLAIM, DENIAL], "Will Acme cut jobs at its headquarters?")
    assert (contest.claim, contest.denial) == (CLAIM, DENIAL)
    assert (contest.claimant, contest.denier) == ("Carla Benn", "Helen Marr")
    assert "cut 600 jobs at its headquarters" in contest.what
    assert {"job", "headquart"} <= set(contest.subject)


def test_no_dispute_without_a_second_source_or_the_same_claim() -> None:
    """Narration is not a side; the same source twice is not a dispute; another topic is not."""
    assert find_contests([CLAIM, NARRATION], "Will Acme cut jobs?") == []
    same = hit(7, ("Benn said there is no plan to cut jobs at the headquarters.", UNION))
    assert find_contests([CLAIM, same], "jobs at the headquarters?") == []
    assert find_contests([UNRELATED, CLAIM], "prices?") == []


def test_two_people_talking_about_the_title_agree() -> None:
    """A coach who will fight for the title and a captain who never doubted winning it do
    not contradict each other: a shared topic word and a "never" are not a dispute."""
    coach = hit(
        3, ("“We will fight for the title until the last day of the season,” Hale said.", COACH)
    )
    captain = hit(4, ("“I never doubted that this team could win the title,” Okoro said.", CAPTAIN))
    assert find_contests([coach, captain], "Can they win the title?") == []
    assert find_contests([captain, coach], "Can they win the title?") == []


def test_an_analyst_who_is_not_surprised_contradicts_nobody() -> None:
    """ "I am not surprised" negates nothing anyone claimed."""
    analyst = hit(8, ("“I am not surprised at all by the guidance cut,” Rao said.", ANALYST))
    assert find_contests([UNRELATED, analyst], "guidance?") == []
    assert find_contests([analyst, UNRELATED], "guidance?") == []


def test_the_same_thing_said_with_opposite_polarity_is_a_dispute() -> None:
    """ "Nobody sent a text" against "a text alert was sent": a dispute, no denial word needed."""
    resident = Speaker("Mark Hendy", "chairman of the residents' association", "person")
    director = Speaker("Lucia Ferro", "emergency director", "person")
    no = hit(1, ("“Nobody knocked on doors, nobody sent a text,” Hendy said.", resident))
    yes = hit(2, ("Ferro said a text alert had been sent to every phone in the zone.", director))
    [contest] = find_contests([no, yes], "Was a text alert sent?")
    assert {contest.claimant, contest.denier} == {"Mark Hendy", "Lucia Ferro"}


def test_russian_and_german_denials_are_read() -> None:
    """опроверг/неправда and "wies das zurück" deny what the other side said."""
    deputy = Speaker("Ирина Семёнова", None, "person")
    mayor = Speaker("Андрей Волков", None, "person")
    claim = hit(1, ("Семёнова заявила, что замену балок на втором пролёте не начинали.", deputy))
    denial = hit(
        2, ("Волков назвал это неправдой: замена балок на втором пролёте началась в июне.", mayor)
    )
    assert find_contests([claim, denial], "Начали ли замену балок на втором пролёте?")
    sprecher = Speaker("Jürgen Hof", "Sprecher", "person")
    vogel = Speaker("Katrin Vogt", "Oberbürgermeisterin", "person")
    claim = hit(1, ("Hof sagte, die Brücke koste 30 Millionen Euro mehr als geplant.", sprecher))
    denial = hit(
        2, ("Vogt wies das zurück. Die Brücke sei in den Millionen Euro enthalten.", vogel)
    )
    assert find_contests([claim, denial], "Kostet die Brücke 30 Millionen Euro mehr?")


def test_the_other_side_of_a_dispute_is_added_to_the_answer() -> None:
    """An answer that shows one side of a dispute also shows the other."""
    shown = with_other_side([CLAIM], [CLAIM, UNRELATED, DENIAL], "Will Acme cut jobs?", 3)
    assert shown == (CLAIM, DENIAL)


def test_a_disputed_answer_says_so_and_names_both_sides() -> None:
    """The reply opens with what is disputed, in each side's own words, and who says what;
    the JSON says the same."""
    contests = tuple(find_contests([CLAIM, DENIAL], "Will Acme cut jobs at its headquarters?"))
    answer = Answer("q", Status.ANSWERED, (CLAIM, DENIAL), contests=contests)
    [row] = to_json(answer)["contested"]
    assert (row["claim"], row["denial"], row["claimed_by"], row["denied_by"]) == (
        0,
        1,
        "Carla Benn",
        "Helen Marr",
    )
    assert "jobs at its headquarters" in row["what"] and row["what"] in CLAIM.passage.text
    assert "no plan" in row["denial_text"] and row["denial_text"] in DENIAL.passage.text
    first = to_plain(answer).split("\n\n")[0]
    assert first == (
        f"⚖️ Disputed: Carla Benn says “{row['what']}”; Helen Marr: “{row['denial_text']}”"
    )


def test_a_contest_keeps_its_original_fields() -> None:
    """Contest(claim, denial, subject) still builds for callers that only know those three."""
    contest = Contest(CLAIM, DENIAL, ("job",))
    assert (contest.claimant, contest.denier, contest.what) == ("", "", "")


def test_a_question_about_one_of_the_sources_is_not_about_their_dispute() -> None:
    """ "Who is Carla Benn?" is answered without a Disputed flag: the sources' own names
    are not the disputed subject."""
    assert find_contests([CLAIM, DENIAL], "Who is Carla Benn?") == []
    assert find_contests([DENIAL, CLAIM], "What does Helen Marr do?") == []


def test_what_else_a_side_says_in_the_passage_is_not_the_dispute() -> None:
    """The chief executive denies the job cuts and, in the same paragraph, announces lower
    prices: a question about the prices is not about the disputed job cuts."""
    denial = hit(
        6,
        ("Marr rejected the claim that Acme would cut jobs at its headquarters.", CHIEF),
        ("She said prices would fall on 40 products in the spring.", CHIEF),
    )
    assert find_contests([denial, CLAIM], "How many products will get cheaper?") == []
    assert find_contests([denial, CLAIM], "Will Acme cut jobs at its headquarters?")


def test_a_denial_ranked_far_below_is_not_what_the_question_is_about() -> None:
    """The ranking puts three passages of other sources on other matters between the
    claim and its denial: the question is answered by the claim, not by the dispute."""
    question = "Will Acme cut jobs next year?"
    prices = hit(10, ("Priya Rao said prices would fall on 40 products next year.", ANALYST))
    title = hit(11, ("Dan Okoro said the team could win the title next year.", CAPTAIN))
    ranking = [CLAIM, prices, NARRATION, title, DENIAL]
    assert find_contests([CLAIM, DENIAL], question, ranking) == []
    assert find_contests([CLAIM, DENIAL], question, [CLAIM, prices, DENIAL])


def test_an_unnamed_source_does_not_make_a_dispute() -> None:
    """ "A union official" against a named chief executive is not two named sources."""
    unnamed = hit(
        5,
        (
            "A union official said Acme planned to cut 600 jobs at its headquarters next year.",
            Speaker("a union official", None, "unnamed"),
        ),
    )
    assert find_contests([unnamed, DENIAL], "Will Acme cut jobs at its headquarters?") == []


def test_a_dispute_is_flagged_only_when_the_best_passage_is_one_side() -> None:
    """The best answer is the article's own account: the dispute is not what answers."""
    question = "Will Acme cut jobs at its headquarters?"
    assert find_contests([CLAIM, DENIAL], question)
    assert find_contests([NARRATION, CLAIM, DENIAL], question) == []


def fixture_hits(name: str) -> list[Hit]:
    """The passages of a fixture article, as hits (rows in paragraph order)."""
    passages = split_passages(load_article(FIXTURES / "articles" / f"{name}.md"))
    return [Hit(p, row, 1.0, p.sentences[0], {}) for row, p in enumerate(passages)]


def paragraph_with(hits: list[Hit], words: str) -> Hit:
    [found] = [h for h in hits if words in h.passage.text]
    return found


def test_what_is_disputed_is_what_the_source_says_not_who_the_source_is() -> None:
    """ "Rachel Okonjo, the opposition's transport spokeswoman, told the provincial assembly
    that Pryce had signed off on the contract ..." against the minister's denial: the
    disputed phrase is her claim, not her title (which shares "transport" with his)."""
    hits = fixture_hits("eastmark-ferry-contract-minister-denies")
    claim = paragraph_with(hits, "Pryce had signed off on the contract")
    denial = paragraph_with(hits, "denied approving a $310 million ferry contract")
    contest = contest_between(claim, denial, named_only=True)
    assert contest is not None and contest.claimant == "Rachel Okonjo"
    assert contest.what.startswith("Pryce had signed off on the contract")


def test_words_that_describe_a_source_are_not_part_of_its_claim() -> None:
    """The analyst "of the investment company «Meridian»" is not surprised the holding builds
    now; the chief executive says the company never got subsidies to build the plant. Only
    the analyst's description mentions a company: they contradict each other on nothing."""
    hits = fixture_hits("severnaya-niva-kedrovsk-dairy-plant")
    analyst = paragraph_with(hits, "Денис Кравец сказал")
    chief = paragraph_with(hits, "никогда не получала государственных субсидий")
    assert contest_between(analyst, chief, named_only=True) is None
    assert contest_between(chief, analyst, named_only=True) is None


def test_sources_in_two_articles_do_not_make_a_dispute() -> None:
    """The same denial, had it come from another article, may speak of another event."""
    elsewhere = replace(DENIAL, passage=replace(DENIAL.passage, article_id="b"))
    assert find_contests([CLAIM, DENIAL], "Will Acme cut jobs at its headquarters?")
    assert not find_contests([CLAIM, elsewhere], "Will Acme cut jobs at its headquarters?")


def test_the_frame_that_closes_a_sentence_is_not_part_of_its_claim() -> None:
    """ "Revenue was 11.2 billion roubles, the company's report says" and the chief executive's
    "the company never received subsidies ... not a rouble of subsidies" share "company" only
    in the closing frame and "rouble" by chance: no dispute."""
    hits = fixture_hits("severnaya-niva-kedrovsk-dairy-plant")
    revenue = paragraph_with(hits, "говорится в отчётности компании")
    chief = paragraph_with(hits, "никогда не получала государственных субсидий")
    assert contest_between(revenue, chief, named_only=True) is None
