"""Benchmark: where the hallucination scorer's threshold should sit, given the false-alarm budget.

Usage (from the repository root)::

    python benchmarks/quality/operating_point.py [FILE ...] [--lm smollm2-135m-instruct|none]
        [--max-false-alarm 0.15] [--limit N]

Scores every summary with the shipped scorer (with ``--lm``, the judged scorer: the likelihood
judge reads the summaries in its judge band). A summary with a hard finding, or (with a judge)
one outside the band, keeps its verdict whatever the threshold; the others are cut at each
candidate threshold. Prints, for the shipped threshold, the best cut without a budget and the
best cut that flags at most ``--max-false-alarm`` of the faithful summaries (mean over datasets,
as ``harness.metaeval.faithfulness_fit`` chooses it): mean balanced accuracy, the share of
faithful summaries flagged, and per-dataset balanced accuracy. Nothing shipped is changed; the
threshold it prints is the one to put in the model file. Defaults to the six dev sets of
``../shared/metaeval/faithfulness/`` (in-sample: the figures to trust are the leave-one-dataset-out
ones of ``lodo_features.py``).
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import SHARED, emit  # noqa: E402

from harness.checkers.faithfulness.likelihood import DEFAULT_LM, resolve  # noqa: E402
from harness.metaeval.agreement import choose_threshold, figures  # noqa: E402
from harness.metaeval.faithfulness import load_all, score  # noqa: E402
from harness.metaeval.faithfulness_fit import FALSE_ALARM_BUDGET  # noqa: E402
from harness.scorers.hallucination import HARD_KINDS, HallucinationScorer  # noqa: E402

DEFAULT = sorted(glob.glob(str(SHARED / "metaeval/faithfulness/*.dev.jsonl")))


def at(cut: float, p: list[float], fixed: list[bool | None], rows: list[dict]) -> dict:
    """Figures when every summary without a fixed verdict is faithful at ``p >= cut``."""
    fig = figures(rows, [f if f is not None else v >= cut for f, v in zip(fixed, p)], p)
    return {"threshold": cut, "mean_balanced_accuracy": fig["mean_balanced_accuracy"],
            "mean_faithful_flagged": fig["mean_faithful_flagged"],
            "datasets": {name: v["balanced_accuracy"] for name, v in fig["datasets"].items()}}


def main() -> int:
    """Score, then print and emit the figures at the three thresholds."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", default=DEFAULT)
    ap.add_argument("--lm", default=DEFAULT_LM, help="the likelihood judge's model, or none (lexical)")
    ap.add_argument("--max-false-alarm", type=float, default=FALSE_ALARM_BUDGET)
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    if not args.files:
        print("operating_point: error: no dev files given (and none in ../shared/metaeval/faithfulness/)",
              file=sys.stderr)
        return 2
    rows = load_all(args.files, args.limit)
    lm = resolve(args.lm)
    t0 = time.perf_counter()
    shipped = HallucinationScorer(lm=lm)
    results = score(rows, shipped, "scoring")
    lexical = score(rows, HallucinationScorer(), "lexical") if shipped.judge is not None else results
    low, high = shipped.judge_band
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    fixed: list[bool | None] = []
    for res, lex in zip(results, lexical):
        ruled = any(h.kind in HARD_KINDS for h in res.hallucinations)
        outside = shipped.judge is not None and not low <= lex.probability <= high
        fixed.append(res.faithful if ruled or outside else None)
    p = [r.probability for r in results]
    free = [k for k, f in enumerate(fixed) if f is None]
    # the cut is chosen on every summary: fixed ones enter as certain verdicts (0 or 1)
    certain = [v if f is None else (1.0 if f else 0.0) for v, f in zip(p, fixed)]
    best = choose_threshold(certain, y, ds)
    budget = choose_threshold(certain, y, ds, max_false_alarm=args.max_false_alarm)
    figs = {"shipped": at(shipped.threshold, p, fixed, rows), "best, no budget": at(best, p, fixed, rows),
            f"best, budget {args.max_false_alarm:g}": at(budget, p, fixed, rows)}
    result = {"n": len(rows), "n_free": len(free), "free_datasets": sorted({ds[k] for k in free}),
              "free_faithful": sum(y[k] for k in free), "signature": shipped.signature(), "judge_band": [low, high],
              "seconds": round(time.perf_counter() - t0, 1), "figures": figs}
    table = [[name, f["threshold"], f["mean_balanced_accuracy"], f["mean_faithful_flagged"],
              *f["datasets"].values()] for name, f in figs.items()]
    emit("operating_point", result, table, ["cut", "threshold", "mean BA", "faithful flagged",
                                            *sorted(set(ds))])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
