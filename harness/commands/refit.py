"""``harness refit coverage|faithfulness --data FILE... [--out PATH]`` (faithfulness also
``[--aux FILE...] [--lm MODEL] [--max-false-alarm SHARE|none] [--no-write] [--no-cache]``): refit the shipped calibration of a scorer on
labelled dev data and write it with its provenance."""

from __future__ import annotations

import argparse
import importlib


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``refit`` parser."""
    p = sub.add_parser("refit", help="refit a scorer's shipped calibration on labelled dev data")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    for kind in ("coverage", "faithfulness"):
        k = kinds.add_parser(kind, help=f"refit the {kind} scorer")
        k.add_argument("--data", nargs="+", required=True, metavar="FILE")
        k.add_argument("--out", metavar="PATH", help="where to write (default: the shipped file)")
        if kind == "faithfulness":
            k.add_argument("--aux", nargs="+", default=[], metavar="FILE",
                           help="other-domain labelled files pooled into training (never used for the threshold)")
            k.add_argument("--lm", metavar="MODEL", help="the likelihood judge's model whose features join the fit, e.g. "
                           "smollm2-135m-instruct (refits the judged weights); default none: the lexical "
                           "weights, those of the default scorer")
            k.add_argument("--max-false-alarm", default=None, metavar="SHARE|none",
                           help="the threshold flags at most this share of the faithful dev summaries (mean over "
                           "datasets; default 0.15, the shipped lexical model's rule); none = best balanced accuracy")
            k.add_argument("--no-write", action="store_true",
                           help="measure and print the figures only; write no weights (the shipped ones stay)")
            k.add_argument("--no-cache", action="store_true",
                           help="analyse every row afresh (default: features kept in HARNESS_CACHE_DIR/features.sqlite "
                           "are reused, and new ones stored as each chunk is done)")
        k.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    module = importlib.import_module(f"harness.metaeval.{args.kind}")
    return module.refit_main(args)
