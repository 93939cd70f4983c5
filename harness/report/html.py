"""``report.html``: one self-contained page that needs no network.

Safety: every piece of model output, article text, id and setting goes through :func:`esc`
(``html.escape`` with quotes); there is no script; a Content-Security-Policy meta tag
(``default-src 'none'``) forbids every external load, script and form, so even a missed escape
could not fetch or run anything. Element ids are generated, never taken from the data.

Content: the headline table per model (mean, 95% CI, n, unscored, cut off), a coverage-versus-summary-length
chart per model (inline SVG), then per article the summary with covered-fact evidence highlighted
and hallucinated spans marked (hover: kind, detail, source evidence), the facts table, the
hallucinations, and the article body with the gold evidence marked and the page furniture shown
apart. :func:`render_compare_html` renders the comparison of two runs.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any, Sequence

from ..records import Article, ScoreRecord
from .markdown import CUT_OFF, fmt_p, strip_controls

if TYPE_CHECKING:
    from ..compare import Comparison

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
       "form-action 'none'")
CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1180px;
 padding:1rem 1.5rem;color:#1d2330;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:2px solid #dde3ee}
h3{font-size:1.05rem;margin:.2rem 0}
.meta{color:#556;font-size:.85rem;overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d5dbe6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f4f9}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
details.article{border:1px solid #d5dbe6;border-radius:6px;margin:.6rem 0;padding:.3rem .8rem}
details.article>summary{cursor:pointer;font-weight:600}
.summary-text{background:#fafbfd;border-left:4px solid #8aa4d6;padding:.5rem .8rem;margin:.5rem 0;
 white-space:pre-wrap}
.body-text{white-space:pre-wrap;font-size:.9rem;background:#fcfcfc;padding:.5rem .8rem;border:1px solid #eee}
.furniture{white-space:pre-wrap;font-size:.85rem;color:#666;background:#f4f4f4;border:1px dashed #bbb;
 padding:.4rem .8rem}
.ev-covered{background:#c8f0cf}.ev-partial{background:#fbeeb0}.ev-contradicted{background:#ffd3a8}
.gold{background:#dfe9ff}
.hall{background:#ffd6d6;text-decoration:underline wavy #c0182b;text-decoration-skip-ink:none}
.hall.ev-covered{background:#c8f0cf}.hall.ev-partial{background:#fbeeb0}
.badge{display:inline-block;border-radius:3px;padding:0 .35rem;font-size:.8rem;font-weight:600}
.b-covered{background:#c8f0cf}.b-partial{background:#fbeeb0}.b-missing{background:#eceff3;color:#444}
.b-contradicted{background:#ffd3a8}.b-fail{background:#ffd6d6;color:#8a0010}.b-pass{background:#c8f0cf}
.legend span{margin-right:1rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}
.chart{border:1px solid #d5dbe6;border-radius:6px;padding:.3rem}
.warn{background:#fff4d6;border:1px solid #e8c766;padding:.4rem .8rem;border-radius:4px}
.cols{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1rem}
nav a{margin-right:.8rem}
"""


def esc(value: Any) -> str:
    """HTML-escape any value (quotes too, so it is safe in attributes)."""
    return html.escape(strip_controls("" if value is None else str(value)), quote=True)


def _num(x: Any, fmt: str = ".3f") -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def _metric(m: dict[str, Any] | None) -> str:
    if not m or m.get("mean") is None:
        return "–"
    return f"{m['mean']:.3f} <span class=meta>[{m['ci_low']:.3f}, {m['ci_high']:.3f}]</span>"


def page(title: str, body: str) -> str:
    """A complete document around ``body`` (already safe HTML)."""
    return ("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
            '<meta name=referrer content=no-referrer>\n<meta name=viewport content="width=device-width">\n'
            f"<title>{esc(title)}</title>\n<style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n")


def _span_ok(text: str, start: int, end: int, quote: str | None) -> tuple[int, int] | None:
    """The span if it is where it says; else where its quote is found; else None."""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
        if quote is None or text[start:end] == quote:
            return start, end
    if quote:
        i = text.find(quote)
        if i >= 0:
            return i, i + len(quote)
    return None


