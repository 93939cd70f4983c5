"""Claim check: a name of the article in another role (a wrong doer, a wrong object, an extra
actor), from the dependency parse of the claim and of its evidence."""

from __future__ import annotations

from ..findings import ClaimInput, Finding
from ..roles import frames, role_errors


def check(ci: ClaimInput) -> list[Finding]:
    """An ``entity`` finding per participant the evidence does not give that role."""
    claim_frames = frames(list(ci.tokens))
    keys = frozenset(f.key for f in claim_frames)
    source_frames = frames(list(ci.evidence.tokens), keys) if keys else []
    return [Finding(r.start, r.end, "entity", r.detail)
            for r in role_errors(claim_frames, source_frames, ci.source.sent_stems)]
