"""Numbers written as words, read whole ("two hundred and fourteen million", "forty-one point
eight"), units that are multiples of others ("four decades" = 40 years), and what that means
for both scorers on an article written by the team for this test
(a city marathon), never the seed."""

from __future__ import annotations

import pytest

from harness.checkers.atoms import quantities, same_quantity
from harness.numbers import numbers
from harness.records import Article, GoldFact
from harness.scorers.coverage import FactCoverageScorer
from harness.scorers.hallucination import HallucinationScorer

BODY = ("A record 14,250 runners finished the Dunmore City Marathon on Sunday, the organisers said. "
        "Women made up 41.5 percent of the finishers, up from 36 percent last year. "
        "The race paid out $1.2 million in prize money, and the winner, Petra Okafor, "
        "finished in two hours and nine minutes. It was the largest field in more than 40 years.")
ARTICLE = Article(id="marathon", text=BODY, body=BODY, published="2026-04-27",
                  facts=(GoldFact("finishers", "A record 14,250 runners finished the marathon.", 3),
                         GoldFact("women", "Women made up 41.5 percent of the finishers.", 2)))


def _read(text: str) -> list[tuple[str, float, float]]:
    return [(n.text, n.value, n.raw) for n in numbers(text)]


@pytest.mark.parametrize("text, expected", [
    ("earned two hundred and fourteen million dollars", [("two hundred and fourteen million", 214e6, 214.0)]),
    ("a one-hundred-forty-eight-million-dollar budget", [("one-hundred-forty-eight-million", 148e6, 148.0)]),
    ("five point two million dollars", [("five point two million", 5.2e6, 5.2)]),
    ("forty-one point eight percent", [("forty-one point eight", 41.8, 41.8)]),
    ("thirty-three and a half percent", [("thirty-three and a half", 33.5, 33.5)]),
    ("Eighteen thousand four hundred fans", [("Eighteen thousand four hundred", 18400.0, 18400.0)]),
    ("fifteen hundred troops", [("fifteen hundred", 1500.0, 1500.0)]),
    ("nine hundred ninety-nine", [("nine hundred ninety-nine", 999.0, 999.0)]),
])
def test_a_run_of_number_words_is_one_number(text, expected):
    assert _read(text) == expected


def test_words_that_cannot_extend_a_number_start_the_next_one():
    assert _read("six votes to three") == [("six", 6.0, 6.0), ("three", 3.0, 3.0)]
    assert _read("one two three") == [("one", 1.0, 1.0), ("two", 2.0, 2.0), ("three", 3.0, 3.0)]
    assert _read("seven and eight") == [("seven", 7.0, 7.0), ("eight", 8.0, 8.0)]
    assert _read("a hundred") == [] and _read("thousands of fans") == []  # no count word before the scale


@pytest.fixture(scope="module")
def hallucination():
    return HallucinationScorer(lm="none")


def test_numbers_spelled_out_are_checked_as_numbers(hallucination):
    right = ("Fourteen thousand two hundred and fifty runners finished the Dunmore City Marathon on Sunday, "
             "and women made up forty-one point five percent of them.")
    assert [h for h in hallucination.score(ARTICLE, right).hallucinations if h.kind == "number"] == []
    wrong = "Fourteen thousand five hundred runners finished the Dunmore City Marathon on Sunday."
    found = [h.text for h in hallucination.score(ARTICLE, wrong).hallucinations if h.kind == "number"]
    assert found == ["Fourteen thousand five hundred"]


def test_a_fact_is_covered_by_its_number_in_words():
    scorer = FactCoverageScorer()
    said = {v.id: v.status for v in scorer.score(ARTICLE, "A record fourteen thousand two hundred and fifty "
                                                          "runners finished the marathon.").facts}
    assert said["finishers"] == "covered"
    said = {v.id: v.status for v in scorer.score(ARTICLE, "A record fourteen thousand runners finished "
                                                          "the marathon.").facts}
    assert said["finishers"] != "covered"