def highlight(text: str, spans: Sequence[tuple[int, int, str, str]]) -> str:
    """``text`` escaped, with each (start, end, css class, hover title) wrapped in a <span>;
    overlapping spans split the text into segments carrying every class and title that covers them."""
    spans = [s for s in spans if 0 <= s[0] < s[1] <= len(text)]
    cuts = sorted({0, len(text), *[s[0] for s in spans], *[s[1] for s in spans]})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        on = [s for s in spans if s[0] <= a and b <= s[1]]
        seg = esc(text[a:b])
        if on:
            classes = " ".join(dict.fromkeys(s[2] for s in on))
            title = "\n".join(dict.fromkeys(s[3] for s in on))
            seg = f'<span class="{esc(classes)}" title="{esc(title)}">{seg}</span>'
        out.append(seg)
    return "".join(out)


def summary_spans(rec: ScoreRecord, statements: dict[str, str]) -> list[tuple[int, int, str, str]]:
    """Highlight spans of a summary: fact evidence (by status) and hallucinations."""
    spans = []
    for f in rec.facts:
        if f.evidence is None or f.status == "missing":
            continue
        ok = _span_ok(rec.summary, f.evidence.start, f.evidence.end, f.evidence.text)
        if ok:
            spans.append((*ok, f"ev-{f.status}", f"fact {f.id} ({f.status}): {statements.get(f.id, '')}".rstrip(": ")))
    for h in rec.hallucinations:
        ok = _span_ok(rec.summary, h.start, h.end, h.text)
        if ok:
            title = f"hallucination: {h.kind}" + (f" (trap {h.trap_id})" if h.trap_id else "")
            if h.detail:
                title += f"\n{h.detail}"
            if h.source_evidence:
                title += f"\nsource evidence: {h.source_evidence}"
            spans.append((*ok, "hall", title))
    return spans


def headline(run: dict[str, Any]) -> str:
    """The headline table per model."""
    rows = ["<table><tr><th>model</th><th>coverage (95% CI)</th><th>hallucination rate (95% CI)</th>"
            "<th>faithful share</th><th>traps hit / article</th><th>n</th><th>unscored</th><th>cut off</th></tr>"]
    for name, info in run.get("models", {}).items():
        m = info.get("metrics", {})
        cov = m.get("coverage", {})
        rows.append(f"<tr><td>{esc(name)}</td><td class=num>{_metric(cov)}</td>"
                    f"<td class=num>{_metric(m.get('hallucination_rate'))}</td><td class=num>{_metric(m.get('faithful'))}</td>"
                    f"<td class=num>{_metric(m.get('traps_hit'))}</td><td class=num>{esc(cov.get('n', 0))}</td>"
                    f"<td class=num>{esc(cov.get('n_unscored', 0))}</td>"
                    f"<td class=num>{esc(info.get('n_cut_off', 0))}</td></tr>")
    return "".join(rows) + "</table>"


