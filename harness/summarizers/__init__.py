"""Summarizers: turn articles into summaries.

Protocol: a summarizer is constructed from its config keys (``backend`` picks the class, the other
keys are constructor parameters) and exposes ``name``, ``identity()`` and ``summarize()``.
Implementations live one per file and register with :func:`register`; heavy ones (``hf``,
``openai``) import their dependencies on first use. The ``oracle``, built from the coverage
scorer, lives in :mod:`harness.scorers.oracle` and is registered by :mod:`harness.scorers`.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

from ..errors import ConfigError
from ..registry import Registry, check_params
from ..records import Article, Summary


@runtime_checkable
class Summarizer(Protocol):
    """Anything that summarises a batch of articles."""

    name: str
    """The model's name in the config (unique within a run)."""

    def identity(self) -> dict[str, Any]:
        """Everything that changes this summarizer's output (backend, model files, settings).

        Goes into the run signature and the generation-cache key; never contains secrets."""
        ...

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """Summaries of ``articles`` in the same order (``Article.body`` is already extracted)."""
        ...


REGISTRY = Registry("summarizer backend", {
    "lead": "harness.summarizers.lead:LeadSummarizer",
    "reference": "harness.summarizers.reference:ReferenceSummarizer",
    "file": "harness.summarizers.file:FileSummarizer",
    "textrank": "harness.summarizers.textrank:TextRankSummarizer",
    "hf": "harness.summarizers.hf:HFSummarizer",
    "openai": "harness.summarizers.openai:OpenAISummarizer",
})


def register(backend: str, target: str) -> None:
    """Register ``backend`` -> ``"module:Class"`` (imported lazily on first use)."""
    REGISTRY.register(backend, target)


def available() -> list[str]:
    """Registered backend names."""
    return REGISTRY.available()


def build(spec: dict[str, Any], where: str = "models") -> Summarizer:
    """Build a summarizer from one ``models:`` entry of the config (keys = constructor params)."""
    spec = dict(spec)
    backend = spec.pop("backend", None)
    if not backend:
        raise ConfigError(f"{where}: missing key 'backend'. Available: {', '.join(available())}.")
    cls = REGISTRY.load(str(backend))
    check_params(cls, spec, where)
    return cls(**spec)


def build_cached(spec: dict[str, Any], use_cache: bool = True, refresh: bool = False,
                 where: str | None = None) -> Any:
    """The summarizer of one ``models:`` entry, with the generation cache in front unless its
    class is not ``cacheable`` (cheap deterministic baselines, the oracle); ``where`` names the
    entry in errors (default ``models[NAME]``)."""
    summarizer = build(spec, where or f"models[{spec['name']}]")
    if not use_cache or not getattr(summarizer, "cacheable", True):
        return summarizer
    from ..cache import CachedSummarizer, GenerationCache

    return CachedSummarizer(summarizer, GenerationCache(), refresh=refresh)
