"""Alignment of a fact *statement* (no hints) to a summary: the signals a calibrated model
combines into "is this fact carried by the summary?".

Everything here is deterministic and model-free except the embedding similarities, which the
caller computes in batches (see :class:`harness.scorers.coverage.FactCoverageScorer`) and
passes in. Units of alignment are the summary's sentences and short word windows inside them
(a short fact is often carried by one clause of a long sentence).

Signals (one float each, names in :data:`SIGNALS`):
- ``recall_sent``: share of the fact's content-word *slots* found in the best summary sentence
  (a slot is a word, or the alternatives of ``a / b`` written with a slash).
- ``recall_all``: the same share over the whole summary.
- ``idf_recall``: ``recall_all`` with each slot weighted by its rarity among the article's
  sentences (words every sentence repeats, like the main name, count less).
- ``bigram``: share of the fact's adjacent content-word pairs found adjacent in the summary.
- ``number_agree``: +1 when the fact's numbers all appear, -1 when the fact has a number and the
  best-aligned sentence states none of them, 0 when the fact has no number.
- ``evid_recall``: share (article-idf weighted) of the fact's *evidence* found in the summary. The
  evidence is anchored in the article (:func:`fact_anchors`): the gold fact's ``evidence`` quote
  when given, else the content words of the best-aligned article sentence(s) from
  :data:`EVIDENCE_MARGIN` words before the first to as many after the last word of the fact.
  Key facts are often paraphrases while summaries copy the article's wording ("plan to leave"
  for "intend to withdraw"); the evidence carries that wording.
- ``emb_sent``, ``emb_win``: best cosine (MiniLM) of the fact with a summary sentence / window.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ...records import Span
from ..atoms import COUNTED, referring_counts
from .units import units, windows
from ...numbers import NUMBER_WORDS, number_values
from ...text import BODIES_CACHED, STOPWORDS, fold, stem, tokens

SIGNALS: tuple[str, ...] = (
    "recall_sent", "recall_all", "idf_recall", "bigram", "number_agree", "evid_recall", "emb_sent",
    "emb_win",
)
"""Names of every signal :func:`lexical_signals` and the embedding step can produce."""

NEGATIONS = frozenset({"not", "no", "never", "n't", "nt", "none", "nobody", "nothing", "neither", "nor",
                       "without", "denied", "denies", "deny", "refused", "refuses", "fails", "failed"})
VERSION = "9"
"""Version of the signals' definitions (goes into the coverage scorer's signature); 2 added
``evid_recall``; 3 drops counts that only refer back ("the four countries",
:func:`stated_numbers`); 4 drops the counted noun with the count ("countries" is no word to
find either); 8 drops the hand-written paraphrase groups and idioms of versions 3-7 (written
for the seed article: REALSumm dev 0.7801 -> 0.7792 fact balanced accuracy, system Kendall
0.820 either way; WordNet synonyms in their place gave 0.7741 / 0.800, so none are used); 9: the
subordinators "because", "since", "although", "though", "whereas", "unless" are stopwords
(REALSumm dev 0.7792 / 0.5481 / 0.8200 -> 0.7799 / 0.5493 / 0.8267)."""
EVIDENCE_MARGIN = 3
"""Content words kept on each side of the fact's words in an aligned article sentence (measured
on REALSumm dev, 5-fold CV by document: margins 1, 3 and 5 are within 0.002 of each other)."""
EVIDENCE_SENTENCES = 3
"""At most this many article sentences tied for the best alignment each give an anchor (news
articles repeat their highlights)."""


def _content(norm: str) -> bool:
    return norm not in STOPWORDS and (len(norm) > 1 or norm.isdigit())


@lru_cache(maxsize=65536)
def fact_slots(statement: str) -> tuple[frozenset[str], ...]:
    """Content-word slots of a fact: each slot is the set of stems that can fill it
    (``"goal/goals"`` and ``"mother / wife"`` are one slot each)."""
    text = fold(statement)
    toks = [t for t in tokens(text)]
    slots: list[set[str]] = []
    prev_end = None
    for t in toks:
        gap = text[prev_end:t.start] if prev_end is not None else ""
        joined = "/" in gap and slots
        if _content(t.norm):
            if joined:
                slots[-1].add(t.stem)
            else:
                slots.append({t.stem})
        prev_end = t.end
    # merge duplicates, keep order
    seen: list[frozenset[str]] = []
    for s in slots:
        fs = frozenset(s)
        if fs not in seen:
            seen.append(fs)
    return tuple(seen)


@dataclass
class SummaryView:
    """A summary prepared once for many facts: units, their stems and numbers."""

    text: str
    units: list[Span]
    unit_stems: list[set[str]]
    unit_seq: list[list[str]]
    all_stems: set[str]
    bigrams: set[tuple[str, str]]
    unit_numbers: list[set[float]]
    unit_negated: list[bool]
    windows: list[Span]
    near: dict[str, frozenset[str]] = field(default_factory=dict)
    """Cache of :func:`near_stems` lookups against :attr:`all_stems`."""


def view(summary: str) -> SummaryView:
    """Prepare ``summary`` for alignment."""
    us = units(summary)
    stems, seqs, nums, negs, wins = [], [], [], [], []
    for u in us:
        toks = tokens(u.text)
        seq = [t.stem for t in toks if _content(t.norm)]
        seqs.append(seq)
        stems.append(set(seq))
        nums.append(number_values(u.text))
        negs.append(any(t.norm in NEGATIONS or t.norm.endswith("n't") for t in toks))
        wins.extend(windows(summary, u))
    all_stems = set().union(*stems) if stems else set()
    bigrams = {(a, b) for seq in seqs for a, b in zip(seq, seq[1:])}
    return SummaryView(summary, us, stems, seqs, all_stems, bigrams, nums, negs, wins)


@lru_cache(maxsize=BODIES_CACHED)
def article_idf(body: str) -> dict[str, float]:
    """Inverse sentence frequency of stems in the article body: ``log((n+1)/(df+1)) + 1``."""
    sents = units(body)
    toks = tokens(body)  # once for the whole body (folding is the slow part), then bucketed
    df: dict[str, int] = {}
    k = 0
    for s in sents:
        seen = set()
        while k < len(toks) and toks[k].start < s.end:
            if toks[k].start >= s.start and _content(toks[k].norm):
                seen.add(toks[k].stem)
            k += 1
        for st in seen:
            df[st] = df.get(st, 0) + 1
    n = len(sents)
    return {k: math.log((n + 1) / (v + 1)) + 1.0 for k, v in df.items()}


@dataclass
class LexicalAlignment:
    """Lexical signals of one fact on one summary, and the best-aligned unit."""

    signals: dict[str, float]
    best_unit: int | None
    """Index into :attr:`SummaryView.units` of the sentence with the highest slot recall."""
    fact_numbers: frozenset[float]
    fact_negated: bool
    context_recall: float
    """Share of the fact's non-number slots found in the best unit (for contradiction checks)."""


