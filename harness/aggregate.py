"""Aggregation: per-model means with percentile-bootstrap 95% confidence intervals.

Per-item scoring is separate from aggregation (as in rouge_score's BootstrapAggregator).
Unscored items are counted (``n_unscored``), never folded into 0 or 1.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .records import ScoreRecord

METRICS = ("coverage", "hallucination_rate", "faithful", "traps_hit")


def bootstrap_ci(values: Sequence[float], resamples: int = 1000, seed: int = 0,
                 level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean (deterministic for a given seed). For a paired
    comparison, ``values`` are the per-item differences (each pair resampled as one)."""
    x = np.asarray(values, dtype=float)
    if len(x) == 0:
        return (float("nan"), float("nan"))
    if np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    if resamples <= 0:
        return (float(x.mean()), float(x.mean()))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(x), size=(resamples, len(x)))
    means = x[idx].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, 1 - (1 - level) / 2])
    return (float(lo), float(hi))


def metric_value(record: ScoreRecord, metric: str) -> float | None:
    """The per-item value of ``metric`` (None when unscored or not computed)."""
    if record.unscored:
        return None
    if metric == "coverage":
        return record.coverage
    if metric == "hallucination_rate":
        return record.hallucination_rate
    if metric == "faithful":
        return None if record.faithful is None else float(record.faithful)
    if metric == "traps_hit":
        return float(len(record.traps_hit))
    raise KeyError(metric)


def summarize_metric(records: Iterable[ScoreRecord], metric: str, resamples: int = 1000,
                     seed: int = 0) -> dict[str, float | int | None]:
    """``{mean, ci_low, ci_high, n, n_unscored}`` of one metric over one model's records."""
    recs = list(records)
    values = [v for v in (metric_value(r, metric) for r in recs) if v is not None]
    n_unscored = sum(1 for r in recs if r.unscored)
    if not values:
        return {"mean": None, "ci_low": None, "ci_high": None, "n": 0, "n_unscored": n_unscored}
    lo, hi = bootstrap_ci(values, resamples, seed)
    return {"mean": round(float(np.mean(values)), 6), "ci_low": round(lo, 6), "ci_high": round(hi, 6),
            "n": len(values), "n_unscored": n_unscored}


def summarize_model(records: Iterable[ScoreRecord], resamples: int = 1000, seed: int = 0) -> dict[str, dict]:
    """Every metric of :data:`METRICS` for one model."""
    recs = list(records)
    return {m: summarize_metric(recs, m, resamples, seed) for m in METRICS}