def length_chart(name: str, records: Sequence[ScoreRecord]) -> str:
    """Inline SVG scatter of coverage (y) against summary length in words (x) for one model."""
    pts = [r for r in records if not r.unscored and r.coverage is not None]
    w, h, ml, mb, mt, mr = 380, 240, 46, 38, 24, 14
    top = max([r.summary_words for r in pts] + [10])
    step = 10 ** max(0, int(math.log10(top)))
    xmax = math.ceil(top * 1.05 / step) * step
    x = lambda v: ml + (w - ml - mr) * v / xmax  # noqa: E731
    y = lambda v: h - mb - (h - mb - mt) * v  # noqa: E731
    parts = [f'<svg class=chart width="{w}" height="{h}" viewBox="0 0 {w} {h}" role=img '
             f'aria-label="coverage versus summary length: {esc(name)}">',
             f'<text x="{ml}" y="15" font-size="13" font-weight="600">{esc(name)}</text>']
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<line x1="{ml}" x2="{w - mr}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e7ef"/>'
                     f'<text x="{ml - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{v:g}</text>')
    for i in range(0, 6):
        v = xmax * i / 5
        parts.append(f'<text x="{x(v):.1f}" y="{h - mb + 15}" font-size="11" text-anchor="middle">{v:g}</text>')
    parts.append(f'<line x1="{ml}" x2="{ml}" y1="{mt}" y2="{h - mb}" stroke="#889"/>'
                 f'<line x1="{ml}" x2="{w - mr}" y1="{h - mb}" y2="{h - mb}" stroke="#889"/>'
                 f'<text x="{(ml + w - mr) / 2}" y="{h - 5}" font-size="12" text-anchor="middle">summary length (words)</text>'
                 f'<text x="12" y="{(mt + h - mb) / 2}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 12 {(mt + h - mb) / 2})">coverage</text>')
    for r in pts:
        color = "#c0182b" if r.hallucinations else "#2f62c9"
        parts.append(f'<circle cx="{x(r.summary_words):.1f}" cy="{y(r.coverage):.1f}" r="5" fill="{color}" '
                     f'fill-opacity="0.75"><title>{esc(r.article_id)}: coverage {r.coverage:.2f}, '
                     f'{r.summary_words} words, {len(r.hallucinations)} hallucination(s)</title></circle>')
    if not pts:
        parts.append(f'<text x="{w / 2}" y="{h / 2}" text-anchor="middle" font-size="12">no scored summaries</text>')
    parts.append("</svg>")
    return "".join(parts)


def facts_table(rec: ScoreRecord, article: Article | None) -> str:
    """Gold facts with their verdicts on one summary."""
    gold = {f.id: f for f in (article.facts if article else ())}
    rows = ["<table><tr><th>fact</th><th>importance</th><th>status</th><th>statement</th>"
            "<th>summary evidence</th><th>decided by</th></tr>"]
    for v in rec.facts:
        g = gold.get(v.id)
        rows.append(f"<tr><td>{esc(v.id)}</td><td class=num>{esc(g.importance if g else '')}</td>"
                    f'<td><span class="badge b-{esc(v.status)}">{esc(v.status)}</span></td>'
                    f"<td>{esc(g.statement if g else '')}</td><td>{esc(v.evidence.text if v.evidence else '')}</td>"
                    f"<td>{esc(v.method)}</td></tr>")
    return "".join(rows) + "</table>"


def article_block(rec: ScoreRecord, article: Article | None, open_: bool = False) -> str:
    """One article of one model: summary, facts, hallucinations, body and furniture."""
    statements = {f.id: f.statement for f in (article.facts if article else ())}
    cov = "unscored" if rec.unscored else f"coverage {_num(rec.coverage, '.2f')}, hallucination rate {_num(rec.hallucination_rate, '.2f')}"
    title = f" — {esc(article.title)}" if article and article.title else ""
    parts = [f"<details class=article{' open' if open_ else ''}><summary>{esc(rec.article_id)}{title}: {cov}, "
             f"{rec.summary_words} words</summary>"]
    if rec.unscored:
        parts.append(f'<p class=warn>Unscored: {esc(rec.unscored)}</p>')
    parts.append(f"<div class=summary-text>{highlight(rec.summary, summary_spans(rec, statements)) or '<i>(empty summary)</i>'}</div>")
    if rec.facts:
        parts.append(facts_table(rec, article))
    if rec.hallucinations:
        parts.append("<table><tr><th>hallucinated span</th><th>kind</th><th>trap</th><th>detail</th><th>source evidence</th></tr>")
        for hh in rec.hallucinations:
            parts.append(f"<tr><td class=hall>{esc(hh.text)}</td><td>{esc(hh.kind)}</td><td>{esc(hh.trap_id or '')}</td>"
                         f"<td>{esc(hh.detail)}</td><td>{esc(hh.source_evidence or '')}</td></tr>")
        parts.append("</table>")
    beyond = rec.generation.get("facts_beyond_context") if isinstance(rec.generation, dict) else None
    if beyond:
        parts.append(f"<p class=warn>Facts beyond the model's context window: {esc(', '.join(map(str, beyond)))}</p>")
    if rec.cut_off:
        parts.append(f"<p class=warn>{esc(CUT_OFF)}</p>")
    if article is not None:
        body = article.body if article.body is not None else article.text
        spans = []
        for f in article.facts:
            i = body.find(f.evidence) if f.evidence else -1
            if i >= 0:
                spans.append((i, i + len(f.evidence), "gold", f"gold evidence of fact {f.id}"))
        parts.append(f"<details><summary>Article body (gold evidence marked)</summary>"
                     f"<div class=body-text>{highlight(body, spans)}</div>")
        if article.furniture:
            parts.append("<p><b>Page furniture</b> (removed from the page before summarising; claims from it are "
                         "off-article):</p><div class=furniture>" + esc("\n\n".join(article.furniture)) + "</div>")
        parts.append("</details>")
    parts.append("</details>")
    return "".join(parts)


