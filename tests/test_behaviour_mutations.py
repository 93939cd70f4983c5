"""The behavioural suite's mutations and rewrites (benchmarks/quality/behaviour.py) on sentences
about made-up events: each changes one thing, in the expected way, and nothing else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from harness.records import Article
from harness.numbers import numbers
from harness.text import dates

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load_behaviour():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("behaviour_benchmark", BENCHMARKS / "quality/behaviour.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


behaviour = _load_behaviour()

BODY = ("The Brindle Valley council met on Tuesday, June 2, 2026. Mayor Corvin Pask said the council "
        "approved 14 new bus shelters and four ferry routes. Edda Thornquist, a councillor, voted against the "
        "plan. Pellucid Energy will pay for the shelters, and Halberd Mining is expected to "
        "build a depot in Duncastle. The 2019 flood closed the Marlow bridge for 30 days.")


@pytest.fixture(scope="module")
def ctx():
    return behaviour.build_context(BODY, published="2026-06-03")


def texts(kind: str, summary: str, ctx) -> list[str]:
    return [v.text for v in behaviour.variants(kind, summary, ctx)]


def _outside(text: str, variant: str) -> tuple[str, str]:
    """What is common at both ends of two texts: their differing middles."""
    lo = 0
    while lo < min(len(text), len(variant)) and text[lo] == variant[lo]:
        lo += 1
    hi = 0
    while hi < min(len(text), len(variant)) - lo and text[-1 - hi] == variant[-1 - hi]:
        hi += 1
    return text[lo:len(text) - hi], variant[lo:len(variant) - hi]


# ---------------------------------------------------------------- mutations
def test_number_changes_only_the_number_to_a_value_the_article_does_not_state(ctx):
    summary = "The council approved 14 new bus shelters on June 2, 2026."
    (variant,) = behaviour.variants("number", summary, ctx)
    assert variant.text == "The council approved 29 new bus shelters on June 2, 2026."
    assert summary[variant.start:variant.end] == "14"
    assert [d.text for d in dates(variant.text)] == ["June 2, 2026"]
    assert 29.0 not in ctx.values


def test_number_in_words_stays_in_words_and_keeps_its_capital(ctx):
    assert texts("number", "Four ferry routes were approved.", ctx) == ["Nine ferry routes were approved."]


def test_number_skips_values_the_article_states():
    ctx = behaviour.build_context("The yard built 29 boats and then 15 more, 44 in all.")
    assert texts("number", "The yard built 14 boats.", ctx) == ["The yard built 16 boats."]


def test_number_keeps_separators_and_decimals(ctx):
    got = texts("number", "The depot cost 2,500 dollars, or 1.25 times the estimate.", ctx)
    assert got == ["The depot cost 5,001 dollars, or 1.25 times the estimate.",
                   "The depot cost 2,500 dollars, or 2.51 times the estimate."]


def test_date_moves_the_day_to_one_the_article_does_not_state(ctx):
    (variant,) = behaviour.variants("date", "The council met on June 2.", ctx)
    assert variant.text == "The council met on June 5."
    ctx2 = behaviour.build_context("Talks were held on June 5, 2026.")
    assert texts("date", "Talks ended on June 2.", ctx2) == ["Talks ended on June 7."]


def test_date_moves_a_bare_year_and_a_month_year(ctx):
    got = texts("date", "The 2019 flood closed the bridge until March 2020.", ctx)
    assert got == ["The 2020 flood closed the bridge until March 2020.",
                   "The 2019 flood closed the bridge until May 2020.",
                   "The 2019 flood closed the bridge until March 2021."]


def test_entity_outside_uses_an_invented_name_of_the_same_label(ctx):
    summary = "Corvin Pask said the council approved the shelters."
    (variant,) = behaviour.variants("entity_outside", summary, ctx)
    old, new = _outside(summary, variant.text)
    assert old == "Corvin Pask"
    assert new in behaviour.POOL["PERSON"]
    assert not set(new.lower().split()) & ctx.words


def test_entity_inside_swaps_in_another_name_from_the_article(ctx):
    summary = "Corvin Pask voted against the plan."
    (variant,) = behaviour.variants("entity_inside", summary, ctx)
    assert variant.text == "Edda Thornquist voted against the plan."


@pytest.mark.parametrize("summary, expected", [
    ("The council approved the shelters.", "The council did not approve the shelters."),
    ("Pellucid Energy will pay for the shelters.", "Pellucid Energy will not pay for the shelters."),
    ("The depot is in Duncastle.", "The depot is not in Duncastle."),
    ("The council pays for the ferries.", "The council does not pay for the ferries."),
    ("The council did not close the bridge.", "The council did close the bridge."),
    ("The mayor can't attend.", "The mayor can attend."),
])
def test_negation(ctx, summary, expected):
    assert texts("negation", summary, ctx) == [expected]


def test_negation_targets_what_is_reported_not_the_reporting_verb(ctx):
    assert texts("negation", "The mayor said the council approved the plan.", ctx) == [
        "The mayor said the council did not approve the plan."]


@pytest.mark.parametrize("summary, expected", [
    ("The trust plans to build a clinic.", "The trust has built a clinic."),
    ("The two firms will withdraw from the deal.", "The two firms have withdrawn from the deal."),
    ("Halberd Mining is expected to open a depot.", "Halberd Mining has opened a depot."),
    ("The council intended to sell the ferry.", "The council had sold the ferry."),
])
def test_planned_to_done(ctx, summary, expected):
    assert texts("planned_to_done", summary, ctx) == [expected]


def test_planned_to_done_leaves_negated_plans_alone(ctx):
    assert texts("planned_to_done", "The council does not plan to close the bridge.", ctx) == []


@pytest.mark.parametrize("verb, participle", [
    ("withdraw", "withdrawn"), ("build", "built"), ("open", "opened"), ("plan", "planned"),
    ("close", "closed"), ("carry", "carried"), ("admit", "admitted"), ("rebuild", "rebuilt"),
    ("stay", "stayed"), ("visit", "visited"),
])
def test_past_participle(verb, participle):
    assert behaviour.past_participle(verb) == participle


def test_extra_actor_adds_a_same_label_name_and_makes_the_verb_agree(ctx):
    got = texts("extra_actor", "Pellucid Energy is building a depot.", ctx)
    assert got == ["Pellucid Energy and Halberd Mining are building a depot."]
    assert "Halberd Mining" in ctx.names["ORG"]


def test_swapped_object_swaps_subject_and_object(ctx):
    assert texts("swapped_object", "Carrow United beat Denholm Athletic in the final.", ctx) == [
        "Denholm Athletic beat Carrow United in the final."]
    assert texts("swapped_object", "The council fined the company.", ctx) == ["The company fined the council."]


def test_antonym_replaces_a_verb_or_adjective_with_its_opposite_in_the_same_form(ctx):
    assert texts("antonym", "The council raised the fee.", ctx) == ["The council leveled the fee.",
                                                                    "The council lowered the fee."]
    assert texts("antonym", "The library stays open.", ctx) == ["The library stays closed.", "The library stays shut."]
    # "fell" -> "rose" would need the simple past of an irregular verb: left alone
    assert texts("antonym", "Ridership fell.", ctx) == []


def test_kinds_that_do_not_apply_make_nothing(ctx):
    summary = "The shelters were popular."
    for kind in ("number", "date", "entity_outside", "entity_inside", "planned_to_done", "swapped_object",
                 "digits_words", "date_format", "passive", "vaguer"):
        assert texts(kind, summary, ctx) == [], kind


# ---------------------------------------------------------------- rewrites
def test_digits_words_both_ways_and_not_in_scores_or_money(ctx):
    assert texts("digits_words", "The council approved 4 routes and twelve shelters.", ctx) == [
        "The council approved four routes and twelve shelters.",
        "The council approved 4 routes and 12 shelters."]
    assert texts("digits_words", "Carrow won 3-1 and paid $5 for it.", ctx) == []


def test_digits_words_keeps_the_value(ctx):
    summary = "9 boats sailed."
    (variant,) = behaviour.variants("digits_words", summary, ctx)
    assert variant.text == "Nine boats sailed."
    assert [n.value for n in numbers(variant.text)] == [n.value for n in numbers(summary)]


@pytest.mark.parametrize("summary, expected", [
    ("The bridge reopened on March 18, 2025.", "The bridge reopened on 18 March 2025."),
    ("The bridge reopened on 18 March 2025.", "The bridge reopened on March 18, 2025."),
    ("The bridge reopened on March 18.", "The bridge reopened on 18 March."),
    ("The bridge reopened on 2025-03-18.", "The bridge reopened on March 18, 2025."),
])
def test_date_format_keeps_the_day(ctx, summary, expected):
    (variant,) = behaviour.variants("date_format", summary, ctx)
    assert variant.text == expected
    (old,), (new,) = dates(summary), dates(variant.text)
    assert (old.year, old.month, old.day) == (new.year, new.month, new.day)


def test_clause_order_moves_the_attribution_both_ways(ctx):
    assert texts("clause_order", "The ferry will resume on Friday, the operator said.", ctx) == [
        "The operator said the ferry will resume on Friday."]
    assert texts("clause_order", "The operator said that the ferry will resume on Friday.", ctx) == [
        "The ferry will resume on Friday, the operator said."]


def test_clause_order_moves_a_leading_adverbial_and_swaps_sentences(ctx):
    assert texts("clause_order", "After a long debate, the council approved the plan.", ctx) == [
        "The council approved the plan after a long debate."]
    assert texts("clause_order", "The council approved the plan. Mayor Pask left early.", ctx) == [
        "Mayor Pask left early. The council approved the plan."]
    assert texts("clause_order", "The council approved the plan. It was cheap.", ctx) == []


@pytest.mark.parametrize("summary, expected", [
    ("The board approved the plan.", "The plan was approved by the board."),
    ("The council has approved two budgets.", "Two budgets have been approved by the council."),
    ("On Monday, the board rejected the offer after a debate.",
     "On Monday, the offer was rejected by the board after a debate."),
])
def test_passive(ctx, summary, expected):
    assert texts("passive", summary, ctx) == [expected]


def test_passive_skips_what_it_cannot_do_safely(ctx):
    assert texts("passive", "She approved the plan.", ctx) == []  # a pronoun subject
    assert texts("passive", "The board set up a fund.", ctx) == []  # a particle verb


def test_drop_subordinate(ctx):
    assert texts("drop_subordinate", "Corvin Pask, the mayor, opened the depot.", ctx) == [
        "Corvin Pask opened the depot."]
    assert texts("drop_subordinate", "The bridge, which opened in 1952, was closed.", ctx) == [
        "The bridge was closed."]
    assert texts("drop_subordinate", "The ferry will run if the council pays, officials said.", ctx) == []


def test_vaguer_count_and_first_name(ctx):
    assert texts("vaguer", "The council approved 7 shelters.", ctx) == ["The council approved several shelters."]
    assert texts("vaguer", "Corvin Pask opened the depot.", ctx) == ["Pask opened the depot."]
    assert texts("vaguer", "The council approved the 7 shelters and 2 routes.", ctx) == []


def test_unchanged_is_the_summary(ctx):
    (variant,) = behaviour.variants("unchanged", "The depot opened.", ctx)
    assert variant.text == "The depot opened." and variant.kind == "unchanged"


def test_every_variant_records_the_span_it_changed(ctx):
    summary = ("Mayor Corvin Pask said the council will pay 4 million dollars for 14 shelters on June 2, 2026, "
               "after a long debate.")
    for kind in behaviour.MUTATIONS:
        for v in behaviour.variants(kind, summary, ctx):
            assert v.text[:v.new_start] == summary[:v.start], kind
            assert v.text[v.new_end:] == summary[v.end:], kind


def test_sites_are_chosen_deterministically():
    src = behaviour.Source("x", "test", Article(id="x", text=BODY, body=BODY),
                           "The council approved 14 shelters and four routes for 2 million dollars.", False)
    first = behaviour.make_variants([src], sites=1, seed=3)
    assert first == behaviour.make_variants([src], sites=1, seed=3)
    assert sum(v.kind == "number" for _, v in first) == 1


def test_metaeval_sample_is_seeded_and_takes_faithful_rows_only(tmp_path):
    import json

    path = tmp_path / "toy.dev.jsonl"
    rows = [{"id": f"r{k}", "dataset": "toy", "document": f"Document {k}.", "summary": f"Summary {k}.",
             "label": k % 2} for k in range(20)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    first = behaviour.metaeval_sources([str(path)], per_dataset=4, seed=1)
    assert [s.id for s in first] == [s.id for s in behaviour.metaeval_sources([str(path)], 4, seed=1)]
    assert len(first) == 4 and all(int(s.id[1:]) % 2 == 1 for s in first)
    assert all(s.source == "toy" and not s.news and s.article.body == f"Document {s.id[1:]}." for s in first)


def test_summarise_counts_flags_kinds_and_touched_facts():
    from harness.records import CoverageResult, FactVerdict, FaithfulnessResult, GoldFact, Hallucination, Span

    summary = "The council approved 14 shelters."
    fact = GoldFact("shelters", "The council approved 14 new bus shelters.")
    src = behaviour.Source("a#0", "news", Article(id="a", text=BODY, body=BODY, facts=(fact,)), summary, True)
    number = behaviour.apply_edits(summary, [(21, 23, "29")], "number")
    negation = behaviour.apply_edits(summary, [(12, 20, "did not approve")], "negation")
    same = behaviour.Variant("unchanged", summary, 0, 0, 0, 0)
    ok = FaithfulnessResult((), 0.0, True, 0.9, 1)
    caught = FaithfulnessResult((Hallucination(21, 23, "29", "number"),), 1.0, False, 0.1, 1)
    other = FaithfulnessResult((Hallucination(0, 10, "The counci", "unsupported"),), 1.0, False, 0.2, 1)
    faith = {("a#0", summary): ok, ("a#0", number.text): caught, ("a#0", negation.text): other}

    def cov(status, start, end):
        return CoverageResult(1.0, (FactVerdict("shelters", status, 1.0, Span(start, end, "x")),))

    covs = {("a#0", summary): cov("covered", 21, 23), ("a#0", number.text): cov("contradicted", 21, 23),
            ("a#0", negation.text): cov("covered", 21, 23)}
    out = behaviour.summarise([(src, number), (src, negation), (src, same)], faith, covs)["figures"]["all"]
    assert out["number"]["flagged"] == 1.0 and out["number"]["flagged_with_kind"] == 1.0
    assert out["number"]["kind_found"] == 1.0 and out["number"]["kind_at_span"] == 1.0
    assert out["number"]["facts_touched"] == 1 and out["number"]["facts_contradicted"] == 1.0
    # the fact states the changed "14": it counts among the facts stating the changed value too
    assert out["number"]["facts_stating"] == 1 and out["number"]["facts_stating_contradicted"] == 1.0
    assert out["negation"]["flagged"] == 1.0 and out["negation"]["flagged_with_kind"] == 0.0
    assert "facts_touched" not in out["negation"]  # the fact's evidence is not where the verb changed
    assert out["unchanged"]["flagged"] == 0.0 and out["unchanged"]["n"] == 1


def test_a_possessive_name_keeps_its_possessive():
    ctx = behaviour.build_context("Jan Vermeulen painted it. Pia Lund sold it in Brussels.")
    assert texts("entity_inside", "Jan Vermeulen's landscape was sold.", ctx) == ["Pia Lund's landscape was sold."]
