"""The news benchmark: it validates, and body extraction keeps the story and drops the furniture
on every article (checked against the annotation itself: facts of importance 3 are quoted from
the body; off-article traps describe furniture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.checkers.hints import match_hints
from harness.gold import read_gold
from harness.gold import prepare_articles

NEWS = Path(__file__).resolve().parents[1] / "benchmarks/news/articles.jsonl"
ARTICLES = prepare_articles(NEWS)


def test_benchmark_validates_without_errors():
    articles, problems = read_gold(NEWS)
    assert len(articles) >= 12
    assert [p for p in problems if p.severity == "error"] == []
    assert all(len(a.facts) >= 6 and len(a.traps) >= 3 and a.references for a in articles)


def test_seed_article_is_exactly_as_captured():
    seed = Path(__file__).resolve().parents[2] / "shared/seed/kyiv-independent-2025-03-18-ottawa.txt"
    if not seed.exists():
        pytest.skip("../shared/seed is not beside this checkout")
    assert ARTICLES[0].text == seed.read_text(encoding="utf-8")


@pytest.mark.parametrize("article", ARTICLES, ids=[a.id for a in ARTICLES])
def test_body_keeps_key_facts_and_drops_furniture(article):
    for fact in article.facts:
        if fact.importance == 3 and fact.evidence and len(fact.evidence) > 40:
            assert fact.evidence in article.body, fact.id
    for trap in article.traps:
        if trap.kind == "off_article" and trap.has_hints:
            hit = match_hints(trap, article.body)
            assert hit is None or hit.status != "covered", f"furniture trap {trap.id} matches the body"
    assert "indicates required" not in article.body and "Subscribe" not in article.body


@pytest.mark.parametrize("name", ["seed_summaries.jsonl", "other_summaries.jsonl"])
def test_labelled_summaries_name_facts_of_their_article(name):
    import json

    facts = {a.id: {f.id for f in a.facts} for a in ARTICLES}
    rows = [json.loads(line) for line in (NEWS.parent / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert set(r["covered"]) <= facts[r["article_id"]], r["id"]
        assert r["faithful"] == (r["error"] is None), r["id"]
