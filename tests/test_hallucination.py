"""Typed hallucination checks on hand-made cases; every expected kind follows from the text
of ``BODY`` (what it states) and the summary (what it adds or changes)."""

import pytest

from harness.records import Article, Trap
from harness.scorers.hallucination import HallucinationScorer

BODY = ("Estonia, Latvia, Lithuania and Poland announced on 18 March 2025 that they will withdraw "
        "from the Ottawa Convention, which bans anti-personnel mines. The decision must still be "
        "approved by their parliaments. Defence ministers said the security situation had changed "
        "since Russia invaded Ukraine. The four countries border Russia or Belarus.")
FURNITURE = ("Moldova holds snap election amid energy crisis",
             "Sign up for our newsletter to get the top stories every morning.")
TRAPS = (
    Trap(id="already-withdrawn", statement="The countries have already left the convention.",
         kind="negation", any_of=("already withdrawn", "already left")),
    Trap(id="cluster", statement="The countries are leaving the convention on cluster munitions.",
         kind="entity"),
)
ARTICLE = Article(id="seed", text=BODY + "\n" + "\n".join(FURNITURE), body=BODY,
                  furniture=FURNITURE, traps=TRAPS)
REFERENCE = ("Estonia, Latvia, Lithuania and Poland announced they will withdraw from the Ottawa Convention, "
             "which bans anti-personnel mines. Their parliaments must still approve the decision.")
FUSED_REFERENCE = ("Four countries bordering Russia or Belarus announced they will withdraw from the Ottawa "
                   "Convention banning anti-personnel mines; their parliaments must still approve the decision.")


@pytest.fixture(scope="module")
def scorer():
    return HallucinationScorer()


def _kinds(result):
    return {h.kind for h in result.hallucinations}


def _check_offsets(summary, result):
    for h in result.hallucinations:
        assert summary[h.start:h.end] == h.text
        assert 0 <= h.start < h.end <= len(summary)


def _score(scorer, summary, article=ARTICLE):
    result = scorer.score(article, summary)
    _check_offsets(summary, result)
    return result


def test_canaries_body_and_reference_are_faithful(scorer):
    for summary in (BODY, REFERENCE):
        r = _score(scorer, summary)
        assert r.faithful, r
        assert r.hallucinations == ()
        assert r.hallucination_rate == 0.0


def test_fused_paraphrase_reference_is_faithful(scorer):
    assert _score(scorer, FUSED_REFERENCE).faithful


def test_wrong_number_is_caught(scorer):
    s = "Five countries announced they will withdraw from the Ottawa Convention."
    r = _score(scorer, s)
    hits = [h for h in r.hallucinations if h.kind == "number"]
    assert [h.text for h in hits] == ["Five"]
    assert hits[0].source_evidence and "Ottawa Convention" in hits[0].source_evidence
    assert not r.faithful


def test_dates_in_other_orders_agree_and_wrong_day_is_caught(scorer):
    ok = _score(scorer, "On March 18, Estonia, Latvia, Lithuania and Poland announced they will withdraw from the Ottawa Convention.")
    assert "date" not in _kinds(ok)
    bad = _score(scorer, "On 19 March, Estonia, Latvia, Lithuania and Poland announced they will withdraw from the Ottawa Convention.")
    assert [h.text for h in bad.hallucinations if h.kind == "date"] == ["19 March"]


def test_the_byline_date_is_the_article_s_but_other_furniture_dates_are_not(scorer):
    body = "Ashford Rovers won the Regional Cup on Saturday, beating Millbrook Town on penalties."
    byline = "By Callum Ferreira, Chief Football Writer\nSaturday 21 February 2026, 18:52"
    feed = "Latest: Millbrook Town sack their manager, 3 March 2026"
    article = Article(id="cup", text="\n".join((byline, body, feed)), body=body, furniture=(byline, feed))
    ok = _score(scorer, "Ashford Rovers won the Regional Cup on 21 February 2026, beating Millbrook Town.", article)
    assert "date" not in _kinds(ok)
    bad = _score(scorer, "Ashford Rovers won the Regional Cup on 3 March 2026, beating Millbrook Town.", article)
    assert [h.text for h in bad.hallucinations if h.kind == "date"] == ["3 March 2026"]


def test_a_weekday_in_the_body_is_the_date_it_names_given_the_publication_date(scorer):
    body = "The council voted on Wednesday to reopen the Pinecrest library, which flooded last year."
    article = Article(id="lib", text=body, body=body, published="2025-10-09")  # a Thursday
    ok = _score(scorer, "On Wednesday, October 8, 2025, the council voted to reopen the Pinecrest library.", article)
    assert "date" not in _kinds(ok)
    bad = _score(scorer, "On October 6, 2025, the council voted to reopen the Pinecrest library.", article)
    assert [h.text for h in bad.hallucinations if h.kind == "date"] == ["October 6, 2025"]
    undated = Article(id="lib", text=body, body=body)  # no publication date: nothing to resolve
    assert "date" in _kinds(_score(scorer, "On October 8, 2025, the council voted to reopen the Pinecrest library.", undated))


