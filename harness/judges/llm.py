"""The LLM judge: a chat model asked for a JSON verdict, through any summarizer backend (``hf``
locally; ``openai`` for vLLM, llama.cpp, Ollama or a hosted API, with their concurrency and
retry settings). ``model`` is an ordinary ``models:`` entry.

- Claim faithfulness: the summary's claims, numbered, against the article; per claim
  ``supported``, and when not, the error ``kind`` and the article sentence (``source``).
- Key-fact alignment: the gold facts, numbered, against the summary; per fact a ``status`` and
  the summary sentence (``quote``) that states it.

The answer must be one JSON object of the schema the prompt shows (checked here, field by field).
A bad answer (no JSON, a wrong field, a refusal, an answer cut short, a failed request) is asked
again once with the problem named; a second bad answer raises :class:`~harness.judges.JudgeError`,
so the item ends *unscored* with the reason. The instructions come before the article, so a
prompt cut to the model's context loses the article's end, never the question (the backend counts
what it cut). Greedy decoding / temperature 0 and a seed are the backends' defaults. Answers go
through the generation cache, keyed by the judge model's identity and the whole prompt (which
names :data:`PROMPT_VERSION`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

from ..errors import ConfigError
from ..records import Article
from . import Judgement, JudgeError

PROMPT_VERSION = "judge-v1"

CLAIM_KINDS = ("entity", "number", "date", "negation", "attribution", "unsupported")
FACT_STATUSES = ("covered", "partial", "missing", "contradicted")

CLAIMS_PROMPT = """[{version}] You check a summary against the news article it summarises. For each numbered claim of the summary, decide whether the article supports it.

Claims:
{items}

Answer with only one JSON object and no other text, with one entry per claim, in order:
{{"claims": [{{"n": 1, "supported": true, "kind": null, "source": "the article sentence that supports or contradicts the claim", "reason": "a few words"}}]}}
"kind" is null for a supported claim, else one of: {kinds}.

Article:
{text}"""

FACTS_PROMPT = """[{version}] You check which key facts a summary of a news article states. For each numbered fact, decide whether the summary states it.

Facts:
{items}

Answer with only one JSON object and no other text, with one entry per fact, in order:
{{"facts": [{{"n": 1, "status": "covered", "quote": "the summary sentence that states the fact", "reason": "a few words"}}]}}
"status" is one of: covered (the summary states the fact), partial (only part of it), missing (not stated), contradicted (the summary says otherwise).

