"""Numbers and dates in a claim that the source does not state (:func:`novel_quantities`), or
states otherwise where the claim's words are (:func:`misplaced_values`).

Numbers compare by value ("four" = "4", "1.5 billion" = 1,500,000,000; scaled or unscaled);
dates are normalised so "18 March" agrees with "March 18, 2025". Numbers inside a date, and
the word "one" (mostly a pronoun), are not checked as numbers. A decade or century ("the 1990s")
is stated by any year in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Sequence

from ...numbers import close_spaced_numbers, number_pairs, numbers
from ...text import dates
from ..atoms import Quantity, comparable, quantities, resolve_year, same_date, same_quantity
from ..context import carries_context, local_context


@dataclass(frozen=True)
class QuantitySpan:
    """A number or date of the claim (claim-relative offsets) the source does not state."""

    start: int
    end: int
    text: str
    kind: str
    """``number`` or ``date``."""
    detail: str = ""
    """Why it is not stated, where more can be said than that it is absent (another unit)."""


UNITS = frozenset("""second minute hour day week month year decade century percent per cent
mile kilometre kilometer km metre meter foot feet inch pound kilogram kg ton tonne dollar euro
litre liter
pound yuan yen point goal run time vote seat""".split())


def number_units(text: str) -> dict[float, set[str]]:
    """For each number value in ``text``: the unit words that follow it ("30 days" -> {"day"}).
    The first number of a range or pair takes the unit of the one after it ("between 420 and 750
    metres", "3 to 5 km", "10-12 days": 420 is in metres too)."""
    out: dict[float, set[str]] = {}
    ns = numbers(text)
    for k, n in enumerate(ns):
        unit = _unit_of(text, n)
        if not unit and k + 1 < len(ns) and _RANGE_JOIN.fullmatch(text[n.end:ns[k + 1].start]):
            unit = _unit_of(text, ns[k + 1])
        out.setdefault(round(n.value, 6), set()).add(unit)
    return out


_RANGE_JOIN = re.compile(r"\s*(?:and|to|or|-|\u2013|\u2014)\s*", re.IGNORECASE)
"""What joins the two ends of a range or pair of numbers."""


def _unit_of(text: str, n: Any) -> str:
    """The unit of the number ``n`` of ``text``: ``percent``, the unit word after it, or ""."""
    return "percent" if n.percent else _unit_after(text, n.end)


def _unit_after(text: str, end: int) -> str:
    m = re.match(r"[\s-]*(?:percentage[\s-]+)?([A-Za-z]+)", text[end:end + 32], re.IGNORECASE)
    word = m.group(1).lower() if m else ""
    word = word[:-1] if word.endswith("s") and len(word) > 3 else word
    return _UNIT_SPELLINGS.get(word, word) if word in UNITS else ""


_UNIT_SPELLINGS = {"metre": "meter", "kilometre": "kilometer", "km": "kilometer", "litre": "liter",
                   "kg": "kilogram", "feet": "foot", "tonne": "ton"}
"""British and American spellings and abbreviations of one unit compare equal."""


def novel_quantities(claim: str, source_numbers: frozenset[float], source_dates: list[Any],
                     source_units: dict[float, set[str]] | None = None,
                     source_quantities: Sequence[Quantity] = (),
                     source_pairs: frozenset[tuple[float, float]] = frozenset()) -> list[QuantitySpan]:
    """Numbers and dates in ``claim`` that the source does not state. A scaled number
    ("2 million") must match by its scaled value; a number followed by a unit ("30 minutes")
    must occur with that unit when the source gives the same number a different unit
    ("0.3 points" for "0.3 percentage points" passes: a percentage point is a point). A number
    the source or the claim hedges ("about 38 kilometres") is stated by a value within 5% of it
    in the same unit (:func:`harness.checkers.atoms.same_quantity`, the reading coverage uses).
    A number of a pair ("six votes to three") that the source also writes in a pair
    (``source_pairs``: "6-3") is stated whatever unit the claim gives it."""
    paired = {v for p in number_pairs(claim) for v in p} & {v for p in source_pairs for v in p}
    out: list[QuantitySpan] = []
    ds = dates(claim)
    hedged = {q.start: q for q in quantities(claim)}
    for d in ds:
        if not any(_compatible(d, b) for b in source_dates):
            out.append(QuantitySpan(d.start, d.end, d.text, "date"))
    for n in numbers(claim):
        if any(d.start <= n.start < d.end for d in ds):
            continue
        if n.text.lower() in ("one", "a", "an") or (n.raw == 1 and not n.text[:1].isdigit()):
            continue
        scaled = abs(n.value - n.raw) > 1e-9
        detail = ""
        if round(n.value, 6) in source_numbers or (not scaled and round(n.raw, 6) in source_numbers):
            unit = _unit_of(claim, n)
            have = (source_units or {}).get(round(n.value, 6), set()) - {""}  # "": stated without one
            if not unit or not have or unit in have or round(n.value, 6) in paired:
                continue
            detail = f"the article gives {n.text!r} in {' or '.join(sorted(have))}, not in {unit}"
        if 1900 <= n.raw <= 2100 and n.text.isdigit() and any(b.year == int(n.raw) for b in source_dates):
            continue
        years = _decade(claim, n)
        if years and any(years[0] <= v <= years[1] for v in (*source_numbers, *(b.year or 0 for b in source_dates))):
            continue
        q = hedged.get(n.start)
        if q is not None and any(same_quantity(s, q) for s in source_quantities if s.approximate or q.approximate):
            continue
        out.append(QuantitySpan(n.start, n.end, n.text, "number", detail))
    out.sort(key=lambda q: q.start)
    return out


def _decade(text: str, n: Any) -> tuple[int, int] | None:
    """The years a decade or century names ("the 1990s": 1990-1999, "the 1600s": 1600-1699), or
    None when the number is not one."""
    if not (n.text.isdigit() and len(n.text) == 4 and n.text.endswith("0") and text[n.end:n.end + 1] == "s"
            and not text[n.end + 1:n.end + 2].isalnum()):
        return None
    first = int(n.text)
    return (first, first + 99) if n.text.endswith("00") else (first, first + 9)


def _compatible(d: Any, b: Any) -> bool:
    return (d.month == b.month and (d.day is None or b.day is None or d.day == b.day)
            and (d.year is None or b.year is None or d.year == b.year))


@dataclass(frozen=True)
class Misplaced:
    """A value of a claim that its supporting source sentence gives differently (claim offsets)."""

    start: int
    end: int
    text: str
    kind: str
    """``number`` or ``date``."""
    source_value: str
    """The value the source sentence states for the same thing."""


def misplaced_values(claim: str, supporting: list[str], published: str | None = None,
                     skip: frozenset[int] = frozenset(), article: Sequence[str] = ()) -> list[Misplaced]:
    """Values of ``claim`` that the article states, but not where the claim's words are: a
    supporting sentence that carries the value's local context (:func:`local_context`) states
    another value of the same measure and not this one ("cut its rate to 3.75 percent" where the
    article cut it to 3.5 percent and 3.75 was the old rate; "five members voted against" where
    two did). ``skip``: start offsets of values already found absent from the article.
    ``article``: all the article's sentences; a value that one of them states in the value's
    context is not misplaced, whichever sentences the claim was aligned to (a long claim's best
    sentences may all be about its other parts)."""
    out: list[Misplaced] = []
    supporting = [close_spaced_numbers(s) for s in supporting]
    for q in quantities(claim):
        if q.start in skip or (q.raw == 1 and not q.text[:1].isdigit()):
            continue
        ctx = local_context(claim, q.start, q.end)
        about = [quantities(s) for s in supporting if carries_context(ctx, s)]
        if any(same_quantity(x, q) for qs in about for x in qs):
            continue
        other = min((x for qs in about for x in qs if comparable(q, x)), key=lambda x: x.unit != q.unit, default=None)
        if other is not None and not any(carries_context(ctx, s) and any(same_quantity(x, q) for x in quantities(s))
                                         for s in map(close_spaced_numbers, article)):
            out.append(Misplaced(q.start, q.end, q.text, "number", other.text))
    for d in dates(claim):
        if d.start in skip or d.day is None:
            continue
        mine = resolve_year(d, published)
        ctx = local_context(claim, d.start, d.end)
        about = [[resolve_year(x, published) for x in dates(s)] for s in supporting if carries_context(ctx, s)]
        if any(same_date(mine, x) for xs in about for x in xs):
            continue
        other = next((x for xs in about for x in xs if x.day is not None), None)
        if other is not None and not any(carries_context(ctx, s) and any(same_date(mine, resolve_year(x, published))
                                                                         for x in dates(s)) for s in article):
            out.append(Misplaced(d.start, d.end, d.text, "date", other.text))
    return out
