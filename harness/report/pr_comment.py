"""The gate's Markdown summary, fit for a pull-request comment (GitHub caps comments at 65,536
characters; this stays well under). Untrusted text (summaries, ids, statements) goes through
:func:`~harness.report.markdown.md_escape`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .markdown import fmt_p, md_escape

if TYPE_CHECKING:
    from ..gate import GateResult

MARKER = "<!-- harness-gate -->"
"""First line of the comment, so a workflow can find and update its earlier comment."""
MAX_CHARS = 60_000
HEAD = {0: "✅ Summarizer gate passed", 1: "❌ Summarizer gate: regression", 2: "⚠️ Summarizer gate: error"}
LABELS = {"coverage": "coverage", "hallucination_rate": "hallucination rate",
          "unscored_share": "unscored share", "new_trap_hits": "new trap hits", "present": "present"}


def _fmt(x: float | None, signed: bool = False) -> str:
    if x is None:
        return "–"
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def render_gate_markdown(result: "GateResult", max_facts: int = 40) -> str:
    """The whole comment."""
    cfg = result.config
    lines = [MARKER, f"## {HEAD.get(result.exit_code, HEAD[2])}", "",
             f"Baseline `{md_escape(result.baseline, 80)}` → candidate `{md_escape(result.candidate, 80)}`. "
             f"Thresholds: coverage drop ≤ {cfg.max_coverage_drop:g}, hallucination-rate rise ≤ "
             f"{cfg.max_hallucination_rise:g}, unscored ≤ {cfg.max_unscored_share:.0%}, new trap hits "
             f"{'allowed' if cfg.allow_new_trap_hits else 'not allowed'}, α = {cfg.alpha:g}.", ""]
    canaries = [c for c in result.checks if c.model == "canary"]
    if canaries:
        lines += ["**Canaries** (candidate's scorer on the gold articles): " + ", ".join(
            f"{'✅' if c.passed else '❌'} {c.name.replace('_', ' ')}" for c in canaries), ""]
        for c in canaries:
            if not c.passed:
                lines.append(f"- ❌ {md_escape(c.message)}")
                lines += [f"  - {md_escape(d, 240)}" for d in c.details[:10]]
        if any(not c.passed for c in canaries):
            lines.append("")
    comp = result.comparison
    if comp is not None and comp.models:
        lines += ["| model | metric | baseline | candidate | change [95% CI] | p | verdict |",
                  "|---|---|---|---|---|---|---|"]
        by = {(c.model, c.name): c for c in result.checks}
        for m in comp.models:
            for metric, d in m.metrics.items():
                c = by.get((m.model, metric))
                ci = "" if d.ci_low is None else f" [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
                lines.append(f"| {md_escape(m.model, 60)} | {LABELS[metric]} | {_fmt(d.mean_a)} | {_fmt(d.mean_b)} | "
                             f"{_fmt(d.diff, True)}{ci} | {fmt_p(d.p_value)} | "
                             f"{_verdict(c)} |")
            for name in ("unscored_share", "new_trap_hits"):
                c = by.get((m.model, name))
                if c is not None:
                    lines.append(f"| {md_escape(m.model, 60)} | {LABELS[name]} | | | {md_escape(c.message, 120)} | | "
                                 f"{_verdict(c)} |")
        lines.append("")
        if result.detectable:
            lines += ["Smallest coverage drop this gate flags with these articles (α, 80% power, "
                      "at least the threshold): " + ", ".join(
                          f"{md_escape(model, 60)} {drop:.3f}" for model, drop in result.detectable.items()), ""]
        for c in result.checks:
            if not c.passed and c.model != "canary":
                lines.append(f"- ❌ **{md_escape(c.model, 60)}** {LABELS.get(c.name, c.name)}: {md_escape(c.message)}")
        lines.append("")
        for m in comp.models:
            lines += _facts_section(m, max_facts)
    for c in result.checks:
        if c.name == "present" and not c.passed:
            lines.append(f"- ⚠️ {md_escape(c.message)}")
    if result.notes:
        lines += ["", *[f"> {md_escape(n, 400)}" for n in result.notes]]
    lines += ["", "<sub>Paired per-article differences (candidate − baseline); 95% CI by paired bootstrap; "
              "p by paired sign-flip permutation test. A regression is a change beyond its threshold that "
              "is significant at α (or untestable for want of articles).</sub>"]
    text = "\n".join(lines).rstrip() + "\n"
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit("\n", 1)[0] + "\n\n… (cut; see the JUnit report and report.html)\n"
    return text


def _verdict(check) -> str:
    if check is None:
        return ""
    return "✅ pass" if check.passed else "❌ fail"


def _facts_section(m, max_facts: int) -> list[str]:
    if not (m.lost or m.gained or m.new_traps):
        return []
    lines = [f"<details><summary><b>{md_escape(m.model, 60)}</b>: {len(m.lost)} fact(s) lost, "
             f"{len(m.gained)} gained (exact McNemar p {fmt_p(m.mcnemar_p, relation=True)}), {len(m.new_traps)} trap(s) newly hit"
             "</summary>", ""]
    for f in m.lost[:max_facts]:
        what = f": {md_escape(f.statement, 200)}" if f.statement else ""
        lines.append(f"- lost `{md_escape(f.article_id, 80)}` / **{md_escape(f.fact_id, 80)}** "
                     f"({f.status_a} → {f.status_b}){what}")
    if len(m.lost) > max_facts:
        lines.append(f"- … and {len(m.lost) - max_facts} more lost facts")
    for f in m.gained[:max_facts]:
        lines.append(f"- gained `{md_escape(f.article_id, 80)}` / **{md_escape(f.fact_id, 80)}** "
                     f"({f.status_a} → {f.status_b})")
    for a, t in m.new_traps[:max_facts]:
        lines.append(f"- new trap hit `{md_escape(a, 80)}` / **{md_escape(t, 80)}**")
    return lines + ["", "</details>", ""]
