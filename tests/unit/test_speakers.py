"""Speaker attribution: the bot must cite who made each claim, and say nobody rather than guess."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.sentences import split_sentences
from index.speakers import Speaker, attribute_speakers

DATA = Path(__file__).parent.parent / "data" / "speakers"

KIRBY = "John Kirby"
PRIGOZHIN = "Yevgeny Prigozhin"
KIRBY_ROLE = "the National Security Council’s strategic communications coordinator"

# The seed article's body: "News <headline>" and the web boilerplate lines already dropped.
SEED = [
    "The latest downgrade of U.S. intelligence suggests that the Russian mercenary group Wagner "
    "is expanding its influence and is recruiting criminals from prisons — including some with "
    "serious illnesses — to supplement Moscow’s flagging military.",
    "A senior U.S. official said the group recently received weapons from North Korea, a sign of "
    "the group’s growing role in the war in Ukraine.",
    "The U.S. believes Wagner could be drawn into a power struggle with the Russian military "
    "itself in a battle for influence with the Kremlin.",
    "“In some cases, Russian military officials actually followed Wagner’s lead,” said John "
    "Kirby, the National Security Council’s strategic communications coordinator. “It was clear "
    "to us that Wagner was becoming a competitor to the Russian military and other Russian "
    "ministries.”",
    "The Wagner group revelations came a day after Ukrainian President Volodymyr Zelensky’s "
    "historic visit to Washington, in which he thanked the U.S. for military assistance and said "
    "more was needed to fend off Russia attack.",
    "Wagner has emerged as a key figure in the 10-month conflict. The group is often described as "
    "President Vladimir Putin’s covert army. Since its founding in 2014, it has expanded its "
    "footprint globally and has been accused of war crimes in Africa, Syria and Ukraine.",
    "On Wednesday, the United States imposed new restrictions on the export of Wagner’s access to "
    "technology.",
    "Kirby said the United States estimates that Wagner currently has about 50,000 personnel "
    "deployed in Ukraine, 40,000 of whom may be convicts recruited from Russian prisons. The group "
    "spends $100 million a month to fund its operations in Ukraine, he said.",
    "The organization’s founder, Yevgeny Prigozhin, even traveled to Russian prisons to "
    "personally recruit criminals to fight on the front lines. Kirby said some of them had "
    "“severe medical conditions”.",
    "“It seems that Mr. Prigozhin is willing to throw Russian corpses into Bakhmut’s meat "
    "grinder. In fact, in just the last few weeks, about 1,000 Wagner fighters have been killed "
    "in combat, and we believe that 90% of these 1,000 fighters were actually Criminals,” Kirby "
    "said.",
    "Prigorzhin, sometimes referred to as “Putin’s cook,” has close ties to the Russian "
    "president. But Kirby said he was working to strengthen those ties by recruiting mercenaries "
    "to bolster the Russian military.",
    "“It all depends on how good he is in Mr Putin’s eyes and how well he stands in the "
    "Kremlin,” he said. “In fact, we could even say his influence is growing.”",
    "Last month, Wagner received infantry rockets and missiles from North Korea, Kirby said, "
    "demonstrating how Russia and its military partners continue to seek ways to bypass Western "
    "sanctions and export controls.",
    "Wagner, not the Russian government, paid for the equipment. The U.S. does not believe this "
    "will significantly change the battlefield dynamics in Ukraine – but has suggested that North "
    "Korea may be planning to provide more supplies.",
    "Prigozhin said on Thursday that Kirby’s claim that his group got weapons from North Korea "
    "was “nothing more than gossip and speculation.”",
    "“Everyone knows that North Korea has not supplied arms to the Russian Federation for a long "
    "time,” Prigozhin said in a statement on his Telegram channel. “And there have been no other "
    "similar attempts. So these North Korean arms deliveries are nothing more than rumor and "
    "speculation.”",
]

# Paragraph number (1-based) -> speaker name of each sentence; None is the article's narration.
# p5 ("... Zelensky's historic visit to Washington, in which he thanked the U.S. ... and said
# more was needed") reports Zelensky's words: he is the only person the sentence names.
SEED_EXPECTED = {
    1: [None],
    2: ["a senior U.S. official"],
    3: [None],
    4: [KIRBY, KIRBY],
    5: ["Volodymyr Zelensky"],
    6: [None, None, None],
    7: [None],
    8: [KIRBY, KIRBY],
    9: [None, KIRBY],
    10: [KIRBY, KIRBY],
    11: [None, KIRBY],
    12: [KIRBY, KIRBY],
    13: [KIRBY],
    14: [None, None],
    15: [PRIGOZHIN],
    16: [PRIGOZHIN, PRIGOZHIN, PRIGOZHIN],
}


def names(paragraphs: list[str]) -> list[list[str | None]]:
    return [[s.name if s else None for s in row] for row in attribute_speakers(paragraphs)]


def labels(paragraphs: list[str]) -> list[list[str | None]]:
    return [[s.label() if s else None for s in row] for row in attribute_speakers(paragraphs)]


def load(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if p.strip()]


@pytest.mark.parametrize(("number", "expected"), SEED_EXPECTED.items())
def test_seed_article_cites_the_right_speaker_for_each_sentence(
    number: int, expected: list[str | None]
) -> None:
    assert names(SEED)[number - 1] == expected


def test_seed_speakers_carry_their_roles_as_written() -> None:
    result = attribute_speakers(SEED)
    assert result[3][0] == Speaker(KIRBY, KIRBY_ROLE)
    assert result[7][0] == Speaker(KIRBY, KIRBY_ROLE)  # "Kirby said" later still has the role
    assert result[14][0] == Speaker(PRIGOZHIN, "the organization’s founder")
    assert result[1][0] == Speaker("a senior U.S. official")


def test_he_said_belongs_to_the_previous_speaker_not_the_last_person_mentioned() -> None:
    # p11 mentions Prigozhin ("he was working"), but Kirby is the one who spoke.
    assert names(SEED[10:12]) == [[None, "Kirby"], ["Kirby", "Kirby"]]


def test_a_surname_alone_resolves_to_the_full_name_given_earlier() -> None:
    assert names(SEED)[7][0] == KIRBY


def test_a_surname_misspelled_by_one_letter_still_resolves() -> None:
    article = ["Yevgeny Prigozhin founded Wagner.", "Prigorzhin said the claim was false."]
    assert names(article) == [[None], [PRIGOZHIN]]


def test_a_subject_who_reports_a_claim_is_the_speaker_not_the_person_in_the_claim() -> None:
    assert names(SEED)[14] == [PRIGOZHIN]  # not Kirby, whose claim it reports


def test_every_paragraph_gets_one_speaker_per_sentence() -> None:
    for article in (SEED, load("port_strike.txt"), load("measles_outbreak.txt")):
        result = attribute_speakers(article)
        assert [len(row) for row in result] == [len(split_sentences(p)) for p in article]


PORT = "port_strike.txt"
MEASLES = "measles_outbreak.txt"
VASQUEZ = "Elena Vasquez-Ortiz, Transport Minister"
KOVALENKO = "Dmitri Kovalenko, the union’s regional chairman"
OKONJO = "Amara Okonjo, the county’s chief medical officer"
REYES = "J. Michael Reyes, a pediatrician at St. Brendan’s Hospital"
SPOKESPERSON = "a spokesperson for the Meridian Shipping Line"


@pytest.mark.parametrize(
    ("article", "number", "expected", "why"),
    [
        (PORT, 1, [None], "narration"),
        (PORT, 2, [VASQUEZ] * 3, "title before a name is the role; she said; quote goes on"),
        (PORT, 3, ["union officials"], "according to unnamed officials"),
        (PORT, 4, [KOVALENKO], "appositive between the name and told"),
        (PORT, 5, [KOVALENKO] * 2, "misspelled surname Kowalenko is still Kovalenko"),
        (PORT, 6, ["the Port Authority"] * 2, "an organisation, then 'It added'"),
        (PORT, 7, [SPOKESPERSON] * 2, "'The spokesperson added' is the same spokesperson"),
        (PORT, 8, ["analysts"], "plural unnamed source, present tense"),
        (PORT, 9, [VASQUEZ, None], "surname with a hyphen; 'disagreed' is not a quote"),
        (PORT, 10, ["Okafor, a union steward at the container terminal"], "never named in full"),
        (PORT, 11, [None], "narration"),
        (MEASLES, 1, ["Health officials in Larkin County"], "unnamed officials with a place"),
        (MEASLES, 2, [OKONJO] * 2, "said Dr. NAME, the ROLE; the quote continues"),
        (MEASLES, 3, ["the county health department"], "according to an organisation"),
        (MEASLES, 4, ["the Ministry of Health"] * 2, "'It said' is the ministry"),
        (MEASLES, 5, [REYES] * 2, "initials; Mr. Reyes is J. Michael Reyes"),
        (MEASLES, 6, [REYES] * 2, "he said: the last speaker, whole quote paragraph"),
        (MEASLES, 7, [OKONJO] * 2, "surname only, then she added"),
        (MEASLES, 8, ["School board members"], "plural unnamed source"),
        (MEASLES, 9, [None, None], "narration"),
        (MEASLES, 10, ["Hannah Price"] * 2, "an appositive that is not a job is not a role"),
        (MEASLES, 11, ["Tom Ellery"] * 2, "'who lives next door' is skipped; Mr. marks a man"),
        (MEASLES, 12, ["Hannah Price"], "she said skips the man who spoke last"),
    ],
)
def test_fixture_articles_cite_the_right_speaker(
    article: str, number: int, expected: list[str | None], why: str
) -> None:
    assert labels(load(article))[number - 1] == expected, why


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["Officials said the talks failed."], [["officials"]]),
        (
            ["The Kremlin said it had no comment. It added that talks would go on."],
            [["the Kremlin"] * 2],
        ),
        (
            ["A senior official said the talks failed. He added that no date was set."],
            [["a senior official"] * 2],
        ),
        (
            ["Ukrainian President Volodymyr Zelensky said more aid was needed."],
            [["Volodymyr Zelensky, Ukrainian President"]],
        ),
        (
            ["Kremlin spokesman Dmitry Peskov told reporters that Moscow had no plans."],
            [["Dmitry Peskov, Kremlin spokesman"]],
        ),
        (
            ["“We will not back down,” said Mr. O’Brien, the party’s leader."],
            [["O’Brien, the party’s leader"]],
        ),
        (["The Pentagon said on Friday that it had sent more troops."], [["the Pentagon"]]),
        (
            ["Russia’s Defense Ministry said the strikes hit military targets."],
            [["Russia’s Defense Ministry"]],
        ),
        (["In a statement, the ministry said it had opened an inquiry."], [["the ministry"]]),
        (['"Yes," said the official. "We will."'], [["the official"] * 2]),
        (["“Is it over?” Kirby asked. “No.”"], [["Kirby"] * 2]),
        (["Okafor, 52, said the offer was unfair."], [["Okafor"]]),
        (
            ["The official, who spoke on condition of anonymity, said the plan had changed."],
            [["the official"]],
        ),
        (
            ["Two people familiar with the matter said the deal was off."],
            [["two people familiar with the matter"]],
        ),
        (
            [
                "Ursula von der Leyen said the bloc would respond.",
                "Von der Leyen added that sanctions were ready.",
            ],
            [["Ursula von der Leyen"], ["Ursula von der Leyen"]],
        ),
        (
            [
                "The country’s army chief, Gen. Valery Zaluzhny, said the front was stable.",
                "“It is cold,” Zaluzhny said.",
            ],
            [
                ["Valery Zaluzhny, the country’s army chief"],
                ["Valery Zaluzhny, the country’s army chief"],
            ],
        ),
    ],
)
def test_attribution_conventions_of_news_prose(
    paragraphs: list[str], expected: list[list[str | None]]
) -> None:
    assert labels(paragraphs) == expected


@pytest.mark.parametrize(
    "paragraph",
    [
        "Kirby visited Kyiv on Monday.",
        "The group is said to have recruited prisoners.",
        "The figure could rise, according to a report.",
        "“We will fight,” he said.",  # a pronoun with nobody to refer to
        "The U.S. believes Wagner could be drawn into a power struggle.",
        "Zelensky met Biden, in which he thanked the U.S. and said more was needed.",
        # two people named before "in which he": either could be "he"
        "President Joe Biden met Olaf Scholz in Berlin, in which he thanked Germany and said so.",
        "“Nobody told us anything,” a sign read.",
    ],
)
def test_sentences_without_a_clear_source_are_narration_rather_than_a_guess(
    paragraph: str,
) -> None:
    assert names([paragraph]) == [[None]]


def test_a_quote_paragraph_after_narration_is_not_given_to_an_earlier_speaker() -> None:
    article = ["Kirby said the war was far from over.", "Fighting continued.", "“We will see.”"]
    assert names(article) == [["Kirby"], [None], [None]]


def test_a_pure_quote_paragraph_continues_the_previous_speaker() -> None:
    article = ["“We are ready,” said Maria Lopez, the mayor.", "“Nobody will be left behind.”"]
    assert labels(article) == [["Maria Lopez, the mayor"], ["Maria Lopez, the mayor"]]


def test_an_unclosed_quote_runs_on_into_the_next_paragraph() -> None:
    article = ["“We will rebuild,” said Mayor Ana Ruiz. “Every street will reopen.", "“Every one.”"]
    assert names(article) == [["Ana Ruiz", "Ana Ruiz"], ["Ana Ruiz"]]


def test_they_said_refers_to_the_last_group_or_organisation() -> None:
    article = ["Kirby said the war went on.", "Officials said X. They added that Y was likely."]
    assert names(article) == [["Kirby"], ["officials", "officials"]]


def test_a_label_is_the_name_with_its_role_or_just_the_name() -> None:
    assert Speaker(KIRBY, KIRBY_ROLE).label() == f"{KIRBY}, {KIRBY_ROLE}"
    assert Speaker("the Kremlin").label() == "the Kremlin"


@pytest.mark.parametrize("paragraphs", [[], [""], ["No source here at all"]])
def test_empty_or_sourceless_articles_have_no_speakers(paragraphs: list[str]) -> None:
    assert attribute_speakers(paragraphs) == [[None] * len(split_sentences(p)) for p in paragraphs]


def test_attribution_is_deterministic() -> None:
    assert attribute_speakers(SEED) == attribute_speakers(list(SEED))


PIECES = ["Kirby ", "said ", "he ", "“", "”", ", ", ". ", "The official ", "Mr. ", "according to "]


@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=30).map("".join), max_size=4))
def test_any_article_gets_exactly_one_answer_per_sentence(paragraphs: list[str]) -> None:
    result = attribute_speakers(paragraphs)
    assert [len(row) for row in result] == [len(split_sentences(p)) for p in paragraphs]
