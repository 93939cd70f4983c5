"""Numbers as a reader takes them from text: digits ("1,200", "3.5 percent", "$214 million")
and English number words ("forty-one point eight", "two hundred and fourteen million"), with
their spans and values, shared by coverage and the hallucination checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .text import CACHED_CHARS

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
           "trillion": 1_000_000_000_000, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
NUMBER_WORDS = {**_UNITS, **_TENS}
_NUM_RE = re.compile(
    r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s*(?P<pct>%|percent\b|per cent\b))?"
    r"(?:\s*(?P<scale>hundred|thousand|million|billion|trillion|bn|m|k)\b)?",
    re.IGNORECASE,
)
_BIG = {w: _SCALES[w] for w in ("thousand", "million", "billion", "trillion")}
"""The scale words that close a group of a cardinal written in words."""
_DIGIT_WORDS = tuple(_UNITS)[:10]
"""zero to nine: the words "point" reads as decimals."""
_NUMBER_WORD = r"(?:" + "|".join(sorted([*NUMBER_WORDS, "hundred", *_BIG], key=len, reverse=True)) + r")"
_WORDNUM_RE = re.compile(
    r"\b" + _NUMBER_WORD + r"(?:(?:[- ]|\s+and\s+)" + _NUMBER_WORD + r")*"
    r"(?:\s+point(?:\s+(?:" + "|".join(_DIGIT_WORDS) + r"))+)?"
    r"(?:\s+and\s+a\s+half)?(?:[- ](?:" + "|".join(_BIG) + r"))?\b",
    re.IGNORECASE,
)
"""A run of number words ("two hundred and fourteen million", "forty-one point eight",
"thirty-three and a half"), read into one or more cardinals by :func:`_cardinals`."""
_PART = re.compile(r"[a-z]+", re.IGNORECASE)
_DENOMINATORS = {"half": 2, "halve": 2, "third": 3, "quarter": 4, "fifth": 5, "sixth": 6, "seventh": 7,
                 "eighth": 8, "ninth": 9, "tenth": 10, "hundredth": 100, "thousandth": 1000}
_FRACTION_RE = re.compile(
    r"\b(?P<n>an?|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?P<join>-|\s+)(?P<d>"
    + "|".join(sorted(_DENOMINATORS, key=len, reverse=True)) + r")(?P<plural>s?)\b(?P<after>[\s-]*(?:[a-z]+|\d)?)",
    re.IGNORECASE)
"""A fraction in words: a count word ("a", "one", "three") and an ordinal denominator ("third",
"tenths"). Read as one when hyphenated ("three-tenths"), before "of" ("two thirds of"), or as "a"
and the denominator at the end of a phrase or before a comparison ("fell by a third.", "a third
smaller"); not "a third term" (an ordinal), "the last two quarters" (periods) or the "a half" of
"a century and a half"."""
_COMPARED = frozenset("""more less fewer below above under over up down lower higher smaller larger bigger
greater""".split())
"""Words of comparison after which "a third" is a share ("a third smaller", "a quarter below")."""


class _Cardinal:
    """One English cardinal being read word by word: "hundred" multiplies the open group, each
    larger scale word closes it ("eighteen thousand four hundred" = 18,400), "point" reads the
    digit words after it as decimals, "and a half" adds 0.5."""

    def __init__(self) -> None:
        self.closed = 0.0  # the groups a scale word closed ("eighteen thousand")
        self.group = 0.0  # the open group, below 1,000
        self.scale = 0.0  # the last scale word that closed a group
        self.last = ""  # the kind of the last word read

    def take(self, words: list[str], j: int) -> int:
        """Read ``words[j]`` (with the words it needs after it) into the number; the index after
        what was read, or ``j`` when the word cannot extend the number."""
        w, nxt = words[j], words[j + 1] if j + 1 < len(words) else ""
        counted = self.last in ("unit", "teen", "tens", "hundred")
        if w in _UNITS and (self.last in ("", "hundred", "scale", "and")
                            or (self.last == "tens" and 0 < _UNITS[w] < 10)):
            self.group, self.last = self.group + _UNITS[w], "unit" if _UNITS[w] < 10 else "teen"
        elif w in _TENS and self.last in ("", "hundred", "scale", "and"):
            self.group, self.last = self.group + _TENS[w], "tens"
        elif w == "hundred" and counted and self.last != "hundred" and self.group < 100:
            self.group, self.last = self.group * 100, "hundred"
        elif w in _BIG and (counted or self.last in ("point", "half")) and (not self.scale or _BIG[w] < self.scale):
            self.closed, self.group, self.scale, self.last = self.closed + self.group * _BIG[w], 0.0, _BIG[w], "scale"
        elif w == "and" and nxt in NUMBER_WORDS and self.last in ("hundred", "scale"):
            self.last = "and"
        elif w == "and" and counted and words[j + 1:j + 3] == ["a", "half"]:
            self.group, self.last = self.group + 0.5, "half"
            return j + 3
        elif w == "point" and counted and nxt in _DIGIT_WORDS:
            k = j + 1
            while k < len(words) and words[k] in _DIGIT_WORDS:
                k += 1
            self.group += float("0." + "".join(str(_UNITS[d]) for d in words[j + 1:k]))
            self.last = "point"
            return k
        else:
            return j
        return j + 1

    def value_and_raw(self) -> tuple[float, float]:
        """The value, and the value before a closing scale word ("two hundred and fourteen
        million": 214, as for digits: "214 million")."""
        value = self.closed + self.group
        if self.last == "scale" and value / self.scale < 1000:
            return value, value / self.scale
        return value, value


def _cardinals(run: str) -> list[tuple[int, int, float, float]]:
    """The cardinals a run of number words holds, as ``(start, end, value, raw)`` relative to
    the run. A word that cannot extend the number read so far ("six three") starts the next one;
    a scale word or "and" never starts one."""
    spans = [(m.start(), m.end()) for m in _PART.finditer(run)]
    words = [run[s:e].lower() for s, e in spans]
    out = []
    k = 0
    while k < len(words):
        if words[k] not in NUMBER_WORDS:
            k += 1
            continue
        reader, j = _Cardinal(), k
        while j < len(words) and (after := reader.take(words, j)) != j:
            j = after
        out.append((spans[k][0], spans[j - 1][1], *reader.value_and_raw()))
        k = j
    return out


@dataclass(frozen=True)
class NumberMention:
    """A number stated in text: its span and value (scaled: "1.5 billion" -> 1.5e9)."""

    start: int
    end: int
    text: str
    value: float
    raw: float
    """The value before scaling ("1.5 billion" -> 1.5)."""
    percent: bool = False
    fraction: bool = False
    """A fraction in words ("two-thirds": value 2/3)."""


def _fractions(text: str) -> list[NumberMention]:
    out = []
    for m in _FRACTION_RE.finditer(text):
        after = m["after"].strip(" -").lower()
        n = m["n"].lower()
        if m["join"] != "-" and after != "of" and (n not in ("a", "an") or after and after not in _COMPARED):
            continue  # "a third term": an ordinal; "the last two quarters": periods
        if n in ("a", "an") and text[:m.start()].rstrip().lower().endswith(" and"):
            continue  # "a century and a half": part of a mixed quantity
        share = (1 if n in ("a", "an") else NUMBER_WORDS[n]) / _DENOMINATORS[m["d"].lower()]
        out.append(NumberMention(m.start(), m.end("plural"), text[m.start():m.end("plural")], share, share,
                                 fraction=True))
    return out


def numbers(text: str) -> list[NumberMention]:
    """Numbers in ``text``, as digits or English words, with spans. Years (1900-2099)
    written as four digits are included; callers that want to ignore them check ``raw``."""
    return list(_numbers(text) if len(text) <= CACHED_CHARS else _numbers.__wrapped__(text))


@lru_cache(maxsize=32768)
def _numbers(text: str) -> tuple[NumberMention, ...]:
    found: list[NumberMention] = []
    taken: list[tuple[int, int]] = []
    for m in _NUM_RE.finditer(text):
        raw = float(m.group("num").replace(",", ""))
        scale = _SCALES.get((m.group("scale") or "").lower(), 1)
        found.append(NumberMention(m.start(), m.end(), m.group(), raw * scale, raw, bool(m.group("pct"))))
        taken.append((m.start(), m.end()))
    fractions = _fractions(text)
    taken += [(f.start, f.end) for f in fractions]
    found += fractions
    for m in _WORDNUM_RE.finditer(text):
        if any(s <= m.start() < e for s, e in taken):
            continue
        for s0, e0, value, raw in _cardinals(m.group()):
            found.append(NumberMention(m.start() + s0, m.start() + e0, text[m.start() + s0:m.start() + e0],
                                       value, raw))
    found.sort(key=lambda n: n.start)
    return tuple(found)


def number_values(text: str) -> set[float]:
    """All values a reader could take from ``text``'s numbers (scaled and unscaled)."""
    vals: set[float] = set()
    for n in numbers(text):
        vals.add(round(n.value, 6))
        vals.add(round(n.raw, 6))
    return vals


RANGE_JOIN = re.compile(r"\s*(?:-|\u2013|to|and)\s*")
"""Between the two ends of a range ("1.8 to 2.5 million", "between 420 and 750 metres", "10-12")."""
_PAIR_JOIN = re.compile(r"\s*(?:-|\u2013|to|[a-z]+\s+to)\s*", re.IGNORECASE)


@lru_cache(maxsize=1024)
def number_pairs(text: str) -> frozenset[tuple[float, float]]:
    """The values of numbers written as a pair: a score, a vote or a range in any form ("6-3",
    "six to three", "six votes to three")."""
    ns = numbers(text)
    return frozenset((round(a.value, 6), round(b.value, 6)) for a, b in zip(ns, ns[1:])
                     if _PAIR_JOIN.fullmatch(text, a.end, b.start))


_SPACED_SEPARATOR = re.compile(r"(?<=\d)([,.]) (?=\d)")


def close_spaced_numbers(text: str) -> str:
    """``text`` with the numbers a tokenise-then-join pipeline wrote with a space after their
    separator ("235, 000") closed up ("235,000")."""
    return _SPACED_SEPARATOR.sub(r"\1", text) if _SPACED_SEPARATOR.search(text) else text


def spaced_number_values(text: str) -> set[float]:
    """The values of numbers that a tokenise-then-join pipeline wrote with a space after their
    separator ("235, 000", "7. 8 per cent", as in the CNN/DM articles some data sets ship), read
    with the space closed; empty when ``text`` has none. Meant for a source's known values, next
    to :func:`number_values`: a "2015. 8" across two sentences only adds a value to the set."""
    if not _SPACED_SEPARATOR.search(text):
        return set()
    return number_values(_SPACED_SEPARATOR.sub(r"\1", text))
