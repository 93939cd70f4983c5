"""``harness validate PATH...``: check gold annotation files; exit 0 when valid, 2 otherwise."""

from __future__ import annotations

import argparse
import sys

from ..errors import clean
from ..errors import HarnessError
from ..gold import read_gold


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``validate`` parser."""
    p = sub.add_parser("validate", help="check gold annotation files (schema, ids, evidence, hints)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="articles.jsonl files or folders holding one")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate each path; print every problem; 0 if no errors else 2."""
    failed = False
    for path in args.paths:
        try:
            articles, problems = read_gold(path)
        except HarnessError as exc:
            print(f"harness validate: error: {clean(str(exc))}", file=sys.stderr)
            failed = True
            continue
        errors = [p for p in problems if p.severity == "error"]
        for p in problems:
            print(clean(str(p)), file=sys.stderr)
        n_facts = sum(len(a.facts) for a in articles)
        n_traps = sum(len(a.traps) for a in articles)
        status = "FAILED" if errors else "OK"
        print(f"{clean(path)}: {status}: {len(articles)} articles, {n_facts} facts, {n_traps} traps, "
              f"{len(errors)} errors, {len(problems) - len(errors)} warnings")
        failed = failed or bool(errors)
    return 2 if failed else 0
