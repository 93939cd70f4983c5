"""``harness eval --config FILE [--set key=value ...] [--limit N]``: generate and score."""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..config import load_config
from ..errors import clean
from ..pipeline import run_eval
from ..results import Run


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
    p.add_argument("--executor", help="where the work runs: local or ray (default: the config's)")
    p.add_argument("--address", help="ray: the cluster to join ('auto', ray://HOST:10001); "
                   "default: a private local instance")
    p.add_argument("--workers", type=int, help="ray: worker actors (default 2)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the config; print where the results are and the headline."""
    if args.quiet:
        quiet_libraries()
    if args.limit is not None and args.limit < 1:
        from ..errors import ConfigError

        raise ConfigError(f"--limit: must be at least 1, got {args.limit}")
    config = load_config(args.config, args.overrides)
    executor, options = executor_choice(args, config.executor)
    config = dataclasses.replace(config, executor=executor)  # run.json says where it ran
    run = run_eval(config, limit=args.limit, use_cache=False if args.no_cache else None,
                   refresh=args.refresh, progress=not args.quiet, executor=executor,
                   executor_options=options)
    print_headline(run)
    report_unscored(run)
    return 0  # unscored pairs are counted in the run; failing on them is the gate's job


def executor_choice(args: argparse.Namespace, configured: str) -> tuple[str, dict]:
    """The executor name and its options from ``--executor/--address/--workers``."""
    from ..errors import ConfigError

    name = args.executor or configured
    options = {k: v for k, v in (("address", args.address), ("num_workers", args.workers)) if v is not None}
    if options and name != "ray":
        raise ConfigError(f"--address and --workers apply to --executor ray, not {name!r}")
    return name, options


def print_headline(run: Run) -> None:
    """Print where a finished run's files are and its headline table (models in config order)."""
    print(f"results: {clean(str(run.dir))}")
    for name, info in run.info["models"].items():
        m = info["metrics"]
        cov, hal = m["coverage"], m["hallucination_rate"]
        fmt = lambda x: "n/a" if x.get("mean") is None else f"{x['mean']:.3f} [{x['ci_low']:.3f}, {x['ci_high']:.3f}]"
        cut = f" cut_off={info['n_cut_off']}" if info.get("n_cut_off") else ""
        print(f"  {clean(name):<24} coverage {fmt(cov)}  hallucination rate {fmt(hal)}  n={max(cov['n'], hal['n'])} "
              f"unscored={cov['n_unscored']}{cut}")


def report_unscored(run: Run) -> None:
    """Name on stderr each model with unscored summaries, how many and the first reason
    (``harness gate`` then fails a run past its ``max_unscored_share``)."""
    total: dict[str, int] = {}
    unscored: dict[str, list] = {}  # model -> [count, first reason]
    for r in run.records:
        total[r.model] = total.get(r.model, 0) + 1
        if r.unscored:
            unscored.setdefault(r.model, [0, r.unscored])[0] += 1
    for name, (count, reason) in unscored.items():
        print(f"unscored: {count} of {total[name]} summaries of {clean(name)}; first reason: {clean(reason)[:300]}",
              file=sys.stderr)


def quiet_libraries() -> None:
    """Silence the progress bars of the model libraries (read when they are first imported)."""
    import os

    os.environ["HARNESS_QUIET"] = "1"  # see harness.weights.files.gguf_progress_bar
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
