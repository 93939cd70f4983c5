"""Atoms (quantities and dates as a reader checks them), and the cases a new user met on a new
article: each case here runs on an article written by the team for this test (a central bank's
rate decision, a fishing season), never the seed. Expected values come from reading the texts."""

from __future__ import annotations

import pytest

from harness.checkers.atoms import check_atoms, quantities, resolve_year, same_quantity, statement_atoms
from harness.checkers.context import local_context
from harness.checkers.faithfulness.quantities import misplaced_values
from harness.records import Article, GoldFact
from harness.scorers.coverage import FactCoverageScorer
from harness.text import dates, sentences

BANK = """The Bank of Corvena cut its main policy rate by a quarter of a percentage point to 3.5 percent on Thursday, its first cut in two years, citing slowing inflation.

The rate-setting committee voted 5-2 for the cut. Two members, deputy governor Ilse Marrow and economist Tobias Fenn, voted against it and wanted to keep the rate at 3.75 percent, saying price pressures remain strong.

Inflation fell to 2.4 percent in October from 3.1 percent in September. The bank targets inflation of 2 percent and expects to reach that goal by the end of 2027.

Governor Anna Leskov said the bank would move cautiously. "We are not on a preset path," she told reporters in Varnholm.

The committee's next decision is due on December 18."""

BANK_FACTS = (
    GoldFact("rate", "The Bank of Corvena cut its main policy rate to 3.5 percent.", 3, pattern=r"\bcut", number=3.5),
    GoldFact("vote", "The committee voted five to two for the cut.", 2),
    GoldFact("inflation", "Inflation fell to 2.4 percent in October.", 2, number=2.4),
    GoldFact("decided", "The bank announced the cut on November 19, 2026.", 1, date="2026-11-19"),
    GoldFact("dissent", "Two members voted to keep the rate at 3.75 percent.", 1),
)

CATCH = """Boats in the Tarrow Bay fishery landed about 4.6 million tonnes of cod this season, the port authority said on Monday, the largest catch in a decade.

The catch was 18 percent above last season's 3.9 million tonnes. Haddock landings fell to 610,000 tonnes.

Prices at the Tarrow fish market dropped by roughly a fifth as the boats came in."""

CATCH_FACTS = (
    GoldFact("catch", "Tarrow Bay boats landed about 4.6 million tonnes of cod.", 3, any_of=("cod",), number=4.6),
    GoldFact("rise", "The catch was 18 percent above last season.", 2),
)


@pytest.fixture(scope="module")
def coverage():
    return FactCoverageScorer()


def _verdicts(scorer, article, summary):
    return {v.id: v for v in scorer.score(article, summary).facts}


def test_quantities_read_value_unit_hedge_and_count():
    q = quantities("They landed about 4.6 million tonnes of cod and hired five new crews; prices fell 34 percent.")
    assert [(x.text, x.value, x.unit, x.noun, x.approximate) for x in q] == [
        ("4.6 million", 4_600_000.0, "ton", "", True),  # hedged by "about"; tonnes -> ton
        ("five", 5.0, "", "new", False),  # a count: what it counts is the next word
        ("34 percent", 34.0, "percent", "", False),
    ]
    # the fraction word is a share: "a third" agrees with 34 percent only when hedged (within 5%)
    third = quantities("down by a third")[0]
    assert same_quantity(third, quantities("34 percent")[0]) and not same_quantity(third, quantities("40 percent")[0])
    assert quantities("the 1001st name") == ()  # an ordinal is a rank, not a quantity


def test_a_year_less_date_is_read_in_the_year_nearest_publication():
    d = dates("due on December 18")[0]
    assert resolve_year(d, "2026-11-19").year == 2026
    assert resolve_year(dates("on January 4")[0], "2026-12-30").year == 2027  # the nearer one
    assert resolve_year(d, None).year is None


