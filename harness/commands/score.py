"""``harness score [--config FILE] [--gold FILE] --summaries FILE --out DIR``: score saved
summaries (with ``--config``, with that config's scorers, seed, bootstrap and gold set, so that
the run can be compared and gated with the config's ``eval`` runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..pipeline import run_score
from .eval import print_headline, quiet_libraries


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``score`` parser."""
    p = sub.add_parser("score", help="score saved summaries (JSONL: model, article_id, summary)")
    p.add_argument("--config", help="take the scorers, seed, bootstrap and (unless --gold) the gold set from "
                                    "this run config, as harness eval would score")
    p.add_argument("--gold", help="gold articles.jsonl (or a folder holding one); default: the config's dataset")
    p.add_argument("--summaries", required=True, help="JSONL of {model, article_id, summary}")
    p.add_argument("--out", required=True, help="folder for run.json, scores.jsonl, reports")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """0 when every summary was scored, 1 when any is unscored (2 on bad input)."""
    if args.quiet:
        quiet_libraries()
    import sys

    from ..errors import clean
    from ..summarizers.file import read_summaries

    _, problems = read_summaries(args.summaries)  # warnings (a last line cut short) are shown here
    for problem in problems:
        if problem.severity == "warning":
            print(f"harness score: {clean(str(problem))}", file=sys.stderr)
    settings: dict = {}
    gold = args.gold
    if args.config:
        from ..config import load_config, resolve_path

        config = load_config(args.config)
        settings = {"scorers": config.scorers, "seed": config.seed, "bootstrap": config.bootstrap}
        gold = gold or str(resolve_path(config.dataset, config.source))
    if not gold:
        from ..errors import ConfigError

        raise ConfigError("harness score: give --gold FILE, or --config FILE whose dataset is the gold set")
    run = run_score(gold, args.summaries, Path(args.out), progress=not args.quiet, **settings)
    print_headline(run)
    return 1 if any(r.unscored for r in run.records) else 0
