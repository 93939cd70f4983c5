"""``harness gate --baseline RUN --candidate RUN [--config FILE] [thresholds] [--junit PATH]
[--markdown PATH] [--html PATH] [--json PATH] [--force] [--gold PATH] [--skip-canaries]``.

Exit 0 pass, 1 regression (or a failed canary), 2 error or unusable input. See :mod:`harness.gate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..gate import gate_config, load_gate_mapping, run_gate
from ..results import write_atomic


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``gate`` parser."""
    p = sub.add_parser("gate", help="fail when a candidate run regresses against a baseline run",
                       description="Exit 0 pass, 1 regression or failed canary, 2 error or unusable input. "
                       "A regression is a change beyond its threshold that is significant at alpha (paired "
                       "sign-flip test over articles), or any breach of the unscored/new-trap limits.")
    p.add_argument("--baseline", required=True, metavar="RUN", help="baseline run folder")
    p.add_argument("--candidate", required=True, metavar="RUN", help="candidate run folder")
    p.add_argument("--config", metavar="FILE", help="YAML file with a gate: mapping of thresholds")
    p.add_argument("--max-coverage-drop", type=float, metavar="X", help="default 0.02 (absolute, 0..1)")
    p.add_argument("--max-hallucination-rise", type=float, metavar="X", help="default 0.02")
    p.add_argument("--max-unscored-share", type=float, metavar="X", help="default 0.05")
    p.add_argument("--allow-new-trap-hits", action=argparse.BooleanOptionalAction, default=None,
                   help="tolerate traps newly hit by the candidate (default: no)")
    p.add_argument("--alpha", type=float, metavar="A", help="significance level, default 0.05")
    p.add_argument("--junit", metavar="PATH", help="write JUnit XML here")
    p.add_argument("--markdown", metavar="PATH", help="write the pull-request comment (Markdown) here")
    p.add_argument("--html", metavar="PATH", help="write the comparison as a single-file HTML page here")
    p.add_argument("--json", metavar="PATH", help="write the verdicts and the comparison as JSON here")
    p.add_argument("--force", action="store_true",
                   help="gate even when articles, annotations or scorer settings differ")
    p.add_argument("--gold", metavar="PATH", help="gold set for the canaries (default: the candidate's run.json)")
    p.add_argument("--skip-canaries", action="store_true", help="do not check the scorer first (not advised)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Judge, print the verdicts, write the requested files; the exit code of the verdict."""
    mapping = load_gate_mapping(args.config) if args.config else {}
    config = gate_config(mapping, f"{args.config}: gate" if args.config else "gate",
                         max_coverage_drop=args.max_coverage_drop, max_hallucination_rise=args.max_hallucination_rise,
                         max_unscored_share=args.max_unscored_share, allow_new_trap_hits=args.allow_new_trap_hits,
                         alpha=args.alpha)
    result = run_gate(args.baseline, args.candidate, config, force=args.force,
                      canaries=not args.skip_canaries, gold=args.gold)
    for c in result.checks:
        print(f"{'PASS' if c.passed else 'FAIL'} {c.model} {c.name}: {c.message}")
        if not c.passed:
            for d in c.details[:20]:
                print(f"     {d}")
    if result.comparison:
        for m in result.comparison.models:
            for f in m.lost:
                print(f"lost fact {m.model} {f.article_id}/{f.fact_id} ({f.status_a} -> {f.status_b})"
                      + (f": {f.statement}" if f.statement else ""))
    for model, drop in result.detectable.items():
        print(f"power: {model}: the smallest coverage drop this gate flags with these articles is {drop:.3f}")
    for n in result.notes:
        print(f"note: {n}", file=sys.stderr)
    print(f"gate: {result.verdict} (exit {result.exit_code})")
    if args.junit:
        from ..junit import write_junit

        write_junit(args.junit, result)
    if args.markdown:
        from ..report.pr_comment import render_gate_markdown

        write_atomic(Path(args.markdown), render_gate_markdown(result))
    if args.html:
        from ..report.html import render_compare_html

        run_a, run_b = result.runs
        write_atomic(Path(args.html), render_compare_html(result.comparison, run_a, run_b,
                                                          list(result.articles) or None, result))
    if args.json:
        write_atomic(Path(args.json), json.dumps(gate_json(result), indent=2, ensure_ascii=False) + "\n")
    return result.exit_code


def gate_json(result) -> dict:
    """The verdicts and the comparison as plain JSON."""
    import dataclasses

    from ..compare import comparison_json

    return {"verdict": result.verdict, "exit_code": result.exit_code,
            "config": dataclasses.asdict(result.config),
            "checks": [dataclasses.asdict(c) for c in result.checks], "notes": list(result.notes),
            "comparison": comparison_json(result.comparison) if result.comparison else None}
