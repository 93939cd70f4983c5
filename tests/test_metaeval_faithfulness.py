"""The meta-eval and refit commands end to end on tiny files (figures hand-checkable)."""

import json
from pathlib import Path

import pytest

from harness.cache import FeatureCache
from harness.checkers.faithfulness.likelihood import LM_FEATURES
from harness.cli import main
from harness.errors import InputError
from harness.metaeval.agreement import balanced_accuracy, roc_auc
from harness.metaeval.faithfulness import featurise, load
from harness.metaeval.faithfulness_fit import FALSE_ALARM_BUDGET
from harness.scorers.hallucination import HallucinationScorer
from test_hf import make_causal

DOC = ("The city council approved a new park on Monday. The park will cost 2 million dollars "
       "and open in 2026. Mayor Ana Ruiz said residents had asked for more green space.")
ROWS = [
    {"id": "a1", "dataset": "tiny_a", "document": DOC, "summary": "The city council approved a new park.", "label": 1},
    {"id": "a2", "dataset": "tiny_a", "document": DOC,
     "summary": "The park will cost 9 million dollars, Governor Smith said.", "label": 0},
    {"id": "b1", "dataset": "tiny_b", "document": DOC,
     "summary": "Mayor Ana Ruiz said residents had asked for more green space.", "label": 1},
    {"id": "b2", "dataset": "tiny_b", "document": DOC, "summary": "The council rejected a new stadium in Paris.", "label": 0},
]


def _write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_balanced_accuracy_and_auc_by_hand():
    # recall of class 1 = 1/2, of class 0 = 2/2 -> 0.75
    assert balanced_accuracy([1, 1, 0, 0], [True, False, False, False]) == 0.75
    # positives above both negatives -> 1.0; one tie -> (1 + 0.5) / 2
    assert roc_auc([1, 0, 0], [0.9, 0.1, 0.2]) == 1.0
    assert roc_auc([1, 0], [0.5, 0.5]) == 0.5
    assert roc_auc([1, 1], [0.2, 0.3]) is None


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    """A tiny random Llama standing in for SmolLM2 (the judge's default)."""
    return str(make_causal(tmp_path_factory.mktemp("tiny-llama")))


@pytest.mark.parametrize("judge", ["none", "tiny"])
def test_meta_eval_cli_end_to_end(tmp_path, capsys, judge, tiny_lm):
    data = _write(tmp_path / "tiny.jsonl", ROWS)
    out = tmp_path / "out.json"
    lm = "none" if judge == "none" else tiny_lm
    weights = [] if judge == "none" else ["--model", _unlabelled_weights(tmp_path)]
    assert main(["meta-eval", "faithfulness", "--data", str(data), "--json", str(out), "--lm", lm, *weights]) == 0
    fig = json.loads(out.read_text())
    assert ("|lm=lm-pmi-2:" in fig["signature"]) == (judge == "tiny")
    assert set(fig["datasets"]) == {"tiny_a", "tiny_b"}
    for v in fig["datasets"].values():
        assert set(v) >= {"balanced_accuracy", "roc_auc", "n"} and v["n"] == 2
    assert fig["mean_balanced_accuracy"] == pytest.approx(
        sum(v["balanced_accuracy"] for v in fig["datasets"].values()) / 2, abs=1e-4)
    assert fig["datasets"]["tiny_a"]["roc_auc"] == 1.0
    # the overlap baseline beside it: 1, 4/7 (tiny_a) and 1, 2/5 (tiny_b) separate each dataset at
    # the cut chosen on the other one
    base = fig["baseline"]
    assert set(base["datasets"]) == {"tiny_a", "tiny_b"}
    for v in base["datasets"].values():
        assert v["balanced_accuracy"] == 1.0 and v["roc_auc"] == 1.0 and v["n"] == 2
        assert v["in_sample_balanced_accuracy"] == 1.0 and 0.4 < v["threshold"] < 1.0
    assert base["mean_balanced_accuracy"] == 1.0 and 0.5714 < base["in_sample"]["threshold"] <= 1.0
    printed = capsys.readouterr().out
    assert "tiny_a" in printed and "overlap (LODO cut)" in printed


def _unlabelled_weights(tmp_path):
    """The shipped judged weights without their provenance (which names the LM they were fitted
    on): weights any LM's features may be used with, as in a test."""
    from harness.scorers.hallucination import shipped_model_path

    model = json.loads(shipped_model_path(True).read_text())
    path = tmp_path / "any_lm.json"
    path.write_text(json.dumps({k: v for k, v in model.items() if k != "provenance"}))
    return str(path)


