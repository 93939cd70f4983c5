"""Shared fixtures: paths to the fixture data and a helper that runs the CLI in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared"


@pytest.fixture
def tiny_gold() -> Path:
    """Two short articles written for the tests (tests/data/tiny.jsonl)."""
    return DATA / "tiny.jsonl"


@pytest.fixture
def cli(capsys):
    """Run ``harness ARGS...`` in-process; returns (exit code, stdout, stderr)."""
    from harness.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own generation and score cache (never the user's)."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path_factory.mktemp("harness-cache")))
