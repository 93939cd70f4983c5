"""The scorers' cuts, chosen on a user's own labelled summaries.

Both cuts were fitted on public data and do not carry over exactly to a kind of summary they
have never seen. Measured leave one dataset out, the hallucination weights rank a held-out
dataset's summaries well, but its best cut lies elsewhere; the coverage cut fitted on REALSumm
(0.5) is not the team's news summaries' best (0.30) (``docs/agreement.md``). A few dozen labels
of one's own kind move the cut most of the way (``benchmarks/quality/calibration.py``,
``benchmarks/quality/seed_agreement.py``).

- Hallucination: :func:`cuts` picks the threshold from a meta-eval's results (``harness
  meta-eval faithfulness`` prints it) or from a run's verdicts and a labels file (``harness
  calibrate faithfulness``); ``scorers: {hallucination: {threshold: T}}`` uses it.
- Coverage: :func:`coverage_cuts` scores a run's labelled summaries again at each cut (``harness
  calibrate coverage``); ``scorers: {coverage: {covered_threshold: C}}`` uses it.

Labels files: one JSON object per line with ``model``, ``article_id`` (coverage also
``fact_id``) and ``label`` (1 faithful / carried, 0 not, null not labelled yet); other fields
are ignored. ``harness calibrate KIND RUN --template FILE`` writes one to fill in.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

from ..errors import HarnessError, InputError, Problem
from .agreement import choose_threshold, figures

COVERAGE_CUTS = tuple(round(0.05 * k, 2) for k in range(2, 19))
"""The ``covered_threshold`` values :func:`coverage_cuts` tries (0.10 to 0.90)."""
Verdict = tuple[float, bool, Sequence[str]]
"""What the scorer said of one summary: its probability, whether it was judged faithful, and
the kinds of its findings."""


def cut_inputs(verdicts: Iterable[Verdict], threshold: float, tolerance: float = 1e-6
               ) -> tuple[list[float], list[bool]]:
    """The probabilities to choose a cut among, and per summary whether it has a hard finding
    (unfaithful at every cut). A summary the scorer held faithful whatever its model said (copied
    from the article: its probability raised to ``threshold``, nothing found) gets 1.0, faithful
    at every cut; ``tolerance``: how far from ``threshold`` such a probability may read (a run's
    signature rounds the threshold to four decimals)."""
    from ..scorers.hallucination import HARD_KINDS

    probs, hard = [], []
    for prob, faithful, kinds in verdicts:
        held = faithful and not kinds and abs(prob - threshold) <= tolerance
        probs.append(1.0 if held else prob)
        hard.append(any(k in HARD_KINDS for k in kinds))
    return probs, hard


def calibrate(rows: Sequence[dict[str, Any]], probs: Sequence[float], hard: Sequence[bool],
              max_false_alarm: float | None = None) -> dict[str, Any]:
    """The cut that maximises the mean balanced accuracy over the rows' datasets (among the cuts
    flagging at most ``max_false_alarm`` of their faithful summaries, if given), with the figures
    it gives on these same rows (in-sample: new summaries of the same kind do less well)."""
    y = [r["label"] for r in rows]
    ds = [r["dataset"] for r in rows]
    cut = choose_threshold(probs, y, ds, hard, max_false_alarm)
    return {"threshold": cut, "max_false_alarm": max_false_alarm, **at_cut(rows, probs, hard, cut)}


def cuts(rows: Sequence[dict[str, Any]], probs: Sequence[float], hard: Sequence[bool]) -> dict[str, Any]:
    """``best``: the cut that fits the labelled ``rows`` best; ``budget``: the best one that
    flags at most :data:`~.faithfulness_fit.FALSE_ALARM_BUDGET` of their faithful summaries."""
    from .faithfulness_fit import FALSE_ALARM_BUDGET

    return {"best": calibrate(rows, probs, hard), "budget": calibrate(rows, probs, hard, FALSE_ALARM_BUDGET)}


def describe(found: dict[str, Any]) -> str:
    """The lines that report :func:`cuts` to a user."""
    best, budget = found["best"], found["budget"]
    return "\n".join([
        f"best cut on these labels: {best['threshold']:.4f}: mean balanced accuracy "
        f"{best['mean_balanced_accuracy']:.3f}, faithful flagged {best['mean_faithful_flagged']:.3f}",
        f"flagging at most {budget['max_false_alarm']:.0%} of the faithful ones: {budget['threshold']:.4f}: mean "
        f"balanced accuracy {budget['mean_balanced_accuracy']:.3f}, faithful flagged "
        f"{budget['mean_faithful_flagged']:.3f}",
        "in-sample figures: expect less on new summaries, the more so the fewer the labels. "
        "Use a cut with: scorers: {hallucination: {threshold: T}}"])


def at_cut(rows: Sequence[dict[str, Any]], probs: Sequence[float], hard: Sequence[bool], cut: float
           ) -> dict[str, Any]:
    """Mean balanced accuracy and share of faithful summaries flagged at ``cut``."""
    p = [0.0 if h else v for v, h in zip(probs, hard)]
    fig = figures(rows, [v >= cut for v in p], p)
    return {"mean_balanced_accuracy": fig["mean_balanced_accuracy"],
            "mean_faithful_flagged": fig["mean_faithful_flagged"]}


def run_threshold(run: dict[str, Any]) -> float:
    """The hallucination threshold a run was scored with, read from its scorer signature."""
    sig = (run.get("scorers") or {}).get("faithfulness") or ""
    m = re.search(r"\|threshold=([0-9.]+)", sig)
    if not sig.startswith("hallucination:") or m is None:
        raise HarnessError("the run was not scored by the hallucination scorer with a threshold "
                           f"(its faithfulness scorer: {sig or 'none'}): nothing to calibrate")
    if "|judge=" in sig:
        raise HarnessError("the run's hallucination scorer has a judge, which decides the claims a cut would: "
                           "nothing to calibrate")
    return float(m.group(1))


class Label(NamedTuple):
    """One line of a labels file."""

    line: int
    model: str
    article_id: str
    fact_id: str | None
    """The gold fact labelled (coverage labels only)."""
    label: int | None
    """1 faithful / carried, 0 not, None not labelled yet."""


def load_labels(path: str | Path, facts: bool = False) -> list[Label]:
    """Every line of a labels file (``fact_id`` required with ``facts``); every problem of the
    file at once as an :class:`InputError`."""
    from ..results import read_jsonl

    keys = ("model", "article_id", "fact_id") if facts else ("model", "article_id")
    meaning = "1 (carried), 0 (not) or null" if facts else "1 (faithful), 0 (not) or null"
    out, problems = [], []
    for line, obj in read_jsonl(Path(path)):
        bad = [k for k in keys if not isinstance(obj.get(k), str)]
        for k in bad:
            problems.append(Problem(str(path), line, k, "missing" if k not in obj else "expected a string"))
        label = obj.get("label")
        if label is not None and (label not in (0, 1) or isinstance(label, bool)):
            problems.append(Problem(str(path), line, "label", f"expected {meaning}"))
        elif not bad:
            out.append(Label(line, obj["model"], obj["article_id"], obj.get("fact_id") if facts else None, label))
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s)", problems)
    return out


def _labelled(records: Sequence[Any], labels: Sequence[Label], path: str, scored: Any
              ) -> list[tuple[Label, Any]]:
    """The labelled lines (null labels skipped) with the run's record of their summary; an
    :class:`InputError` naming every line whose summary (or fact) the run lacks or did not score
    (``scored(record)`` false), or that labels the same thing twice."""
    by_key = {(r.model, r.article_id): r for r in records}
    problems, seen, out = [], {}, []
    for lab in labels:
        if lab.label is None:
            continue
        rec = by_key.get((lab.model, lab.article_id))
        what = f"{lab.article_id!r} by {lab.model!r}"
        key = (lab.model, lab.article_id, lab.fact_id)
        if rec is None:
            problems.append(Problem(path, lab.line, None, f"the run has no summary of {what}"))
        elif rec.unscored or not scored(rec):
            problems.append(Problem(path, lab.line, None, f"the summary of {what} was not scored"))
        elif lab.fact_id is not None and lab.fact_id not in {f.id for f in rec.facts}:
            problems.append(Problem(path, lab.line, "fact_id", f"no fact {lab.fact_id!r} in the run's verdicts on {what}"))
        elif key in seen:
            problems.append(Problem(path, lab.line, None, f"labels the same {'fact' if lab.fact_id else 'summary'} "
                                                          f"as line {seen[key]}"))
        else:
            seen[key] = lab.line
            out.append((lab, rec))
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s)", problems)
    return out


def labelled_verdicts(records: Sequence[Any], labels: Sequence[Label], path: str
                      ) -> tuple[list[tuple[Label, Any]], list[Verdict]]:
    """The labelled summaries with the run's record of each, and the run's hallucination verdicts
    on them, in the labels file's order (see :func:`_labelled`)."""
    pairs = _labelled(records, labels, path, lambda r: r.faithful is not None and r.faithfulness_probability is not None)
    return pairs, [(r.faithfulness_probability, r.faithful, [h.kind for h in r.hallucinations]) for _, r in pairs]


