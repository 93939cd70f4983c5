"""The hallucination scorer's cut, chosen on a user's own labelled summaries.

The shipped threshold is fitted on six public datasets and does not carry over well to a kind of
summary it has never seen: measured leave one dataset out, the same weights rank a held-out
dataset's summaries well but its best cut lies elsewhere (``docs/agreement.md``). A few dozen
labelled summaries of one's own kind are enough to move the cut (``benchmarks/quality/
calibration.py`` measures how many). :func:`calibrate` picks it from a meta-eval run's results;
``harness meta-eval faithfulness`` prints it, and ``scorers: {hallucination: {threshold: T}}``
uses it.
"""

from __future__ import annotations

from typing import Any, Sequence

from .agreement import choose_threshold, figures


def cut_inputs(results: Sequence[Any], threshold: float) -> tuple[list[float], list[bool]]:
    """The scorer's probabilities and, per summary, whether its verdict holds at every cut:
    ``hard`` for a summary with a hard finding (unfaithful whatever the cut), and probability 1.0
    for one the scorer holds faithful whatever the model says (copied from the article: its
    probability was raised to exactly ``threshold`` and nothing was found)."""
    from ..scorers.hallucination import HARD_KINDS

    probs, hard = [], []
    for r in results:
        is_hard = any(h.kind in HARD_KINDS for h in r.hallucinations)
        held = r.faithful and not r.hallucinations and r.probability == round(threshold, 6)
        probs.append(1.0 if held else r.probability)
        hard.append(is_hard)
    return probs, hard


def calibrate(rows: Sequence[dict[str, Any]], probs: Sequence[float], hard: Sequence[bool],
              max_false_alarm: float | None = None) -> dict[str, Any]:
    """The cut that maximises the mean balanced accuracy over the rows' datasets (among the cuts
    flagging at most ``max_false_alarm`` of their faithful summaries, if given), with the figures
    it gives on these same rows (in-sample: new summaries of the same kind do less well)."""
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    cut = choose_threshold(probs, y, ds, hard, max_false_alarm)
    p = [0.0 if h else v for v, h in zip(probs, hard)]
    fig = figures(rows, [v >= cut for v in p], p)
    return {"threshold": cut, "max_false_alarm": max_false_alarm,
            "mean_balanced_accuracy": fig["mean_balanced_accuracy"],
            "mean_faithful_flagged": fig["mean_faithful_flagged"]}
