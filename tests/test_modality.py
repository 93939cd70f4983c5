"""Planned stated as done with another verb: "has launched a survey" where the article only
"plans a survey" or says a change "would require a survey". On an article written by the team
for this test (a harbour dredging plan), never the seed."""

from __future__ import annotations

import pytest

from harness.checkers.polarity import flips, predicates
from harness.records import Article
from harness.resources import parse
from harness.scorers.hallucination import HallucinationScorer

BODY = ("The Port of Castlemere plans an environmental survey of the outer channel before any dredging "
        "starts, the harbour board said on Thursday. Any change to the shipping lanes would require a "
        "public hearing, which has not yet been scheduled. The board approved a budget of 4 million "
        "pounds for the survey. Fishing groups welcomed the survey but warned that dredging would "
        "disturb spawning grounds.")
ARTICLE = Article(id="dredging", text=BODY, body=BODY, published="2026-05-14")


@pytest.fixture(scope="module")
def hallucination():
    return HallucinationScorer(lm="none")


def _modality(scorer, summary: str) -> list[str]:
    return [h.text for h in scorer.score(ARTICLE, summary).hallucinations if h.kind == "modality"]


def test_done_with_another_verb_where_the_article_only_plans_it_is_found(hallucination):
    assert _modality(hallucination, "The Port of Castlemere has carried out an environmental survey of "
                                    "the outer channel.") == ["carried"]
    assert _modality(hallucination, "The harbour board has held a public hearing on the shipping "
                                    "lanes.") == ["held"]


def test_what_the_article_states_as_done_is_not_questioned(hallucination):
    assert _modality(hallucination, "The harbour board approved 4 million pounds for the survey of "
                                    "the outer channel.") == []
    assert _modality(hallucination, "Fishing groups welcomed the planned survey of the outer "
                                    "channel.") == []
    assert _modality(hallucination, "The Port of Castlemere plans a survey of the outer channel before "
                                    "dredging.") == []


def test_a_verb_that_has_its_object_is_not_a_plan():
    source = predicates(list(parse(["The firm has a contract with the city."])[0]))
    claim = predicates(list(parse(["The firm signed a contract with the city."])[0]))
    assert flips(claim, source) == []


def test_an_amount_is_no_object_to_compare_plans_through():
    # the article's "expected to exceed 5 million pounds" is about another sum than the one asked for
    source = predicates(list(parse(["Costs are expected to exceed 5 million pounds; the union had asked "
                                    "for 2 million."])[0]))
    claim = predicates(list(parse(["The union has requested 2 million pounds."])[0]))
    assert flips(claim, source) == []
