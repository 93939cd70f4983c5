"""Benchmark: which summaries the likelihood judge needs to read (the hallucination scorer's ``judge_band``).

Usage (from the repository root)::

    python benchmarks/quality/judge_band.py [FILE ...] [--limit N] [--lm smollm2-135m-instruct]
        [--bands 0-1 0.35-0.75 ...]

Scores every summary twice, with the lexical weights and with the judge reading all of them,
then prints, for each band, the agreement with people when only the summaries whose lexical
probability lies in the band take the judged verdict: mean and lowest balanced accuracy over
the datasets, mean ROC-AUC, and the share of summaries the judge reads (which sets its time).
Defaults to the six dev sets in ``../shared/metaeval/faithfulness/``: the shipped band was
chosen from this table, in-sample.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import SHARED, emit  # noqa: E402

from harness.checkers.faithfulness.likelihood import DEFAULT_LM  # noqa: E402
from harness.metaeval.faithfulness import figures, load_all, score  # noqa: E402
from harness.scorers.hallucination import HallucinationScorer, load_weights, model_band, shipped_model_path  # noqa: E402

DEFAULT = sorted(glob.glob(str(SHARED / "metaeval/faithfulness/*.dev.jsonl")))
BANDS = ["0-1", "0.2-0.9", "0.3-0.8", "0.35-0.75", "0.4-0.7", "0.45-0.65", "0.5-0.65"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", default=DEFAULT)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--lm", default=DEFAULT_LM)
    ap.add_argument("--bands", nargs="*", default=BANDS, metavar="LOW-HIGH")
    args = ap.parse_args()
    rows = load_all(args.files, args.limit)
    t0 = time.perf_counter()
    lexical = score(rows, HallucinationScorer(), "lexical")
    t_lexical = time.perf_counter() - t0
    judged = score(rows, HallucinationScorer(lm=args.lm, judge_band=(0.0, 1.0)), "judged")
    t_judged = time.perf_counter() - t0 - t_lexical
    table, result = [], {"shipped_band": list(model_band(load_weights(str(shipped_model_path()))[0])), "n": len(rows), "bands": {},
                         "lexical_s": round(t_lexical, 1), "judged_all_s": round(t_judged, 1)}
    for band in args.bands:
        low, high = (float(v) for v in band.split("-"))
        use = [low <= lx.probability <= high for lx in lexical]
        picked = [j if u else lx for u, j, lx in zip(use, judged, lexical)]
        fig = figures(rows, [r.faithful for r in picked], [r.probability for r in picked])
        ba = [d["balanced_accuracy"] for d in fig["datasets"].values()]
        auc = [d["roc_auc"] for d in fig["datasets"].values() if d["roc_auc"] is not None]
        row = {"judged_share": round(sum(use) / len(use), 3), "mean_balanced_accuracy": round(sum(ba) / len(ba), 4),
               "min_balanced_accuracy": round(min(ba), 4), "mean_roc_auc": round(sum(auc) / len(auc), 4)}
        result["bands"][band] = row
        table.append([band, *row.values()])
    emit("judge_band", result, table, ["band", "judged", "mean BA", "min BA", "mean AUC"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
