"""Claim check: numbers and dates the article does not state, and values it states for
something else (the old rate given as the new one)."""

from __future__ import annotations

from ..findings import ClaimInput, Finding
from ..quantities import misplaced_values, novel_quantities


def check(ci: ClaimInput) -> list[Finding]:
    """A ``number`` / ``date`` finding per value absent from the article, then one per value the
    aligned evidence states differently in the same context (values already absent excluded)."""
    c, src = ci.claim, ci.source
    novel = novel_quantities(c.text, src.numbers, list(ci.known_dates), src.units, src.quantities)
    found = [Finding(c.start + q.start, c.start + q.end, q.kind, q.detail or f"{q.text!r} not in the article")
             for q in novel]
    for m in misplaced_values(c.text, list(ci.evidence.sentences), ci.article.published,
                              frozenset(q.start for q in novel), src.sentences):
        found.append(Finding(c.start + m.start, c.start + m.end, m.kind,
                             f"the article states {m.source_value!r} here, not {m.text!r}"))
    return found
