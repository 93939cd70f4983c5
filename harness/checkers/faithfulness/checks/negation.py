"""Claim check: a predicate negated, or stated as done where the article has it planned (and
the reverse), against the aligned evidence."""

from __future__ import annotations

from ...polarity import flips, predicates
from ..findings import ClaimInput, Finding


def check(ci: ClaimInput) -> list[Finding]:
    """A ``negation`` finding per negated predicate, a ``modality`` one per predicate stated as
    done where the article has it planned (or the reverse)."""
    return [Finding(f.start, f.end, "negation" if f.what == "negation" else "modality", f.detail)
            for f in flips(predicates(list(ci.tokens)), predicates(list(ci.evidence.tokens)))]
