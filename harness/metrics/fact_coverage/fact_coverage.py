"""Fact coverage as a Hugging Face ``evaluate`` metric.

    import evaluate
    m = evaluate.load("<path to harness>/metrics/fact_coverage")
    m.compute(predictions=["summary 1", ...], references=[["fact 1", "fact 2"], ...])

Each reference is the list of gold fact statements of one article (plain sentences, no hints).
Returns ``fact_coverage`` (mean over predictions of the share of facts carried, partial credit
as in the harness), ``coverage`` (per prediction), ``statuses`` (per prediction, per fact:
covered|partial|missing|contradicted) and the scorer ``signature``. Optional ``sources``
(the article texts) sharpen the rarity weights; without them each summary's facts are weighted
against the facts themselves.
"""

from __future__ import annotations

import datasets
import evaluate

_DESCRIPTION = __doc__
_CITATION = ""
_KWARGS = """
Args:
    predictions: list of summaries (str).
    references: list of lists of gold fact statements (str), one list per summary.
    sources: optional list of article texts, one per summary.
    covered_threshold, partial_threshold, embeddings: as FactCoverageScorer.
Returns:
    dict with fact_coverage, coverage, statuses, signature.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class FactCoverage(evaluate.Metric):
    """Share of gold facts a summary carries (harness FactCoverageScorer)."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION, citation=_CITATION, inputs_description=_KWARGS,
            features=datasets.Features({
                "predictions": datasets.Value("string"),
                "references": datasets.Sequence(datasets.Value("string")),
            }),
        )

    def _compute(self, predictions, references, sources=None, covered_threshold=0.5,
                 partial_threshold=0.2, embeddings=False):
        from harness.records import Article, GoldFact
        from harness.scorers.coverage import FactCoverageScorer

        scorer = FactCoverageScorer(covered_threshold=covered_threshold,
                                    partial_threshold=partial_threshold, embeddings=embeddings)
        items = []
        for i, (pred, facts) in enumerate(zip(predictions, references)):
            body = sources[i] if sources else " . ".join(facts)
            gold = tuple(GoldFact(id=f"f{j}", statement=s) for j, s in enumerate(facts))
            items.append((Article(id=f"a{i}", text=body, body=body, facts=gold), pred))
        results = scorer.score_many(items)
        cov = [r.coverage for r in results]
        return {
            "fact_coverage": sum(cov) / len(cov) if cov else float("nan"),
            "coverage": cov,
            "statuses": [[v.status for v in r.facts] for r in results],
            "signature": scorer.signature(),
        }
