"""Claim check: a statement put in the mouth of someone the article does not have saying it."""

from __future__ import annotations

from ..attribution import speakers, wrong_speakers
from ..findings import ClaimInput, Finding


def check(ci: ClaimInput) -> list[Finding]:
    """An ``attribution`` finding per speaker of the claim the evidence does not attribute it to."""
    return [Finding(sp.start, sp.end, "attribution", f"the article does not have {sp.text!r} saying this")
            for sp in wrong_speakers(speakers(list(ci.tokens)), speakers(list(ci.evidence.tokens)))]
