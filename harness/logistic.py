"""The logistic models the scorers ship (coverage's per-fact model, the hallucination scorer's
summary model): a probability from named features, weights and an intercept, with the features
optionally standardised first. Fitting stays with each model's refit (scikit-learn)."""

from __future__ import annotations

import math
from typing import Mapping, Sequence


def sigmoid(z: float) -> float:
    """``1 / (1 + e^-z)``, with ``z`` held in [-40, 40] so ``exp`` never overflows (beyond that
    range the result differs from 0 or 1 by less than 1e-17)."""
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def probability(features: Mapping[str, float], names: Sequence[str], coef: Sequence[float],
                intercept: float, mean: Sequence[float] | None = None,
                scale: Sequence[float] | None = None) -> float:
    """``sigmoid(intercept + sum(coef_i * x_i))`` over ``names``, where ``x_i`` is the feature,
    standardised by ``mean`` and ``scale`` when they are given (a zero scale counts as 1). A
    feature missing from ``features`` raises KeyError: a bug, never a silent zero."""
    z = float(intercept)
    for i, (name, w) in enumerate(zip(names, coef)):
        x = features[name]
        if mean is not None and scale is not None:
            x = (x - mean[i]) / (scale[i] or 1.0)
        z += w * x
    return sigmoid(z)
