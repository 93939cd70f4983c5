"""The CI regression gate: is the candidate run worse than the baseline run?

Thresholds (:class:`GateConfig`) come from a ``gate:`` mapping in a config file and/or command
line flags (flags win). Per model of the baseline:

- **coverage**: a regression when the mean paired drop (A - B) exceeds ``max_coverage_drop`` *and*
  the paired sign-flip test says it is significant (p < ``alpha``). A drop beyond the threshold
  on so few changed articles that no outcome could be significant (smallest attainable p >=
  ``alpha``) fails closed, as a regression that cannot be ruled out. A drop beyond the threshold
  that is testable but not significant passes, with a note.
- **hallucination rate**: the same for a rise beyond ``max_hallucination_rise``.
- **unscored share**: the candidate's unscored (or missing) pairs over its pairs above
  ``max_unscored_share`` is a regression, whatever the statistics.
- **new trap hits**: any (article, trap) hit by the candidate and not the baseline is a regression
  unless ``allow_new_trap_hits``.

Canaries run first, with the candidate's scorer settings on the gold set's articles: the source
body as summary must reach ``canary_source_min_coverage`` mean coverage and hallucinate nothing,
the empty summary must cover nothing, and a wrong number injected into a source sentence must be
flagged. A failed canary fails the gate.

Exit codes: 0 pass, 1 regression (or failed canary), 2 error or unusable input.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .aggregate import bootstrap_ci
from .compare import Comparison, compare_runs, run_articles
from .errors import ConfigError, HarnessError, did_you_mean
from .records import Article, Summary
from .report.markdown import fmt_p

PASS, REGRESSION, ERROR = 0, 1, 2


@dataclass(frozen=True)
class GateConfig:
    """Thresholds of the gate (config: a ``gate:`` mapping with these keys)."""

    max_coverage_drop: float = 0.02
    """Largest tolerated drop of mean coverage (absolute, 0..1) before significance is asked."""
    max_hallucination_rise: float = 0.02
    """Largest tolerated rise of the mean hallucination rate (absolute, 0..1)."""
    max_unscored_share: float = 0.05
    """Largest tolerated share of the candidate's pairs that are unscored or missing."""
    allow_new_trap_hits: bool = False
    """Whether traps hit by the candidate and not by the baseline are tolerated."""
    alpha: float = 0.05
    """Significance level of the paired tests."""
    canary_source_min_coverage: float = 0.9
    """Mean coverage the source-as-summary canary must reach."""


