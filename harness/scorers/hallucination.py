"""Hallucination detection: names, numbers and dates in the summary that the article body
does not state, and gold traps the summary falls into (by their hints)."""

from __future__ import annotations

import re
from typing import Sequence

from ..checkers.hints import find_phrase, match_hints
from ..records import Article, FaithfulnessResult, Hallucination
from ..text import STOPWORDS, dates, number_values, numbers, sentences

_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w'’-]*)*")


class HallucinationScorer:
    """Flags summary spans the body does not support: entity, number, date and trap hits."""

    role = "faithfulness"

    def signature(self) -> str:
        """Settings that affect the numbers."""
        return "hallucination:lexical-v1"

    def score(self, article: Article, summary: str) -> FaithfulnessResult:
        """Hallucinations and traps hit for one summary."""
        body = article.body if article.body is not None else article.text
        found: list[Hallucination] = []
        body_numbers = number_values(body)
        for n in numbers(summary):
            if round(n.value, 6) not in body_numbers and round(n.raw, 6) not in body_numbers:
                found.append(Hallucination(n.start, n.end, n.text, "number", detail=f"{n.text!r} not in the article"))
        body_dates = dates(body)
        for d in dates(summary):
            if not any(d.agrees(b.year or d.year or 0, b.month, b.day) for b in body_dates):
                found.append(Hallucination(d.start, d.end, d.text, "date", detail=f"{d.text!r} not in the article"))
        for sent in sentences(summary):
            for m in _NAME.finditer(sent.text):
                name = m.group()
                if name.lower() in STOPWORDS or m.start() == 0 and " " not in name:
                    continue
                if find_phrase(name, body) is None:
                    s = sent.start + m.start()
                    found.append(Hallucination(s, s + len(name), name, "entity", detail=f"{name!r} not in the article"))
        traps_hit = []
        for trap in article.traps:
            hit = match_hints(trap, summary)
            if hit is not None and hit.status == "covered" and hit.span is not None:
                traps_hit.append(trap.id)
                found.append(Hallucination(hit.span.start, hit.span.end, hit.span.text, "trap",
                                           trap_id=trap.id, detail=trap.statement))
        found = _dedupe(found)
        sents = sentences(summary)
        bad = sum(1 for s in sents if any(s.start <= h.start < s.end for h in found))
        rate = bad / len(sents) if sents else 0.0
        return FaithfulnessResult(
            hallucinations=tuple(found), hallucination_rate=round(rate, 6), faithful=not found,
            probability=round(1.0 - rate, 6), n_claims=len(sents), traps_hit=tuple(traps_hit),
        )

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[FaithfulnessResult]:
        """:meth:`score` for each (article, summary)."""
        return [self.score(a, s) for a, s in items]


def _dedupe(found: list[Hallucination]) -> list[Hallucination]:
    out: list[Hallucination] = []
    for h in sorted(found, key=lambda h: (h.start, -h.end, h.kind != "trap")):
        if any(o.start <= h.start and h.end <= o.end and o.kind == h.kind for o in out):
            continue
        out.append(h)
    return out
