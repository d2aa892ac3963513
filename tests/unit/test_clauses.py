"""The clauses of a sentence: where it splits, the frame before what was said, the clauses
that only name who speaks, and quotation marks kept in pairs. Sentences are invented; each
expectation is read off the sentence itself."""

from __future__ import annotations

import pytest

from bot.clauses import closes_with_source, drop_frame, names_only, paired_quotes, split_clauses


def test_a_number_written_with_a_comma_is_not_a_clause_boundary() -> None:
    spans = split_clauses("They counted 18,412 fans, a record, on Saturday.")
    parts = ["They counted 18,412 fans,", "a record,", "on Saturday."]
    assert [
        s for s in ("They counted 18,412 fans, a record, on Saturday."[a:b] for a, b in spans)
    ] == parts


@pytest.mark.parametrize(
    ("sentence", "parts"),
    [
        (
            "The club renamed its account “northgatefacts” during the derby on Sunday.",
            ["The club renamed its account “northgatefacts” during the derby on Sunday."],
        ),
        (
            "“We will win the title,” the captain said after the match.",
            ["“We will win the title,”", "the captain said after the match."],
        ),
    ],
)
def test_a_quotation_ends_a_clause_only_where_the_quoted_words_end_one(
    sentence: str, parts: list[str]
) -> None:
    """A quoted name inside a clause stays in it, so no line ends in "its account"."""
    assert [sentence[a:b] for a, b in split_clauses(sentence)] == parts


@pytest.mark.parametrize(
    ("clause", "rest"),
    [
        ("Hollis said the terminal will open in May.", "the terminal will open in May."),
        ("The minister told reporters that the deal was signed.", "the deal was signed."),
        ("Pryce told the assembly the deal was signed in May.", "the deal was signed in May."),
        # what follows "сказал," / "sagte," in the clause after the comma
        (
            "что компания никогда не получала субсидий на завод.",
            "компания никогда не получала субсидий на завод.",
        ),
        ("Руднев заявил, что паром выйдет в рейс в мае.", "паром выйдет в рейс в мае."),
        ("Vogt sagte, die Brücke werde im Mai geöffnet.", "die Brücke werde im Mai geöffnet."),
        ("He said no.", "He said no."),  # too little after the frame to stand alone
        (
            "The ministry said on Tuesday that 214 cases had been confirmed.",
            "214 cases had been confirmed.",
        ),
        (
            "Okonjo told the provincial assembly that Pryce had signed the contract.",
            "Pryce had signed the contract.",
        ),
        ("Руднев заявил в четверг, что паром выйдет в рейс в мае.", "паром выйдет в рейс в мае."),
        ("Vogt sagte am Mittwoch, dass die Brücke im Mai öffnet.", "die Brücke im Mai öffnet."),
        # a conjunction that joins the clause to the one before is not quoted either
        (
            "but striker Ivo Marek scored twice after the break.",
            "striker Ivo Marek scored twice after the break.",
        ),
        ("а импорт сократился почти на треть.", "импорт сократился почти на треть."),
        # "that" after the said thing is a relative, not the end of a frame
        (
            "Hollis said the plan that was approved in May would cost more.",
            "the plan that was approved in May would cost more.",
        ),
    ],
)
def test_the_reporting_frame_is_dropped_when_enough_follows(clause: str, rest: str) -> None:
    assert drop_frame(clause) == rest


@pytest.mark.parametrize(
    ("clause", "source", "expected"),
    [
        (
            "the opposition's transport spokeswoman",
            "Rachel Okonjo, the opposition's transport spokeswoman",
            True,
        ),
        ("Аналитик компании «Меридиан» Денис Кравец сказал", "Денис Кравец", True),
        ("“This was never a fair competition,” Okonjo said.", "Rachel Okonjo", False),
        ("Pryce had signed off on the contract", "Rachel Okonjo", False),
    ],
)
def test_a_clause_that_only_names_its_source_is_told_from_one_that_says_something(
    clause: str, source: str, expected: bool
) -> None:
    assert names_only(clause, source) is expected


def test_quotation_marks_cut_from_their_pair_are_left_out() -> None:
    assert paired_quotes('his company had "won this contract on price') == (
        "his company had won this contract on price"
    )
    assert paired_quotes("was “nothing more than gossip”") == "was “nothing more than gossip”"


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("said Brackenford coach Miriam Hale.", True),
        ("the ministry said.", True),
        ("говорится в отчётности компании.", True),
        ("said the deal would be signed in May after the council votes on it.", False),
        ("and prices rose by 40%.", False),
    ],
)
def test_a_closing_clause_that_only_says_who_said_it_is_told_apart(
    clause: str, expected: bool
) -> None:
    assert closes_with_source(clause) is expected
