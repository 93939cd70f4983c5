"""The in-process executor: each model and each scorer is built once and reused."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from ..records import Article, ScoreRecord, Summary


class LocalExecutor:
    """Runs every batch in this process."""

    def __init__(self, progress: bool = True):
        self.progress = progress
        self._scorers: dict[str, Any] = {}
        self._info: dict[str, dict[str, Any]] = {}

    def generate(self, spec: dict[str, Any], batches: Iterable[Sequence[Article]],
                 use_cache: bool, refresh: bool) -> Iterator[list[Summary]]:
        """Build the summarizer once (cache in front) and summarise each batch."""
        from ..summarizers import build_cached

        summarizer = build_cached(spec, use_cache, refresh)
        try:
            for batch in batches:
                yield summarizer.summarize(list(batch))
        finally:
            self._info[spec["name"]] = describe_summarizer(spec, summarizer)

    def score(self, scorer_specs: dict[str, dict[str, Any]],
              batches: Iterable[Sequence[tuple[Article, Summary]]]) -> Iterator[list[ScoreRecord]]:
        """Score each batch with scorers built once per process."""
        from ..scorers import build_scorers
        from ..scorers.batch import score_pairs

        key = _key(scorer_specs)
        if key not in self._scorers:
            self._scorers[key] = build_scorers(scorer_specs)
        # One batch is read ahead, so that its embeddings start while this one is checked.
        batches = iter(batches)
        batch = next(batches, None)
        while batch is not None:
            upcoming = next(batches, None)
            yield score_pairs(list(batch), self._scorers[key], progress=False, upcoming=list(upcoming or ()))
            batch = upcoming

    def adopt_scorers(self, scorer_specs: dict[str, dict[str, Any]], scorers: list[Any]) -> None:
        """Use ``scorers``, already built from ``scorer_specs`` (by the driver), instead of building them again."""
        self._scorers[_key(scorer_specs)] = scorers

    def judge_usage(self) -> dict[str, dict[str, float]]:
        """Per scorer role with a configured judge (``judge:``): the judge's calls, tokens and seconds."""
        from ..scorers import judge_usage

        return {role: u for built in self._scorers.values() for role, u in judge_usage(built).items()}

    def model_info(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Identity and cache counters of the model last run from ``spec``."""
        return self._info.get(spec["name"], {})

    def close(self) -> None:
        """Drop the loaded scorers."""
        self._scorers.clear()


def describe_summarizer(spec: dict[str, Any], summarizer: Any) -> dict[str, Any]:
    """What run.json records about a model: backend, identity, cache counters."""
    info: dict[str, Any] = {"backend": spec.get("backend"), "identity": summarizer.identity()}
    for counter in ("reused", "generated"):
        if hasattr(summarizer, counter):
            info[counter] = getattr(summarizer, counter)
    return info


def _key(scorer_specs: dict[str, dict[str, Any]]) -> str:
    return repr(sorted(scorer_specs.items()))
