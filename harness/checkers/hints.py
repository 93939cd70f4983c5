"""Exact matching of a gold fact's or trap's hints (``any_of``, ``all_of``, ``pattern``,
``date``, ``number``) against a summary, with the normalisation people expect: case,
diacritics, quotes, possessives and plurals, number words, dates in any common English form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..records import GoldFact, Span, Trap
from ..text import NUMBER_WORDS, dates, fold, numbers, parse_iso_date, tokens


@dataclass(frozen=True)
class HintMatch:
    """The verdict of the hints of one fact or trap on one summary."""

    status: str
    """covered | partial | missing | contradicted."""
    score: float
    """Credit 0..1 (partial credit = share of ``all_of`` parts found)."""
    span: Span | None
    """Where in the summary the hint matched."""
    method: str
    """Which hint decided (``any_of``, ``all_of``, ``pattern``, ``date``, ``number``)."""


def find_phrase(phrase: str, text: str) -> Span | None:
    """First occurrence of ``phrase`` in ``text`` comparing word stems (so case, diacritics,
    possessives and plurals do not matter); None when absent."""
    want = [t.stem for t in tokens(phrase)]
    if not want:
        return None
    have = tokens(text)
    n = len(want)
    for i in range(len(have) - n + 1):
        if all(have[i + k].stem == want[k] for k in range(n)):
            s, e = have[i].start, have[i + n - 1].end
            return Span(s, e, text[s:e])
    if len(want) == 1 and want[0] in NUMBER_WORDS:
        return None
    return None


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def match_hints(item: GoldFact | Trap, summary: str) -> HintMatch | None:
    """Apply every hint of ``item`` to ``summary``; the best-scoring hint decides.
    Returns None when ``item`` has no hints (the caller matches its statement instead)."""
    if not item.has_hints:
        return None
    results: list[HintMatch] = []
    if item.any_of:
        results.append(_any_of(item.any_of, summary))
    if item.all_of:
        results.append(_all_of(item.all_of, summary))
    if item.pattern:
        m = _compile(item.pattern).search(fold(summary)) or _compile(item.pattern).search(summary)
        span = Span(m.start(), m.end(), summary[m.start():m.end()]) if m else None
        results.append(HintMatch("covered" if m else "missing", 1.0 if m else 0.0, span, "pattern"))
    if item.date:
        results.append(_date(item.date, summary))
    if item.number is not None:
        results.append(_number(float(item.number), summary))
    order = {"covered": 3, "partial": 2, "contradicted": 1, "missing": 0}
    return max(results, key=lambda r: (r.score, order[r.status]))


def _any_of(aliases: tuple[str, ...], summary: str) -> HintMatch:
    for alias in aliases:
        span = find_phrase(alias, summary)
        if span:
            return HintMatch("covered", 1.0, span, "any_of")
    return HintMatch("missing", 0.0, None, "any_of")


def _all_of(parts: tuple[str, ...], summary: str) -> HintMatch:
    spans = [s for s in (find_phrase(p, summary) for p in parts) if s]
    share = len(spans) / len(parts)
    if not spans:
        return HintMatch("missing", 0.0, None, "all_of")
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    status = "covered" if share == 1.0 else "partial"
    return HintMatch(status, share, Span(start, end, summary[start:end]), "all_of")


def _date(iso: str, summary: str) -> HintMatch:
    y, m, d = parse_iso_date(iso)
    mentions = dates(summary)
    for mention in mentions:
        if mention.agrees(y, m, d) and mention.day is not None:
            return HintMatch("covered", 1.0, Span(mention.start, mention.end, mention.text), "date")
    for mention in mentions:
        if mention.day is not None and mention.year in (None, y) and not mention.agrees(y, m, d):
            return HintMatch("contradicted", 0.0, Span(mention.start, mention.end, mention.text), "date")
    return HintMatch("missing", 0.0, None, "date")


def _number(value: float, summary: str) -> HintMatch:
    for n in numbers(summary):
        if abs(n.value - value) < 1e-9 or abs(n.raw - value) < 1e-9:
            return HintMatch("covered", 1.0, Span(n.start, n.end, n.text), "number")
    return HintMatch("missing", 0.0, None, "number")
