"""Paired comparison of two runs (A = baseline, B = candidate) scored on the same gold set.

Per model (matched by name; two single-model runs are paired whatever their names):

- **coverage** and **hallucination rate**: per-article paired differences ``d_i = B_i - A_i``
  over the articles scored in both runs. Their mean comes with a paired percentile-bootstrap
  95% CI (articles resampled with replacement) and a two-sided paired sign-flip permutation
  p-value (under "no change" each ``d_i`` is as likely to be ``-d_i``): exact over all sign
  patterns of the non-zero differences when there are at most 16 of them, else 20,000 random
  flips with the ``(1 + hits) / (1 + draws)`` correction. The smallest p-value any data can reach
  is ``2 / 2**k`` for ``k`` non-zero differences, reported as ``min_p``.
- **fact flips**: a fact is *carried* when its status is ``covered``; *lost* = carried in A, not
  in B (its new status says partial, missing or contradicted); *gained* = the reverse. The exact
  McNemar test (two-sided binomial on lost vs gained, p = 0.5) is reported as supplementary: it
  treats facts as independent although facts of one article are not.
- **traps newly hit**: (article, trap) pairs hit in B and not in A.

Runs scored against different articles, annotations, input mode or scorer settings are refused
(:class:`IncomparableRuns`, exit code 2) unless ``force=True``; the differences are listed.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .aggregate import bootstrap_ci
from .errors import HarnessError
from .records import Article, ScoreRecord

COMPARED_METRICS = ("coverage", "hallucination_rate")
EXACT_MAX_NONZERO = 16
PERMUTATION_DRAWS = 20_000


class IncomparableRuns(HarnessError):
    """The two runs were not scored against the same gold set with the same scorer settings."""


@dataclass(frozen=True)
class MetricDiff:
    """Paired difference of one metric between runs A and B for one model."""

    metric: str
    n: int
    """Articles scored in both runs (the pairs)."""
    mean_a: float | None
    """Mean of A over the pairs."""
    mean_b: float | None
    diff: float | None
    """Mean of ``B - A`` over the pairs (negative: B is lower)."""
    ci_low: float | None
    """Paired percentile-bootstrap 95% CI of ``diff``."""
    ci_high: float | None
    p_value: float | None
    """Two-sided paired sign-flip permutation p-value (1.0 when nothing changed)."""
    min_p: float | None
    """The smallest p-value the test could give with these pairs (``2 / 2**nonzero``)."""
    method: str = ""
    """``exact sign-flip`` or ``sign-flip, N draws``."""


@dataclass(frozen=True)
class FactFlip:
    """A gold fact that changed between carried (``covered``) and not carried."""

    article_id: str
    fact_id: str
    status_a: str
    status_b: str
    statement: str = ""
    """The gold statement (empty when the gold set was not available)."""
    importance: int = 1


@dataclass(frozen=True)
class ModelComparison:
    """Everything that changed for one model between A and B."""

    model: str
    """The model's name in B (the candidate)."""
    model_a: str
    """The model's name in A (the same unless two single-model runs were paired)."""
    metrics: dict[str, MetricDiff]
    lost: tuple[FactFlip, ...]
    gained: tuple[FactFlip, ...]
    mcnemar_p: float
    """Exact McNemar p-value of lost vs gained facts (supplementary, see module docs)."""
    new_traps: tuple[tuple[str, str], ...]
    """(article_id, trap_id) hit in B but not in A."""
    n_a: int
    """Records of this model in A."""
    n_b: int
    unscored_a: int
    unscored_b: int
    unpaired: tuple[str, ...] = ()
    """Article ids with a record in only one of the runs."""
    records_a: dict[str, ScoreRecord] = field(default_factory=dict, repr=False, compare=False)
    records_b: dict[str, ScoreRecord] = field(default_factory=dict, repr=False, compare=False)

    @property
    def unscored_share_b(self) -> float:
        """Share of B's records of this model that are unscored."""
        return self.unscored_b / self.n_b if self.n_b else 1.0


