"""Meta-evaluation of the hallucination scorer on human-labelled faithfulness data, and the
refit of its shipped logistic model.

Input format (``../shared/metaeval/faithfulness/*.jsonl``): one JSON object per line with
``id``, ``dataset``, ``document``, ``summary`` and ``label`` (1 = consistent); other fields are
ignored. Figures per ``dataset``: balanced accuracy of ``faithful`` against ``label`` at the
shipped threshold, ROC-AUC of the probability, n.

``main`` backs ``harness meta-eval faithfulness``; ``refit_main`` backs ``harness refit
faithfulness`` (fits weights + one shared threshold on all given files, reports
cross-validation by document, writes the weights with their provenance).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from ..errors import ConfigError, HarnessError, InputError, Problem
from ..records import Article
from .agreement import figures, mean_auc, side_by_side
from .baseline import baseline_figures

REQUIRED = {"id": str, "dataset": str, "document": str, "summary": str}


def load(path: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows of one file (the first ``limit`` if given); every problem of the file is reported
    at once as an :class:`InputError`."""
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", [Problem(path, None, None, str(exc))]) from exc
    for no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(Problem(path, no, None, f"not JSON: {exc}"))
            continue
        if not isinstance(row, dict):
            problems.append(Problem(path, no, None, "expected a JSON object"))
            continue
        ok = True
        for key, typ in REQUIRED.items():
            if not isinstance(row.get(key), typ):
                problems.append(Problem(path, no, key, "missing" if key not in row else f"expected a {typ.__name__}"))
                ok = False
        if isinstance(row.get("document"), str) and not row["document"].strip():
            problems.append(Problem(path, no, "document", "empty"))
            ok = False
        if row.get("label") not in (0, 1) or isinstance(row.get("label"), bool):
            problems.append(Problem(path, no, "label", "expected 0 or 1"))
            ok = False
        if ok:
            rows.append(row)
    if not lines or (not rows and not problems):
        problems.append(Problem(path, None, None, "no items"))
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s)", problems)
    return rows[:limit] if limit is not None else rows


def load_all(paths: Sequence[str], limit: int | None = None) -> list[dict[str, Any]]:
    """Rows of every file; problems of all files are reported together."""
    rows, problems = [], []
    for p in paths:
        try:
            rows.extend(load(p, limit))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the input files", problems)
    return rows


def article_of(row: dict[str, Any]) -> Article:
    """The meta-eval item as an :class:`Article` (document = text = body, no annotation)."""
    return Article(id=str(row["id"]), text=row["document"], body=row["document"])


def _progress(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, unit="summary")


Featured = tuple[dict[str, float], bool]
"""A row's summary features and whether the claim checks made a hard finding."""


def features_scorer(lm: str | None, judge: Any = None) -> Any:
    """A hallucination scorer for features only, as a refit sees them: with ``lm`` (or a
    ``judge:`` spec) the likelihood judge's features too, and the judge band opened wide. The
    weights it carries, their band and the LM they were fitted on play no part in the features,
    so nothing here checks them (:meth:`~harness.scorers.hallucination.HallucinationScorer.check_weights`
    is for verdicts)."""
    from ..scorers.hallucination import HallucinationScorer

    return HallucinationScorer(lm=None if judge else lm or "none", judge=judge, judge_band=(0.0, 1.0))


