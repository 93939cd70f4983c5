"""Exact matching of a gold fact's or trap's hints (``any_of``, ``all_of``, ``pattern``,
``date``, ``number``) against a summary, with the normalisation people expect: case,
diacritics, quotes, possessives and plurals, number words, dates in any common English form
(and weekdays, read against the article's publication date).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

from ..records import GoldFact, Span, Trap
from ..text import (NUMBER_WORDS, STOPWORDS, WEEKDAY, dates, fold, numbers, parse_iso_date, sentences, stem, tokens,
                    weekday_dates)

VERSION = "4"
"""Hint matching's version (scorer signatures carry it); 2: a weekday can match a ``date`` hint;
3: a ``number`` hint the statement gives as approximate ("about 38") accepts close values; 4:
another number contradicts a ``number`` hint only in a clause carrying the fact's words, and of
the same kind (percent or not)."""


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


# Demonyms that name one country unambiguously (folded stems -> the country's stem).
# Left out on purpose: American, Indian, Korean, Georgian, Dominican, Guinean, Congolese.
DEMONYMS: dict[str, str] = {
    "afghan": "afghanistan", "albanian": "albania", "algerian": "algeria", "argentine": "argentina",
    "argentinian": "argentina", "armenian": "armenia", "australian": "australia",
    "austrian": "austria", "azerbaijani": "azerbaijan", "bangladeshi": "bangladesh",
    "belarusian": "belarus", "belgian": "belgium", "bolivian": "bolivia", "bosnian": "bosnia",
    "brazilian": "brazil", "british": "britain", "bulgarian": "bulgaria", "cambodian": "cambodia",
    "canadian": "canada", "chilean": "chile", "chinese": "china", "colombian": "colombia",
    "croatian": "croatia", "cuban": "cuba", "cypriot": "cyprus", "czech": "czechia",
    "danish": "denmark", "dutch": "netherland", "ecuadorian": "ecuador", "egyptian": "egypt",
    "english": "england", "eritrean": "eritrea", "estonian": "estonia", "ethiopian": "ethiopia",
    "filipino": "philippin", "finnish": "finland", "french": "france", "german": "germany",
    "ghanaian": "ghana", "greek": "greece", "hungarian": "hungary", "icelandic": "iceland",
    "indonesian": "indonesia", "iranian": "iran", "iraqi": "iraq", "irish": "ireland",
    "israeli": "israel", "italian": "italy", "jamaican": "jamaica", "japanese": "japan",
    "jordanian": "jordan", "kazakh": "kazakhstan", "kenyan": "kenya", "kuwaiti": "kuwait",
    "latvian": "latvia", "lebanese": "lebanon", "libyan": "libya", "lithuanian": "lithuania",
    "malaysian": "malaysia", "maltese": "malta", "mexican": "mexico", "moldovan": "moldova",
    "mongolian": "mongolia", "moroccan": "morocco", "nepalese": "nepal", "nigerian": "nigeria",
    "norwegian": "norway", "pakistani": "pakistan", "palestinian": "palestine",
    "peruvian": "peru", "polish": "poland", "portuguese": "portugal", "qatari": "qatar",
    "romanian": "romania", "russian": "russia", "saudi": "saudi", "scottish": "scotland",
    "serbian": "serbia", "singaporean": "singapore", "slovak": "slovakia",
    "slovenian": "slovenia", "somali": "somalia", "spanish": "spain", "swedish": "sweden",
    "swiss": "switzerland", "syrian": "syria", "taiwanese": "taiwan", "thai": "thailand",
    "tunisian": "tunisia", "turkish": "turkey", "ukrainian": "ukraine", "uruguayan": "uruguay",
    "venezuelan": "venezuela", "vietnamese": "vietnam", "welsh": "wale", "yemeni": "yemen",
    "zimbabwean": "zimbabwe",
}
_DEMONYM_KEYS = {stem(k): stem(v) for k, v in DEMONYMS.items()}


def word_key(norm: str) -> str:
    """What two words must share to count as the same word in a hint: the light stem, with
    number words as digits ("four" -> "4", "4,000" -> "4000") and demonyms as their country
    ("Lithuanian" -> "lithuania")."""
    if norm in NUMBER_WORDS:
        return str(NUMBER_WORDS[norm])
    if norm[:1].isdigit():
        v = norm.replace(",", "")
        return v[:-2] if v.endswith(".0") else v
    st = stem(norm)
    return _DEMONYM_KEYS.get(st, st)


@lru_cache(maxsize=4096)
def _keys(text: str) -> tuple[str, ...]:
    """:func:`word_key` of each token of ``text``."""
    return tuple(word_key(t.norm) for t in tokens(text))


def find_phrase(phrase: str, text: str) -> Span | None:
    """First occurrence of ``phrase`` in ``text`` comparing word keys (see :func:`word_key`: so
    case, diacritics, possessives, plurals, "four"/"4" and unambiguous demonyms do not
    matter); None when absent."""
    want = _keys(phrase)
    if not want:
        return None
    have = tokens(text)
    keys = _keys(text)  # once per text: every hint of every fact searches the same summary
    n = len(want)
    for i in range(len(have) - n + 1):
        if keys[i:i + n] == want:
            s, e = have[i].start, have[i + n - 1].end
            return Span(s, e, text[s:e])
    return None


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def match_hints(item: GoldFact | Trap, summary: str, published: str | None = None) -> HintMatch | None:
    """Apply every hint of ``item`` to ``summary``; the best-scoring hint decides.
    ``published`` (the article's ISO publication date, when known) lets a ``date`` hint match a
    weekday ("ruled on Tuesday"). Returns None when ``item`` has no hints (the caller matches
    its statement instead)."""
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
        results.append(_date(item.date, summary, published))
    if item.number is not None:
        results.append(_number(float(item.number), summary, item.statement))
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


def _date(iso: str, summary: str, published: str | None = None) -> HintMatch:
    """``covered``: the same day in any form, or a weekday that names it (the nearest such day
    on or before, or on or after, the ``published`` date); ``contradicted``: another day (same
    or no year); ``partial`` (0.5): only the month (and year) of the right date; else ``missing``."""
    y, m, d = parse_iso_date(iso)
    mentions = dates(summary)
    for mention in mentions:
        if mention.agrees(y, m, d) and mention.day is not None:
            return HintMatch("covered", 1.0, Span(mention.start, mention.end, mention.text), "date")
    day = _weekday_naming(datetime.date(y, m, d), summary, published)
    if day is not None:
        return HintMatch("covered", 1.0, day, "date")
    for mention in mentions:
        if mention.day is not None and mention.year in (None, y) and not mention.agrees(y, m, d):
            return HintMatch("contradicted", 0.0, Span(mention.start, mention.end, mention.text), "date")
    for mention in mentions:
        if mention.day is None and mention.year == y and mention.month == m:
            return HintMatch("partial", 0.5, Span(mention.start, mention.end, mention.text), "date")
    return HintMatch("missing", 0.0, None, "date")


def _weekday_naming(target: datetime.date, summary: str, published: str | None) -> Span | None:
    """The first weekday of ``summary`` that can mean ``target`` for a text published on
    ``published`` (ISO; no match without it)."""
    try:
        pub = datetime.date.fromisoformat((published or "")[:10])
    except ValueError:
        return None
    for w in WEEKDAY.finditer(summary):
        if target in weekday_dates(w.group(1), pub):
            return Span(w.start(), w.end(), w.group())
    return None


_APPROXIMATELY = re.compile(r"\b(?:about|around|roughly|approximately|nearly|almost|some)\s+\$?$", re.IGNORECASE)
APPROXIMATE_TOLERANCE = 0.05
"""How far (relative) a summary's number may be from a ``number`` hint the statement gives as
approximate ("about 38 kilometres": 38.5 carries it; 41 does not)."""




def _number(value: float, summary: str, statement: str = "") -> HintMatch:
    """``covered`` when the summary states ``value`` (digits or words, scaled or not), or a
    value within :data:`APPROXIMATE_TOLERANCE` of it when the statement gives it as approximate;
    ``contradicted`` when a clause (:func:`_clauses`) carrying at least half (and two) of the
    statement's other content words states a different number of the same kind (a percentage
    for a percentage) instead; else ``missing``."""
    stated = [n for n in numbers(statement) if abs(n.value - value) < 1e-9 or abs(n.raw - value) < 1e-9]
    approximate = any(n.text[:1].isdigit() and abs(n.raw - value) < 1e-9 and _APPROXIMATELY.search(statement[:n.start])
                      for n in stated)  # "about 38", "roughly 8 percent"
    tolerance = APPROXIMATE_TOLERANCE * abs(value) if approximate else 1e-9
    for n in numbers(summary):
        if abs(n.value - value) <= tolerance or abs(n.raw - value) <= tolerance:
            return HintMatch("covered", 1.0, Span(n.start, n.end, n.text), "number")
    want = {word_key(t.norm) for t in tokens(statement)
            if t.norm not in STOPWORDS and not t.norm[:1].isdigit() and t.norm not in NUMBER_WORDS
            and t.norm not in _NUMBER_CONTEXT_NOISE}
    percent = stated[0].percent if stated else None
    if want:
        for clause in _clauses(summary):
            have = {word_key(t.norm) for t in tokens(clause.text)}
            nums = [n for n in numbers(clause.text) if (not (1900 <= n.raw <= 2099) or 1900 <= value <= 2099)
                    and (percent is None or n.percent == percent)]
            if nums and len(want & have) >= 0.5 * len(want) and len(want & have) >= min(2, len(want)):
                n = nums[0]
                s = clause.start + n.start
                return HintMatch("contradicted", 0.0, Span(s, s + len(n.text), n.text), "number")
    return HintMatch("missing", 0.0, None, "number")


_NUMBER_CONTEXT_NOISE = frozenset({"percent", "per", "cent", "million", "billion", "thousand", "dollars",
                                   "euros", "pounds", "up", "down", "from", "about", "around", "roughly"})
"""Words that go with any number ("up 18 percent"): no sign that a clause is about the fact's."""
_CLAUSE_END = re.compile(r"[,;:()\u2013\u2014]|\s-\s")


def _clauses(summary: str) -> list[Span]:
    """The summary's sentences cut at commas, semicolons, colons, brackets and dashes: a number
    contradicts a fact only where its own clause carries the fact's words."""
    out = []
    for sent in sentences(summary):
        start = sent.start
        for m in [*_CLAUSE_END.finditer(sent.text), None]:
            end = sent.start + (m.start() if m else len(sent.text))
            if summary[start:end].strip():
                out.append(Span(start, end, summary[start:end]))
            start = sent.start + m.end() if m else end
    return out