def test_weights_fitted_on_another_lm_are_refused(tmp_path, capsys, tiny_lm):
    """The shipped judged weights name the LM whose features they were fitted on; with another
    LM the meta-eval stops before scoring and says what to do, instead of applying them."""
    data = _write(tmp_path / "tiny.jsonl", ROWS)
    assert main(["meta-eval", "faithfulness", "--data", str(data), "--lm", tiny_lm]) == 2
    err = capsys.readouterr().err
    assert "fitted on the features of the LM smollm2-135m-instruct" in err
    assert f"harness refit faithfulness --lm {tiny_lm} --out FILE" in err


def test_limit_takes_first_items(tmp_path):
    data = _write(tmp_path / "tiny.jsonl", ROWS)
    assert [r["id"] for r in load(str(data), limit=1)] == ["a1"]


def test_bad_input_lists_every_problem(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "dataset": "d", "document": "D", "summary": "S", "label": 1}\n'
                   "not json\n"
                   '{"id": "y", "dataset": "d", "summary": "S", "label": 3}\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        load(str(bad))
    where = [(p.line, p.field) for p in err.value.problems]
    assert where == [(2, None), (3, "document"), (3, "label")]
    assert main(["meta-eval", "faithfulness", "--data", str(bad), "--lm", "none"]) == 2
    assert "bad.jsonl:3: document" in capsys.readouterr().err
    good = _write(tmp_path / "good.jsonl", ROWS)
    assert main(["meta-eval", "faithfulness", "--data", str(good), "--lm", "none",
                 "--json", str(tmp_path / "no" / "such" / "out.json")]) == 2
    assert "cannot write --json" in capsys.readouterr().err


@pytest.mark.parametrize("judge", ["default", "none", "tiny"])
def test_refit_writes_weights_with_provenance(tmp_path, judge, tiny_lm):
    """Without ``--lm`` the refit fits the lexical weights, those of the default scorer."""
    data = _write(tmp_path / "fit.jsonl", _fit_rows())
    out = tmp_path / "model.json"
    lm = {"default": [], "none": ["--lm", "none"], "tiny": ["--lm", tiny_lm]}[judge]
    assert main(["refit", "faithfulness", "--data", str(data), "--out", str(out), *lm]) == 0
    model = json.loads(out.read_text())
    assert (set(LM_FEATURES) <= set(model["features"])) == (judge == "tiny")
    assert len(model["coef"]) == len(model["features"]) and 0 < model["threshold"] < 1
    prov = model["provenance"]
    assert prov["files"][0]["name"] == "fit.jsonl" and len(prov["files"][0]["sha256"]) == 64
    assert "cv_by_document" in prov and prov["n"] == 12
    assert set(prov["lodo"]["datasets"]) == set(prov["overlap_baseline_lodo"]["datasets"]) == {"tiny_a", "tiny_b"}
    assert all(v["n"] == 6 and v["threshold"] is not None for v in prov["lodo"]["datasets"].values())
    assert "|window=3|" in prov["analysis"] and ("|lm=lm-pmi-2:" in prov["analysis"]) == (judge == "tiny")


