"""Claim splitting: sentences and clauses with exact offsets (expected values read off the text)."""

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


def test_lowercased_and_unspaced_text_is_split():
    text = "a van was robbed in glasgow city centre. police said three men took cash. the hosts led.Cameron Phelps scored"
    assert _texts(text) == ["a van was robbed in glasgow city centre.", "police said three men took cash.",
                            "the hosts led.", "Cameron Phelps scored"]


def test_empty_text_has_no_claims():
    assert split_claims("") == [] and split_sentences("   ") == []


def test_unit_spellings_compare_equal_but_other_units_do_not():
    from harness.checkers.faithfulness.quantities import novel_quantities, number_units
    from harness.text import dates, number_values

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
    from harness.text import dates, number_values

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
    from harness.text import dates, number_values

    source = "HbA1c fell by 0.3 percentage points; 5 days a week, the walkers went out."
    nums, ds, units = frozenset(number_values(source)), dates(source), number_units(source)
    assert novel_quantities("HbA1c fell by 0.3 points.", nums, ds, units) == []
    # a known unit against another known unit still counts
    assert [q.text for q in novel_quantities("The walkers went out 5 hours a week.", nums, ds, units)] == ["5"]
