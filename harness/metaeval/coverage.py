"""``harness meta-eval coverage`` and ``harness refit coverage``: agreement of the fact-coverage
scorer with people on REALSumm-format data, and the refit of its shipped coefficients.

Figures (all computed on (fact, summary) pairs of the given files):
- ``fact_balanced_accuracy``: verdict ``covered`` against the human majority label
  (``partial``/``missing``/``contradicted`` count as not covered);
- ``summary_pearson``: per document, Pearson of the scorer's coverage (the mean fact score) with
  the human fraction of facts present, across its summaries; averaged over documents (documents
  where either side is constant are skipped);
- ``system_kendall``: Kendall tau-b of the per-system mean coverage against the per-system mean
  human fraction;
- the same under ``rouge1_recall``: ROUGE-1 recall (``rouge-score``, Porter stemmer) of each fact
  in the summary for the fact level (cut at the threshold that maximises balanced accuracy on the
  same data: an optimistic reference), and of the summary against the reference summary for the
  summary and system levels (the usual way ROUGE is used).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from ..errors import ConfigError
from .realsumm import RealsummDoc, load_realsumm

CHUNK = 200
"""Summaries per :meth:`score_many` call (bounds memory, drives the progress bar)."""


# ---------------------------------------------------------------- metrics (pure)
def balanced_accuracy(y_true: Sequence[int], y_pred: Sequence[int]) -> float:
    """Mean of the recall on positives and on negatives (NaN when a class is absent)."""
    pos = [p for t, p in zip(y_true, y_pred) if t == 1]
    neg = [p for t, p in zip(y_true, y_pred) if t == 0]
    if not pos or not neg:
        return math.nan
    return 0.5 * (sum(1 for p in pos if p == 1) / len(pos) + sum(1 for p in neg if p == 0) / len(neg))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson correlation (NaN when either side is constant or shorter than 2)."""
    n = len(xs)
    if n < 2:
        return math.nan
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-15 or syy <= 1e-15:
        return math.nan
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(sxx * syy)


def summary_pearson(rows: Iterable[tuple[str, float, float]]) -> float:
    """Rows ``(doc_id, score, human)`` per summary: Pearson within each document, averaged
    over the documents where it is defined (NaN when none)."""
    by_doc: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for doc, s, h in rows:
        by_doc[doc].append((s, h))
    rs = [pearson([s for s, _ in v], [h for _, h in v]) for v in by_doc.values()]
    rs = [r for r in rs if not math.isnan(r)]
    return sum(rs) / len(rs) if rs else math.nan


def system_kendall(rows: Iterable[tuple[str, float, float]]) -> float:
    """Rows ``(system, score, human)`` per summary: Kendall tau-b between the per-system means."""
    from scipy.stats import kendalltau

    by_sys: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for sys_, s, h in rows:
        by_sys[sys_].append((s, h))
    if len(by_sys) < 2:
        return math.nan
    a = [sum(s for s, _ in v) / len(v) for v in by_sys.values()]
    b = [sum(h for _, h in v) / len(v) for v in by_sys.values()]
    tau = kendalltau(a, b).statistic
    return float(tau) if tau is not None else math.nan


def best_threshold_accuracy(y_true: Sequence[int], scores: Sequence[float]) -> tuple[float, float]:
    """The cut on ``scores`` that maximises balanced accuracy, and that accuracy."""
    best = (0.0, math.nan)
    for t in sorted(set(round(s, 6) for s in scores)):
        acc = balanced_accuracy(y_true, [1 if s >= t else 0 for s in scores])
        if not math.isnan(acc) and (math.isnan(best[1]) or acc > best[1]):
            best = (t, acc)
    return best


# ---------------------------------------------------------------- scoring
def _progress(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="summ", file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty() and total < 50)


def load_files(paths: Sequence[str], limit: int | None = None) -> list[RealsummDoc]:
    """Every document of the given REALSumm-format files."""
    docs: list[RealsummDoc] = []
    for p in paths:
        docs.extend(load_realsumm(p, limit))
    return docs


def score_docs(docs: Sequence[RealsummDoc], scorer: Any, timing: dict[str, float] | None = None
               ) -> tuple[list[tuple], list[tuple]]:
    """Score every labelled summary. Returns pair rows ``(label, covered 0/1, ROUGE-1 recall of
    the fact, status)`` and summary rows ``(doc_id, system, coverage, human fraction, summary,
    reference)``; ``timing["scoring_seconds"]`` gets the scorer's own time."""
    from rouge_score import rouge_scorer

    from ..judges import score_or_skip

    items = [(d.article, s) for d in docs for s in d.summaries]
    results = []
    bar = _progress(len(items), "coverage")
    t0 = time.perf_counter()
    for i in range(0, len(items), CHUNK):
        chunk = items[i:i + CHUNK]
        results.extend(score_or_skip(scorer, [(a, s.text) for a, s in chunk]))
        bar.update(len(chunk))
    bar.close()
    if timing is not None:
        timing["scoring_seconds"] = time.perf_counter() - t0
    rs = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    pairs, summaries = [], []
    for (article, s), res in zip(items, results):
        if res is None:  # the judge gave no usable answer: left out, never guessed
            continue
        verdicts = {v.id: v for v in res.facts}
        labelled = [f for f in article.facts if f.id in s.labels]
        if not labelled:
            continue
        for f in labelled:
            v = verdicts[f.id]
            r1 = rs.score(f.statement, s.text)["rouge1"].recall  # (target, prediction)
            pairs.append((s.labels[f.id], 1 if v.status == "covered" else 0, r1, v.status))
        cov = sum(verdicts[f.id].score for f in labelled) / len(labelled)
        hum = sum(s.labels[f.id] for f in labelled) / len(labelled)
        summaries.append((article.id, s.system, cov, hum, s.text, article.references[0] if article.references else ""))
    return pairs, summaries


