"""``harness calibrate coverage|faithfulness RUN --template FILE [--model NAME ...]`` and
``harness calibrate coverage|faithfulness RUN --labels FILE [--json OUT]``: the cut that fits
the summaries of a run you labelled yourself (:mod:`harness.metaeval.calibration`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import HarnessError

_LABELS = {"coverage": "model, article_id, fact_id, label (1 the summary carries the fact, 0 not, null skipped)",
           "faithfulness": "model, article_id, label (1 faithful, 0 not, null skipped)"}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` parser."""
    p = sub.add_parser("calibrate", help="choose a scorer's cut on summaries of a run you labelled")
    kinds = p.add_subparsers(dest="kind", metavar="KIND")
    kinds.required = True
    for kind, what in (("coverage", "the coverage cut (covered_threshold) on labelled facts"),
                       ("faithfulness", "the hallucination cut (threshold) on labelled summaries")):
        k = kinds.add_parser(kind, help=what)
        k.add_argument("run", help="run folder (holds run.json and scores.jsonl)")
        mode = k.add_mutually_exclusive_group(required=True)
        mode.add_argument("--labels", metavar="FILE", help=f"JSONL: {_LABELS[kind]} per line")
        mode.add_argument("--template", metavar="FILE", help="write a labels file to fill in (every label null)")
        k.add_argument("--model", action="append", default=[], metavar="NAME",
                       help="with --template: only this model's summaries (repeatable)")
        if kind == "coverage":
            k.add_argument("--gold", metavar="PATH", help="gold set (default: the path in run.json)")
        k.add_argument("--json", metavar="OUT", help="with --labels: also write the figures as JSON here")
        k.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the template, or print the cuts that fit the labels."""
    from ..metaeval.calibration import write_template
    from ..results import load_run

    meta, records = load_run(args.run)
    coverage = args.kind == "coverage"
    if coverage:
        params = _coverage_params(meta)
        articles = _articles(meta, args)
    elif not any(r.faithful is not None for r in records):
        raise HarnessError(f"{args.run}: no summary has a hallucination verdict: nothing to calibrate")
    if args.template:
        n = write_template(records, args.template, args.model, articles if coverage else None)
        print(f"wrote {n} {'facts' if coverage else 'summaries'} to {args.template}: set each label to 1 "
              f"({'carried' if coverage else 'faithful'}) or 0 (not; leave null to skip), then run: "
              f"harness calibrate {args.kind} {args.run} --labels {args.template}")
        return 0
    result = _coverage(args, records, articles, params) if coverage else _faithfulness(args, meta, records)
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise HarnessError(f"cannot write --json {args.json}: {exc.strerror or exc}") from None
    return 0


def _faithfulness(args: argparse.Namespace, meta: dict[str, Any], records: list) -> dict[str, Any]:
    from ..metaeval.calibration import (at_cut, cut_inputs, cuts, describe, disagreements, labelled_verdicts,
                                        load_labels, run_threshold)

    threshold = run_threshold(meta)
    pairs, verdicts = labelled_verdicts(records, load_labels(args.labels), args.labels)
    y = [lab.label for lab, _ in pairs]
    if len(set(y)) < 2:
        raise HarnessError(f"{args.labels}: needs labelled summaries of both kinds (faithful and not); "
                           f"it has {y.count(1)} faithful and {y.count(0)} not")
    rows = [{"dataset": "labels", "label": v} for v in y]
    probs, hard = cut_inputs(verdicts, threshold, tolerance=5e-5)
    now = at_cut(rows, probs, hard, threshold)
    result = {"run": str(args.run), "n": len(y), "n_faithful": y.count(1), "run_threshold": threshold,
              "at_run_threshold": now, **cuts(rows, probs, hard)}
    result["disagreements_at_best"] = disagreements(pairs, probs, hard, result["best"]["threshold"])
    print(f"{len(y)} labelled summaries ({y.count(1)} faithful, {y.count(0)} not)")
    print(f"at the run's cut {threshold:.4f}: balanced accuracy {now['mean_balanced_accuracy']:.3f}, "
          f"faithful flagged {now['mean_faithful_flagged']:.3f}")
    print(describe(result))
    _show(result["disagreements_at_best"], lambda d: f"{d['model']} on {d['article_id']}: labelled "
          f"{'faithful' if d['label'] else 'not faithful'}, probability {d['probability']:.3f}"
          + (" with a hard finding" if d["hard_finding"] else ""))
    _few(len(y), 20)
    return result


def _coverage(args: argparse.Namespace, records: list, articles: list, params: dict[str, Any]) -> dict[str, Any]:
    from ..metaeval.calibration import coverage_cuts, labelled_facts, load_labels

    pairs = labelled_facts(records, load_labels(args.labels, facts=True), args.labels)
    if not pairs:
        raise HarnessError(f"{args.labels}: no labelled fact (every label is null)")
    y = [lab.label for lab, _ in pairs]
    found = coverage_cuts(pairs, articles, params, float(params.get("covered_threshold", 0.5)))
    result = {"run": str(args.run), "n": len(y), "n_carried": y.count(1), **found}
    best = found["best"]
    print(f"{len(y)} labelled facts ({y.count(1)} carried, {y.count(0)} not) of "
          f"{len({(lab.model, lab.article_id) for lab, _ in pairs})} summaries")
    print(f"at the run's cut {found['run_threshold']:.2f}: agreement {found['at_run_threshold']:.3f} "
          "(a fact counts as carried when it is covered)")
    print(f"best cut on these labels: {best['threshold']:.2f}: agreement {best['agreement']:.3f}")
    print("in-sample figures: expect less on new summaries, the more so the fewer the labels. "
          f"Use the cut with: scorers: {{coverage: {{covered_threshold: {best['threshold']:.2f}}}}}")
    _show(found["disagreements_at_best"], lambda d: f"{d['model']} on {d['article_id']}, fact {d['fact_id']}: "
          f"labelled {'carried' if d['label'] else 'not carried'}, {d['status']}")
    _few(len(y), 50)
    return result


def _show(wrong: list, line: Any, most: int = 5) -> None:
    """Print the labels the best cut still gets wrong (the first ``most``; all in --json)."""
    if wrong:
        print(f"still disagreeing at the best cut: {len(wrong)}" + (f" (the first {most}; all in --json)"
                                                                   if len(wrong) > most else ""))
        for d in wrong[:most]:
            print("  " + line(d))


def _few(n: int, enough: int) -> None:
    if n < enough:
        print(f"note: only {n} labels; the cut chosen on so few moves a lot from one draw to the next")


def _coverage_params(meta: dict[str, Any]) -> dict[str, Any]:
    """The run's coverage settings (from the config it recorded); an error for a judged scorer,
    whose verdicts no cut decides."""
    scorers = (meta.get("config") or {}).get("scorers") or {"coverage": {}}
    if "coverage" not in scorers:
        raise HarnessError("the run has no coverage scorer: nothing to calibrate")
    params = dict(scorers["coverage"] or {})
    if params.get("judge"):
        raise HarnessError("the run's coverage scorer has a judge, which decides the facts a cut would: "
                           "nothing to calibrate")
    return params


def _articles(meta: dict[str, Any], args: argparse.Namespace) -> list:
    from ..compare import run_articles

    articles, why = run_articles(meta, args.run, args.gold)
    if articles is None:
        raise HarnessError(f"coverage calibration needs the run's gold set: {why}")
    return articles
