"""Exact matching of a gold fact's or trap's hints (``any_of``, ``all_of``, ``pattern``,
``date``, ``number``) against a summary, with the normalisation people expect: case,
diacritics, quotes, possessives and plurals, number words, dates in any common English form
(and weekdays, read against the article's publication date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..records import GoldFact, Span, Trap
from ..numbers import NUMBER_WORDS
from ..text import fold, stem, tokens
from .atoms import AtomCheck, check_atoms, hint_atoms

VERSION = "5"
"""Hint matching's version (scorer signatures carry it); 2: a weekday can match a ``date`` hint;
3: a ``number`` hint the statement gives as approximate ("about 38") accepts close values; 4:
another number contradicts a ``number`` hint only in a clause carrying the fact's words, and of
the same kind (percent or not); 5: every hint is a requirement (all must be met), and ``number``
and ``date`` are read as atoms (:mod:`harness.checkers.atoms`: units, hedges, years resolved
against the publication date)."""


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
    """Apply every hint of ``item`` to ``summary``: each hint is a requirement, so the item is
    ``covered`` only when every hint is met, ``contradicted`` when the summary states another
    value for its ``number`` or ``date`` (:mod:`harness.checkers.atoms`), ``partial`` when some
    hints are met (score: their mean), else ``missing``. ``published`` (the article's ISO
    publication date, when known) resolves dates without a year and lets a ``date`` hint match a
    weekday ("ruled on Tuesday"). Returns None when ``item`` has no hints (the caller matches its
    statement instead)."""
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
    if item.date or item.number is not None:
        results.append(_values(item, summary, published))
    return combine(results)


def combine(results: list[HintMatch]) -> HintMatch:
    """One verdict from several requirements (see :func:`match_hints`); the span is the first
    met requirement's."""
    if len(results) == 1:
        return results[0]
    bad = next((r for r in results if r.status == "contradicted"), None)
    if bad is not None:
        return bad
    method = "+".join(r.method for r in results)
    score = sum(r.score for r in results) / len(results)
    span = next((r.span for r in results if r.score > 0 and r.span is not None), None)
    if all(r.status == "covered" for r in results):
        return HintMatch("covered", 1.0, span, method)
    return HintMatch("partial" if score > 0 else "missing", round(score, 6), span if score > 0 else None, method)


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


def _values(item: GoldFact | Trap, summary: str, published: str | None) -> HintMatch:
    """The ``number`` and ``date`` hints, read as atoms: ``covered`` when the summary states each
    value in an equivalent form (digits or words, scaled or not, within 5% when the statement
    gives the number as approximate; a date in any common English form, or a weekday that names
    it), ``contradicted`` when a clause about the item states another value of the same kind,
    ``partial`` when one of the two is there."""
    method = "+".join(k for k, v in (("date", item.date), ("number", item.number)) if v is not None)
    return atoms_match(check_atoms(hint_atoms(item.statement, item.number, item.date), summary, item.statement,
                                   published), method)


def atoms_match(chk: AtomCheck, method: str = "atoms") -> HintMatch:
    """An atom check as a verdict: ``contradicted`` on another value, ``covered`` with every atom,
    ``partial`` (score: the share found) with some, else ``missing``."""
    if chk.contradiction is not None:
        return HintMatch("contradicted", 0.0, chk.contradiction, method)
    if chk.found == chk.total:
        return HintMatch("covered", 1.0, chk.spans[0] if chk.spans else None, method)
    if chk.found:
        return HintMatch("partial", round(chk.share, 6), chk.spans[0], method)
    return HintMatch("missing", 0.0, None, method)