LEGEND = ('<p class=legend><span class=ev-covered>covered fact evidence</span><span class=ev-partial>partial</span>'
          '<span class=ev-contradicted>contradicted</span><span class=hall>hallucinated span</span>'
          '<span class=gold>gold evidence in the article</span> (hover a mark for details)</p>')


def render_html(run: dict[str, Any], records: Sequence[ScoreRecord], articles: Sequence[Article] | None = None) -> str:
    """The whole ``report.html`` of one run."""
    by_article = {a.id: a for a in (articles or [])}
    models = list(run.get("models", {})) or sorted({r.model for r in records})
    ds = run.get("dataset", {})
    out = [f"<h1>Summarizer evaluation: {esc(run.get('run_id', ''))}</h1>",
           f"<p class=meta>Dataset {esc(ds.get('path', ''))} ({esc(ds.get('n_articles', ''))} articles) · created "
           f"{esc(run.get('created', ''))}<br>Signature: {esc(run.get('signature', ''))}</p>",
           "<nav>" + "".join(f'<a href="#m{i}">{esc(m)}</a>' for i, m in enumerate(models)) + "</nav>",
           "<h2>Headline</h2>", headline(run),
           "<p class=meta>Coverage: importance-weighted share of gold facts carried. Hallucination rate: share of "
           "summary claims (sentences and clauses) the article body does not support. 95% CIs: percentile bootstrap over "
           "articles. Unscored pairs are counted, never folded into the means. Cut off: summaries whose generation "
           "stopped at max_new_tokens.</p>",
           "<h2>Coverage versus summary length</h2><div class=charts>"
           + "".join(length_chart(m, [r for r in records if r.model == m]) for m in models) + "</div>"
           "<p class=meta>One point per article; red: the summary has at least one hallucinated span.</p>"]
    if not by_article:
        out.append("<p class=warn>The gold set was not available: statements and article bodies are not shown.</p>")
    for i, m in enumerate(models):
        recs = sorted((r for r in records if r.model == m),
                      key=lambda r: (not r.unscored, (r.coverage if r.coverage is not None else 1.0)
                                     - (r.hallucination_rate or 0.0), r.article_id))
        out.append(f'<h2 id="m{i}">{esc(m)}</h2>{LEGEND}')
        for r in recs:
            bad = bool(r.unscored or r.hallucinations or any(f.status != "covered" for f in r.facts))
            out.append(article_block(r, by_article.get(r.article_id), open_=bad))
    return page(f"Summarizer evaluation: {run.get('run_id', '')}", "\n".join(out))


