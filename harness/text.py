"""Text utilities shared by loaders, summarizers and checkers: sentences with offsets,
normalisation (case, diacritics, quotes, possessives, plurals), numbers and dates.

All functions are pure and deterministic; offsets always index the string passed in.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .records import Span

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp",
    "gov", "gen", "col", "lt", "sgt", "capt", "rep", "sen", "no", "fig", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "e.g", "i.e",
    "a.m", "p.m", "approx", "dept", "est", "mt", "ft",
}
_SENT_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+|$)|\n\s*\n|\n""")


def sentences(text: str) -> list[Span]:
    """Split ``text`` into sentences with exact character offsets (empty ones dropped).

    Splits on ``. ! ?`` followed by space, and on line breaks; keeps common abbreviations
    ("Mr.", "U.S.", "Jan.") and decimal numbers together."""
    spans: list[Span] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        piece = text[start:end]
        if m.group().startswith((".",)) and "\n" not in m.group():
            word = re.search(r"([\w.]+)\.+[\"'”’)\]]*$", piece)
            if word:
                w = word.group(1).lower()
                if w in _ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                    continue
            nxt = text[end:end + 3].lstrip()
            if nxt[:1].islower():
                continue
        _add(spans, text, start, end)
        start = end
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[Span], text: str, start: int, end: int) -> None:
    raw = text[start:end]
    lead = len(raw) - len(raw.lstrip())
    trail = len(raw) - len(raw.rstrip())
    s, e = start + lead, end - trail
    if e > s:
        spans.append(Span(s, e, text[s:e]))


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})


def fold(text: str) -> str:
    """Case-fold, strip diacritics and unify quotes and dashes; same length as ``text``
    whenever every character folds to one character (so offsets can be reused)."""
    text = text.translate(_QUOTES)
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


@lru_cache(maxsize=None)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in base if not unicodedata.combining(c)) or ch
    low = base.lower()
    return low if len(low) == 1 else ch.lower()[:1] or ch


_WORD = re.compile(r"[A-Za-z\u00C0-\u024F0-9]+(?:['’][A-Za-z]+)?(?:[.,][0-9]+)*")


@dataclass(frozen=True)
class Token:
    """A word of a text: its offsets, folded form and light stem."""

    start: int
    end: int
    norm: str
    stem: str


CACHED_CHARS = 2000
"""Texts up to this long (sentences, summaries) keep their tokens and numbers in a per-process
cache; longer ones (article bodies, whose consumers cache their own results) do not, so the
caches stay small however many articles a process scores."""
TOKENIZED_KEPT = 2048
"""Distinct short texts whose tokens a process keeps, the most recently used: reuse is within an
article's batch. Scoring 16x the news articles (``benchmarks/perf/scaling.py``'s set, 416 summaries),
2,048 made 15,076 tokenisations against 8,925 at 32,768, in the same time, and a peak 28 MiB lower
(216 against 244 MiB): a long summary's tokens weigh about 3 KiB."""
BODIES_CACHED = 64
"""Article bodies whose derived data (idf, sentence stems, squashed text) a process keeps: a
batch's worth (more would grow memory with every article scored)."""


def tokens(text: str) -> list[Token]:
    """Words of ``text`` with offsets, folded (see :func:`fold`) and stemmed (see :func:`stem`)."""
    return list(_tokens(text) if len(text) <= CACHED_CHARS else _tokens.__wrapped__(text))


