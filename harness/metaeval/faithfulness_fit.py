"""Fitting the hallucination scorer's summary model: a logistic regression on the summary
features (standardised), with every dataset weighted equally and both classes weighted equally
inside each dataset (so it targets mean balanced accuracy), and one threshold shared by all
datasets, chosen to maximise the mean balanced accuracy on the training data among the cuts that
flag at most :data:`FALSE_ALARM_BUDGET` of its faithful summaries.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..checkers.faithfulness.evidence import FEATURES
from .agreement import choose_threshold, figures

FALSE_ALARM_BUDGET = 0.15
"""The share of faithful summaries (mean over datasets) the chosen threshold may flag at most: a
flag should mostly be right for a report or a CI gate to act on. Set before measuring, at the bound
issue 25 puts on untouched summaries. Measured leave-one-dataset-out at claims-v25 with lexical
features (``benchmarks/quality/lodo_features.py --lm none``, with and without
``--max-false-alarm none``): mean balanced accuracy 0.627 with it against 0.623 without, and the
held-out dataset's faithful summaries flagged 0.196 against 0.391."""


def parse_budget(value: str | None, default: float | None = FALSE_ALARM_BUDGET) -> float | None:
    """A ``--max-false-alarm`` value: a share in [0, 1], ``none`` (no budget), or ``default``
    when not given; a :class:`~harness.errors.HarnessError` for anything else."""
    from ..errors import HarnessError

    if value is None:
        return default
    if str(value).lower() == "none":
        return None
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise HarnessError(f"--max-false-alarm {value!r}: expected a share between 0 and 1, or none")
    return share


def _matrix(X: Sequence[dict[str, float]], names: Sequence[str]) -> Any:
    import numpy as np

    return np.array([[x[n] for n in names] for x in X], dtype=np.float64)


def _weights(y: Sequence[int], ds: Sequence[str]) -> Any:
    import numpy as np

    counts: dict[tuple[str, int], int] = {}
    for d, v in zip(ds, y):
        counts[(d, v)] = counts.get((d, v), 0) + 1
    n_ds = len(set(ds))
    w = np.array([1.0 / (counts[(d, v)] * (2 if (d, 1 - v) in counts else 1)) for d, v in zip(ds, y)])
    return w * len(y) / n_ds / w.sum() * n_ds


