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
    assert "cut off" not in render_markdown(RUN, [whole])
    assert "cut off: the generation stopped at max_new_tokens" in render_html(RUN, [cut])
