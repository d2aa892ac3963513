"""Disputed claims are found from the text: claim vs denial, different speakers, one subject."""

from __future__ import annotations

from bot.answer import Answer, Status
from bot.contested import find_contests, with_other_side
from bot.format import to_json, to_plain
from index.passages import Passage, Sentence
from index.search import Hit
from index.speakers import Speaker

KIRBY = Speaker("John Kirby")
PRIGOZHIN = Speaker("Yevgeny Prigozhin")


def hit(row: int, text: str, speaker: Speaker | None) -> Hit:
    sentence = Sentence(0, len(text), text, speaker)
    passage = Passage("a", "T", None, None, None, row, 0, len(text), text, (sentence,))
    return Hit(passage, row, 1.0 - row / 100, sentence, {})


CLAIM = hit(
    13, "Last month, Wagner received rockets and missiles from North Korea, Kirby said.", KIRBY
)
DENIAL = hit(
    16,
    "“Everyone knows that North Korea has not supplied arms to the Russian Federation,” "
    "Prigozhin said. “These arms deliveries are nothing more than rumor.”",
    PRIGOZHIN,
)
UNRELATED = hit(10, "About 1,000 Wagner fighters have been killed in Bakhmut, Kirby said.", KIRBY)
NARRATION = hit(14, "Wagner, not the Russian government, has not paid North Korea.", None)


def test_a_claim_and_a_denial_by_different_speakers_on_one_subject_contest() -> None:
    [contest] = find_contests([CLAIM, DENIAL], "Did Wagner get arms from North Korea?")
    assert (contest.claim, contest.denial) == (CLAIM, DENIAL)
    assert {"north", "korea"} <= set(contest.subject)


def test_no_contest_without_a_shared_subject_or_a_second_named_speaker() -> None:
    assert find_contests([UNRELATED, DENIAL], "How many died in Bakhmut?") == []
    assert find_contests([CLAIM, NARRATION], "Did North Korea send arms?") == []
    same_speaker = hit(17, "North Korea has not sent rockets, Kirby said later.", KIRBY)
    assert find_contests([CLAIM, same_speaker], "North Korea rockets?") == []


def test_the_other_side_of_a_dispute_is_added_to_the_answer() -> None:
    shown = with_other_side([CLAIM], [CLAIM, UNRELATED, DENIAL], "Did North Korea arm Wagner?", 3)
    assert shown == (CLAIM, DENIAL)


def test_a_disputed_answer_says_so_and_names_both_sides() -> None:
    contests = tuple(find_contests([CLAIM, DENIAL], "North Korea weapons?"))
    answer = Answer("q", Status.ANSWERED, (CLAIM, DENIAL), contests=contests)
    assert to_plain(answer).startswith(
        "⚖️ Disputed: claimed by John Kirby, denied by Yevgeny Prigozhin."
    )
    assert to_json(answer)["contested"] == [
        {
            "claim": 0,
            "denial": 1,
            "claimed_by": "John Kirby",
            "denied_by": "Yevgeny Prigozhin",
            "subject": ["korea", "north"],
        }
    ]