def test_statement_atoms_keep_bracketed_alternatives_and_drop_referring_counts():
    atoms = statement_atoms("The harvest is 34 percent (about a third) below last year's.")
    assert [[q.text for q in alts] for alts in atoms.quantities] == [["34 percent", "a third"]]
    assert not statement_atoms("The four countries intend to withdraw from the treaty.")  # "the four countries"
    assert check_atoms(atoms, "The harvest fell by about a third.", "harvest below").found == 1


def test_local_context_is_what_the_value_is_the_value_of():
    s = "Two members voted to keep the rate at 3.75 percent."
    q = quantities(s)[-1]
    assert local_context(s, q.start, q.end) == frozenset({"member", "vot", "keep", "rate"})


def test_a_hint_never_covers_a_fact_whose_number_is_wrong(coverage):
    art = Article(id="catch", text=CATCH, body=CATCH, published="2025-10-06", facts=CATCH_FACTS)
    wrong = _verdicts(coverage, art, "Tarrow Bay boats landed 5.6 million tonnes of cod this season.")["catch"]
    assert (wrong.status, wrong.evidence.text) == ("contradicted", "5.6 million")
    # the hedge "about" accepts a value within 5%, in both scorers' reading
    assert _verdicts(coverage, art, "Boats landed 4.7 million tonnes of cod.")["catch"].status == "covered"
    assert _verdicts(coverage, art, "The catch of cod was large.")["catch"].status == "partial"  # the hint alone


def test_the_old_rate_does_not_cover_the_cut_through_its_pattern(coverage):
    art = Article(id="bank", text=BANK, body=BANK, published="2026-11-19", facts=BANK_FACTS)
    v = _verdicts(coverage, art, "The Bank of Corvena cut its main policy rate to 3.75 percent.")
    assert (v["rate"].status, v["rate"].evidence.text) == ("contradicted", "3.75 percent")


def test_true_sentences_about_other_values_contradict_nothing(coverage):
    art = Article(id="bank", text=BANK, body=BANK, published="2026-11-19", facts=BANK_FACTS)
    v = _verdicts(coverage, art, "The bank cut its main policy rate to 3.5 percent. The bank targets inflation "
                                 "of 2 percent. Its next decision is due on December 18.")
    assert v["rate"].status == "covered"
    assert v["inflation"].status == "missing" and v["decided"].status == "missing"
    assert _verdicts(coverage, art, "Inflation fell to 2 percent in October.")["inflation"].status == "contradicted"


def test_an_inverted_count_contradicts_the_fact_and_is_flagged_as_a_number():
    claim = "The Bank of Corvena cut its rate to 3.5 percent, with five members voting against the cut."
    sources = [s.text for s in sentences(BANK)[:3]]  # supporting sentences, as the scorer aligns them
    found = misplaced_values(claim, sources)
    assert [(m.text, m.kind, m.source_value) for m in found] == [("five", "number", "Two")]
    assert misplaced_values("Two members voted against the cut.", sources) == []


def test_the_old_rate_as_the_new_one_is_flagged_where_the_article_states_the_new():
    claim = "The Bank of Corvena cut its main policy rate to 3.75 percent."
    sources = [s.text for s in sentences(BANK)[:3]]
    found = misplaced_values(claim, sources)
    assert [(m.text, m.source_value) for m in found] == [("3.75 percent", "3.5 percent")]
    # a value stated where the claim's words are is fine
    assert misplaced_values("The committee voted 5-2 for the cut.", sources) == []


def test_a_value_the_article_states_in_its_context_elsewhere_is_not_misplaced():
    # the claim was aligned to the sentence about last year's target; another sentence of the
    # article states this year's, the claim's value
    claim = "Tarrow Foods set its sales target at $1.4 billion."
    article = ["Last year Tarrow Foods set its sales target at $1.3 billion.",
               "This year Tarrow Foods set its sales target at $1.4 billion."]
    assert [m.source_value for m in misplaced_values(claim, article[:1])] == ["1.3 billion"]
    assert misplaced_values(claim, article[:1], article=article) == []


