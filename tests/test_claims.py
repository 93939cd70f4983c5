"""Claim splitting: sentences and clauses with exact offsets (expected values read off the text)."""

import pytest

from harness.checkers.faithfulness.claims import split_claims, split_sentences


def _texts(text):
    claims = split_claims(text)
    for c in claims:
        assert text[c.start:c.end] == c.text
    return [c.text for c in claims]


def test_sentences_and_clauses():
    text = ("Estonia, Latvia, Lithuania and Poland announced they will withdraw from the treaty, "
            "but parliaments must still approve the decision. Mr. Smith agreed.")
    assert _texts(text) == [
        "Estonia, Latvia, Lithuania and Poland announced they will withdraw from the treaty",
        "but parliaments must still approve the decision.",
        "Mr. Smith agreed.",
    ]


def test_short_clauses_stay_together():
    assert _texts("He came; he left quickly after the big show ended.") == [
        "He came; he left quickly after the big show ended."]


def test_a_clause_of_cause_or_time_is_a_claim_of_its_own():
    text = ("The mill in Orvane will close in May because orders for its paper fell by half. "
            "Output stopped for a week, after a fire damaged the main press. "
            "Staff were told on Friday, as the owners had promised the union.")
    assert _texts(text) == [
        "The mill in Orvane will close in May", "because orders for its paper fell by half.",
        "Output stopped for a week", "after a fire damaged the main press.",
        "Staff were told on Friday", "as the owners had promised the union."]


def test_a_phrase_of_cause_or_a_relative_clause_stays_with_its_sentence():
    text = ("The mill in Orvane will close in May because of falling orders for its paper. "
            "The owners told Mara Quill, who leads the union, about the closure on Friday.")
    assert _texts(text) == [
        "The mill in Orvane will close in May because of falling orders for its paper.",
        "The owners told Mara Quill, who leads the union, about the closure on Friday."]


def test_lowercased_and_unspaced_text_is_split():
    text = "a van was robbed in glasgow city centre. police said three men took cash. the hosts led.Cameron Phelps scored two late tries"
    assert _texts(text) == ["a van was robbed in glasgow city centre.", "police said three men took cash.",
                            "the hosts led.", "Cameron Phelps scored two late tries"]


def test_a_generation_cut_off_mid_sentence_leaves_no_claim_of_its_last_words():
    assert _texts("The trial enrolled 400 adults. The study") == ["The trial enrolled 400 adults."]
    assert _texts("The trial enrolled 400 adults. The study found") == ["The trial enrolled 400 adults."]
    # a closing mark, five words or a lone sentence: a claim
    assert _texts("The trial enrolled 400 adults. It ended.")[-1] == "It ended."
    assert _texts("The trial enrolled 400 adults. The study found no effect")[-1] == "The study found no effect"
    assert _texts("Trial enrolled adults") == ["Trial enrolled adults"]


def test_empty_text_has_no_claims():
    assert split_claims("") == [] and split_sentences("   ") == []


def test_unit_spellings_compare_equal_but_other_units_do_not():
    from harness.checkers.faithfulness.quantities import novel_quantities, number_units
    from harness.numbers import number_values
    from harness.text import dates

    source = "The reef lies between 420 and 750 metres below the surface; the survey took 30 days."
    nums, ds, units = frozenset(number_values(source)), dates(source), number_units(source)
    # same quantity, American spelling: supported
    assert novel_quantities("It lies 420 to 750 meters down.", nums, ds, units) == []
    # same number, another unit (days -> hours): flagged
    found = novel_quantities("The survey took 30 hours.", nums, ds, units)
    assert [q.text for q in found] == ["30"]


def test_the_first_end_of_a_range_takes_the_range_unit():
    """"between 12 and 18 kilometres": 12 is in kilometres too, so "12 years" does not match it; a
    pair whose second number has no unit ("7 and 8 crew") constrains nothing."""
    from harness.checkers.faithfulness.quantities import novel_quantities, number_units
    from harness.numbers import number_values
    from harness.text import dates

    source = ("The new ferry crosses between 12 and 18 kilometres of open water, and fares rose 3 to 5 "
              "percent; a crew of 7 and 8 volunteers works each shift.")
    nums, ds, units = frozenset(number_values(source)), dates(source), number_units(source)
    assert units[12.0] == {"kilometer"} and units[3.0] == {"percent"} and units[7.0] == {""}
    found = novel_quantities("The ferry is 12 years old.", nums, ds, units)
    assert [(q.text, q.detail) for q in found] == [("12", "the article gives '12' in kilometer, not in year")]
    for faithful in ("The crossing is at least 12 km.", "Fares rose 3 percent.", "The crew works 7 days a week."):
        assert novel_quantities(faithful, nums, ds, units) == [], faithful


def test_a_word_that_is_no_unit_does_not_contradict_one():
    from harness.checkers.faithfulness.quantities import novel_quantities, number_units
    from harness.numbers import number_values
    from harness.text import dates

    source = "HbA1c fell by 0.3 percentage points; 5 days a week, the walkers went out."
    nums, ds, units = frozenset(number_values(source)), dates(source), number_units(source)
    assert novel_quantities("HbA1c fell by 0.3 points.", nums, ds, units) == []
    # a known unit against another known unit still counts
    assert [q.text for q in novel_quantities("The walkers went out 5 hours a week.", nums, ds, units)] == ["5"]


MILL = ("The Orvane paper mill will close in May, its owners Castell Group said on Thursday, after orders for its "
        "newsprint fell by half in two years. About 240 workers will lose their jobs. The union said it would ask "
        "the regional government to find a buyer for the site.")


@pytest.mark.parametrize("summary, unsupported", [
    ("The Orvane paper mill will close in May because its owners want to build flats on the site.",
     ["because its owners want to build flats on the site."]),
    ("The Orvane paper mill will close in May because orders for its newsprint fell by half in two years.", []),
    ("About 240 workers will lose their jobs, after a fire destroyed the mill's main machine.",
     ["after a fire destroyed the mill's main machine."]),
    ("About 240 workers will lose their jobs, after orders for its newsprint fell by half.", []),
])
def test_a_cause_the_article_never_gives_is_reported_on_its_own(summary, unsupported):
    """The cause clause is judged apart from the supported clause it hangs on (the team's own article)."""
    from harness.records import Article
    from harness.scorers.hallucination import HallucinationScorer

    article = Article(id="mill", text=MILL, body=MILL, published="2026-02-12")
    result = HallucinationScorer(lm="none").score(article, summary)
    assert [h.text for h in result.hallucinations if h.kind == "unsupported"] == unsupported
