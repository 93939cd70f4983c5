"""``harness eval --config FILE [--set key=value ...] [--limit N]``: generate and score."""

from __future__ import annotations

import argparse

from ..config import load_config
from ..pipeline import run_eval


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``eval`` parser."""
    p = sub.add_parser("eval", help="run the summarizers of a config over its gold set and score them")
    p.add_argument("--config", required=True, help="YAML run configuration")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key (dotted paths, e.g. models.0.batch_size=4)")
    p.add_argument("--limit", type=int, help="only the first N articles")
    p.add_argument("--no-cache", action="store_true", help="do not use the generation cache")
    p.add_argument("--refresh", action="store_true", help="regenerate and overwrite cached summaries")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the config; print where the results are and the headline."""
    if args.limit is not None and args.limit < 1:
        from ..errors import ConfigError

        raise ConfigError(f"--limit: must be at least 1, got {args.limit}")
    config = load_config(args.config, args.overrides)
    run_dir = run_eval(config, limit=args.limit, use_cache=False if args.no_cache else None,
                       refresh=args.refresh, progress=not args.quiet)
    print_headline(run_dir)
    return 0


def print_headline(run_dir) -> None:
    """Print the headline table of a finished run and where its files are."""
    import json

    from ..cli import clean

    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    print(f"results: {clean(str(run_dir))}")
    for name, info in run["models"].items():
        m = info["metrics"]
        cov, hal = m["coverage"], m["hallucination_rate"]
        fmt = lambda x: "n/a" if x.get("mean") is None else f"{x['mean']:.3f} [{x['ci_low']:.3f}, {x['ci_high']:.3f}]"
        print(f"  {clean(name):<24} coverage {fmt(cov)}  hallucination rate {fmt(hal)}  n={cov['n']} unscored={cov['n_unscored']}")
