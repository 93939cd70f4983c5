"""Crash safety of the results files: ``run.json`` is replaced atomically (a failure mid-write
leaves the old file intact, and a half-written file is never read as valid); a last line of
``scores.jsonl``/``summaries.jsonl`` cut short by a crash is tolerated by readers, a corrupt
line elsewhere is reported with its line number."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from harness import results
from harness.errors import HarnessError, InputError
from harness.results import load_run, read_jsonl, write_atomic

from .conftest import DATA, assert_clean_failure


def test_write_atomic_replaces_whole_file(tmp_path):
    p = tmp_path / "run.json"
    write_atomic(p, '{"old": true}\n')
    write_atomic(p, '{"new": true}\n')
    assert json.loads(p.read_text()) == {"new": True}
    assert [x.name for x in tmp_path.iterdir()] == ["run.json"]


@pytest.mark.parametrize("fail_at", ["write", "fsync", "replace"])
def test_failure_mid_write_leaves_old_file_intact(tmp_path, monkeypatch, fail_at):
    p = tmp_path / "run.json"
    old = json.dumps({"models": {}, "version": 1}, indent=2) + "\n"
    p.write_text(old, encoding="utf-8")

    class Boom(OSError):
        pass

    if fail_at == "write":
        real_fdopen = os.fdopen

        class HalfWriter:
            """Writes the first half of the text, then the disk 'fills up'."""

            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, text):
                self.f.write(text[: len(text) // 2])
                self.f.flush()
                raise Boom(28, "No space left on device")

            def __getattr__(self, name):
                return getattr(self.f, name)

        monkeypatch.setattr(results.os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    elif fail_at == "fsync":
        monkeypatch.setattr(results.os, "fsync", lambda fd: (_ for _ in ()).throw(Boom(5, "I/O error")))
    else:
        monkeypatch.setattr(results.os, "replace", lambda a, b: (_ for _ in ()).throw(Boom(5, "I/O error")))
    new = json.dumps({"models": {"m": {}}, "version": 2, "pad": "x" * 100_000})
    with pytest.raises(Boom):
        write_atomic(p, new)
    assert p.read_text(encoding="utf-8") == old
    assert [x.name for x in tmp_path.iterdir()] == ["run.json"], "no temp file left behind"


@pytest.fixture
def run_dir(tmp_path, cli, monkeypatch, stub_scorers):
    """A finished run of the good config (lead + reference, 2 articles each; stub scorers)."""
    monkeypatch.chdir(tmp_path)
    for name in ("good.jsonl", "good.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    res = cli("eval", "--config", tmp_path / "good.yaml", "--quiet")
    assert res.rc == 0, res
    return tmp_path / "results" / "good"


def test_half_written_run_json_is_never_read_as_valid(run_dir, cli):
    p = run_dir / "run.json"
    full = p.read_bytes()
    for cut in (1, len(full) // 3, len(full) - 3):
        p.write_bytes(full[:cut])
        with pytest.raises(InputError, match="run.json"):
            load_run(run_dir)
        assert_clean_failure(cli("report", run_dir), "run.json")
    p.write_text("[]", encoding="utf-8")
    assert_clean_failure(cli("report", run_dir), "run.json", "not a run file")
    p.write_bytes(full)
    assert cli("report", run_dir).rc == 0


@pytest.mark.parametrize("name", ["scores.jsonl", "summaries.jsonl"])
def test_truncated_last_line_is_tolerated(run_dir, name):
    p = run_dir / name
    data = p.read_bytes()
    n = data.count(b"\n")
    p.write_bytes(data[:-30])  # the last line loses its end (and its newline): a crash mid-write
    rows = list(read_jsonl(p))
    assert [line for line, _ in rows] == list(range(1, n))


def test_report_and_score_work_after_a_crash(run_dir, cli, tmp_path):
    """``harness report`` reads a scores.jsonl whose last line was cut; ``harness score`` re-scores
    a crashed summaries.jsonl (its complete lines)."""
    scores = run_dir / "scores.jsonl"
    scores.write_bytes(scores.read_bytes()[:-50])
    res = cli("report", run_dir)
    assert res.rc == 0, res
    summaries = run_dir / "summaries.jsonl"
    summaries.write_bytes(summaries.read_bytes()[:-10])
    res = cli("score", "--gold", tmp_path / "good.jsonl", "--summaries", summaries, "--out", tmp_path / "rescored", "--quiet")
    assert res.rc == 0, res
    assert len((tmp_path / "rescored" / "scores.jsonl").read_text().splitlines()) == 3


@pytest.mark.parametrize("name", ["scores.jsonl", "summaries.jsonl"])
def test_corrupt_middle_line_is_reported_with_its_number(run_dir, name):
    p = run_dir / name
    lines = p.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1][: len(lines[1]) // 2]
    lines[2] = "[1, 2]"
    p.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(read_jsonl(p))
    msg = str(info.value)
    assert f"{p}:2" in msg and f"{p}:3" in msg and "expected a JSON object" in msg


def test_corrupt_scores_line_through_the_cli(run_dir, cli):
    p = run_dir / "scores.jsonl"
    lines = p.read_text(encoding="utf-8").split("\n")
    lines[0] = "{not json"
    lines[2] = json.dumps({"model": "x", "facts": "oops"})
    p.write_text("\n".join(lines), encoding="utf-8")
    res = cli("report", run_dir)
    assert_clean_failure(res, f"{p}:1")
    lines[0] = lines[1]
    p.write_text("\n".join(lines), encoding="utf-8")
    assert_clean_failure(cli("report", run_dir), f"{p}:3", "not a score record")


def test_non_utf8_results_files(run_dir, cli):
    p = run_dir / "scores.jsonl"
    p.write_bytes(p.read_bytes().replace(b"lead-1", b"lead-\xff", 1))
    assert_clean_failure(cli("report", run_dir), "scores.jsonl", "UTF-8")
    (run_dir / "run.json").write_bytes(b"\xff\xfe{}")
    assert_clean_failure(cli("report", run_dir), "run.json", "UTF-8")


def test_incomplete_run_folder(cli, tmp_path):
    assert_clean_failure(cli("report", tmp_path), "run.json is missing")


def test_unwritable_output_is_a_clean_error(cli, tmp_path, good_gold, good_summaries):
    """``--out`` naming an existing file: an OS error message, not a traceback."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = cli("score", "--gold", good_gold, "--summaries", good_summaries, "--out", blocker / "sub", "--quiet")
    assert_clean_failure(res, "a-file")


@pytest.mark.parametrize("command", ["eval", "score"])
def test_interrupted_rerun_leaves_no_earlier_run_json(run_dir, cli, tmp_path, monkeypatch, command):
    """A run into the folder of a finished run, dying before it finishes, leaves no ``run.json``
    (the earlier run's would be read as valid over the new, partial ``scores.jsonl``)."""
    from harness import pipeline

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # a crash after the scores were streamed, before run.json

    monkeypatch.setattr(pipeline, "finish", crash)
    if command == "eval":
        res = cli("eval", "--config", tmp_path / "good.yaml", "--quiet")
    else:
        summaries = shutil.copy(run_dir / "summaries.jsonl", tmp_path / "saved.jsonl")
        res = cli("score", "--gold", tmp_path / "good.jsonl", "--summaries", summaries, "--out", run_dir, "--quiet")
    assert res.rc == 130, res
    assert {p.name for p in run_dir.iterdir()} == {"scores.jsonl", "summaries.jsonl"}
    with pytest.raises(HarnessError, match="run.json is missing"):
        load_run(run_dir)
