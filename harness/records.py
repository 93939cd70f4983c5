"""Typed, frozen records that flow through the harness.

Inputs: :class:`GoldFact`, :class:`Trap`, :class:`Article` (one line of ``articles.jsonl``).
Between stages: :class:`Summary` (a model's output for one article).
Outputs: :class:`Span`, :class:`FactVerdict`, :class:`Hallucination`, :class:`CoverageResult`,
:class:`FaithfulnessResult` and :class:`ScoreRecord` (one line of ``scores.jsonl``).

Every record converts to plain JSON with :func:`to_json` and back with its ``from_json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

FactStatus = Literal["covered", "partial", "missing", "contradicted"]
HallucinationKind = Literal[
    "entity", "number", "date", "negation", "modality", "attribution", "unsupported", "off_article", "trap"
]
FACT_STATUSES: tuple[str, ...] = ("covered", "partial", "missing", "contradicted")
HALLUCINATION_KINDS: tuple[str, ...] = (
    "entity", "number", "date", "negation", "modality", "attribution", "unsupported", "off_article", "trap",
)
TRAP_KINDS: tuple[str, ...] = HALLUCINATION_KINDS


@dataclass(frozen=True, kw_only=True)
class Hints:
    """Precise-matching hints of a gold fact or a trap (keyword-only): what a summary must say
    for the fact to be carried, or says when it falls into the trap."""

    any_of: tuple[str, ...] = ()
    """Alternative phrasings; any one of them in the summary matches."""
    all_of: tuple[str, ...] = ()
    """Parts that must all appear (for a fact, some of them give partial credit)."""
    pattern: str | None = None
    """A case-insensitive regular expression matched against the summary."""
    date: str | None = None
    """An ISO date (YYYY-MM-DD) the summary states, in any common English form."""
    number: float | None = None
    """A number the summary states ("four" and "4" both count)."""

    @property
    def has_hints(self) -> bool:
        """True when at least one precise-matching hint is given."""
        return bool(self.any_of or self.all_of or self.pattern or self.date or self.number is not None)


@dataclass(frozen=True)
class GoldFact(Hints):
    """A key fact a good summary of the article must carry; its hints say what carries it."""

    id: str
    """Unique within the article."""
    statement: str
    """The fact as a plain sentence; what an automatic matcher compares when no hint decides."""
    importance: int = 1
    """Weight in the coverage score: 1 (nice to have) .. 3 (a summary must carry it)."""
    evidence: str | None = None
    """An exact quote from the article text that states the fact."""


@dataclass(frozen=True)
class Trap(Hints):
    """A false claim a careless summary tends to make, which the article does not support; its
    hints (the wrong date or number, the phrasings) say what makes the claim."""

    id: str
    """Unique within the article (shared namespace with facts)."""
    statement: str
    """The false claim as a plain sentence."""
    kind: str = "unsupported"
    """One of :data:`TRAP_KINDS` (entity, number, date, negation, ...)."""


@dataclass(frozen=True)
class Article:
    """A source article with its gold annotation (one line of ``articles.jsonl``)."""

    id: str
    """Unique within the benchmark."""
    text: str
    """The page as captured, page furniture (menus, newsletter prompts, news feeds) included."""
    title: str = ""
    """Headline."""
    url: str = ""
    """Where the page was captured."""
    published: str | None = None
    """Publication date, ISO (YYYY-MM-DD)."""
    format: str = "text"
    """``text`` or ``html``: how ``text`` is encoded."""
    body: str | None = None
    """The clean article body; extracted from ``text`` when absent."""
    facts: tuple[GoldFact, ...] = ()
    """Key facts a good summary must carry."""
    traps: tuple[Trap, ...] = ()
    """False claims a summary must not make."""
    references: tuple[str, ...] = ()
    """Reference summaries written by people."""
    furniture: tuple[str, ...] = ()
    """Page furniture removed from ``text`` to get ``body`` (filled by body extraction)."""


@dataclass(frozen=True)
class Summary:
    """One model's summary of one article."""

    model: str
    """The model's name in the config."""
    article_id: str
    """The :attr:`Article.id` it summarises."""
    text: str
    """The summary (untrusted model output)."""
    meta: dict[str, Any] = field(default_factory=dict, compare=False)
    """Generation details: cache hit, tokens, truncation, timings, errors."""


