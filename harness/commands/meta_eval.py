"""``harness meta-eval coverage|faithfulness --data FILE... [--json OUT]``: agreement of the
scorers with human labels on the public meta-evaluation formats."""

from __future__ import annotations

import argparse
import importlib


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``meta-eval`` parser."""
    p = sub.add_parser("meta-eval", help="measure a scorer's agreement with human labels")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    for kind, help_text in (
        ("coverage", "fact coverage on REALSumm-format files (metaeval/coverage/)"),
        ("faithfulness", "hallucination verdicts on metaeval/faithfulness/-format files"),
    ):
        k = kinds.add_parser(kind, help=help_text)
        k.add_argument("--data", nargs="+", required=True, metavar="FILE", help="JSONL files")
        k.add_argument("--json", metavar="OUT", help="also write the figures as JSON here")
        k.add_argument("--limit", type=int, help="only the first N documents/items per file")
        if kind == "faithfulness":
            k.add_argument("--lm", metavar="MODEL", help="the likelihood judge's model (default: smollm2-135m-instruct, "
                           "as in configs/default.yaml); none = no judge, lexical weights")
        k.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"harness.metaeval.{args.kind}")
    return module.main(args)
