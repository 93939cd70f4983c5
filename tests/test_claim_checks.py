"""The claim-evidence-verdict model: frozen records, and the registry of claim checks (adding a
check is one module and one registry line; the scorer then reports its findings and says so in
its signature). The article is the team's own (a ferry line), not the seed."""

from __future__ import annotations

import dataclasses
import sys
import types

import pytest

from harness.checkers.faithfulness.checks import CLAIM_CHECKS, checks_signature, run_checks
from harness.checkers.faithfulness.findings import ClaimInput, Evidence, Finding
from harness.records import HALLUCINATION_KINDS, Article
from harness.scorers.hallucination import HallucinationScorer

BODY = ("The Harlow Sound ferry will resume service on Friday after a three-week repair, the operator "
        "Brantwick Lines said on Tuesday. The ferry carries 300 passengers. Captain Ilse Marten said the "
        "repairs cost 1.2 million euros.")
ARTICLE = Article(id="ferry", text=BODY, body=BODY, published="2026-03-03")


@pytest.fixture(scope="module")
def scorer():
    return HallucinationScorer(lm="none")


def test_records_are_frozen():
    finding = Finding(0, 4, "number", "'400' not in the article")
    evidence = Evidence(("The ferry carries 300 passengers.",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "date"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        evidence.sentences = ()  # type: ignore[misc]
    assert evidence.best == "The ferry carries 300 passengers." and Evidence(()).best == ""
    assert dataclasses.is_dataclass(ClaimInput) and ClaimInput.__dataclass_params__.frozen


def test_the_shipped_checks_load_in_order_and_report_kinds_the_records_know(scorer):
    assert list(CLAIM_CHECKS.entries()) == ["names", "values", "negation", "roles", "speakers", "swapped_names",
                                           "descriptors", "antonyms"]
    assert all(callable(CLAIM_CHECKS.load(name)) for name in CLAIM_CHECKS.entries())
    result = scorer.score(ARTICLE, "The Harlow Sound ferry carries 400 passengers, Captain Ada Quill said.")
    kinds = sorted({h.kind for h in result.hallucinations})
    assert {"number", "entity"} <= set(kinds) and set(kinds) <= set(HALLUCINATION_KINDS)
    assert checks_signature() == ""


def _weather_check(ci: ClaimInput) -> list[Finding]:
    """A toy check: a claim about the weather is unsupported (the article never mentions it)."""
    i = ci.claim.text.find("storm")
    return [] if i < 0 else [Finding(ci.claim.start + i, ci.claim.start + i + 5, "unsupported", "weather check")]


def test_a_registered_check_reports_its_findings_and_enters_the_signature(scorer, monkeypatch):
    module = types.ModuleType("harness_test_weather_check")
    module.check = _weather_check  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    before = scorer.signature()
    summary = "The ferry will resume service on Friday after a storm."
    assert not any(h.detail == "weather check" for h in scorer.score(ARTICLE, summary).hallucinations)
    CLAIM_CHECKS.register("weather", "harness_test_weather_check:check")
    try:
        found = [h for h in scorer.score(ARTICLE, summary).hallucinations if h.detail == "weather check"]
        assert [(h.kind, h.text) for h in found] == [("unsupported", "storm")]
        assert "weather=harness_test_weather_check:check" in scorer.signature() != before
    finally:
        CLAIM_CHECKS.unregister("weather")
    assert scorer.signature() == before


def test_run_checks_concatenates_each_checks_findings_in_registry_order(monkeypatch):
    calls = []
    for name in ("first", "second"):
        module = types.ModuleType(f"harness_test_{name}")
        module.check = lambda ci, name=name: calls.append(name) or [Finding(0, 1, "unsupported", name)]
        monkeypatch.setitem(sys.modules, module.__name__, module)
    saved = CLAIM_CHECKS.entries()
    monkeypatch.setattr(CLAIM_CHECKS, "_entries", {"first": "harness_test_first:check",
                                                   "second": "harness_test_second:check"})
    assert [f.detail for f in run_checks(None)] == ["first", "second"] == calls  # type: ignore[arg-type]
    assert CLAIM_CHECKS.entries() != saved


TOWN = ("The Dunmore town council approved a 4 million euro harbour plan on Monday. Mayor Ruth Calloway praised "
        "the vote. Councillor Piet Hanlon opposed the plan, saying the town could not afford it. Funding for the sea "
        "wall, which had been left out of Mayor Ruth Calloway's first draft, was added by the finance committee. "
        "The port authority hired the engineers who will rebuild the pier.")
TOWN_ARTICLE = Article(id="dunmore", text=TOWN, body=TOWN, published="2026-05-12")


def _found(scorer, summary):
    result = scorer.score(TOWN_ARTICLE, summary)
    return result.faithful, [(h.kind, h.text, h.detail) for h in result.hallucinations]


def test_a_name_where_the_article_names_another_is_an_entity_error(scorer):
    # Hanlon is in the article, but the draft is Calloway's: the words around the name place it
    assert _found(scorer, "Funding for the sea wall had been left out of Mayor Piet Hanlon's first draft.") == (
        False, [("entity", "Piet Hanlon", "the article names 'Ruth Calloway' here, not 'Piet Hanlon'")])
    assert _found(scorer, "Funding for the sea wall had been left out of Mayor Ruth Calloway's first draft.") == (
        True, [])


def test_a_misplaced_name_carries_the_sentence_that_names_the_other(scorer):
    summary = "Funding for the sea wall had been left out of Mayor Piet Hanlon's first draft."
    [analysis] = scorer.analyse_many([(TOWN_ARTICLE, summary)])
    found = [f for c in analysis.claims for f in c.findings if f.detail.startswith("the article names")]
    assert [f.evidence for f in found] == ["Funding for the sea wall, which had been left out of Mayor Ruth Calloway's "
                                           "first draft, was added by the finance committee."]


DAIRY = ("Orrin Foods said on Monday that its planned $90 million takeover of Hollins Dairy Group, a family-owned "
         "cheese maker, is still waiting for approval from competition regulators. Analyst Mira Koss of Castleton "
         "Partners called the deal sensible. Orrin Foods shares rose 2 percent.")
DAIRY_ARTICLE = Article(id="dairy", text=DAIRY, body=DAIRY, published="2026-05-04")


def test_a_name_in_the_slot_of_another_is_an_entity_error_across_an_apposition(scorer, monkeypatch):
    # the apposition puts the words after "Hollins Dairy Group" out of its reach; the parse still
    # hangs both names on "takeover of", a word the article uses once
    import harness.checkers.faithfulness.checks.swapped_names as swapped_names

    wrong = "Orrin Foods said its $90 million takeover of Castleton Partners is still waiting for approval."
    found = [(h.kind, h.text, h.detail) for h in scorer.score(DAIRY_ARTICLE, wrong).hallucinations]
    assert found == [("entity", "Castleton Partners", "the article names 'Hollins Dairy Group' here, not "
                                                      "'Castleton Partners'")]
    for right in ("Orrin Foods said its $90 million takeover of Hollins Dairy Group is still waiting for approval.",
                  "Analyst Mira Koss of Castleton Partners called Orrin Foods' takeover of Hollins Dairy Group "
                  "sensible."):
        result = scorer.score(DAIRY_ARTICLE, right)
        assert result.faithful and not result.hallucinations, right
    monkeypatch.setattr(swapped_names, "_same_slot", lambda mine, run: False)
    assert scorer.score(DAIRY_ARTICLE, wrong).faithful


def test_doer_and_done_to_swapped_is_found_for_common_nouns_too(scorer):
    faithful, found = _found(scorer, "The engineers hired the port authority.")
    assert not faithful and found == [("entity", "engineers",
                                       "in the article 'engineers' is what 'hire' is done to, not who does it")]
    for same in ("The port authority hired the engineers.", "The engineers were hired by the port authority.",
                 "The pier will be rebuilt by engineers the port authority hired."):
        assert _found(scorer, same) == (True, []), same
