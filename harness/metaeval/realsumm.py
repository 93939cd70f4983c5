"""Importer for REALSumm-format fact-coverage files (``metaeval/coverage/*.jsonl``).

One document per line: ``doc_id``, ``document``, ``reference``, ``key_facts: [{id, text}]``,
``summaries: [{system, summary, labels: {fact_id: 0|1}, votes_present?}]``. Each document
becomes an :class:`~harness.records.Article` whose facts are the key facts as plain statements
(no hints), with its labelled system summaries. Every problem of a file is reported at once
(:class:`~harness.errors.InputError`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Problem
from ..records import Article, GoldFact

_TAGS = re.compile(r"</?t>")


@dataclass(frozen=True)
class LabelledSummary:
    """One system summary of a REALSumm document with the human fact labels."""

    system: str
    text: str
    labels: dict[str, int]
    """Fact id -> 1 when the human majority found the fact in the summary."""


@dataclass(frozen=True)
class RealsummDoc:
    """One REALSumm document: the article with its key facts, and its labelled summaries."""

    article: Article
    summaries: tuple[LabelledSummary, ...]


def detag(text: str) -> str:
    """Remove the ``<t> ... </t>`` sentence tags of the release and squeeze spaces."""
    return re.sub(r"\s+", " ", _TAGS.sub(" ", text)).strip()


def load_realsumm(path: str | Path, limit: int | None = None) -> list[RealsummDoc]:
    """Read a REALSumm-format JSONL file (first ``limit`` documents when given)."""
    path = str(path)
    try:
        raw = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", [Problem(path, None, None, "no such file")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read", [Problem(path, None, None, str(exc))]) from None
    problems: list[Problem] = []
    docs: list[RealsummDoc] = []
    for no, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        if limit is not None and len(docs) >= limit:
            break
        doc = _parse(path, no, line, problems)
        if doc is not None:
            docs.append(doc)
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s) in a REALSumm-format file", problems)
    if not docs:
        raise InputError(f"{path}: no documents", [Problem(path, None, None, "the file has no documents")])
    return docs


def _parse(path: str, no: int, line: str, problems: list[Problem]) -> RealsummDoc | None:
    def bad(field: str | None, msg: str) -> None:
        problems.append(Problem(path, no, field, msg))

    try:
        d = json.loads(line)
    except json.JSONDecodeError as exc:
        bad(None, f"not valid JSON ({exc.msg} at column {exc.colno})")
        return None
    if not isinstance(d, dict):
        bad(None, "a line must be a JSON object")
        return None
    n0 = len(problems)
    for key in ("doc_id", "document"):
        if not isinstance(d.get(key), str) or not d.get(key):
            bad(key, "missing or not a non-empty string")
    facts = d.get("key_facts")
    gold: list[GoldFact] = []
    if not isinstance(facts, list) or not facts:
        bad("key_facts", "missing or not a non-empty list")
    else:
        seen: set[str] = set()
        for i, f in enumerate(facts):
            if not isinstance(f, dict) or not isinstance(f.get("id"), str) or not isinstance(f.get("text"), str):
                bad(f"key_facts[{i}]", "needs string fields 'id' and 'text'")
                continue
            if f["id"] in seen:
                bad(f"key_facts[{i}].id", f"duplicate fact id {f['id']!r}")
            seen.add(f["id"])
            gold.append(GoldFact(id=f["id"], statement=f["text"]))
    ids = {g.id for g in gold}
    sums = d.get("summaries")
    out: list[LabelledSummary] = []
    if not isinstance(sums, list) or not sums:
        bad("summaries", "missing or not a non-empty list")
    else:
        for i, s in enumerate(sums):
            where = f"summaries[{i}]"
            if not isinstance(s, dict):
                bad(where, "must be an object")
                continue
            if not isinstance(s.get("system"), str) or not isinstance(s.get("summary"), str):
                bad(where, "needs string fields 'system' and 'summary'")
                continue
            labels = s.get("labels")
            if not isinstance(labels, dict):
                bad(f"{where}.labels", "missing or not an object")
                continue
            ok = {}
            for fid, v in labels.items():
                if ids and fid not in ids:
                    bad(f"{where}.labels.{fid}", "label for an unknown fact id")
                elif v not in (0, 1) or isinstance(v, bool):
                    bad(f"{where}.labels.{fid}", f"label must be 0 or 1, got {v!r}")
                else:
                    ok[fid] = int(v)
            out.append(LabelledSummary(s["system"], s["summary"], ok))
    if len(problems) > n0:
        return None
    body = detag(d["document"])
    ref = detag(d.get("reference") or "")
    article = Article(id=d["doc_id"], text=body, body=body, facts=tuple(gold),
                      references=(ref,) if ref else ())
    return RealsummDoc(article, tuple(out))