def test_refit_no_write_leaves_the_shipped_weights(tmp_path, capsys):
    from harness.scorers.hallucination import shipped_model_path

    data = _write(tmp_path / "fit.jsonl", _fit_rows())
    shipped = shipped_model_path(False)
    before = shipped.read_bytes()
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", "none", "--no-write"]) == 0
    out = capsys.readouterr().out
    assert shipped.read_bytes() == before and "nothing written" in out and "wrote" not in out
    assert "lodo" in out and "overlap lodo" in out
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", "none",
                 "--out", str(tmp_path / "no" / "such" / "model.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_refit_budget_option_and_the_judge_band_guard(tmp_path, tiny_lm, capsys, monkeypatch):
    import harness.scorers.hallucination as hallucination

    data = _write(tmp_path / "fit.jsonl", _fit_rows())
    for value, expected in (("none", None), ("0.3", 0.3)):
        out = tmp_path / f"model-{value}.json"
        assert main(["refit", "faithfulness", "--data", str(data), "--out", str(out), "--lm", "none",
                     "--max-false-alarm", value]) == 0
        assert json.loads(out.read_text())["max_false_alarm"] == expected
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", "none", "--max-false-alarm", "lots"]) == 2
    assert "--max-false-alarm 'lots'" in capsys.readouterr().err
    # a judged model whose threshold leaves the judge band would break the shipped scorer: not written
    import harness.metaeval.faithfulness_fit as ff

    real_fit = ff.fit
    # the shipped judged file stands in as one fitted on the tiny LM's features (no provenance)
    shipped = Path(_unlabelled_weights(tmp_path))
    real_path = hallucination.shipped_model_path
    monkeypatch.setattr(hallucination, "shipped_model_path", lambda lm=True: shipped if lm else real_path(False))
    low, high = hallucination.model_band(json.loads(shipped.read_text()))
    monkeypatch.setattr(ff, "fit", lambda *a, **kw: {**real_fit(*a, **kw), "threshold": low / 2})
    before = shipped.read_bytes()
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", tiny_lm]) == 2
    assert shipped.read_bytes() == before and "outside the judge band" in capsys.readouterr().err
    # written elsewhere it goes without a band (every summary judged); one inside keeps the band
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", tiny_lm, "--out", str(tmp_path / "o.json")]) == 0
    assert "judge_band" not in json.loads((tmp_path / "o.json").read_text())
    monkeypatch.setattr(ff, "fit", lambda *a, **kw: {**real_fit(*a, **kw), "threshold": (low + high) / 2})
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", tiny_lm, "--out", str(tmp_path / "i.json")]) == 0
    assert json.loads((tmp_path / "i.json").read_text())["judge_band"] == [low, high]


def test_refit_does_not_depend_on_the_shipped_judge_band(tmp_path, tiny_lm, monkeypatch):
    """A band that holds neither shipped threshold makes the judged scorer refuse to start, but a
    refit (which only needs the features) still runs: after a lexical refit moves its cut out of
    the band, the judged weights can still be refitted."""
    import harness.scorers.hallucination as hallucination
    from harness.errors import ConfigError

    shipped = json.loads(hallucination.shipped_model_path(True).read_text())
    narrow = tmp_path / "narrow.json"
    narrow.write_text(json.dumps({**shipped, "judge_band": [0.96, 0.97]}))
    real = hallucination.shipped_model_path
    monkeypatch.setattr(hallucination, "shipped_model_path", lambda lm=True: narrow if lm else real(False))
    with pytest.raises(ConfigError, match="judge_band"):
        HallucinationScorer(lm=tiny_lm)
    data = _write(tmp_path / "fit.jsonl", _fit_rows())
    out = tmp_path / "judged.json"
    assert main(["refit", "faithfulness", "--data", str(data), "--out", str(out), "--lm", tiny_lm]) == 0
    assert set(LM_FEATURES) <= set(json.loads(out.read_text())["features"])
    # without --out, weights for another LM than the shipped ones' never replace them
    before = hallucination.shipped_model_path(True).read_bytes()
    assert main(["refit", "faithfulness", "--data", str(data), "--lm", tiny_lm]) == 2
    assert hallucination.shipped_model_path(True).read_bytes() == before
    # fitted on this LM's features: its weights are accepted with it (the shipped ones are not)
    HallucinationScorer(model_path=str(out), lm=tiny_lm, judge_band=(0.0, 1.0)).check_weights()
    with pytest.raises(ConfigError, match="fitted on the features of the LM"):
        HallucinationScorer(lm=tiny_lm, judge_band=(0.0, 1.0)).check_weights()


def _fit_rows():
    rows = ROWS * 3
    return [dict(r, id=f"{r['id']}-{k}", document=r["document"] + f" Note {k}.") for k, r in enumerate(rows)]


def test_refit_reads_the_features_back_from_the_cache(tmp_path, monkeypatch):
    data = _write(tmp_path / "fit.jsonl", _fit_rows())
    first, second, fresh = tmp_path / "first.json", tmp_path / "second.json", tmp_path / "fresh.json"
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))
    assert main(["refit", "faithfulness", "--data", str(data), "--out", str(first), "--lm", "none"]) == 0
    analysed: list[str] = []
    real = HallucinationScorer.analyse_many

    def counting(self, items, **kw):
        analysed.extend(s for _, s in items)
        return real(self, items, **kw)

    monkeypatch.setattr(HallucinationScorer, "analyse_many", counting)
    assert main(["refit", "faithfulness", "--data", str(data), "--out", str(second), "--lm", "none"]) == 0
    assert analysed == [] and second.read_bytes() == first.read_bytes()
    assert main(["refit", "faithfulness", "--data", str(data), "--out", str(fresh), "--lm", "none",
                 "--no-cache"]) == 0
    assert len(analysed) == 12 and fresh.read_bytes() == first.read_bytes()


