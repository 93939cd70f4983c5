"""The hallucination cut chosen on one's own labelled summaries: `harness meta-eval faithfulness`
and `harness calibrate` print it, and scoring again at it gives the figures they promised."""

import json

import pytest

from harness.cli import main
from harness.metaeval.calibration import calibrate, cut_inputs
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


def test_cut_inputs_keep_the_verdicts_that_hold_at_every_cut():
    threshold = 0.4
    verdicts = [(0.7, True, []), (0.396, False, ["number"]), (0.4, True, []), (0.3, False, ["unsupported"]),
                (0.40003, True, [])]
    probs, hard = cut_inputs(verdicts, threshold)
    assert hard == [False, True, False, False, False]
    # a summary copied from the article is held faithful at exactly the threshold: at any cut
    assert probs == [0.7, 0.396, 1.0, 0.3, 0.40003]
    # a run's signature gives the threshold to four decimals
    assert cut_inputs(verdicts, 0.40003, tolerance=5e-5)[0][2] == 1.0


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


SUMMARIES = [  # (model, article, summary, a reader's label)
    ("m1", "tiny-bridge", "The Riverton council voted to close the Elm Street bridge for six weeks of repairs.", 1),
    ("m1", "tiny-trial", "A trial of 420 patients found Lumetra cut monthly migraine days by 40 percent.", 1),
    ("m2", "tiny-bridge", "The Elm Street bridge will close for repairs costing 1.2 million dollars, the mayor said.", 1),
    ("m2", "tiny-trial", "Researchers at Northfield University said the drug had no serious side effects.", 1),
    ("m3", "tiny-bridge", "The state transport agency has approved closing the bridge, which will cost 3 million dollars.", 0),
    ("m3", "tiny-trial", "Lumetra has been approved after a trial of 420 patients.", 0),
    ("m4", "tiny-bridge", "The council wants the bridge closed because residents complained about traffic noise.", 0),
    ("m4", "tiny-trial", "Priya Raman said the drug will be sold in shops next year.", None),
]


def _scored_run(cli, tmp_path, tiny_gold, name, config=None):
    summaries = tmp_path / "summaries.jsonl"
    summaries.write_text("".join(json.dumps({"model": m, "article_id": a, "summary": t}) + "\n"
                                 for m, a, t, _ in SUMMARIES), encoding="utf-8")
    extra = ["--config", config] if config else ["--gold", tiny_gold]
    code, _, err = cli("score", *extra, "--summaries", summaries, "--out", tmp_path / name, "--quiet")
    assert code == 0, err
    return tmp_path / name


