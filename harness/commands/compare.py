"""``harness compare RUN_A RUN_B [--force] [--json OUT] [--gold PATH]``: paired comparison of two
runs (A = baseline, B = candidate); see :mod:`harness.compare`. Exit 0, or 2 when the runs are
unusable or not comparable."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..compare import compare_runs, comparison_json, run_articles
from ..results import load_run, write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``compare`` parser."""
    p = sub.add_parser("compare", help="paired comparison of two runs (per article, per fact, traps)")
    p.add_argument("run_a", metavar="RUN_A", help="baseline run folder")
    p.add_argument("run_b", metavar="RUN_B", help="candidate run folder")
    p.add_argument("--force", action="store_true",
                   help="compare even when articles, annotations or scorer settings differ")
    p.add_argument("--json", metavar="OUT", help="also write the comparison as JSON here")
    p.add_argument("--gold", metavar="PATH", help="gold set for fact statements (default: RUN_B's run.json)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the comparison; write JSON when asked."""
    run_a, recs_a = load_run(args.run_a)
    run_b, recs_b = load_run(args.run_b)
    articles, _ = run_articles(run_b, args.run_b, args.gold)
    comp = compare_runs(run_a, recs_a, run_b, recs_b, articles, force=args.force)
    print(f"{comp.run_a} -> {comp.run_b} (paired per article; B - A; 95% CI paired bootstrap; "
          f"p paired sign-flip permutation)")
    for d in comp.differences:
        print(f"  WARNING (forced): {d}")
    for note in comp.notes:
        print(f"  note: {note}")
    for m in comp.models:
        print(f"model {m.model}:")
        for metric, d in m.metrics.items():
            if d.n == 0:
                print(f"  {metric:<19} no article scored in both runs")
                continue
            print(f"  {metric:<19} {d.mean_a:.3f} -> {d.mean_b:.3f}  change {d.diff:+.3f} "
                  f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]  p={d.p_value:.3g}  n={d.n}")
        print(f"  facts               lost {len(m.lost)}, gained {len(m.gained)} (exact McNemar p={m.mcnemar_p:.3g})")
        for f in m.lost:
            print(f"    lost   {f.article_id}/{f.fact_id} ({f.status_a} -> {f.status_b})"
                  + (f": {f.statement}" if f.statement else ""))
        for f in m.gained:
            print(f"    gained {f.article_id}/{f.fact_id} ({f.status_a} -> {f.status_b})")
        print(f"  traps newly hit     {len(m.new_traps)}" + "".join(f"\n    {a}/{t}" for a, t in m.new_traps))
        print(f"  unscored            A {m.unscored_a}/{m.n_a}, B {m.unscored_b}/{m.n_b}")
    for name in comp.only_in_a:
        print(f"model {name}: only in {comp.run_a}")
    for name in comp.only_in_b:
        print(f"model {name}: only in {comp.run_b}")
    if args.json:
        write_atomic(Path(args.json), json.dumps(comparison_json(comp), indent=2, ensure_ascii=False) + "\n")
    return 0