def test_extra_entity_is_caught(scorer):
    s = "Estonia, Latvia, Lithuania, Poland and Finland announced they will withdraw from the Ottawa Convention."
    r = _score(scorer, s)
    assert [h.text for h in r.hallucinations if h.kind == "entity"] == ["Finland"]
    assert not r.faithful


def test_modality_flip_will_withdraw_vs_have_withdrawn(scorer):
    s = "Estonia, Latvia, Lithuania and Poland have withdrawn from the Ottawa Convention."
    r = _score(scorer, s)
    assert [h.text for h in r.hallucinations if h.kind == "modality"] == ["withdrawn"]
    assert not [h for h in r.hallucinations if h.kind == "negation"]  # a change of certainty, not of polarity


def test_negation_flip(scorer):
    s = "Estonia, Latvia, Lithuania and Poland announced they will not withdraw from the Ottawa Convention."
    r = _score(scorer, s)
    assert [h.text for h in r.hallucinations if h.kind == "negation"] == ["withdraw"]


ROADS = Article(id="roads", text="", body=(
    "The council failed to finish the ring road before the winter, its engineers said on Monday. "
    "Repairs to the old bridge will cost 1, 250, 000 pounds, about 4. 5 per cent of the year's budget."))


def test_failed_to_is_the_negation_of_the_verb(scorer):
    said = "The council did not finish the ring road before the winter, its engineers said."
    assert not [h for h in _score(scorer, said, ROADS).hallucinations if h.kind == "negation"]
    flipped = "The council finished the ring road before the winter, its engineers said."
    assert [h.text for h in _score(scorer, flipped, ROADS).hallucinations if h.kind == "negation"] == ["finished"]


def test_numbers_the_source_wrote_with_spaced_separators_are_known(scorer):
    s = "Repairs to the old bridge will cost 1,250,000 pounds, about 4.5 per cent of the budget."
    assert not [h for h in _score(scorer, s, ROADS).hallucinations if h.kind == "number"]
    wrong = "Repairs to the old bridge will cost 1,350,000 pounds, about 4.5 per cent of the budget."
    assert [h.text for h in _score(scorer, wrong, ROADS).hallucinations if h.kind == "number"] == ["1,350,000"]


def test_a_models_unknown_token_is_no_name(scorer):
    s = "The council did not finish the ring road before the winter, UNK engineers said on Monday."
    assert not [h for h in _score(scorer, s, ROADS).hallucinations if h.kind == "entity"]


def test_a_dotted_abbreviation_needs_itself_or_its_name_in_the_article(scorer):
    article = Article(id="trade", text="", body=(
        "Ministers from the U.K. and the United States met in Geneva. They told us a deal was near."))
    assert not [h for h in _score(scorer, "U.S. and U.K. ministers met in Geneva.", article).hallucinations
                if h.kind == "entity"]
    only_uk = Article(id="trade2", text="", body="Ministers from the U.K. met in Geneva. They told us a deal was near.")
    flagged = [h.text for h in _score(scorer, "U.S. ministers met in Geneva.", only_uk).hallucinations
               if h.kind == "entity"]
    assert flagged == ["U.S."]


def test_a_name_the_article_lacks_makes_the_summary_unfaithful(scorer):
    # every other word is the article's: without the rule this one scores as faithful (0.65)
    s = ("Estonia, Latvia, Lithuania and Poland announced on 18 March 2025 that they will withdraw from the "
         "Ottawa Convention, which bans anti-personnel mines, Jens Halvorsen said.")
    r = _score(scorer, s)
    assert [h.text for h in r.hallucinations if h.kind == "entity"] == ["Jens Halvorsen"]
    assert not r.faithful and r.probability < scorer.threshold


def test_attribution_swap(scorer):
    s = "Polish generals said the security situation had changed since Russia invaded Ukraine."
    r = _score(scorer, s)
    att = [h for h in r.hallucinations if h.kind == "attribution"]
    assert [h.text for h in att] == ["Polish generals"]
    assert "Defence ministers" in att[0].source_evidence


def test_off_article_from_furniture(scorer):
    s = "Estonia, Latvia, Lithuania and Poland will withdraw from the Ottawa Convention. Moldova holds a snap election amid an energy crisis."
    r = _score(scorer, s)
    off = [h for h in r.hallucinations if h.kind == "off_article"]
    assert [h.text for h in off] == ["Moldova holds a snap election amid an energy crisis."]
    assert off[0].source_evidence == FURNITURE[0]
    assert not r.faithful


