"""The run folder: ``run.json``, ``scores.jsonl``, ``summaries.jsonl``, ``report.md``,
``report.html``. Files are written atomically (temp file + fsync + rename) or appended line by
line with a flush per line, so a killed process never leaves a half-written file read as valid.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from . import __version__
from .aggregate import summarize_model
from .errors import HarnessError, InputError, Problem
from .gold import dataset_hashes
from .records import Article, ScoreRecord, score_record_from_json, to_json


def dumps(value: Any) -> str:
    """Canonical one-line JSON (sorted keys, UTF-8) used for every results file."""
    return json.dumps(to_json(value), ensure_ascii=False, sort_keys=True, allow_nan=False)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


FINISHED_FILES = ("run.json", "report.md", "report.html")
"""Written by ``finish_run`` once every score is on disk; ``run.json`` marks a complete run."""


def start_run(run_dir: Path) -> None:
    """Remove what an earlier, finished run left in ``run_dir`` (:data:`FINISHED_FILES`) before
    new results are streamed there: a run interrupted from now on is never read as complete
    with the earlier run's ``run.json`` over its own partial ``scores.jsonl``."""
    for name in FINISHED_FILES:
        (run_dir / name).unlink(missing_ok=True)


class JsonlWriter:
    """Appends one JSON line per record, flushed at once (so a crash loses at most one line)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._f = open(path, "w", encoding="utf-8")

    def write(self, record: Any) -> None:
        """Append ``record`` as one line."""
        self._f.write(dumps(record) + "\n")
        self._f.flush()

    def close(self) -> None:
        """Flush to disk and close."""
        os.fsync(self._f.fileno())
        self._f.close()

    def __enter__(self) -> "JsonlWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of each line. A last line cut short by a crash (no trailing
    newline, not valid JSON) is skipped; any other unreadable line is an :class:`InputError`
    naming every bad line of the file at once (raised before anything is yielded)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}: not valid UTF-8",
                         [Problem(str(path), line, None, f"invalid byte at offset {exc.start}")]) from None
    lines = text.split("\n")
    rows: list[tuple[int, dict[str, Any]]] = []
    problems: list[Problem] = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except RecursionError:
            obj, error = None, "invalid JSON: nesting too deep"
        except ValueError as exc:  # JSONDecodeError, or an over-long integer
            obj, error = None, f"invalid JSON: {getattr(exc, 'msg', exc)}"
        else:
            error = None if isinstance(obj, dict) else f"expected a JSON object, got {type(obj).__name__}"
        if error is None:
            rows.append((i, obj))
        elif not (i == len(lines) and obj is None):  # the last line, with no newline: a crash
            problems.append(Problem(str(path), i, None, error))
    if problems:
        raise InputError(f"{path}: {len(problems)} unreadable line(s)", problems)
    yield from rows


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], list[ScoreRecord]]:
    """``run.json`` and the score records of a run folder (clear errors when unusable)."""
    d = Path(run_dir)
    run_path, scores_path = d / "run.json", d / "scores.jsonl"
    for p in (run_path, scores_path):
        if not p.is_file():
            raise HarnessError(f"{d}: not a complete run folder ({p.name} is missing)")
    try:
        run = json.loads(run_path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise InputError(f"{run_path}: not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{run_path}:{exc.lineno}: invalid JSON (a half-written file?): {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{run_path}: invalid JSON: {exc}") from None
    except OSError as exc:
        raise InputError(f"{run_path}: cannot read: {exc.strerror or exc}") from None
    if not isinstance(run, dict) or not isinstance(run.get("models"), dict):
        raise InputError(f"{run_path}: not a run file (expected an object with 'models')")
    run = in_config_order(run)
    records = []
    problems = []
    for line, obj in read_jsonl(scores_path):
        try:
            records.append(score_record_from_json(obj))
        except (TypeError, KeyError, AttributeError, ValueError) as exc:
            problems.append(Problem(str(scores_path), line, None, f"not a score record: {type(exc).__name__}: {exc}"))
    if problems:
        raise InputError(f"{scores_path}: unusable score records", problems)
    return run, records


def in_config_order(run: dict[str, Any]) -> dict[str, Any]:
    """``run`` (a parsed ``run.json``, whose keys are stored sorted) with its ``models`` in the
    order of the config's ``models:`` list, so that tables list them as the user wrote them."""
    models = run.get("models")
    specs = (run.get("config") or {}).get("models") or []
    if not isinstance(models, dict) or not isinstance(specs, list):
        return run
    order = [m.get("name") for m in specs if isinstance(m, dict) and m.get("name") in models]
    order += [name for name in models if name not in order]
    return {**run, "models": {name: models[name] for name in order}}


@dataclass(frozen=True)
class Run:
    """A run whose ``scores.jsonl`` is on disk: what its ``run.json`` records, with the score
    records and articles kept in memory for the reports and the headline."""

    dir: Path
    articles: Sequence[Article]
    records: Sequence[ScoreRecord]
    scorers: dict[str, str]
    """Role -> the scorer's signature."""
    models: dict[str, dict[str, Any]]
    """Model name -> identity and cache counters (metrics and fingerprint are added on writing)."""
    config: dict[str, Any]
    dataset: str
    seed: int = 0
    bootstrap: int = 1000
    input: str = "body"
    timings: dict[str, float] = field(default_factory=dict)
    judges: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per scorer role with a ``judge:``: its calls, tokens and seconds (in ``run.json`` when any)."""
    info: dict[str, Any] = field(default_factory=dict)
    """The ``run.json`` written for it (empty until :func:`write_run` has run)."""


def write_run(run: Run) -> dict[str, Any]:
    """Write ``run.json`` (the last file of a run: it marks the run complete) and return it,
    models in config order."""
    hashes = dataset_hashes(run.articles)
    signature = "|".join([
        f"harness:{__version__}", f"articles:{hashes['articles_sha256'][:12]}",
        f"annotations:{hashes['annotations_sha256'][:12]}", f"input:{run.input}",
        *[f"{role}={sig}" for role, sig in sorted(run.scorers.items())],
        f"seed:{run.seed}", f"bootstrap:{run.bootstrap}",
    ])
    models = {}
    for name, info in run.models.items():
        records = [r for r in run.records if r.model == name]
        models[name] = {**info, "metrics": summarize_model(records, run.bootstrap, run.seed),
                        "n_cut_off": sum(1 for r in records if r.cut_off),
                        "fingerprint": hashlib.sha256(dumps(info.get("identity", {})).encode()).hexdigest()[:16]}
    dataset = run.dataset
    info = {
        "run_id": run.dir.name,
        "signature": signature,
        "harness_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": run.config,
        "dataset": {"path": dataset, "n_articles": len(run.articles), **hashes,
                    "resolved_path": dataset if dataset.startswith("hf:") else str(Path(dataset).resolve())},
        "scorers": run.scorers,
        "seed": run.seed,
        "bootstrap": run.bootstrap,
        "input": run.input,
        "versions": versions(),
        "models": models,
        "timings": run.timings,
    }
    if run.judges:
        info["judges"] = run.judges
    write_atomic(run.dir / "run.json", json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    return in_config_order(info)


def versions() -> dict[str, str]:
    """Versions of Python and the libraries that can change a number."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "tokenizers", "safetensors", "spacy", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out