def lexical_signals(statement: str, sv: SummaryView, idf: dict[str, float] | None = None,
                    slots: tuple[frozenset[str], ...] | None = None,
                    anchors: tuple[tuple[str, ...], ...] = ()) -> LexicalAlignment:
    """The model-free signals of ``statement`` on the prepared summary ``sv``; ``anchors`` are
    the fact's evidence in the article (:func:`fact_anchors`; none: ``evid_recall`` is 0)."""
    slots = fact_slots(statement) if slots is None else slots
    referring = _referring_stems(statement)
    slots = tuple(s for s in slots if not s <= referring) or slots  # "the four countries": no word to find
    slots = tuple(s if s & sv.all_stems else s | near_stems(s, sv) for s in slots)
    idf = idf or {}
    n = len(slots)
    best, best_i = 0.0, None
    for i, have in enumerate(sv.unit_stems):
        r = sum(1 for s in slots if s & have) / n if n else 0.0
        if r > best or best_i is None and r == best and sv.units:
            best, best_i = r, i
    found = [bool(s & sv.all_stems) for s in slots]
    rec_all = sum(found) / n if n else 0.0
    weights = [max(idf.get(st, _default_idf(idf)) for st in s) for s in slots]
    wsum = sum(weights)
    idf_rec = sum(w for w, f in zip(weights, found) if f) / wsum if wsum else 0.0
    seq = [next(iter(sorted(s))) if len(s) == 1 else None for s in slots]
    pairs = [(a, b) for a, b in zip(seq, seq[1:]) if a and b]
    bigram = sum(1 for p in pairs if p in sv.bigrams) / len(pairs) if pairs else rec_all
    fact_nums = stated_numbers(statement)
    if not fact_nums:
        num = 0.0
    else:
        where = sv.unit_numbers[best_i] if best_i is not None else set()
        allnums = set().union(*sv.unit_numbers) if sv.unit_numbers else set()
        num = 1.0 if fact_nums <= allnums else (-1.0 if not (fact_nums & where) else 0.0)
    ftoks = tokens(statement)
    negated = any(t.norm in NEGATIONS or t.norm.endswith("n't") for t in ftoks)
    words = [s for s in slots if not any(x[:1].isdigit() or x in NUMBER_WORDS for x in s)]
    have = sv.unit_stems[best_i] if best_i is not None else set()
    ctx = sum(1 for s in words if s & have) / len(words) if words else 0.0
    return LexicalAlignment(
        {"recall_sent": best, "recall_all": rec_all, "idf_recall": idf_rec, "bigram": bigram,
         "number_agree": num, "evid_recall": evidence_recall(anchors, sv, idf)},
        best_i, fact_nums, negated, ctx,
    )


