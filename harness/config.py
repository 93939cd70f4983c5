"""Run configuration: a YAML file (loaded safely) plus ``--set key=value`` overrides.

Keys equal the :class:`RunConfig` fields; unknown keys are errors naming the key path with a
"did you mean". Relative paths are taken from the current folder, else from the config's folder.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, did_you_mean

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run of ``harness eval``."""

    dataset: str
    """Gold set: an ``articles.jsonl`` (or a folder holding one), JSON, parquet, or ``hf:NAME``."""
    models: tuple[dict[str, Any], ...]
    """Summarizers: each a mapping with ``name``, ``backend`` and the backend's parameters."""
    scorers: dict[str, dict[str, Any]] = field(default_factory=lambda: {"coverage": {}, "hallucination": {}})
    """Scorer name -> constructor parameters."""
    output_dir: str = "results"
    """Folder that receives ``<run_id>/``."""
    run_id: str | None = None
    """Name of the run's folder (letters, digits, ``._-``); default: config name + time."""
    name: str = "run"
    """A label for the run (defaults to the config file's stem)."""
    input: str = "body"
    """What summarizers see: ``body`` (furniture removed) or ``page`` (the raw page)."""
    seed: int = 0
    """Seed for generation and bootstrap resampling."""
    bootstrap: int = 1000
    """Bootstrap resamples for confidence intervals."""
    limit: int | None = None
    """Only the first N articles."""
    cache: bool = True
    """Use the generation cache (``HARNESS_CACHE_DIR``) in front of model backends."""
    executor: str = "local"
    """Where work runs: ``local`` or ``ray``."""
    gate: dict[str, Any] = field(default_factory=dict)
    """Thresholds for ``harness gate`` (see :mod:`harness.gate`)."""
    source: str = ""
    """The config file this came from (filled by :func:`load_config`)."""


_FIELDS = tuple(f.name for f in dataclasses.fields(RunConfig) if f.name != "source")


def load_config(path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """Read ``path`` (YAML, safe loading only), apply ``key=value`` overrides, validate."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}" if mark else str(p)
        raise ConfigError(f"{where}: invalid YAML (only plain YAML is accepted, no tags): "
                          f"{getattr(exc, 'problem', None) or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not valid UTF-8") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: the top level must be a mapping of keys, got {type(raw).__name__}")
    for item in overrides or []:
        _apply_override(raw, item)
    raw.setdefault("name", p.stem)
    return from_mapping(raw, str(p))


def _apply_override(raw: dict[str, Any], item: str) -> None:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise ConfigError(f"--set {item!r}: expected key=value")
    try:
        parsed = yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        parsed = value
    target = raw
    parts = key.split(".")
    for part in parts[:-1]:
        if isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
            continue
        if not isinstance(target, dict):
            raise ConfigError(f"--set {key}: {part!r} is not a mapping")
        target = target.setdefault(part, {})
    if isinstance(target, list) and parts[-1].isdigit():
        target[int(parts[-1])] = parsed
    elif isinstance(target, dict):
        target[parts[-1]] = parsed
    else:
        raise ConfigError(f"--set {key}: cannot set a key inside {type(target).__name__}")


def from_mapping(raw: dict[str, Any], source: str = "<config>") -> RunConfig:
    """Validate a parsed config mapping into a :class:`RunConfig`."""
    for key in raw:
        if key not in _FIELDS:
            raise ConfigError(f"{source}: {key}: unknown key." + did_you_mean(str(key), _FIELDS))
    for key in ("dataset", "models"):
        if key not in raw:
            raise ConfigError(f"{source}: missing key {key!r}")
    _expect(raw, "dataset", str, source)
    models = raw["models"]
    if not isinstance(models, list) or not models:
        raise ConfigError(f"{source}: models: must be a non-empty list of mappings")
    names = set()
    for i, m in enumerate(models):
        if not isinstance(m, dict):
            raise ConfigError(f"{source}: models[{i}]: must be a mapping with 'name' and 'backend'")
        name = m.get("name")
        if not isinstance(name, str) or not _SAFE_NAME.match(name):
            raise ConfigError(f"{source}: models[{i}].name: required; letters, digits and ._- only, got {name!r}")
        if name in names:
            raise ConfigError(f"{source}: models[{i}].name: duplicate model name {name!r}")
        names.add(name)
    scorers = raw.get("scorers", {"coverage": {}, "hallucination": {}})
    if isinstance(scorers, list):
        scorers = {str(s): {} for s in scorers}
    if not isinstance(scorers, dict):
        raise ConfigError(f"{source}: scorers: must be a mapping of scorer name to parameters")
    scorers = {k: (v or {}) for k, v in scorers.items()}
    for k, v in scorers.items():
        if not isinstance(v, dict):
            raise ConfigError(f"{source}: scorers.{k}: parameters must be a mapping")
    for key, typ in (("output_dir", str), ("name", str), ("input", str), ("seed", int),
                     ("bootstrap", int), ("cache", bool), ("executor", str), ("gate", dict)):
        _expect(raw, key, typ, source)
    if raw.get("limit") is not None:
        _expect(raw, "limit", int, source)
    if raw.get("input", "body") not in ("body", "page"):
        raise ConfigError(f"{source}: input: must be 'body' or 'page', got {raw['input']!r}")
    from .executors import available as executors

    if raw.get("executor", "local") not in executors():
        raise ConfigError(f"{source}: executor: unknown executor {raw['executor']!r}." +
                          did_you_mean(str(raw["executor"]), executors()))
    run_id = raw.get("run_id")
    if run_id is not None and (not isinstance(run_id, str) or not _SAFE_NAME.match(run_id)):
        raise ConfigError(f"{source}: run_id: letters, digits and ._- only (no paths), got {run_id!r}")
    values = {k: v for k, v in raw.items() if k in _FIELDS}
    values["models"] = tuple(dict(m) for m in models)
    values["scorers"] = scorers
    return RunConfig(**values, source=source)


def _expect(raw: dict[str, Any], key: str, typ: type, source: str) -> None:
    if key in raw and raw[key] is not None:
        value = raw[key]
        ok = isinstance(value, typ) and not (typ is int and isinstance(value, bool))
        if not ok:
            raise ConfigError(f"{source}: {key}: must be {typ.__name__}, got {type(value).__name__} {value!r}")


def resolve_path(value: str, config_source: str) -> Path:
    """A path from the config: relative to the current folder if it exists there, else to the
    config file's folder."""
    p = Path(value)
    if p.is_absolute() or p.exists() or value.startswith("hf:"):
        return p
    alt = Path(config_source).parent / p
    return alt if alt.exists() else p
