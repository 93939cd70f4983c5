"""Context: what a value in a text is about, and whether another text is about the same thing.

A value's local context is the content words around it in its clause ("Two members voted to keep
the rate at 3.75 percent": member, vote, keep, rate). Another text carries that context when it
holds most of those words; only then can a different value in it contradict this one. Shared by
the fact coverage scorer (:mod:`harness.checkers.atoms`) and the hallucination scorer's check of
misplaced values (:mod:`harness.checkers.faithfulness.quantities`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..records import Span
from ..numbers import NUMBER_WORDS, RANGE_JOIN, numbers
from ..text import STOPWORDS, sentences, tokens

_LIGHT = frozenset({"made", "make", "also", "new", "said", "says", "say", "year", "years", "percent", "per",
                    "cent", "million", "billion", "thousand", "hundred", "about", "around", "roughly", "nearly"})


WINDOW_BEFORE, WINDOW_AFTER = 4, 2
"""Content words before and after a value that say what it is the value of (its local context)."""


@lru_cache(maxsize=65536)
def local_context(text: str, start: int, end: int) -> frozenset[str]:
    """Content stems of the value at ``text[start:end]``'s clause, at most :data:`WINDOW_BEFORE`
    before it and :data:`WINDOW_AFTER` after it (numbers left out): what the value is the value
    of ("Two members voted to keep the rate at 3.75 percent": member, vote, keep, rate). A colon
    does not end the clause here: what follows it details what precedes it ("Canola was less
    affected: 740,000 tonnes"). A word nearer another value of the clause is that value's
    ("raised its forecast to $12.4 billion and said its $850 million purchase": forecast is not
    the purchase's). The two ends of a range are one value here: in "an estimate of 1.8 to 2.5
    million euros", "estimate" is 2.5 million's context as much as 1.8's."""
    start, end = _with_range_partner(text, start, end)
    clause = next((c for c in clauses(text, colons=False) if c.start <= start < c.end), Span(0, len(text), text))
    toks = [(t.start + clause.start, t) for t in tokens(clause.text)]
    mine = [k for k, (s, _) in enumerate(toks) if start <= s < end]
    others = [k for k, (s, t) in enumerate(toks) if t.norm[:1].isdigit() and not start <= s < end]

    def nearer_mine(k: int) -> bool:
        return not mine or not others or min(abs(k - m) for m in mine) <= min(abs(k - o) for o in others)

    words = [(s, t.stem) for k, (s, t) in enumerate(toks) if _is_context(t.norm) and nearer_mine(k)]
    before = [w for s, w in words if s < start][-WINDOW_BEFORE:]
    after = [w for s, w in words if s >= end][:WINDOW_AFTER]
    return frozenset(before + after)


def _with_range_partner(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` widened over the number it makes a range with ("1.8 to 2.5 million",
    "between 420 and 750"), if any ("and" joins a range only after "between")."""
    ns = numbers(text)
    for a, b in zip(ns, ns[1:]):
        if not (a.start <= start < a.end or b.start <= start < b.end):
            continue
        join = RANGE_JOIN.fullmatch(text, a.end, b.start)
        if join and ("and" not in join.group() or text[:a.start].rstrip().lower().endswith("between")):
            return min(start, a.start), max(end, b.end)
    return start, end


def _is_context(norm: str) -> bool:
    return not (norm in STOPWORDS or norm in _LIGHT or norm in NUMBER_WORDS or norm[:1].isdigit() or len(norm) < 2)


@lru_cache(maxsize=8192)
def context_words(statement: str) -> frozenset[str]:
    """The statement's content words other than its numbers (stems), which a clause must share
    before a different value in it contradicts the fact."""
    return frozenset(t.stem for t in tokens(statement) if _is_context(t.norm))


CONTEXT_SHARE = 2 / 3
"""Share of a value's context another text must carry to be about the same thing."""


def carries_context(want: frozenset[str], text: str) -> bool:
    """Whether ``text`` holds at least :data:`CONTEXT_SHARE` of ``want`` and two of its words, a
    word counting when its stem or its first six letters match ("announcement"/"announced"). A
    context of one word ("up 18 percent, on revenue") does not say enough to place a value."""
    if len(want) < 2:
        return False
    have = {t.stem for t in tokens(text)}
    prefixes = {h[:6] for h in have if len(h) >= 6}
    hits = sum(1 for w in want if w in have or (len(w) >= 6 and w[:6] in prefixes))
    return hits >= CONTEXT_SHARE * len(want) and hits >= 2


_CLAUSE_END = re.compile(r"[;:()\u2013\u2014]|,\s+(?:and|but|while|whereas|although|though|which|who|with)\b|\s-\s")


def clauses(text: str, colons: bool = True) -> list[Span]:
    """The sentences of ``text`` cut at semicolons, colons, brackets, dashes and joined clauses
    (", and", ", but", ", which", ", with" ...): a value contradicts a fact only in its own clause.
    ``colons=False`` keeps a colon inside its clause."""
    out = []
    for sent in sentences(text):
        start = sent.start
        for m in [*(m for m in _CLAUSE_END.finditer(sent.text) if colons or m.group() != ":"), None]:
            end = sent.start + (m.start() if m else len(sent.text))
            if text[start:end].strip():
                out.append(Span(start, end, text[start:end]))
            start = sent.start + m.end() if m else end
    return out
