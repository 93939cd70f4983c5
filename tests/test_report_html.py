"""report.html: escaping, CSP, highlights, chart, furniture, comparison view, the report command."""

from __future__ import annotations

import re

import json
from html.parser import HTMLParser

import pytest

from harness.cli import main
from harness.compare import compare_runs, run_articles
from harness.records import FactVerdict, Hallucination, ScoreRecord, Span
from harness.report.html import highlight, render_compare_html, render_html
from harness.results import load_run

from report_helpers import TINY, cut_references, make_run, references

PAYLOADS = [
    "<script>document.title='PWNED'</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    "\"><svg onload=alert(1)>",
    "</textarea></details><iframe src=https://evil.example/>",
]
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "br", "nav", "a",
                "table", "tr", "th", "td", "details", "summary", "div", "span", "i", "b", "svg", "text",
                "line", "circle"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def parse(doc: str) -> _Tags:
    p = _Tags()
    p.feed(doc)
    p.close()
    return p


@pytest.fixture(scope="module")
def payload_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    sums = references(TINY)
    sums[0]["summary"] = PAYLOADS[0] + " " + sums[0]["summary"] + " A bakery won an award. " + PAYLOADS[1]
    sums[1]["summary"] = sums[1]["summary"] + " " + PAYLOADS[2] + PAYLOADS[3]
    return make_run(root / "payload", TINY, sums)


def test_payloads_are_escaped_and_no_active_content(payload_run):
    doc = (payload_run / "report.html").read_text(encoding="utf-8")
    p = parse(doc)
    assert set(p.tags) <= ALLOWED_TAGS, set(p.tags) - ALLOWED_TAGS
    assert not [a for a, _ in p.attrs if a.startswith("on")]
    assert not [v for a, v in p.attrs if a in ("href", "src") and v and not v.startswith("#")]
    text = "".join(p.text)
    for payload in PAYLOADS:
        assert payload in text  # shown as text, whole (highlight spans may split it into pieces)
    assert "&lt;script&gt;document.title=&#x27;" in doc and "&lt;img src=x " in doc


def test_csp_forbids_external_loads(payload_run):
    doc = (payload_run / "report.html").read_text(encoding="utf-8")
    head = doc[: doc.index("</head>")]
    assert "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';" in head
    assert head.index("Content-Security-Policy") < head.index("<style>")
    assert "script-src" not in head  # default-src 'none' covers scripts


def test_report_shows_bodies_furniture_facts_and_hallucinations(payload_run):
    doc = (payload_run / "report.html").read_text(encoding="utf-8")
    assert "Local bakery wins regional award for its rye bread." in doc  # furniture, shown apart
    assert "Page furniture" in doc
    assert "The closure still needs approval from the state transport agency." in doc  # a fact statement
    assert 'class="gold"' in doc  # gold evidence marked in the body
    # the trap 'bakery' is hit in tiny-bridge: a hallucination mark whose hover names the kind and trap
    assert re.search(r'class="hall" title="[^"]*hallucination: trap \(trap bakery\)', doc)
    assert "<svg class=chart" in doc and doc.count("<circle") == 2
    assert 'class="ev-covered"' in doc


def test_highlight_overlaps_and_bad_offsets():
    out = highlight("abcdef", [(0, 4, "x", "one"), (2, 6, "y", "two<")])
    assert out == ('<span class="x" title="one">ab</span><span class="x y" title="one\ntwo&lt;">cd</span>'
                   '<span class="y" title="two&lt;">ef</span>')
    assert highlight("a<b", [(5, 9, "x", "t")]) == "a&lt;b"
    rec = ScoreRecord("m", "a", "Prices rose by 9 percent.", 0.5,
                      (FactVerdict("f", "covered", 1.0, Span(40, 50, "9 percent"), "number"),),
                      (Hallucination(0, 6, "Prices", "entity", source_evidence='"><b>x</b>'),), 0.5, summary_words=5)
    doc = render_html({"run_id": "r", "models": {"m": {}}}, [rec])
    assert '<span class="ev-covered" title="fact f (covered)">9 percent</span>' in doc  # found by its quote
    assert "source evidence: &quot;&gt;&lt;b&gt;x&lt;/b&gt;" in doc
    assert "gold set was not available" in doc


def test_unscored_records_are_shown_not_plotted():
    rec = ScoreRecord("m", "a", "", None, (), (), None, unscored="coverage scorer failed: <boom>")
    doc = render_html({"run_id": "r", "models": {"m": {}}}, [rec])
    assert "Unscored: coverage scorer failed: &lt;boom&gt;" in doc
    assert "no scored summaries" in doc and "<circle" not in doc


def test_comparison_view(tmp_path):
    a = make_run(tmp_path / "a", TINY, references(TINY))
    b = make_run(tmp_path / "b", TINY, cut_references(TINY))
    run_a, recs_a = load_run(a)
    run_b, recs_b = load_run(b)
    articles, _ = run_articles(run_b, b)
    doc = render_compare_html(compare_runs(run_a, recs_a, run_b, recs_b, articles), run_a, run_b, articles)
    assert "Comparison: a → b" in doc and "Content-Security-Policy" in doc
    assert "The closure still needs approval from the state transport agency." in doc
    assert doc.count("badge b-fail\">lost") >= 2
    assert "Changed articles (2)" in doc
    assert set(parse(doc).tags) <= ALLOWED_TAGS


def test_report_command_loads_bodies_and_writes_comparison(tmp_path, capsys):
    a = make_run(tmp_path / "a", TINY, references(TINY))
    b = make_run(tmp_path / "b", TINY, cut_references(TINY))
    (a / "report.html").unlink()
    assert main(["report", str(a)]) == 0
    assert "Local bakery wins" in (a / "report.html").read_text(encoding="utf-8")
    assert main(["report", str(a), "--compare", str(b)]) == 0
    assert "Comparison: a → b" in (b / "compare.html").read_text(encoding="utf-8")
    # a run whose gold set has gone: the report still renders, without bodies, and says why
    meta = json.loads((a / "run.json").read_text())
    meta["dataset"]["path"] = str(tmp_path / "gone.jsonl")
    (a / "run.json").write_text(json.dumps(meta))
    assert main(["report", str(a)]) == 0
    assert "not found" in capsys.readouterr().err
    assert "gold set was not available" in (a / "report.html").read_text(encoding="utf-8")


def test_highlight_keeps_the_text_and_opens_no_tag_of_its_own():
    from hypothesis import given, settings, strategies as st

    alphabet = st.sampled_from(list("ab <>&\"'=/x\n"))

    @settings(max_examples=200, deadline=None)
    @given(st.text(alphabet, max_size=30), st.lists(st.tuples(st.integers(0, 35), st.integers(0, 35),
                                                              st.text(alphabet, max_size=5)), max_size=4))
    def check(text, raw):
        spans = [(a, b, "hall", t) for a, b, t in raw]
        out = highlight(text, spans)
        p = parse(out)
        assert set(p.tags) <= {"span"} and {a for a, _ in p.attrs} <= {"class", "title"}
        assert "".join(p.text) == text  # the parser unescapes character references

    check()
