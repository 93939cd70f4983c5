"""The ``oracle`` backend: the body sentences that cover the most gold facts (an upper bracket).

Greedy: start empty, repeatedly add the body sentence whose addition raises the summary's
importance-weighted coverage (:class:`~harness.scorers.coverage.FactCoverageScorer`, the same
scorer the reports use) the most; stop after ``sentences`` sentences or when no sentence helps.
Ties go to the earlier sentence; the result is in document order. It reads the gold annotation,
so it is never cached (``cacheable = False``) and is not a model: it shows how much coverage an
extractive summary of that length *could* reach.
Config: ``{backend: oracle, name: oracle, sentences: 3}``. Registered as a summarizer backend by
:mod:`harness.scorers` (it is built from the coverage scorer).
"""

from __future__ import annotations

from typing import Any, Sequence

from ..errors import ConfigError
from ..records import Article, Summary
from .coverage import FactCoverageScorer
from ..text import sentences as split_sentences

VERSION = 1


class OracleSummarizer:
    """Greedy fact-covering extractive summary built from the gold annotation."""

    cacheable = False

    def __init__(self, name: str = "oracle", sentences: int = 3):
        """sentences: the most sentences to pick."""
        if int(sentences) < 1:
            raise ConfigError(f"models.{name}.sentences: must be >= 1")
        self.name = name
        self.sentences = int(sentences)
        self._scorer = FactCoverageScorer()

    def identity(self) -> dict[str, Any]:
        return {"backend": "oracle", "version": VERSION, "sentences": self.sentences,
                "scorer": self._scorer.signature()}

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        return [self._one(a) for a in articles]

    def _one(self, article: Article) -> Summary:
        body = article.body if article.body is not None else article.text
        spans = split_sentences(body)
        chosen: list[int] = []
        coverage = 0.0
        while len(chosen) < self.sentences:
            best, best_cov = None, coverage
            for i in range(len(spans)):
                if i in chosen:
                    continue
                text = " ".join(spans[j].text for j in sorted(chosen + [i]))
                cov = self._scorer.score(article, text).coverage
                if cov > best_cov + 1e-12:
                    best, best_cov = i, cov
            if best is None:
                break
            chosen.append(best)
            coverage = best_cov
        chosen.sort()
        text = " ".join(spans[i].text for i in chosen)
        meta: dict[str, Any] = {"sentence_indices": chosen, "oracle_coverage": coverage,
                                "input_chars_seen": len(body), "truncated_tokens": 0}
        if not text:
            if not article.facts:
                meta["error"] = "the article has no gold facts to cover"
            else:
                meta["error"] = "no body sentence covers any gold fact"
        return Summary(self.name, article.id, text, meta)
