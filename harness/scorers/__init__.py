"""Scorers: check every summary against its article and gold annotation.

Two roles, each a protocol with a registry entry per implementation (one file each):
- coverage: which gold facts the summary carries -> :class:`~harness.records.CoverageResult`
- faithfulness: which claims the article body does not support, traps hit
  -> :class:`~harness.records.FaithfulnessResult`

Config: ``scorers: {coverage: {...params}, hallucination: {...params}}`` (keys = constructor
parameters); a scorer's ``signature()`` names every setting that affects its numbers.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

from ..errors import ConfigError, did_you_mean
from .. import summarizers
from ..registry import Registry, check_params
from ..records import Article, CoverageResult, FaithfulnessResult


@runtime_checkable
class CoverageScorer(Protocol):
    """Decides, per gold fact, whether a summary carries it."""

    role: str  # "coverage"

    def signature(self) -> str:
        """One line naming every setting that affects the numbers."""
        ...

    def score(self, article: Article, summary: str) -> CoverageResult:
        """Per-fact verdicts for one summary of ``article``."""
        ...

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[CoverageResult]:
        """Batch form of :meth:`score` (same results, in order; may batch model calls)."""
        ...


@runtime_checkable
class FaithfulnessScorer(Protocol):
    """Finds the claims of a summary that the article body does not support."""

    role: str  # "faithfulness"

    def signature(self) -> str:
        """One line naming every setting that affects the numbers."""
        ...

    def score(self, article: Article, summary: str) -> FaithfulnessResult:
        """Hallucinations, traps hit and the summary-level verdict for one summary."""
        ...

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[FaithfulnessResult]:
        """Batch form of :meth:`score`."""
        ...


# The oracle summarizer is built from the coverage scorer, so it lives and registers here: named by
# the summarizers package, it would close an import loop (summarizers -> oracle -> scorers ->
# judges -> summarizers). Whatever reads a config or runs one imports this package first.
summarizers.register("oracle", "harness.scorers.oracle:OracleSummarizer")

def default_scorers() -> dict[str, dict[str, Any]]:
    """The ``scorers:`` mapping of a config that names none: both scorers, default settings."""
    return {"coverage": {}, "hallucination": {}}


REGISTRY = Registry("scorer", {
    "coverage": "harness.scorers.coverage:FactCoverageScorer",
    "hallucination": "harness.scorers.hallucination:HallucinationScorer",
})


def available() -> list[str]:
    """Registered scorer names."""
    return REGISTRY.available()


def build(name: str, params: dict[str, Any] | None, where: str = "scorers") -> Any:
    """Build the scorer registered as ``name`` with config ``params``."""
    if name not in REGISTRY:
        raise ConfigError(f"{where}: unknown scorer {name!r}." + did_you_mean(name, available()))
    cls = REGISTRY.load(name)
    params = dict(params or {})
    check_params(cls, params, f"{where}.{name}")
    return cls(**params)


def build_scorers(spec: dict[str, dict[str, Any]]) -> list[Any]:
    """Scorer objects from the config's ``scorers`` mapping (coverage first)."""
    built = [build(name, params) for name, params in spec.items()]
    for scorer in built:
        if hasattr(scorer, "check_weights"):
            scorer.check_weights()  # before any model runs: a mismatch is a config error
    return sorted(built, key=lambda s: s.role != "coverage")


def judge_usage(scorers: Sequence[Any]) -> dict[str, dict[str, float]]:
    """Per role, the calls, tokens and seconds of each scorer's configured judge (``judge:``)."""
    usage = {s.role: s.judge_usage() for s in scorers if hasattr(s, "judge_usage")}
    return {role: u for role, u in usage.items() if u is not None}