def test_a_unit_that_is_a_multiple_of_another_states_the_same_quantity(hallucination):
    assert same_quantity(quantities("a 38 km stretch")[0], quantities("a 38,000 metre stretch")[0])
    assert not same_quantity(quantities("a 38 km stretch")[0], quantities("a 38 metre stretch")[0])
    assert quantities("over four decades")[0].unit == "decade" and quantities("two centuries")[0].unit == "century"
    said = "It was the largest field of the Dunmore City Marathon in over four decades."
    assert [h for h in hallucination.score(ARTICLE, said).hallucinations if h.kind == "number"] == []
    wrong = "It was the largest field of the Dunmore City Marathon in over five decades."
    assert [h.text for h in hallucination.score(ARTICLE, wrong).hallucinations if h.kind == "number"] == ["five"]


@pytest.mark.parametrize("text, expected", [
    ("fell by three-tenths of a percentage point", [("three-tenths", 0.3)]),
    ("two thirds of the vote", [("two thirds", 2 / 3)]),
    ("a one-fifth share", [("one-fifth", 0.2)]),
    ("about a third smaller than last year", [("a third", 1 / 3)]),
    ("fell by a quarter.", [("a quarter", 0.25)]),
    ("she won a third term", []),  # an ordinal
    ("the last two quarters were weak", [("two", 2.0)]),  # periods, not a share
    ("unseen for a century and a half", []),  # part of a mixed quantity
])
def test_a_fraction_in_words_is_one_number(text, expected):
    assert [(n.text, pytest.approx(n.value)) for n in numbers(text)] == expected


def test_a_fraction_of_a_unit_is_a_quantity_in_that_unit_and_a_bare_one_is_a_share():
    part = quantities("fell by three-tenths of a percentage point")[0]
    assert part.unit == "point" and same_quantity(part, quantities("fell by 0.3 percentage points")[0])
    share = quantities("about two-fifths of the finishers")[0]
    assert share.unit == "fraction" and same_quantity(share, quantities("41.5 percent of the finishers")[0])


def test_fractions_are_checked_as_numbers(hallucination):
    right = "Women made up about two-fifths of the finishers of the Dunmore City Marathon."
    assert [h for h in hallucination.score(ARTICLE, right).hallucinations if h.kind == "number"] == []
    wrong = "Women made up about a quarter of the finishers of the Dunmore City Marathon."
    assert [h.text for h in hallucination.score(ARTICLE, wrong).hallucinations if h.kind == "number"] == ["a quarter"]


def test_both_ends_of_a_range_share_its_context():
    from harness.checkers.context import local_context
    from harness.text import tokens

    text = "Tickets were priced at 40 to 65 dollars, above the 30 dollars charged for the half marathon."
    priced = {t.stem for t in tokens("tickets priced")}
    start = text.index("65")  # its words are before the range's other end, 40
    assert priced <= local_context(text, start, start + 2)
    start = text.index("30")
    assert not priced & local_context(text, start, start + 2)


def _number_findings(hallucination, body: str, published: str, summary: str) -> list[str]:
    """The texts of the ``number`` findings on ``summary`` of an article with ``body``."""
    article = Article(id="numbers", text=body, body=body, published=published)
    return [h.text for h in hallucination.score(article, summary).hallucinations if h.kind == "number"]


def test_a_vote_written_as_words_is_the_pair_the_article_writes_in_digits(hallucination):
    body = ("The Eastbrook school board voted 5-2 on Tuesday to close the Millrace pool in June. "
            "Until then the pool stays open five days a week.")
    said = "The Eastbrook school board decided by five votes to two to close the Millrace pool in June."
    assert _number_findings(hallucination, body, "2026-02-11", said) == []
    wrong = "The Eastbrook school board decided by five votes to three to close the Millrace pool in June."
    assert _number_findings(hallucination, body, "2026-02-11", wrong) == ["three"]


def test_a_decade_or_century_is_stated_by_any_year_in_it(hallucination):
    body = ("The Dunmore City Marathon was first run in 1983, and its course was last changed in 2009. "
            "The organisers said on Sunday that 14,250 runners finished this year's race.")
    said = "First run in the 1980s, the Dunmore City Marathon had 14,250 finishers this year."
    assert _number_findings(hallucination, body, "2026-04-27", said) == []
    wrong = "First run in the 1970s, the Dunmore City Marathon had 14,250 finishers this year."
    assert _number_findings(hallucination, body, "2026-04-27", wrong) == ["1970"]