def labelled_facts(records: Sequence[Any], labels: Sequence[Label], path: str) -> list[tuple[Label, Any]]:
    """The labelled facts with the run's record of their summary (see :func:`_labelled`)."""
    return _labelled(records, labels, path, lambda r: r.coverage is not None)


def coverage_cuts(pairs: Sequence[tuple[Label, Any]], articles: Sequence[Any], params: dict[str, Any],
                  run_cut: float) -> dict[str, Any]:
    """Agreement of the coverage verdicts (``covered`` or not) with the labels at each cut of
    :data:`COVERAGE_CUTS` and at the run's own, the labelled summaries scored again with the run's
    coverage settings and that ``covered_threshold``; ``best``: the cut with the highest agreement
    (the one nearest the run's cut among equals)."""
    from ..scorers import build

    by_id = {a.id: a for a in articles}
    missing = sorted({lab.article_id for lab, _ in pairs} - set(by_id))
    if missing:
        raise HarnessError(f"the gold set lacks the articles {', '.join(missing)}")
    summaries = list(dict.fromkeys((rec.article_id, rec.summary) for _, rec in pairs))
    partial = float(params.get("partial_threshold", 0.2))
    agreement, said = {}, {}
    for cut in sorted({*COVERAGE_CUTS, run_cut}):
        scorer = build("coverage", {**params, "covered_threshold": cut, "partial_threshold": min(partial, cut)})
        results = dict(zip(summaries, scorer.score_many([(by_id[a], s) for a, s in summaries])))
        status = {(key, f.id): f.status for key, res in results.items() for f in res.facts}
        said[cut] = [status[((rec.article_id, rec.summary), lab.fact_id)] for lab, rec in pairs]
        hits = [int(v == "covered") == lab.label for v, (lab, _) in zip(said[cut], pairs)]
        agreement[cut] = round(sum(hits) / len(hits), 4)
    best = max(agreement, key=lambda c: (agreement[c], -abs(c - run_cut)))
    wrong = [{"model": lab.model, "article_id": lab.article_id, "fact_id": lab.fact_id, "label": lab.label,
              "status": v} for v, (lab, _) in zip(said[best], pairs) if int(v == "covered") != lab.label]
    return {"run_threshold": run_cut, "at_run_threshold": agreement[run_cut], "best": {"threshold": best,
            "agreement": agreement[best]}, "by_cut": {str(c): a for c, a in agreement.items()},
            "disagreements_at_best": wrong}


