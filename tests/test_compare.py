"""harness.compare: paired statistics (hand-computable values), fact flips, refusals, CLI."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.aggregate import bootstrap_ci
from harness.compare import (IncomparableRuns, compare_runs, mcnemar_exact,
                             run_articles, sign_flip_p)
from harness.results import load_run

from report_helpers import TINY, cut_references, gold_rows, make_run, references


# ------------------------------------------------------------------ statistics
def test_sign_flip_exact_values():
    # k non-zero differences all of one sign: only the two extreme sign patterns reach |sum|,
    # so p = 2 / 2**k (hand-computed).
    assert sign_flip_p([0.1, 0.2, 0.3])[0] == pytest.approx(2 / 8)
    assert sign_flip_p([0.1] * 6)[0] == pytest.approx(2 / 64)
    assert sign_flip_p([0.1] * 6)[1] == pytest.approx(2 / 64)  # min attainable p
    # zeros are not permuted: same p as without them
    assert sign_flip_p([0.0, 0.0, 0.1, 0.2, 0.3])[0] == pytest.approx(2 / 8)
    # nothing changed / perfectly balanced change
    assert sign_flip_p([0.0, 0.0]) == (1.0, 1.0, "exact sign-flip")
    assert sign_flip_p([0.5, -0.5])[0] == pytest.approx(1.0)
    # [3, 1, 1]: |sum| = 5; patterns reaching >= 5 are +++ and --- only -> 2/8;
    # [3, -1, 1]: |sum| = 3; +-+ / -+- (3), ++- / --+ (3), +++ / --- (5) -> 6/8
    assert sign_flip_p([3, 1, 1])[0] == pytest.approx(2 / 8)
    assert sign_flip_p([3, -1, 1])[0] == pytest.approx(6 / 8)


def test_sign_flip_monte_carlo_is_deterministic_and_small_for_a_clear_shift():
    d = [0.1 + 0.01 * i for i in range(20)]  # 20 non-zero: Monte Carlo
    p1, min_p, method = sign_flip_p(d)
    assert p1 == sign_flip_p(d)[0]
    assert "draws" in method
    assert p1 == pytest.approx(1 / 20001)  # no random flip reaches the all-positive sum
    assert min_p >= 1 / 20001


def test_mcnemar_exact_values():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(7, 0) == pytest.approx(2 * 0.5 ** 7)  # 0.015625
    assert mcnemar_exact(3, 3) == 1.0
    # 1 vs 4: 2 * P(X <= 1 | n=5) = 2 * 6/32
    assert mcnemar_exact(1, 4) == pytest.approx(12 / 32)


def test_bootstrap_ci():
    assert bootstrap_ci([0.2, 0.2, 0.2]) == (0.2, 0.2)
    lo, hi = bootstrap_ci([-0.5, -0.4, -0.6, -0.5, -0.3], seed=1)
    assert -0.6 <= lo <= -0.5 <= hi <= -0.3
    assert (lo, hi) == bootstrap_ci([-0.5, -0.4, -0.6, -0.5, -0.3], seed=1)


# ------------------------------------------------------------------ runs
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    a = make_run(root / "a", TINY, references(TINY))
    b = make_run(root / "b", TINY, cut_references(TINY))
    rows = gold_rows(TINY)
    rows[0]["facts"][0]["statement"] = "The Elm Street bridge closes for six weeks."  # annotation edit
    gold2 = root / "tiny-edited.jsonl"
    gold2.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    c = make_run(root / "c", gold2, references(TINY))
    return {"a": a, "b": b, "c": c, "root": root}


def test_identical_runs_have_no_difference(runs):
    run_a, recs_a = load_run(runs["a"])
    comp = compare_runs(run_a, recs_a, run_a, recs_a)
    (m,) = comp.models
    for d in m.metrics.values():
        assert d.diff == 0 and d.p_value == 1.0 and d.n == 2
    assert not m.lost and not m.gained and not m.new_traps and m.mcnemar_p == 1.0


def test_cut_summaries_lose_named_facts(runs):
    run_a, recs_a = load_run(runs["a"])
    run_b, recs_b = load_run(runs["b"])
    articles, why = run_articles(run_b, runs["b"])
    assert why is None
    comp = compare_runs(run_a, recs_a, run_b, recs_b, articles)
    (m,) = comp.models
    lost = {(f.article_id, f.fact_id) for f in m.lost}
    assert ("tiny-bridge", "approval") in lost and ("tiny-trial", "larger") in lost
    approval = next(f for f in m.lost if f.fact_id == "approval")
    assert approval.status_a == "covered" and approval.status_b == "missing"
    assert "state transport agency" in approval.statement
    cov = m.metrics["coverage"]
    assert cov.diff < 0 and cov.ci_high <= 0
    assert cov.p_value == pytest.approx(0.5)  # two articles, both dropped: 2 / 2**2
    assert m.mcnemar_p == pytest.approx(mcnemar_exact(len(m.lost), 0))


def test_different_annotations_are_refused_unless_forced(runs):
    run_a, recs_a = load_run(runs["a"])
    run_c, recs_c = load_run(runs["c"])
    with pytest.raises(IncomparableRuns, match="annotations differ"):
        compare_runs(run_a, recs_a, run_c, recs_c)
    comp = compare_runs(run_a, recs_a, run_c, recs_c, force=True)
    assert any("annotations" in d for d in comp.differences)
    assert not any("articles differ" in d for d in comp.differences)


def test_different_scorer_settings_are_refused(runs):
    run_a, recs_a = load_run(runs["a"])
    other = json.loads(json.dumps(run_a))
    other["scorers"]["coverage"] = "coverage:hints+lexical:cov=0.7:part=0.4"
    with pytest.raises(IncomparableRuns, match="coverage scorer settings differ"):
        compare_runs(run_a, recs_a, other, recs_a)


def test_single_models_with_different_names_are_paired(tmp_path):
    a = make_run(tmp_path / "a", TINY, references(TINY, model="old"))
    b = make_run(tmp_path / "b", TINY, cut_references(TINY, model="new"))
    comp = compare_runs(*load_run(a), *load_run(b))
    assert [(m.model_a, m.model) for m in comp.models] == [("old", "new")]
    assert comp.notes


def test_cli_compare_json_and_refusal(runs, capsys, tmp_path):
    out = tmp_path / "cmp.json"
    assert main(["compare", str(runs["a"]), str(runs["b"]), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "lost   tiny-bridge/approval" in text
    data = json.loads(out.read_text())
    assert data["models"][0]["metrics"]["coverage"]["diff"] < 0
    assert {f["fact_id"] for f in data["models"][0]["lost"]} >= {"approval", "larger"}
    assert main(["compare", str(runs["a"]), str(runs["c"])]) == 2
    assert "annotations differ" in capsys.readouterr().err
