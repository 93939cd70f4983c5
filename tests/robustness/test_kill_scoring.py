"""SIGKILL during scoring loses no completed work: ``harness eval`` (real scorers, in a child
process) is killed once score batches are committed to the score cache; the folder it leaves is
never read as a finished run; the same command run again reuses every committed score, says how
many, scores only the rest, and writes a ``scores.jsonl`` byte-identical to a clean run's."""

from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.errors import HarnessError
from harness.results import load_run, read_jsonl

from .conftest import REPO, assert_clean_failure, harness_env

COPIES = 40
PAIRS = 2 * COPIES
"""One model (lead-2) over 80 articles: score batches of 32, 32 and 16."""
BATCH = 32
DEADLINE_S = 240.0
NAMES = ["".join(p) for p in itertools.product(["Ash", "Brook", "Cal", "Dun", "Fen", "Glen", "Hol", "Kir"],
                                                ["ton", "ford", "bury", "wick", "more", "field"])]


def write_workload(folder: Path) -> Path:
    """``COPIES`` variants of each tiny article (own id, and an own town or drug name so that no
    two summaries or source sentences are the same: every batch is real work), and a config."""
    rows = (REPO / "tests" / "data" / "tiny.jsonl").read_text(encoding="utf-8").splitlines()
    with (folder / "copies.jsonl").open("w", encoding="utf-8") as f:
        for k in range(COPIES):
            for line in rows:
                article_id = json.loads(line)["id"]
                f.write(line.replace("Riverton", NAMES[k]).replace("Lumetra", NAMES[k] + "ex")
                        .replace(f'"{article_id}"', f'"{article_id}-{k}"') + "\n")
    config = folder / "kill.yaml"
    config.write_text("dataset: copies.jsonl\nrun_id: kill\nbootstrap: 50\n"
                      "models:\n  - {name: lead-2, backend: lead, sentences: 2}\n", encoding="utf-8")
    return config


def committed_scores(cache: Path) -> int:
    """Rows committed to the score cache under ``cache`` (read-only; 0 until it exists)."""
    db = cache / "scores.sqlite"
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM scores").fetchone()[0])
    except sqlite3.Error:  # not created yet
        return 0


def start(folder: Path, config: Path, label: str, *extra: str) -> subprocess.Popen:
    """``harness eval`` of ``config`` into ``folder/<label>`` with the cache ``folder/cache-<label>``,
    its output in ``folder/<label>.out`` and ``.err``."""
    env = harness_env(HARNESS_CACHE_DIR=str(folder / f"cache-{label}"))
    with open(folder / f"{label}.out", "wb") as out, open(folder / f"{label}.err", "wb") as err:
        return subprocess.Popen([sys.executable, "-m", "harness", "eval", "--config", str(config),
                                 "--set", f"output_dir={folder / label}", *extra],
                                cwd=folder, env=env, stdout=out, stderr=err)


def finish(proc: subprocess.Popen, folder: Path, label: str, timeout: float = DEADLINE_S) -> str:
    """Wait for ``proc``; exit code 0 and no traceback expected; returns its stderr."""
    rc = proc.wait(timeout=timeout)
    err = (folder / f"{label}.err").read_text(encoding="utf-8", errors="replace")
    assert rc == 0 and "Traceback" not in err, (rc, err[-3000:])
    return err


def test_sigkill_during_scoring_loses_no_completed_work(tmp_path, cli):
    config = write_workload(tmp_path)
    victim_dir = tmp_path / "victim" / "kill"
    # An earlier finished run of the same run_id lives in the folder the victim writes to.
    victim_dir.mkdir(parents=True)
    shutil.copy(REPO / "tests" / "golden" / "tiny.run.json", victim_dir / "run.json")
    (victim_dir / "report.md").write_text("# an earlier run\n", encoding="utf-8")

    # The clean run (own folder, own fresh cache) runs alongside the victim: both are sequential
    # work, and two cores finish them sooner side by side.
    clean = start(tmp_path, config, "clean", "--quiet")
    victim = start(tmp_path, config, "victim", "--quiet")
    try:
        deadline = time.monotonic() + DEADLINE_S
        while committed_scores(tmp_path / "cache-victim") < BATCH:
            if victim.poll() is not None:
                pytest.fail(f"the victim ended (exit {victim.returncode}) before a score batch was committed: "
                            + (tmp_path / "victim.err").read_text(errors="replace")[-2000:])
            if time.monotonic() > deadline:
                pytest.fail(f"no score batch committed within {DEADLINE_S:.0f} s")
            time.sleep(0.02)
        victim.send_signal(signal.SIGKILL)
        assert victim.wait(timeout=60) == -signal.SIGKILL
    finally:
        if victim.poll() is None:
            victim.kill()
    kept = committed_scores(tmp_path / "cache-victim")
    assert BATCH <= kept < PAIRS, f"{kept} scores committed: the kill must land mid-scoring (make the workload bigger)"

    # The interrupted folder is not a run: the earlier run.json and report are gone, the streamed
    # lines so far are intact.
    assert not (victim_dir / "run.json").exists() and not (victim_dir / "report.md").exists()
    with pytest.raises(HarnessError, match="run.json is missing"):
        load_run(victim_dir)
    assert_clean_failure(cli("report", victim_dir), "run.json is missing")
    assert len(list(read_jsonl(victim_dir / "scores.jsonl"))) >= BATCH

    finish(clean, tmp_path, "clean")
    clean_dir = tmp_path / "clean" / "kill"
    info = json.loads((clean_dir / "run.json").read_text(encoding="utf-8"))["models"]["lead-2"]
    assert (info["scores_reused"], info["scores_computed"]) == (0, PAIRS)

    # The same command again (with its console lines): reuses what was committed, scores the rest.
    err = finish(start(tmp_path, config, "victim"), tmp_path, "victim")
    assert f"lead-2: reused {kept} cached scores, computed {PAIRS - kept}" in err, err[-3000:]
    run, records = load_run(victim_dir)
    assert (run["models"]["lead-2"]["scores_reused"], run["models"]["lead-2"]["scores_computed"]) == (kept, PAIRS - kept)
    assert len(records) == PAIRS and not any(r.unscored for r in records)
    assert committed_scores(tmp_path / "cache-victim") == PAIRS
    assert (victim_dir / "scores.jsonl").read_bytes() == (clean_dir / "scores.jsonl").read_bytes()
