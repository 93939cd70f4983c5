"""The records of the claim-evidence-verdict model: a :class:`~.claims.Claim` of the summary, the
:class:`Evidence` it is checked against, the :class:`ClaimInput` every claim check reads, and the
typed :class:`Finding` a check reports. All frozen: a check reads them and returns new findings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...records import Article, HallucinationKind

if TYPE_CHECKING:
    from ...text import DateMention
    from .claims import Claim
    from .support import Source


@dataclass(frozen=True)
class Evidence:
    """The article body sentences a claim is aligned to, best first, and their parsed tokens."""

    sentences: tuple[str, ...]
    tokens: tuple[Any, ...] = ()
    """spaCy tokens of ``sentences``, in order (dependencies and lemmas; no entities)."""

    @property
    def best(self) -> str:
        """The best-supporting sentence ("" when the body has none)."""
        return self.sentences[0] if self.sentences else ""


@dataclass(frozen=True)
class Finding:
    """One typed problem inside a claim, at summary offsets ``start:end``."""

    start: int
    end: int
    kind: HallucinationKind
    detail: str
    """A short human explanation ("'five' not in the article")."""
    evidence: str | None = None
    """The article sentence that shows the problem, where it is not the claim's own evidence (the
    sentence that gives a name's role to another name); the scorer reports the claim's best
    evidence sentence otherwise."""


@dataclass(frozen=True)
class ClaimInput:
    """Everything a claim check may read about one claim."""

    claim: Claim
    tokens: tuple[Any, ...]
    """spaCy tokens of the claim (summary offsets)."""
    ents: tuple[Any, ...]
    """Named-entity spans of the claim."""
    evidence: Evidence
    source: Source
    """The indexed article body."""
    article: Article
    known_dates: tuple[DateMention, ...]
    """Dates the article states (body, byline, weekdays resolved against publication)."""
    gold_names: frozenset[str]
    """Words of the gold annotation's facts: true statements, so their names are known."""
