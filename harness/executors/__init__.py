"""Executors: where generation and scoring work runs.

An executor takes work in batches and yields results batch by batch, in order, so the driver can
stream them to disk and write exactly the same results files whatever ran the work:

- ``generate(spec, batches)``: for one model's config entry, yields ``list[Summary]`` per batch
  of articles;
- ``score(scorer_specs, batches)``: yields ``list[ScoreRecord]`` per batch of
  (article, summary) pairs.

``local`` runs in this process (each model and scorer loaded once). Others (``ray``) register here
and are imported on first use.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Protocol, Sequence

from ..errors import ConfigError, did_you_mean
from ..registry import Registry
from ..records import Article, ScoreRecord, Summary

REGISTRY = Registry("executor", {
    "local": "harness.executors.local:LocalExecutor",
    "ray": "harness.executors.ray:RayExecutor",
})


class Executor(Protocol):
    """Runs generation and scoring batches, yielding results in order."""

    def generate(self, spec: dict[str, Any], batches: Iterable[Sequence[Article]],
                 use_cache: bool, refresh: bool) -> Iterator[list[Summary]]:
        """Summaries of each batch, in order."""
        ...

    def score(self, scorer_specs: dict[str, dict[str, Any]],
              batches: Iterable[Sequence[tuple[Article, Summary]]]) -> Iterator[list[ScoreRecord]]:
        """Score records of each batch of pairs, in order."""
        ...

    def model_info(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Identity and cache counters of the model last run from ``spec``."""
        ...

    def close(self) -> None:
        """Release workers and models."""
        ...


def available() -> list[str]:
    """Registered executor names."""
    return REGISTRY.available()


def build(name: str, **options: Any) -> Executor:
    """The executor registered as ``name``."""
    if name not in REGISTRY:
        raise ConfigError(f"executor: unknown executor {name!r}." + did_you_mean(name, available()))
    return REGISTRY.load(name)(**options)
