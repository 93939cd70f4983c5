"""The GitHub Actions example runs as written: its ``run:`` steps, executed in order in a fresh
clone and a fresh virtual environment, install the harness, evaluate a candidate, gate it against
a committed baseline and write the JUnit file and the pull-request Markdown (slow: it installs the
[models] extra and loads SmolLM2, minutes).

The ``uses:`` steps are GitHub's own actions (checkout, setup-python, cache, upload, the JUnit
check, the comment); they stand in here as a clone, a virtual environment and the shared
``HARNESS_CACHE_DIR``. The ``${{ ... }}`` expressions the ``run:`` steps use are filled in the
way the runner fills them, and each ``if:`` is decided as the runner would decide it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "summarizer-regression.yml"

CANDIDATE = """\
dataset: benchmarks/news/articles.jsonl
models:
  - {name: lead-3, backend: lead, sentences: 3}
scorers:
  coverage: {}
  hallucination: {lm: smollm2-135m-instruct}
gate: {max_coverage_drop: 0.02}
"""


def _expand(text: str, outputs: dict[str, str], workspace: Path) -> str:
    """The runner's ``${{ ... }}`` substitution, for the expressions this workflow uses."""
    def one(m: re.Match) -> str:
        expr = m.group(1).strip()
        if expr == "github.workspace":
            return str(workspace)
        step = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", expr)
        if step:
            return outputs.get(f"{step.group(1)}.{step.group(2)}", "")
        raise AssertionError(f"the test does not know the expression {expr!r}: teach it")
    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def _runs(condition: str | None, outputs: dict[str, str], failed: bool) -> bool:
    """Whether a step runs: no ``if:`` runs unless an earlier step failed; ``always()`` runs;
    a comparison of a step output is evaluated."""
    if condition is None:
        return not failed
    if condition.startswith("always()"):
        return "github.event" not in condition  # the comment step needs a pull request
    m = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) != '(.*)'", condition.strip())
    assert m, f"the test does not know the condition {condition!r}: teach it"
    return not failed and outputs.get(f"{m.group(1)}.{m.group(2)}", "") != m.group(3)


@pytest.mark.slow
def test_the_workflow_run_steps_pass_in_a_fresh_clone_and_venv(tmp_path):
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    steps = workflow["jobs"]["gate"]["steps"]
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", VIRTUAL_ENV=str(venv),
               HARNESS_CACHE_DIR=os.environ.get("HARNESS_CACHE_DIR", str(tmp_path / "cache")))
    env.update({k: _expand(str(v), {}, clone) for k, v in workflow["env"].items() if k != "HARNESS_CACHE_DIR"})
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    env.update(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary))
    (clone / env["CONFIG"]).write_text(CANDIDATE, encoding="utf-8")  # what the user adds

    outputs: dict[str, str] = {}
    failed, ran = False, []
    for step in steps:
        if "run" not in step or not _runs(step.get("if"), outputs, failed):
            continue
        output.write_text("", encoding="utf-8")
        script = _expand(step["run"], outputs, clone)
        res = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=clone,
                             env=env, capture_output=True, text=True, timeout=1800)
        ran.append(step["name"])
        for line in output.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            outputs[f"{step.get('id', '')}.{key}"] = value
        assert res.returncode == 0, f"step {step['name']!r} failed:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        if step["name"].startswith("Install"):  # then the baseline the user commits from main
            base = subprocess.run(["harness", "eval", "--config", env["CONFIG"], "--set", "output_dir=baselines",
                                   "--set", "run_id=main", "--quiet"], cwd=clone, env=env,
                                  capture_output=True, text=True, timeout=1800)
            assert base.returncode == 0, base.stderr[-3000:]

    assert ran[0].startswith("Install") and "Gate against the baseline" in ran
    assert outputs["gate.exit_code"] == "0"  # the same config as the baseline: a pass
    assert "Fail on a regression or error" not in ran
    junit = clone / "results" / "gate-junit.xml"
    assert "<testsuite" in junit.read_text(encoding="utf-8")
    assert summary.read_text(encoding="utf-8").startswith("<!-- harness-gate -->")
