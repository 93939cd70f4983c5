"""Meta-evaluation of coverage: metric functions against scipy/hand values, the REALSumm
importer's error reporting, the CLI end to end, and the ``evaluate`` module by path."""

import json
import math
from pathlib import Path

import pytest
from scipy.stats import kendalltau, pearsonr

from harness.cli import main as cli
from harness.errors import InputError
from harness.metaeval.coverage import (balanced_accuracy, best_threshold_accuracy, pearson,
                                       summary_pearson, system_kendall)
from harness.metaeval.realsumm import load_realsumm

ROOT = Path(__file__).resolve().parent.parent


def test_balanced_accuracy_by_hand():
    # positives: 2 of 3 right (2/3); negatives: 1 of 2 right (1/2) -> (2/3 + 1/2) / 2 = 7/12.
    assert balanced_accuracy([1, 1, 1, 0, 0], [1, 1, 0, 0, 1]) == pytest.approx(7 / 12)
    assert math.isnan(balanced_accuracy([1, 1], [1, 0]))


def test_pearson_and_kendall_match_scipy():
    x, y = [0.1, 0.4, 0.35, 0.8, 0.9], [0.0, 0.5, 0.2, 0.7, 1.0]
    assert pearson(x, y) == pytest.approx(pearsonr(x, y)[0])
    assert math.isnan(pearson([1, 1, 1], [0, 1, 2]))
    rows = [("d1", a, b) for a, b in zip(x, y)] + [("d2", 0.2, 0.1), ("d2", 0.3, 0.5), ("d2", 0.1, 0.2)]
    expect = (pearsonr(x, y)[0] + pearsonr([0.2, 0.3, 0.1], [0.1, 0.5, 0.2])[0]) / 2
    assert summary_pearson(rows) == pytest.approx(expect)
    sys_rows = [("A", 0.1, 0.2), ("A", 0.3, 0.2), ("B", 0.5, 0.6), ("C", 0.4, 0.1), ("C", 0.2, 0.3)]
    # per-system means: A (0.2, 0.2), B (0.5, 0.6), C (0.3, 0.2)
    assert system_kendall(sys_rows) == pytest.approx(kendalltau([0.2, 0.5, 0.3], [0.2, 0.6, 0.2]).statistic)


def test_best_threshold():
    cut, acc = best_threshold_accuracy([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.9])
    assert cut == 0.6 and acc == 1.0


DOC = {
    "doc_id": "d1",
    "document": "<t> the mayor proposed a budget . </t> the council approved the budget on a 6-3 vote .",
    "reference": "<t> council approves budget </t>",
    "key_facts": [{"id": "f1", "text": "The council approved the budget."},
                  {"id": "f2", "text": "The vote was 6-3."}],
    "summaries": [
        {"system": "s1", "summary": "the council approved the budget on a 6-3 vote .", "labels": {"f1": 1, "f2": 1}},
        {"system": "s2", "summary": "the mayor proposed a budget .", "labels": {"f1": 0, "f2": 0}},
        {"system": "s3", "summary": "the council approved the budget .", "labels": {"f1": 1, "f2": 0}},
    ],
}


def write(tmp_path, lines):
    p = tmp_path / "tiny.jsonl"
    p.write_text("\n".join(lines) + "\n")
    return p


def test_importer_reads_and_detags(tmp_path):
    docs = load_realsumm(write(tmp_path, [json.dumps(DOC)]))
    a = docs[0].article
    assert a.body.startswith("the mayor") and "<t>" not in a.body and a.references == ("council approves budget",)
    assert [f.statement for f in a.facts] == ["The council approved the budget.", "The vote was 6-3."]
    assert docs[0].summaries[2].labels == {"f1": 1, "f2": 0}


def test_importer_lists_every_problem_of_a_file(tmp_path):
    bad = dict(DOC, summaries=[{"system": "s1", "summary": "x", "labels": {"f1": 2, "zz": 1}}])
    p = write(tmp_path, [json.dumps(bad), "{not json", json.dumps({"doc_id": "d3"})])
    with pytest.raises(InputError) as err:
        load_realsumm(p)
    where = [(pr.line, pr.field) for pr in err.value.problems]
    assert (1, "summaries[0].labels.f1") in where and (1, "summaries[0].labels.zz") in where
    assert (2, None) in where and (3, "document") in where and (3, "key_facts") in where


def test_cli_meta_eval_end_to_end(tmp_path, capsys):
    data = write(tmp_path, [json.dumps(DOC), json.dumps(dict(DOC, doc_id="d2"))])
    out = tmp_path / "out.json"
    assert cli(["meta-eval", "coverage", "--data", str(data), "--json", str(out)]) == 0
    fig = json.loads(out.read_text())
    assert fig["n_pairs"] == 12 and fig["n_summaries"] == 6  # 2 docs x 3 summaries x 2 facts
    # On this easy set every verdict is right (the facts are copied or absent).
    # Partial credit (s2 shares "budget" with f1) keeps Pearson just under 1.
    assert fig["fact_balanced_accuracy"] == 1.0 and fig["summary_pearson"] > 0.95
    for key in ("fact_balanced_accuracy", "summary_pearson", "system_kendall", "n_pairs"):
        assert key in fig["rouge1_recall"]
    assert "elapsed_seconds" in fig and "fact_balanced_accuracy" in capsys.readouterr().out


def test_cli_bad_file_is_an_error_message_not_a_traceback(tmp_path, capsys):
    p = write(tmp_path, ["{oops"])
    assert cli(["meta-eval", "coverage", "--data", str(p)]) == 2
    assert "tiny.jsonl:1" in capsys.readouterr().err


def test_cli_refit_writes_coefficients_with_provenance(tmp_path, monkeypatch):
    import harness.metaeval.coverage as mc

    real = mc.pair_signals
    monkeypatch.setattr(mc, "pair_signals", lambda docs, embeddings=True: _with_fake_emb(real(docs, False)))
    data = write(tmp_path, [json.dumps(dict(DOC, doc_id=f"d{i}")) for i in range(5)])
    out = tmp_path / "model.json"
    assert cli(["refit", "coverage", "--data", str(data), "--out", str(out)]) == 0
    m = json.loads(out.read_text())
    assert m["provenance"]["n_pairs"] == 30 and len(m["provenance"]["data"][0]["sha256"]) == 64
    assert set(m["variants"]) == {"lexical", "embedding"}


def _with_fake_emb(res):
    rows, labels, groups = res
    return [dict(r, emb_sent=r["recall_all"]) for r in rows], labels, groups


def test_evaluate_module_loads_by_path(monkeypatch):
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HF_EVALUATE_OFFLINE"):
        monkeypatch.setenv(var, "1")  # no network: the module is loaded from its path
    import evaluate

    m = evaluate.load(str(ROOT / "harness" / "metrics" / "fact_coverage"))
    out = m.compute(predictions=["The council approved the budget.", "Nothing."],
                    references=[["The council approved the budget."], ["The council approved the budget."]])
    assert out["coverage"] == [1.0, 0.0] and out["fact_coverage"] == 0.5
    assert out["statuses"] == [["covered"], ["missing"]]
