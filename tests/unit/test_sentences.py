"""Sentence spans of one paragraph: abbreviations, numbers and quotes do not fool the splitter."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


SEED_PARAGRAPHS = [
    (
        "“In some cases, Russian military officials actually followed Wagner’s lead,” said John "
        "Kirby, the National Security Council’s strategic communications coordinator. “It was "
        "clear to us that Wagner was becoming a competitor to the Russian military and other "
        "Russian ministries.”",
        [
            "“In some cases, Russian military officials actually followed Wagner’s lead,” said "
            "John Kirby, the National Security Council’s strategic communications coordinator.",
            "“It was clear to us that Wagner was becoming a competitor to the Russian military "
            "and other Russian ministries.”",
        ],
    ),
    (
        "Kirby said the United States estimates that Wagner currently has about 50,000 personnel "
        "deployed in Ukraine, 40,000 of whom may be convicts recruited from Russian prisons. The "
        "group spends $100 million a month to fund its operations in Ukraine, he said.",
        [
            "Kirby said the United States estimates that Wagner currently has about 50,000 "
            "personnel deployed in Ukraine, 40,000 of whom may be convicts recruited from Russian "
            "prisons.",
            "The group spends $100 million a month to fund its operations in Ukraine, he said.",
        ],
    ),
    (
        "“It seems that Mr. Prigozhin is willing to throw Russian corpses into Bakhmut’s meat "
        "grinder. In fact, in just the last few weeks, about 1,000 Wagner fighters have been "
        "killed in combat, and we believe that 90% of these 1,000 fighters were actually "
        "Criminals,” Kirby said.",
        [
            "“It seems that Mr. Prigozhin is willing to throw Russian corpses into Bakhmut’s meat "
            "grinder.",
            "In fact, in just the last few weeks, about 1,000 Wagner fighters have been killed in "
            "combat, and we believe that 90% of these 1,000 fighters were actually Criminals,” "
            "Kirby said.",
        ],
    ),
    (
        "A senior U.S. official said the group recently received weapons from North Korea, a "
        "sign of the group’s growing role in the war in Ukraine.",
        [
            "A senior U.S. official said the group recently received weapons from North Korea, a "
            "sign of the group’s growing role in the war in Ukraine."
        ],
    ),
    (
        "The organization’s founder, Yevgeny Prigozhin, even traveled to Russian prisons to "
        "personally recruit criminals to fight on the front lines. Kirby said some of them had "
        "“severe medical conditions”.",
        [
            "The organization’s founder, Yevgeny Prigozhin, even traveled to Russian prisons to "
            "personally recruit criminals to fight on the front lines.",
            "Kirby said some of them had “severe medical conditions”.",
        ],
    ),
]


@pytest.mark.parametrize(("paragraph", "expected"), SEED_PARAGRAPHS)
def test_seed_paragraphs_split_where_a_reader_would(paragraph: str, expected: list[str]) -> None:
    assert sentences(paragraph) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "He works for the U.S. Army. It pays well.",
            ["He works for the U.S. Army.", "It pays well."],
        ),
        ("Mr. Smith met Dr. Jones. They talked.", ["Mr. Smith met Dr. Jones.", "They talked."]),
        (
            "Talks resume on Jan. 5 in Geneva. Both sides agreed.",
            ["Talks resume on Jan. 5 in Geneva.", "Both sides agreed."],
        ),
        (
            "J. Smith and A. B. Jones signed it. Nobody objected.",
            ["J. Smith and A. B. Jones signed it.", "Nobody objected."],
        ),
        ("Prices rose 3.5 percent. Wages did not.", ["Prices rose 3.5 percent.", "Wages did not."]),
        ("It cost $100 million. Critics balked.", ["It cost $100 million.", "Critics balked."]),
        (
            "The meeting ended at 5 p.m. on Monday. Nothing was agreed.",
            ["The meeting ended at 5 p.m. on Monday.", "Nothing was agreed."],
        ),
        (
            "Gen. Mark Milley spoke first. He was brief.",
            ["Gen. Mark Milley spoke first.", "He was brief."],
        ),
        (
            "Sanctions hit the U.S. The talks collapsed.",
            ["Sanctions hit the U.S.", "The talks collapsed."],
        ),
        (
            "It ended in Jan. The next year was calm.",
            ["It ended in Jan.", "The next year was calm."],
        ),
        ("Is it over? Nobody knows! Wait...", ["Is it over?", "Nobody knows!", "Wait..."]),
    ],
)
def test_abbreviations_initials_and_numbers_do_not_end_sentences(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A comma-ended quote followed by its speech tag is one sentence, curly or straight.
        ("“We will win,” said Kirby. “Soon.”", ["“We will win,” said Kirby.", "“Soon.”"]),
        ('"We will win," said Kirby. "Soon."', ['"We will win," said Kirby.', '"Soon."']),
        ("“Is it over?” Kirby asked. “No.”", ["“Is it over?” Kirby asked.", "“No.”"]),
        ("“Run!” she shouted. They ran.", ["“Run!” she shouted.", "They ran."]),
        ("He said: “I am here.” She left.", ["He said: “I am here.”", "She left."]),
        ("‘Quiet,’ he said. Nobody spoke.", ["‘Quiet,’ he said.", "Nobody spoke."]),
    ],
)
def test_closing_quotes_stay_with_their_sentence(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_text_without_punctuation_is_one_sentence() -> None:
    text = "  breaking news from the port  "
    assert sentences(text) == ["breaking news from the port"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_has_no_sentences(text: str) -> None:
    assert split_sentences(text) == []


def assert_well_formed(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        previous_end = end
    # Every sentence is covered: only whitespace lies outside the spans.
    outside = "".join(
        text[a:b]
        for a, b in zip(
            [0] + [e for _, e in spans], [s for s, _ in spans] + [len(text)], strict=True
        )
    )
    assert outside.strip() == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ТОМСК, 3 мая. Мэрия открыла мост. Движение восстановлено.",
            ["ТОМСК, 3 мая. Мэрия открыла мост.", "Движение восстановлено."],
        ),
        ("HALIFAX, Nov 4. The ferry sailed.", ["HALIFAX, Nov 4. The ferry sailed."]),
        ("NATO, the alliance. It met.", ["NATO, the alliance.", "It met."]),  # no date
        ("The plan, 2024. It failed.", ["The plan, 2024.", "It failed."]),  # no capitals
    ],
)
def test_a_wire_dateline_opens_the_sentence_after_it(text: str, expected: list[str]) -> None:
    """ "ТОМСК, 3 мая." is where and when the first sentence was filed, not a sentence a
    reply could quote as an answer."""
    assert sentences(text) == expected


@pytest.mark.parametrize(
    "text", [p for p, _ in SEED_PARAGRAPHS] + ["A. B. C.", "“Unclosed quote. Still.", ". . .", "?!"]
)
def test_spans_are_ordered_disjoint_stripped_and_cover_the_text(text: str) -> None:
    assert_well_formed(text, split_sentences(text))


@given(st.text(alphabet=st.sampled_from(list("aB. ,?!“”\"'’\n$1Mr")), max_size=80))
def test_any_text_gives_well_formed_spans(text: str) -> None:
    assert_well_formed(text, split_sentences(text))


def test_splitting_is_deterministic() -> None:
    text = " ".join(p for p, _ in SEED_PARAGRAPHS)
    assert split_sentences(text) == split_sentences(text)
    assert len(split_sentences(text)) == sum(len(e) for _, e in SEED_PARAGRAPHS)
