"""``report.md``: the headline table per model (mean, 95% CI, n, unscored, cut off), then the worst
articles with their missed facts and hallucinated spans. Model output is escaped (it is
untrusted and Markdown renderers pass HTML through)."""

from __future__ import annotations

import html
import re
from typing import Any, Sequence

from ..records import Article, ScoreRecord

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """Remove terminal escape sequences, C0/C1 control characters and bidi overrides
    (untrusted text must not steer a terminal or reorder what a reader sees)."""
    return _ANSI.sub("", text)


def md_escape(text: str, limit: int | None = 300) -> str:
    """Untrusted text made safe for a Markdown table cell: HTML-escaped, control characters,
    pipes, backticks and line breaks neutralised, cut to ``limit`` characters."""
    text = _ANSI.sub("", text.replace("\n", " ").replace("\r", " "))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def fmt_metric(m: dict[str, Any] | None, pct: bool = True) -> str:
    """'0.712 [0.650, 0.770]' (or '–' when no value)."""
    if not m or m.get("mean") is None:
        return "–"
    return f"{m['mean']:.3f} [{m['ci_low']:.3f}, {m['ci_high']:.3f}]"


P_RESOLUTION = 1e-4
"""p-values below this print as "< 1e-4" (a sign-flip test's draws cannot resolve smaller ones,
and an exact one's tiny values are no more telling)."""


def fmt_p(p: float | None, relation: bool = False) -> str:
    """A p-value for people: three significant digits, "< 1e-4" below :data:`P_RESOLUTION`, "–"
    when there is none; with ``relation``, "= 0.031" for a value (to follow "p ")."""
    if p is None:
        return "–"
    if p < P_RESOLUTION:
        return "< 1e-4"
    return f"= {p:.3g}" if relation else f"{p:.3g}"


CUT_OFF = "cut off: the generation stopped at max_new_tokens, so its last sentence may be unfinished"
"""The note on a summary whose generation stopped at its token limit."""


def headline_table(run: dict[str, Any]) -> list[str]:
    """Rows of the per-model headline table."""
    rows = ["| model | coverage (95% CI) | hallucination rate (95% CI) | faithful share | traps hit / article "
            "| n | unscored | cut off |", "|---|---|---|---|---|---|---|---|"]
    for name, info in run.get("models", {}).items():
        m = info.get("metrics", {})
        cov = m.get("coverage", {})
        rows.append(
            f"| {md_escape(name)} | {fmt_metric(cov)} | {fmt_metric(m.get('hallucination_rate'))} | "
            f"{fmt_metric(m.get('faithful'))} | {fmt_metric(m.get('traps_hit'))} | {cov.get('n', 0)} | "
            f"{cov.get('n_unscored', 0)} | {info.get('n_cut_off', 0)} |")
    return rows


def render_markdown(run: dict[str, Any], records: Sequence[ScoreRecord],
                    articles: Sequence[Article] | None = None, worst: int = 5) -> str:
    """The whole ``report.md``."""
    statements = {(a.id, f.id): f.statement for a in (articles or []) for f in a.facts}
    lines = [f"# Summarizer evaluation: {md_escape(run.get('run_id', ''))}", "",
             f"Dataset: `{md_escape(run['dataset']['path'], None)}` ({run['dataset']['n_articles']} articles)  ",
             f"Signature: `{run['signature']}`", "", "## Headline", "", *headline_table(run), "",
             "Coverage: importance-weighted share of gold facts carried (1 = all). Hallucination rate: "
             "share of summary claims the article body does not support. 95% CIs by percentile bootstrap "
             "over articles; unscored pairs are counted, not folded into the means. Cut off: summaries whose "
             "generation stopped at `max_new_tokens`.", ""]
    for name in run.get("models", {}):
        recs = [r for r in records if r.model == name]
        unscored = [r for r in recs if r.unscored]
        scored = sorted((r for r in recs if not r.unscored),
                        key=lambda r: (r.coverage if r.coverage is not None else 1.0) - (r.hallucination_rate or 0.0))
        lines += [f"## {md_escape(name)}: worst articles", ""]
        for r in scored[:worst]:
            lines.append(f"### {md_escape(r.article_id)}: coverage {_num(r.coverage)}, "
                         f"hallucination rate {_num(r.hallucination_rate)}")
            lines.append("")
            lines.append(f"> {md_escape(r.summary, 600) or '(empty summary)'}")
            lines.append("")
            missed = [f for f in r.facts if f.status != "covered"]
            for f in missed:
                text = statements.get((r.article_id, f.id), f.id)
                lines.append(f"- fact **{md_escape(f.id)}** {f.status}: {md_escape(text)}" + _judged(f))
            for h in r.hallucinations:
                trap = f" (trap {md_escape(h.trap_id)})" if h.trap_id else ""
                lines.append(f"- hallucination `{h.kind}`{trap}: \"{md_escape(h.text, 160)}\"")
                if h.detail:
                    lines.append(f"  - why: {md_escape(h.detail, 240)}")
                if h.source_evidence:
                    lines.append(f"  - article: \"{md_escape(h.source_evidence, 240)}\"")
            beyond = r.generation.get("facts_beyond_context")
            if beyond:
                lines.append(f"- beyond the model's context window: {', '.join(md_escape(b) for b in beyond)}")
            if r.cut_off:
                lines.append(f"- {CUT_OFF}")
            lines.append("")
        if unscored:
            lines += [f"Unscored ({len(unscored)}):", ""]
            lines += [f"- {md_escape(r.article_id)}: {md_escape(r.unscored or '')}" for r in unscored[:20]]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _num(value: float | None) -> str:
    """A score with two decimals, or "n/a" where its scorer did not run."""
    return "n/a" if value is None else f"{value:.2f}"


def _judged(fact: Any) -> str:
    """`` (judge:llm, quoting "...")`` for a verdict a configured judge made; empty otherwise."""
    if not fact.method.startswith("judge:"):
        return ""
    quote = f', quoting "{md_escape(fact.evidence.text, 160)}"' if fact.evidence is not None else ""
    return f" ({md_escape(fact.method)}{quote})"
