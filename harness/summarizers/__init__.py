"""Summarizers: turn articles into summaries.

Protocol: a summarizer is constructed from its config keys (``backend`` picks the class, the other
keys are constructor parameters) and exposes ``name``, ``identity()`` and ``summarize()``.
Implementations live one per file and register with :func:`register`; heavy ones (``hf``,
``openai``) import their dependencies on first use.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable, Protocol, Sequence, runtime_checkable

from ..errors import ConfigError, did_you_mean
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


_REGISTRY: dict[str, str] = {
    "lead": "harness.summarizers.lead:LeadSummarizer",
    "reference": "harness.summarizers.reference:ReferenceSummarizer",
    "file": "harness.summarizers.file:FileSummarizer",
    "textrank": "harness.summarizers.textrank:TextRankSummarizer",
    "oracle": "harness.summarizers.oracle:OracleSummarizer",
    "hf": "harness.summarizers.hf:HFSummarizer",
    "openai": "harness.summarizers.openai:OpenAISummarizer",
}


def register(backend: str, target: str) -> None:
    """Register ``backend`` -> ``"module:Class"`` (imported lazily on first use)."""
    _REGISTRY[backend] = target


def available() -> list[str]:
    """Registered backend names."""
    return sorted(_REGISTRY)


def _load_class(backend: str) -> type:
    if backend not in _REGISTRY:
        raise ConfigError(f"unknown summarizer backend {backend!r}." + did_you_mean(backend, available()))
    module, _, cls = _REGISTRY[backend].partition(":")
    return getattr(importlib.import_module(module), cls)


def build(spec: dict[str, Any], where: str = "models") -> Summarizer:
    """Build a summarizer from one ``models:`` entry of the config (keys = constructor params)."""
    spec = dict(spec)
    backend = spec.pop("backend", None)
    if not backend:
        raise ConfigError(f"{where}: missing key 'backend'. Available: {', '.join(available())}.")
    cls = _load_class(str(backend))
    check_params(cls, spec, where)
    return cls(**spec)


def check_params(cls: Callable[..., Any], params: dict[str, Any], where: str, unknown: bool = True,
                 required: bool = True) -> None:
    """Refuse (with ``unknown``) constructor keys it does not take, with a 'did you mean' naming
    the key path, and (with ``required``) a missing required key."""
    sig = inspect.signature(cls)
    accepted = [n for n, p in sig.parameters.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    for key in params if unknown else ():
        if key not in accepted:
            raise ConfigError(f"{where}.{key}: unknown key." + did_you_mean(key, accepted))
    if not required:
        return
    missing = [
        n for n, p in sig.parameters.items()
        if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
        and n not in params
    ]
    if missing:
        raise ConfigError(f"{where}: missing key {missing[0]!r}.")
