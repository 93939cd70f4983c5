"""Scorers on hand-computable cases; every expected value is derived in the comment beside it."""

from __future__ import annotations

from harness.aggregate import bootstrap_ci, summarize_metric
from harness.checkers.hints import match_hints
from harness.records import Article, GoldFact, ScoreRecord, Trap
from harness.scorers.coverage import FactCoverageScorer
from harness.scorers.hallucination import HallucinationScorer

BODY = ("Estonia, Latvia, Lithuania, and Poland announced on March 18 their intention to withdraw "
        "from the Ottawa Convention. The decision still requires approval by the countries' parliaments.")
ARTICLE = Article(
    id="seedlet", text=BODY, body=BODY,
    facts=(
        GoldFact("countries", "The four countries", 3, all_of=("Estonia", "Latvia", "Lithuania", "Poland")),
        GoldFact("date", "Announced on March 18, 2025", 1, date="2025-03-18"),
    ),
    traps=(Trap("extra", "A fifth country", "entity", pattern=r"finland|five (countries|nations)"),),
)


def test_partial_credit_for_three_of_four_countries():
    # all_of: 3 of 4 parts present -> partial, score 3/4
    hit = match_hints(ARTICLE.facts[0], "Lithuania, Latvia, Lithuania and Poland will withdraw.")
    assert (hit.status, hit.score) == ("partial", 0.75)


def test_coverage_is_importance_weighted():
    # countries covered (3 x 1.0), date missing (1 x 0) -> 3 / 4 = 0.75
    res = FactCoverageScorer().score(ARTICLE, "Estonia, Latvia, Lithuania and Poland will leave the treaty.")
    assert res.coverage == 0.75
    assert [f.status for f in res.facts] == ["covered", "missing"]


def test_wrong_date_contradicts_and_other_form_covers():
    s = FactCoverageScorer()
    assert s.score(ARTICLE, "On 18 March the four announced it.").facts[1].status == "covered"
    assert s.score(ARTICLE, "On March 19 the four announced it.").facts[1].status == "contradicted"


def test_empty_summary_covers_nothing():
    res = FactCoverageScorer().score(ARTICLE, "")
    assert res.coverage == 0.0 and all(f.status == "missing" for f in res.facts)


def test_body_as_summary_hallucinates_nothing_and_trap_is_caught():
    scorer = HallucinationScorer()
    clean = scorer.score(ARTICLE, BODY)
    assert clean.hallucinations == () and clean.faithful
    bad = scorer.score(ARTICLE, "Five countries, Finland among them, will withdraw on March 18.")
    assert "extra" in bad.traps_hit and not bad.faithful
    kinds = {h.kind for h in bad.hallucinations}
    assert "trap" in kinds
    for h in bad.hallucinations:
        assert "Five countries, Finland among them, will withdraw on March 18."[h.start:h.end] == h.text


def test_bootstrap_is_deterministic_and_brackets_the_mean():
    vals = [0.0, 0.5, 1.0, 1.0]
    assert bootstrap_ci(vals, 500, seed=1) == bootstrap_ci(vals, 500, seed=1)
    lo, hi = bootstrap_ci(vals, 500, seed=1)
    assert lo <= 0.625 <= hi


def test_unscored_items_are_counted_not_folded():
    recs = [ScoreRecord("m", "a", "s", 1.0, (), (), 0.0),
            ScoreRecord("m", "b", "", None, (), (), None, unscored="server error")]
    m = summarize_metric(recs, "coverage", 100)
    assert (m["mean"], m["n"], m["n_unscored"]) == (1.0, 1, 1)
