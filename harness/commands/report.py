"""``harness report RUN [--compare RUN_B] [--gold PATH] [--out DIR] [--force]``: (re)write the
reports of a run folder; with ``--compare``, write ``compare.html`` for RUN (A, baseline) ->
RUN_B (B, candidate) instead (into RUN_B, or ``--out``). Article bodies and fact statements come
from the gold set named in ``run.json`` (or ``--gold``) when its hashes still match."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..compare import compare_runs, run_articles
from ..report import write_reports
from ..results import load_run, write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``report`` parser."""
    p = sub.add_parser("report", help="write report.md and report.html for a run folder")
    p.add_argument("run", help="run folder (holds run.json and scores.jsonl)")
    p.add_argument("--compare", metavar="RUN_B", help="write compare.html: RUN (baseline) -> RUN_B (candidate)")
    p.add_argument("--gold", metavar="PATH", help="gold set (default: the path in run.json)")
    p.add_argument("--out", metavar="DIR", help="where to write (default: RUN, or RUN_B with --compare)")
    p.add_argument("--force", action="store_true", help="compare even when gold hashes or scorers differ")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Rewrite the reports from the run's files (or write the comparison page)."""
    run_dir = Path(args.run)
    meta, records = load_run(run_dir)
    if args.compare:
        meta_b, records_b = load_run(args.compare)
        articles, why = run_articles(meta_b, args.compare, args.gold)
        if why:
            print(f"harness report: note: {why}; statements and bodies are left out", file=sys.stderr)
        comparison = compare_runs(meta, records, meta_b, records_b, articles, force=args.force)
        from ..report.html import render_compare_html

        path = Path(args.out or args.compare) / "compare.html"
        write_atomic(path, render_compare_html(comparison, meta, meta_b, articles))
        print(path)
        return 0
    articles, why = run_articles(meta, run_dir, args.gold)
    if why:
        print(f"harness report: note: {why}; statements and bodies are left out", file=sys.stderr)
    out = Path(args.out) if args.out else run_dir
    for path in write_reports(out, meta, records, articles):
        print(path)
    return 0
