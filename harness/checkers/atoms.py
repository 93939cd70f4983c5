"""Atoms: the parts of a statement a reader checks one by one: its quantities (value, unit,
approximation) and its dates (normalised, a partial date resolved against the publication date).

One reading serves both scorers, so that their verdicts never contradict each other: the fact
coverage scorer requires every atom of a gold fact in the summary (a different value is a
contradiction), and the hallucination scorer accepts a claim's quantity exactly when the article
states it in the same sense (:func:`same_quantity`).

- A quantity is a number with the unit of measure that follows it ("2.1 million tonnes" ->
  2,100,000 ``ton``; "34 percent" -> 34 ``percent``; "$214 million" -> ``dollar``; "a third" ->
  1/3 ``fraction``) or, for a count, the noun it counts ("five members"), approximate when hedged
  ("about", "roughly", "nearly" ...) or when it is a fraction word.
- Two quantities agree when their units are compatible (equal, one of them unitless, or a
  fraction and a percentage) and their values are equal, or within
  :data:`APPROXIMATE_TOLERANCE` when either is approximate.
- A date agrees with another when every part both state is equal; a date without a year is
  read in the year that puts it nearest the publication date.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from ..records import Span
from ..numbers import NUMBER_WORDS, RANGE_JOIN, numbers
from ..text import STOPWORDS, WEEKDAY, DateMention, dates, stem, weekday_dates
from .context import carries_context, clauses, context_words, local_context

APPROXIMATE_TOLERANCE = 0.05
"""How far (relative) a value may be from an approximate one ("about 38 kilometres": 38.5
agrees, 41 does not)."""

_HEDGE = re.compile(r"\b(?:about|around|roughly|approximately|nearly|almost|some|close\s+to|just\s+(?:over|under)|"
                    r"more\s+than|less\s+than|over|under|up\s+to|at\s+least|an\s+estimated|circa|c\.)\s+\$?$",
                    re.IGNORECASE)
_UNIT_WORD = re.compile(r"[\s-]*(?:(?:of|a|an|per)\s+)?(?:percentage[\s-]+(?=points?\b))?([A-Za-z]+)")
_OF_A_UNIT = re.compile(r"\s+of\s+an?\s+(?:percentage[\s-]+(?=points?\b))?([A-Za-z]+)")
"""What makes a fraction a measurement: "three-tenths of a percentage point" is 0.3 points."""
UNIT_SPELLINGS = {
    "metre": "meter", "kilometre": "kilometer", "km": "kilometer", "kms": "kilometer", "litre": "liter",
    "kg": "kilogram", "kilo": "kilogram", "feet": "foot", "tonne": "ton", "mm": "millimeter",
    "millimetre": "millimeter", "cm": "centimeter", "centimetre": "centimeter", "m": "meter",
    "mi": "mile", "lb": "pound", "lbs": "pound", "cent": "percent", "pct": "percent", "%": "percent",
    "usd": "dollar", "eur": "euro", "gbp": "pound", "hr": "hour", "hrs": "hour", "min": "minute",
    "mins": "minute", "sec": "second", "secs": "second", "yr": "year", "yrs": "year",
}
"""Spellings and abbreviations of one unit (international units and their common short forms)."""
MEASURES = frozenset("""second minute hour day week month year decade century mile kilometer meter foot inch yard
acre hectare liter gallon ton kilogram gram pound ounce millimeter centimeter dollar euro yen yuan franc rupee
percent point degree""".split())
"""Units of measure (time, length, area, volume, mass, money, shares): a number followed by one
is a measurement in that unit; any other following noun is what the number counts."""
_IN_BASE = {"decade": ("year", 10.0), "century": ("year", 100.0), "week": ("day", 7.0),
            "kilometer": ("meter", 1000.0), "centimeter": ("meter", 0.01), "millimeter": ("meter", 0.001),
            "kilogram": ("gram", 1000.0), "ton": ("gram", 1e6)}
"""Units stated as a multiple of another of the same measure ("four decades" = 40 years)."""
_CURRENCY = {"$": "dollar", "\u20ac": "euro", "\u00a3": "pound", "\u00a5": "yen"}
"""Currency signs written before a number ("$214 million")."""
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b", re.IGNORECASE)
_SCALE_WORDS = frozenset({"hundred", "thousand", "million", "billion", "trillion", "bn", "m", "k"})


@dataclass(frozen=True)
class Quantity:
    """A number as a reader takes it: value, unit, and whether it is hedged."""

    start: int
    end: int
    text: str
    value: float
    """Scaled value ("2.1 million" -> 2100000.0); a fraction word as its share (1/3)."""
    raw: float
    """The value before scaling ("2.1 million" -> 2.1)."""
    unit: str
    """Normalised unit of measure that follows (:data:`MEASURES`; "tonnes" -> "ton"), ``percent``,
    ``fraction`` or "" (a count)."""
    noun: str
    """For a count: the stem of the word that follows ("five members" -> "member"), else ""."""
    approximate: bool
    year_like: bool
    """Four digits between 1900 and 2099 (read as a year, compared only with years)."""


@dataclass(frozen=True)
class Atoms:
    """What a statement asserts that a reader checks as values."""

    quantities: tuple[tuple[Quantity, ...], ...]
    """Each required quantity with its alternatives ("34 percent (about a third)": both forms)."""
    dates: tuple[DateMention, ...]
    """Each required date, its year resolved against the publication date where it had none."""

    def __bool__(self) -> bool:
        return bool(self.quantities or self.dates)


def unit_of(word: str) -> str:
    """The normalised unit of a word that follows a number ("tonnes" -> "ton", "%" -> "percent")."""
    w = word.lower()
    one = w[:-1] if w.endswith("s") and len(w) > 3 and not w.endswith("ss") else w
    one = w[:-3] + "y" if w.endswith("ies") and w[:-3] + "y" in MEASURES else one  # centuries
    return UNIT_SPELLINGS.get(w) or UNIT_SPELLINGS.get(one) or (one if one in MEASURES else stem(w))


@lru_cache(maxsize=32768)
def quantities(text: str) -> tuple[Quantity, ...]:
    """Quantities of ``text`` (numbers inside dates are left to :func:`dates`), in order."""
    in_dates = [(d.start, d.end) for d in dates(text)]
    out: list[Quantity] = []
    for n in numbers(text):
        if any(s <= n.start < e for s, e in in_dates) or _ORDINAL.match(text, n.end):
            continue
        approx = bool(_HEDGE.search(text[max(0, n.start - 24):n.start]))
        if n.fraction:  # a share ("a third", about 33 percent), or a part of a unit
            of = _OF_A_UNIT.match(text, n.end)
            unit = unit_of(of.group(1)) if of and unit_of(of.group(1)) in MEASURES else "fraction"
            out.append(Quantity(n.start, n.end, n.text, n.value, n.raw, unit, "", approx or unit == "fraction", False))
            continue
        word = "percent" if n.percent else _following_word(text, n.end)
        unit = word if word in MEASURES else _CURRENCY.get(text[max(0, n.start - 1):n.start], "")
        year_like = n.text.isdigit() and len(n.text) == 4 and 1900 <= n.raw <= 2099
        out.append(Quantity(n.start, n.end, n.text, n.value, n.raw, unit, "" if unit else word, approx, year_like))
    for k in range(len(out) - 1):
        a, b = out[k], out[k + 1]
        if (text[a.end:b.start] == "-" and a.text.isdigit() and b.text.isdigit() and not b.unit
                and abs(b.value - b.raw) < 1e-12):  # a score or a vote: "4-3" (not "10-15 percent")
            out[k], out[k + 1] = replace(a, unit="", noun="tally"), replace(b, unit="", noun="tally")  # "won 4-3"
        elif RANGE_JOIN.fullmatch(text, a.end, b.start) and abs(a.value - a.raw) < 1e-12:
            scale = b.value / b.raw if b.raw else 1.0  # "1.8-2.5 million euros": 1.8 million euros to 2.5 million
            out[k] = replace(a, value=a.raw * scale, unit=a.unit or b.unit, noun=a.noun or b.noun)
    return tuple(sorted(out, key=lambda q: q.start))


def _following_word(text: str, end: int) -> str:
    """The word after a number, normalised (:func:`unit_of`), past a scale word ("million") and
    "of"; "" when it is a stopword or a number."""
    m = _UNIT_WORD.match(text, end)
    while m is not None and m.group(1).lower() in _SCALE_WORDS:
        m = _UNIT_WORD.match(text, m.end())
    if m is None:
        return ""
    word = m.group(1)
    if word.lower() in STOPWORDS or word.lower() in NUMBER_WORDS:
        return ""
    return unit_of(word)


def comparable(a: Quantity, b: Quantity) -> bool:
    """Whether a different value of ``b`` is another value of the same measure as ``a`` (one that
    contradicts it): both with the same unit, or both shares (a percentage, a fraction)."""
    shares = {"percent", "fraction"}
    if a.year_like != b.year_like:
        return False
    if a.unit or b.unit:
        return bool(a.unit and b.unit) and (_base(a.unit) == _base(b.unit) or {a.unit, b.unit} <= shares)
    return bool(a.noun) and a.noun == b.noun  # counts of the same thing ("five members", "two members")


def compatible_units(a: Quantity, b: Quantity) -> bool:
    """Whether two quantities can state the same thing: the same unit, one unitless, or a
    percentage and a fraction; a year is only ever a year."""
    if a.year_like != b.year_like:
        return False
    shares = {"percent", "fraction"}
    if a.unit in shares and b.unit in shares:
        return True
    if not a.unit or not b.unit:
        return (a.unit or b.unit) not in shares  # a percentage is never a bare count
    return _base(a.unit) == _base(b.unit)


def same_quantity(a: Quantity, b: Quantity) -> bool:
    """Whether ``b`` states the quantity ``a`` states (see the module docstring)."""
    if not compatible_units(a, b):
        return False
    x, y = _in_common_unit(a, b)
    if abs(x - y) <= 1e-9 * max(1.0, abs(x)):
        return True
    if a.unit == b.unit and abs(a.raw - b.raw) <= 1e-9 and not a.year_like:
        return True  # "2.1 million" against a bare "2.1" of the same unit
    if a.approximate or b.approximate:
        return abs(x - y) <= APPROXIMATE_TOLERANCE * max(abs(x), abs(y))
    return False


def _contradiction(total: int, found: int, clause: Span, start: int, text: str, fact_text: str) -> AtomCheck:
    s = clause.start + start
    return AtomCheck(total, found, (), Span(s, s + len(text), text), f"states {text!r} where the fact has {fact_text!r}")


def _base(unit: str) -> str:
    """The unit a unit is a multiple of (:data:`_IN_BASE`), or the unit itself."""
    return _IN_BASE.get(unit, (unit, 1.0))[0]


def _factor(unit: str) -> float:
    """How many of its base unit one ``unit`` is (1 for a base unit)."""
    return _IN_BASE.get(unit, (unit, 1.0))[1]


def _in_common_unit(a: Quantity, b: Quantity) -> tuple[float, float]:
    x, y = a.value, b.value
    if a.unit and b.unit and a.unit != b.unit:  # "four decades" against "40 years"
        x, y = x * _factor(a.unit), y * _factor(b.unit)
    if a.unit == "fraction" and b.unit == "percent":
        x *= 100
    elif b.unit == "fraction" and a.unit == "percent":
        y *= 100
    return x, y


def resolve_year(d: DateMention, published: str | None) -> DateMention:
    """``d`` with its year filled in from ``published`` (ISO) when it has none: the year that
    puts it nearest the publication date. Unchanged when it has a year or ``published`` is
    unknown."""
    pub = _iso(published)
    if d.year is not None or pub is None:
        return d
    best = None
    for year in (pub.year - 1, pub.year, pub.year + 1):
        try:
            day = datetime.date(year, d.month, d.day or 15)
        except ValueError:
            continue
        if best is None or abs((day - pub).days) < abs((datetime.date(best, d.month, d.day or 15) - pub).days):
            best = year
    return DateMention(d.start, d.end, d.text, best, d.month, d.day) if best is not None else d


def _iso(published: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat((published or "")[:10])
    except ValueError:
        return None


def weekday_naming(target: DateMention, summary: str, published: str | None) -> Span | None:
    """The first weekday of ``summary`` that can mean the full date ``target`` in a text published
    on ``published`` (the nearest such day on or before it, or on or after it); None without one."""
    pub = _iso(published)
    if pub is None or target.year is None or target.day is None:
        return None
    try:
        day = datetime.date(target.year, target.month, target.day)
    except ValueError:
        return None
    for w in WEEKDAY.finditer(summary):
        if day in weekday_dates(w.group(1), pub):
            return Span(w.start(), w.end(), w.group())
    return None


def same_date(a: DateMention, b: DateMention) -> bool:
    """Whether two dates can be the same day (every part both state is equal)."""
    return (a.month == b.month and (a.day is None or b.day is None or a.day == b.day)
            and (a.year is None or b.year is None or a.year == b.year))


COUNTED = re.compile(r"\b(?:the|these|those|all|both|its|their)\s+(?P<n>\w+)\s+(?P<what>[a-z]+s)\b", re.IGNORECASE)
"""A count of things the text refers back to ("the four countries", "their two sons")."""


@lru_cache(maxsize=65536)
def referring_counts(statement: str) -> frozenset[str]:
    """Number words (lower-cased) of the statement that count things it refers back to ("the four countries")."""
    return frozenset(m["n"].lower() for m in COUNTED.finditer(statement) if m["n"].lower() in NUMBER_WORDS)


@lru_cache(maxsize=8192)
def statement_atoms(statement: str, published: str | None = None, number: float | None = None,
                    date: str | None = None) -> Atoms:
    """The atoms of a gold statement, with its ``number`` and ``date`` hints: every quantity
    outside brackets (one in brackets is another form of the quantity before it: "34 percent
    (about a third)"), less the counts that only refer back ("the four countries"), and every
    date with a day or a year."""
    inner = [(m.start(), m.end()) for m in re.finditer(r"\([^()]*\)", statement)]
    counted = referring_counts(statement)
    groups: list[list[Quantity]] = []
    for q in quantities(statement):
        if q.text.lower() in counted or q.year_like or (q.raw == 1 and not q.text[:1].isdigit()):
            continue  # a count that refers back, a bare year (it dates the fact), "one" (mostly a pronoun)
        if any(s <= q.start < e for s, e in inner):
            if groups:
                groups[-1].append(q)
            continue
        groups.append([q])
    if number is not None and not any(abs(q.value - number) < 1e-9 or abs(q.raw - number) < 1e-9
                                      for g in groups for q in g):
        groups.append([Quantity(0, 0, f"{number:g}", float(number), float(number), "", "", False, False)])
    found = [resolve_year(d, published) for d in dates(statement) if d.day is not None or d.year is not None]
    if date:
        y, m, d = (int(p) for p in date.split("-"))
        hinted = DateMention(0, 0, date, y, m, d)
        found = [x for x in found if not same_date(x, hinted)] + [hinted]
    return Atoms(tuple(tuple(g) for g in groups), tuple(found))


@lru_cache(maxsize=8192)
def hint_atoms(statement: str, number: float | None = None, date: str | None = None) -> Atoms:
    """The atoms of a ``number`` and a ``date`` hint alone (a trap's, or a fact's): the number
    read with the unit and hedge the statement gives it ("about 2.1 million tonnes"), when the
    statement states it."""
    qs: tuple[tuple[Quantity, ...], ...] = ()
    if number is not None:
        stated = [q for q in quantities(statement) if abs(q.value - number) < 1e-9 or abs(q.raw - number) < 1e-9]
        qs = ((stated[0] if stated else Quantity(0, 0, f"{number:g}", float(number), float(number), "", "",
                                                  False, False),),)
    ds: tuple[DateMention, ...] = ()
    if date:
        y, m, d = (int(p) for p in date.split("-"))
        ds = (DateMention(0, 0, date, y, m, d),)
    return Atoms(qs, ds)


@dataclass(frozen=True)
class AtomCheck:
    """How a summary fares on a fact's atoms."""

    total: int
    found: int
    spans: tuple[Span, ...] = ()
    """Where the summary states the atoms it has."""
    contradiction: Span | None = None
    """Where the summary states another value of an atom, in a clause about the fact."""
    detail: str = ""

    @property
    def share(self) -> float:
        """Share of the atoms found (1.0 without atoms)."""
        return self.found / self.total if self.total else 1.0


def check_atoms(atoms: Atoms, summary: str, context: str, published: str | None = None) -> AtomCheck:
    """Which of ``atoms`` the summary states, and whether a clause of the summary that carries an
    atom's local context in ``context`` (the fact's statement: :func:`local_context`) states
    another value of the same measure instead (:func:`comparable`)."""
    total = len(atoms.quantities) + len(atoms.dates)
    if not total:
        return AtomCheck(0, 0)
    have_q = quantities(summary)
    have_d = [resolve_year(d, published) for d in dates(summary)]
    spans: list[Span] = []
    for alts in atoms.quantities:
        q = next((q for q in have_q if any(same_quantity(a, q) for a in alts)), None)
        if q is not None:
            spans.append(Span(q.start, q.end, q.text))
    for a in atoms.dates:
        d = next((d for d in have_d if same_date(a, d) and (d.day is not None or a.day is None)), None)
        where = Span(d.start, d.end, d.text) if d is not None else weekday_naming(a, summary, published)
        if where is not None:
            spans.append(where)
    found = len(spans)
    cuts = clauses(summary)
    for alts in atoms.quantities:
        want = _atom_context(context, alts[0])
        for clause in cuts:
            here = quantities(clause.text)
            if any(same_quantity(a, q) for a in alts for q in here) or not carries_context(want, clause.text):
                continue
            other = next((q for q in here if any(comparable(a, q) for a in alts)
                          and not any(same_quantity(b, q) for g in atoms.quantities for b in g)), None)
            if other is not None:  # another value of the same measure, and not the fact's other value
                return _contradiction(total, found, clause, other.start, other.text, alts[0].text)
    for a in atoms.dates:
        want = _atom_context(context, a)
        for clause in cuts:
            here_d = [(d, resolve_year(d, published)) for d in dates(clause.text)]
            if any(same_date(a, r) for _, r in here_d) or not carries_context(want, clause.text):
                continue
            other = next((d for d, r in here_d if (r.day is not None) == (a.day is not None)), None)
            if other is not None:
                return _contradiction(total, found, clause, other.start, other.text, a.text)
    return AtomCheck(total, found, tuple(spans))


def _atom_context(statement: str, atom: Quantity | DateMention) -> frozenset[str]:
    """The local context of an atom stated in ``statement``; the whole statement's content words
    for an atom it does not state (a hint's value) or whose local context is a single word."""
    if atom.end > atom.start and statement[atom.start:atom.end] == atom.text:
        local = local_context(statement, atom.start, atom.end)
        if len(local) >= 2:  # one word is too little to tell what the value is of
            return local
    return context_words(statement)
