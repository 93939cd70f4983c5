"""The CLI driven end to end on the tiny gold set, with golden run.json/report.md.

Golden files come from a deterministic run (lead and reference baselines); regenerate them after
an intended scorer change with ``UPDATE_GOLDEN=1 python -m pytest tests/test_cli_end_to_end.py``
(only then are they written: a missing golden file fails the test)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
VOLATILE = ("created", "timings", "versions")


def _stable_run_json(path: Path) -> dict:
    run = json.loads(path.read_text(encoding="utf-8"))
    for key in VOLATILE:
        run.pop(key, None)
    run["config"].pop("output_dir", None)
    run["dataset"].pop("resolved_path", None)
    return run


UPDATE_HINT = "UPDATE_GOLDEN=1 python -m pytest tests/test_cli_end_to_end.py"


def _check_golden(name: str, actual: str) -> None:
    """Compare ``actual`` with tests/golden/``name``. The file is written only when the
    environment has ``UPDATE_GOLDEN=1``; a missing golden file fails (never silently created,
    or a test that cannot fail would pass on its first run)."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    assert path.is_file(), f"{path}: no golden file; create it with {UPDATE_HINT}"
    assert actual == path.read_text(encoding="utf-8"), \
        f"{name} differs from the golden file; after an intended change, rewrite it with {UPDATE_HINT}"


def test_golden_files_are_written_only_with_update_golden_1(tmp_path, monkeypatch):
    """A missing golden file fails with the command that creates it, and is not created;
    ``UPDATE_GOLDEN=1`` writes it; any other value (``0``) writes nothing."""
    monkeypatch.setitem(globals(), "GOLDEN", tmp_path)
    for value in (None, "0", "true"):
        if value is None:
            monkeypatch.delenv("UPDATE_GOLDEN", raising=False)
        else:
            monkeypatch.setenv("UPDATE_GOLDEN", value)
        with pytest.raises(AssertionError, match="create it with UPDATE_GOLDEN=1 python -m pytest"):
            _check_golden("new.md", "text\n")
        assert not (tmp_path / "new.md").exists()
    monkeypatch.setenv("UPDATE_GOLDEN", "1")
    _check_golden("new.md", "text\n")
    assert (tmp_path / "new.md").read_text(encoding="utf-8") == "text\n"
    monkeypatch.delenv("UPDATE_GOLDEN")
    _check_golden("new.md", "text\n")  # now it exists and matches
    with pytest.raises(AssertionError, match="differs from the golden file"):
        _check_golden("new.md", "other\n")


def test_eval_writes_the_four_result_files_matching_golden(cli, tmp_path):
    code, out, err = cli("eval", "--config", "tests/data/tiny.yaml", "--set", f"output_dir={tmp_path}", "--quiet")
    assert code == 0, err
    run_dir = tmp_path / "tiny"
    for name in ("run.json", "scores.jsonl", "summaries.jsonl", "report.md"):
        assert (run_dir / name).is_file(), name
    assert "lead-2" in out and "coverage" in out
    _check_golden("tiny.run.json", json.dumps(_stable_run_json(run_dir / "run.json"), indent=2, sort_keys=True) + "\n")
    _check_golden("tiny.report.md", (run_dir / "report.md").read_text(encoding="utf-8"))


def test_same_inputs_give_byte_identical_scores(cli, tmp_path):
    for sub in ("a", "b"):
        assert cli("eval", "--config", "tests/data/tiny.yaml", "--set", f"output_dir={tmp_path / sub}", "--quiet")[0] == 0
    a = (tmp_path / "a/tiny/scores.jsonl").read_bytes()
    b = (tmp_path / "b/tiny/scores.jsonl").read_bytes()
    assert a == b


def test_score_saved_summaries_and_exit_codes(cli, tmp_path, tiny_gold):
    summaries = tmp_path / "s.jsonl"
    summaries.write_text(
        json.dumps({"model": "m", "article_id": "tiny-bridge", "summary": "The Elm Street bridge closes for six weeks."}) + "\n"
        + json.dumps({"model": "m", "article_id": "tiny-trial", "summary": "Lumetra cut migraine days by 40 percent."}) + "\n",
        encoding="utf-8")
    code, out, err = cli("score", "--gold", tiny_gold, "--summaries", summaries, "--out", tmp_path / "run", "--quiet")
    assert code == 0, err
    lines = [json.loads(x) for x in (tmp_path / "run/scores.jsonl").read_text().splitlines()]
    assert {r["article_id"] for r in lines} == {"tiny-bridge", "tiny-trial"}
    bridge = next(r for r in lines if r["article_id"] == "tiny-bridge")
    assert {f["id"]: f["status"] for f in bridge["facts"]}["closure"] == "covered"


def test_score_refuses_unknown_article_with_file_and_line(cli, tmp_path, tiny_gold):
    summaries = tmp_path / "s.jsonl"
    summaries.write_text(json.dumps({"model": "m", "article_id": "nope", "summary": "x"}) + "\n", encoding="utf-8")
    code, out, err = cli("score", "--gold", tiny_gold, "--summaries", summaries, "--out", tmp_path / "run")
    assert code == 2
    assert f"{summaries}:1: article_id" in err and "Traceback" not in err


