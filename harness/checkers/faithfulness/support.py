"""Support: find the source sentences that best support a claim, and what of the claim they
leave unsupported.

A :class:`Source` indexes one text (an article body, or one piece of page furniture): its
sentences with offsets, the folded word stems of each, the numbers and dates it states. :func:`align` ranks the
sentences for a claim by lexical overlap + embedding cosine (for the few lexical candidates), grows a window of up to
``window`` sentences that together cover most of the claim's content words, and reports the
coverage by that window and by the whole source.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from ...numbers import number_values, spaced_number_values
from ...text import STOPWORDS, Token, abbreviation_keys, dates, tokens
from .claims import split_sentences

# Words that carry no checkable content even though they are not in STOPWORDS.
_LIGHT = frozenset("""
new also like one ones year years time times many much people thing things way well back
still even first last make made get got go going take took come came told tell year's
mr mrs ms dr
""".split())


def content_tokens(text: str) -> list[Token]:
    """Tokens of ``text`` a claim's support is measured on (no stopwords, no light words)."""
    return [t for t in tokens(text) if t.norm not in STOPWORDS and t.norm not in _LIGHT
            and len(t.norm) > 1]


def _variants(tok: Token) -> frozenset[str]:
    """Forms a word can be matched by: stem, folded form, and the form without dots/hyphens."""
    return _forms_of(tok.stem, tok.norm)


@lru_cache(maxsize=65536)
def _forms_of(stem: str, norm: str) -> frozenset[str]:
    return frozenset((stem, norm, norm.replace(".", "").replace("-", "")))


@dataclass
class Source:
    """One source text indexed for alignment."""

    text: str
    spans: list[tuple[int, int]]
    sent_stems: list[frozenset[str]]
    stems: frozenset[str]
    numbers: frozenset[float]
    dates: list[Any]
    bigrams: frozenset[tuple[str, str]]
    units: dict[float, set[str]]
    """Unit words following each number value ("30 days" -> {30.0: {"day"}})."""
    sent_numbers: list[frozenset[float]]
    where: dict[str, tuple[int, ...]]
    """The sentences (ascending) that hold each word form: an index of :attr:`sent_stems`."""
    quantities: tuple[Any, ...] = ()
    """Its numbers read as quantities (:func:`harness.checkers.atoms.quantities`: unit, hedge)."""
    pairs: frozenset[tuple[float, float]] = frozenset()
    """The values of its numbers written as a pair (:func:`harness.numbers.number_pairs`: "5-2")."""

    def sentence(self, i: int) -> str:
        s, e = self.spans[i]
        return self.text[s:e]

    @cached_property
    def sentences(self) -> tuple[str, ...]:
        """Every sentence, in order (built once per source, on first use)."""
        return tuple(self.sentence(i) for i in range(len(self.spans)))

    def sentences_with(self, tok: Token) -> list[int]:
        """The sentences (ascending) that hold a form of ``tok``."""
        forms = [self.where[f] for f in _variants(tok) if f in self.where]
        if len(forms) <= 1:
            return list(forms[0]) if forms else []
        return sorted(set().union(*forms))


def _known_values(text: str) -> set[float]:
    """The number values a source states, with those written "235, 000" read whole too."""
    return number_values(text) | spaced_number_values(text)


def build_source(text: str) -> Source:
    """Index ``text`` (sentences, stems, numbers, dates, bigrams); embeddings left to the caller."""
    spans = split_sentences(text) or ([(0, len(text))] if text.strip() else [])
    sent_stems = []
    stems: set[str] = set()
    bigrams: set[tuple[str, str]] = set()
    for s, e in spans:
        toks = tokens(text[s:e])
        st: set[str] = set()
        for t in toks:
            st |= _variants(t)
        sent_stems.append(frozenset(st))
        stems |= st
        for a, b in zip(toks, toks[1:]):
            bigrams.add((a.stem, b.stem))
    from ...numbers import number_pairs
    from ..atoms import quantities
    from .quantities import number_units

    where: dict[str, list[int]] = {}
    for i, st in enumerate(sent_stems):
        for f in st:
            where.setdefault(f, []).append(i)
    stems |= abbreviation_keys(text)  # what a name check asks of "U.S." (no sentence has them)
    return Source(text, spans, sent_stems, frozenset(stems), frozenset(_known_values(text)),
                  dates(text), frozenset(bigrams), number_units(text),
                  [frozenset(_known_values(text[s:e])) for s, e in spans],
                  {f: tuple(ids) for f, ids in where.items()}, quantities.__wrapped__(text),
                  number_pairs.__wrapped__(text))


