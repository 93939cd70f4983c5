"""Text utilities and body extraction on hand-checkable inputs."""

from __future__ import annotations

import pytest

from harness.body import extract_body, split_text_page
from harness.records import Article
from harness.numbers import numbers
from harness.text import dates, sentences, stem


def test_sentences_keep_abbreviations_and_offsets():
    text = "Mr. Smith met Dr. Jones in the U.S. on Monday. They agreed. Prices rose 2.5 percent!"
    spans = sentences(text)
    assert [s.text for s in spans] == [
        "Mr. Smith met Dr. Jones in the U.S. on Monday.", "They agreed.", "Prices rose 2.5 percent!"]
    assert all(text[s.start:s.end] == s.text for s in spans)


def test_numbers_words_digits_and_scales():
    vals = [(n.text, n.value) for n in numbers("four nations, 1,500 troops and $1.5 billion")]
    assert vals == [("four", 4.0), ("1,500", 1500.0), ("1.5 billion", 1.5e9)]


def test_dates_in_common_forms_agree():
    found = dates("on March 18, 2025 and 18 March and 2025-03-18")
    assert [(d.year, d.month, d.day) for d in found] == [(2025, 3, 18), (None, 3, 18), (2025, 3, 18)]
    assert all(d.agrees(2025, 3, 18) for d in found)


def test_abbreviations_have_their_own_keys():
    from harness.text import abbreviation_key, abbreviation_keys

    assert abbreviation_key("U.S.") == abbreviation_key("u.s") == "abbr:us"
    assert abbreviation_key("us") is None and abbreviation_key("Dr.") is None
    keys = abbreviation_keys("The United States, the U.K. and NATO met at the Bank of England; tell us.")
    assert {"abbr:us", "abbr:uk", "abbr:nato", "abbr:boe"} <= keys and "abbr:e" not in keys
    assert "abbr:us" not in abbreviation_keys("They told us about the U.K. plan.")
    assert "abbr:us" in abbreviation_keys("a U. S. District court")  # as detokenised data write it


def test_numbers_written_with_a_space_after_the_separator():
    from harness.numbers import spaced_number_values

    assert spaced_number_values("viewed 235, 000 times, up 7. 8 per cent") >= {235000.0, 7.8}
    assert spaced_number_values("viewed 235,000 times") == set()


def test_stem_drops_plurals_and_possessives():
    assert stem("parliaments") == stem("parliament") == stem("parliament's")


SEED = "../shared/seed/kyiv-independent-2025-03-18-ottawa.txt"


def test_seed_body_runs_from_first_paragraph_to_end_of_story():
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "shared/seed/kyiv-independent-2025-03-18-ottawa.txt"
    if not path.is_file():
        pytest.skip(f"the seed page {path} is not beside this clone (../shared)")
    body, furniture = split_text_page(path.read_text(encoding="utf-8"))
    assert body.startswith("Estonia, Latvia, Lithuania, and Poland announced on March 18")
    assert body.endswith("a weapon widely used in the Russia-Ukraine war.")
    assert "Moldova" not in body and "Subscribe" not in body and "pre-order" not in body
    assert any("Moldova" in block for block in furniture)
    assert any("indicates required" in block for block in furniture)


def test_given_body_is_kept_and_furniture_recorded():
    page = "Menu\nSubscribe now\n\nThe council approved the budget of 3 million dollars on Monday evening.\n\nNews Feed\n"
    art = extract_body(Article(id="a", text=page, body="The council approved the budget."))
    assert art.body == "The council approved the budget."
    assert "News Feed" in art.furniture
