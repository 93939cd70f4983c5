"""Bad summaries files through ``harness score`` (and the ``file`` backend of ``harness eval``):
clear messages naming file, line and field, all problems at once, exit 2; exit 1 when a summary
could not be scored."""

from __future__ import annotations

import json

import pytest

from harness.errors import InputError
from harness.summarizers.file import read_summaries

from .conftest import DATA, assert_clean_failure, write_config

GOOD = [json.loads(line) for line in (DATA / "good_summaries.jsonl").read_text(encoding="utf-8").splitlines()]


def row(i: int = 0, **changes) -> dict:
    r = dict(GOOD[i])
    for k, v in changes.items():
        if v is None:
            r.pop(k, None)
        else:
            r[k] = v
    return r


def lines(*rows) -> bytes:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows).encode()


CASES = [
    ("invalid-json-middle", lines(row(0), '{"model": "alpha", "article_id": ', row(1)), [":2", "invalid JSON"]),
    ("not-an-object", lines(row(0), '"just a string"'), [":2", "expected a JSON object"]),
    ("missing-summary", lines(row(0), row(1, summary=None)), [":2: summary", "missing"]),
    ("misspelt-field", lines(row(0, summary=None, sumary="x")), [":1: sumary", "Did you mean 'summary'"]),
    ("summary-wrong-type", lines(row(0, summary=["a", "b"])), [":1: summary", "must be a string"]),
    ("model-wrong-type", lines(row(0, model=7)), [":1: model", "must be a string"]),
    ("meta-wrong-type", lines(row(0, meta="fast")), [":1: meta", "must be an object"]),
    ("empty-model", lines(row(0, model="  ")), [":1: model", "non-empty"]),
    ("ansi-in-model", lines(row(0, model="alpha\x1b[2J")), [":1: model", "control characters"]),
    ("unknown-article", lines(row(0), row(1, article_id="no-such-article")), [":2: article_id", "unknown article 'no-such-article'"]),
    ("duplicate-pair", lines(row(0), row(1), row(0, summary="again")), [":3: article_id", "duplicate summary"]),
    ("non-utf8", lines(row(0)) + b'{"model": "alpha", "article_id": "vell-frost", "summary": "\xff"}\n', [":2", "UTF-8"]),
    ("deep-nesting", lines(row(0), "{" * 10 + "[" * 40_000), [":2", "invalid JSON"]),
    ("empty-file", b"", ["holds no summaries"]),
]


@pytest.mark.parametrize("name,data,places", CASES, ids=[c[0] for c in CASES])
def test_bad_summaries_score(cli, tmp_path, good_gold, name, data, places):
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(data)
    res = cli("score", "--gold", good_gold, "--summaries", path, "--out", tmp_path / "out", "--quiet")
    assert_clean_failure(res, str(path), *places)


def test_all_problems_of_a_summaries_file_at_once(cli, tmp_path, good_gold):
    path = tmp_path / "many.jsonl"
    path.write_bytes(lines(row(0, summary=3), "nope", row(1, article_id="ghost"), row(2), row(2), row(3, extra=1)))
    res = cli("score", "--gold", good_gold, "--summaries", path, "--out", tmp_path / "out", "--quiet")
    assert_clean_failure(res, f"{path}:1: summary", f"{path}:2:", f"{path}:3: article_id",
                         f"{path}:5: article_id", f"{path}:6: extra")


def test_missing_summaries_file(cli, tmp_path, good_gold):
    res = cli("score", "--gold", good_gold, "--summaries", tmp_path / "none.jsonl", "--out", tmp_path / "o")
    assert_clean_failure(res, "none.jsonl", "not found")


def test_bom_crlf_and_truncated_last_line_are_fine(cli, tmp_path, good_gold, stub_scorers):
    """A byte-order mark and CRLF load; a last line cut short by a crash (no newline) is skipped
    with a warning, the complete lines are scored."""
    path = tmp_path / "crashed.jsonl"
    data = lines(*GOOD[:3]).replace(b"\n", b"\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + data + json.dumps(GOOD[3]).encode()[:40])
    rows, problems = read_summaries(path)
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [(p.line, p.severity) for p in problems] == [(4, "warning")]
    res = cli("score", "--gold", good_gold, "--summaries", path, "--out", tmp_path / "out", "--quiet")
    assert res.rc == 0, res
    assert f"{path}:4: warning: last line is cut short" in res.err
    scored = (tmp_path / "out" / "scores.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(scored) == 3


def test_complete_but_corrupt_last_line_is_an_error(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_bytes(lines(row(0), '{"model": "alpha"'))  # ends with a newline: not a crash artefact
    rows, problems = read_summaries(path)
    assert [(p.line, p.severity) for p in problems] == [(2, "error")]


def test_score_exit_1_when_a_summary_is_unscored(cli, tmp_path, good_gold, stub_scorers):
    """A scorer failing on one summary makes it *unscored* (with its reason) and the exit code 1."""
    rows = [dict(r) for r in GOOD]
    rows[2]["summary"] += " FAIL-SCORER"
    summaries = tmp_path / "s.jsonl"
    summaries.write_bytes(lines(*rows))
    res = cli("score", "--gold", good_gold, "--summaries", summaries, "--out", tmp_path / "out", "--quiet")
    assert res.rc == 1, res
    assert "Traceback" not in res.text
    recs = [json.loads(x) for x in (tmp_path / "out" / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    unscored = [r for r in recs if r["unscored"]]
    assert len(unscored) == 1 and "simulated scorer failure" in unscored[0]["unscored"]
    assert unscored[0]["coverage"] is None


def test_eval_file_backend_unknown_model_and_bad_file(cli, tmp_path, good_gold, good_summaries, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = write_config(tmp_path, f"dataset: {good_gold.name}\nrun_id: r\nmodels:\n"
                                 f"  - {{name: gamma, backend: file, path: {good_summaries}}}\n")
    res = cli("eval", "--config", cfg, "--quiet")
    assert_clean_failure(res, str(good_summaries), "no summaries for model 'gamma'", "'alpha', 'beta'")
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(lines(row(0), row(1, summary=None)))
    cfg = write_config(tmp_path, f"dataset: {good_gold.name}\nrun_id: r\nmodels:\n"
                                 f"  - {{name: alpha, backend: file, path: {bad}}}\n")
    res = cli("eval", "--config", cfg, "--quiet")
    assert_clean_failure(res, f"{bad}:2: summary")


def test_read_summaries_only_raises_input_error(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InputError):
        read_summaries(path)


def test_nan_from_a_scorer_is_unscored_not_a_crash(cli, tmp_path, good_gold, stub_scorers):
    rows = [dict(r) for r in GOOD]
    rows[1]["summary"] += " NAN-SCORE"
    summaries = tmp_path / "s.jsonl"
    summaries.write_bytes(lines(*rows))
    res = cli("score", "--gold", good_gold, "--summaries", summaries, "--out", tmp_path / "out", "--quiet")
    assert res.rc == 1, res
    recs = [json.loads(x) for x in (tmp_path / "out" / "scores.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["article_id"] for r in recs if r["unscored"]] == [rows[1]["article_id"]]