def featurise(rows: Sequence[dict[str, Any]], scorer: Any, desc: str = "analysing",
              cache: Any = None) -> list[Featured]:
    """The scorer's summary features and hard-finding flag for every row (chunked, with a
    progress bar). With ``cache`` (a :class:`~harness.cache.FeatureCache`), rows analysed before
    under the same :meth:`analysis_signature` and feature code are read from it, and each chunk's
    are stored as soon as it is done: a run killed part-way loses one chunk at most; the
    likelihood judge's features are kept apart, by what the LM reads (a
    :class:`~harness.cache.LikelihoodCache`), so a change of the claim checks alone reruns no LM. (Features
    read back are the stored ones exactly; a row analysed in another chunk can differ from them in
    the last bits of its float32 embeddings.)"""
    from ..scorers.hallucination import has_hard_finding

    out: list[Featured | None] = [None] * len(rows)
    keys: list[str] = []
    if cache is not None:
        from ..cache import FEATURE_CODE, LikelihoodCache, canonical_json, fingerprint, scoring_code_digest

        if getattr(scorer, "judge", None) is not None and scorer.judge.cache is None:
            scorer.judge.cache = LikelihoodCache()
        identity = {"analysis": scorer.analysis_signature(), "code": scoring_code_digest(parts=FEATURE_CODE)}
        keys = [fingerprint(identity, canonical_json([r["document"], r["summary"]])) for r in rows]
        for i, key in enumerate(keys):
            hit = cache.get(key)
            if hit is not None:
                out[i] = (hit["features"], hit["hard"])
    todo = [i for i, got in enumerate(out) if got is None]
    with _progress(len(rows), desc) as bar:
        bar.update(len(rows) - len(todo))
        analysed = (an for items in _chunks([rows[i] for i in todo], scorer)
                    for an in scorer.analyse_many(items, progress=bar))
        for i, an in zip(todo, analysed):
            out[i] = (an.features, has_hard_finding(an))
            if cache is not None:
                cache.put(keys[i], {"features": an.features, "hard": out[i][1]})
    return out  # type: ignore[return-value]


def score(rows: Sequence[dict[str, Any]], scorer: Any, desc: str = "scoring") -> list[Any]:
    """The scorer's results for every row (chunked, with a progress bar); ``None`` for a row its
    judge could not answer."""
    from ..judges import score_or_skip

    out = []
    with _progress(len(rows), desc) as bar:
        for items in _chunks(rows, scorer):
            out.extend(score_or_skip(scorer, items, progress=bar))
    return out


def _chunks(rows: Sequence[dict[str, Any]], scorer: Any, size: int = 256) -> Iterator[list[tuple[Any, str]]]:
    """(article, summary) items ``size`` rows at a time; the next chunk's embeddings are sent
    ahead to the helper process (:meth:`prefetch`) while this one is scored."""
    from ..scorers.batch import Lookahead

    chunks = [[(article_of(r), r["summary"]) for r in rows[k:k + size]] for k in range(0, len(rows), size)]
    ahead = Lookahead([scorer], chunks, depth=1)
    for k, items in enumerate(chunks):
        ahead.reached(scorer, k)
        yield items