@lru_cache(maxsize=65536)
def _referring_stems(statement: str) -> frozenset[str]:
    """Stems of the referring counts and of the nouns they count ("four", "countries" in "the
    four countries"): no word a summary that names the four countries must have. The nouns:
    REALSumm dev (5-fold CV) identical figures; seed dev summaries, statements only: +4 pairs,
    -4 pairs, all of the latter caught by the polarity check of the coverage scorer."""
    return frozenset(stem(w) for m in COUNTED.finditer(statement) if m["n"].lower() in NUMBER_WORDS
                     for w in (m["n"].lower(), m["what"].lower()))


@lru_cache(maxsize=65536)
def stated_numbers(statement: str) -> frozenset[float]:
    """The numbers a fact states (years only when it states nothing else), less the counts
    that only refer back to things named elsewhere ("the four countries", "their two sons"):
    a summary that names the four countries carries the fact without the word "four"."""
    values = number_values(statement)
    counts = {round(float(NUMBER_WORDS[w]), 6) for w in referring_counts(statement)}
    rest = number_values(COUNTED.sub(" ", statement))
    values = {v for v in values if v not in counts or v in rest}
    return frozenset({v for v in values if not (1900 <= v <= 2099)} or values)


_APPOSITIVE = re.compile(r"(?<=[A-Za-z0-9)]),\s+(?:the|a|an|which|who)\s+[^,;]*(?:,[^,;]*)*[.!?]?\s*$")


@lru_cache(maxsize=65536)
def statement_core(statement: str) -> str | None:
    """The statement without a closing description of what it names ("... withdraw from the
    Ottawa Convention, the treaty banning anti-personnel mines." -> "... withdraw from the
    Ottawa Convention."), or None when it ends with none. A reader takes a summary that names
    the thing without describing it as carrying the fact."""
    m = _APPOSITIVE.search(statement)
    if m is None or len(tokens(statement[:m.start()])) < 3:
        return None
    return statement[:m.start()] + "."


@lru_cache(maxsize=65536)
def name_slots(statement: str) -> tuple[frozenset[str], ...]:
    """Stems of each name the statement states (a run of capitalised words; the first word of
    the statement only when the next word is capitalised too: "Nadir Ciftci", "Estonia,
    Latvia"), one set per name; a name written with alternatives ("Carri Reichert / dominatrix")
    is one set with them all. A summary carries a name when it has any of its words."""
    words = list(re.finditer(r"[A-Za-z\u00C0-\u024F][\w'’-]*", statement))
    out: list[set[str]] = []
    prev: int | None = None
    alternative = False
    for k, m in enumerate(words):
        w = m.group()
        gap = statement[words[k - 1].end():m.start()] if k else ""
        joined = prev == k - 1 and not gap.strip()
        cap = w[:1].isupper() and fold(w) not in STOPWORDS
        if cap and k == 0:  # a capital there is no sign of a name, unless the next word has one too
            cap = len(words) > 1 and words[1].group()[:1].isupper()
        if ("/" in gap or alternative) and out and prev == k - 1:  # an alternative, capitalised or not
            alternative = fold(w) in STOPWORDS  # "/ the striker": the alternative is "striker"
            if not alternative:
                out[-1].add(stem(fold(w)))
            prev = k
        elif cap:
            if joined and out:
                out[-1].add(stem(fold(w)))
            else:
                out.append({stem(fold(w))})
            prev = k
    return tuple(frozenset(x) for x in out)