@dataclass(frozen=True)
class Comparison:
    """The comparison of run A (baseline) with run B (candidate)."""

    run_a: str
    run_b: str
    models: tuple[ModelComparison, ...]
    differences: tuple[str, ...] = ()
    """Why the runs are not comparable (non-empty only when forced)."""
    only_in_a: tuple[str, ...] = ()
    """Models of A with no counterpart in B."""
    only_in_b: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def run_differences(run_a: dict[str, Any], run_b: dict[str, Any]) -> list[str]:
    """What makes two runs incomparable: gold hashes, input mode, scorer signatures."""
    out = []
    da, db = run_a.get("dataset", {}), run_b.get("dataset", {})
    for key, label in (("articles_sha256", "articles"), ("annotations_sha256", "annotations")):
        if da.get(key) != db.get(key):
            out.append(f"{label} differ ({key} {str(da.get(key))[:12]} vs {str(db.get(key))[:12]})")
    if run_a.get("input", "body") != run_b.get("input", "body"):
        out.append(f"input mode differs ({run_a.get('input')} vs {run_b.get('input')})")
    sa, sb = run_a.get("scorers", {}), run_b.get("scorers", {})
    for role in sorted(set(sa) | set(sb)):
        if sa.get(role) != sb.get(role):
            out.append(f"{role} scorer settings differ: {signature_difference(sa.get(role), sb.get(role))}")
    return out


def signature_difference(a: str | None, b: str | None) -> str:
    """The settings (``key=value`` parts of a scorer signature) two signatures disagree on,
    e.g. "lm=smollm2-... in A only; threshold 0.5356 vs 0.6010"."""
    if a is None or b is None:
        return f"the scorer ran only in {'B' if a is None else 'A'}"

    def parts(sig: str) -> dict[str, str]:
        out = {}
        for i, part in enumerate(re.split(r"\||:(?=[A-Za-z_]+=)", sig)):
            key, sep, value = part.partition("=")
            out[key if sep else f"#{i}"] = value if sep else part
        return out

    pa, pb = parts(a), parts(b)
    said = []
    for key in list(pa) + [k for k in pb if k not in pa]:
        va, vb = pa.get(key), pb.get(key)
        if va == vb:
            continue
        name = "version" if key.startswith("#") else key
        if va is None or vb is None:
            said.append(f"{name}={va if vb is None else vb} in {'A' if vb is None else 'B'} only")
        else:
            said.append(f"{name} {va} vs {vb}")
    return "; ".join(said)


def check_comparable(run_a: dict[str, Any], run_b: dict[str, Any], force: bool = False) -> list[str]:
    """The differences; raises :class:`IncomparableRuns` when there are any and not ``force``."""
    diffs = run_differences(run_a, run_b)
    if diffs and not force:
        raise IncomparableRuns(
            f"runs {run_a.get('run_id', 'A')!r} and {run_b.get('run_id', 'B')!r} are not comparable: "
            + "; ".join(diffs) + ". Score both runs with the same gold set and the same scorers settings (for "
            "saved summaries, `harness score --config CONFIG` takes them from the config the other run used), "
            "or pass --force to compare anyway.")
    return diffs


# ------------------------------------------------------------------ statistics
def sign_flip_p(d: Sequence[float], draws: int = PERMUTATION_DRAWS, seed: int = 0) -> tuple[float, float, str]:
    """Two-sided paired sign-flip permutation test of mean(d) = 0: (p, min attainable p, method).

    Zero differences do not change under a flip, so only the non-zero ones are permuted.
    """
    x = np.asarray([v for v in d if v != 0.0], dtype=float)
    k = len(x)
    if k == 0:
        return 1.0, 1.0, "exact sign-flip"
    observed = abs(x.sum()) - 1e-9 * max(1.0, abs(x.sum()))
    min_p = min(1.0, 2.0 / 2 ** k)
    if k <= EXACT_MAX_NONZERO:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=k)))
        hits = int((np.abs(signs @ x) >= observed).sum())
        return hits / len(signs), min_p, "exact sign-flip"
    rng = np.random.default_rng(seed)
    signs = rng.choice((1.0, -1.0), size=(draws, k))
    hits = int((np.abs(signs @ x) >= observed).sum())
    return (1 + hits) / (1 + draws), max(min_p, 1 / (1 + draws)), f"sign-flip, {draws} draws"