def test_calibrate_a_run_from_a_filled_in_template(cli, tmp_path, tiny_gold):
    run = _scored_run(cli, tmp_path, tiny_gold, "run")
    labels = tmp_path / "labels.jsonl"
    code, out, err = cli("calibrate", "faithfulness", run, "--template", labels, "--model", "m1", "--model", "m2")
    assert code == 0, err
    assert [json.loads(x)["model"] for x in labels.read_text().splitlines()] == ["m1", "m1", "m2", "m2"]
    code, out, err = cli("calibrate", "faithfulness", run, "--template", labels)
    assert code == 2 and "exists" in err  # never overwrites what may hold the labels
    labels.unlink()
    assert cli("calibrate", "faithfulness", run, "--template", labels)[0] == 0
    rows = [json.loads(x) for x in labels.read_text().splitlines()]
    assert len(rows) == 8 and all(r["label"] is None for r in rows)
    truth = {(m, a): v for m, a, _, v in SUMMARIES}
    labels.write_text("".join(json.dumps(r | {"label": truth[(r["model"], r["article_id"])]}) + "\n" for r in rows),
                      encoding="utf-8")
    out_json = tmp_path / "cal.json"
    code, out, err = cli("calibrate", "faithfulness", run, "--labels", labels, "--json", out_json)
    assert code == 0, err
    assert "7 labelled summaries (4 faithful, 3 not)" in out and "only 7 labels" in out
    cal = json.loads(out_json.read_text())
    best = cal["best"]
    # the shipped cut passes the unsupported cause (m4) as faithful; a higher cut separates all seven
    assert cal["at_run_threshold"]["mean_balanced_accuracy"] < 1.0
    assert best["mean_balanced_accuracy"] == 1.0 and best["threshold"] > cal["run_threshold"]
    # scored again at the chosen cut, the run's own verdicts give the promised figures
    config = tmp_path / "cal.yaml"
    config.write_text(f"dataset: {tiny_gold}\nrun_id: cal\nmodels: [{{name: reference, backend: reference}}]\n"
                      f"scorers: {{coverage: {{}}, hallucination: {{threshold: {best['threshold']}}}}}\n",
                      encoding="utf-8")
    again = _scored_run(cli, tmp_path, tiny_gold, "again", config)
    verdicts = {(r["model"], r["article_id"]): r["faithful"]
                for r in map(json.loads, (again / "scores.jsonl").read_text().splitlines())}
    assert all(verdicts[key] == bool(v) for key, v in truth.items() if v is not None)
    code, out, _ = cli("calibrate", "faithfulness", again, "--labels", labels)
    assert code == 0 and f"at the run's cut {best['threshold']:.4f}: balanced accuracy 1.000" in out
    assert cal["disagreements_at_best"] == [] and "still disagreeing" not in out
    # a label no cut can honour (a clean summary labelled unfaithful) is shown, with its probability
    truth[("m1", "tiny-bridge")] = 0
    labels.write_text("".join(json.dumps(r | {"label": truth[(r["model"], r["article_id"])]}) + "\n" for r in rows),
                      encoding="utf-8")
    code, out, _ = cli("calibrate", "faithfulness", run, "--labels", labels, "--json", out_json)
    assert code == 0 and "still disagreeing at the best cut: 1" in out and "m1 on tiny-bridge: labelled not" in out
    assert [d["model"] for d in json.loads(out_json.read_text())["disagreements_at_best"]] == ["m1"]


def test_calibrate_names_every_bad_line(cli, tmp_path, tiny_gold):
    run = _scored_run(cli, tmp_path, tiny_gold, "run")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "m1", "article_id": "tiny-bridge", "label": 2}\n{"article_id": "x", "label": 1}\n',
                   encoding="utf-8")
    code, _, err = cli("calibrate", "faithfulness", run, "--labels", bad)
    assert code == 2 and "bad.jsonl:1: label" in err and "bad.jsonl:2: model" in err
    bad.write_text('{"model": "m9", "article_id": "tiny-bridge", "label": 1}\n'
                   '{"model": "m1", "article_id": "tiny-bridge", "label": 1}\n'
                   '{"model": "m1", "article_id": "tiny-bridge", "label": 0}\n', encoding="utf-8")
    code, _, err = cli("calibrate", "faithfulness", run, "--labels", bad)
    assert code == 2 and "bad.jsonl:1" in err and "no summary of 'tiny-bridge' by 'm9'" in err
    assert "bad.jsonl:3" in err and "same summary as line 2" in err
    bad.write_text('{"model": "m1", "article_id": "tiny-bridge", "label": 1}\n', encoding="utf-8")
    code, _, err = cli("calibrate", "faithfulness", run, "--labels", bad)
    assert code == 2 and "both kinds" in err
    code, _, err = cli("calibrate", "faithfulness", run, "--template", tmp_path / "t.jsonl", "--model", "m7")
    assert code == 2 and "--model m7: not in the run" in err


def test_the_run_threshold_is_read_from_the_scorer_signature():
    from harness.errors import HarnessError
    from harness.metaeval.calibration import run_threshold

    sig = "hallucination:claims-v44|weights=1ee369743fbc|threshold=0.3932|window=3"
    assert run_threshold({"scorers": {"faithfulness": sig}}) == 0.3932
    with pytest.raises(HarnessError, match="nothing to calibrate"):
        run_threshold({"scorers": {"coverage": "fact-coverage:x"}})
    with pytest.raises(HarnessError, match="has a judge"):
        run_threshold({"scorers": {"faithfulness": sig + "|judge=nli:abc"}})