def render_compare_html(comparison: "Comparison", run_a: dict[str, Any], run_b: dict[str, Any],
                        articles: Sequence[Article] | None = None, gate: Any = None) -> str:
    """The comparison of run A (baseline) with run B (candidate); with the gate's verdicts if given."""
    by_article = {a.id: a for a in (articles or [])}
    c = comparison
    out = [f"<h1>Comparison: {esc(c.run_a)} → {esc(c.run_b)}</h1>",
           "<p class=meta>Paired per article (B − A). 95% CI: paired bootstrap over articles; p: paired sign-flip "
           "permutation test. Facts lost/gained: status covered in one run and not in the other; McNemar exact "
           "p treats facts as independent (supplementary).</p>"]
    for d in c.differences:
        out.append(f"<p class=warn>Compared despite a difference (forced): {esc(d)}</p>")
    for n in c.notes:
        out.append(f"<p class=meta>Note: {esc(n)}</p>")
    if gate is not None:
        out.append(f"<h2>Gate: <span class=\"badge b-{'pass' if gate.exit_code == 0 else 'fail'}\">"
                   f"{esc(gate.verdict)}</span></h2><table><tr><th>model</th><th>check</th><th>verdict</th><th>numbers</th></tr>")
        for ch in gate.checks:
            out.append(f"<tr><td>{esc(ch.model)}</td><td>{esc(ch.name)}</td><td><span class=\"badge b-{'pass' if ch.passed else 'fail'}\">"
                       f"{'pass' if ch.passed else 'fail'}</span></td><td>{esc(ch.message)}"
                       + "".join(f"<br><span class=meta>{esc(d)}</span>" for d in ch.details[:20]) + "</td></tr>")
        out.append("</table>")
    out += ["<h2>Headline</h2><h3>A (baseline): " + esc(c.run_a) + "</h3>" + headline(run_a)
            + "<h3>B (candidate): " + esc(c.run_b) + "</h3>" + headline(run_b)]
    for i, m in enumerate(c.models):
        out.append(f'<h2 id="m{i}">{esc(m.model)}</h2><table><tr><th>metric</th><th>A</th><th>B</th>'
                   "<th>B − A [95% CI]</th><th>p</th><th>n</th></tr>")
        for metric, d in m.metrics.items():
            ci = "" if d.ci_low is None else f" [{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
            out.append(f"<tr><td>{esc(metric)}</td><td class=num>{_num(d.mean_a)}</td><td class=num>{_num(d.mean_b)}</td>"
                       f"<td class=num>{_num(d.diff, '+.3f')}{ci}</td><td class=num>{html.escape(fmt_p(d.p_value))}</td>"
                       f"<td class=num>{d.n}</td></tr>")
        out.append(f"</table><p>Facts lost: {len(m.lost)}, gained: {len(m.gained)} (McNemar exact p "
                   f"{html.escape(fmt_p(m.mcnemar_p, relation=True))}); traps newly hit: {len(m.new_traps)}; unscored A {m.unscored_a}/{m.n_a}, "
                   f"B {m.unscored_b}/{m.n_b}.</p>")
        if m.lost or m.gained:
            out.append("<table><tr><th>change</th><th>article</th><th>fact</th><th>statement</th><th>A</th><th>B</th></tr>")
            for kind, flips in (("lost", m.lost), ("gained", m.gained)):
                for f in flips:
                    out.append(f'<tr><td><span class="badge b-{"fail" if kind == "lost" else "pass"}">{kind}</span></td>'
                               f"<td>{esc(f.article_id)}</td><td>{esc(f.fact_id)}</td><td>{esc(f.statement)}</td>"
                               f"<td>{esc(f.status_a)}</td><td>{esc(f.status_b)}</td></tr>")
            out.append("</table>")
        if m.new_traps:
            out.append("<p>Traps newly hit: " + ", ".join(f"{esc(a)} / {esc(t)}" for a, t in m.new_traps) + "</p>")
        changed = sorted({f.article_id for f in (*m.lost, *m.gained)} | {a for a, _ in m.new_traps}
                         | {a for a in m.records_b if a in m.records_a and m.records_a[a].summary != m.records_b[a].summary})
        if changed:
            out.append(f"<h3>Changed articles ({len(changed)})</h3>{LEGEND}")
        for aid in changed:
            art = by_article.get(aid)
            st = {f.id: f.statement for f in (art.facts if art else ())}
            cols = []
            for label, rec in (("A", m.records_a.get(aid)), ("B", m.records_b.get(aid))):
                if rec is None:
                    cols.append(f"<div><b>{label}</b>: no record</div>")
                    continue
                cov = "unscored" if rec.unscored else f"coverage {_num(rec.coverage, '.2f')}"
                cols.append(f"<div><b>{label}</b> ({cov})<div class=summary-text>"
                            f"{highlight(rec.summary, summary_spans(rec, st)) or '<i>(empty summary)</i>'}</div></div>")
            out.append(f"<details class=article open><summary>{esc(aid)}</summary><div class=cols>{''.join(cols)}</div></details>")
    return page(f"Comparison: {c.run_a} -> {c.run_b}", "\n".join(out))
