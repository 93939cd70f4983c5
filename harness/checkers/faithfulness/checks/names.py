"""Claim check: names (people, places, organisations) the article never mentions."""

from __future__ import annotations

from ..entities import novel_names
from ..findings import ClaimInput, Finding


def check(ci: ClaimInput) -> list[Finding]:
    """An ``entity`` finding per name group some of whose words are neither in the article nor
    in the gold facts."""
    c = ci.claim
    return [Finding(c.start + n.start, c.start + n.end, "entity",
                    f"{', '.join(repr(m) for m in n.missing)} not in the article")
            for n in novel_names(list(ci.tokens), c.start, c.text, ci.source.stems, ci.gold_names, list(ci.ents))]
