"""Evidence: run every claim-level check on a batch of (article, summary) pairs, batching the
model calls (one MiniLM ``embed`` call, one spaCy ``nlp.pipe`` pass each for summaries and
supporting sentences), and return per-claim findings plus the numeric features the summary
verdict is computed from.

This is the part of the hallucination scorer that does not depend on fitted weights; the
meta-evaluation refits the weights on its output.
"""

from __future__ import annotations

import datetime
import math
import re
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

from ...memo import Memo, on_clear
from ...records import Article
from ...numbers import numbers
from ...text import STOPWORDS, WEEKDAY, DateMention, dates, weekday_dates
from ..atoms import resolve_year
from .checks import run_checks
from .claims import Claim, split_claims, split_sentences
from .entities import missing_words, name_groups, name_words
from .findings import ClaimInput, Evidence, Finding
from .support import (Alignment, Source, align, build_source, candidates, context_support, doc_support,
                      word_forms)

FEATURES: tuple[str, ...] = (
    "min_cos", "mean_cos", "min_lex_window", "min_lex_doc", "max_novel_bigrams", "mean_novel_bigrams",
    "novel_words", "names", "numbers", "dates", "negation", "modality", "attribution", "log_claims",
    "names_elsewhere", "numbers_elsewhere", "min_name_context", "min_number_context",
    "mean_lex_window", "mean_lex_doc",
)
"""Summary-level features, in the order the logistic model's weights use."""

_FURNITURE_SUPPORT = 0.6
"""Share of a claim's content words a piece of page furniture must hold to count as its source."""


@dataclass
class ClaimCheck:
    """Everything measured about one claim: its evidence, the findings of every registered check
    (:mod:`.checks`), page furniture that supports it better than the body, and its features."""

    claim: Claim
    alignment: Alignment
    evidence: Evidence
    findings: list[Finding] = field(default_factory=list)
    furniture: tuple[float, str] | None = None
    """(support score, furniture text) when some page furniture supports the claim better."""
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class Analysis:
    """Every claim check of one summary, and its summary-level features."""

    summary: str
    claims: list[ClaimCheck]
    features: dict[str, float]


def _clip(text: str, words: int = 60) -> str:
    """The first ``words`` words of ``text`` (what is embedded: long sentences cost quadratically)."""
    parts = text.split()
    return text if len(parts) <= words else " ".join(parts[:words])


def story(article: Article) -> str:
    """What a summary is checked against: the article's headline, then its body (the whole page
    when no body was extracted). The headline is the article's own statement, not page furniture:
    a summary that repeats it ("Poland, Baltics to withdraw ...") is supported by the article.
    A headline the body already holds is not repeated."""
    body = article.body if article.body is not None else article.text
    title = (article.title or "").strip()
    return f"{title}\n\n{body}" if title and title not in body else body


_SOURCES = Memo(share=0.015)  # ~100 articles with their furniture at the default size


def _source(text: str) -> Source:
    """:func:`build_source`, once per distinct text in a process (articles recur in every batch)."""
    return _SOURCES.get(text, build_source)


def summary_pieces(summary: str) -> list[str]:
    """``summary`` cut where each of its sentences starts, whitespace kept, so that the pieces
    join back to it exactly. Summaries are parsed piece by piece, each distinct piece once per
    process: extractive summaries of one article share most of their sentences."""
    bounds = [0, *(s for s, _ in split_sentences(summary)[1:]), len(summary)]
    return [summary[a:b] for a, b in zip(bounds, bounds[1:]) if b > a] or [summary]


def _pieces(summaries: Sequence[str]) -> list[str]:
    return sorted({p for s in summaries for p in summary_pieces(s)})


@dataclass
class _Plan:
    """What :func:`analyse_many` knows before any model runs: the indexed sources, each
    summary's claims, their candidate source sentences, and every text to embed."""

    sources: dict[str, Source]
    claims: list[list[Claim]]
    cands: list[list[list[int]]]
    """Per summary, per claim: candidate body sentences."""
    furn_cands: list[list[list[list[int]]]]
    """Per summary, per claim, per furniture piece: candidate sentences (none when the piece
    holds too few of the claim's words to support it)."""
    texts: list[str]


_PLANS: "OrderedDict[tuple, _Plan]" = OrderedDict()
on_clear(_PLANS.clear)
_PLANS_KEPT = 5
"""Plans kept: those of the batches sent ahead (:data:`harness.scorers.batch.PREFETCH_CHUNKS`), the
one being scored and the next call's first batch, so that each batch is planned once."""


