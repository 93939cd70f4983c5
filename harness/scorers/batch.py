"""Scoring pairs in batches: every (article, summary) pair checked by every scorer, failures
kept as *unscored* with their reason, the work ahead started early (:class:`Lookahead`), and
records reused from the score cache. The executors run :func:`score_pairs`; the pipeline runs
:func:`score_with_cache` in front of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from typing import Any, Iterator, Sequence

from tqdm import tqdm

from ..errors import HarnessError
from ..records import Article, ScoreRecord, Summary, score_record_from_json
from ..results import dumps

STABLE_GENERATION_KEYS = (
    "prompt_tokens", "new_tokens", "truncated_tokens", "truncated_chars", "input_chars_seen",
    "hit_max_new_tokens", "finish_reason", "oracle_coverage",
)
"""Generation details copied into ``scores.jsonl``: those that depend only on the inputs (timings,
cache flags and attempts stay in ``summaries.jsonl``, so equal inputs give byte-identical scores)."""


MAX_SUMMARY_CHARS = 100_000
"""Summaries longer than this (a runaway generation: ~50 times a long summary) are not scored;
they end *unscored* with the reason, so a gate fails closed on them."""


SCORE_CHUNK = 32
"""Pairs per ``score_many`` call."""

PREFETCH_CHUNKS = 3
"""How many chunks ahead of the one being scored a scorer may start work (embedding, in a helper
process) for: enough to keep the helper busy, few enough to hold little in memory."""


class Lookahead:
    """Calls ``scorer.prefetch(items)`` (for scorers that have it) for the next chunks that
    scorer will score, up to ``depth`` chunks ahead of the scoring, in scoring order; then for
    ``then``, the items the next call will score (a head start across batches)."""

    def __init__(self, scorers: Sequence[Any], chunks: list[list[tuple[Article, str]]],
                 depth: int = PREFETCH_CHUNKS, then: list[tuple[Article, str]] | None = None):
        ahead = [s for s in scorers if hasattr(s, "prefetch")]
        self.depth = depth
        self.order = [(s, k, chunks[k]) for s in ahead for k in range(len(chunks))]
        self.order += [(s, None, then) for s in ahead if then]
        self.sent = 0
        self.reached(None, -1)

    def reached(self, scorer: Any, k: int) -> None:
        """Scoring has reached chunk ``k`` of ``scorer``: send what comes next."""
        done = next((n for n, (s, j, _) in enumerate(self.order) if s is scorer and j == k), -1) + 1
        while self.sent < min(len(self.order), done + self.depth):
            s, _, items = self.order[self.sent]
            self.sent += 1
            try:
                s.prefetch(items)
            except Exception:  # noqa: BLE001 - only a head start: score_many meets any real error
                pass


def _scorable(pairs: Sequence[tuple[Article, Summary]]) -> list[int]:
    """Indices of the pairs the scorers see: no generation error, not over the length limit."""
    return [i for i, (_, s) in enumerate(pairs) if not s.meta.get("error") and len(s.text) <= MAX_SUMMARY_CHARS]


def score_pairs(pairs: Sequence[tuple[Article, Summary]], scorers: Sequence[Any],
                progress: bool = True, desc: str = "scoring",
                upcoming: Sequence[tuple[Article, Summary]] = ()) -> list[ScoreRecord]:
    """Score every (article, summary) pair with every scorer; failures become *unscored*.
    ``upcoming``, the pairs the next call will score, get a head start (:class:`Lookahead`)
    while these are checked."""
    results: dict[str, list[Any]] = {}
    errors: dict[int, str] = {
        i: f"summary is {len(s.text):,} characters long, over the scoring limit of {MAX_SUMMARY_CHARS:,}"
        for i, (_, s) in enumerate(pairs) if len(s.text) > MAX_SUMMARY_CHARS}
    scorable = _scorable(pairs)
    chunks = [scorable[start:start + SCORE_CHUNK] for start in range(0, len(scorable), SCORE_CHUNK)]
    then = [(upcoming[i][0], upcoming[i][1].text) for i in _scorable(upcoming)][:SCORE_CHUNK]
    ahead = Lookahead(scorers, [[(pairs[i][0], pairs[i][1].text) for i in chunk] for chunk in chunks],
                      then=then)
    for scorer in scorers:
        out: list[Any] = [None] * len(pairs)
        bar = tqdm(total=len(scorable), desc=f"{desc} ({scorer.role})", disable=not progress,
                   file=sys.stderr, leave=False)
        for k, chunk in enumerate(chunks):
            ahead.reached(scorer, k)
            items = [(pairs[i][0], pairs[i][1].text) for i in chunk]
            try:
                got = scorer.score_many(items)
            except HarnessError as exc:  # a missing package or model file: no item can be scored
                errors.update({i: f"{scorer.role} scorer failed: {type(exc).__name__}: {exc}" for i in chunk})
                got = [None] * len(chunk)
            except Exception:  # fall back to one by one so one bad item does not sink the batch
                got = []
                for i, item in zip(chunk, items):
                    try:
                        got.append(scorer.score(*item))
                    except Exception as exc:  # noqa: BLE001 - recorded as the unscored reason
                        errors[i] = f"{scorer.role} scorer failed: {type(exc).__name__}: {exc}"
                        got.append(None)
            for i, r in zip(chunk, got):
                out[i] = r
            bar.update(len(chunk))
        bar.close()
        results[scorer.role] = out
    records = []
    for i, (article, summary) in enumerate(pairs):
        cov = results.get("coverage", [None] * len(pairs))[i]
        faith = results.get("faithfulness", [None] * len(pairs))[i]
        unscored = summary.meta.get("error") or errors.get(i) or _invalid_numbers(cov, faith)
        if not unscored and cov is None and faith is None:
            unscored = "no scorer produced a result"
        records.append(ScoreRecord(
            model=summary.model, article_id=article.id, summary=summary.text,
            coverage=None if unscored or cov is None else cov.coverage,
            facts=() if unscored or cov is None else cov.facts,
            hallucinations=() if unscored or faith is None else faith.hallucinations,
            hallucination_rate=None if unscored or faith is None else faith.hallucination_rate,
            faithful=None if unscored or faith is None else faith.faithful,
            faithfulness_probability=None if unscored or faith is None else faith.probability,
            n_claims=0 if unscored or faith is None else faith.n_claims,
            traps_hit=() if unscored or faith is None else faith.traps_hit,
            summary_words=len(summary.text.split()),
            unscored=unscored or None,
            generation=generation_info(article, summary),
        ))
    return records


def _invalid_numbers(cov: Any, faith: Any) -> str | None:
    """Fail closed: a NaN or out-of-range number from a scorer makes the pair unscored."""
    values = {}
    if cov is not None:
        values["coverage"] = cov.coverage
        values.update({f"fact {f.id} score": f.score for f in cov.facts})
    if faith is not None:
        values["hallucination_rate"] = faith.hallucination_rate
        values["faithfulness probability"] = faith.probability
    for name, v in values.items():
        if not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:  # NaN fails both comparisons
            return f"scorer returned an invalid {name}: {v!r}"
    return None


def generation_info(article: Article, summary: Summary) -> dict[str, Any]:
    """Generation details for the results, with the facts whose evidence the model never saw."""
    info = {k: v for k, v in summary.meta.items() if k in STABLE_GENERATION_KEYS}
    seen = summary.meta.get("input_chars_seen")
    if isinstance(seen, int):
        body = article.body or article.text
        if seen < len(body):
            info["facts_beyond_context"] = [
                f.id for f in article.facts
                if f.evidence and body.find(f.evidence) >= 0 and body.find(f.evidence) + len(f.evidence) > seen
            ]
    return info


def score_with_cache(runner: Any, scorer_specs: dict[str, dict[str, Any]],
                     pairs: Sequence[tuple[Article, Summary]], cache: Any,
                     scorer_sigs: dict[str, str], counts: dict[str, int] | None = None) -> Iterator[ScoreRecord]:
    """Score records of ``pairs`` in order: cached ones from ``cache`` (when given), the others
    scored by ``runner`` in batches and stored as they arrive. ``counts``, when given, receives
    ``reused`` (records taken from the cache) and ``scored`` (pairs sent to the runner) as soon
    as the cache has been looked up."""
    keys: list[str | None] = [None] * len(pairs)
    hits: dict[int, ScoreRecord] = {}
    if cache is not None:
        from ..cache import scoring_code_digest

        code = scoring_code_digest()
        article_keys: dict[str, str] = {}
        for i, (article, summary) in enumerate(pairs):
            if summary.meta.get("error"):
                continue
            if article.id not in article_keys:
                article_keys[article.id] = hashlib.sha256(dumps(article).encode()).hexdigest()
            keys[i] = hashlib.sha256(dumps([scorer_sigs, code, article_keys[article.id], summary.text]).encode()).hexdigest()
            cached = cache.get(keys[i])
            if cached is not None:
                hits[i] = score_record_from_json(cached)
    misses = [i for i in range(len(pairs)) if i not in hits]
    if counts is not None:
        counts.update(reused=len(hits), scored=len(misses))
    fresh = (r for got in runner.score(scorer_specs, batches([pairs[i] for i in misses], SCORE_CHUNK)) for r in got)
    for i, (article, summary) in enumerate(pairs):
        if i in hits:
            yield dataclasses.replace(hits[i], model=summary.model, summary=summary.text,
                                      generation=generation_info(article, summary))
            continue
        record = next(fresh)
        if cache is not None and keys[i] is not None and not record.unscored:
            cache.put(keys[i], json.loads(dumps(record)))
        yield record


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """``items`` in consecutive slices of ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
