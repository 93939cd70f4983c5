"""``harness calibrate RUN --labels FILE [--json OUT]`` / ``harness calibrate RUN --template FILE
[--model NAME ...]``: the hallucination cut that fits the summaries of a run you labelled yourself
(:mod:`harness.metaeval.calibration`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` parser."""
    p = sub.add_parser("calibrate", help="choose the hallucination cut on summaries of a run you labelled")
    p.add_argument("run", help="run folder (holds run.json and scores.jsonl)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--labels", metavar="FILE",
                      help="JSONL: model, article_id, label (1 faithful, 0 not, null skipped) per line")
    what.add_argument("--template", metavar="FILE", help="write a labels file to fill in (every label null)")
    p.add_argument("--model", action="append", default=[], metavar="NAME",
                   help="with --template: only this model's summaries (repeatable)")
    p.add_argument("--json", metavar="OUT", help="with --labels: also write the figures as JSON here")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the template, or print the cuts that fit the labels."""
    from ..errors import HarnessError
    from ..metaeval.calibration import (at_cut, cut_inputs, cuts, describe, labelled_verdicts, load_labels,
                                        run_threshold, write_template)
    from ..results import load_run

    meta, records = load_run(args.run)
    threshold = run_threshold(meta)
    if args.template:
        n = write_template(records, args.template, args.model)
        print(f"wrote {n} summaries to {args.template}: set each label to 1 (faithful) or 0 (not; leave null to "
              f"skip), then run: harness calibrate {args.run} --labels {args.template}")
        return 0
    y, verdicts = labelled_verdicts(records, load_labels(args.labels), args.labels)
    if len(set(y)) < 2:
        raise HarnessError(f"{args.labels}: needs labelled summaries of both kinds (faithful and not); "
                           f"it has {y.count(1)} faithful and {y.count(0)} not")
    rows = [{"dataset": "labels", "label": v} for v in y]
    probs, hard = cut_inputs(verdicts, threshold, tolerance=5e-5)
    now = at_cut(rows, probs, hard, threshold)
    result = {"run": str(args.run), "n": len(y), "n_faithful": y.count(1), "run_threshold": threshold,
              "at_run_threshold": now, **cuts(rows, probs, hard)}
    print(f"{len(y)} labelled summaries ({y.count(1)} faithful, {y.count(0)} not)")
    print(f"at the run's cut {threshold:.4f}: balanced accuracy {now['mean_balanced_accuracy']:.3f}, "
          f"faithful flagged {now['mean_faithful_flagged']:.3f}")
    print(describe(result))
    if len(y) < 20:
        print(f"note: only {len(y)} labels; the cut chosen on so few moves a lot from one draw to the next")
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise HarnessError(f"cannot write --json {args.json}: {exc.strerror or exc}") from None
    return 0