@dataclass(frozen=True)
class Alignment:
    """How well a source supports one claim."""

    best: tuple[int, ...]
    """Indices of the supporting sentences (best first; up to ``window``)."""
    cos: float
    """Highest embedding cosine between the claim and one source sentence."""
    lex_window: float
    """Share of the claim's content words found in the supporting sentences."""
    lex_doc: float
    """Share of the claim's content words found anywhere in the source."""
    novel: tuple[tuple[int, int], ...]
    """Claim-relative spans of content words found nowhere in the source."""
    novel_bigrams: float
    """Share of the claim's word bigrams that do not occur in the source."""
    n_content: int


def context_support(claim: str, src: Source, anchor_sentences: list[int], exclude: set[str], near: int = 1) -> float:
    """Share of ``claim``'s content words (other than ``exclude`` forms) found in the source
    sentences around ``anchor_sentences`` (each +-``near``): do the claim's other words occur
    where the source mentions this name / number? 1.0 when there is nothing to check."""
    toks = [t for t in content_tokens(claim) if not (_variants(t) & exclude)]
    if not toks or not anchor_sentences:
        return 1.0
    ids = {j for i in anchor_sentences for j in range(i - near, i + near + 1) if 0 <= j < len(src.spans)}
    have: set[str] = set().union(*(src.sent_stems[j] for j in ids))
    return sum(1 for t in toks if _variants(t) & have) / len(toks)


def word_forms(text: str) -> set[str]:
    """Every form a word of ``text`` can be matched by."""
    out: set[str] = set()
    for t in tokens(text):
        out |= _variants(t)
    return out


def doc_support(claim: str, src: Source) -> float:
    """Share of ``claim``'s content words found anywhere in ``src`` (:attr:`Alignment.lex_doc`,
    without aligning)."""
    toks = content_tokens(claim)
    return sum(1 for t in toks if _variants(t) & src.stems) / len(toks) if toks else 1.0


def candidates(claim: str, src: Source, k: int = 4) -> list[int]:
    """The ``k`` source sentences sharing the most content words with ``claim`` (ties: earlier
    first); the only sentences whose embeddings :func:`align` needs."""
    counts = [0] * len(src.spans)
    for t in content_tokens(claim):
        for i in src.sentences_with(t):
            counts[i] += 1
    order = sorted(range(len(counts)), key=lambda i: (-counts[i], i))
    return order[:k]


def align(claim: str, src: Source, cos: dict[int, float] | None = None, window: int = 3) -> Alignment:
    """Align ``claim`` to ``src``; ``cos`` maps candidate sentence indices to their embedding
    cosine with the claim (sentences without one score on words alone)."""
    cos = cos or {}
    toks = content_tokens(claim)
    n = len(toks)
    if not src.spans:
        spans = tuple((t.start, t.end) for t in toks)
        return Alignment((), 0.0, 0.0, 0.0, spans, 1.0, n)
    found_in = [src.sentences_with(t) for t in toks]
    overlap = [0.0] * len(src.spans)
    for ids in found_in:
        for i in ids:
            overlap[i] += 1.0 / max(n, 1)
    score = [overlap[i] + cos.get(i, 0.0) for i in range(len(src.spans))]
    order = sorted(range(len(score)), key=lambda i: (-score[i], i))
    best = [order[0]]
    covered = {k for k, ids in enumerate(found_in) if order[0] in ids}
    while len(best) < window and len(covered) < n:
        gains = [(len({k for k, ids in enumerate(found_in) if i in ids} - covered), score[i], -i)
                 for i in order[:12] if i not in best]
        if not gains:
            break
        g, _, neg_i = max(gains)
        if g == 0:
            break
        best.append(-neg_i)
        covered |= {k for k, ids in enumerate(found_in) if -neg_i in ids}
    lex_window = len(covered) / n if n else 1.0
    in_doc = [k for k, ids in enumerate(found_in) if ids]
    lex_doc = len(in_doc) / n if n else 1.0
    novel = tuple((toks[k].start, toks[k].end) for k, ids in enumerate(found_in) if not ids)
    all_toks = tokens(claim)
    pairs = [(a.stem, b.stem) for a, b in zip(all_toks, all_toks[1:])]
    nb = sum(1 for p in pairs if p not in src.bigrams) / len(pairs) if pairs else 0.0
    cmax = max(cos.values()) if cos else 0.0
    return Alignment(tuple(best), cmax, lex_window, lex_doc, novel, nb, n)
