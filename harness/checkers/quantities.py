"""Numbers and dates in a claim that the source does not state.

Numbers compare by value ("four" = "4", "1.5 billion" = 1,500,000,000; scaled or unscaled);
dates are normalised so "18 March" agrees with "March 18, 2025". Numbers inside a date, and
the word "one" (mostly a pronoun), are not checked as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..text import dates, numbers


@dataclass(frozen=True)
class QuantitySpan:
    """A number or date of the claim (claim-relative offsets) the source does not state."""

    start: int
    end: int
    text: str
    kind: str
    """``number`` or ``date``."""


def novel_quantities(claim: str, source_numbers: frozenset[float], source_dates: list[Any]) -> list[QuantitySpan]:
    """Numbers and dates in ``claim`` that the source does not state."""
    out: list[QuantitySpan] = []
    ds = dates(claim)
    for d in ds:
        if not any(_compatible(d, b) for b in source_dates):
            out.append(QuantitySpan(d.start, d.end, d.text, "date"))
    for n in numbers(claim):
        if any(d.start <= n.start < d.end for d in ds):
            continue
        if n.text.lower() in ("one", "a", "an") or (n.raw == 1 and not n.text[:1].isdigit()):
            continue
        if round(n.value, 6) in source_numbers or round(n.raw, 6) in source_numbers:
            continue
        if 1900 <= n.raw <= 2100 and n.text.isdigit() and any(b.year == int(n.raw) for b in source_dates):
            continue
        out.append(QuantitySpan(n.start, n.end, n.text, "number"))
    out.sort(key=lambda q: q.start)
    return out


def _compatible(d: Any, b: Any) -> bool:
    return (d.month == b.month and (d.day is None or b.day is None or d.day == b.day)
            and (d.year is None or b.year is None or d.year == b.year))
