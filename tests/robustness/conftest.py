"""Helpers for the robustness suite: drive the CLI in-process (or as a subprocess) and check
that an expected failure is a clean message, never a traceback."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from harness.cli import main

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[2]


class CliResult:
    """Exit code and captured output of one ``harness`` invocation."""

    def __init__(self, rc: int, out: str, err: str):
        self.rc, self.out, self.err = rc, out, err

    @property
    def text(self) -> str:
        return self.out + self.err

    def __repr__(self) -> str:  # shown by pytest when an assertion fails
        return f"CliResult(rc={self.rc}, out={self.out[-1500:]!r}, err={self.err[-3000:]!r})"


@pytest.fixture
def cli(capsys):
    """``cli("validate", path)`` -> :class:`CliResult`; a leaked exception fails the test with
    its traceback (that is exactly what a user must never see)."""

    def run(*argv: object) -> CliResult:
        capsys.readouterr()
        try:
            rc = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse errors
            rc = exc.code if isinstance(exc.code, int) else 2
        except Exception:  # noqa: BLE001
            out, err = capsys.readouterr()
            pytest.fail(f"harness {' '.join(map(str, argv))} leaked an exception:\n"
                        f"{traceback.format_exc()}\nstderr: {err}")
        out, err = capsys.readouterr()
        return CliResult(rc, out, err)

    return run


@pytest.fixture
def stub_scorers(monkeypatch):
    """Instant, deterministic scorers in place of the real ones (for plumbing tests)."""
    from harness import scorers
    from harness.registry import Registry

    from .stubs import STUBS

    monkeypatch.setattr(scorers, "REGISTRY", Registry("scorer", {**scorers.REGISTRY.entries(), **STUBS}))


def harness_env(*path_first: Path, **extra: str) -> dict[str, str]:
    """The environment of a child ``python -m harness``: this checkout and the tests importable,
    the folders ``path_first`` searched before them (e.g. one that hides a package), plus the
    variables ``extra`` (e.g. ``HARNESS_CACHE_DIR``)."""
    tests_dir = Path(__file__).resolve().parent.parent
    path = [*map(str, path_first), str(REPO), str(tests_dir), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path), **extra}


def run_subprocess(*argv: object, cwd: Path | None = None, timeout: float = 120,
                   stubs: bool = False, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``python -m harness ...`` in a real process (bytes out, so ESC bytes can be checked);
    ``stubs``: with the stub scorers of :mod:`.stubs`; ``env``: default :func:`harness_env`."""
    module = [f"{__package__}.stubs"] if stubs else ["harness"]
    return subprocess.run([sys.executable, "-m", *module, *map(str, argv)], cwd=cwd,
                          env=harness_env() if env is None else env, capture_output=True, timeout=timeout)


def assert_clean_failure(res: CliResult, *places: str, rc: int = 2) -> None:
    """Exit code ``rc``, no traceback, and every expected place (file, line, field) named."""
    assert res.rc == rc, res
    assert "Traceback" not in res.text, res
    assert "\x1b" not in res.text, res
    for place in places:
        assert place in res.err, (place, res)


@pytest.fixture
def good_gold(tmp_path) -> Path:
    """A copy of the valid gold set in a temporary folder."""
    dst = tmp_path / "good.jsonl"
    shutil.copy(DATA / "good.jsonl", dst)
    return dst


@pytest.fixture
def good_summaries(tmp_path) -> Path:
    dst = tmp_path / "good_summaries.jsonl"
    shutil.copy(DATA / "good_summaries.jsonl", dst)
    return dst


def write_config(folder: Path, text: str, name: str = "config.yaml") -> Path:
    """A config file in ``folder`` (its relative paths resolve against ``folder``)."""
    p = folder / name
    p.write_text(text, encoding="utf-8")
    return p


class TimeLimit(BaseException):
    """Raised by :func:`time_limit`; a BaseException so no ``except Exception`` swallows it."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Interrupt the block after ``seconds`` (SIGALRM; main thread only)."""

    def on_alarm(signum, frame):
        raise TimeLimit(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