def gate_config(mapping: dict[str, Any] | None = None, where: str = "gate", **overrides: Any) -> GateConfig:
    """A :class:`GateConfig` from a mapping plus overrides (None values ignored); validated."""
    names = [f.name for f in dataclasses.fields(GateConfig)]
    values: dict[str, Any] = {}
    for key, value in {**(mapping or {}), **{k: v for k, v in overrides.items() if v is not None}}.items():
        if key not in names:
            raise ConfigError(f"{where}.{key}: unknown gate setting." + did_you_mean(key, names))
        default = getattr(GateConfig, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise ConfigError(f"{where}.{key}: must be true or false, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"{where}.{key}: must be a number from 0 to 1, got {value!r}")
        values[key] = value if isinstance(default, bool) else float(value)
    if values.get("alpha", 0.05) <= 0:
        raise ConfigError(f"{where}.alpha: must be above 0")
    return GateConfig(**values)


def load_gate_mapping(path: str | Path) -> dict[str, Any]:
    """The ``gate:`` mapping of a YAML config file (an empty mapping when it has none)."""
    from .config import read_yaml_mapping

    gate = read_yaml_mapping(path).get("gate") or {}
    if not isinstance(gate, dict):
        raise ConfigError(f"{path}: gate: must be a mapping of thresholds")
    return gate


@dataclass(frozen=True)
class Check:
    """One verdict of the gate (a JUnit test case)."""

    model: str
    """The model, or ``canary`` / ``run``."""
    name: str
    """``coverage``, ``hallucination_rate``, ``unscored_share``, ``new_trap_hits`` or a canary."""
    passed: bool
    message: str
    """One line: the numbers behind the verdict."""
    severity: int = REGRESSION
    """Exit code this check forces when it fails (1 regression, 2 unusable input)."""
    details: tuple[str, ...] = ()
    """Longer lines (failed articles, lost facts)."""


@dataclass(frozen=True)
class GateResult:
    """The outcome of the gate."""

    exit_code: int
    checks: tuple[Check, ...]
    config: GateConfig
    comparison: Comparison | None = None
    notes: tuple[str, ...] = ()
    baseline: str = ""
    candidate: str = ""
    articles: tuple[Article, ...] = field(default=(), repr=False)
    runs: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    """The baseline's and the candidate's ``run.json``, as loaded for the comparison."""
    detectable: dict[str, float] = field(default_factory=dict)
    """Model -> the smallest coverage drop this gate can flag with these articles
    (:func:`detectable_drop`)."""

    @property
    def verdict(self) -> str:
        """``pass``, ``regression`` or ``error``."""
        return {PASS: "pass", REGRESSION: "regression"}.get(self.exit_code, "error")


# ------------------------------------------------------------------ canaries
def _inject_number(body: str) -> tuple[str, int, int] | None:
    """A body sentence with its first number replaced by one the body never states:
    (sentence, start, end of the injected number), or None when no sentence has a number."""
    from .numbers import number_values, numbers
    from .text import sentences

    known = number_values(body)
    for sent in sentences(body):
        mentions = [n for n in numbers(sent.text) if not (1900 <= n.raw <= 2099 and n.raw == int(n.raw))]
        if not mentions:
            continue
        n = mentions[0]
        new = next(str(v) for v in (17, 23, 38, 41, 59, 67, 83, 97, 113, 127, 251, 739)
                   if float(v) not in known and v != n.raw)
        text = sent.text[:n.start] + new + sent.text[n.end:]
        return text, n.start, n.start + len(new)
    return None


def run_canaries(articles: Sequence[Article], scorers: Sequence[Any], config: GateConfig) -> list[Check]:
    """The three canaries over ``articles`` with ``scorers``; one :class:`Check` each."""
    from .scorers.batch import score_pairs

    injected = {a.id: _inject_number(a.body if a.body is not None else a.text) for a in articles}
    pairs = [(a, Summary("canary:source", a.id, a.body if a.body is not None else a.text)) for a in articles]
    pairs += [(a, Summary("canary:empty", a.id, "")) for a in articles]
    pairs += [(a, Summary("canary:number", a.id, injected[a.id][0])) for a in articles if injected[a.id]]
    recs = score_pairs(pairs, scorers, progress=False, desc="canaries")
    by = {m: [r for r in recs if r.model == f"canary:{m}"] for m in ("source", "empty", "number")}
    checks = []

    with_facts = {a.id for a in articles if a.facts}
    src = [r for r in by["source"] if r.article_id in with_facts]  # no facts: nothing to cover
    bad = [f"{r.article_id}: unscored ({r.unscored})" for r in src if r.unscored]
    covs = [r.coverage for r in src if not r.unscored and r.coverage is not None]
    mean = sum(covs) / len(covs) if covs else 0.0
    for r in src:
        if r.unscored:
            continue
        missed = [f.id for f in r.facts if f.status != "covered"]
        if missed:
            bad.append(f"{r.article_id}: coverage {r.coverage:.2f}, not covered: {', '.join(missed)}")
    for r in by["source"]:
        for h in r.hallucinations:
            bad.append(f"{r.article_id}: flagged {h.kind} {h.text!r} in the source itself")
    halluc = any(r.hallucinations for r in by["source"])
    ok = bool(covs) and len(covs) == len(src) and mean >= config.canary_source_min_coverage and not halluc
    checks.append(Check("canary", "source_as_summary", ok,
                        f"the article body as summary: mean coverage {mean:.3f} (needs >= "
                        f"{config.canary_source_min_coverage:g}), hallucinations "
                        f"{sum(len(r.hallucinations) for r in by['source'])} (needs 0)", details=tuple(bad)))

    emp = by["empty"]
    bad = [f"{r.article_id}: coverage {r.coverage}" if not r.unscored else f"{r.article_id}: unscored ({r.unscored})"
           for r in emp if r.unscored or (r.coverage or 0.0) > 0.0]
    checks.append(Check("canary", "empty_summary", not bad and bool(emp),
                        f"the empty summary covers nothing: {len(emp) - len(bad)}/{len(emp)} articles at 0",
                        details=tuple(bad)))

    num = by["number"]
    bad = []
    for r in num:
        text, s, e = injected[r.article_id]
        if r.unscored:
            bad.append(f"{r.article_id}: unscored ({r.unscored})")
        elif not any(h.start < e and s < h.end for h in r.hallucinations):
            bad.append(f"{r.article_id}: wrong number {text[s:e]!r} not flagged in {text!r}")
    checks.append(Check("canary", "injected_wrong_number", bool(num) and not bad,
                        f"a wrong number injected into a source sentence is flagged: "
                        f"{len(num) - len(bad)}/{len(num)} articles"
                        + ("" if num else " (no article states a number: cannot check)"), details=tuple(bad)))
    return checks


def candidate_scorers(run: dict[str, Any]) -> list[Any]:
    """The candidate's scorers rebuilt from its config, checked against its recorded signatures."""
    from .scorers import build_scorers, default_scorers

    spec = (run.get("config") or {}).get("scorers") or default_scorers()
    scorers = build_scorers(spec)
    got = {s.role: s.signature() for s in scorers}
    if run.get("scorers") and got != run["scorers"]:
        raise HarnessError(f"cannot rebuild the candidate's scorers for the canaries: signatures "
                           f"{got} differ from run.json's {run['scorers']}")
    return scorers


# ------------------------------------------------------------------ the gate
def _significance_check(model: str, metric: str, d: Any, limit: float, sign: int, alpha: float) -> Check:
    """sign = -1: a drop is bad (coverage); +1: a rise is bad (hallucination rate)."""
    label = "drop" if sign < 0 else "rise"
    if d.n == 0:
        return Check(model, metric, False, f"no article scored in both runs: {metric} cannot be compared",
                     severity=REGRESSION)
    change = sign * d.diff
    nums = (f"baseline {d.mean_a:.3f} -> candidate {d.mean_b:.3f}, change {d.diff:+.3f} "
            f"[95% CI {d.ci_low:+.3f}, {d.ci_high:+.3f}], p {fmt_p(d.p_value, relation=True)}, n = {d.n}")
    if change <= limit + 1e-12:
        return Check(model, metric, True, f"{nums}; {label} within {limit:g}")
    if d.p_value < alpha:
        return Check(model, metric, False, f"{nums}; significant {label} beyond {limit:g} (alpha {alpha:g})")
    if d.min_p >= alpha:
        return Check(model, metric, False,
                     f"{nums}; {label} beyond {limit:g} on too few changed articles to test (smallest "
                     f"possible p {fmt_p(d.min_p, relation=True)} >= alpha {alpha:g}): fails closed")
    return Check(model, metric, True, f"{nums}; {label} beyond {limit:g} but not significant at alpha {alpha:g}")


POWER = 0.8
"""The chance of flagging a drop that :func:`detectable_drop` reports."""


def detectable_drop(baseline: Sequence[float], config: GateConfig, resamples: int = 2000, seed: int = 0) -> float:
    """The smallest drop of mean coverage the gate flags, at its settings, with these articles:
    the larger of ``max_coverage_drop`` and the drop a two-sided paired test at ``alpha`` finds
    with :data:`POWER`, ``(z(1 - alpha/2) + z(POWER)) * SE``. SE is the bootstrap standard
    error of the baseline's mean coverage over its articles (the half-width of its 68.3%
    percentile interval): it stands for a candidate whose per-article changes vary as much as
    the baseline's per-article coverage does. Fewer articles, or more varied ones, raise it."""
    from statistics import NormalDist

    lo, hi = bootstrap_ci(baseline, resamples, seed, level=0.6827)
    se = (hi - lo) / 2 if baseline else float("inf")
    z = NormalDist().inv_cdf(1 - config.alpha / 2) + NormalDist().inv_cdf(POWER)
    return round(max(config.max_coverage_drop, z * se), 4)


def evaluate(comparison: Comparison, config: GateConfig) -> list[Check]:
    """The per-model checks of a comparison."""
    checks = []
    for m in comparison.models:
        checks.append(_significance_check(m.model, "coverage", m.metrics["coverage"],
                                          config.max_coverage_drop, -1, config.alpha))
        checks.append(_significance_check(m.model, "hallucination_rate", m.metrics["hallucination_rate"],
                                          config.max_hallucination_rise, +1, config.alpha))
        missing = sum(1 for a in m.records_a if a not in m.records_b)
        total = m.n_b + missing
        share = (m.unscored_b + missing) / total if total else 1.0
        details = tuple(f"{r.article_id}: {r.unscored}" for r in m.records_b.values() if r.unscored)
        details += tuple(f"{a}: missing from the candidate" for a in m.records_a if a not in m.records_b)
        checks.append(Check(m.model, "unscored_share", share <= config.max_unscored_share + 1e-12,
                            f"{m.unscored_b + missing}/{total} candidate pairs unscored or missing "
                            f"({share:.1%}; at most {config.max_unscored_share:.1%} allowed)", details=details))
        traps = tuple(f"{a}: trap {t}" for a, t in m.new_traps)
        ok = config.allow_new_trap_hits or not traps
        checks.append(Check(m.model, "new_trap_hits", ok,
                            f"{len(traps)} trap(s) newly hit" + (" (allowed)" if traps and config.allow_new_trap_hits else ""),
                            details=traps))
    for name in comparison.only_in_a:
        checks.append(Check(name, "present", False, f"model {name!r} of the baseline is not in the candidate",
                            severity=ERROR))
    return checks


def run_gate(baseline: str | Path, candidate: str | Path, config: GateConfig, force: bool = False,
             canaries: bool = True, gold: str | Path | None = None) -> GateResult:
    """Load both runs, run the canaries, compare and judge. Unusable input raises HarnessError."""
    from .results import load_run

    run_a, recs_a = load_run(baseline)
    run_b, recs_b = load_run(candidate)
    notes = []
    articles, why = run_articles(run_b, candidate, gold)
    checks: list[Check] = []
    if canaries:
        if articles is None:
            raise HarnessError(f"cannot run the canaries: {why} (or pass --skip-canaries)")
        checks += run_canaries(articles, candidate_scorers(run_b), config)
    else:
        notes.append("canaries skipped (--skip-canaries): the scorer is trusted unchecked")
    if articles is None:
        notes.append(f"fact statements unavailable: {why}")
    comparison = compare_runs(run_a, recs_a, run_b, recs_b, articles, force=force)
    if comparison.differences:
        notes.append("compared despite differences (--force): " + "; ".join(comparison.differences))
    notes += comparison.notes
    if comparison.only_in_b:
        notes.append("models without a baseline (not gated): " + ", ".join(comparison.only_in_b))
    checks += evaluate(comparison, config)
    detectable = {m.model: detectable_drop([r.coverage for a, r in m.records_a.items() if a in m.records_b
                                            and r.coverage is not None], config)
                  for m in comparison.models}
    failed = [c.severity for c in checks if not c.passed]
    code = max(failed) if failed else PASS
    return GateResult(code, tuple(checks), config, comparison, tuple(notes), str(run_a.get("run_id", baseline)),
                      str(run_b.get("run_id", candidate)), tuple(articles or ()), (run_a, run_b), detectable)