def disagreements(pairs: Sequence[tuple[Label, Any]], probs: Sequence[float], hard: Sequence[bool], cut: float
                  ) -> list[dict[str, Any]]:
    """The labelled summaries whose hallucination verdict at ``cut`` differs from the label."""
    out = []
    for (lab, _), p, h in zip(pairs, probs, hard):
        faithful = not h and p >= cut
        if int(faithful) != lab.label:
            out.append({"model": lab.model, "article_id": lab.article_id, "label": lab.label,
                        "probability": p, "hard_finding": h})
    return out


def write_template(records: Sequence[Any], path: str | Path, models: Sequence[str] = (),
                   articles: Sequence[Any] | None = None) -> int:
    """Write a labels file for the run's scored summaries (of ``models`` only, if given), every
    label null: one line per summary, or with ``articles`` (the gold set: coverage labels) one
    line per gold fact of each summary, with the fact's statement. Returns how many lines it
    wrote; refuses to overwrite a file."""
    path = Path(path)
    if path.exists():
        raise HarnessError(f"{path} exists: the template is written to a new file only (it may hold your labels)")
    known = {r.model for r in records}
    unknown = [m for m in models if m not in known]
    if unknown:
        raise HarnessError(f"--model {', '.join(unknown)}: not in the run (its models: {', '.join(sorted(known))})")
    chosen = [r for r in records if (not models or r.model in models) and not r.unscored]
    if articles is None:
        rows = [{"model": r.model, "article_id": r.article_id, "label": None, "summary": r.summary}
                for r in chosen if r.faithful is not None]
    else:
        statements = {(a.id, f.id): f.statement for a in articles for f in a.facts}
        rows = [{"model": r.model, "article_id": r.article_id, "fact_id": f.id, "label": None,
                 "statement": statements.get((r.article_id, f.id), ""), "summary": r.summary}
                for r in chosen if r.coverage is not None for f in r.facts]
    try:
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    except OSError as exc:
        raise HarnessError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(rows)