def test_featurise_analyses_only_the_rows_the_cache_lacks(tmp_path):
    rows = _fit_rows()
    cache = FeatureCache(tmp_path / "features.sqlite")
    scorer = HallucinationScorer(lm="none")
    part = featurise(rows[:5], scorer, cache=cache)
    assert len(cache) == 5
    analysed: list[str] = []
    real = scorer.analyse_many
    scorer.analyse_many = lambda items, **kw: analysed.extend(s for _, s in items) or real(items, **kw)
    whole = featurise(rows, scorer, cache=cache)
    assert analysed == [r["summary"] for r in rows[5:]] and len(cache) == 12
    assert whole[:5] == part and all(isinstance(h, bool) for _, h in whole)
    # other analysis settings are other features: nothing is read back
    wider = HallucinationScorer(lm="none", window=2)
    assert wider.analysis_signature() != scorer.analysis_signature()
    wider.analyse_many = lambda items, **kw: analysed.extend(s for _, s in items) or real(items, **kw)
    featurise(rows[:5], wider, cache=cache)
    assert len(cache) == 17


def test_fit_pools_aux_into_the_weights_and_chooses_the_threshold_on_dev_rows():
    from harness.metaeval.agreement import choose_threshold
    from harness.metaeval.faithfulness_fit import fit
    from harness.scorers.hallucination import predict

    X = [{"a": v} for v in (0.1, 0.2, 0.3, 0.7, 0.8, 0.9)]
    y, ds = [0, 0, 0, 1, 1, 1], ["d"] * 6
    AX, ay = [{"a": v} for v in (0.0, 0.05, 2.0, 2.5)], [1, 1, 0, 0]  # aux with the opposite trend
    hard = [False, False, False, False, False, True]
    alone, pooled = fit(X, y, ds, ["a"]), fit(X, y, ds, ["a"], aux=(AX, ay), hard=hard)
    assert alone["coef"][0] > 0 and pooled["coef"] != alone["coef"] and pooled["mean"] != alone["mean"]
    dev_p = [predict(pooled, x) for x in X]
    assert pooled["threshold"] == choose_threshold(dev_p, y, ds, hard, FALSE_ALARM_BUDGET)
    assert alone["threshold"] == choose_threshold([predict(alone, x) for x in X], y, ds, max_false_alarm=0.15)
    assert alone["max_false_alarm"] == FALSE_ALARM_BUDGET == 0.15


def test_the_threshold_flags_at_most_the_budgeted_share_of_faithful_summaries():
    from harness.metaeval.agreement import choose_threshold, false_alarm_rate, figures

    # the cut best for balanced accuracy keeps out two negatives at 0.55 and 0.56, and so flags the
    # faithful summary at 0.5 (1 of 5 in "a", none in "b": 0.1 over the datasets); under a 0.05
    # budget the cut must fall below 0.5
    p = [0.1, 0.2, 0.55, 0.56, 0.5, 0.6, 0.7, 0.8, 0.9, 0.1, 0.9]
    y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 1]
    ds = ["a"] * 9 + ["b"] * 2
    free = choose_threshold(p, y, ds)
    capped = choose_threshold(p, y, ds, max_false_alarm=0.05)
    assert 0.56 < free < 0.6 and false_alarm_rate(p, y, ds, free) == (1 / 5 + 0) / 2
    assert 0.2 < capped < 0.5 and false_alarm_rate(p, y, ds, capped) == 0.0
    fig = figures([{"dataset": d, "label": v} for d, v in zip(ds, y)], [v >= free for v in p], p)
    assert (fig["datasets"]["a"]["faithful_flagged"], fig["datasets"]["b"]["faithful_flagged"]) == (0.2, 0.0)
    assert fig["mean_faithful_flagged"] == 0.1


def test_overlap_by_hand():
    from harness.metaeval.baseline import content_words, overlap

    # "a" is a stopword, "b" one letter, "7" a digit (kept); stems compare "parks" with "park"
    assert content_words("A b 7 parks") == ["7", "park"]
    # council, park and 2026 are in the document, "rejected" is not: 3 of 4
    assert overlap("The council approved a park in 2026.", "The council rejected the parks in 2026.") == 0.75
    # park, cost, million, dollar in DOC; 9, governor, smith not: 4 of 7
    assert overlap(DOC, ROWS[1]["summary"]) == pytest.approx(4 / 7)
    assert overlap(DOC, "It is what it was.") == 1.0  # nothing asserted


def _inverted_pair():
    """Two datasets with the same scores and opposite labels: whatever is learnt on one is wrong
    on the other."""
    values = (0.1, 0.2, 0.3, 0.7, 0.8, 0.9)
    y_up = [0, 0, 0, 1, 1, 1]
    return list(values) * 2, y_up + [1 - v for v in y_up], ["up"] * 6 + ["down"] * 6