def test_validate_passes_and_broken_copy_fails_with_file_line(cli, tmp_path, tiny_gold):
    assert cli("validate", tiny_gold)[0] == 0
    lines = tiny_gold.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[1])
    broken["facts"][0]["evidence"] = "a quote that is not there"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(lines[0] + "\n" + json.dumps(broken) + "\n", encoding="utf-8")
    code, out, err = cli("validate", bad)
    assert code == 2
    assert f"{bad}:2: facts[0].evidence" in err


def test_unknown_config_key_suggests_the_right_one(cli, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("dataset: tests/data/tiny.jsonl\nmodel: []\n", encoding="utf-8")
    code, out, err = cli("eval", "--config", cfg)
    assert code == 2 and "did you mean 'models'" in err.lower()


def test_eval_names_a_model_whose_generations_all_failed(cli, tmp_path):
    """Every generation failed (here: a refused connection): the run still writes its files and
    names the model, the count and the first reason; exit 0, failing is the gate's job."""
    cfg = tmp_path / "down.yaml"
    cfg.write_text(json.dumps({
        "dataset": str(GOLDEN.parent / "data" / "tiny.jsonl"), "run_id": "down", "output_dir": str(tmp_path),
        "models": [{"name": "lead-2", "backend": "lead", "sentences": 2},
                   {"name": "down", "backend": "openai", "base_url": "http://127.0.0.1:9/v1", "model": "m",
                    "max_retries": 0, "timeout": 1}]}))
    code, out, err = cli("eval", "--config", cfg, "--quiet")
    assert code == 0, err
    assert "unscored: 2 of 2 summaries of down; first reason: " in err
    assert "connection failed" in err and "lead-2" not in err
    assert (tmp_path / "down" / "report.md").is_file()


def test_eval_names_a_partly_unscored_model(cli, tmp_path):
    """One saved summary missing: named on stderr with the reason."""
    saved = tmp_path / "saved.jsonl"
    saved.write_text(json.dumps({"model": "saved", "article_id": "tiny-bridge",
                                 "summary": "The Riverton bridge will close for repairs."}) + "\n")
    cfg = tmp_path / "partly.yaml"
    cfg.write_text(json.dumps({
        "dataset": str(GOLDEN.parent / "data" / "tiny.jsonl"), "run_id": "partly", "output_dir": str(tmp_path),
        "models": [{"name": "saved", "backend": "file", "path": str(saved)}]}))
    code, out, err = cli("eval", "--config", cfg, "--quiet")
    assert code == 0, err
    assert "unscored: 1 of 2 summaries of saved; first reason: no saved summary for 'tiny-trial'" in err


def test_tables_list_the_models_in_config_order(cli, tmp_path):
    config = tmp_path / "order.yaml"
    config.write_text("dataset: tests/data/tiny.jsonl\nrun_id: order\nmodels:\n"
                      "  - {name: zeta-reference, backend: reference}\n"
                      "  - {name: alpha-lead, backend: lead, sentences: 2}\n", encoding="utf-8")
    code, out, err = cli("eval", "--config", config, "--set", f"output_dir={tmp_path}", "--quiet")
    assert code == 0, err
    assert out.index("zeta-reference") < out.index("alpha-lead")  # the console table
    for name in ("report.md", "report.html"):
        text = (tmp_path / "order" / name).read_text(encoding="utf-8")
        assert text.index("zeta-reference") < text.index("alpha-lead"), name
    code, _, err = cli("report", tmp_path / "order")  # re-rendered from run.json, whose keys are sorted
    assert code == 0, err
    text = (tmp_path / "order" / "report.md").read_text(encoding="utf-8")
    assert text.index("zeta-reference") < text.index("alpha-lead")


def test_score_with_the_eval_config_gates_against_the_eval_run(cli, tmp_path):
    config = tmp_path / "strict.yaml"
    config.write_text("dataset: tests/data/tiny.jsonl\nrun_id: base\nmodels:\n  - {name: lead-2, backend: lead, sentences: 2}\n"
                      "scorers:\n  coverage: {covered_threshold: 0.6}\n  hallucination: {}\n", encoding="utf-8")
    assert cli("eval", "--config", config, "--set", f"output_dir={tmp_path}", "--quiet")[0] == 0
    saved = tmp_path / "base" / "summaries.jsonl"
    # the same summaries scored with the config's scorer settings: comparable, and the gate passes
    code, _, err = cli("score", "--config", config, "--summaries", saved, "--out", tmp_path / "rescored", "--quiet")
    assert code == 0, err
    code, out, err = cli("gate", "--baseline", tmp_path / "base", "--candidate", tmp_path / "rescored")
    assert code == 0, out + err
    # scored with the default settings instead: refused, naming the setting and how to align them
    code, _, err = cli("score", "--gold", "tests/data/tiny.jsonl", "--summaries", saved, "--out", tmp_path / "plain",
                       "--quiet")
    assert code == 0, err
    code, out, err = cli("gate", "--baseline", tmp_path / "base", "--candidate", tmp_path / "plain")
    assert code == 2
    assert "coverage scorer settings differ: cov 0.6 vs 0.5" in err and "harness score --config" in err
