"""The hallucination cut chosen on one's own labelled summaries: `harness meta-eval faithfulness`
prints it, and measuring again at it (`--threshold`) gives the figures it promised."""

import json

import pytest

from harness.cli import main
from harness.metaeval.calibration import calibrate, cut_inputs
from harness.records import FaithfulnessResult, Hallucination
from test_metaeval_faithfulness import ROWS, _write


def _rows(labels, dataset="mine"):
    return [{"id": str(i), "dataset": dataset, "label": v} for i, v in enumerate(labels)]


def test_the_best_cut_separates_the_labels_by_hand():
    rows = _rows([1, 1, 1, 0, 0, 0])
    probs = [0.9, 0.8, 0.6, 0.5, 0.3, 0.95]
    hard = [False] * 5 + [True]  # a hard finding: unfaithful at every cut, whatever its probability
    got = calibrate(rows, probs, hard)
    assert 0.5 < got["threshold"] <= 0.6
    assert got["mean_balanced_accuracy"] == 1.0 and got["mean_faithful_flagged"] == 0.0


def test_the_budget_keeps_false_alarms_down():
    rows = _rows([1, 1, 1, 1, 0, 0, 0, 0])
    probs = [0.9, 0.8, 0.7, 0.2, 0.6, 0.3, 0.25, 0.1]
    best = calibrate(rows, probs, [False] * 8)
    capped = calibrate(rows, probs, [False] * 8, max_false_alarm=0.0)
    assert best["mean_faithful_flagged"] == 0.25 and best["mean_balanced_accuracy"] == 0.875
    assert capped["mean_faithful_flagged"] == 0.0 and capped["threshold"] <= 0.2


def _result(prob, faithful, kinds=()):
    found = tuple(Hallucination(0, 1, "x", k) for k in kinds)
    return FaithfulnessResult(hallucinations=found, hallucination_rate=0.0, faithful=faithful, probability=prob,
                              n_claims=1, traps_hit=())


def test_cut_inputs_keep_the_verdicts_that_hold_at_every_cut():
    threshold = 0.4
    results = [_result(0.7, True), _result(0.396, False, ["number"]), _result(0.4, True),
               _result(0.3, False, ["unsupported"])]
    probs, hard = cut_inputs(results, threshold)
    assert hard == [False, True, False, False]
    # a summary copied from the article is held faithful at exactly the threshold: at any cut
    assert probs == [0.7, 0.396, 1.0, 0.3]


def test_meta_eval_prints_the_cut_and_measuring_at_it_agrees(tmp_path, capsys):
    data = _write(tmp_path / "mine.jsonl", ROWS)
    out = tmp_path / "out.json"
    assert main(["meta-eval", "faithfulness", "--data", str(data), "--lm", "none", "--json", str(out)]) == 0
    assert "best cut on these labels" in capsys.readouterr().out
    cal = json.loads(out.read_text())["calibration"]
    assert set(cal) == {"best", "budget"} and cal["budget"]["max_false_alarm"] == 0.15
    best = cal["best"]
    again = tmp_path / "again.json"
    assert main(["meta-eval", "faithfulness", "--data", str(data), "--lm", "none", "--json", str(again),
                 "--threshold", str(best["threshold"])]) == 0
    fig = json.loads(again.read_text())
    assert f"threshold={best['threshold']:.4f}" in fig["signature"]
    assert fig["mean_balanced_accuracy"] == pytest.approx(best["mean_balanced_accuracy"], abs=1e-4)
    assert fig["mean_faithful_flagged"] == pytest.approx(best["mean_faithful_flagged"], abs=1e-4)


def test_a_threshold_outside_zero_one_is_an_error(tmp_path, capsys):
    data = _write(tmp_path / "mine.jsonl", ROWS)
    assert main(["meta-eval", "faithfulness", "--data", str(data), "--threshold", "1.5"]) == 2
    assert "--threshold 1.5" in capsys.readouterr().err
