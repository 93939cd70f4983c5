"""Bounded in-process memos of per-text results (embeddings, parses, indexed sources).

Scoring meets the same article sentences with every model's summary; a memo serves them again
within one process. All memos are sized by ``HARNESS_EMBED_MEMO`` (texts; default 50,000, each
memo a share of it) and all are off when it is 0, so a benchmark can measure work without reuse.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache, wraps
from typing import Any, Callable


_CLEARS: list[Callable[[], None]] = []


def on_clear(clear: Callable[[], None]) -> None:
    """Have :func:`clear_all` call ``clear`` too (for a cache that is not a :class:`Memo`)."""
    _CLEARS.append(clear)


def clear_all() -> None:
    """Forget what every memo of this process holds, so that a benchmark can time work again
    without reuse."""
    for clear in list(_CLEARS):
        clear()


class Memo:
    """A bounded first-in-first-out memo of per-text results, shared by all threads; its size
    is ``HARNESS_EMBED_MEMO`` texts (default 50,000; 0 turns every memo off)."""

    def __init__(self, share: float = 1.0):
        self.share = share
        self.items: "OrderedDict[str, Any]" = OrderedDict()
        self._lock = threading.Lock()
        on_clear(self.clear)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self.items.clear()

    def limit(self) -> int:
        """How many entries this memo keeps now."""
        try:
            size = max(0, int(os.environ.get("HARNESS_EMBED_MEMO", "50000")))
        except ValueError:
            size = 50000
        return int(size * self.share)

    def store(self, fresh: dict[str, Any]) -> None:
        """Remember ``fresh``, forgetting the oldest entries past the limit."""
        limit = self.limit()
        with self._lock:
            if limit:
                self.items.update(fresh)
            while len(self.items) > limit:
                self.items.popitem(last=False)

    def resolve(self, texts: list[str], compute: Callable[[list[str]], Any]) -> list[Any]:
        """The result for each of ``texts``: memoised ones as they are, the others from one call
        of ``compute`` on the distinct missing texts (then memoised)."""
        with self._lock:
            known = {t: self.items[t] for t in texts if t in self.items}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        fresh = dict(zip(todo, compute(todo))) if todo else {}
        self.store(fresh)
        return [fresh[t] if t in fresh else known[t] for t in texts]

    def __contains__(self, text: str) -> bool:
        return text in self.items

    def get(self, text: str, make: Callable[[str], Any]) -> Any:
        """The memoised result for ``text``, made (and kept) on a miss."""
        if text in self.items:
            return self.items[text]
        value = make(text)
        self.store({text: value})
        return value


def loaded_once(load: Callable[[], Any]) -> Callable[[], Any]:
    """``load`` run on the first call only, even when several threads make that call at once
    (they wait for the one load); each resource has its own lock, so two resources can load at
    the same time in two threads. ``get.loaded()`` tells whether the load has happened."""
    lock = threading.Lock()
    cached = lru_cache(maxsize=1)(load)

    @wraps(load)
    def get() -> Any:
        with lock:
            return cached()

    get.loaded = lambda: cached.cache_info().currsize > 0  # type: ignore[attr-defined]
    return get