def test_baseline_lodo_chooses_the_cut_on_the_other_datasets():
    from harness.metaeval.baseline import baseline_figures

    p, y, ds = _inverted_pair()
    rows = [{"dataset": d, "label": v} for d, v in zip(ds, y)]
    fig = baseline_figures(rows, p)
    # "down" held out: the cut separating "up" gets every "down" row wrong
    assert fig["datasets"]["down"]["balanced_accuracy"] == 0.0
    assert 0.3 < fig["datasets"]["down"]["threshold"] < 0.7
    # the held-out labels play no part in its cut: "down" with its labels put right gets the same
    # cut, now right on every row, while "up" (measured at a cut chosen on "down") changes
    fixed = baseline_figures([dict(r, label=1 - r["label"]) if r["dataset"] == "down" else r for r in rows], p)
    assert fixed["datasets"]["down"]["threshold"] == fig["datasets"]["down"]["threshold"]
    assert fixed["datasets"]["down"]["balanced_accuracy"] == 1.0
    assert fixed["datasets"]["up"]["threshold"] != fig["datasets"]["up"]["threshold"]
    assert fig["mean_balanced_accuracy"] == pytest.approx(fig["datasets"]["up"]["balanced_accuracy"] / 2, abs=1e-4)
    assert fig["datasets"]["up"]["roc_auc"] == 1.0 and fig["datasets"]["down"]["roc_auc"] == 0.0
    # one dataset: no other to choose a cut on
    alone = baseline_figures(rows[:6], p[:6])
    assert alone["mean_balanced_accuracy"] is None and alone["datasets"]["up"]["in_sample_balanced_accuracy"] == 1.0
    with pytest.raises(ValueError):
        baseline_figures(rows, p[:3])


def test_lodo_never_trains_on_the_held_out_dataset():
    from harness.metaeval.faithfulness_fit import fit, leave_one_dataset_out

    p, y, ds = _inverted_pair()
    X = [{"a": v} for v in p]
    lodo = leave_one_dataset_out(X, y, ds, ["a"])
    # each dataset is measured with the trend of the other one: every verdict wrong
    assert {n: v["balanced_accuracy"] for n, v in lodo["datasets"].items()} == {"up": 0.0, "down": 0.0}
    assert lodo["mean_balanced_accuracy"] == 0.0
    assert lodo["datasets"]["up"]["threshold"] == fit(X[6:], y[6:], ds[6:], ["a"])["threshold"]
    # the held-out labels play no part: "down" with its labels put right is measured with the
    # same model and threshold, now right on every row
    fixed = [1 - v if d == "down" else v for v, d in zip(y, ds)]
    lodo_fixed = leave_one_dataset_out(X, fixed, ds, ["a"])
    assert lodo_fixed["datasets"]["down"]["threshold"] == lodo["datasets"]["down"]["threshold"]
    assert lodo_fixed["datasets"]["down"]["balanced_accuracy"] == 1.0
    # a summary with a hard finding is unfaithful whatever its held-out model says
    hard = [False] * 11 + [True]
    assert leave_one_dataset_out(X, fixed, ds, ["a"], hard=hard)["datasets"]["down"]["balanced_accuracy"] \
        == pytest.approx((1 + 2 / 3) / 2, abs=1e-4)
    # one dataset: nothing to train on
    assert leave_one_dataset_out(X[:6], y[:6], ds[:6], ["a"])["mean_balanced_accuracy"] is None


def test_lodo_pools_aux_into_every_training_set(monkeypatch):
    import harness.metaeval.faithfulness_fit as ff

    p, y, ds = _inverted_pair()
    X = [{"a": v} for v in p]
    aux = ([{"a": 0.0}, {"a": 1.0}], [0, 1])
    calls = []
    real = ff.fit

    def recording(X_, y_, ds_, names, C=1.0, aux=None, hard=None, max_false_alarm=None):
        calls.append((sorted(set(ds_)), len(X_), aux))
        return real(X_, y_, ds_, names, C, aux=aux, hard=hard, max_false_alarm=max_false_alarm)

    monkeypatch.setattr(ff, "fit", recording)
    ff.leave_one_dataset_out(X, y, ds, ["a"], aux=aux)
    assert [(d, n) for d, n, _ in calls] == [(["up"], 6), (["down"], 6)]  # "down" held out first
    assert all(a is aux for _, _, a in calls)
