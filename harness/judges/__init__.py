"""Judges: a stronger model that decides what the typed checks leave open, where a user has one.

A scorer's ``judge:`` mapping picks one (the offline checks stay the default: no ``judge``, no
change)::

    scorers:
      hallucination:
        judge: {kind: nli, model: PATH_OR_HUB_ID}      # any sequence-classification NLI checkpoint
      coverage:
        judge: {kind: llm, model: {backend: openai, base_url: ..., model: ...}}   # or backend: hf

- ``nli`` (:mod:`harness.judges.nli`): entailment and contradiction probabilities, SummaC-style.
- ``llm`` (:mod:`harness.judges.llm`): a prompt, a JSON answer checked against a schema, one retry
  with the parse error shown; the model entry is an ordinary summarizer ``models:`` entry.

For coverage the judge decides the facts whose verdict the hints and atoms leave to the statement
model; for hallucination, the claims without a typed finding. A judge's verdicts carry
``method: judge:<kind>`` (facts) or a ``judge:`` detail (claims), its identity goes into the
scorer's signature, and an answer it cannot give after its retry makes the item *unscored* with
the reason: a parse failure is never a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

from ..errors import ConfigError, did_you_mean
from ..records import HALLUCINATION_KINDS, Hallucination
from ..registry import Registry, check_params


class JudgeError(RuntimeError):
    """The judge gave no usable answer for an item (after its retry): the item is unscored (the
    batch it came in is scored again one item at a time, so the others keep their verdicts)."""


@dataclass(frozen=True)
class Judgement:
    """A judge's verdict on one claim (against the article) or one fact (against the summary)."""

    label: str
    """Claims: ``supported`` | ``unsupported`` | ``contradicted``. Facts: ``covered`` |
    ``partial`` | ``missing`` | ``contradicted``."""
    probability: float
    """The judge's probability that the claim is supported / the fact is stated (an LLM's
    verdicts are 1.0 or 0.0, ``partial`` 0.5)."""
    quote: str | None = None
    """The sentence the judge points to: the source sentence for a claim, the summary sentence
    for a fact."""
    rationale: str = ""
    """Why, in the judge's words (an NLI judge gives its probabilities)."""
    kind: str | None = None
    """For an unsupported claim, the error kind the judge names (entity, number, date, ...)."""

    def finding(self, claim: Any, evidence: str | None, judge_kind: str) -> Hallucination:
        """This judgement of ``claim`` (a summary span: ``start``, ``end``, ``text``; ``evidence``, the source sentences the
        typed checks aligned it with) as a hallucination, with the judge's quote and reason."""
        what = "contradicted by the article" if self.label == "contradicted" else "not supported by the article"
        return Hallucination(claim.start, claim.end, claim.text,
                             self.kind if self.kind in HALLUCINATION_KINDS else "unsupported",  # type: ignore[arg-type]
                             round(1.0 - self.probability, 6), source_evidence=self.quote or evidence or None,
                             detail=f"judge ({judge_kind}): {what}" + (f"; {self.rationale}" if self.rationale else ""))


class Judge(Protocol):
    """Decides claims against a source and facts against a summary, in batches."""

    kind: str

    def signature(self) -> str:
        """Everything that changes the judge's verdicts (model identity, prompt version)."""
        ...

    def judge_claims(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[Judgement]]:
        """Per (source, claims): one judgement per claim. A raised :class:`JudgeError` makes
        the whole batch fall back to one item at a time, the failing item then unscored."""
        ...

    def judge_facts(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[Judgement]]:
        """Per (summary, fact statements): one judgement per fact."""
        ...

    def usage(self) -> dict[str, float]:
        """Counters so far: calls, tokens, seconds, retries, truncations."""
        ...


KINDS = Registry("judge kind", {"nli": "harness.judges.nli:NLIJudge", "llm": "harness.judges.llm:LLMJudge"})


def build_judge(spec: Any, where: str) -> Judge:
    """The judge of a scorer's ``judge:`` mapping (``kind`` plus the judge's parameters)."""
    if not isinstance(spec, dict):
        raise ConfigError(f"{where}: must be a mapping with 'kind' (nli or llm), got {type(spec).__name__}")
    params = dict(spec)
    kind = params.pop("kind", None)
    if kind not in KINDS:
        raise ConfigError(f"{where}.kind: must be one of {', '.join(KINDS.available())}, got {kind!r}."
                          + did_you_mean(str(kind), KINDS.available()))
    if "where" in params:
        raise ConfigError(f"{where}.where: unknown key")
    cls = KINDS.load(kind)
    check_params(cls, params, where)
    return cls(**params, where=where)


def score_or_skip(scorer: Any, items: Sequence[Any], **kwargs: Any) -> list[Any]:
    """``scorer.score_many(items)``, except that an item its judge cannot answer is ``None``
    (the batch is then scored one item at a time): for the meta-evaluation, which counts and
    leaves out such items instead of guessing a verdict."""
    try:
        return scorer.score_many(items, **kwargs)
    except JudgeError:
        out = []
        for item in items:
            try:
                out.extend(scorer.score_many([item]))
            except JudgeError:
                out.append(None)
        return out