def figures(pairs: Sequence[tuple], summaries: Sequence[tuple]) -> dict[str, Any]:
    """The figures of the module docstring from :func:`score_docs` rows."""
    from rouge_score import rouge_scorer

    rs = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    y = [p[0] for p in pairs]
    pred = [p[1] for p in pairs]
    r1_fact = [p[2] for p in pairs]
    counts: dict[str, int] = defaultdict(int)
    for p in pairs:
        counts[p[3]] += 1
    r1_sum = [rs.score(ref, text)["rouge1"].recall if ref else 0.0 for *_, text, ref in summaries]
    cut, r1_acc = best_threshold_accuracy(y, r1_fact)
    return {
        "fact_balanced_accuracy": _r(balanced_accuracy(y, pred)),
        "summary_pearson": _r(summary_pearson((d, c, h) for d, _, c, h, *_ in summaries)),
        "system_kendall": _r(system_kendall((s, c, h) for _, s, c, h, *_ in summaries)),
        "n_pairs": len(y),
        "n_summaries": len(summaries),
        "n_documents": len({row[0] for row in summaries}),
        "status_counts": dict(sorted(counts.items())),
        "rouge1_recall": {
            "fact_balanced_accuracy": _r(r1_acc),
            "fact_threshold": _r(cut),
            "summary_pearson": _r(summary_pearson((row[0], r, row[3]) for row, r in zip(summaries, r1_sum))),
            "system_kendall": _r(system_kendall((row[1], r, row[3]) for row, r in zip(summaries, r1_sum))),
            "n_pairs": len(y),
        },
    }


def evaluate_docs(docs: Sequence[RealsummDoc], scorer: Any = None) -> dict[str, Any]:
    """Score every labelled summary and compute the figures (see the module docstring)."""
    from ..scorers.coverage import FactCoverageScorer

    scorer = scorer or FactCoverageScorer()
    timing: dict[str, float] = {}
    pairs, summaries = score_docs(docs, scorer, timing)
    scored_s = timing["scoring_seconds"]
    fig = figures(pairs, summaries)
    fig["signature"] = scorer.signature()
    fig["scoring_seconds"] = round(scored_s, 2)
    fig["pairs_per_second"] = round(len(pairs) / scored_s, 1) if scored_s > 0 else None
    fig["summaries_per_second"] = round(len(summaries) / scored_s, 1) if scored_s > 0 else None
    return fig


def cross_validated_figures(docs: Sequence[RealsummDoc], folds: int = 5, embeddings: bool = False,
                            **scorer_params: Any) -> dict[str, Any]:
    """Document-level k-fold CV of the whole shipped pipeline: refit the coefficients on the
    other folds' documents, score each fold's documents with the real scorer (statuses,
    contradiction rules, partial credit), then compute the figures over all folds at once."""
    import tempfile

    from ..checkers.coverage.coverage_model import VARIANTS, fit_variant
    from ..scorers.coverage import FactCoverageScorer

    variant = "embedding" if embeddings else "lexical"
    rows, labels, groups = pair_signals(docs, embeddings=embeddings)
    ids = sorted({d.article.id for d in docs})
    fold_of = {doc_id: i % folds for i, doc_id in enumerate(ids)}
    pairs: list = []
    summaries: list = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(folds):
            train = [i for i, g in enumerate(groups) if fold_of[g] != k]
            v = fit_variant([rows[i] for i in train], [labels[i] for i in train], VARIANTS[variant])
            path = f"{tmp}/fold{k}.json"
            with open(path, "w", encoding="utf-8") as fh:
                json.dump({"format": "cv", "variants": {variant: v}}, fh)
            scorer = FactCoverageScorer(model=path, embeddings=embeddings, **scorer_params)
            p, s = score_docs([d for d in docs if fold_of[d.article.id] == k], scorer)
            pairs += p
            summaries += s
    fig = figures(pairs, summaries)
    fig["folds"] = folds
    return fig


