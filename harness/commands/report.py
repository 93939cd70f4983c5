"""``harness report RUN [--compare RUN_B]``: (re)write the reports of a run folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..report import write_reports
from ..results import load_run


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` parser."""
    p = sub.add_parser("report", help="write report.md and report.html for a run folder")
    p.add_argument("run", help="run folder (holds run.json and scores.jsonl)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Rewrite the reports from the run's files."""
    run_dir = Path(args.run)
    meta, records = load_run(run_dir)
    for path in write_reports(run_dir, meta, records):
        print(path)
    return 0
