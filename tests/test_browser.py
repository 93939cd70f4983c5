"""report.html in a real browser (headless Chromium): model output carrying script payloads must
show as text and execute nothing. Skipped only when no Chromium binary is installed.

The payloads would set ``document.title`` to PWNED and add an element with id ``pwned``; the
DOM Chromium serialises after running the page (``--dump-dom``) must show neither. A control page
with the same payload unescaped and no CSP proves the check can see execution at all.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report_helpers import TINY, make_run, references

CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome",
                                                         "google-chrome-stable")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary on PATH (apt-get install chromium)")

ACT = "document.title='PWNED';var d=document.createElement('div');d.id='pwned';document.body.appendChild(d)"
PAYLOADS = [f"<script>{ACT}</script>", f"<img src=x onerror=\"{ACT}\">", f"<svg onload=\"{ACT}\"></svg>"]


def dump_dom(page: Path, tmp: Path) -> str:
    """The DOM after Chromium has loaded ``page`` and run whatever it would run."""
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         f"--user-data-dir={tmp / 'profile'}", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=90)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_control_page_shows_that_execution_is_detectable(tmp_path):
    page = tmp_path / "control.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>control</title></head><body>{PAYLOADS[0]}</body></html>")
    dom = dump_dom(page, tmp_path)
    assert "<title>PWNED</title>" in dom and 'id="pwned"' in dom


def test_report_with_script_payloads_executes_nothing(tmp_path):
    sums = references(TINY)
    sums[0]["summary"] = PAYLOADS[0] + " " + sums[0]["summary"] + " " + PAYLOADS[1]
    sums[1]["summary"] = PAYLOADS[2] + " " + sums[1]["summary"]
    run = make_run(tmp_path / "run", TINY, sums)
    dom = dump_dom(run / "report.html", tmp_path)
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title == "Summarizer evaluation: run"
    assert 'id="pwned"' not in dom and "PWNED</title>" not in dom
    assert not re.search(r"<(script|img|iframe|object|embed)\b", dom, re.I)
    assert not re.search(r"<svg[^>]*onload", dom, re.I)
    # the payloads are there as text (serialised text nodes come back escaped)
    assert "&lt;script&gt;" in dom and "document.title=" in dom  # highlight marks may split it
    assert "&lt;img src=x " in dom and "&lt;svg " in dom


def test_csp_alone_blocks_a_missed_escape(tmp_path):
    from harness.report.html import page as html_page

    page = tmp_path / "csp.html"
    page.write_text(html_page("csp only", PAYLOADS[0] + PAYLOADS[1]))  # deliberately unescaped
    dom = dump_dom(page, tmp_path)
    assert "<title>csp only</title>" in dom and 'id="pwned"' not in dom
