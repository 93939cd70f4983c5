"""Benchmark: do fewer features generalise better across datasets? The hallucination scorer's
refit measured leave-one-dataset-out (and 5-fold by document) with feature subsets.

Usage (from the repository root)::

    python benchmarks/quality/lodo_features.py [FILE ...] [--aux FILE ...] [--lm MODEL|none]
        [--set NAME=feat1,feat2,...] [--max-false-alarm SHARE|none] [--nested]

Computes the summary features exactly as ``harness refit faithfulness`` does (read from, and
stored in, the same feature cache, so after a refit nothing is analysed again), then for each
feature set fits weights and threshold with the refit's own ``fit`` (the ``--aux`` rows pooled
into every training set) and prints: in-sample, 5-fold cross-validation by document, and
leave-one-dataset-out figures (each dev dataset measured with a model fitted on the others),
beside the token-overlap baseline's leave-one-dataset-out figures, and the share of the held-out
datasets' faithful summaries flagged; every threshold is chosen under the false-alarm budget
(``--max-false-alarm``, default ``FALSE_ALARM_BUDGET``; ``none`` for none); and, as a diagnostic, the LODO
weights measured at each held-out dataset's own best cut (``lodo_own_cut``: an upper bound that
separates ranking from threshold). Nothing shipped is changed.

``--nested`` measures the choice of a feature set as well: for each held-out dataset, the set
with the best leave-one-dataset-out figure on the *other five* is fitted on them and measured on
it, so the figure holds the selection too (the candidates: the ``--set`` ones, else
:data:`CANDIDATES`). The token-overlap baseline's score is available as the feature ``overlap``.
Defaults: the six dev sets of ``../shared/metaeval/faithfulness/`` and the seven other-domain
sets of ``../shared/metaeval/extra/``; the sets ``all`` (the shipped feature list, with the
judge's features when it is on) and ``cos+doc`` (mean cosine and mean document support, the
set a nested choice picks most often; measured against ``all`` in ``docs/agreement.md``).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import SHARED, emit  # noqa: E402

from harness.cache import FeatureCache  # noqa: E402
from harness.checkers.faithfulness.evidence import FEATURES  # noqa: E402
from harness.checkers.faithfulness.likelihood import DEFAULT_LM, LM_FEATURES  # noqa: E402
from harness.errors import HarnessError  # noqa: E402
from harness.metaeval.baseline import baseline_figures, overlap_scores  # noqa: E402
from harness.metaeval.faithfulness import featurise, features_scorer, figures, load_all, mean_auc, side_by_side  # noqa: E402
from harness.metaeval.faithfulness_fit import (FALSE_ALARM_BUDGET, cross_validate, fit,  # noqa: E402
                                               leave_one_dataset_out, parse_budget)
from harness.scorers.hallucination import predict, rule_hard  # noqa: E402

DEV = sorted(glob.glob(str(SHARED / "metaeval/faithfulness/*.dev.jsonl")))
AUX = sorted(glob.glob(str(SHARED / "metaeval/extra/*.jsonl")))
_MEANS = ("mean_cos", "mean_lex_window", "mean_lex_doc", "mean_novel_bigrams")
_MINS = ("min_cos", "min_lex_window", "min_lex_doc")
_COUNTS = ("names", "numbers", "negation", "names_elsewhere")
CANDIDATES: dict[str, tuple[str, ...]] = {
    "all": FEATURES,
    "general": ("min_cos", "mean_cos", "min_lex_window", "mean_lex_window", "min_lex_doc", "novel_words", "names",
                "numbers", "dates", "negation", "log_claims"),
    "means": _MEANS, "means+min": _MEANS + _MINS, "means+counts": _MEANS + _COUNTS,
    "means+novel": _MEANS + ("novel_words",), "means+min+counts": _MEANS + _MINS + _COUNTS,
    "cos+doc": ("mean_cos", "mean_lex_doc"), "cos+doc+window": ("mean_cos", "mean_lex_doc", "mean_lex_window"),
    "overlap": ("overlap",), "cos+overlap": ("mean_cos", "overlap"), "min cos+doc": ("min_cos", "min_lex_doc"),
    "cos+doc, mean and min": ("mean_cos", "mean_lex_doc", "min_cos", "min_lex_doc"),
}
"""The lexical feature sets ``--nested`` chooses among by default (with the judge on, each also
with the judge's features): the shipped list, averages over the claims (which do not grow with the
summary's length), minimums, counts of names and values, and the overlap baseline's own score."""


def parse_set(text: str, known: tuple[str, ...]) -> tuple[str, list[str]]:
    """``NAME=feat1,feat2`` as (name, features); a :class:`HarnessError` naming the unknown ones."""
    name, sep, feats = text.partition("=")
    names = [f.strip() for f in feats.split(",") if f.strip()]
    if not sep or not name or not names:
        raise HarnessError(f"--set {text!r}: expected NAME=feat1,feat2,...")
    unknown = [f for f in names if f not in known]
    if unknown:
        raise HarnessError(f"--set {name}: unknown features {unknown}; known: {list(known)}")
    return name, names


def lodo_own_cut(X: list, y: list, ds: list, names: list, aux: tuple, hard: list) -> dict:
    """A diagnostic, not an honest figure: the LODO weights (fitted on the other datasets), but
    each held-out dataset measured at the cut best for it. Against the LODO figure it says how much
    of what is lost across datasets is where the threshold falls rather than how the score ranks."""
    from harness.metaeval.faithfulness_fit import choose_threshold

    prob, faithful = [0.0] * len(y), [False] * len(y)
    for name in sorted(set(ds)):
        train = [i for i, d in enumerate(ds) if d != name]
        test = [i for i, d in enumerate(ds) if d == name]
        model = fit([X[i] for i in train], [y[i] for i in train], [ds[i] for i in train], names,
                    aux=aux, hard=[hard[i] for i in train], max_false_alarm=None)
        p = [predict(model, X[i]) for i in test]
        cut = choose_threshold(p, [y[i] for i in test], [name] * len(test), [hard[i] for i in test])
        for i, v in zip(test, p):
            prob[i] = rule_hard(v, hard[i], cut)
            faithful[i] = prob[i] >= cut
    return figures([{"dataset": d, "label": v} for d, v in zip(ds, y)], faithful, prob)


def nested_lodo(X: list, y: list, ds: list, candidates: dict, aux: tuple, hard: list, budget: float | None) -> dict:
    """Leave-one-dataset-out with the feature set chosen inside each fold: for each held-out
    dataset, the candidate with the best LODO figure on the other datasets (ties: fewer features)
    is fitted on them and measured on it. Figures as :func:`figures`, with ``chosen`` per dataset."""
    prob, faithful, chosen = [0.0] * len(y), [False] * len(y), {}
    for name in sorted(set(ds)):
        train = [i for i, d in enumerate(ds) if d != name]
        pick = lambda values: [values[i] for i in train]  # noqa: E731
        inner = {k: leave_one_dataset_out(pick(X), pick(y), pick(ds), v, aux=aux, hard=pick(hard),
                                          max_false_alarm=budget)["mean_balanced_accuracy"]
                 for k, v in candidates.items()}
        best = max(inner, key=lambda k: (inner[k], -len(candidates[k])))
        chosen[name] = best
        model = fit(pick(X), pick(y), pick(ds), candidates[best], aux=aux, hard=pick(hard), max_false_alarm=budget)
        for i, d in enumerate(ds):
            if d == name:
                prob[i] = rule_hard(predict(model, X[i]), hard[i], model["threshold"])
                faithful[i] = prob[i] >= model["threshold"]
    return figures([{"dataset": d, "label": v} for d, v in zip(ds, y)], faithful, prob) | {"chosen": chosen}


def own_cut(rows: list, scores: list) -> dict:
    """The same diagnostic for a fixed score (the overlap baseline): each dataset at its own best cut."""
    from harness.metaeval.faithfulness_fit import choose_threshold

    faithful = [False] * len(rows)
    for name in sorted({r["dataset"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["dataset"] == name]
        cut = choose_threshold([scores[i] for i in idx], [rows[i]["label"] for i in idx], [name] * len(idx))
        for i in idx:
            faithful[i] = scores[i] >= cut
    return figures(rows, faithful, scores)


def main() -> int:
    """Featurise (cached), then print and emit the figures of every feature set."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", default=DEV)
    ap.add_argument("--aux", nargs="*", default=AUX, metavar="FILE")
    ap.add_argument("--lm", default=DEFAULT_LM, help="the judge's model, or none (lexical features only)")
    ap.add_argument("--max-false-alarm", default=str(FALSE_ALARM_BUDGET), metavar="SHARE|none",
                    help="the false-alarm budget every fit chooses its threshold under (none: no budget)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=FEATURES",
                    help="a feature set to measure (repeatable; default: all and cos+doc)")
    ap.add_argument("--nested", action="store_true",
                    help="also measure choosing the set by LODO on the other datasets (the sets: --set, else CANDIDATES)")
    args = ap.parse_args()
    try:
        return run(args)
    except HarnessError as exc:
        print(f"lodo_features: error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    """The benchmark proper (see the module docstring)."""
    if not args.files:
        raise HarnessError("no dev files given (and none found in ../shared/metaeval/faithfulness/)")
    budget = parse_budget(args.max_false_alarm)
    rows = load_all(args.files)
    aux_rows = load_all(args.aux) if args.aux else []
    scorer = features_scorer(args.lm)
    lm_on = scorer.judge is not None
    lm = list(LM_FEATURES) if lm_on else []
    known = FEATURES + ("overlap",) + tuple(lm)
    sets = dict(parse_set(s, known) for s in args.set) or {"all": list(FEATURES) + lm,
                                                           "cos+doc": list(CANDIDATES["cos+doc"]) + lm}
    if lm_on and not args.set:
        sets["cos+doc, no lm"] = list(CANDIDATES["cos+doc"])
    t0 = time.perf_counter()
    featured = featurise(rows + aux_rows, scorer, cache=FeatureCache())
    t_features = time.perf_counter() - t0
    X = [f | {"overlap": o} for (f, _), o in zip(featured[:len(rows)], overlap_scores(rows))]
    hard = [h for _, h in featured[:len(rows)]]
    aux = ([f | {"overlap": o} for (f, _), o in zip(featured[len(rows):], overlap_scores(aux_rows))],
           [r["label"] for r in aux_rows])
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    groups = [hashlib.sha256(r["document"].encode()).hexdigest() for r in rows]
    base = baseline_figures(rows)
    base_own = own_cut(rows, overlap_scores(rows))
    result = {"n": len(rows), "n_aux": len(aux_rows), "max_false_alarm": budget, "analysis": scorer.analysis_signature(),
              "features_s": round(t_features, 1), "baseline_lodo": base, "baseline_own_cut": base_own, "sets": {}}
    table = []
    for name, names in sets.items():
        t1 = time.perf_counter()
        model = fit(X, y, ds, names, aux=aux, hard=hard, max_false_alarm=budget)
        p = [rule_hard(predict(model, x), h, model["threshold"]) for x, h in zip(X, hard)]
        figs = {"in_sample": figures(rows, [v >= model["threshold"] for v in p], p),
                "cv_by_document": cross_validate(X, y, ds, groups, names, aux=aux, hard=hard, max_false_alarm=budget),
                "lodo": leave_one_dataset_out(X, y, ds, names, aux=aux, hard=hard, max_false_alarm=budget)}
        figs["lodo_own_cut"] = lodo_own_cut(X, y, ds, names, aux, hard) if len(set(ds)) > 1 else None
        result["sets"][name] = {"features": names, **figs, "fit_s": round(time.perf_counter() - t1, 1)}
        print(f"\n{name} ({len(names)} features)", file=sys.stderr)
        print(side_by_side([("in-sample", figs["in_sample"]), ("cv", figs["cv_by_document"]),
                            ("lodo", figs["lodo"]), ("overlap lodo", base)]
                           + ([("lodo, own cut", figs["lodo_own_cut"])] if figs["lodo_own_cut"] else [])),
              file=sys.stderr)
        lodo_ba = [v["balanced_accuracy"] for v in figs["lodo"]["datasets"].values()]
        table.append([name, len(names), figs["in_sample"]["mean_balanced_accuracy"],
                      figs["cv_by_document"]["mean_balanced_accuracy"], figs["lodo"]["mean_balanced_accuracy"],
                      min(lodo_ba) if None not in lodo_ba else "-", mean_auc(figs["lodo"]),
                      figs["lodo_own_cut"]["mean_balanced_accuracy"] if figs["lodo_own_cut"] else "-",
                      figs["lodo"]["mean_faithful_flagged"]])
    if args.nested:
        candidates = sets if args.set else {k: list(v) + lm for k, v in CANDIDATES.items()}
        nested = nested_lodo(X, y, ds, candidates, aux, hard, budget)
        result["nested"] = nested
        print(f"\nnested choice per held-out dataset: {nested['chosen']}", file=sys.stderr)
        lodo_ba = [v["balanced_accuracy"] for v in nested["datasets"].values()]
        table.append([f"nested choice of {len(candidates)} sets", "-", "-", "-", nested["mean_balanced_accuracy"],
                      min(lodo_ba), mean_auc(nested), "-", nested["mean_faithful_flagged"]])
    table.append(["overlap baseline", 1, base["in_sample"]["mean_balanced_accuracy"], "-",
                  base["mean_balanced_accuracy"], min((v["balanced_accuracy"] for v in base["datasets"].values()
                                                       if v["balanced_accuracy"] is not None), default="-"),
                  mean_auc(base), base_own["mean_balanced_accuracy"], "-"])
    emit("lodo_features", result, table,
         ["set", "features", "in-sample BA", "CV BA", "LODO BA", "LODO min BA", "LODO AUC", "LODO own-cut BA",
          "LODO faithful flagged"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
