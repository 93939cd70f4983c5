"""The calibrated combination of alignment signals into P(fact carried by summary): a
logistic regression with a handful of coefficients, shipped in ``harness/data/coverage_model.json``
with its provenance (data file and sha256, date, cross-validated figures, feature list), and
refitted by ``harness refit coverage``.

File format::

    {"format": "harness.coverage_model/1",
     "variants": {"lexical": {"features": [...], "coef": [...], "intercept": b, "cv": {...}},
                  "embedding": {...}},
     "provenance": {"data": [{"path": ..., "sha256": ...}], "date": ..., "n_pairs": ...}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from ...errors import HarnessError
from ...logistic import probability

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "coverage_model.json"
"""Where the shipped coefficients live."""
FORMAT = "harness.coverage_model/1"
VARIANTS: dict[str, tuple[str, ...]] = {
    "lexical": ("recall_sent", "recall_all", "idf_recall", "bigram", "number_agree", "evid_recall"),
    "embedding": ("recall_sent", "recall_all", "idf_recall", "bigram", "number_agree", "evid_recall",
                  "emb_sent"),
}
"""Feature lists of the two shipped variants (``embeddings=False`` / ``True`` in the scorer)."""


@dataclass(frozen=True)
class CoverageModel:
    """One fitted variant: ``P = sigmoid(intercept + coef . features)``."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    digest: str
    """Short sha256 of the coefficients (goes into the scorer's signature)."""

    def probability(self, signals: dict[str, float]) -> float:
        """P(carried) for one fact's signals (missing signals raise KeyError: a bug)."""
        return probability(signals, self.features, self.coef, self.intercept)


def _digest(variant: dict[str, Any]) -> str:
    blob = json.dumps({k: variant[k] for k in ("features", "coef", "intercept")}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:12]


@lru_cache(maxsize=8)
def load_model(path: str | None = None, variant: str = "lexical") -> CoverageModel:
    """Read one variant of a coefficients file (default: the shipped one)."""
    p = Path(path) if path else SHIPPED
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        v = data["variants"][variant]
        model = CoverageModel(tuple(v["features"]), tuple(float(c) for c in v["coef"]),
                              float(v["intercept"]), _digest(v))
    except FileNotFoundError as exc:
        raise HarnessError(f"coverage model file not found: {p}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise HarnessError(f"{p}: not a coverage model file with variant {variant!r} ({exc})") from exc
    if len(model.coef) != len(model.features):
        raise HarnessError(f"{p}: variant {variant!r} has {len(model.coef)} coefficients for "
                           f"{len(model.features)} features")
    return model


def fit_variant(rows: Sequence[dict[str, float]], labels: Sequence[int], features: Sequence[str],
                c: float = 1.0) -> dict[str, Any]:
    """Fit a class-balanced logistic regression on ``rows`` (signal dicts) and return the
    variant's JSON (features, coef, intercept)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r[f] for f in features] for r in rows], dtype=float)
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(x, np.asarray(labels))
    return {"features": list(features), "coef": [round(float(v), 6) for v in lr.coef_[0]],
            "intercept": round(float(lr.intercept_[0]), 6), "C": c, "class_weight": "balanced"}
