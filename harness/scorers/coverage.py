"""Fact coverage: for every gold fact, is it carried by the summary?

Hints decide exactly where given (:mod:`harness.checkers.hints`); otherwise the statement is
aligned to the summary sentence with the highest recall of its content words.
"""

from __future__ import annotations

from typing import Sequence

from ..checkers.hints import match_hints
from ..records import Article, CoverageResult, FactVerdict, GoldFact
from ..text import content_stems, sentences


class FactCoverageScorer:
    """Per-fact verdicts (covered | partial | missing | contradicted) with summary evidence."""

    role = "coverage"

    def __init__(self, covered_threshold: float = 0.6, partial_threshold: float = 0.4):
        """``covered_threshold``/``partial_threshold``: content-word recall of a statement
        needed in one summary sentence for ``covered``/``partial`` (facts without hints)."""
        self.covered_threshold = covered_threshold
        self.partial_threshold = partial_threshold

    def signature(self) -> str:
        """Settings that affect the numbers."""
        return f"coverage:hints+lexical:cov={self.covered_threshold}:part={self.partial_threshold}"

    def score(self, article: Article, summary: str) -> CoverageResult:
        """Verdict for each of ``article.facts`` on ``summary``."""
        verdicts = tuple(self._fact(f, summary) for f in article.facts)
        weight = sum(f.importance for f in article.facts)
        cov = sum(f.importance * v.score for f, v in zip(article.facts, verdicts)) / weight if weight else 0.0
        return CoverageResult(coverage=round(cov, 6), facts=verdicts)

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[CoverageResult]:
        """:meth:`score` for each (article, summary)."""
        return [self.score(a, s) for a, s in items]

    def _fact(self, fact: GoldFact, summary: str) -> FactVerdict:
        hit = match_hints(fact, summary)
        if hit is not None:
            return FactVerdict(fact.id, hit.status, round(hit.score, 6), hit.span, hit.method)
        want = set(content_stems(fact.statement))
        best, best_span = 0.0, None
        for sent in sentences(summary):
            have = set(content_stems(sent.text))
            recall = len(want & have) / len(want) if want else 0.0
            if recall > best:
                best, best_span = recall, sent
        if best >= self.covered_threshold:
            return FactVerdict(fact.id, "covered", 1.0, best_span, "statement")
        if best >= self.partial_threshold:
            return FactVerdict(fact.id, "partial", 0.5, best_span, "statement")
        return FactVerdict(fact.id, "missing", 0.0, None, "statement")
