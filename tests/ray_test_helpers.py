"""Summarizers and a scorer that misbehave inside Ray workers, for tests/test_ray_executor.py.

They live in their own module (not the test file) because Ray worker processes import them by
name; the test registers them with the harness registries, which the Ray executor ships to its
workers. Each behaves like the ``lead`` baseline (or the coverage scorer) except for the stated
misbehaviour, so a recovered run must equal a local ``lead`` run byte for byte.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Sequence

from harness.records import Article, Summary
from harness.scorers.coverage import FactCoverageScorer
from harness.summarizers.lead import LeadSummarizer


class _Lead(LeadSummarizer):
    cacheable = True  # stand-ins for model backends: the generation cache applies, as to a model

    def __init__(self, name: str, sentences: int = 2, batch_size: int = 1):
        super().__init__(name, sentences)
        self.batch_size = batch_size


class CrashOnce(_Lead):
    """Kills its worker process (``os._exit``) on the first call of the whole run; ``marker``
    is a file that records that the crash happened, so the retry on a fresh actor succeeds."""

    def __init__(self, name: str, marker: str, sentences: int = 2, batch_size: int = 1):
        super().__init__(name, sentences, batch_size)
        self.marker = Path(marker)

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os._exit(1)
        return super().summarize(articles)


class Poison(_Lead):
    """Kills its worker process whenever a batch holds the article ``poison``: every retry dies."""

    def __init__(self, name: str, poison: str, sentences: int = 2, batch_size: int = 1):
        super().__init__(name, sentences, batch_size)
        self.poison = poison

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        if any(a.id == self.poison for a in articles):
            os._exit(1)
        return super().summarize(articles)


class Slow(_Lead):
    """Sleeps ``delay`` seconds per call (so a test can kill a worker while batches are in flight)."""

    def __init__(self, name: str, delay: float = 0.2, sentences: int = 2, batch_size: int = 1):
        super().__init__(name, sentences, batch_size)
        self.delay = delay

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        time.sleep(self.delay)
        return super().summarize(articles)


class Counting(_Lead):
    """A "model" backend (so the generation cache applies) that leaves one file per summarised
    article in ``calls_dir``: a test can count what was really generated."""

    def __init__(self, name: str, calls_dir: str, sentences: int = 2, batch_size: int = 2):
        super().__init__(name, sentences, batch_size)
        self.calls_dir = Path(calls_dir)

    def identity(self) -> dict[str, Any]:
        return {"backend": "counting", "sentences": self.k}

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        self.calls_dir.mkdir(parents=True, exist_ok=True)
        for a in articles:
            (self.calls_dir / f"{a.id}.{os.getpid()}.{time.monotonic_ns()}").touch()
        return super().summarize(articles)


class CrashOnceCoverage(FactCoverageScorer):
    """The coverage scorer, except that it kills its worker process on its first call of the run."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker = Path(marker)

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[Any]:
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os._exit(1)
        return super().score_many(items)


def flag_every_claim(ci):
    """A claim check registered by the driver only: one ``unsupported`` finding per claim."""
    from harness.checkers.faithfulness.findings import Finding

    return [Finding(ci.claim.start, ci.claim.end, "unsupported", "flagged by a driver-registered check")]
