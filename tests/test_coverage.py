"""FactCoverageScorer on statements without hints: statuses, evidence, canaries, units."""

import json

import pytest

from harness.checkers.coverage.coverage_model import SHIPPED, load_model
from harness.checkers.coverage.statement import fact_slots, lexical_signals, view
from harness.checkers.coverage.units import units
from harness.records import Article, GoldFact
from harness.scorers.coverage import FactCoverageScorer

BODY = ("Estonia, Latvia, Lithuania and Poland announced on March 18, 2025 that they will withdraw "
        "from the Ottawa Convention. The decision still requires approval by the parliaments. "
        "The defense ministers cited the security situation.")
FACTS = (
    GoldFact("countries", "Estonia, Latvia, Lithuania and Poland announced they will withdraw."),
    GoldFact("parliaments", "The decision requires approval by the parliaments."),
    GoldFact("ministers", "Four defense ministers signed the statement.", importance=2),
)
ART = Article(id="a", text=BODY, body=BODY, facts=FACTS)


@pytest.fixture(scope="module")
def scorer():
    return FactCoverageScorer()


def verdicts(scorer, summary, article=ART):
    return {v.id: v for v in scorer.score(article, summary).facts}


def test_source_as_summary_covers_and_empty_covers_nothing(scorer):
    src = verdicts(scorer, BODY)
    assert src["countries"].status == src["parliaments"].status == "covered"
    empty = scorer.score(ART, "")
    assert empty.coverage == 0.0 and all(v.status == "missing" for v in empty.facts)


def test_evidence_is_the_aligned_summary_sentence(scorer):
    summary = "Markets were calm. The decision still requires approval by the parliaments."
    v = verdicts(scorer, summary)["parliaments"]
    assert v.status == "covered" and v.method == "statement"
    assert v.evidence.text == "The decision still requires approval by the parliaments."
    assert summary[v.evidence.start:v.evidence.end] == v.evidence.text


def test_partial_when_part_of_a_compound_fact(scorer):
    # Slots of the fact: estonia latvia lithuania poland announc withdraw (6). The shipped model
    # (P(carried) from slot recall, idf recall, bigrams) puts 3/6 and 2/6 in the partial band
    # [0.2, 0.5) and 1/6 below it; partial credit is P itself, so it grows with the share found.
    three = verdicts(scorer, "Estonia and Latvia announced it.")["countries"]
    two = verdicts(scorer, "Latvia and Lithuania spoke.")["countries"]
    one = verdicts(scorer, "Latvia spoke.")["countries"]
    assert three.status == two.status == "partial" and 0.2 <= two.score < three.score < 0.5
    assert one.status == "missing" and one.score == 0.0 and one.evidence is None


def test_contradicted_number_and_negation(scorer):
    v = verdicts(scorer, "Three defense ministers signed the statement.")["ministers"]
    assert v.status == "contradicted" and v.score == 0.0 and v.evidence.text.startswith("Three")
    neg = verdicts(scorer, "The decision does not require approval by the parliaments.")["parliaments"]
    assert neg.status == "contradicted"


def test_coverage_is_importance_weighted(scorer):
    res = scorer.score(ART, "The decision requires approval by the parliaments. "
                            "Four defense ministers signed the statement.")
    by = {v.id: v.score for v in res.facts}
    expect = (1 * by["countries"] + 1 * by["parliaments"] + 2 * by["ministers"]) / 4
    assert res.coverage == pytest.approx(expect, abs=1e-6)


def test_score_many_equals_score(scorer):
    items = [(ART, "The parliaments must approve."), (ART, BODY), (ART, "")]
    assert scorer.score_many(items) == [scorer.score(a, s) for a, s in items]


def test_signature_names_the_shipped_coefficients(scorer):
    assert load_model().digest in scorer.signature()
    assert "cov=0.5" in scorer.signature()


def test_shipped_model_has_provenance():
    data = json.loads(SHIPPED.read_text())
    prov = data["provenance"]
    assert prov["data"][0]["path"].endswith("realsumm.dev.jsonl") and len(prov["data"][0]["sha256"]) == 64
    for variant in data["variants"].values():
        assert len(variant["coef"]) == len(variant["features"]) and "cv" in variant


