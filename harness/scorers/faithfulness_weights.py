"""The hallucination scorer's weights files: where the shipped ones live, reading and checking
one, its judge band, and which likelihood judge's features it was fitted on."""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any, TYPE_CHECKING

from ..checkers.faithfulness.evidence import FEATURES
from ..checkers.faithfulness.likelihood import LM_FEATURES
from ..errors import ConfigError, HarnessError

if TYPE_CHECKING:
    from ..checkers.faithfulness.likelihood import LikelihoodJudge


def model_band(model: dict[str, Any]) -> tuple[float, float]:
    """A weights file's ``judge_band``: the lexical-verdict probabilities for which the likelihood
    judge is consulted ([0, 1], every summary, for a file without one); chosen for the file's
    threshold and the lexical one, which it must hold (``benchmarks/quality/judge_band.py``)."""
    low, high = model.get("judge_band", (0.0, 1.0))
    return float(low), float(high)


def shipped_model_path(lm: bool = True) -> Path:
    """Where the shipped weights live: with the likelihood judge's features, or lexical only."""
    name = "faithfulness_model.json" if lm else "faithfulness_model_lexical.json"
    return Path(str(importlib_resources.files("harness") / "data" / name))


@lru_cache(maxsize=8)
def load_weights(path: str) -> tuple[dict[str, Any], str]:
    """A weights file and the short sha256 of its bytes; a :class:`HarnessError` if it is bad."""
    try:
        raw = Path(path).read_bytes()
        model = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot read the faithfulness model {path}: {exc}") from exc
    missing = [k for k in ("features", "mean", "scale", "coef", "intercept", "threshold") if k not in model]
    if missing:
        raise HarnessError(f"faithfulness model {path} lacks {', '.join(missing)}")
    band = model.get("judge_band", (0.0, 1.0))
    if not (isinstance(band, list | tuple) and len(band) == 2 and all(type(v) in (int, float) for v in band)):
        raise HarnessError(f"faithfulness model {path}: judge_band {band!r} is not [low, high]")
    unknown = [f for f in model["features"] if f not in FEATURES + LM_FEATURES]
    if unknown:
        raise HarnessError(f"faithfulness model {path} uses unknown features {unknown}; "
                           f"known: {list(FEATURES + LM_FEATURES)}")
    return model, hashlib.sha256(raw).hexdigest()[:12]


def fitted_lm(model: dict[str, Any]) -> str | None:
    """The likelihood judge whose features a weights file was fitted on, as its provenance
    names it (``lm-pmi-2:NAME@SHA:...``, from ``harness refit faithfulness``); None when the file
    does not say."""
    prov = model.get("provenance")
    found = re.search(r"\|lm=([^|]+)", prov.get("analysis", "")) if isinstance(prov, dict) else None
    return found.group(1) if found else None


def _model_hash(identity: str) -> str | None:
    """The model file hash in a judge identity (``lm-pmi-2:NAME@HASH:...``)."""
    found = re.search(r"@([0-9a-f]+)", identity)
    return found.group(1) if found else None


def require_fitted_lm(model: dict[str, Any], path: str, judge: LikelihoodJudge) -> None:
    """A :class:`ConfigError` when ``model`` was fitted on another LM's features than ``judge``
    gives: its weights would be applied to numbers they were never fitted on."""
    fitted = fitted_lm(model)
    want = _model_hash(fitted) if fitted else None
    if want is None:
        return
    have = _model_hash(judge.identity())
    if have != want:
        name = fitted.split(":", 1)[-1].split("@", 1)[0]
        raise ConfigError(f"faithfulness model {path} was fitted on the features of the LM {name} "
                          f"(file hash {want}); lm {judge.lm!r} (file hash {have}) gives other features. "
                          f"Fit weights for it (harness refit faithfulness --lm {judge.lm} --out FILE) "
                          "and set scorers.hallucination.model_path to FILE")
