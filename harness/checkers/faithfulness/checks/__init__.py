"""The registry of claim checks. Each check is one module with a function
``check(claim: ClaimInput) -> list[Finding]``; adding a check means adding its file and one line
below. :func:`run_checks` runs them in registry order (the order findings are reported in).
A change to a shipped check bumps the hallucination scorer's ``VERSION``; a check registered at
run time (``CLAIM_CHECKS.register``) enters the scorer's signature through :func:`checks_signature`."""

from __future__ import annotations

from ....registry import Registry
from ..findings import ClaimInput, Finding

CLAIM_CHECKS = Registry("claim check", {
    "names": "harness.checkers.faithfulness.checks.names:check",
    "values": "harness.checkers.faithfulness.checks.values:check",
    "negation": "harness.checkers.faithfulness.checks.negation:check",
    "roles": "harness.checkers.faithfulness.checks.roles:check",
    "speakers": "harness.checkers.faithfulness.checks.speakers:check",
    "swapped_names": "harness.checkers.faithfulness.checks.swapped_names:check",
    "descriptors": "harness.checkers.faithfulness.checks.descriptors:check",
    "antonyms": "harness.checkers.faithfulness.checks.antonyms:check",
})
"""Check name -> ``"module:function"``, in the order the checks run."""

_SHIPPED = CLAIM_CHECKS.entries()


def checks_signature() -> str:
    """``""`` with the shipped checks; otherwise ``"|checks=..."`` naming every registered
    check and its target, so that runs and cached features with other checks are told apart."""
    entries = CLAIM_CHECKS.entries()
    return "" if entries == _SHIPPED else "|checks=" + ",".join(f"{k}={v}" for k, v in entries.items())


def run_checks(claim: ClaimInput) -> list[Finding]:
    """The findings of every registered check on ``claim``, check by check."""
    return [f for name in CLAIM_CHECKS.entries() for f in CLAIM_CHECKS.load(name)(claim)]