def test_a_value_placed_by_one_word_only_is_not_misplaced():
    # "up 18 percent, on revenue": revenue alone does not say the 18 percent is revenue's
    claim = "Tarrow Foods reported a profit of $90 million, up 18 percent, on revenue that rose 6 percent."
    assert misplaced_values(claim, ["Revenue rose 6 percent to $1.1 billion."]) == []


def test_a_date_from_another_year_is_flagged():
    claim = "The bank announced the cut on November 19, 2025."
    source = ["The bank announced the cut on November 19."]
    assert [(m.kind, m.text) for m in misplaced_values(claim, source, "2026-11-20")] == [
        ("date", "November 19, 2025")]
    assert misplaced_values("The bank announced the cut on November 19.", source, "2026-11-20") == []


def test_a_percentage_in_words_is_the_percentage_in_digits():
    from harness.checkers.faithfulness.quantities import novel_quantities
    from harness.checkers.faithfulness.support import build_source

    src = build_source("Sales rose 18 percent in the quarter. Costs fell 7 percent to 2.1 million dollars.")
    novel = lambda claim: [q.text for q in novel_quantities(claim, src.numbers, src.dates, src.units,  # noqa: E731
                                                            src.quantities)]
    assert novel("Sales were up eighteen percent.") == [] and novel("Costs fell seven percent.") == []
    assert novel("Sales rose 19 percent.") == ["19 percent"]


def test_a_range_shares_its_scale_and_unit():
    lo, hi = quantities("an estimate of 1.8-2.5 million euros")
    assert (lo.value, lo.unit, hi.value, hi.unit) == (1_800_000.0, "euro", 2_500_000.0, "euro")


def test_the_facts_other_value_is_no_contradiction():
    atoms = statement_atoms("Turnout was 52.4 percent, up from 46.1 percent in 2021.")
    chk = check_atoms(atoms, "Turnout rose to 52.4 percent.", "Turnout was 52.4 percent, up from 46.1 percent in 2021.")
    assert (chk.found, chk.total, chk.contradiction) == (1, 2, None)  # the old figure left out, not contradicted


def test_a_colon_keeps_the_subject_in_a_values_context():
    s = "Canola was less affected: 740,000 tonnes, down 11 percent."
    q = quantities(s)[0]
    assert {"canola", "less", "affect"} <= local_context(s, q.start, q.end)
    chk = check_atoms(statement_atoms(s), "The wheat harvest fell to 2.1 million tonnes.", s)
    assert chk.contradiction is None  # a clause about wheat says nothing about canola


def test_a_score_or_vote_is_a_tally_and_ranges_share_their_unit():
    assert [(q.value, q.noun) for q in quantities("won 4-3 on penalties")] == [(4.0, "tally"), (3.0, "tally")]
    assert [(q.value, q.unit) for q in quantities("between 420 and 750 metres")] == [(420.0, "meter"), (750.0, "meter")]
    assert [(q.value, q.unit) for q in quantities("10-15 percent")] == [(10.0, "percent"), (15.0, "percent")]
    fact = "The court ruled 2-1 against the city."
    chk = check_atoms(statement_atoms(fact), "The court ruled 5-1 against the city.", fact)
    assert chk.contradiction is not None and chk.contradiction.text == "5"


def test_a_value_the_article_states_without_a_unit_is_stated_with_one():
    from harness.checkers.faithfulness.quantities import novel_quantities
    from harness.checkers.faithfulness.support import build_source

    src = build_source("Farm groups had asked for 200 million. The repairs take 30 days.")
    novel = lambda claim: [q.text for q in novel_quantities(claim, src.numbers, src.dates, src.units,  # noqa: E731
                                                            src.quantities)]
    assert novel("The growers asked for 200 million dollars.") == []
    assert novel("The repairs take 30 weeks.") == ["30"]  # stated with another unit
