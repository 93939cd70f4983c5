"""Benchmark: the hallucination scorer against human faithfulness labels.

Usage (from the repository root)::

    python benchmarks/quality/metaeval_faithfulness.py [FILE ...] [--ablation] [--limit N]
        [--aux ../shared/metaeval/extra/*.jsonl] [--lm smollm2-135m-instruct|none] [--cache]

Defaults to the six dev sets in ``../shared/metaeval/faithfulness/``. Prints, as JSON and as a
short table: per-dataset figures of the shipped model and threshold, 5-fold cross-validation by
document (weights and threshold refitted in each fold), optionally an ablation (cross-validated
mean balanced accuracy without each group of features), and the speed. ``--cache`` reuses (and
fills) the refit's feature cache, for weight experiments on unchanged features; the elapsed time
is then no speed figure.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import SHARED  # noqa: E402

from harness.cache import FeatureCache  # noqa: E402
from harness.metaeval.agreement import figures, table  # noqa: E402
from harness.metaeval.faithfulness import featurise, load_all  # noqa: E402
from harness.metaeval.faithfulness_fit import cross_validate  # noqa: E402
from harness.scorers.hallucination import HallucinationScorer, predict, rule_hard  # noqa: E402

DEFAULT = sorted(glob.glob(str(SHARED / "metaeval/faithfulness/*.dev.jsonl")))
GROUPS = {
    "embedding cosine": ["min_cos", "mean_cos"],
    "content-word support": ["min_lex_window", "min_lex_doc", "novel_words"],
    "novel bigrams": ["max_novel_bigrams", "mean_novel_bigrams"],
    "entities": ["names"],
    "numbers+dates": ["numbers", "dates"],
    "negation+modality": ["negation", "modality"],
    "attribution": ["attribution"],
    "claim count": ["log_claims"],
    "names/numbers elsewhere": ["names_elsewhere", "numbers_elsewhere"],
    "name/number context": ["min_name_context", "min_number_context"],
    "mean support": ["mean_lex_window", "mean_lex_doc"],
    "likelihood judge (PMI)": ["lm_mean_pmi", "lm_min_claim_pmi", "lm_neg_pmi"],
    "likelihood judge (conditional)": ["lm_mean_cond", "lm_min_claim_cond", "lm_low", "lm_bot3"],
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", default=DEFAULT)
    ap.add_argument("--ablation", action="store_true")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--aux", nargs="*", default=[], metavar="FILE",
                    help="other-domain files pooled into every training fold (as in refit's aux:)")
    ap.add_argument("--lm", default="none", help="the likelihood judge, e.g. smollm2-135m-instruct (default none: "
                    "lexical weights, the shipped default)")
    ap.add_argument("--cache", action="store_true", help="reuse and fill the feature cache (no speed figure)")
    args = ap.parse_args()
    rows = load_all(args.files, args.limit)
    scorer = HallucinationScorer(lm=args.lm)
    names = list(scorer.model["features"])
    from harness.resources import embedder, nlp

    embedder(), nlp()  # load before timing
    t0 = time.perf_counter()
    cache = FeatureCache() if args.cache else None
    featured = featurise(rows, scorer, cache=cache)
    elapsed = time.perf_counter() - t0
    aux_rows = load_all(args.aux) if args.aux else []
    aux_featured = featurise(aux_rows, scorer, "aux", cache) if aux_rows else []
    aux = ([f for f, _ in aux_featured], [r["label"] for r in aux_rows])
    X = [f for f, _ in featured]
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    groups = [hashlib.sha256(r["document"].encode()).hexdigest() for r in rows]
    hard = [h for _, h in featured]
    prob = [rule_hard(predict(scorer.model, x), h, scorer.threshold) for x, h in zip(X, hard)]
    shipped = figures(rows, [p >= scorer.threshold for p in prob], prob)
    cv = cross_validate(X, y, ds, groups, names, aux=aux, hard=hard)
    out = {"shipped": shipped, "cv_by_document": cv, "n": len(rows), "elapsed_s": round(elapsed, 1),
           "summaries_per_s": round(len(rows) / elapsed, 2), "threads": os.environ.get("OMP_NUM_THREADS"),
           "signature": scorer.signature(), "n_aux": len(aux_rows), "cached": args.cache}
    if args.ablation:
        out["ablation_cv_mean_ba"] = {"all": cv["mean_balanced_accuracy"]}
        for name, feats in GROUPS.items():
            if not set(feats) & set(names):
                continue
            sub = [f for f in names if f not in feats]
            out["ablation_cv_mean_ba"]["without " + name] = cross_validate(
                X, y, ds, groups, names=sub, aux=aux, hard=hard)["mean_balanced_accuracy"]
    print(json.dumps(out, indent=2))
    print("\nshipped model and threshold:\n" + table(shipped))
    print("\n5-fold CV by document:\n" + table(cv))
    if args.ablation:
        for k, v in out["ablation_cv_mean_ba"].items():
            print(f"{k:<32} {v:.3f}")
    print(f"\n{len(rows)} summaries analysed in {elapsed:.1f} s ({len(rows) / elapsed:.1f}/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