@dataclass(frozen=True)
class Span:
    """A character span ``text[start:end]`` of a summary or article."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class FactVerdict:
    """Whether one gold fact is carried by a summary, with the summary span as evidence."""

    id: str
    """The :attr:`GoldFact.id`."""
    status: FactStatus
    """covered | partial | missing | contradicted."""
    score: float
    """Credit in 0..1 (1 covered, partial credit for partial, 0 missing/contradicted)."""
    evidence: Span | None = None
    """The summary span that carries (or contradicts) the fact."""
    method: str = ""
    """What decided: a hint name (``all_of``, ``date`` ...) or ``statement``."""


@dataclass(frozen=True)
class Hallucination:
    """A claim or span of the summary the article body does not support."""

    start: int
    """Character offset into the summary."""
    end: int
    text: str
    """``summary[start:end]``."""
    kind: HallucinationKind
    score: float = 1.0
    """Confidence that this is an error, 0..1."""
    trap_id: str | None = None
    """The gold :class:`Trap` it falls into, if any."""
    source_evidence: str | None = None
    """The source sentence the claim was checked against (or the furniture it came from, or the
    sentence that shows the problem: the one that gives a misplaced name's role to another)."""
    detail: str = ""
    """A short human explanation ("'five' not in the article")."""


@dataclass(frozen=True)
class CoverageResult:
    """What a coverage scorer says about one summary."""

    coverage: float
    """Importance-weighted mean of fact scores, 0..1."""
    facts: tuple[FactVerdict, ...]


@dataclass(frozen=True)
class FaithfulnessResult:
    """What a hallucination scorer says about one summary."""

    hallucinations: tuple[Hallucination, ...]
    hallucination_rate: float
    """Unsupported claims / claims, 0..1."""
    faithful: bool
    probability: float
    """Probability that the summary is faithful, 0..1."""
    n_claims: int
    traps_hit: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreRecord:
    """One line of ``scores.jsonl``: every verdict about one (model, article) pair."""

    model: str
    article_id: str
    summary: str
    coverage: float | None
    facts: tuple[FactVerdict, ...]
    hallucinations: tuple[Hallucination, ...]
    hallucination_rate: float | None
    faithful: bool | None = None
    faithfulness_probability: float | None = None
    n_claims: int = 0
    traps_hit: tuple[str, ...] = ()
    summary_words: int = 0
    unscored: str | None = None
    """None, or why this pair could not be scored (never folded into 0 or 1)."""
    generation: dict[str, Any] = field(default_factory=dict)
    """Generation details carried over from :attr:`Summary.meta` (truncation, cache)."""

    @property
    def cut_off(self) -> bool:
        """Whether the generation stopped at its token limit (its last sentence may be unfinished)."""
        return isinstance(self.generation, dict) and bool(self.generation.get("hit_max_new_tokens"))


def to_json(record: Any) -> Any:
    """Convert a record (or nested records, tuples, dicts) to plain JSON values."""
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        return {f.name: to_json(getattr(record, f.name)) for f in dataclasses.fields(record)}
    if isinstance(record, (list, tuple)):
        return [to_json(x) for x in record]
    if isinstance(record, dict):
        return {str(k): to_json(v) for k, v in record.items()}
    return record


def score_record_from_json(data: dict[str, Any]) -> ScoreRecord:
    """Rebuild a :class:`ScoreRecord` from one parsed line of ``scores.jsonl``."""
    facts = tuple(
        FactVerdict(**{**f, "evidence": Span(**f["evidence"]) if f.get("evidence") else None})
        for f in data.get("facts", [])
    )
    halls = tuple(Hallucination(**h) for h in data.get("hallucinations", []))
    names = {f.name for f in dataclasses.fields(ScoreRecord)}
    rest = {k: v for k, v in data.items() if k in names and k not in ("facts", "hallucinations")}
    rest["traps_hit"] = tuple(rest.get("traps_hit", ()))
    return ScoreRecord(facts=facts, hallucinations=halls, **rest)