def mcnemar_exact(lost: int, gained: int) -> float:
    """Exact two-sided McNemar p-value: binomial test of ``lost`` out of ``lost + gained`` at 0.5."""
    n = lost + gained
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(lost, gained) + 1))
    return float(min(1.0, 2 * tail / 2 ** n))


def metric_diff(metric: str, a: Sequence[float], b: Sequence[float], resamples: int = 2000,
                seed: int = 0) -> MetricDiff:
    """Paired difference summary of ``b - a``."""
    if not a:
        return MetricDiff(metric, 0, None, None, None, None, None, None, None)
    d = [y - x for x, y in zip(a, b)]
    lo, hi = bootstrap_ci(d, resamples, seed)
    p, min_p, method = sign_flip_p(d, seed=seed)
    r = lambda v: round(float(v), 6)  # noqa: E731
    return MetricDiff(metric, len(d), r(np.mean(a)), r(np.mean(b)), r(np.mean(d)), r(lo), r(hi),
                      r(p), r(min_p), method)


# ------------------------------------------------------------------ comparison
def _value(rec: ScoreRecord, metric: str) -> float | None:
    if rec.unscored:
        return None
    return rec.coverage if metric == "coverage" else rec.hallucination_rate


def compare_model(name_a: str, name_b: str, recs_a: Sequence[ScoreRecord], recs_b: Sequence[ScoreRecord],
                  articles: Sequence[Article] | None = None, resamples: int = 2000, seed: int = 0) -> ModelComparison:
    """Compare one model's records of A and B, paired by article id."""
    by_a = {r.article_id: r for r in recs_a}
    by_b = {r.article_id: r for r in recs_b}
    facts = {(a.id, f.id): f for a in (articles or []) for f in a.facts}
    common = sorted(set(by_a) & set(by_b))
    metrics = {}
    for metric in COMPARED_METRICS:
        pairs = [(_value(by_a[i], metric), _value(by_b[i], metric)) for i in common]
        pairs = [(x, y) for x, y in pairs if x is not None and y is not None]
        metrics[metric] = metric_diff(metric, [x for x, _ in pairs], [y for _, y in pairs], resamples, seed)
    lost: list[FactFlip] = []
    gained: list[FactFlip] = []
    new_traps: list[tuple[str, str]] = []
    for i in common:
        ra, rb = by_a[i], by_b[i]
        if ra.unscored or rb.unscored:
            continue
        status_b = {f.id: f.status for f in rb.facts}
        for fa in ra.facts:
            sb = status_b.get(fa.id)
            if sb is None or (fa.status == "covered") == (sb == "covered"):
                continue
            gold = facts.get((i, fa.id))
            flip = FactFlip(i, fa.id, fa.status, sb, gold.statement if gold else "",
                            gold.importance if gold else 1)
            (lost if fa.status == "covered" else gained).append(flip)
        new_traps += [(i, t) for t in rb.traps_hit if t not in set(ra.traps_hit)]
    return ModelComparison(
        model=name_b, model_a=name_a, metrics=metrics, lost=tuple(lost), gained=tuple(gained),
        mcnemar_p=round(mcnemar_exact(len(lost), len(gained)), 6), new_traps=tuple(new_traps),
        n_a=len(recs_a), n_b=len(recs_b), unscored_a=sum(1 for r in recs_a if r.unscored),
        unscored_b=sum(1 for r in recs_b if r.unscored),
        unpaired=tuple(sorted(set(by_a) ^ set(by_b))), records_a=by_a, records_b=by_b)


