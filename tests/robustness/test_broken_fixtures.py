"""Every broken fixture under ``data/broken/`` through the commands that read it: a non-zero
exit, a message naming the place (file, and line or key), no traceback, nothing executed.

``gold/*``: ``harness validate``, ``harness score`` and ``harness eval``; ``summaries/*``:
``harness score``; ``configs/*``: ``harness eval``. ``expect.json`` lists, per fixture, the
places its message must name (add an entry with every new fixture)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import DATA, assert_clean_failure, write_config

BROKEN = DATA / "broken"
EXPECT: dict[str, list[str]] = json.loads((BROKEN / "expect.json").read_text(encoding="utf-8"))
FIXTURES = sorted(str(p.relative_to(BROKEN)) for p in BROKEN.glob("*/*") if p.is_file())
MARKER = Path("/tmp/harness-robust-pwned")


def test_every_fixture_has_expectations():
    assert sorted(EXPECT) == FIXTURES


def _runs(rel: str, tmp_path: Path, path: Path) -> list[list[object]]:
    kind = rel.split("/")[0]
    out = tmp_path / "out"
    if kind == "gold":
        cfg = write_config(tmp_path, f"dataset: {path}\nrun_id: broken\nmodels:\n  - {{name: lead, backend: lead}}\n")
        return [["validate", path],
                ["score", "--gold", path, "--summaries", DATA / "good_summaries.jsonl", "--out", out, "--quiet"],
                ["eval", "--config", cfg, "--quiet"]]
    if kind == "summaries":
        return [["score", "--gold", DATA / "good.jsonl", "--summaries", path, "--out", out, "--quiet"]]
    return [["eval", "--config", path, "--quiet"]]


@pytest.mark.parametrize("rel", FIXTURES)
def test_broken_fixture_fails_cleanly(cli, tmp_path, monkeypatch, rel):
    monkeypatch.chdir(tmp_path)
    MARKER.unlink(missing_ok=True)
    path = BROKEN / rel
    for argv in _runs(rel, tmp_path, path):
        res = cli(*argv)
        assert res.rc != 0, (argv, res)
        assert_clean_failure(res, rel.split("/")[-1], *EXPECT.get(rel, []), rc=res.rc)
        if argv[0] == "validate" or rel.startswith("summaries/") or rel.startswith("gold/"):
            # gold and summaries messages name the file with its line: PATH:LINE
            assert any(f"{path}:{ch}" in res.err for ch in "123456789") or "holds no" in res.err, res
    assert not MARKER.exists(), "a YAML tag was executed"
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()
    assert not (tmp_path.parent / "etc").exists()
