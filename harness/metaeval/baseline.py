"""The token-overlap baseline for the faithfulness meta-evaluation: the share of a summary's
content words that occur in its document, cut at one threshold shared by all datasets.

It is the yardstick the README's published reference points use ("token overlap with a tuned
threshold"); here its cut is chosen the honest way too: for each dataset, on the other datasets
only (leave-one-dataset-out), with the in-sample cut kept beside it for reference.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..text import STOPWORDS, tokens
from .agreement import balanced_accuracy, choose_threshold, figures


def content_words(text: str) -> list[str]:
    """Stems of the content words of ``text``: not a stopword, and longer than one character
    unless a digit."""
    return [t.stem for t in tokens(text) if t.norm not in STOPWORDS and (len(t.norm) > 1 or t.norm.isdigit())]


def overlap(document: str, summary: str) -> float:
    """Share of the summary's content words whose stem occurs among the document's word stems;
    1.0 for a summary without content words (it asserts nothing the document lacks)."""
    words = content_words(summary)
    if not words:
        return 1.0
    in_doc = {t.stem for t in tokens(document)}
    return sum(1 for w in words if w in in_doc) / len(words)


def overlap_scores(rows: Sequence[dict[str, Any]]) -> list[float]:
    """:func:`overlap` of every meta-eval row (``document``, ``summary``)."""
    return [overlap(r["document"], r["summary"]) for r in rows]


def baseline_figures(rows: Sequence[dict[str, Any]], scores: Sequence[float] | None = None) -> dict[str, Any]:
    """Figures of the overlap baseline on labelled rows (``dataset``, ``label``, and
    ``document``/``summary`` unless ``scores`` are given), in the shape of
    :func:`~harness.metaeval.faithfulness.figures`.

    Per dataset, ``balanced_accuracy`` is measured at the cut chosen on the *other* datasets
    (leave-one-dataset-out; ``None`` with a single dataset, where there is nothing to choose it
    on) and ``threshold`` is that cut; ``in_sample_balanced_accuracy`` is at the one cut chosen on
    every dataset together (``in_sample.threshold``). ``roc_auc`` needs no cut."""
    if not rows:
        raise ValueError("the overlap baseline needs at least one labelled row")
    p = list(overlap_scores(rows) if scores is None else scores)
    if len(p) != len(rows):
        raise ValueError(f"{len(p)} scores for {len(rows)} rows")
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    cut_all = choose_threshold(p, y, ds)
    fig = figures(rows, [v >= cut_all for v in p], p)
    in_sample_mean = fig["mean_balanced_accuracy"]
    names = sorted(set(ds))
    for name in names:
        in_sample = fig["datasets"][name]
        entry = fig["datasets"][name] = {"balanced_accuracy": None, "roc_auc": in_sample["roc_auc"],
                                         "n": in_sample["n"], "threshold": None,
                                         "in_sample_balanced_accuracy": in_sample["balanced_accuracy"]}
        if len(names) < 2:
            continue
        train = [i for i, d in enumerate(ds) if d != name]
        test = [i for i, d in enumerate(ds) if d == name]
        cut = choose_threshold([p[i] for i in train], [y[i] for i in train], [ds[i] for i in train])
        entry["threshold"] = cut
        entry["balanced_accuracy"] = round(balanced_accuracy([y[i] for i in test], [p[i] >= cut for i in test]), 4)
    bas = [v["balanced_accuracy"] for v in fig["datasets"].values()]
    fig["mean_balanced_accuracy"] = round(sum(bas) / len(bas), 4) if len(names) >= 2 else None
    fig["in_sample"] = {"threshold": cut_all, "mean_balanced_accuracy": in_sample_mean}
    fig["measure"] = ("share of the summary's content-word stems found in the document; balanced_accuracy at "
                      "the cut chosen on the other datasets (leave-one-dataset-out)")
    return fig
