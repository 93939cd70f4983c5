"""Reports people read: ``report.md`` (and ``report.html``) written into a run folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from ..records import Article, ScoreRecord
from ..results import write_atomic


def write_reports(run_dir: Path, run: dict[str, Any], records: Sequence[ScoreRecord],
                  articles: Sequence[Article] | None = None) -> list[Path]:
    """Render and write every report format; returns the written paths."""
    from .html import render_html
    from .markdown import render_markdown

    written = [run_dir / "report.md", run_dir / "report.html"]
    write_atomic(written[0], render_markdown(run, records, articles))
    write_atomic(written[1], render_html(run, records, articles))
    return written