def compare_runs(run_a: dict[str, Any], recs_a: Sequence[ScoreRecord], run_b: dict[str, Any],
                 recs_b: Sequence[ScoreRecord], articles: Sequence[Article] | None = None,
                 force: bool = False, resamples: int = 2000, seed: int = 0) -> Comparison:
    """Compare run A (baseline) with run B (candidate); see the module docs for the statistics."""
    diffs = check_comparable(run_a, run_b, force)
    models_a = list(run_a.get("models", {})) or sorted({r.model for r in recs_a})
    models_b = list(run_b.get("models", {})) or sorted({r.model for r in recs_b})
    pairs = [(m, m) for m in models_b if m in models_a]
    notes = []
    if not pairs and len(models_a) == 1 and len(models_b) == 1:
        pairs = [(models_a[0], models_b[0])]
        notes.append(f"the single models of the two runs are paired: {models_a[0]!r} -> {models_b[0]!r}")
    out = [compare_model(ma, mb, [r for r in recs_a if r.model == ma], [r for r in recs_b if r.model == mb],
                         articles, resamples, seed) for ma, mb in pairs]
    return Comparison(
        run_a=str(run_a.get("run_id", "A")), run_b=str(run_b.get("run_id", "B")), models=tuple(out),
        differences=tuple(diffs), only_in_a=tuple(m for m in models_a if m not in {a for a, _ in pairs}),
        only_in_b=tuple(m for m in models_b if m not in {b for _, b in pairs}), notes=tuple(notes))


def comparison_json(c: Comparison) -> dict[str, Any]:
    """Plain JSON of a comparison (without the records)."""
    import dataclasses

    def model(m: ModelComparison) -> dict[str, Any]:
        d = {f.name: getattr(m, f.name) for f in dataclasses.fields(m) if not f.name.startswith("records_")}
        d["metrics"] = {k: dataclasses.asdict(v) for k, v in m.metrics.items()}
        d["lost"] = [dataclasses.asdict(f) for f in m.lost]
        d["gained"] = [dataclasses.asdict(f) for f in m.gained]
        d["new_traps"] = [{"article_id": a, "trap_id": t} for a, t in m.new_traps]
        d["unpaired"] = list(m.unpaired)
        return d

    return {"run_a": c.run_a, "run_b": c.run_b, "models": [model(m) for m in c.models],
            "differences": list(c.differences), "only_in_a": list(c.only_in_a),
            "only_in_b": list(c.only_in_b), "notes": list(c.notes)}


# ------------------------------------------------------------------ the run's gold set
def run_articles(run: dict[str, Any], run_dir: str | Path, gold: str | Path | None = None,
                 ) -> tuple[list[Article] | None, str | None]:
    """The prepared articles of a run's gold set (``gold`` overrides ``run.json``'s path), checked
    against the run's hashes: (articles, None), or (None, why they are not available)."""
    from .gold import dataset_hashes
    from .gold import prepare_articles

    ds = run.get("dataset", {})
    if gold is None:
        path = ds.get("path")
        if not path:
            return None, "run.json names no gold set"
        candidates = [Path(path)]
        if not Path(path).is_absolute():
            source = (run.get("config") or {}).get("source")
            if source:
                candidates.append(Path(source).parent / path)
            candidates.append(Path(run_dir) / path)
            if ds.get("resolved_path"):
                candidates.append(Path(ds["resolved_path"]))
        found = next((p for p in candidates if p.exists()), None)
        if found is None:
            return None, f"gold set {path} not found (pass --gold PATH)"
    else:
        found = Path(gold)
    try:
        articles = prepare_articles(found)
    except HarnessError as exc:
        return None, f"gold set {found} unusable: {str(exc).splitlines()[0]}"
    n = ds.get("n_articles")
    if isinstance(n, int) and 0 < n < len(articles):
        articles = articles[:n]  # a run made with --limit
    hashes = dataset_hashes(articles)
    for key in ("articles_sha256", "annotations_sha256"):
        if ds.get(key) and hashes[key] != ds[key]:
            return None, f"gold set {found} has changed since the run ({key} differs)"
    return articles, None