COVERAGE = [  # (model, article, summary, fact, a reader's label: does the summary carry the fact?)
    ("c1", "tiny-bridge", "Approval from the state is still required for the closure.", "approval", 1),
    ("c2", "tiny-bridge", "The state transport agency still has to approve it.", "approval", 1),
    ("c3", "tiny-bridge", "The state transport agency approved the bridge plan.", "approval", 0),
    ("c1", "tiny-trial", "More trials are needed.", "larger", 1),
    ("c2", "tiny-trial", "Researchers said approval of the drug is expected soon.", "larger", 0),
]


def test_calibrate_coverage_on_labelled_facts(cli, tmp_path, tiny_gold):
    summaries = tmp_path / "summaries.jsonl"
    summaries.write_text("".join(json.dumps({"model": m, "article_id": a, "summary": t}) + "\n"
                                 for m, a, t, _, _ in COVERAGE), encoding="utf-8")
    config = tmp_path / "run.yaml"
    config.write_text(f"dataset: {tiny_gold}\nrun_id: cov\nmodels: [{{name: reference, backend: reference}}]\n",
                      encoding="utf-8")
    assert cli("score", "--config", config, "--summaries", summaries, "--out", tmp_path / "run", "--quiet")[0] == 0
    labels = tmp_path / "facts.jsonl"
    code, out, err = cli("calibrate", "coverage", tmp_path / "run", "--template", labels)
    assert code == 0, err
    rows = [json.loads(x) for x in labels.read_text().splitlines()]
    assert len(rows) == 3 * 5 + 2 * 3 and rows[0]["statement"] and rows[0]["label"] is None
    truth = {(m, a, f): v for m, a, _, f, v in COVERAGE}
    labels.write_text("".join(json.dumps(r | {"label": truth.get((r["model"], r["article_id"], r["fact_id"]))}) + "\n"
                              for r in rows), encoding="utf-8")
    out_json = tmp_path / "cov.json"
    code, out, err = cli("calibrate", "coverage", tmp_path / "run", "--labels", labels, "--json", out_json)
    assert code == 0, err
    found = json.loads(out_json.read_text())
    # the paraphrases (P 0.36-0.48) are carried, the approval stated as done (P 0.29) and the other
    # claim (P 0.18) not: at the shipped 0.5 only the last two agree; a cut between 0.29 and 0.36 fits all
    assert found["n"] == 5 and found["at_run_threshold"] == 0.4
    assert found["best"] == {"threshold": 0.35, "agreement": 1.0} and found["disagreements_at_best"] == []
    assert "covered_threshold: 0.35" in out and "only 5 labels" in out
    config.write_text(config.read_text() + "scorers: {coverage: {covered_threshold: 0.35}, hallucination: {}}\n",
                      encoding="utf-8")
    assert cli("score", "--config", config, "--summaries", summaries, "--out", tmp_path / "again", "--quiet")[0] == 0
    status = {(r["model"], r["article_id"], f["id"]): f["status"]
              for r in map(json.loads, (tmp_path / "again/scores.jsonl").read_text().splitlines()) for f in r["facts"]}
    assert all((status[key] == "covered") == bool(v) for key, v in truth.items())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model": "c1", "article_id": "tiny-trial", "label": 1}\n'
                   '{"model": "c1", "article_id": "tiny-trial", "fact_id": "nope", "label": 1}\n', encoding="utf-8")
    code, _, err = cli("calibrate", "coverage", tmp_path / "run", "--labels", bad)
    assert code == 2 and "bad.jsonl:1: fact_id" in err
    bad.write_text('{"model": "c1", "article_id": "tiny-trial", "fact_id": "nope", "label": 1}\n', encoding="utf-8")
    code, _, err = cli("calibrate", "coverage", tmp_path / "run", "--labels", bad)
    assert code == 2 and "no fact 'nope'" in err