def test_tokenized_lowercase_text_is_split_into_sentences():
    # REALSumm text: lower-cased, " . " between sentences; harness.text.sentences keeps it whole.
    us = units("the lead was short-lived . united levelled two minutes later .")
    assert [u.text for u in us] == ["the lead was short-lived .", "united levelled two minutes later ."]


def test_slash_alternatives_are_one_slot():
    assert fact_slots("Greg Stewart scored goal/goals.") == (
        frozenset({"greg"}), frozenset({"stewart"}), frozenset({"scor"}), frozenset({"goal"}))
    sig = lexical_signals("Sandra / mother was found dead.", view("His mother was found dead.")).signals
    # slots: {sandra, mother}, {found}, {dead}: all three found -> recall 1.
    assert sig["recall_all"] == 1.0 and sig["recall_sent"] == 1.0


def test_hints_decide_when_given(scorer):
    f = GoldFact("d", "The announcement was made on March 18, 2025.", date="2025-03-18")
    art = Article(id="b", text=BODY, body=BODY, facts=(f,))
    assert verdicts(scorer, "They spoke on 18 March.", art)["d"].method == "date"
    # another day contradicts in a clause about the announcement, not in one about something else
    assert verdicts(scorer, "They announced it on 19 March.", art)["d"].status == "contradicted"
    assert verdicts(scorer, "They spoke on 19 March.", art)["d"].status == "missing"


def test_bad_thresholds_are_config_errors():
    from harness.errors import ConfigError

    with pytest.raises(ConfigError):
        FactCoverageScorer(covered_threshold=0.2, partial_threshold=0.5)


@pytest.mark.slow
def test_embedding_variant_runs():  # loads MiniLM (a few seconds)
    s = FactCoverageScorer(embeddings=True)
    assert "embedding" in s.signature()
    assert verdicts(s, BODY)["parliaments"].status == "covered"


def test_fuzzy_slots_misspelt_names_and_derivations():
    from harness.checkers.coverage.statement import _one_edit

    # one edit: substitution / insertion; "polic" vs "polish" is two edits -> no.
    assert _one_edit("heffernen", "heffernan") and _one_edit("carri", "carrie")
    assert not _one_edit("police", "polish")
    sig = lexical_signals("Paul Heffernen scored.", view("Paul Heffernan scored.")).signals
    assert sig["recall_all"] == 1.0  # slots paul, heffernen~heffernan, scor
    # "announcement" shares 7 leading letters with the stem "announc" of "announced".
    assert lexical_signals("It was announced.", view("The announcement came.")).signals["recall_all"] == 1.0


def test_evidence_is_anchored_in_the_best_aligned_article_sentence():
    from harness.checkers.coverage.statement import fact_anchors

    # "ministers" and "security" align the fact to the third sentence; the anchor is that
    # sentence's content words from 3 before the first to 3 after the last fact word.
    statement = "The ministers pointed to security."
    assert fact_anchors(statement, BODY) == (("defens", "minister", "cit", "security", "situation"),)
    assert fact_anchors("Nothing of the kind here.", BODY) == ()
    # The summary copies the article's wording, not the fact's: evidence recall is high where
    # the fact's own slot recall is 1/3.
    sig = lexical_signals(statement, view("Defense chiefs cited the security situation."),
                          anchors=fact_anchors(statement, BODY)).signals
    assert sig["recall_all"] == pytest.approx(1 / 3) and sig["evid_recall"] == pytest.approx(0.8)


def test_gold_evidence_quote_is_the_anchor_and_raises_p(scorer):
    from harness.checkers.coverage.statement import article_idf
    from harness.scorers.coverage import fact_signals

    quote = "The decision still requires approval by the parliaments."
    plain = GoldFact("x", "Lawmakers have to give consent.")  # no word in common with the article
    quoted = GoldFact("x", "Lawmakers have to give consent.", evidence=quote)
    sv = view("The decision requires approval by the parliaments.")
    without = fact_signals(plain, sv, BODY, article_idf(BODY)).signals
    with_quote = fact_signals(quoted, sv, BODY, article_idf(BODY)).signals
    # the quote's stems: decision still requir approval parliament; all but "still" are found
    assert without["evid_recall"] == 0.0 and with_quote["evid_recall"] == pytest.approx(0.8)
    assert "evid_recall" in load_model().features
    assert scorer.probability(with_quote) > scorer.probability(without)  # evid_recall weighs positively