def test_trap_by_hint(scorer):
    s = "Estonia, Latvia, Lithuania and Poland have already withdrawn from the Ottawa Convention."
    r = _score(scorer, s)
    assert "already-withdrawn" in r.traps_hit
    trap = [h for h in r.hallucinations if h.kind == "trap" and h.trap_id == "already-withdrawn"]
    assert trap[0].text == "already withdrawn"
    assert not r.faithful


def test_trap_by_statement(scorer):
    s = "The four countries are leaving the convention on cluster munitions."
    r = _score(scorer, s)
    assert r.traps_hit == ("cluster",)
    assert not r.faithful


def test_empty_traps_and_furniture_work(scorer):
    bare = Article(id="bare", text=BODY, body=BODY)
    r = _score(scorer, "Estonia, Latvia, Lithuania, Poland and Finland will withdraw from the Ottawa Convention.", bare)
    assert "entity" in _kinds(r) and r.traps_hit == ()
    assert _score(scorer, BODY, bare).faithful


def test_rate_counts_unsupported_claims(scorer):
    s = ("Estonia, Latvia, Lithuania and Poland will withdraw from the Ottawa Convention. "
         "Five countries border Russia.")
    r = _score(scorer, s)
    assert r.n_claims == 2
    assert r.hallucination_rate == 0.5


def test_empty_summary(scorer):
    r = _score(scorer, "")
    assert r.n_claims == 0 and r.hallucinations == () and r.hallucination_rate == 0.0


def test_deterministic_and_batch_equals_single(scorer):
    summaries = [BODY, "Five countries have withdrawn from the Ottawa Convention, Finland said."]
    one = [scorer.score(ARTICLE, s) for s in summaries]
    many = scorer.score_many([(ARTICLE, s) for s in summaries])
    again = scorer.score_many([(ARTICLE, s) for s in summaries])
    assert one == many == again


def test_signature_names_weights_and_threshold(scorer):
    sig = scorer.signature()
    assert sig.startswith("hallucination:") and "weights=" in sig and "threshold=" in sig
    assert HallucinationScorer(threshold=0.3).signature() != sig


TRAM_TITLE = "Brill Valley council scraps Harton tram line"
TRAM_BODY = ("The county council voted 9-4 on Tuesday to cancel the planned tram line between Harton and the "
             "airport, after the cost estimate rose to 410 million pounds. The money will go to bus routes instead.")
TRAM_FEED = "Harton Rovers sign striker from Dunmore on a three-year deal"


@pytest.mark.parametrize("title, faithful", [(TRAM_TITLE, True), ("", False)])
def test_the_headline_is_the_articles_own_statement(scorer, title, faithful):
    """A summary may repeat what only the headline says (here the council's name); page furniture
    still supports nothing. The team's own article, not the seed."""
    article = Article(id="tram", title=title, text="\n".join((title, TRAM_BODY, TRAM_FEED)), body=TRAM_BODY,
                      furniture=tuple(x for x in (title, TRAM_FEED) if x))
    summary = "Brill Valley council voted 9-4 to cancel the Harton tram line after its cost rose to 410 million pounds."
    result = _score(scorer, summary, article)
    assert result.faithful is faithful
    assert ("entity" in _kinds(result)) is not faithful
    furniture = _score(scorer, summary + " Harton Rovers signed a striker from Dunmore on a three-year deal.", article)
    assert "off_article" in _kinds(furniture) and not furniture.faithful


MAYOR = ("Ana Ruiz, Tom Hale and Priya Das are standing for mayor of Kessford. Voting opens on June 12. "
         "Ruiz and Hale took part in a debate on Tuesday; Das did not attend.")


@pytest.mark.parametrize("summary, wrong_count", [
    ("Three candidates, Ana Ruiz, Tom Hale and Priya Das, are standing for mayor of Kessford.", None),
    ("Priya Das and the two other candidates are standing for mayor of Kessford.", None),
    ("The two candidates Ruiz and Hale took part in a debate on Tuesday.", None),
    ("Priya Das and the three other candidates are standing for mayor of Kessford.", "three"),
    ("Four candidates are standing for mayor of Kessford.", "Four"),
])
def test_a_count_of_the_names_the_article_lists_is_no_new_number(scorer, summary, wrong_count):
    """The article never writes "three", but it lists three candidates (the team's own article)."""
    article = Article(id="mayor", text=MAYOR, body=MAYOR, published="2026-05-20")
    result = _score(scorer, summary, article)
    assert [h.text for h in result.hallucinations if h.kind == "number"] == ([wrong_count] if wrong_count else [])
    assert result.faithful is (wrong_count is None)
