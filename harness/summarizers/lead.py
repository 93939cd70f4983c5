"""``lead``: the first k sentences of the article body (a classic news baseline)."""

from __future__ import annotations

from typing import Any, Sequence

from ..records import Article, Summary
from ..text import sentences


class LeadSummarizer:
    """The first ``sentences`` sentences of the body."""

    cacheable = False
    """Cheap and deterministic: run again rather than cached."""

    def __init__(self, name: str, sentences: int = 3):
        self.name = name
        self.k = sentences

    def identity(self) -> dict[str, Any]:
        """Backend and k."""
        return {"backend": "lead", "sentences": self.k}

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """Lead-k of each article's body."""
        out = []
        for a in articles:
            body = a.body if a.body is not None else a.text
            text = " ".join(s.text.replace("\n", " ") for s in sentences(body)[: self.k])
            out.append(Summary(self.name, a.id, text))
        return out
