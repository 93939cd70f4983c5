"""Gold traps: the false claims an annotation lists, found in a summary by their hints.

A hint match makes the trap's claim only where the summary asserts the matched words. A match
that a negation or an open question governs from outside those words says the opposite, or
nothing: "no candidate won more than 50 percent" does not claim a majority, nor does "30 days to
decide whether to declare it a national treasure" claim that it was declared one. Such a match is
no hit (:func:`harness.checkers.polarity.unasserted`). A trap whose own hint holds the negation
("has not approved") is hit as before. Annotators need no look-behinds against "not" in their
patterns.
"""

from __future__ import annotations

from typing import Sequence

from ...records import Article, Hallucination
from ..hints import match_hints
from ..polarity import unasserted
from .evidence import ClaimCheck, summary_docs


def trap_hits(article: Article, summary: str, claims: Sequence[ClaimCheck]) -> tuple[list[Hallucination], set[int]]:
    """The ``trap`` findings of the article's traps with hints that ``summary`` asserts, and the
    indices of the claims they fall in."""
    found: list[Hallucination] = []
    bad: set[int] = set()
    doc = None
    for trap in article.traps:
        hit = match_hints(trap, summary, article.published)
        if hit is None or hit.status != "covered" or hit.span is None:
            continue
        doc = doc if doc is not None else summary_docs([summary])[summary]  # the analysis's parse, memoised
        if unasserted(doc, hit.span.start, hit.span.end):
            continue
        mine = [j for j, c in enumerate(claims) if c.claim.start <= hit.span.start < c.claim.end]
        ev = claims[mine[0]].evidence.best if mine else None
        found.append(Hallucination(hit.span.start, hit.span.end, hit.span.text, "trap", 1.0,
                                   trap_id=trap.id, source_evidence=ev or None, detail=trap.statement))
        bad.update(mine)
    return found, bad