def fit(X: Sequence[dict[str, float]], y: Sequence[int], ds: Sequence[str],
        names: Sequence[str] = FEATURES, C: float = 1.0,
        aux: tuple[Sequence[dict[str, float]], Sequence[int]] | None = None,
        hard: Sequence[bool] | None = None, max_false_alarm: float | None = FALSE_ALARM_BUDGET) -> dict[str, Any]:
    """Fit weights and a shared threshold; returns the model dict the scorer loads. ``aux``
    (features, labels) joins the weight fit as one pooled dataset; the threshold is chosen on
    the dev rows alone, with ``hard`` (per dev row) ruled as the scorer rules them, among the
    cuts that flag at most ``max_false_alarm`` of the faithful dev summaries (None: any cut)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from ..scorers.hallucination import predict

    AX, ay = aux if aux else ([], [])
    n_dev = len(X)
    X, y, ds = list(X) + list(AX), list(y) + list(ay), list(ds) + ["(aux)"] * len(AX)
    A = _matrix(X, names)
    mean = A.mean(axis=0)
    scale = A.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = (A - mean) / scale
    lr = LogisticRegression(C=C, max_iter=2000)
    lr.fit(Z, np.asarray(y), sample_weight=_weights(y, ds))
    model = {
        "version": 1, "features": list(names),
        "mean": [round(float(v), 8) for v in mean], "scale": [round(float(v), 8) for v in scale],
        "coef": [round(float(v), 8) for v in lr.coef_[0]], "intercept": round(float(lr.intercept_[0]), 8),
        "threshold": None, "C": C,
    }
    model["threshold"] = choose_threshold([predict(model, x) for x in X[:n_dev]], y[:n_dev], ds[:n_dev], hard,
                                          max_false_alarm)
    model["max_false_alarm"] = max_false_alarm
    return model


def cross_validate(X: Sequence[dict[str, float]], y: Sequence[int], ds: Sequence[str], groups: Sequence[str],
                   names: Sequence[str] = FEATURES, folds: int = 5, C: float = 1.0,
                   aux: tuple[Sequence[dict[str, float]], Sequence[int]] | None = None,
                   hard: Sequence[bool] | None = None,
                   max_false_alarm: float | None = FALSE_ALARM_BUDGET) -> dict[str, Any]:
    """Out-of-fold figures (split by document, so no document is in train and test), each
    fold fitting its own weights and threshold; ``aux`` (features, labels) joins every
    training fold as one pooled dataset and never the test folds or the threshold choice;
    ``hard`` (per row) marks summaries the scorer rules unfaithful whatever the model says."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from ..scorers.hallucination import predict, rule_hard

    y = list(y)
    prob = np.zeros(len(y))
    faithful = np.zeros(len(y), dtype=bool)
    AX, ay = aux if aux else ([], [])
    hard = list(hard) if hard is not None else [False] * len(y)
    n_folds = min(folds, len(set(groups)))
    for train, test in GroupKFold(n_splits=n_folds).split(np.zeros(len(y)), y, list(groups)):
        model = fit([X[i] for i in train], [y[i] for i in train], [ds[i] for i in train], names, C,
                    aux=(AX, ay), hard=[hard[i] for i in train], max_false_alarm=max_false_alarm)
        for i in test:
            prob[i] = rule_hard(predict(model, X[i]), hard[i], model["threshold"])
            faithful[i] = prob[i] >= model["threshold"]
    rows = [{"dataset": d, "label": v} for d, v in zip(ds, y)]
    return figures(rows, list(faithful), list(prob))


def leave_one_dataset_out(X: Sequence[dict[str, float]], y: Sequence[int], ds: Sequence[str],
                          names: Sequence[str] = FEATURES, C: float = 1.0,
                          aux: tuple[Sequence[dict[str, float]], Sequence[int]] | None = None,
                          hard: Sequence[bool] | None = None,
                          max_false_alarm: float | None = FALSE_ALARM_BUDGET) -> dict[str, Any]:
    """Figures of each dev dataset measured with weights and threshold fitted (:func:`fit`) on
    the *other* dev datasets, ``aux`` pooled into every training set: how the model does on a
    kind of data it has never seen. Same shape as :func:`cross_validate`'s, each dataset also
    with the ``threshold`` its model chose; with fewer than two dev datasets there is nothing to
    train on, and every figure is ``None``."""
    from ..scorers.hallucination import predict, rule_hard

    y, ds = list(y), list(ds)
    if not (len(X) == len(y) == len(ds)) or (hard is not None and len(hard) != len(y)):
        raise ValueError("X, y, ds (and hard) must have one entry per row")
    hard = list(hard) if hard is not None else [False] * len(y)
    names_ds = sorted(set(ds))
    if len(names_ds) < 2:
        return {"datasets": {n: {"balanced_accuracy": None, "roc_auc": None, "n": ds.count(n), "threshold": None}
                             for n in names_ds},
                "mean_balanced_accuracy": None}
    prob = [0.0] * len(y)
    faithful = [False] * len(y)
    thresholds = {}
    for name in names_ds:
        train = [i for i, d in enumerate(ds) if d != name]
        model = fit([X[i] for i in train], [y[i] for i in train], [ds[i] for i in train], names, C,
                    aux=aux, hard=[hard[i] for i in train], max_false_alarm=max_false_alarm)
        thresholds[name] = model["threshold"]
        for i, d in enumerate(ds):
            if d == name:
                prob[i] = rule_hard(predict(model, X[i]), hard[i], model["threshold"])
                faithful[i] = prob[i] >= model["threshold"]
    fig = figures([{"dataset": d, "label": v} for d, v in zip(ds, y)], faithful, prob)
    for name, entry in fig["datasets"].items():
        entry["threshold"] = thresholds[name]
    return fig
