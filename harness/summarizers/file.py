"""``file``: saved outputs from a JSONL file of ``{"model", "article_id", "summary"}`` lines.

Every problem of the file is reported at once, naming its line and field. A last line cut short
(no trailing newline and not valid JSON: a writer killed mid-line) is skipped with a warning.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError, Problem, did_you_mean
from ..gold import has_control, json_error, parse_json, read_utf8, split_lines
from ..records import Article, Summary

_KEYS = ("model", "article_id", "summary", "meta")


def read_summaries(path: str | Path) -> tuple[list[tuple[int, Summary]], list[Problem]]:
    """(line number, Summary) for every valid line, and every problem of the file (errors and
    warnings: check ``Problem.severity``)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: summaries file not found")
    text = read_utf8(p)
    rows: list[tuple[int, Summary]] = []
    problems: list[Problem] = []
    lines = split_lines(text)
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = parse_json(line)
        except ValueError as exc:
            if lineno == len(lines) and not text.endswith("\n"):
                problems.append(Problem(str(p), lineno, None, "last line is cut short (an interrupted "
                                        f"write?), skipped: {json_error(exc)}", "warning"))
            else:
                problems.append(Problem(str(p), lineno, None, json_error(exc)))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(str(p), lineno, None, f"expected a JSON object, got {type(obj).__name__}"))
            continue
        bad = False
        for key in ("model", "article_id", "summary"):
            value = obj.get(key)
            if not isinstance(value, str):
                what = "missing required field" if key not in obj else f"must be a string, got {type(value).__name__}"
                problems.append(Problem(str(p), lineno, key, what))
                bad = True
            elif key != "summary" and (not value.strip() or has_control(value)):
                problems.append(Problem(str(p), lineno, key, f"must be a non-empty name without control "
                                        f"characters, got {value!r}"))
                bad = True
        for key in obj:
            if key not in _KEYS:
                problems.append(Problem(str(p), lineno, key, "unknown field." + did_you_mean(key, _KEYS)))
                bad = True
        if "meta" in obj and not isinstance(obj["meta"], (dict, type(None))):
            problems.append(Problem(str(p), lineno, "meta", f"must be an object, got {type(obj['meta']).__name__}"))
            bad = True
        if not bad:
            rows.append((lineno, Summary(obj["model"], obj["article_id"], obj["summary"])))
    if not rows and not any(pr.severity == "error" for pr in problems):
        problems.append(Problem(str(p), None, None, "file holds no summaries"))
    return rows, problems


def load_summaries(path: str | Path, article_ids: Sequence[str], gold: str | Path) -> list[Summary]:
    """The summaries of ``path``, each for an article of ``gold`` (``article_ids``) and at most one
    per model and article; an :class:`InputError` lists every problem of the file at once."""
    rows, problems = read_summaries(path)
    known = set(article_ids)
    seen: set[tuple[str, str]] = set()
    for line, s in rows:
        if s.article_id not in known:
            problems.append(Problem(str(path), line, "article_id", f"unknown article {s.article_id!r} (not in {gold})"))
        if (s.model, s.article_id) in seen:
            problems.append(Problem(str(path), line, "article_id",
                                    f"duplicate summary for model {s.model!r} and article {s.article_id!r}"))
        seen.add((s.model, s.article_id))
    errors = errors_only(problems)
    if errors:
        raise InputError(f"{path}: {len(errors)} problem(s) in the summaries file", errors)
    return [s for _, s in rows]


def errors_only(problems: list[Problem]) -> list[Problem]:
    """The problems that stop loading (warnings dropped)."""
    return [p for p in problems if p.severity == "error"]


class FileSummarizer:
    """Summaries read from ``path``; ``model`` picks one model's lines (default: this name)."""

    cacheable = False
    """Cheap and deterministic: run again rather than cached."""

    def __init__(self, name: str, path: str, model: str | None = None):
        self.name = name
        self.path = path
        self.model = model or name
        rows, problems = read_summaries(path)
        errors = errors_only(problems)
        if errors:
            raise InputError(f"{path}: {len(errors)} problem(s) in the summaries file", errors)
        self._by_id = {s.article_id: s.text for _, s in rows if s.model == self.model}
        if not self._by_id:
            models = sorted({s.model for _, s in rows})
            raise InputError(f"{path}: model: no summaries for model {self.model!r}; the file has: "
                             f"{', '.join(map(repr, models))}")
        self._sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()

    def identity(self) -> dict[str, Any]:
        """Backend, file hash and model filter."""
        return {"backend": "file", "sha256": self._sha, "model": self.model}

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """The saved summary of each article; meta['error'] when the file has none."""
        out = []
        for a in articles:
            if a.id in self._by_id:
                out.append(Summary(self.name, a.id, self._by_id[a.id]))
            else:
                out.append(Summary(self.name, a.id, "", {"error": f"no saved summary for {a.id!r} in {self.path}"}))
        return out
