"""``report.md``: each hallucination with its reason and the article sentence it was checked
against, escaped like the rest of the model's and the article's text."""

from __future__ import annotations

from harness.records import Hallucination, ScoreRecord
from harness.report.markdown import render_markdown

RUN = {"run_id": "r", "dataset": {"path": "gold.jsonl", "n_articles": 1}, "signature": "sig",
       "models": {"m": {}}}


def _report(h: Hallucination) -> str:
    rec = ScoreRecord(model="m", article_id="a1", summary="The mill hired 90 workers.", coverage=0.5, facts=(),
                      hallucinations=(h,), hallucination_rate=1.0, faithful=False)
    return render_markdown(RUN, [rec])


def test_a_hallucination_shows_why_and_the_article_sentence():
    md = _report(Hallucination(14, 16, "90", "number", source_evidence="The mill hired 40 workers in May.",
                               detail="the article states '40' here, not '90'"))
    line = md.index('- hallucination `number`: "90"')
    assert md.index("  - why: the article states '40' here, not '90'") > line
    assert '  - article: "The mill hired 40 workers in May."' in md


def test_the_reason_and_the_evidence_are_escaped():
    md = _report(Hallucination(0, 3, "The", "unsupported", source_evidence="<script>x</script> | `y`",
                               detail="<img src=x onerror=alert(1)>"))
    assert "<script>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md and "\\|" in md and "\\`y\\`" in md


def test_nothing_extra_without_a_reason_or_evidence():
    md = _report(Hallucination(0, 3, "The", "unsupported"))
    assert "- why:" not in md and "- article:" not in md


def test_p_values_below_the_resolution_are_not_printed_as_zero():
    from harness.report.markdown import fmt_p

    assert fmt_p(3e-31) == "< 1e-4" and fmt_p(0.0, relation=True) == "< 1e-4"
    assert fmt_p(0.0312) == "0.0312" and fmt_p(0.0312, relation=True) == "= 0.0312"
    assert fmt_p(None) == "–"


def test_a_summary_cut_off_at_its_token_limit_says_so():
    from harness.report.html import render_html

    cut = ScoreRecord(model="m", article_id="a1", summary="The mill hired 90 workers. The mill", coverage=0.5,
                      facts=(), hallucinations=(), hallucination_rate=0.0, faithful=True,
                      generation={"hit_max_new_tokens": True})
    whole = ScoreRecord(model="m", article_id="a1", summary="The mill hired 90 workers.", coverage=0.5, facts=(),
                        hallucinations=(), hallucination_rate=0.0, faithful=True, generation={"hit_max_new_tokens": False})
    assert "- cut off: the generation stopped at max_new_tokens" in render_markdown(RUN, [cut])
    assert "- cut off" not in render_markdown(RUN, [whole])
    assert "cut off: the generation stopped at max_new_tokens" in render_html(RUN, [cut])
    assert cut.cut_off and not whole.cut_off


def test_the_headline_counts_each_models_cut_off_summaries():
    from harness.report.html import render_html

    run = {**RUN, "models": {"chat": {"n_cut_off": 3}, "lead-3": {"n_cut_off": 0}}}
    lines = render_markdown(run, []).splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("| model |"))
    assert lines[head].endswith("| unscored | cut off |")
    assert [line.rsplit("|", 2)[1].strip() for line in lines[head + 2:head + 4]] == ["3", "0"]
    assert "<th>cut off</th>" in render_html(run, [])


def test_run_json_counts_each_models_cut_off_summaries(tmp_path):
    from harness.records import Article
    from harness.results import Run, write_run

    def rec(model, cut):
        return ScoreRecord(model=model, article_id="a1", summary="The mill hired 90 workers.", coverage=1.0,
                           facts=(), hallucinations=(), hallucination_rate=0.0, faithful=True,
                           generation={"hit_max_new_tokens": cut})

    run = Run(dir=tmp_path, articles=[Article(id="a1", text="The mill hired 90 workers.")],
              records=[rec("chat", True), rec("chat", False), rec("lead", False)], scorers={},
              models={"chat": {}, "lead": {}}, config={}, dataset="gold.jsonl", bootstrap=10)
    info = write_run(run)
    assert {name: m["n_cut_off"] for name, m in info["models"].items()} == {"chat": 1, "lead": 0}
