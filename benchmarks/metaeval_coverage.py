"""Agreement of fact coverage with people on REALSumm dev, next to ROUGE-1 recall, and speed.

    PYTHONPATH=. python benchmarks/metaeval_coverage.py [--data FILE...] [--limit N] [--embeddings]

Prints the figures as JSON, then a short table. Reads the data from ../shared (never copied)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT = ROOT.parent / "shared" / "metaeval" / "coverage" / "realsumm.dev.jsonl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", nargs="+", default=[str(DEFAULT)])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--embeddings", action="store_true", help="score with the embedding variant")
    ap.add_argument("--cv", type=int, default=0, metavar="K",
                    help="also report K-fold document-level CV figures of the whole pipeline")
    args = ap.parse_args()
    from harness.metaeval.coverage import cross_validated_figures, evaluate_docs, format_table, load_files
    from harness.scorers.coverage import FactCoverageScorer

    t0 = time.perf_counter()
    docs = load_files(args.data, args.limit)
    fig = evaluate_docs(docs, FactCoverageScorer(embeddings=args.embeddings))
    fig["elapsed_seconds"] = round(time.perf_counter() - t0, 2)
    fig["data"] = args.data
    if args.cv:
        fig["cv"] = cross_validated_figures(docs, args.cv, embeddings=args.embeddings)
    print(json.dumps(fig, indent=2, sort_keys=True))
    print(format_table(fig))
    if args.cv:
        cv = fig["cv"]
        print(f"{args.cv}-fold CV (by document): " + "  ".join(
            f"{k}={cv[k]}" for k in ("fact_balanced_accuracy", "summary_pearson", "system_kendall")))


if __name__ == "__main__":
    main()
