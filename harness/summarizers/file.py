"""``file``: saved outputs from a JSONL file of ``{"model", "article_id", "summary"}`` lines."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError, Problem
from ..records import Article, Summary


def read_summaries(path: str | Path) -> tuple[list[tuple[int, Summary]], list[Problem]]:
    """(line number, Summary) for every valid line, and every problem of the file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: summaries file not found")
    data = p.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{p}: not valid UTF-8", [Problem(str(p), line, None, f"invalid byte at offset {exc.start}")]) from None
    rows: list[tuple[int, Summary]] = []
    problems: list[Problem] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(p), lineno, None, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        if not isinstance(obj, dict):
            problems.append(Problem(str(p), lineno, None, "expected a JSON object"))
            continue
        bad = False
        for key in ("model", "article_id", "summary"):
            if not isinstance(obj.get(key), str):
                what = "missing" if key not in obj else f"must be a string, got {type(obj[key]).__name__}"
                problems.append(Problem(str(p), lineno, key, what))
                bad = True
        for key in obj:
            if key not in ("model", "article_id", "summary", "meta"):
                problems.append(Problem(str(p), lineno, key, "unknown field (expected model, article_id, summary)"))
                bad = True
        if not bad:
            rows.append((lineno, Summary(obj["model"], obj["article_id"], obj["summary"])))
    if not rows and not problems:
        problems.append(Problem(str(p), None, None, "file holds no summaries"))
    return rows, problems


class FileSummarizer:
    """Summaries read from ``path``; ``model`` picks one model's lines (default: this name)."""

    def __init__(self, name: str, path: str, model: str | None = None):
        self.name = name
        self.path = path
        self.model = model or name
        rows, problems = read_summaries(path)
        if problems:
            raise InputError(f"{path}: {len(problems)} problem(s) in the summaries file", problems)
        self._by_id = {s.article_id: s.text for _, s in rows if s.model == self.model}
        if not self._by_id:
            models = sorted({s.model for _, s in rows})
            raise InputError(f"{path}: no summaries for model {self.model!r}; the file has: {', '.join(models)}")
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
