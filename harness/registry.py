"""Registries of pluggable components (summarizer backends, scorers, executors): a name maps to
``"module:Class"``, imported on first use, so a heavy backend costs nothing until a config names
it. The config checks and the builders go through this one API."""

from __future__ import annotations

import importlib
import inspect
from typing import Any, Callable

from .errors import ConfigError, did_you_mean


class Registry:
    """Names -> ``"module:Class"`` for one kind of component (``noun`` names the kind in errors)."""

    def __init__(self, noun: str, entries: dict[str, str]):
        self.noun = noun
        self._entries = dict(entries)

    def register(self, name: str, target: str) -> None:
        """Register ``name`` -> ``"module:Class"`` (imported lazily on first use)."""
        self._entries[name] = target

    def unregister(self, name: str) -> None:
        """Forget ``name`` (no error when it is not registered)."""
        self._entries.pop(name, None)

    def entries(self) -> dict[str, str]:
        """A copy of every name -> ``"module:Class"`` (to register the same in another process)."""
        return dict(self._entries)

    def available(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def load(self, name: str) -> Any:
        """The class registered as ``name``; a :class:`ConfigError` with the near misses when
        nothing is (an ``ImportError`` of the class's own module propagates)."""
        if name not in self._entries:
            raise ConfigError(f"unknown {self.noun} {name!r}." + did_you_mean(name, self.available()))
        module, _, cls = self._entries[name].partition(":")
        return getattr(importlib.import_module(module), cls)


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
