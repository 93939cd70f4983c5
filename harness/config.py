"""Run configuration: a YAML file (loaded safely) plus ``--set key=value`` overrides.

Keys equal the :class:`RunConfig` fields; unknown keys are errors naming the key path with a
"did you mean". Relative paths are taken from the current folder, else from the config's folder.
"""

from __future__ import annotations

import collections.abc
import contextlib
import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

import yaml

from .errors import ConfigError, did_you_mean
from .scorers import default_scorers

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run of ``harness eval``."""

    dataset: str
    """Gold set: an ``articles.jsonl`` (or a folder holding one), JSON, parquet, or ``hf:NAME``."""
    models: tuple[dict[str, Any], ...]
    """Summarizers: each a mapping with ``name``, ``backend`` and the backend's parameters."""
    scorers: dict[str, dict[str, Any]] = field(default_factory=default_scorers)
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


class _StrictSafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` (plain data only: tags that would construct objects are refused)
    that also refuses duplicate keys, which plain YAML loading silently collapses."""


def _mapping_no_duplicates(loader: _StrictSafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: let the constructor report it
            break
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark)
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=True)


_StrictSafeLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_no_duplicates)


def parse_yaml(text: str) -> Any:
    """YAML text read with the strict safe loader (plain data only, no duplicate keys)."""
    return yaml.load(text, Loader=_StrictSafeLoader)  # noqa: S506 - a SafeLoader subclass


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a YAML file, read with the strict safe loader (plain data, no
    duplicate keys); a :class:`ConfigError` names the file and line of any problem."""
    p = Path(path)
    if not p.is_file():
        what = "is a folder, not a config file" if p.is_dir() else "config file not found"
        raise ConfigError(f"{p}: {what}")
    try:
        raw = parse_yaml(p.read_bytes().decode("utf-8-sig"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{p}:{mark.line + 1}" if mark else str(p)
        hint = " (only plain YAML is accepted: no tags)" if isinstance(exc, yaml.constructor.ConstructorError) else ""
        raise ConfigError(f"{where}: invalid YAML{hint}: {getattr(exc, 'problem', None) or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not valid UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise ConfigError(f"{p}: invalid YAML: nesting too deep") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror or exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: the top level must be a mapping of keys, got {type(raw).__name__}")
    return raw


def load_config(path: str | Path, overrides: list[str] | None = None) -> RunConfig:
    """Read ``path`` (YAML, safe loading only), apply ``key=value`` overrides, validate
    (keys, types, backends and scorers with their parameters, the dataset's existence)."""
    p = Path(path)
    raw = read_yaml_mapping(p)
    for item in overrides or []:
        _apply_override(raw, item)
    raw.setdefault("name", re.sub(r"[^A-Za-z0-9._-]+", "-", p.stem).strip("-") or "run")
    config = from_mapping(raw, str(p))
    if not config.dataset.startswith("hf:") and not resolve_path(config.dataset, config.source).exists():
        raise ConfigError(f"{p}: dataset: no such file or folder: {config.dataset!r} (relative paths are "
                          f"taken from the current folder, else from the config's folder)")
    return config


def _apply_override(raw: dict[str, Any], item: str) -> None:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE (e.g. seed=1 or models.0.sentences=2)")
    try:
        parsed = parse_yaml(value) if value else ""
    except yaml.YAMLError:
        parsed = value
    except RecursionError:
        raise ConfigError(f"--set {key}: value nested too deep") from None
    target: Any = raw
    parts = key.split(".")
    if any(not part for part in parts):
        raise ConfigError(f"--set {key}: empty part in the key path")
    path = ""
    for part in parts[:-1]:
        if isinstance(target, list):
            if not part.isdigit() or int(part) >= len(target):
                raise ConfigError(f"--set {key}: {path or 'the top level'} is a list of {len(target)}; "
                                  f"{part!r} is not an index in it")
            target = target[int(part)]
        elif isinstance(target, dict):
            target = target.setdefault(part, {})
        else:
            raise ConfigError(f"--set {key}: {path} is a {type(target).__name__}, not a mapping")
        path = f"{path}.{part}" if path else part
    last = parts[-1]
    if isinstance(target, list):
        if not last.isdigit() or int(last) >= len(target):
            raise ConfigError(f"--set {key}: {path} is a list of {len(target)}; {last!r} is not an index in it")
        target[int(last)] = parsed
    elif isinstance(target, dict):
        target[last] = parsed
    else:
        raise ConfigError(f"--set {key}: {path} is a {type(target).__name__}, not a mapping")


class Problems:
    """Config problems gathered in one pass and raised together (:meth:`raise_any`), so that a
    user fixes every typo at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    @contextlib.contextmanager
    def check(self) -> Iterator[None]:
        """Run the block; a :class:`ConfigError` it raises is kept, and the next check goes on."""
        try:
            yield
        except ConfigError as exc:
            self.messages.extend(str(exc).splitlines())

    def raise_any(self) -> None:
        """Raise one :class:`ConfigError` naming every problem kept, if any."""
        if len(self.messages) == 1:
            raise ConfigError(self.messages[0])
        if self.messages:
            raise ConfigError(f"{len(self.messages)} problems:\n" + "\n".join(f"  {m}" for m in self.messages))


def from_mapping(raw: dict[str, Any], source: str = "<config>") -> RunConfig:
    """Validate a parsed config mapping into a :class:`RunConfig`, every model's backend and
    every scorer's parameters included; all problems are reported together."""
    problems = Problems()
    for key in raw:
        if key not in _FIELDS:
            problems.messages.append(f"{source}: {key}: unknown key." + did_you_mean(str(key), _FIELDS))
    for key in ("dataset", "models"):
        if key not in raw:
            problems.messages.append(f"{source}: missing key {key!r}")
    models: list[dict[str, Any]] = []
    with problems.check():
        _expect(raw, "dataset", str, source)
    with problems.check():
        models = _models(raw["models"], source, problems) if "models" in raw else []
    scorers: dict[str, dict[str, Any]] = {}
    with problems.check():
        scorers = _scorers(raw.get("scorers", default_scorers()), source)
    for key, typ in (("output_dir", str), ("name", str), ("input", str), ("seed", int),
                     ("bootstrap", int), ("cache", bool), ("executor", str), ("gate", dict), ("limit", int)):
        with problems.check():
            _expect(raw, key, typ, source)
            _check_value(raw, key, source)
    with problems.check():
        run_id = raw.get("run_id")
        if run_id is not None and (not isinstance(run_id, str) or not _SAFE_NAME.fullmatch(run_id)):
            raise ConfigError(f"{source}: run_id: letters, digits and ._- only (no paths), got {run_id!r}")
    check_components(models, scorers, source, problems)
    problems.raise_any()
    values = {k: v for k, v in raw.items() if k in _FIELDS}
    values["models"] = tuple(dict(m) for m in models)
    values["scorers"] = scorers
    return RunConfig(**values, source=source)


def _models(models: Any, source: str, problems: Problems) -> list[dict[str, Any]]:
    """The ``models:`` entries that are well-formed enough to check further (each problem kept)."""
    if not isinstance(models, list) or not models:
        raise ConfigError(f"{source}: models: must be a non-empty list of mappings")
    names: set[str] = set()
    good = []
    for i, m in enumerate(models):
        with problems.check():
            if not isinstance(m, dict):
                raise ConfigError(f"{source}: models[{i}]: must be a mapping with 'name' and 'backend'")
            name = m.get("name")
            if not isinstance(name, str) or not _SAFE_NAME.fullmatch(name):
                raise ConfigError(f"{source}: models[{i}].name: required; letters, digits and ._- only, got {name!r}")
            if name in names:
                raise ConfigError(f"{source}: models[{i}].name: duplicate model name {name!r}")
            names.add(name)
            good.append(m)
    return good


def _scorers(scorers: Any, source: str) -> dict[str, dict[str, Any]]:
    if isinstance(scorers, list):
        scorers = {str(s): {} for s in scorers}
    if not isinstance(scorers, dict):
        raise ConfigError(f"{source}: scorers: must be a mapping of scorer name to parameters")
    for k, v in scorers.items():
        if v is not None and not isinstance(v, dict):
            raise ConfigError(f"{source}: scorers.{k}: parameters must be a mapping, got {type(v).__name__}")
    out = {str(k): (v or {}) for k, v in scorers.items()}
    if not out:
        raise ConfigError(f"{source}: scorers: no scorer given")
    return out


def _check_value(raw: dict[str, Any], key: str, source: str) -> None:
    """The checks of one top-level key's value beyond its type."""
    value = raw.get(key)
    if value is None:
        return
    low = {"limit": 1, "seed": 0, "bootstrap": 0}.get(key)
    if low is not None and value < low:
        raise ConfigError(f"{source}: {key}: must be at least {low}, got {value!r}")
    if key == "output_dir" and (not value.strip() or ".." in Path(value).parts or not value.isprintable()):
        raise ConfigError(f"{source}: output_dir: must name a folder without '..' parts or control "
                          f"characters, got {value!r}")
    if key == "name" and (not value.strip(". ") or "/" in value or "\\" in value or not value.isprintable()):
        raise ConfigError(f"{source}: name: names the run folder when run_id is not set, so no path "
                          f"separators, control characters or dots only, got {value!r}")
    if key == "input" and value not in ("body", "page"):
        raise ConfigError(f"{source}: input: must be 'body' or 'page', got {value!r}")
    if key == "executor":
        from .executors import available as executors

        if value not in executors():
            raise ConfigError(f"{source}: executor: unknown executor {value!r}." + did_you_mean(str(value), executors()))


def check_components(models: Sequence[dict[str, Any]], scorers: dict[str, dict[str, Any]], source: str,
                     problems: Problems) -> None:
    """Every model's backend and every scorer exists and gets only parameters it accepts
    (checked against the constructor's signature, before anything runs); each problem is kept
    in ``problems``."""
    from . import scorers as scorer_registry, summarizers as summarizer_registry

    for i, spec in enumerate(models):
        where = f"{source}: models[{i}]"
        with problems.check():
            backend = spec.get("backend")
            if not isinstance(backend, str) or not backend:
                raise ConfigError(f"{where}.backend: missing or not a string. "
                                  f"Available: {', '.join(summarizer_registry.available())}.")
            if backend not in summarizer_registry.available():
                raise ConfigError(f"{where}.backend: unknown summarizer backend {backend!r}."
                                  + did_you_mean(backend, summarizer_registry.available()))
            cls = _import_component(summarizer_registry.REGISTRY, backend, f"{where}.backend")
            _check_params(cls, {k: v for k, v in spec.items() if k != "backend"}, where, problems)
    for name, params in scorers.items():
        where = f"{source}: scorers.{name}"
        with problems.check():
            if name not in scorer_registry.available():
                raise ConfigError(f"{source}: scorers: unknown scorer {name!r}."
                                  + did_you_mean(name, scorer_registry.available()))
            cls = _import_component(scorer_registry.REGISTRY, name, where)
            _check_params(cls, dict(params), where, problems)


def _check_params(cls: Any, params: dict[str, Any], where: str, problems: Problems) -> None:
    """Each key of ``params`` checked on its own (unknown, or of the wrong type), then the
    required ones."""
    from .registry import check_params

    for key, value in params.items():
        with problems.check():
            check_params(cls, {key: value}, where, required=False)
            check_param_types(cls, {key: value}, where)
    with problems.check():
        check_params(cls, params, where, unknown=False)


def check_param_types(cls: Any, params: dict[str, Any], where: str) -> None:
    """Refuse a parameter whose value does not fit the constructor's simple annotation
    (``int``, ``float``, ``str``, ``bool``, ``None``, lists, mappings, ``Literal`` and unions of
    these); other annotations are not checked."""
    try:
        hints = typing.get_type_hints(cls.__init__ if isinstance(cls, type) else cls)
    except Exception:  # noqa: BLE001 - an annotation we cannot resolve is simply not checked
        return
    for key, value in params.items():
        hint = hints.get(key)
        if hint is not None and not _fits(value, hint):
            shown = getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
            raise ConfigError(f"{where}.{key}: must be {shown}, got {type(value).__name__} {value!r}")


def _fits(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if hint is Any or isinstance(hint, (typing.TypeVar, str)):
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    base = origin or hint
    if base in (list, tuple, set, frozenset, collections.abc.Sequence):
        return isinstance(value, (list, tuple))
    if base in (dict, collections.abc.Mapping):
        return isinstance(value, dict)
    return True


def _import_component(registry: Any, name: str, where: str) -> Any:
    try:
        return registry.load(name)
    except ImportError as exc:
        raise ConfigError(f"{where}: {name!r} cannot be loaded: {exc}") from None


def _expect(raw: dict[str, Any], key: str, typ: type, source: str) -> None:
    if key in raw and raw[key] is None and key not in ("limit", "run_id"):
        raise ConfigError(f"{source}: {key}: must be {typ.__name__}, got null (remove the key for the default)")
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
