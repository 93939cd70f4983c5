"""Benchmark: how much a few labelled summaries of one's own kind help the hallucination scorer.

Usage (from the repository root)::

    python benchmarks/quality/calibration.py [FILE ...] [--aux FILE ...] [--k 10 20 50] [--draws 20]
        [--lm MODEL|none]

For each dev dataset in turn (leave one dataset out), the scorer's weights are refitted on the
other datasets exactly as ``harness refit faithfulness`` fits them (``--aux`` rows pooled in).
The held-out dataset stands for a user's own kind of summary that the shipped cut never saw. Its
cut is then chosen four ways and measured on the held-out summaries:

- ``shared cut``: the cut fitted with the weights (under the 15% false-alarm budget, and without
  one): what the shipped scorer does;
- ``k labelled``: the best-balanced-accuracy cut on ``k`` labelled summaries of the held-out set,
  drawn at random (``--draws`` seeded draws), measured on the others (what ``harness calibrate
  faithfulness`` and ``harness meta-eval faithfulness`` print as the best cut on one's own
  labels), and the best one under the 15% false-alarm budget;
- the same for the token-overlap baseline (``harness/metaeval/baseline.py``), whose cut is chosen on
  the same ``k`` summaries: the simple method the calibrated scorer must beat;
- ``own cut, all``: the best cut on the whole held-out set (an upper bound, not a result).

Figures: mean balanced accuracy over the held-out datasets and the share of their faithful
summaries flagged. Features come from the same cache as ``harness refit faithfulness`` and
``lodo_features.py``. Nothing shipped is changed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import emit  # noqa: E402

from harness.cache import FeatureCache  # noqa: E402
from harness.checkers.faithfulness.evidence import FEATURES  # noqa: E402
from harness.checkers.faithfulness.likelihood import LM_FEATURES  # noqa: E402
from harness.errors import HarnessError  # noqa: E402
from harness.metaeval.agreement import balanced_accuracy, choose_threshold  # noqa: E402
from harness.metaeval.baseline import overlap_scores  # noqa: E402
from harness.metaeval.faithfulness import featurise, features_scorer, load_all  # noqa: E402
from harness.metaeval.faithfulness_fit import FALSE_ALARM_BUDGET, fit  # noqa: E402
from harness.scorers.hallucination import predict  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lodo_features import AUX, DEV  # noqa: E402


def measure(p: list[float], y: list[int], cut: float) -> tuple[float, float]:
    """Balanced accuracy and the share of faithful summaries flagged, faithful at ``p >= cut``."""
    faithful = [v >= cut for v in p]
    good = [f for f, v in zip(faithful, y) if v == 1]
    return balanced_accuracy(y, faithful), (sum(1 for f in good if not f) / len(good) if good else 0.0)


def sampled_cut(p: list[float], y: list[int], k: int, draws: int, tag: str, budget: float | None = None
                ) -> tuple[float, float] | None:
    """Mean (balanced accuracy, faithful flagged) over ``draws`` draws of ``k`` labelled summaries:
    the best cut on the draw (under the false-alarm ``budget``, if given), measured on the
    summaries left out of it; None when ``k`` leaves fewer than ``k`` summaries to measure on."""
    if 2 * k > len(p):
        return None
    out = []
    for seed in range(draws):
        chosen = set(random.Random(f"{seed}|{tag}|{k}").sample(range(len(p)), k))
        cut = choose_threshold([p[i] for i in chosen], [y[i] for i in chosen], [tag] * k, None, budget)
        rest = [i for i in range(len(p)) if i not in chosen]
        out.append(measure([p[i] for i in rest], [y[i] for i in rest], cut))
    return sum(b for b, _ in out) / draws, sum(f for _, f in out) / draws


def main() -> int:
    """Featurise (cached), fit leave one dataset out, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", default=DEV)
    ap.add_argument("--aux", nargs="*", default=AUX, metavar="FILE")
    ap.add_argument("--lm", default="none", help="the judge's model, or none (default: the lexical scorer)")
    ap.add_argument("--k", nargs="+", type=int, default=[10, 20, 50], help="labelled summaries per held-out set")
    ap.add_argument("--draws", type=int, default=20, help="random draws of the k summaries")
    args = ap.parse_args()
    if len(args.files) < 2:
        print(f"calibration: error: needs two dev files at least, got {len(args.files)} (default: "
              "../shared/metaeval/faithfulness/*.dev.jsonl)", file=sys.stderr)
        return 2
    try:
        return run(args)
    except HarnessError as exc:
        print(f"calibration: error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """The benchmark proper (see the module docstring)."""
    t0 = time.perf_counter()
    rows = load_all(args.files)
    aux_rows = load_all(args.aux) if args.aux else []
    scorer = features_scorer(args.lm)
    names = list(FEATURES) + (list(LM_FEATURES) if scorer.judge is not None else [])
    featured = featurise(rows + aux_rows, scorer, cache=FeatureCache())
    X = [f for f, _ in featured[:len(rows)]]
    hard = [h for _, h in featured[:len(rows)]]
    aux = ([f for f, _ in featured[len(rows):]], [r["label"] for r in aux_rows])
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    overlap = overlap_scores(rows)
    per: dict[str, dict[str, tuple[float, float] | None]] = {}
    for held in sorted(set(ds)):
        train = [i for i, d in enumerate(ds) if d != held]
        test = [i for i, d in enumerate(ds) if d == held]
        p = {}
        row: dict[str, tuple[float, float] | None] = {}
        for budget, label in ((FALSE_ALARM_BUDGET, "shared cut, 15% budget"), (None, "shared cut, no budget")):
            model = fit([X[i] for i in train], [y[i] for i in train], [ds[i] for i in train], names, aux=aux,
                        hard=[hard[i] for i in train], max_false_alarm=budget)
            p[label] = [0.0 if hard[i] else predict(model, X[i]) for i in test]
            row[label] = measure(p[label], [y[i] for i in test], model["threshold"])
        scores = p["shared cut, no budget"]
        ys = [y[i] for i in test]
        ov = [overlap[i] for i in test]
        for k in args.k:
            row[f"scorer, {k} labelled"] = sampled_cut(scores, ys, k, args.draws, held)
            row[f"scorer, {k} labelled, 15% budget"] = sampled_cut(scores, ys, k, args.draws, held, FALSE_ALARM_BUDGET)
            row[f"overlap, {k} labelled"] = sampled_cut(ov, ys, k, args.draws, held)
        row["scorer, own cut on all (upper bound)"] = measure(scores, ys, choose_threshold(scores, ys, [held] * len(ys)))
        per[held] = row
    table = []
    result = {"n": len(rows), "n_aux": len(aux_rows), "lm": args.lm, "k": args.k, "draws": args.draws,
              "analysis": scorer.analysis_signature(), "datasets": {}, "mean": {}}
    for label in per[next(iter(per))]:
        got = {d: per[d][label] for d in per}
        if any(v is None for v in got.values()):
            complete = {d: v for d, v in got.items() if v is not None}
            note = f" ({len(complete)} of {len(got)} sets: too few summaries in the others)"
        else:
            complete, note = got, ""
        if not complete:
            continue
        ba = sum(v[0] for v in complete.values()) / len(complete)
        flagged = sum(v[1] for v in complete.values()) / len(complete)
        result["mean"][label] = {"balanced_accuracy": round(ba, 4), "faithful_flagged": round(flagged, 3),
                                 "n_sets": len(complete)}
        table.append([label + note, round(ba, 4), round(flagged, 3),
                      " ".join(f"{v[0]:.3f}" if v else "-" for v in got.values())])
    result["datasets"] = {d: {k: (None if v is None else [round(v[0], 4), round(v[1], 3)]) for k, v in row.items()}
                          for d, row in per.items()}
    result["seconds"] = round(time.perf_counter() - t0, 1)
    emit("calibration", result, table, ["cut", "held-out mean BA", "faithful flagged",
                                        "per held-out set (" + ", ".join(per) + ")"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