def _plan(items: Sequence[tuple[Article, str]], k_candidates: int) -> _Plan:
    """The plan of ``items`` (made by :func:`prefetch` of the same items, or now)."""
    key = (k_candidates, tuple((story(a), a.furniture, _open_traps(a), s) for a, s in items))
    plan = _PLANS.pop(key, None) or _make_plan(items, k_candidates)
    _PLANS[key] = plan
    while len(_PLANS) > _PLANS_KEPT:
        _PLANS.popitem(last=False)
    return plan


def _open_traps(article: Article) -> tuple[str, ...]:
    """Statements of the article's traps without hints (matched by embedding similarity)."""
    return tuple(t.statement for t in article.traps if not t.has_hints)


def _make_plan(items: Sequence[tuple[Article, str]], k_candidates: int) -> _Plan:
    sources = {text: _source(text) for art, _ in items for text in (story(art), *art.furniture)}
    bodies = [sources[story(art)] for art, _ in items]
    claims = [split_claims(s) for _, s in items]
    cands = [[candidates(c.text, src, k_candidates) for c in cs] for src, cs in zip(bodies, claims)]
    furn_cands = [[[candidates(c.text, sources[text], k_candidates)
                    if doc_support(c.text, sources[text]) >= _FURNITURE_SUPPORT else [] for text in art.furniture]
                   for c in cs] for (art, _), cs in zip(items, claims)]
    wanted = {_clip(src.sentence(i)) for src, cc in zip(bodies, cands) for ids in cc for i in ids}
    wanted |= {_clip(sources[text].sentence(i)) for (art, _), fc in zip(items, furn_cands)
               for per_claim in fc for text, ids in zip(art.furniture, per_claim) for i in ids}
    wanted |= {_clip(c.text) for cs in claims for c in cs}
    wanted |= {_clip(part) for src, cs, cc in zip(bodies, claims, cands) for c, ids in zip(cs, cc)
               if _is_clause(c, cs) for i in ids for part in source_clauses(src.sentence(i))}
    for (art, _), cs in zip(items, claims):  # the scorer compares these claims with hint-less traps
        if cs and _open_traps(art):
            wanted.update(_open_traps(art))
            wanted.update(c.text for c in cs)
    return _Plan(sources, claims, cands, furn_cands, sorted(wanted))


def _is_clause(claim: Claim, claims: Sequence[Claim]) -> bool:
    """Whether ``claim`` is one clause of a sentence split into several."""
    return sum(1 for c in claims if c.sentence == claim.sentence) > 1


@lru_cache(maxsize=65536)
def source_clauses(sentence: str) -> tuple[str, ...]:
    """The clauses of a source sentence, split as claims are (none when it is one clause). A
    clause claim ("because orders fell by half") is compared with them as well as with the
    whole sentence: a sentence embedding is mostly its main clause, so it says little of how well
    one of its other clauses supports the claim."""
    parts = split_claims(sentence)
    return tuple(p.text for p in parts) if len(parts) > 1 else ()


def prefetch(items: Sequence[tuple[Article, str]], k_candidates: int = 4) -> None:
    """Start encoding what :func:`analyse_many` of ``items`` will embed (the claims and their
    candidate source sentences, found lexically), in the helper process, while this process
    parses and checks the batch before (:func:`harness.resources.prefetch_embeddings`)."""
    from ...resources import prefetch_embeddings

    prefetch_embeddings(_plan(items, k_candidates).texts)


def summary_docs(summaries: Sequence[str]) -> dict[str, Any]:
    """The spaCy ``Doc`` of each summary, joined from the docs of its pieces (memoised)."""
    from ...resources import join_docs, parse

    pieces = _pieces(summaries)
    docs = dict(zip(pieces, parse(pieces, memo=True)))
    return {s: join_docs([docs[p] for p in summary_pieces(s)]) for s in summaries}


