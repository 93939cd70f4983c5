"""Entities (harness/checkers/faithfulness/entities.py): names in a claim that the source never states.

Every text here was written for these tests (a ferry service in the made-up Kessel Bay); spaCy's
small English pipeline parses the claims, as the hallucination scorer does. Each expected value
is read off the texts with the module's rule: a name is supported when every word of it (titles
and stopwords aside) occurs in the source, folded and stemmed."""

from __future__ import annotations

import pytest

from harness.checkers.faithfulness.entities import NAME_LABELS, missing_words, name_groups, name_words, novel_names
from harness.checkers.faithfulness.support import build_source
from harness.resources import parse

SOURCE = ("Mayor Tom Brandt said the Kessel Bay ferry will stop running on Friday. "
          "Harbour master Ilka Moreau said Orvane Shipping will pay for repairs to the pier. "
          "The United States consulate in Dunmore has offered help.")


@pytest.fixture(scope="module")
def stems():
    return build_source(SOURCE).stems


def _novel(claim: str, stems, extra=frozenset()):
    doc = parse([claim])[0]
    return novel_names(list(doc), 0, claim, stems, extra)


@pytest.mark.parametrize("claim", [
    "Mayor Tom Brandt said the Kessel Bay ferry will stop.",
    "Brandt said the ferry will stop.",  # a partial name: its one word is in the source
    "Orvane Shipping will pay for the repairs.",
    "The U.S. consulate has offered help.",  # "United States" in the source abbreviates to US
    "Ilka Moréau said the pier needs repairs.",  # diacritics folded
    "TOM BRANDT said the ferry will stop.",  # re-cased
    "Tom Brandt's ferry will stop.",  # possessive
    "The Kessel-Bay ferry will stop.",  # hyphen
])
def test_names_the_source_states_are_not_novel(claim, stems):
    assert _novel(claim, stems) == []


def test_a_changed_first_name_is_novel(stems):
    """"Petra Brandt" for "Tom Brandt": the surname is known, the first name is not (the
    title "Mayor" is in the source too, so it is no finding of its own)."""
    claim = "Mayor Petra Brandt said the ferry will stop."
    found = _novel(claim, stems)
    assert [n.missing for n in found] == [("Petra",)]
    assert found[0].text == claim[found[0].start:found[0].end] and "Petra" in found[0].text
    assert "said" not in found[0].text


def test_a_changed_company_word_is_novel(stems):
    found = _novel("Orvane Freight will pay for the repairs.", stems)
    assert [n.missing for n in found] == [("Freight",)]  # "Orvane" is in the source


def test_lower_case_names_are_checked_as_the_tagger_finds_them(stems):
    assert [n.missing for n in _novel("mayor petra brandt said the ferry will stop.", stems)] == [("petra",)]


def test_a_weekday_the_source_does_not_state_is_novel(stems):
    """A DATE entity is no name label, but "Monday" is a capitalised proper noun; the source
    says Friday."""
    assert [(n.text, n.missing) for n in _novel("The ferry will stop on Monday.", stems)] == [("Monday", ("Monday",))]
    assert _novel("The ferry will stop on Friday.", stems) == []


def test_a_dotted_abbreviation_needs_the_abbreviated_name_not_the_pronoun():
    """"U.S." is supported by "United States", never by the pronoun "us"."""
    claim = "The U.S. consulate has offered help."
    assert _novel(claim, build_source("The consulate told us it has offered help.").stems)[0].missing == ("U.S.",)


def test_the_gold_annotations_names_count_as_source_words(stems):
    claim = "Sven Lund will inspect the pier."
    assert [n.missing for n in _novel(claim, stems)] == [("Sven", "Lund")]  # neither is in SOURCE
    assert _novel(claim, stems, extra=name_words(["Sven Lund"])) == []


def test_offsets_are_relative_to_the_claim_within_a_longer_text(stems):
    summary = "The ferry stops on Friday. Mayor Petra Brandt said so."
    start = summary.index("Mayor")
    claim = summary[start:]
    doc = parse([summary])[0]
    toks = [t for t in doc if t.idx >= start]
    found = novel_names(toks, start, claim, stems)
    assert len(found) == 1 and found[0].missing == ("Petra",)
    assert claim[found[0].start:found[0].end] == found[0].text
    assert found[0].text.startswith("Petra")


def test_name_groups_take_ner_names_then_proper_noun_runs():
    doc = parse(["Ilka Moreau met officials from Orvane Shipping on Friday."])[0]
    groups = name_groups(list(doc))
    texts = [" ".join(t.text for t in g) for g, _ in groups]
    # Friday is a DATE entity (not a name label), so it comes back as a run of proper nouns
    assert texts == ["Ilka Moreau", "Orvane Shipping", "Friday"]
    assert all(label in NAME_LABELS for _, label in groups[:2]) and groups[2][1] == "PROPN"
    assert "officials" not in " ".join(texts)  # a common noun is no name


def test_name_groups_without_entities_and_on_part_of_a_doc():
    doc = parse(["Ilka Moreau met officials from Orvane Shipping on Friday."])[0]
    no_ner = name_groups(list(doc), ents=[])
    assert [(" ".join(t.text for t in g), label) for g, label in no_ner] == [
        ("Ilka Moreau", "PROPN"), ("Orvane Shipping", "PROPN"), ("Friday", "PROPN")]
    # tokens from "Moreau" on: the PERSON entity starts outside them, so "Moreau" is a bare run
    part = name_groups(list(doc)[1:4])
    assert [([t.text for t in g], label) for g, label in part] == [(["Moreau"], "PROPN")]
    assert name_groups([]) == []


def test_missing_words_skip_titles_stopwords_and_possessives():
    toks = list(parse(["Dr Petra Brandt's ferry"])[0])[:4]  # Dr, Petra, Brandt, 's
    assert missing_words(toks, name_words(["Brandt"])) == ["Petra"]  # "Dr" and "'s" need nothing
    assert missing_words(toks, name_words(["Petra Brandt"])) == []
    assert missing_words(toks, frozenset()) == ["Petra", "Brandt"]


def test_name_words_fold_case_and_key_abbreviations():
    words = name_words(["Orvane Shipping"])
    assert {"orvane", "shipping"} <= words and words == name_words(["ORVANE shipping"])
    assert name_words(["U.S."]) == {"abbr:us"}  # not "us", not "u" and "s"
    assert name_words([]) == frozenset()


def test_a_verb_the_recogniser_took_into_a_name_splits_it():
    from spacy.tokens import Span

    doc = parse(["Marta Velez put Dunmore ahead in the first half."])[0]
    doc.ents = [Span(doc, 0, 4, label="PERSON")]  # "Marta Velez put Dunmore", as the small model can tag it
    groups = [([t.text for t in g], label) for g, label in name_groups(doc)]
    assert (["Marta", "Velez"], "PERSON") in groups and (["Dunmore"], "PERSON") in groups
    assert not any("put" in words for words, _ in groups)