def test_counts_that_refer_back():
    from harness.checkers.coverage.statement import stated_numbers

    assert stated_numbers("The four countries intend to withdraw.") == set()
    assert stated_numbers("He was suspended for two years.") == {2.0}
    assert stated_numbers("The four countries sent four envoys.") == {4.0}  # stated again: kept
    counted = lexical_signals("The four countries will withdraw.", view("Estonia and Latvia will withdraw."))
    assert counted.signals["number_agree"] == 0.0  # "four" is no number to find


def test_a_missing_name_caps_the_verdict_at_partial(scorer):
    from harness.checkers.coverage.statement import name_slots

    assert name_slots("Estonia, Latvia, Lithuania and Poland announced it.") == tuple(
        frozenset({n}) for n in ("estonia", "latvia", "lithuania", "poland"))
    assert name_slots("Nadir Ciftci / the striker celebrated.") == (frozenset({"nadir", "ciftci", "striker"}),)
    assert name_slots("Police said so.") == ()
    full = verdicts(scorer, "Estonia, Latvia, Lithuania and Poland announced they will withdraw.")["countries"]
    lost = verdicts(scorer, "Lithuania, Latvia, Lithuania and Poland announced they will withdraw.")["countries"]
    assert full.status == "covered"
    assert lost.status == "partial" and lost.score < full.score


def test_a_closing_description_of_a_name_is_not_required():
    from harness.checkers.coverage.statement import statement_core

    fact = "The countries will withdraw from the Ottawa Convention, the treaty banning anti-personnel mines."
    assert statement_core(fact) == "The countries will withdraw from the Ottawa Convention."
    assert statement_core("Poland will withdraw from the treaty.") is None
    art = Article(id="b", text=BODY, body=BODY, facts=(GoldFact("ottawa", fact),))
    v = FactCoverageScorer().score(art, "The countries will withdraw from the Ottawa Convention.").facts[0]
    assert v.status == "covered"


def test_the_counted_noun_of_a_referring_count_is_no_word_to_find():
    named = lexical_signals("The four countries intend to withdraw.",
                            view("Estonia, Latvia, Lithuania and Poland intend to withdraw."))
    assert named.signals["recall_all"] == 1.0  # neither "four" nor "countries" is needed


def test_a_negated_or_completed_plan_contradicts_the_fact(scorer):
    fact = GoldFact("plan", "The four countries intend to withdraw from the Ottawa Convention.")
    hinted = GoldFact("plan", fact.statement, any_of=("Ottawa",))
    for f in (fact, hinted):
        art = Article(id="c", text=BODY, body=BODY, facts=(f,))
        said = {s: FactCoverageScorer().score(art, s).facts[0].status for s in (
            "Estonia, Latvia, Lithuania and Poland intend to withdraw from the Ottawa Convention.",
            "Estonia, Latvia, Lithuania and Poland said they will not withdraw from the Ottawa Convention.",
            "Estonia, Latvia, Lithuania and Poland have already withdrawn from the Ottawa Convention.",
        )}
        assert list(said.values()) == ["covered", "contradicted", "contradicted"], (f.any_of, said)


def test_a_settled_decision_is_carried_by_the_deed_and_words_gate_the_parse():
    from harness.checkers.polarity import could_flip

    art = Article(id="d", text="Twitter decided to suspend 10,000 accounts.",
                  facts=(GoldFact("t", "Twitter decided to suspend 10,000 accounts."),))
    assert FactCoverageScorer().score(art, "Twitter suspended 10,000 accounts.").facts[0].status == "covered"
    assert could_flip("They intend to leave.", "They left.") and could_flip("He won.", "He did not win.")
    assert could_flip("He has to go.", "He went.")
    assert not could_flip("Poland left the treaty.", "Poland quit the treaty.")


def test_a_summary_that_leaves_out_a_negated_part_does_not_contradict_it(scorer):
    body = ("The harbour board approved the new ferry pier on Monday. A vote on its funding has not been "
            "scheduled, the board said.")
    fact = GoldFact("pier", "The board approved the pier, but a vote on its funding has not been scheduled.")
    art = Article(id="pier", text=body, body=body, facts=(fact,))
    assert scorer.score(art, "The harbour board approved the new ferry pier.").facts[0].status != "contradicted"
    # stating the negated part as done does contradict it
    said = scorer.score(art, "The board approved the pier, and a vote on its funding has been scheduled.")
    assert said.facts[0].status == "contradicted"