Summary:
{text}"""

RETRY = "\n\nYour previous answer could not be used: {error}. Answer again with only the JSON object."


def parse_answer(text: str, key: str, n: int) -> list[dict[str, Any]]:
    """The ``n`` entries under ``key`` of the first JSON object in ``text``; a :class:`ValueError`
    naming the first problem otherwise (fields are checked in :func:`_claim` / :func:`_fact`)."""
    start = text.find("{")
    if start < 0 or text.rfind("}") < start:
        raise ValueError("the answer holds no JSON object" + (" (it was cut short?)" if start >= 0 else ""))
    try:  # the first complete object; a code fence or words after it are ignored
        obj, _ = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON at character {exc.pos - start}: {exc.msg}") from None
    entries = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"the JSON object needs a list under {key!r}")
    if len(entries) != n:
        raise ValueError(f"{key!r} has {len(entries)} entries, expected {n}")
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict):
            raise ValueError(f"{key}[{i}] is not an object")
        if e.get("n", i) != i:
            raise ValueError(f"{key}[{i}] has n={e.get('n')!r}, expected {i}")
        for field in ("source", "quote", "reason"):
            if e.get(field) is not None and not isinstance(e[field], str):
                raise ValueError(f"{key}[{i}].{field} must be a string")
    return entries


def _claim(e: dict[str, Any], i: int) -> Judgement:
    if not isinstance(e.get("supported"), bool):
        raise ValueError(f"claims[{i}].supported must be true or false")
    kind = e.get("kind")
    if not e["supported"] and kind not in CLAIM_KINDS:
        raise ValueError(f"claims[{i}].kind must be one of {', '.join(CLAIM_KINDS)}, got {kind!r}")
    return Judgement("supported" if e["supported"] else "unsupported", 1.0 if e["supported"] else 0.0,
                     e.get("source") or None, e.get("reason") or "", None if e["supported"] else kind)


def _fact(e: dict[str, Any], i: int) -> Judgement:
    status = e.get("status")
    if status not in FACT_STATUSES:
        raise ValueError(f"facts[{i}].status must be one of {', '.join(FACT_STATUSES)}, got {status!r}")
    return Judgement(status, {"covered": 1.0, "partial": 0.5}.get(status, 0.0), e.get("quote") or None,
                     e.get("reason") or "")


class LLMJudge:
    """Claims and facts judged by a chat model through a summarizer backend."""

    kind = "llm"

    def __init__(self, model: dict[str, Any], where: str = "judge"):
        """model: a ``models:`` entry (``backend: hf`` or ``openai`` with its keys); its
        ``prompt`` is the judge's own and may not be set."""
        from .. import summarizers

        if not isinstance(model, dict) or "backend" not in model:
            raise ConfigError(f"{where}.model: must be a models: entry with a backend (hf or openai)")
        if "prompt" in model:
            raise ConfigError(f"{where}.model.prompt: the judge writes its own prompts; remove the key")
        self._model = summarizers.build_cached({"name": "judge", **model, "prompt": "{text}"}, where=f"{where}.model")
        self._usage = {"calls": 0, "retries": 0, "failed": 0, "prompt_tokens": 0, "new_tokens": 0,
                       "truncated_tokens": 0, "seconds": 0.0}

    def signature(self) -> str:
        """The judge model's identity (its fingerprint) and the prompt version."""
        from ..cache import identity_fingerprint

        return f"llm:{PROMPT_VERSION}:{identity_fingerprint(self._model.identity())[:16]}"

    def usage(self) -> dict[str, float]:
        """Calls, retries, failed items, tokens in and out, tokens cut from prompts, seconds."""
        return dict(self._usage)

    def judge_claims(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[Judgement]]:
        """Each claim against its article."""
        prompts = [CLAIMS_PROMPT.format(version=PROMPT_VERSION, items=_numbered(claims), kinds=", ".join(CLAIM_KINDS),
                                        text=source) for source, claims in items]
        return self._ask(prompts, [len(c) for _, c in items], "claims", _claim)

    def judge_facts(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[Judgement]]:
        """Each fact statement against the summary."""
        prompts = [FACTS_PROMPT.format(version=PROMPT_VERSION, items=_numbered(facts), text=summary)
                   for summary, facts in items]
        return self._ask(prompts, [len(f) for _, f in items], "facts", _fact)

    # ------------------------------------------------------------------ internals
    def _ask(self, prompts: list[str], sizes: list[int], key: str, read: Any) -> list[list[Judgement]]:
        out: list[list[Judgement] | None] = [[] if n == 0 else None for n in sizes]
        errors: dict[int, str] = {}
        todo = [k for k, n in enumerate(sizes) if n]
        for attempt in range(2):
            asked = [prompts[k] + (RETRY.format(error=errors[k]) if attempt else "") for k in todo]
            for k, answer in zip(todo, self._generate(asked)):
                try:
                    if answer is None or isinstance(answer, Exception):
                        raise ValueError(str(answer) if answer else "no answer")
                    out[k] = [read(e, i) for i, e in enumerate(parse_answer(answer, key, sizes[k]), 1)]
                except ValueError as exc:
                    errors[k] = str(exc)
            todo = [k for k in todo if out[k] is None]
            if not todo:
                break
            if attempt == 0:
                self._usage["retries"] += len(todo)
        if todo:
            self._usage["failed"] += len(todo)
            raise JudgeError(f"the LLM judge gave no usable answer after a retry: {errors[todo[0]]}")
        return [row or [] for row in out]

    def _generate(self, prompts: list[str]) -> list[str | Exception]:
        """The model's answer to each prompt (an exception in place of a failed request)."""
        if not prompts:
            return []
        arts = [Article(id="judge-" + hashlib.sha256(p.encode()).hexdigest()[:16], text=p, title="", body=p)
                for p in prompts]
        self._usage["calls"] += len(prompts)
        answers: list[str | Exception] = []
        for s in self._model.summarize(arts):
            meta = s.meta or {}
            for field in ("prompt_tokens", "new_tokens", "truncated_tokens", "seconds"):
                if isinstance(meta.get(field), (int, float)) and not meta.get("cached"):
                    self._usage[field] += meta[field]
            answers.append(ValueError(f"the request failed: {meta['error']}") if meta.get("error") else s.text)
        return answers


def _numbered(lines: Sequence[str]) -> str:
    return "\n".join(f"{i}. {' '.join(str(line).split())}" for i, line in enumerate(lines, 1))
