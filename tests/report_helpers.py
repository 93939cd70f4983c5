"""Helpers shared by the compare/gate/report tests: build real run folders fast with
``harness.pipeline.run_score`` (hint-based scorers, no model)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.pipeline import run_score

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.jsonl"
GATE = DATA / "gate.jsonl"


def gold_rows(gold: Path) -> list[dict]:
    """The gold set's lines as dicts."""
    return [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]


def references(gold: Path, model: str = "m") -> list[dict]:
    """Each article's first reference summary."""
    return [{"model": model, "article_id": a["id"], "summary": a["references"][0]} for a in gold_rows(gold)]


def cut_references(gold: Path, model: str = "m") -> list[dict]:
    """Each reference cut to the first half of its first clause: the facts after it are lost."""
    out = []
    for a in gold_rows(gold):
        words = a["references"][0].split(". ")[0].split("; ")[0].split()
        out.append({"model": model, "article_id": a["id"], "summary": " ".join(words[: max(1, len(words) // 2)])})
    return out


def make_run(folder: Path, gold: Path, summaries: list[dict]) -> Path:
    """Score ``summaries`` against ``gold`` into ``folder`` (a complete run folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder.parent / f"{folder.name}.summaries.jsonl"
    path.write_text("".join(json.dumps(s) + "\n" for s in summaries), encoding="utf-8")
    return run_score(gold, path, folder, progress=False).dir