def _r(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


def format_table(fig: dict[str, Any]) -> str:
    """A short plain-text table: ours vs ROUGE-1 recall."""
    r = fig["rouge1_recall"]
    lines = [f"{'figure':26s} {'harness':>10s} {'ROUGE-1 R':>10s}"]
    for k in ("fact_balanced_accuracy", "summary_pearson", "system_kendall"):
        lines.append(f"{k:26s} {_fmt(fig[k]):>10s} {_fmt(r[k]):>10s}")
    lines.append(f"{'n_pairs':26s} {fig['n_pairs']:>10d} {r['n_pairs']:>10d}")
    lines.append(f"statuses: {fig['status_counts']}  elapsed: {fig.get('elapsed_seconds')} s, of which "
                 f"scoring {fig.get('scoring_seconds')} s ({fig.get('pairs_per_second')} pairs/s)")
    lines.append(f"signature: {fig['signature']}")
    return "\n".join(lines)


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def main(args: Any) -> int:
    """CLI: ``harness meta-eval coverage --data FILE... [--json OUT] [--limit N] [--cv K] [--judge ...]``."""
    from ..scorers.coverage import FactCoverageScorer

    t0 = time.perf_counter()
    docs = load_files(args.data, getattr(args, "limit", None))
    judge = getattr(args, "judge_spec", None)
    if getattr(args, "cv", None):
        if args.cv < 2:
            raise ConfigError(f"--cv: needs at least 2 folds, got {args.cv}")
        fig = cross_validated_figures(docs, folds=args.cv, **({"judge": judge} if judge else {}))
        fig.setdefault("signature", f"{FactCoverageScorer().signature()} (model refitted per fold)")
    else:
        fig = evaluate_docs(docs, FactCoverageScorer(judge=judge) if judge else None)
    fig["data"] = [str(p) for p in args.data]
    fig["elapsed_seconds"] = round(time.perf_counter() - t0, 2)
    print(format_table(fig))
    if getattr(args, "json", None):
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(fig, fh, indent=2, sort_keys=True)
            fh.write("\n")
    return 0


# ---------------------------------------------------------------- refit
def pair_signals(docs: Sequence[RealsummDoc], embeddings: bool = True
                 ) -> tuple[list[dict[str, float]], list[int], list[str]]:
    """Signals of every labelled (fact, summary) pair, their labels and document ids."""
    from ..checkers.coverage.statement import article_idf, view
    from ..checkers.coverage.units import clean
    from ..scorers.coverage import fact_signals, statement_similarities

    rows, labels, groups = [], [], []
    bar = _progress(sum(len(d.summaries) for d in docs), "signals")
    for d in docs:
        a = d.article
        body = clean(a.body or a.text)
        idf = article_idf(body)
        views = [view(clean(s.text)) for s in d.summaries]
        sims = statement_similarities([(a, s.text) for s in d.summaries], views) if embeddings else {}
        for k, (s, sv) in enumerate(zip(d.summaries, views)):
            for f in a.facts:
                if f.id not in s.labels:
                    continue
                sig = dict(fact_signals(f, sv, body, idf).signals)
                if embeddings:
                    sig["emb_sent"] = sims[(k, f.statement)]
                rows.append(sig)
                labels.append(s.labels[f.id])
                groups.append(a.id)
        bar.update(len(d.summaries))
    bar.close()
    return rows, labels, groups


def cross_validate(rows: list[dict[str, float]], labels: list[int], groups: list[str],
                   features: Sequence[str], folds: int = 5) -> dict[str, float]:
    """Document-level k-fold CV of a variant: balanced accuracy at P >= 0.5."""
    from sklearn.model_selection import GroupKFold

    from ..checkers.coverage.coverage_model import CoverageModel, fit_variant

    pred = [0] * len(rows)
    for tr, te in GroupKFold(folds).split(rows, labels, groups):
        v = fit_variant([rows[i] for i in tr], [labels[i] for i in tr], features)
        m = CoverageModel(tuple(v["features"]), tuple(v["coef"]), v["intercept"], "")
        for i in te:
            pred[i] = 1 if m.probability(rows[i]) >= 0.5 else 0
    return {"folds": folds, "fact_balanced_accuracy": _r(balanced_accuracy(labels, pred))}


def refit_main(args: Any) -> int:
    """CLI: ``harness refit coverage --data FILE... [--out PATH]``."""
    from ..cache import file_sha256
    from ..checkers.coverage.coverage_model import FORMAT, SHIPPED, VARIANTS, fit_variant

    docs = load_files(args.data)
    rows, labels, groups = pair_signals(docs, embeddings=True)
    variants = {}
    for name, feats in VARIANTS.items():
        v = fit_variant(rows, labels, feats)
        v["cv"] = cross_validate(rows, labels, groups, feats)
        variants[name] = v
        print(f"{name:10s} CV balanced accuracy {v['cv']['fact_balanced_accuracy']}  "
              f"coef {dict(zip(feats, v['coef']))} intercept {v['intercept']}")
    out = {
        "format": FORMAT,
        "variants": variants,
        "provenance": {
            "data": [{"path": str(p), "sha256": file_sha256(p, memo=False)} for p in args.data],
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            "n_documents": len(docs), "n_pairs": len(rows),
            "command": "harness refit coverage --data " + " ".join(str(p) for p in args.data),
            "model": "sklearn LogisticRegression(C=1, class_weight='balanced'); cv = GroupKFold by document",
        },
    }
    path = args.out or str(SHIPPED)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=2)
        fh.write("\n")
    print(f"wrote {path}")
    return 0
