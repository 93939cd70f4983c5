"""Claims: split a summary (or a source) into checkable units with exact character offsets.

A claim is a sentence, or a clause where a sentence joins several (``;``, ``, and``, ``, but``,
``, while`` ... between two parts that each have enough words to stand alone), an adverbial
clause of cause or time included (``because ...``, ``, as ...``, ``, after ...``): what such a
clause asserts is checked on its own, so a cause the article never gives is not carried by the
supported clause it hangs on. Sentences are
found with :func:`harness.text.sentences`, then split further where that function is
conservative on purpose: lower-cased text (``... city centre. police said``) and missing spaces
after a full stop (``... a 16-point lead.Cameron Phelps``), both common in public data sets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...text import sentences

_LOWER_BREAK = re.compile(r"(?<=[a-z0-9\"'”’)]{2})[.!?]+[\"'”’)]*\s+(?=[a-z`'\"‘“(])")
_NOSPACE_BREAK = re.compile(r"(?<=[a-z]{2})[.!?](?=[A-Z][a-z])")
_ABBR_TAIL = re.compile(r"\b(?:[a-z]|mr|mrs|ms|dr|st|vs|no|inc|ltd|co|jr|sr|u\.s|u\.k|e\.g|i\.e|etc|gen|gov|rep|sen)$",
                        re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"\s*(?:;|,\s+(?:and|but|while|whereas|although|though)\b"
                           r"|(?=\bbecause\b(?!\s+of\b))|,\s+(?=(?:since|as|so|after|before|until|when)\b))\s*",
                           re.IGNORECASE)
"""Where a sentence may be cut into clauses: a semicolon, a comma with a coordinating word (cut
before the word, which stays with its clause), "because" (not "because of", a phrase) and a comma
before a subordinator of cause, result or time. Measured on the six dev sets (shipped lexical
weights, claims-v29 -> v30): mean balanced accuracy 0.6645 -> 0.6662; leave-one-dataset-out of a
refit 0.626 -> 0.630; relative clauses (", which", ", who") were not cut, since without the name
they hang on their support falls (with the judge, two more of the news benchmark's references were
flagged)."""
_MIN_CLAUSE_WORDS = 5
_CLOSED = re.compile(r"[.!?:;\"'”’)\]]\s*$")


@dataclass(frozen=True)
class Claim:
    """One checkable unit of a text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str
    sentence: int
    """Index of the sentence it belongs to (clauses of one sentence share it)."""


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, also splitting lower-cased and unspaced text."""
    out: list[tuple[int, int]] = []
    for sent in sentences(text):
        cuts = [sent.start]
        for rx in (_LOWER_BREAK, _NOSPACE_BREAK):
            for m in rx.finditer(sent.text):
                before = sent.text[:m.start() + 1].rstrip(".!?\"'”’) ")
                if _ABBR_TAIL.search(before):
                    continue
                cuts.append(sent.start + m.end() if rx is _LOWER_BREAK else sent.start + m.start() + 1)
        cuts = sorted(set(cuts)) + [sent.end]
        for s, e in zip(cuts, cuts[1:]):
            s, e = _trim(text, s, e)
            if e > s:
                out.append((s, e))
    return out


def _unfinished(sentence: str) -> bool:
    """Whether ``sentence`` is a short fragment without a closing mark: a cut-off generation."""
    return not _CLOSED.search(sentence) and len(sentence.split()) < _MIN_CLAUSE_WORDS


def split_claims(text: str) -> list[Claim]:
    """Claims of ``text``: sentences, split into clauses where a sentence joins several. A last
    sentence of fewer than :data:`_MIN_CLAUSE_WORDS` words without a closing mark is where a
    generation was cut off ("... compared to the control group. The study"): no claim."""
    claims: list[Claim] = []
    spans = split_sentences(text)
    if len(spans) > 1 and _unfinished(text[slice(*spans[-1])]):
        spans.pop()  # none of the 5,753 labelled summaries of the meta-evaluation ends so
    for i, (s, e) in enumerate(spans):
        piece = text[s:e]
        cuts: list[tuple[int, int]] = []
        prev = 0
        for m in _CLAUSE_BREAK.finditer(piece):
            left, right = piece[prev:m.start()], piece[m.end():]
            if len(left.split()) >= _MIN_CLAUSE_WORDS and len(right.split()) >= _MIN_CLAUSE_WORDS:
                cuts.append((prev, m.start()))
                prev = m.end() if m.group().strip() == ";" else m.start() + len(m.group()) - len(m.group().lstrip())
                prev = _skip_comma(piece, prev)
        cuts.append((prev, len(piece)))
        for cs, ce in cuts:
            a, b = _trim(text, s + cs, s + ce)
            if b > a and re.search(r"\w", text[a:b]):
                claims.append(Claim(a, b, text[a:b], i))
    return claims


def _skip_comma(piece: str, i: int) -> int:
    while i < len(piece) and piece[i] in ", ":
        i += 1
    return i


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e