def _fmt(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def main(args: Any) -> int:
    """``harness meta-eval faithfulness``: score every item, print and optionally write figures,
    with the token-overlap baseline's beside the scorer's (under ``baseline`` in the JSON)."""
    from ..scorers.hallucination import HallucinationScorer

    rows = load_all(args.data, getattr(args, "limit", None))
    judge = getattr(args, "judge_spec", None)
    threshold = getattr(args, "threshold", None)
    if threshold is not None and not 0.0 < threshold < 1.0:
        raise HarnessError(f"--threshold {threshold}: expected a probability between 0 and 1")
    scorer = HallucinationScorer(model_path=getattr(args, "model", None), lm=None if judge else getattr(args, "lm", None),
                                 judge=judge, threshold=threshold)
    scorer.check_weights()
    from ..resources import warm_up

    warm_up()  # models loaded before the clock starts: elapsed_s is scoring time
    t0 = time.perf_counter()
    results = score(rows, scorer)
    elapsed = time.perf_counter() - t0
    unscored = sum(1 for r in results if r is None)
    rows, results = [r for r, x in zip(rows, results) if x is not None], [x for x in results if x is not None]
    fig = figures(rows, [r.faithful for r in results], [r.probability for r in results])
    fig["elapsed_s"] = round(elapsed, 2)
    fig["summaries_per_s"] = round(len(rows) / elapsed, 2) if elapsed > 0 else None
    fig["signature"] = scorer.signature()
    fig["unscored"] = unscored
    fig["mean_roc_auc"] = mean_auc(fig)
    fig["baseline"] = baseline_figures(rows)
    fig["baseline"]["mean_roc_auc"] = mean_auc(fig["baseline"])
    print(side_by_side([("scorer", fig), ("overlap (LODO cut)", fig["baseline"])]))
    print(f"{len(rows)} summaries in {elapsed:.1f} s ({scorer.signature()})"
          + (f"; {unscored} left out, the judge gave no usable answer" if unscored else ""))
    print(f"faithful summaries flagged: {_fmt(fig['mean_faithful_flagged'])} (mean over datasets; per dataset "
          + ", ".join(f"{k} {_fmt(v['faithful_flagged'])}" for k, v in fig["datasets"].items()) + ")")
    print("overlap: the share of the summary's content words found in the document, its cut chosen on the other "
          f"datasets (in-sample cut {fig['baseline']['in_sample']['threshold']:.3f}: mean balanced accuracy "
          f"{_fmt(fig['baseline']['in_sample']['mean_balanced_accuracy'])})")
    if judge is None and rows:
        fig["calibration"] = _print_calibration(rows, results, scorer.threshold)
    if getattr(args, "json", None):
        try:
            Path(args.json).write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise HarnessError(f"cannot write --json {args.json}: {exc}") from exc
    return 0


def _print_calibration(rows: Sequence[dict[str, Any]], results: Sequence[Any], threshold: float) -> dict[str, Any]:
    """Print (and return) the cuts that fit these labelled summaries best (:mod:`.calibration`)."""
    from .calibration import cut_inputs, cuts, describe

    found = cuts(rows, *cut_inputs(((r.probability, r.faithful, [h.kind for h in r.hallucinations])
                                    for r in results), threshold))
    print(describe(found))
    return found


AUX_PREFIX = "aux:"


def refit_main(args: Any) -> int:
    """``harness refit faithfulness``: fit weights + threshold on the given files, write them.

    Files given as ``aux:PATH`` in ``--data`` (or in ``args.aux``) are auxiliary, other-domain
    data: their rows join the weight fit as one pooled group (weighted like one dataset), and
    take no part in choosing the threshold or in the cross-validation figures. Prints the fit's
    in-sample figures, a 5-fold cross-validation by document and a leave-one-dataset-out
    evaluation of the same fit, beside the token-overlap baseline's leave-one-dataset-out
    figures; ``args.no_write`` measures without writing anything."""
    from ..cache import FeatureCache, file_sha256
    from ..checkers.faithfulness.evidence import FEATURES
    from ..checkers.faithfulness.likelihood import LM_FEATURES
    from ..scorers.hallucination import load_weights, model_band, rule_hard, shipped_model_path
    from .faithfulness_fit import cross_validate, fit, leave_one_dataset_out, parse_budget

    budget = parse_budget(getattr(args, "max_false_alarm", None))

    main_paths = [p for p in args.data if not p.startswith(AUX_PREFIX)]
    aux_paths = [p[len(AUX_PREFIX):] for p in args.data if p.startswith(AUX_PREFIX)]
    aux_paths += list(getattr(args, "aux", None) or [])
    out = None
    if not getattr(args, "no_write", False):
        out = Path(args.out) if getattr(args, "out", None) else None
        if out is not None and not out.parent.is_dir():
            raise HarnessError(f"--out {out}: the folder {out.parent} does not exist")
    rows = load_all(main_paths)
    aux_rows = load_all(aux_paths) if aux_paths else []
    scorer = features_scorer(getattr(args, "lm", None), getattr(args, "judge_spec", None))
    if scorer.judge is not None and out is None and not getattr(args, "no_write", False):
        try:  # the shipped judged weights stay those of the LM they name
            scorer.check_weights()
        except ConfigError as exc:
            raise HarnessError(f"--lm {scorer.judge.lm}: the shipped judged weights are fitted on another LM's "
                               "features and are not replaced by these: write them with --out FILE, then "
                               "set scorers.hallucination.model_path to FILE") from exc
    names = FEATURES + (LM_FEATURES if scorer.judge is not None else ())
    cache = None if getattr(args, "no_cache", False) else FeatureCache()
    featured = featurise(rows + aux_rows, scorer, cache=cache)
    X = [f for f, _ in featured[:len(rows)]]
    AX = [f for f, _ in featured[len(rows):]]
    y = [r["label"] for r in rows]
    ay = [r["label"] for r in aux_rows]
    ds = [r["dataset"] for r in rows]
    groups = [hashlib.sha256(r["document"].encode()).hexdigest() for r in rows]
    hard = [h for _, h in featured[:len(rows)]]
    cv = cross_validate(X, y, ds, groups, names, aux=(AX, ay), hard=hard, max_false_alarm=budget)
    lodo = leave_one_dataset_out(X, y, ds, names, aux=(AX, ay), hard=hard, max_false_alarm=budget)
    base = baseline_figures(rows)
    model = fit(X, y, ds, names, aux=(AX, ay), hard=hard, max_false_alarm=budget)
    ruled_p = [rule_hard(predict_row(model, x), h, model["threshold"]) for x, h in zip(X, hard)]
    model["provenance"] = {
        "fitted": datetime.date.today().isoformat(),
        "command": "harness refit faithfulness --data " + " ".join(
            Path(p).name for p in main_paths) + "".join(f" aux:{Path(p).name}" for p in aux_paths),
        "files": [{"name": Path(p).name, "sha256": file_sha256(p, memo=False), "role": "dev"} for p in main_paths]
        + [{"name": Path(p).name, "sha256": file_sha256(p, memo=False), "role": "aux"} for p in aux_paths],
        "n": len(rows), "n_aux": len(aux_rows), "analysis": scorer.analysis_signature(),
        "weighting": "each dev dataset equal, classes equal within each; all aux rows pooled as one more dataset",
        "threshold": ("one shared threshold maximising mean balanced accuracy over the dev datasets among the cuts "
                      f"flagging at most {model['max_false_alarm']} of their faithful summaries (mean over datasets)"),
        "cv_by_document": cv,
        "lodo": lodo,
        "overlap_baseline_lodo": base,
        "fit_on_train": figures(rows, [p >= model["threshold"] for p in ruled_p], ruled_p),
    }
    print("in-sample: weights and threshold fitted on every dev dataset; cv: 5-fold cross-validation by "
          "document; lodo: each dataset held out, fitted on the others; overlap: the token-overlap baseline, "
          "its cut chosen on the other datasets")
    print(side_by_side([("in-sample", model["provenance"]["fit_on_train"]), ("cv", cv), ("lodo", lodo),
                        ("overlap lodo", base)]))
    if getattr(args, "no_write", False):
        print("nothing written (--no-write)")
        return 0
    if scorer.judge is not None:
        # the shipped judged scorer reads the summaries in the band of the file it replaces: the new
        # weights keep it when it holds their threshold; the shipped file is never left without one
        low, high = model_band(load_weights(str(shipped_model_path(True)))[0])
        if low <= model["threshold"] <= high:
            model["judge_band"] = [low, high]
        elif out is None:
            raise HarnessError(f"the refitted threshold {model['threshold']:.4f} lies outside the judge band "
                               f"[{low:g}, {high:g}] the shipped scorer reads with it: nothing written. "
                               "Write it elsewhere with --out (and measure a band for it: benchmarks/quality/"
                               "judge_band.py), or refit with another --max-false-alarm")
    out = out or shipped_model_path(scorer.judge is not None)
    try:
        out.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise HarnessError(f"cannot write the model to {out}: {exc}") from exc
    print(f"wrote {out}")
    return 0


def predict_row(model: dict[str, Any], x: dict[str, float]) -> float:
    """Probability of faithfulness for one feature dict (see the scorer's ``predict``)."""
    from ..scorers.hallucination import predict

    return predict(model, x)
