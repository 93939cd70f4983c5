"""Units of alignment: the sentences of a text (also of pre-tokenized corpora) and short word
windows inside them, as :class:`~harness.records.Span` with offsets."""

from __future__ import annotations

import re

from ...records import Span
from ...text import sentences, tokens

_TOKENIZED_STOP = re.compile(r"(?<=\s)[.!?](?=\s+\S)")
_BRACKETS = {"-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}"}
WINDOW = 8
"""Words per alignment window (stride half of it)."""
def units(text: str) -> list[Span]:
    """Sentences of ``text`` with offsets, also splitting pre-tokenized lower-case text
    ("... the lead . the 23-year-old ...") where :func:`harness.text.sentences` keeps going."""
    out: list[Span] = []
    for sent in sentences(text):
        start = 0
        for m in _TOKENIZED_STOP.finditer(sent.text):
            _push(out, sent, start, m.end())
            start = m.end()
        _push(out, sent, start, len(sent.text))
    return out


def _push(out: list[Span], sent: Span, s: int, e: int) -> None:
    piece = sent.text[s:e]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece) - len(piece.rstrip())
    s, e = s + lead, e - trail
    if e > s:
        out.append(Span(sent.start + s, sent.start + e, sent.text[s:e]))


def windows(text: str, sent: Span, size: int = WINDOW) -> list[Span]:
    """Word windows of ``size`` words (stride ``size // 2``) inside one sentence span of ``text``;
    a sentence no longer than ``size`` words gives no window (the sentence itself is a unit)."""
    toks = tokens(sent.text)
    if len(toks) <= size:
        return []
    out = []
    step = max(1, size // 2)
    for i in range(0, len(toks) - size + step, step):
        j = min(i + size, len(toks)) - 1
        s, e = sent.start + toks[i].start, sent.start + toks[j].end
        out.append(Span(s, e, text[s:e]))
        if j == len(toks) - 1:
            break
    return out


def clean(text: str) -> str:
    """Undo PTB bracket tokens (``-lrb-`` -> ``(``) found in tokenized corpora."""
    for k, v in _BRACKETS.items():
        text = text.replace(k, v)
    return text
