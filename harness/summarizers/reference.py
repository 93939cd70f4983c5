"""``reference``: the gold reference summary (an upper reference point; a canary too)."""

from __future__ import annotations

from typing import Any, Sequence

from ..records import Article, Summary


class ReferenceSummarizer:
    """The article's reference summary number ``index`` (an error when it has none)."""

    cacheable = False
    """Cheap and deterministic: run again rather than cached."""

    def __init__(self, name: str, index: int = 0):
        self.name = name
        self.index = index

    def identity(self) -> dict[str, Any]:
        """Backend and which reference."""
        return {"backend": "reference", "index": self.index}

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """The reference of each article; meta['error'] when missing (the pair is unscored)."""
        out = []
        for a in articles:
            if len(a.references) > self.index:
                out.append(Summary(self.name, a.id, a.references[self.index]))
            else:
                out.append(Summary(self.name, a.id, "", {"error": f"article has no reference #{self.index}"}))
        return out