def analyse_many(items: Sequence[tuple[Article, str]], window: int = 3, k_candidates: int = 4,
                 progress: Any = None) -> list[Analysis]:
    """Claim checks and features for every (article, summary)."""
    from ...resources import embed, parse

    plan = _plan(items, k_candidates)
    sources, claims, cands, furn_cands = plan.sources, plan.claims, plan.cands, plan.furn_cands
    sdocs = summary_docs(sorted({s for _, s in items}))  # while the helper encodes the texts sent ahead
    texts = plan.texts
    vecs = embed(texts)
    vec_of = {t: vecs[i] for i, t in enumerate(texts)}

    def cosines(claim: Claim, src: Source, ids: list[int], clause: bool = False) -> dict[int, float]:
        """Cosine of the claim with each candidate sentence; a clause claim also with the
        sentence's own clauses, the best of them counting."""
        cv = vec_of[_clip(claim.text)]
        return {i: max(float(vec_of[_clip(t)] @ cv)
                       for t in (src.sentence(i), *(source_clauses(src.sentence(i)) if clause else ())))
                for i in ids}

    aligned: list[list[tuple[Claim, Alignment]]] = []
    needed: set[str] = set()
    for (art, _), cs, cc in zip(items, claims, cands):
        src = sources[story(art)]
        row = []
        for c, ids in zip(cs, cc):
            a = align(c.text, src, cosines(c, src, ids, _is_clause(c, cs)), window)
            row.append((c, a))
            needed.update(src.sentence(i) for i in a.best)
        aligned.append(row)
    needed_list = sorted(needed)  # known only now, after the alignment
    ndocs = dict(zip(needed_list, parse(needed_list, ner=False, memo=True)))
    out = []
    per_article = {id(art): (_gold_names(art), _known_dates(art, sources[story(art)])) for art, _ in items}
    for (art, summary), row, fc in zip(items, aligned, furn_cands):
        src = sources[story(art)]
        extra, known_dates = per_article[id(art)]
        doc = sdocs[summary]
        tok_starts = [t.idx for t in doc]
        ents = list(doc.ents)
        ent_starts = [e.start for e in ents]
        checks = []
        for (c, a), claim_furn in zip(row, fc):
            i, j = bisect_left(tok_starts, c.start), bisect_left(tok_starts, c.end)
            ctoks = list(doc[i:j])
            cents = ents[bisect_left(ent_starts, i):bisect_left(ent_starts, j)]
            sents = tuple(src.sentence(i) for i in a.best)
            ev = Evidence(sents, tuple(t for s in sents for t in ndocs[s]))
            chk = ClaimCheck(c, a, ev, run_checks(ClaimInput(c, tuple(ctoks), tuple(cents), ev, src, art,
                                                             tuple(known_dates), extra)))
            chk.features.update(_context_features(c, ctoks, cents, a, src, extra))
            for text, ids in zip(art.furniture, claim_furn):
                if not ids:  # too few of the claim's words in this piece to support it
                    continue
                fsrc = sources[text]
                fa = align(c.text, fsrc, cosines(c, fsrc, ids), window)
                fscore, bscore = fa.cos + fa.lex_window, a.cos + a.lex_window
                if fa.lex_window >= _FURNITURE_SUPPORT and fscore > bscore + 0.15 and (chk.furniture is None or fscore > chk.furniture[0]):
                    chk.furniture = (fscore, text)
            chk.features.update(_claim_features(chk))
            checks.append(chk)
        out.append(Analysis(summary, checks, summary_features(checks)))
        if progress is not None:
            progress.update(1)
    return out


def _context_features(c: Claim, ctoks: list[Any], ents: list[Any], a: Alignment, src: Source,
                      extra: frozenset[str]) -> dict[str, float]:
    """Names and numbers the source states, but not where the claim's other words are:
    ``names_elsewhere`` / ``numbers_elsewhere`` (not in the best-supporting sentence) and
    ``name_context`` / ``number_context`` (lowest share of the claim's other content words
    found around the source sentences that mention the name / number; 1.0 = nothing to check)."""
    groups = name_groups(ctoks, ents)
    first = src.sent_stems[a.best[0]] if a.best else frozenset()
    near = src.sent_numbers[a.best[0]] if a.best else frozenset()
    nums = [n for n in numbers(c.text) if not (n.raw == 1 and not n.text[:1].isdigit())]
    out = {
        "names_elsewhere": float(sum(1 for g, _ in groups
                                     if not missing_words(g, src.stems | extra) and missing_words(g, first))),
        "numbers_elsewhere": float(sum(1 for n in nums if round(n.value, 6) in src.numbers
                                       and round(n.value, 6) not in near and round(n.raw, 6) not in near)),
    }
    ctx = [1.0]
    for g, _ in groups:
        if missing_words(g, src.stems):
            continue
        forms = [word_forms(t.text) for t in g if any(ch.isalnum() for ch in t.text)
                 and t.text.lower() not in STOPWORDS]
        where = [i for i, st in enumerate(src.sent_stems) if forms and all(f & st for f in forms)]
        ctx.append(context_support(c.text, src, where, set().union(*forms) if forms else set()))
    out["name_context"] = min(ctx)
    ctx = [1.0]
    for n in nums:
        where = [i for i, sn in enumerate(src.sent_numbers) if round(n.value, 6) in sn]
        ctx.append(context_support(c.text, src, where, word_forms(n.text)))
    out["number_context"] = min(ctx)
    return out


