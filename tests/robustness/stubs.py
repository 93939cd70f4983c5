"""Stub scorers for CLI tests whose subject is the plumbing (loading, writing, printing), not
the verdicts: deterministic, instant, no models. A summary containing ``FAIL-SCORER`` makes the
coverage stub raise, one containing ``NAN-SCORE`` makes it return NaN (to test *unscored*
handling)."""

from __future__ import annotations

import sys
from typing import Sequence

from harness.records import Article, CoverageResult, FactVerdict, FaithfulnessResult

MODULE = __name__


class StubCoverage:
    """Every fact ``partial`` (score 0.5); raises on ``FAIL-SCORER``."""

    role = "coverage"

    def signature(self) -> str:
        return "coverage:stub"

    def score(self, article: Article, summary: str) -> CoverageResult:
        if "FAIL-SCORER" in summary:
            raise RuntimeError("simulated scorer failure")
        facts = tuple(FactVerdict(f.id, "partial", 0.5, None, "stub") for f in article.facts)
        if "NAN-SCORE" in summary:  # a scorer whose arithmetic went wrong
            return CoverageResult(coverage=float("nan"), facts=facts)
        return CoverageResult(coverage=0.5 if facts else 0.0, facts=facts)

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[CoverageResult]:
        return [self.score(a, s) for a, s in items]


class StubFaithfulness:
    """No hallucinations; one claim per summary."""

    role = "faithfulness"

    def signature(self) -> str:
        return "faithfulness:stub"

    def score(self, article: Article, summary: str) -> FaithfulnessResult:
        return FaithfulnessResult(hallucinations=(), hallucination_rate=0.0, faithful=True,
                                  probability=1.0, n_claims=1)

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[FaithfulnessResult]:
        return [self.score(a, s) for a, s in items]


STUBS = {"coverage": f"{MODULE}:StubCoverage", "hallucination": f"{MODULE}:StubFaithfulness"}


def install() -> None:
    """Point the scorer registry at the stubs (for a launcher process)."""
    from harness import scorers

    for name, target in STUBS.items():
        scorers.REGISTRY.register(name, target)


if __name__ == "__main__":  # python -m <package>.stubs ARGS...: the harness CLI with stub scorers
    install()
    from harness.cli import main

    sys.exit(main(sys.argv[1:]))
