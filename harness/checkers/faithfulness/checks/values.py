"""Claim check: numbers and dates the article does not state, and values it states for
something else (the old rate given as the new one).

A small count the article never writes is no new number when it counts names the article lists:
"the three Baltic states" beside "Poland", where the evidence lists Estonia, Latvia, Lithuania
and Poland (four names, one of them named in the claim), or "the two candidates, Ana Ruiz and
Tom Hale" (the claim's own list)."""

from __future__ import annotations

from typing import Any, Iterable

from ....numbers import NUMBER_WORDS
from ....text import fold
from ..findings import ClaimInput, Finding
from ..quantities import misplaced_values, novel_quantities
from ..roles import conjuncts

MAX_LISTED_COUNT = 12
"""Counts above this are never read as the size of a list of names."""


def _names_listed(toks: Iterable[Any]) -> list[list[str]]:
    """The coordinated lists of names in parsed tokens: each proper noun that heads conjuncts
    ("Estonia, Latvia, Lithuania and Poland"), with them, as lower-cased words."""
    out = []
    for t in toks:
        if t.pos_ == "PROPN" and t.dep_ != "conj" and any(k.dep_ == "conj" for k in t.children):
            group = [fold(k.text) for k in conjuncts(t) if k.pos_ == "PROPN"]
            if len(group) >= 2:
                out.append(group)
    return out


def counts_listed_names(value: float, ci: ClaimInput) -> bool:
    """Whether ``value`` is the number of names a list of the claim, or of its evidence, holds,
    less those of the list that the claim names beside the count."""
    if value != int(value) or not 2 <= value <= MAX_LISTED_COUNT:
        return False
    claim_words = {fold(t.text) for t in ci.tokens}
    if any(len(g) == value for g in _names_listed(ci.tokens)):
        return True
    return any(len(g) - sum(1 for w in g if w in claim_words) == value for g in _names_listed(ci.evidence.tokens))


def check(ci: ClaimInput) -> list[Finding]:
    """A ``number`` / ``date`` finding per value absent from the article (a count of names it
    lists aside), then one per value the aligned evidence states differently in the same context
    (values already absent excluded)."""
    c, src = ci.claim, ci.source
    novel = [q for q in novel_quantities(c.text, src.numbers, list(ci.known_dates), src.units, src.quantities,
                                         src.pairs)
             if not (q.kind == "number" and not q.detail and _count_value(q.text) is not None
                     and counts_listed_names(_count_value(q.text), ci))]
    found = [Finding(c.start + q.start, c.start + q.end, q.kind, q.detail or f"{q.text!r} not in the article")
             for q in novel]
    for m in misplaced_values(c.text, list(ci.evidence.sentences), ci.article.published,
                              frozenset(q.start for q in novel), src.sentences):
        found.append(Finding(c.start + m.start, c.start + m.end, m.kind,
                             f"the article states {m.source_value!r} here, not {m.text!r}"))
    return found


def _count_value(text: str) -> float | None:
    """The value of a bare count ("three", "3"), None for anything else ("3.5", "3m", "30%")."""
    word = text.strip().lower()
    if word.isdigit():
        return float(word)
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else None
