"""Attribution: a claim that puts words in the wrong mouth ("X said ..." where the source
has Y saying it).

The speaker of a claim is the subject of a speech verb (say, tell, claim ...) or the object
of "according to"; it is compared with the speakers of the same content in the supporting
source sentences. Pronoun speakers are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ...resources import lemma
from ...text import STOPWORDS, tokens

SPEECH = frozenset({"say", "tell", "claim", "state", "add", "warn", "insist", "accuse", "deny", "admit",
                    "confirm", "argue", "explain", "reveal", "write", "suggest", "urge", "announce",
                    "declare", "pledge", "emphasize", "emphasise", "report"})
_PRONOUNS = frozenset({"he", "she", "they", "it", "we", "i", "you", "who", "which", "that", "this", "one"})


@dataclass(frozen=True)
class Speaker:
    """Who a speech verb's subject is, with offsets (token.idx based)."""

    start: int
    end: int
    text: str
    words: frozenset[str]


def speakers(toks: Iterable[Any]) -> list[Speaker]:
    """Speakers in spaCy tokens ``toks``."""
    out = []
    for t in toks:
        subj = None
        if t.pos_ == "VERB" and lemma(t).lower() in SPEECH:
            subj = next((k for k in t.children if k.dep_ in ("nsubj",)), None)
            if subj is None:
                agent = next((k for k in t.children if k.dep_ == "agent"), None)
                subj = next((k for k in agent.children if k.dep_ == "pobj"), None) if agent is not None else None
        elif t.lower_ == "according" and t.i + 1 < len(t.doc) and t.doc[t.i + 1].lower_ == "to":
            subj = next((k for k in t.doc[t.i + 1].children if k.dep_ == "pobj"), None)
        if subj is None or subj.lower_ in _PRONOUNS:
            continue
        span = subj.doc[subj.left_edge.i: subj.right_edge.i + 1]
        words = frozenset(w.stem for w in tokens(span.text) if w.norm not in STOPWORDS)
        if words:
            out.append(Speaker(span.start_char, span.end_char, span.text, words))
    return out


def wrong_speakers(claim_speakers: list[Speaker], source_speakers: list[Speaker]) -> list[Speaker]:
    """Claim speakers that share no word with any speaker of the supporting sentences
    (only when those sentences name a speaker at all)."""
    if not source_speakers:
        return []
    claim_words = frozenset().union(*(c.words for c in claim_speakers)) if claim_speakers else frozenset()
    return [c for c in claim_speakers if not any(c.words & s.words for s in source_speakers)
            and not any(s.words <= claim_words for s in source_speakers)]