@lru_cache(maxsize=BODIES_CACHED)
def body_stems(body: str) -> tuple[tuple[str, ...], ...]:
    """Content stems of each sentence (:func:`units`) of the article body, in order."""
    return tuple(tuple(t.stem for t in tokens(u.text) if _content(t.norm)) for u in units(body))


@lru_cache(maxsize=65536)
def fact_anchors(statement: str, body: str, quote: str | None = None) -> tuple[tuple[str, ...], ...]:
    """The fact's evidence in the article as content-stem sequences: the stems of ``quote`` (a
    gold ``evidence`` field) when given, else one anchor per article sentence tied for the best
    article-idf-weighted recall of the fact's slots (at most :data:`EVIDENCE_SENTENCES`): its
    stems from :data:`EVIDENCE_MARGIN` before the first to as many after the last fact word.
    Empty when no article sentence has a word of the fact."""
    if quote:
        stems = tuple(t.stem for t in tokens(quote) if _content(t.norm))
        return (stems,) if stems else ()
    slots = fact_slots(statement)
    idf = article_idf(body)
    dflt = _default_idf(idf)
    weights = [max(idf.get(st, dflt) for st in s) for s in slots]
    seqs = body_stems(body)
    scored = [sum(w for w, s in zip(weights, slots) if s & set(seq)) for seq in seqs]
    best = max(scored, default=0.0)
    if best <= 0:
        return ()
    out = []
    for seq, score in zip(seqs, scored):
        if score >= best - 1e-9 and len(out) < EVIDENCE_SENTENCES:
            out.append(_evidence_span(slots, seq))
    return tuple(out)


def _evidence_span(slots: tuple[frozenset[str], ...], seq: tuple[str, ...]) -> tuple[str, ...]:
    hits = [k for k, st in enumerate(seq) if any(st in s for s in slots)]
    lo = max(0, hits[0] - EVIDENCE_MARGIN)
    return seq[lo:hits[-1] + 1 + EVIDENCE_MARGIN]


def evidence_recall(anchors: tuple[tuple[str, ...], ...], sv: SummaryView,
                    idf: dict[str, float] | None = None) -> float:
    """Best article-idf-weighted share of an anchor's distinct stems found in the summary
    (0 without anchors). Measured on REALSumm dev (5-fold CV by document of the whole scorer,
    over the signals without it): +0.006 balanced accuracy, +0.008 summary Pearson, +0.020 system
    Kendall; over 20 random fold assignments +0.004 / +0.008 / +0.005 on average."""
    idf = idf or {}
    dflt = _default_idf(idf)
    best = 0.0
    for anchor in anchors:
        distinct = set(anchor)
        total = sum(idf.get(st, dflt) for st in distinct)
        if total:
            best = max(best, sum(idf.get(st, dflt) for st in distinct & sv.all_stems) / total)
    return best


FUZZY_PREFIX = 7
"""Stems sharing this many leading letters are the same word ("announc"/"announcement")."""


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1 or a == b:
        return a == b
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def near_stems(slot: frozenset[str], sv: SummaryView) -> frozenset[str]:
    """Summary stems that fuzzily fill ``slot``: one edit away (a misspelt name: "heffernen" /
    "heffernan"; words of 5+ letters) or sharing the first :data:`FUZZY_PREFIX` letters
    (derivations the light stemmer keeps apart). Measured on REALSumm dev (5-fold CV by
    document): +0.009 balanced accuracy over exact stems."""
    out: set[str] = set()
    for x in slot:
        if x not in sv.near:
            found = set()
            if len(x) >= 5 and not x[:1].isdigit():
                for h in sv.all_stems:
                    if len(h) >= 5 and ((len(x) >= FUZZY_PREFIX and h[:FUZZY_PREFIX] == x[:FUZZY_PREFIX])
                                        or _one_edit(x, h)):
                        found.add(h)
            sv.near[x] = frozenset(found)
        out |= sv.near[x]
    return frozenset(out)


def _default_idf(idf: dict[str, float]) -> float:
    """Weight of a stem the article never uses (the rarest possible)."""
    return max(idf.values()) if idf else 1.0