_BYLINE = re.compile(r"\s*By\s+[A-Z]")


def _dateline_dates(article: Article) -> list[DateMention]:
    """Dates of the article's byline block ("By Jane Doe ... April 30, 2024"): the publication
    date is the article's own statement, though it sits outside the body; dates in other page
    furniture (a news feed, a teaser) are not."""
    return [d for text in article.furniture if _BYLINE.match(text) for d in dates(text)]


def _known_dates(article: Article, body: Source) -> list[DateMention]:
    """Dates the article states: those in its body (a date without a year read in the year that
    puts it nearest the publication date) and byline, and the weekdays its body names
    ("on Wednesday") as calendar dates: the nearest such day before and after the publication
    date (the gold record's ``published``, or a full date in the byline), that day included."""
    byline = _dateline_dates(article)
    stated = [resolve_year(d, article.published) for d in body.dates]  # "March 18" of a 2025 article
    days = sorted({m.group(1) for m in WEEKDAY.finditer(body.text)})
    if not days:
        return stated + byline
    resolved = []
    for pub in _publication_dates(article, byline):
        for name in days:
            for day in weekday_dates(name, pub):
                resolved.append(DateMention(0, 0, name, day.year, day.month, day.day))
    return stated + byline + resolved


def _publication_dates(article: Article, byline: list[DateMention]) -> list[datetime.date]:
    """The gold record's ``published`` date (ISO) and the full dates of the byline."""
    found = {_calendar_date(d.year, d.month, d.day) for d in byline}
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", article.published or "")
    if iso:
        found.add(_calendar_date(*map(int, iso.groups())))
    return sorted(found - {None})


def _calendar_date(year: int | None, month: int, day: int | None) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # the year or day is unknown, or there is no such day
        return None


def _gold_names(article: Article) -> frozenset[str]:
    """Words of the gold annotation's facts (true statements about the article)."""
    texts = [t for f in article.facts for t in (f.statement, *f.any_of, *f.all_of)]
    return name_words(texts) if texts else frozenset()


def _claim_features(chk: ClaimCheck) -> dict[str, float]:
    a = chk.alignment
    kinds = [f.kind for f in chk.findings]
    return {
        "cos": a.cos, "lex_window": a.lex_window, "lex_doc": a.lex_doc, "novel_bigrams": a.novel_bigrams,
        "novel_words": float(len(a.novel)), "names": float(kinds.count("entity")),
        "numbers": float(kinds.count("number")), "dates": float(kinds.count("date")),
        "negation": float(kinds.count("negation")), "modality": float(kinds.count("modality")),
        "attribution": float(kinds.count("attribution")),
    }


def summary_features(checks: list[ClaimCheck]) -> dict[str, float]:
    """Aggregate claim features to the summary level (weakest claim, sums of typed problems)."""
    if not checks:
        return {name: 0.0 for name in FEATURES} | {"min_cos": 1.0, "mean_cos": 1.0,
                                                   "min_lex_window": 1.0, "min_lex_doc": 1.0,
                                                   "min_name_context": 1.0, "min_number_context": 1.0,
                                                   "mean_lex_window": 1.0, "mean_lex_doc": 1.0}
    fs = [c.features for c in checks]
    total = lambda key: float(sum(f[key] for f in fs))  # noqa: E731
    return {
        "min_cos": min(f["cos"] for f in fs),
        "mean_cos": sum(f["cos"] for f in fs) / len(fs),
        "min_lex_window": min(f["lex_window"] for f in fs),
        "min_lex_doc": min(f["lex_doc"] for f in fs),
        "max_novel_bigrams": max(f["novel_bigrams"] for f in fs),
        "mean_novel_bigrams": sum(f["novel_bigrams"] for f in fs) / len(fs),
        "novel_words": math.log1p(total("novel_words")),
        "names": min(total("names"), 3.0), "numbers": min(total("numbers"), 3.0),
        "dates": min(total("dates"), 3.0), "negation": min(total("negation"), 3.0),
        "modality": min(total("modality"), 3.0), "attribution": min(total("attribution"), 3.0),
        "log_claims": math.log(len(fs)),
        "names_elsewhere": min(total("names_elsewhere"), 3.0),
        "numbers_elsewhere": min(total("numbers_elsewhere"), 3.0),
        "min_name_context": min(f["name_context"] for f in fs),
        "min_number_context": min(f["number_context"] for f in fs),
        "mean_lex_window": sum(f["lex_window"] for f in fs) / len(fs),
        "mean_lex_doc": sum(f["lex_doc"] for f in fs) / len(fs),
    }
