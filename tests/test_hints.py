"""Hint matching: every expected value is hand-computable from the strings in the test."""

from harness.checkers.hints import find_phrase, match_hints, word_key
from harness.records import GoldFact, Span, Trap


def fact(**kw):
    return GoldFact(id="f", statement=kw.pop("statement", "x"), **kw)


def test_find_phrase_case_diacritics_possessive_plural():
    # "Zürich's" folds to "zurich's", stems to "zurich"; "banks" stems to "bank".
    assert find_phrase("zurich bank", "Zürich's Banks fell.") == Span(0, 14, "Zürich's Banks")
    assert find_phrase("Ottawa Convention", "nothing here") is None


def test_number_words_and_digits_are_the_same_word():
    assert word_key("four") == "4" and word_key("4") == "4" and word_key("4,000") == "4000"
    assert find_phrase("4 countries", "Four countries said").text == "Four countries"
    assert find_phrase("four countries", "the 4 countries").text == "4 countries"


def test_unambiguous_demonym_matches_country_but_ambiguous_does_not():
    assert find_phrase("Lithuania", "the Lithuanian Defense Ministry").text == "Lithuanian"
    assert find_phrase("India", "an Indian company") is None  # left out: ambiguous


def test_any_of_all_of_partial_credit():
    f = fact(all_of=("Estonia", "Latvia", "Lithuania", "Poland"))
    hit = match_hints(f, "Latvia, Lithuania and Poland announced")
    # 3 of 4 parts -> partial, score 3/4; span from "Latvia" (0) to end of "Poland" (6+2+9+5+6 = 28).
    assert (hit.status, hit.score, hit.method) == ("partial", 0.75, "all_of")
    assert hit.span == Span(0, 28, "Latvia, Lithuania and Poland")
    full = match_hints(f, "Estonia, Latvia, Lithuania and Poland")
    assert (full.status, full.score) == ("covered", 1.0)
    assert match_hints(fact(any_of=("quit the treaty", "leave the convention")),
                       "They will leave the Convention.").status == "covered"
    assert match_hints(fact(statement="no hints"), "anything") is None


def test_pattern_is_case_insensitive_on_folded_text():
    hit = match_hints(fact(pattern=r"ottawa\s+convention"), "the OTTAWA Convention")
    assert hit.status == "covered" and hit.span.text == "OTTAWA Convention"


def test_dates_in_common_english_forms():
    f = fact(date="2025-03-18")
    for text in ("on March 18, 2025", "on 18 March 2025", "on the 18th of March", "on 2025-03-18",
                 "on Mar. 18"):
        assert match_hints(f, text).status == "covered", text
    announced = fact(statement="The plan was announced on March 18, 2025.", date="2025-03-18")
    # another day in a clause about the fact (its word "announced") -> contradicted; elsewhere -> missing
    assert match_hints(announced, "It was announced on March 19").status == "contradicted"
    assert match_hints(announced, "The vote is due on March 19").status == "missing"
    # the year resolved against the publication date: "March 18" of a 2025 article is March 18, 2025
    assert match_hints(announced, "It was announced on March 18, 2024", published="2025-03-20").status == "contradicted"
    assert match_hints(f, "in March 2025").status == "missing"  # no day: not the date
    assert match_hints(f, "last year").status == "missing"


def test_a_weekday_matches_a_date_hint_against_the_publication_date():
    f = fact(date="2024-04-30")  # a Tuesday
    hit = match_hints(f, "The court ruled on Tuesday that the ban was unlawful.", published="2024-04-30")
    assert (hit.status, hit.span.text) == ("covered", "Tuesday")
    # The nearest such day before or after publication: a Tuesday ruling reported on Thursday.
    assert match_hints(f, "It ruled on Tuesday.", published="2024-05-02").status == "covered"
    assert match_hints(f, "It ruled on Monday.", published="2024-04-30").status == "missing"
    assert match_hints(f, "It ruled on Tuesday.", published="2024-05-10").status == "missing"  # another Tuesday
    assert match_hints(f, "It ruled on Tuesday.").status == "missing"  # no publication date: no reading
    assert match_hints(f, "It ruled on Tuesday.", published="soon").status == "missing"


def test_number_hint_covered_contradicted_missing():
    f = fact(statement="The budget passed on a 6-3 vote with four abstentions.", number=4)
    assert match_hints(f, "There were 4 abstentions.").status == "covered"
    # Same context ("abstentions", "vote", ...) with another number -> contradicted.
    bad = match_hints(f, "It passed on a vote with five abstentions.")
    assert bad.status == "contradicted" and bad.span.text == "five"
    assert match_hints(f, "The mayor spoke.").status == "missing"
    assert match_hints(fact(number=1.5e9), "a 1.5 billion deal").status == "covered"


def test_an_approximate_number_hint_accepts_close_values():
    about = fact(statement="The reef stretches about 38 kilometres.", number=38)
    exact = fact(statement="The reef stretches 38 kilometres.", number=38)
    assert match_hints(about, "The 38.5-kilometre reef was mapped.").status == "covered"  # 1.3% off
    assert match_hints(exact, "The 38.5-kilometre reef was mapped.").status != "covered"
    assert match_hints(about, "The reef stretches 41 kilometres.").status == "contradicted"  # 7.9% off


def test_a_number_contradicts_only_in_a_clause_about_the_fact_and_of_its_kind():
    adherence = fact(statement="About 78 percent of the walking group were still walking after meals.", number=78)
    # the sentence shares "walk", "meal", "group", but its numbers are a head count and other percentages
    other = ("A study of 2,400 adults found that a walk after meals helped the walking group: "
             "6.1 percent developed diabetes.")
    assert match_hints(adherence, other).status == "missing"
    assert match_hints(adherence, "Only 60 percent of the walking group kept walking after meals.").status == "contradicted"
    eps = fact(statement="Earnings per share were $1.42, up from $1.19.", number=1.42)
    assert match_hints(eps, "Profit was $214 million, up 18 percent; its shares rose 7 percent.").status == "missing"


def test_trap_hints_use_the_same_matching():
    trap = Trap(id="t", statement="Ukraine is withdrawing.", any_of=("Ukraine",))
    hit = match_hints(trap, "Estonia and Ukraine's leaders")
    assert hit.status == "covered" and hit.span.text == "Ukraine's"
