"""Fact coverage: for every gold fact, is it carried by the summary?

Hints decide exactly where given (:mod:`harness.checkers.hints`). A fact without hints is
aligned to the summary's sentences (:mod:`harness.checkers.coverage.statement`): lexical signals
(content-word slot recall per sentence and over the summary, article-idf-weighted recall,
bigram recall, number agreement, recall of the fact's evidence anchored in the article: the
gold ``evidence`` quote or the best-aligned article sentence) and optionally a MiniLM sentence
similarity are combined by a small logistic model fitted on REALSumm dev
(:mod:`harness.checkers.coverage.coverage_model`, shipped in ``harness/data/coverage_model.json``) into
P(carried); a fact ending with a description of what it names ("... the Ottawa Convention,
the treaty banning ...") takes the better P of itself and of itself without it. Every fact's
atoms (its quantities and dates, :mod:`harness.checkers.atoms`, the reading the hallucination
scorer shares) are required on top, whether hints or the statement decide. Then:

- ``contradicted`` (score 0): a clause of the summary carrying the local context of one of the
  fact's values states another value of the same measure (another date, another percentage,
  another count of the same thing: the atoms, the only check of values); the best-aligned
  sentence carries the fact's words but states the opposite polarity (negation); and, for a fact found by its hints or its statement,
  the sentence that carries it negates a verb of the fact or states as done what the fact only
  says is planned ("have withdrawn" for "intend to withdraw"; :mod:`harness.checkers.polarity`
  on spaCy parses of both);
- ``covered`` (score 1): P >= ``covered_threshold`` and each name the fact states
  (:func:`~harness.checkers.coverage.statement.name_slots`) is in the summary; with a name missing
  ("Lithuania, Latvia, Lithuania and Poland" for the four countries) ``partial``, scored P times
  the share of names there (``missing`` with none of them);
- ``partial`` (score = P): ``partial_threshold`` <= P < ``covered_threshold``, or a value of the
  fact missing from the summary (the score scaled by the share of values there);
- ``missing`` (score 0) otherwise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

from ..checkers.coverage.coverage_model import load_model
from ..checkers.atoms import AtomCheck, Atoms, check_atoms, hint_atoms, statement_atoms
from ..checkers.hints import VERSION as HINTS_VERSION, atoms_match, combine, match_hints
from ..checkers.polarity import could_flip, flips, predicates
from ..checkers.coverage.statement import VERSION as SIGNALS_VERSION
from ..checkers.coverage.statement import (LexicalAlignment, SummaryView, article_idf, fact_anchors,
                                           lexical_signals, name_slots, near_stems, statement_core, view)
from ..checkers.coverage.units import clean
from ..encoder import VERSION as ENCODER_VERSION
from ..errors import ConfigError
from ..judges import build_judge
from ..records import Article, CoverageResult, FactVerdict, GoldFact, Span
from ..resources import parse
from ..text import sentences, tokens


ATOMS_VERSION = "8"
"""Version of the atom requirements (:mod:`harness.checkers.atoms`; in the scorer's signature)."""
FLIPS_VERSION = "7"
"""Version of the negation / modality contradiction check (in the scorer's signature)."""


class FactCoverageScorer:
    """Per-fact verdicts (covered | partial | missing | contradicted) with summary evidence."""

    role = "coverage"

    def __init__(self, covered_threshold: float = 0.5, partial_threshold: float = 0.2,
                 embeddings: bool = False, model: str | None = None,
                 contradiction_context: float = 0.8, judge: dict[str, Any] | None = None):
        """
        ``covered_threshold``/``partial_threshold``: P(carried) needed for ``covered``/``partial``
        (facts without hints; the shipped model is class-balanced, so 0.5 is its natural cut).
        ``embeddings``: add the MiniLM sentence-similarity signal (the ``embedding`` variant of
        the model; slower, and on REALSumm dev it adds little). ``model``: path of a
        coefficients file (None: the shipped one). ``contradiction_context``: share of a fact's
        non-number words the aligned sentence must carry before a flipped negation counts as
        ``contradicted`` (other values are judged by the atoms' local context instead).
        ``judge``: a stronger judge (NLI or LLM, :mod:`harness.judges`) for the facts that hints,
        atoms and polarity leave to the statement model; the fact's atoms still bound its verdict.
        """
        if not 0.0 <= partial_threshold <= covered_threshold <= 1.0:
            raise ConfigError("scorers.coverage: need 0 <= partial_threshold <= covered_threshold <= 1")
        self.covered_threshold = covered_threshold
        self.partial_threshold = partial_threshold
        self.embeddings = embeddings
        self.model = model
        self.contradiction_context = contradiction_context
        self._model = load_model(model, "embedding" if embeddings else "lexical")
        self.judge = build_judge(judge, "scorers.coverage.judge") if judge is not None else None

    def signature(self) -> str:
        """Settings that affect the numbers (the coefficients by their digest)."""
        variant = f"embedding({ENCODER_VERSION})" if self.embeddings else "lexical"
        return (f"coverage:hints{HINTS_VERSION}+statement{SIGNALS_VERSION}-{variant}+flips{FLIPS_VERSION}+atoms{ATOMS_VERSION}"
                f":model={self._model.digest}"
                f":cov={self.covered_threshold}:part={self.partial_threshold}"
                f":ctx={self.contradiction_context}"
                + (f":judge={self.judge.signature()}" if self.judge else ""))

    # ------------------------------------------------------------------ public API
    def score(self, article: Article, summary: str) -> CoverageResult:
        """Verdict for each of ``article.facts`` on ``summary``."""
        return self.score_many([(article, summary)])[0]

    def score_many(self, items: Sequence[tuple[Article, str]]) -> list[CoverageResult]:
        """:meth:`score` for each (article, summary), with one batched embedding call (the
        ``embedding`` variant) and one batched parse for the polarity checks."""
        views = [view(clean(s)) for _, s in items]
        sims = self._similarities(items, views) if self.embeddings else None
        found: list[list[tuple[FactVerdict, Span | None]]] = []
        for k, ((article, summary), sv) in enumerate(zip(items, views)):
            body = clean(article.body if article.body is not None else article.text)
            idf = article_idf(body)
            found.append([self._fact(fact, summary, sv, body, idf,
                                     {"emb_sent": sims.get((k, fact.statement), 0.0)} if sims is not None else {},
                                     article.published) for fact in article.facts])
        if self.judge is not None:
            self._judge_facts(items, found)
        flipped = _flips([(f.statement, where.text) for (article, _), row in zip(items, found)
                          for f, (_, where) in zip(article.facts, row) if where is not None])
        out = []
        for (article, _), row in zip(items, found):
            verdicts = [FactVerdict(v.id, "contradicted", 0.0, where, v.method)
                        if where is not None and (f.statement, where.text) in flipped else v
                        for f, (v, where) in zip(article.facts, row)]
            weight = sum(f.importance for f in article.facts)
            cov = (sum(f.importance * v.score for f, v in zip(article.facts, verdicts)) / weight
                   if weight else 0.0)
            out.append(CoverageResult(coverage=round(cov, 6), facts=tuple(verdicts)))
        return out

    def _judge_facts(self, items: Sequence[tuple[Article, str]], found: list[list[tuple[FactVerdict, Span | None]]]) -> None:
        """Replace, in place, each verdict the statement model made (not a hint's, an atom's or a
        polarity flip's) by the judge's, bounded by the fact's atoms."""
        asked = [[i for i, (v, _) in enumerate(row) if v.method == "statement" and v.status != "contradicted"]
                 for row in found]
        got = self.judge.judge_facts([(summary, [article.facts[i].statement for i in ask])
                                      for (article, summary), ask in zip(items, asked)])
        for (article, summary), row, ask, judged in zip(items, found, asked, got):
            for i, jd in zip(ask, judged):
                fact = article.facts[i]
                where = _quoted_span(summary, jd.quote) if jd.label != "missing" else None
                score = {"covered": 1.0, "partial": jd.probability}.get(jd.label, 0.0)
                verdict = FactVerdict(fact.id, jd.label, round(score, 6), where, f"judge:{self.judge.kind}")
                atoms = statement_atoms(fact.statement, article.published, fact.number, fact.date)
                if atoms and verdict.status in ("covered", "partial"):
                    verdict = _require_atoms(verdict, check_atoms(atoms, summary, fact.statement, article.published))
                row[i] = (verdict, None)

    def judge_usage(self) -> dict[str, float] | None:
        """The configured judge's calls, tokens and seconds (None without a judge)."""
        return self.judge.usage() if self.judge is not None else None

    def probability(self, signals: dict[str, float]) -> float:
        """P(carried) of the shipped/loaded model for one fact's signals."""
        return self._model.probability(signals)

    # ------------------------------------------------------------------ internals
    def _similarities(self, items: Sequence[tuple[Article, str]], views: list[SummaryView]
                      ) -> dict[tuple[int, str], float]:
        return statement_similarities(items, views)

    def _fact(self, fact: GoldFact, summary: str, sv: SummaryView, body: str, idf: dict[str, float],
              extra: dict[str, float], published: str | None = None) -> tuple[FactVerdict, Span | None]:
        """The fact's verdict, and the summary sentence that carries it if its polarity is
        still to be checked (:func:`_flips`: a flip there makes the fact ``contradicted``)."""
        hit = match_hints(fact, summary, published)
        atoms = statement_atoms(fact.statement, published, fact.number, fact.date)
        if hit is not None:
            if _beyond_hints(atoms, fact):  # hints add requirements to the statement's values, never loosen them
                hit = combine([hit, atoms_match(check_atoms(atoms, summary, fact.statement, published))])
            where = None
            if hit.score > 0 and hit.span is not None:
                where = next((s for s in _sentences(summary) if s.start <= hit.span.start < s.end), hit.span)
            return FactVerdict(fact.id, hit.status, round(hit.score, 6), hit.span, hit.method), where
        la = fact_signals(fact, sv, body, idf)
        unit = sv.units[la.best_unit] if la.best_unit is not None else None
        if unit is not None and self._contradicts(fact.statement, la, sv):
            return FactVerdict(fact.id, "contradicted", 0.0, unit, "statement"), None
        p = self._model.probability({**la.signals, **extra})
        anchors = fact_anchors(fact.statement, body, _quote(fact))
        core = statement_core(fact.statement)
        if core is not None:  # the fact without its closing description of what it names
            lc = lexical_signals(core, sv, idf, anchors=anchors)
            p = max(p, self._model.probability({**lc.signals, **extra}))
        verdict = self._decide(fact, p, unit, sv)
        if atoms and verdict.status != "missing":
            verdict = _require_atoms(verdict, check_atoms(atoms, summary, fact.statement, published))
        return verdict, unit if verdict.status in ("covered", "partial") else None

    def _decide(self, fact: GoldFact, p: float, unit: Span | None, sv: SummaryView) -> FactVerdict:
        """The verdict from P(carried), each name the fact states required for ``covered``."""
        names = [bool(s & sv.all_stems or near_stems(s, sv)) for s in name_slots(fact.statement)]
        if p >= self.covered_threshold and names and not any(names):  # the fact's named thing is not there
            return FactVerdict(fact.id, "missing", 0.0, None, "statement")
        if p >= self.covered_threshold and not all(names):  # one of the fact's names is not there
            return FactVerdict(fact.id, "partial", round(p * sum(names) / len(names), 6), unit, "statement")
        if p >= self.covered_threshold:
            return FactVerdict(fact.id, "covered", 1.0, unit, "statement")
        if p >= self.partial_threshold:
            return FactVerdict(fact.id, "partial", round(p, 6), unit, "statement")
        return FactVerdict(fact.id, "missing", 0.0, None, "statement")

    def _contradicts(self, statement: str, la: LexicalAlignment, sv: SummaryView) -> bool:
        """Whether the best-aligned sentence carries the fact's words with the opposite polarity
        (other values are the atoms' to judge: :func:`_require_atoms`)."""
        if la.context_recall < self.contradiction_context or la.best_unit is None:
            return False
        near = _negated_near(statement, sv.units[la.best_unit].text)
        return near is not None and la.fact_negated != near


def _quoted_span(summary: str, quote: str | None) -> Span | None:
    """Where the judge's quote stands in the summary (None when it is not there word for word)."""
    at = summary.find(quote.strip()) if quote and quote.strip() else -1
    return Span(at, at + len(quote.strip()), quote.strip()) if at >= 0 else None


def _beyond_hints(atoms: Atoms, fact: GoldFact) -> bool:
    """Whether the fact's statement has atoms its ``number`` and ``date`` hints do not state."""
    hinted = len(hint_atoms(fact.statement, fact.number, fact.date).quantities) + (1 if fact.date else 0)
    return len(atoms.quantities) + len(atoms.dates) > hinted


def _require_atoms(verdict: FactVerdict, chk: AtomCheck) -> FactVerdict:
    """``verdict`` with the fact's atoms required: ``contradicted`` where the summary states
    another value in a clause about the fact, at most ``partial`` (scaled by the share of atoms
    found) where some are missing."""
    if chk.contradiction is not None:
        return FactVerdict(verdict.id, "contradicted", 0.0, chk.contradiction, verdict.method)
    if chk.share < 1.0:
        score = (1.0 if verdict.status == "covered" else verdict.score) * chk.share
        if score <= 0:
            return FactVerdict(verdict.id, "missing", 0.0, None, verdict.method)
        return FactVerdict(verdict.id, "partial", round(score, 6), verdict.evidence, verdict.method)
    return verdict


def fact_signals(fact: GoldFact, sv: SummaryView, body: str, idf: dict[str, float]) -> LexicalAlignment:
    """Lexical signals of a hint-less ``fact`` on the prepared summary ``sv``, its evidence
    anchored in the (cleaned) article ``body`` (the fact's ``evidence`` quote when given)."""
    return lexical_signals(fact.statement, sv, idf, anchors=fact_anchors(fact.statement, body, _quote(fact)))


def _quote(fact: GoldFact) -> str | None:
    """The fact's gold evidence quote, cleaned (None without one)."""
    return clean(fact.evidence) if fact.evidence else None


def _flips(pairs: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (fact statement, summary sentence) pairs whose sentence negates a verb of the
    statement or states as done what it only plans. One batched parse (without entities, kept
    per process) of the pairs whose words allow a flip."""
    pairs = [p for p in dict.fromkeys(pairs) if could_flip(*p)]
    if not pairs:
        return set()
    texts = list(dict.fromkeys(t for p in pairs for t in p))
    docs = dict(zip(texts, parse(texts, ner=False, memo=True)))
    return {(st, sent) for st, sent in pairs if flips(predicates(docs[sent]), predicates(docs[st]))}


@lru_cache(maxsize=256)
def _sentences(summary: str) -> tuple[Span, ...]:
    """The summary's sentences, split once for all of its hinted facts."""
    return tuple(sentences(summary))


def _negated_near(statement: str, sentence: str) -> bool | None:
    """Whether the compact stretch of ``sentence`` that carries the fact's words is negated
    (None when the fact's words are absent or spread over a long stretch, or when the fact is
    negated and the sentence has none of the words it negates: no verdict)."""
    from ..checkers.coverage.statement import NEGATIONS, fact_slots

    slots = fact_slots(statement)
    toks = tokens(sentence)
    hits = [k for k, t in enumerate(toks) if any(t.stem in s for s in slots)]
    if not hits:
        return None
    ftoks = tokens(statement)
    negated = {t.stem for k, t in enumerate(ftoks) if any(n.norm in NEGATIONS or n.norm.endswith("n't")
                                                          for n in ftoks[max(0, k - 3):k])}
    if negated and not negated & {t.stem for t in toks}:
        return None  # the fact negates words the sentence does not state: it leaves that part out
    lo, hi = max(0, hits[0] - 2), hits[-1] + 1
    if hi - lo > 2 * len(slots) + 4:
        return None
    return any(t.norm in NEGATIONS or t.norm.endswith("n't") for t in toks[lo:hi])


def statement_similarities(items: Sequence[tuple[Article, str]], views: list[SummaryView]
                           ) -> dict[tuple[int, str], float]:
    """Best MiniLM cosine of each hint-less fact statement with a unit of each summary, keyed
    by (item index, statement); one batched embedding call over the unique texts."""
    from ..resources import embed

    texts: dict[str, int] = {}
    for (article, _), sv in zip(items, views):
        for f in article.facts:
            if not f.has_hints:
                texts.setdefault(f.statement, len(texts))
        for u in sv.units:
            texts.setdefault(u.text, len(texts))
    vecs = embed(list(texts))
    sims: dict[tuple[int, str], float] = {}
    for k, ((article, _), sv) in enumerate(zip(items, views)):
        rows = [texts[u.text] for u in sv.units]
        for f in article.facts:
            if f.has_hints:
                continue
            sims[(k, f.statement)] = float((vecs[rows] @ vecs[texts[f.statement]]).max()) if rows else 0.0
    return sims