@lru_cache(maxsize=TOKENIZED_KEPT)
def _tokens(text: str) -> tuple[Token, ...]:
    return tuple(Token(m.start(), m.end(), m.group(), stem(m.group())) for m in _WORD.finditer(fold(text)))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light, predictable stem: drops possessives and common plural/verb endings."""
    w = re.sub(r"'s?$", "", word.lower())
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if w.endswith(suffix):
            return w[: -len(suffix)] + repl
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 2 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    return w


STOPWORDS = frozenset("""
a an the and or but if of to in on at by for with from as into onto over under about after before
than then that this these those there here is are was were be been being am do does did doing
have has had having will would shall should can could may might must not no nor so such too very
it its it's he him his she her hers they them their theirs we us our ours you your yours i me my
who whom whose which what when where why how all any both each few more most other some own same
only just also up down out off again further once s t said says say according while during until
per via upon within without against between through among across toward towards
because since although though whereas unless
""".split())


def content_stems(text: str) -> list[str]:
    """Stems of the non-stopword words of ``text`` (numbers kept)."""
    return [t.stem for t in tokens(text) if t.norm not in STOPWORDS]


_DOTTED = re.compile(r"(?<![\w.])((?:[A-Za-z]\. ?){1,}[A-Za-z]\.)(?![\w])")
"""A dotted abbreviation in running text: "U.S.", and "U. S." as some data sets write it."""
_CAPITALS = re.compile(r"\b[A-Z]{2,5}\b")
_INITIALLED = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+){1,3}\b")
ABBREVIATION = "abbr:"
"""Prefix of an abbreviation's key (:func:`abbreviation_key`), which no word's stem has."""


def abbreviation_key(word: str) -> str | None:
    """The key of a dotted abbreviation ("U.S.", "u.k."): its letters, lower-cased, after
    :data:`ABBREVIATION`; None for any other word. Its letters alone are no support for it:
    "U.S." is neither the "U" of "U.K." nor the pronoun "us"."""
    letters = word.replace(".", "")
    if len(letters) < 2 or not _DOTTED.fullmatch(word.rstrip(".") + "."):
        return None
    return ABBREVIATION + letters.lower()


def abbreviation_keys(text: str) -> set[str]:
    """Keys of what ``text`` abbreviates or could be abbreviated as: dotted abbreviations
    ("U.S.", "U. S."), words in capitals ("US", "NATO") and the initials of capitalised names
    ("United States", "Bank of England": "BE" and "BOE")."""
    keys = {ABBREVIATION + m.group(1).replace(".", "").replace(" ", "").lower() for m in _DOTTED.finditer(text)}
    keys |= {ABBREVIATION + m.group().lower() for m in _CAPITALS.finditer(text)}
    for m in _INITIALLED.finditer(text):
        words = m.group().split()
        for k, first in enumerate(words):  # "The United States": "TUS" and "US"
            caps = [w for w in words[k:] if w != "of"]
            if first != "of" and len(caps) >= 2:
                keys.add(ABBREVIATION + "".join(w[0] for w in caps).lower())
                keys.add(ABBREVIATION + "".join(w[0] for w in words[k:]).lower())
    return keys


# ---------------------------------------------------------------- dates
MONTHS = {m: i + 1 for i, m in enumerate(
    "january february march april may june july august september october november december".split())}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9
_MON = r"(?P<mon>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?"
_DATE_RES = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(_MON.replace("(?P<mon>", r"\b(?P<mon>") + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y>\d{4})\b)?", re.I),
    re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MON + r"(?:,?\s+(?P<y>\d{4})\b)?", re.I),
    re.compile(r"\b" + _MON + r"\s+(?P<y>\d{4})\b", re.I),
]


@dataclass(frozen=True)
class DateMention:
    """A date stated in text; ``year`` or ``day`` may be unknown (None)."""

    start: int
    end: int
    text: str
    year: int | None
    month: int
    day: int | None

    def agrees(self, year: int, month: int, day: int | None) -> bool:
        """True when this mention is compatible with the given date (unknown parts match)."""
        return (self.month == month and (self.day is None or day is None or self.day == day)
                and (self.year is None or self.year == year))


def dates(text: str) -> list[DateMention]:
    """Dates in ``text`` ("March 18, 2025", "18 March", "2025-03-18", "March 2025")."""
    found: list[DateMention] = []
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            if any(d.start <= m.start() < d.end or m.start() <= d.start < m.end() for d in found):
                continue
            g = m.groupdict()
            if g.get("mon") == "may":  # lower-case "may" is nearly always the verb
                continue
            month = int(g["m"]) if g.get("m") else MONTHS.get(g["mon"].lower().rstrip("."), 0)
            day = int(g["d"]) if g.get("d") else None
            year = int(g["y"]) if g.get("y") else None
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            found.append(DateMention(m.start(), m.end(), m.group(), year, month, day))
    found.sort(key=lambda d: d.start)
    return found


def parse_iso_date(value: str) -> tuple[int, int, int]:
    """Parse ``YYYY-MM-DD`` strictly (raises ValueError on an impossible date)."""
    d = datetime.date.fromisoformat(value)
    return d.year, d.month, d.day


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
"""A weekday name, capitalised as English writes it (group 1: the name)."""


def weekday_dates(name: str, published: datetime.date) -> set[datetime.date]:
    """The calendar dates a weekday named in a news text published on ``published`` can mean:
    the nearest such day on or before that date, and the nearest on or after it."""
    back = (published.weekday() - WEEKDAYS.index(name)) % 7
    return {published - datetime.timedelta(days=back), published + datetime.timedelta(days=(7 - back) % 7)}
