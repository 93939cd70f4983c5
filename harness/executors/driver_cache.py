"""The generation cache, kept by the driver when summaries are generated elsewhere (Ray workers).

Workers never open the cache: several processes on several machines writing one SQLite file is
how caches get corrupted or lost. Instead the driver, before sending a batch out,

1. computes each article's key exactly as the local :class:`harness.cache.CachedSummarizer` does
   (``fingerprint(identity, article_input(article))``, ``identity`` reported by a worker that has
   loaded the model),
2. takes the hits from the cache (none with ``refresh``),
3. sends only the misses, in the order and chunks the local cache wrapper would use (sorted by
   input length, ``batch_size`` at a time), so a model that batches gives the same outputs,
4. stores each returned summary without ``meta["error"]`` (so a rerun retries the failures),

and marks every summary with ``meta["cached"]`` and ``meta["fingerprint"]`` as the local wrapper
does. 
"""

from __future__ import annotations

from typing import Any, Sequence

from ..records import Article, Summary


class DriverCache:
    """Cache lookups and stores for one model, done on the driver.

    ``wrapped`` is True where a local run would put ``CachedSummarizer`` in front of the model
    (cache on, a model backend, :mod:`harness.cache` installed); the counters ``reused`` and
    ``generated`` then go into ``run.json`` as they do locally."""

    def __init__(self, spec: dict[str, Any], identity: dict[str, Any], use_cache: bool,
                 refresh: bool, cacheable: bool = True, batch_size: int | None = None):
        self.name = spec["name"]
        self.identity = identity
        self.refresh = refresh
        self.batch_size = int(batch_size or 8)
        self.reused = 0
        self.generated = 0
        from .. import cache as api

        self.wrapped = use_cache and cacheable
        self._api = api
        self._cache = api.GenerationCache() if self.wrapped else None

    def key(self, article: Article) -> str | None:
        """The generation-cache key of ``article`` (None when the cache is not used)."""
        if not self.wrapped:
            return None
        return self._api.fingerprint(self.identity, self._api.article_input(article))

    def plan(self, articles: Sequence[Article]) -> tuple[list[Summary | None], list[list[int]], list[str | None]]:
        """(hits by position, chunks of positions to generate, keys) for one batch."""
        keys = [self.key(a) for a in articles]
        found: list[Summary | None] = [None] * len(articles)
        if not self.wrapped:
            return found, [list(range(len(articles)))] if articles else [], keys
        missing = []
        for i, (article, key) in enumerate(zip(articles, keys)):
            hit = None if self.refresh else self._cache.get(key)
            if hit is None:
                missing.append(i)
                continue
            found[i] = Summary(self.name, article.id, hit["text"],
                               {**hit.get("meta", {}), "cached": True, "fingerprint": key})
            self.reused += 1
        missing.sort(key=lambda i: (len(self._api.article_input(articles[i])), i))
        chunks = [missing[s:s + self.batch_size] for s in range(0, len(missing), self.batch_size)]
        return found, chunks, keys

    def record(self, summary: Summary, key: str | None) -> Summary:
        """Mark a generated summary as the local wrapper would, and store it unless it failed."""
        if not self.wrapped:
            return summary
        self.generated += 1
        if key is None:
            return Summary(summary.model, summary.article_id, summary.text, {**summary.meta, "cached": False})
        meta = {**summary.meta, "cached": False, "fingerprint": key}
        if not meta.get("error"):
            stored = {k: v for k, v in summary.meta.items() if k not in ("cached", "fingerprint")}
            self._cache.put(key, {"text": summary.text, "meta": stored})
        return Summary(summary.model, summary.article_id, summary.text, meta)

    def counters(self) -> dict[str, int]:
        """``reused``/``generated`` when a local run would report them, else nothing."""
        return {"reused": self.reused, "generated": self.generated} if self.wrapped else {}

    def close(self) -> None:
        """Close the cache connection."""
        if self._cache is not None and hasattr(self._cache, "close"):
            self._cache.close()
