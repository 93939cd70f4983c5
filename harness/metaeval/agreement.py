"""Agreement between a scorer's verdicts and people's labels, per dataset: balanced accuracy,
ROC-AUC, their tables, and the choice of one threshold shared by several datasets. Shared by the
faithfulness meta-evaluation, its refit and the overlap baseline.
"""

from __future__ import annotations

from typing import Any, Sequence


def balanced_accuracy(y: Sequence[int], pred: Sequence[bool]) -> float:
    """Mean of the recall of each class present."""
    recalls = []
    for cls in (0, 1):
        idx = [i for i, v in enumerate(y) if v == cls]
        if idx:
            recalls.append(sum(1 for i in idx if int(pred[i]) == cls) / len(idx))
    return sum(recalls) / len(recalls) if recalls else float("nan")


def roc_auc(y: Sequence[int], p: Sequence[float]) -> float | None:
    """ROC-AUC (ties count half); None when only one class is present."""
    pos = [v for v, t in zip(p, y) if t == 1]
    neg = [v for v, t in zip(p, y) if t == 0]
    if not pos or not neg:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(list(pos) + list(neg))
    r = float(sum(ranks[: len(pos)]))
    return (r - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def figures(rows: Sequence[dict[str, Any]], faithful: Sequence[bool], prob: Sequence[float]) -> dict[str, Any]:
    """``{"datasets": {name: {balanced_accuracy, roc_auc, faithful_flagged, n}},
    "mean_balanced_accuracy", "mean_faithful_flagged"}``; ``faithful_flagged`` is the share of the
    faithful summaries (label 1) not judged faithful (None without any)."""
    out: dict[str, Any] = {}
    for name in sorted({r["dataset"] for r in rows}):
        idx = [i for i, r in enumerate(rows) if r["dataset"] == name]
        y = [rows[i]["label"] for i in idx]
        auc = roc_auc(y, [prob[i] for i in idx])
        good = [i for i in idx if rows[i]["label"] == 1]
        out[name] = {"balanced_accuracy": round(balanced_accuracy(y, [faithful[i] for i in idx]), 4),
                     "roc_auc": None if auc is None else round(auc, 4),
                     "faithful_flagged": round(sum(1 for i in good if not faithful[i]) / len(good), 4) if good else None,
                     "n": len(idx)}
    bas = [v["balanced_accuracy"] for v in out.values()]
    flagged = [v["faithful_flagged"] for v in out.values() if v["faithful_flagged"] is not None]
    return {"datasets": out, "mean_balanced_accuracy": round(sum(bas) / len(bas), 4) if bas else None,
            "mean_faithful_flagged": round(sum(flagged) / len(flagged), 4) if flagged else None}


def _num(v: float | None, width: int = 8) -> str:
    return f"{'-':>{width}}" if v is None else f"{v:>{width}.3f}"


def table(fig: dict[str, Any]) -> str:
    """The figures as a plain-text table (``-`` where a figure is undefined)."""
    lines = [f"{'dataset':<22} {'bal.acc':>8} {'ROC-AUC':>8} {'n':>6}"]
    for name, v in fig["datasets"].items():
        lines.append(f"{name:<22} {_num(v['balanced_accuracy'])} {_num(v['roc_auc'])} {v['n']:>6}")
    lines.append(f"{'mean':<22} {_num(fig['mean_balanced_accuracy'])}")
    return "\n".join(lines)


def side_by_side(columns: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Several sets of figures (``(label, figures)``, each shaped as :func:`figures`' output) as
    one table: per dataset, each set's balanced accuracy and ROC-AUC; the last line the mean
    balanced accuracies (and mean ROC-AUCs where every dataset has one)."""
    if not columns:
        raise ValueError("side_by_side needs at least one set of figures")
    width = max(8, *(len(label) for label, _ in columns))
    head = f"{'':<22} " + " ".join(f"{label:>{width}} {'':>8}" for label, _ in columns)
    sub = f"{'dataset':<22} " + " ".join(f"{'bal.acc':>{width}} {'ROC-AUC':>8}" for _ in columns) + f" {'n':>6}"
    names = list(dict.fromkeys(n for _, fig in columns for n in fig["datasets"]))
    lines = [head, sub]
    for name in names:
        cells, n = [], None
        for _, fig in columns:
            v = fig["datasets"].get(name, {})
            n = v.get("n", n)
            cells.append(f"{_num(v.get('balanced_accuracy'), width)} {_num(v.get('roc_auc'))}")
        lines.append(f"{name:<22} " + " ".join(cells) + f" {'-' if n is None else n:>6}")
    lines.append(f"{'mean':<22} " + " ".join(
        f"{_num(fig['mean_balanced_accuracy'], width)} {_num(mean_auc(fig))}" for _, fig in columns))
    return "\n".join(lines)


def mean_auc(fig: dict[str, Any]) -> float | None:
    """Mean ROC-AUC over the datasets of ``fig`` (``None`` unless every dataset has one)."""
    aucs = [v["roc_auc"] for v in fig["datasets"].values()]
    return round(sum(aucs) / len(aucs), 4) if aucs and None not in aucs else None


def _by_dataset(p: Any, y: Sequence[int], ds: Sequence[str]) -> list[tuple[Any, Any]]:
    """Per dataset (sorted by name): the scores of its unfaithful (label 0) and faithful (label 1)
    summaries, as arrays, grouped once so that many cuts can be tried on them."""
    import numpy as np

    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y)
    ds = np.asarray(ds)
    return [(p[(ds == name) & (y == 0)], p[(ds == name) & (y == 1)]) for name in sorted(set(ds.tolist()))]


def _mean_ba(groups: list[tuple[Any, Any]], t: float) -> float:
    """Mean over datasets of the balanced accuracy at cut ``t`` (faithful at ``p >= t``)."""
    bas = []
    for bad, good in groups:
        recalls = [int((s < t).sum() if cls == 0 else (s >= t).sum()) / len(s)
                   for cls, s in ((0, bad), (1, good)) if len(s)]
        bas.append(sum(recalls) / len(recalls))
    return sum(bas) / len(bas)


def _false_alarms(groups: list[tuple[Any, Any]], t: float) -> float:
    rates = [int((good < t).sum()) / len(good) for _, good in groups if len(good)]
    return sum(rates) / len(rates) if rates else 0.0


def false_alarm_rate(p: Any, y: Sequence[int], ds: Sequence[str], t: float) -> float:
    """Mean over datasets of the share of faithful summaries (label 1) with ``p`` below ``t``
    (flagged); datasets without a faithful summary are left out."""
    return _false_alarms(_by_dataset(p, y, ds), t)


def choose_threshold(p: Any, y: Sequence[int], ds: Sequence[str], hard: Sequence[bool] | None = None,
                     max_false_alarm: float | None = None) -> float:
    """The probability threshold maximising mean balanced accuracy over datasets (midpoint of
    the best run of candidate cut points; deterministic); summaries with a hard finding count
    as unfaithful at every threshold, as the scorer rules them. With ``max_false_alarm``, only
    cuts that flag at most that share of the faithful summaries (:func:`false_alarm_rate`) are
    candidates (the lowest cut when none is)."""
    import numpy as np

    p = np.asarray(p, dtype=np.float64)
    if hard is not None:
        p = np.where(np.asarray(hard, dtype=bool), 0.0, p)

    cuts = np.unique(np.round(np.quantile(p, np.linspace(0.01, 0.99, 197)), 6))
    groups = _by_dataset(p, y, ds)
    if max_false_alarm is not None:
        cuts = np.array([t for t in cuts if _false_alarms(groups, float(t)) <= max_false_alarm] or cuts[:1])
    scores = [_mean_ba(groups, float(t)) for t in cuts]
    best = max(scores)
    ids = [i for i, s in enumerate(scores) if s >= best - 1e-12]
    return round(float((cuts[ids[0]] + cuts[ids[-1]]) / 2 if len(ids) > 1 else cuts[ids[0]]), 6)
