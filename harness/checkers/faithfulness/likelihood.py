"""Likelihood judge: how much a small causal LM's belief in each claim rises when it reads the
claim's supporting source sentences first.

For every summary the judge scores its tokens twice with the same LM (default: the offline
SmolLM2-135M-Instruct, see ``../shared/MODELS.md``): once after ``Article: <evidence>\\nSummary:``,
where ``<evidence>`` is the two best-supporting body sentences of each claim in document order, and
once after ``Summary:`` alone. A faithful claim restates its evidence, so conditioning makes its
tokens more probable (positive pointwise mutual information); an invented name, number or swap
stays improbable. The per-token log-probabilities become :data:`LM_FEATURES` (per summary) and
:data:`CLAIM_LM_FEATURES` (per claim), which the hallucination scorer's logistic model weighs
with the lexical features.

Only the hidden states of the summary positions go through the LM head (the context's logits
are never built), rows are sorted by length to keep padding small, and the model runs in
``dtype`` (float32 by default: the same on every machine, and on CPUs without bfloat16
instructions about 5x faster than bfloat16, which they emulate; bfloat16 is ~2x float32 on CPUs
with AMX/AVX-512-BF16, and its features agree with float32's to a correlation of 0.9999).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ...errors import ConfigError, HarnessError

VERSION = "lm-pmi-2"
"""Bumped when the features a given model yields change (2: the tokenizer's own start, <bos>, opens both
passes; SmolLM2's tokenizer adds none, so its features are those of 1)."""
DEFAULT_LM = "smollm2-135m-instruct"
NONE = ("none", "off", "")

LM_FEATURES: tuple[str, ...] = (
    "lm_mean_pmi", "lm_min_claim_pmi", "lm_mean_cond", "lm_min_claim_cond", "lm_low", "lm_bot3",
    "lm_neg_pmi",
)
"""Summary-level features: mean token PMI and conditional log-prob over the summary, their
minimum over claims (each claim's tokens averaged), the share of tokens below log-prob -5, the
mean of the three least probable tokens, and the share of tokens that conditioning made less
probable by more than one nat."""

TOKEN_FEATURES: tuple[str, ...] = ("pmi", "cond", "low", "bot3", "neg_pmi")
"""Per-claim features (stored on a claim check with an ``lm_`` prefix): the summary-level
ones computed over one claim's tokens."""

LOW_LOGPROB = -5.0
NEG_PMI = -1.0
_HEAD_ROWS = 256
"""Token positions whose vocabulary-wide logits are held at once (256 x 49,152 floats = 50 MB)."""


def token_features(cond: np.ndarray, uncond: np.ndarray) -> dict[str, float]:
    """The feature values of one stretch of tokens (conditional and unconditional log-probs)."""
    if len(cond) == 0:
        return dict.fromkeys(TOKEN_FEATURES, 0.0)
    pmi = cond - uncond
    return {"pmi": float(pmi.mean()), "cond": float(cond.mean()), "low": float(np.mean(cond < LOW_LOGPROB)),
            "bot3": float(np.sort(cond)[:3].mean()), "neg_pmi": float(np.mean(pmi < NEG_PMI))}


def summary_features(whole: dict[str, float], claims: Sequence[dict[str, float]]) -> dict[str, float]:
    """:data:`LM_FEATURES` from the whole summary's token features and each claim's."""
    claims = list(claims) or [whole]
    return {"lm_mean_pmi": whole["pmi"], "lm_min_claim_pmi": min(c["pmi"] for c in claims),
            "lm_mean_cond": whole["cond"], "lm_min_claim_cond": min(c["cond"] for c in claims),
            "lm_low": whole["low"], "lm_bot3": whole["bot3"], "lm_neg_pmi": whole["neg_pmi"]}


def as_summary_features(claim: dict[str, float]) -> dict[str, float]:
    """One claim's token features in the summary-level space (the claim judged on its own)."""
    return summary_features(claim, [claim])


def check_dtype(dtype: str) -> None:
    """A :class:`ConfigError` unless ``dtype`` is one the judge runs in."""
    if dtype not in ("float32", "bfloat16"):
        raise ConfigError(f"scorers.hallucination.lm_dtype: {dtype!r} is not float32 or bfloat16")


class LikelihoodJudge:
    """Token log-probabilities of summaries under a causal LM, with and without their evidence.

    ``lm``: a preset name (``smollm2-135m-instruct``) or a local model folder / ``.gguf`` file;
    ``dtype``: float32 | bfloat16; ``context_tokens`` / ``summary_tokens``: where the evidence and
    the summary are cut; ``batch``: rows per forward pass; ``evidence_per_claim``: how many of each
    claim's best-supporting sentences the context holds (see :func:`evidence_text`).
    """

    def __init__(self, lm: str = DEFAULT_LM, dtype: str = "float32", context_tokens: int = 256,
                 summary_tokens: int = 128, batch: int = 8, evidence_per_claim: int = 2):
        check_dtype(dtype)
        self.lm = str(lm)
        self.evidence_per_claim = int(evidence_per_claim)
        self.dtype = dtype
        self.context_tokens = int(context_tokens)
        self.summary_tokens = int(summary_tokens)
        self.batch = int(batch)
        self._files: Any = None
        self._tok: Any = None
        self._model: Any = None
        self._lock = threading.Lock()
        self.cache: Any = None
        """A :class:`~harness.cache.LikelihoodCache`, or None. What the LM reads does not change
        with the claim checks, so a refit after a change of the checks (which runs with one) runs
        the LM only where a claim's text or evidence changed."""

    # ------------------------------------------------------------------ loading
    def files(self) -> Any:
        """The located model files (nothing is loaded or downloaded)."""
        if self._files is None:
            from ...weights import presets
            from ...weights.files import ModelFiles, locate

            preset = self.lm if self.lm in presets.PRESETS else None
            if preset is None and not Path(self.lm).expanduser().exists():
                raise ConfigError(f"scorers.hallucination.lm: {self.lm!r} is neither a preset "
                                  f"({', '.join(presets.PRESETS)}) nor a local model folder or .gguf file")
            try:
                folder, gguf = locate("hallucination.lm", None if preset else self.lm, preset, None, None, True)
            except HarnessError as exc:
                raise HarnessError(f"scorers.hallucination.lm: {exc} (or leave the hallucination "
                                   "scorer's lm unset: no likelihood judge, lexical weights)") from exc
            self._files = ModelFiles(folder, gguf)
        return self._files

    def identity(self) -> str:
        """What the features depend on: the model file's hash, dtype, evidence sentences per claim and cut lengths."""
        return (f"{VERSION}:{self.lm}@{self.files().sha256()[:12]}:{self.dtype}"
                f":ev{self.evidence_per_claim}:ctx{self.context_tokens}:sum{self.summary_tokens}")

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                import torch

                from ...heap import bound_heap_growth

                bound_heap_growth()  # activations: big buffers go back to the system when freed
                try:
                    tok = self.files().load_tokenizer()
                    model, _ = self.files().load_model(tok, "float32")
                except (OSError, ValueError) as exc:
                    raise HarnessError(f"scorers.hallucination.lm: cannot load {self.lm}: {exc}") from exc
                if getattr(model.config, "is_encoder_decoder", False):
                    raise HarnessError(f"hallucination.lm: {self.lm} is an encoder-decoder model; "
                                       "the likelihood judge needs a causal LM")
                self._model = model.to(getattr(torch, self.dtype)).eval()
                self._tok = tok
        return self._tok, self._model

    # ------------------------------------------------------------------ scoring
    def _encode(self, prefix: list[int], summary: str) -> tuple[list[int], int, list[tuple[int, int]]]:
        """(ids, index of the first summary token, summary offsets of each summary token)."""
        lead = len(summary) - len(summary.lstrip())
        enc = self._tok(" " + summary.strip(), add_special_tokens=False, return_offsets_mapping=True)
        ids = enc["input_ids"][: self.summary_tokens]
        offsets = [(max(a - 1, 0) + lead, max(b - 1, 0) + lead) for a, b in enc["offset_mapping"][: len(ids)]]
        return prefix + ids, len(prefix), offsets

    def _forward(self, rows: list[tuple[list[int], int]]) -> list[np.ndarray]:
        """Log-probabilities of ``ids[start:]`` for each (ids, start) row, in one padded pass."""
        import torch

        width = max(len(ids) for ids, _ in rows)
        pad = self._tok.pad_token_id if self._tok.pad_token_id is not None else 0
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for k, (r, _) in enumerate(rows):
            ids[k, : len(r)] = torch.tensor(r)
            mask[k, : len(r)] = 1
        at_r, at_c, target = [], [], []
        for k, (r, start) in enumerate(rows):
            at_r += [k] * (len(r) - start)
            at_c += list(range(start - 1, len(r) - 1))
            target += r[start:]
        with torch.inference_mode():
            hidden = self._model.base_model(input_ids=ids, attention_mask=mask).last_hidden_state[at_r, at_c]
            head = self._model.get_output_embeddings()
            want = torch.tensor(target)
            parts = []
            for a in range(0, len(target), _HEAD_ROWS):  # vocabulary-wide logits, a slice at a time
                logits = head(hidden[a: a + _HEAD_ROWS]).float()
                picked = logits.gather(1, want[a: a + _HEAD_ROWS, None])[:, 0]
                parts.append(picked - torch.logsumexp(logits, -1))
            got = torch.cat(parts).numpy().astype(np.float64)
        out, pos = [], 0
        for r, start in rows:
            out.append(got[pos: pos + len(r) - start])
            pos += len(r) - start
        return out

    def _all(self, rows: list[tuple[list[int], int]], progress: Any = None) -> list[np.ndarray]:
        order = sorted(range(len(rows)), key=lambda k: (len(rows[k][0]), k))
        out: list[Any] = [None] * len(rows)
        for a in range(0, len(order), self.batch):
            chunk = order[a: a + self.batch]
            for k, lp in zip(chunk, self._forward([rows[k] for k in chunk])):
                out[k] = lp
            if progress is not None:
                progress.update(len(chunk))
        return out

    def judge(self, items: Sequence[tuple[str, str, Sequence[tuple[int, int]]]], progress: Any = None
              ) -> list[tuple[dict[str, float], list[dict[str, float]]]]:
        """For each (evidence text, summary, claim spans): the summary's :data:`LM_FEATURES` and
        each claim's :data:`TOKEN_FEATURES`. ``progress`` (a tqdm bar) advances by one per summary,
        as its conditional pass is done. With :attr:`cache` set, items judged before by the same
        model and code are read from it, and the rest stored."""
        cache = self.cache
        if cache is None:
            return self._judge(items, progress)
        identity = self.identity()
        keys = [cache.key(identity, item) for item in items]
        out = [cache.get(key) for key in keys]
        todo = [k for k, hit in enumerate(out) if hit is None]
        if progress is not None:
            progress.update(len(items) - len(todo))
        for k, (whole, claims) in zip(todo, self._judge([items[k] for k in todo], progress)):
            out[k] = {"summary": whole, "claims": claims}
            cache.put(keys[k], out[k])
        return [(hit["summary"], hit["claims"]) for hit in out]

    def _judge(self, items: Sequence[tuple[str, str, Sequence[tuple[int, int]]]], progress: Any = None
               ) -> list[tuple[dict[str, float], list[dict[str, float]]]]:
        if not items:
            return []
        tok, _ = self._load()
        bos = tok("")["input_ids"]  # what the tokenizer starts every text with (Gemma: <bos>; SmolLM2: nothing)
        head = bos + tok("Article: ", add_special_tokens=False)["input_ids"]
        tail = tok("\nSummary:", add_special_tokens=False)["input_ids"]
        bare = bos + tok("Summary:", add_special_tokens=False)["input_ids"]
        cond_rows, bare_rows, offsets = [], [], []
        for evidence, summary, _ in items:
            ctx = tok(evidence, add_special_tokens=False)["input_ids"][: self.context_tokens]
            ids, start, offs = self._encode(head + ctx + tail, summary)
            cond_rows.append((ids, start))
            ids, start, _ = self._encode(bare, summary)
            bare_rows.append((ids, start))
            offsets.append(offs)
        todo = [k for k, (ids, start) in enumerate(cond_rows) if len(ids) > start]
        cond = dict(zip(todo, self._all([cond_rows[k] for k in todo], progress)))
        if progress is not None and len(todo) < len(items):
            progress.update(len(items) - len(todo))
        uncond = dict(zip(todo, self._all([bare_rows[k] for k in todo])))
        out = []
        empty = np.zeros(0)
        for k, (_, _, spans) in enumerate(items):
            c, u = cond.get(k, empty), uncond.get(k, empty)
            claims = []
            for s, e in spans:
                sel = [j for j, (a, b) in enumerate(offsets[k]) if a < e and b > s]
                claims.append(token_features(c[sel], u[sel]) if sel else None)
            whole = token_features(c, u)
            kept = [x for x in claims if x is not None]
            out.append((summary_features(whole, kept), [x if x is not None else whole for x in claims]))
        return out


def evidence_text(body: str, supporting: Sequence[Sequence[str]], per_claim: int = 2) -> str:
    """The judge's context: the ``per_claim`` best-supporting sentences of each claim
    (``supporting``, best first per claim), distinct, in the order they appear in ``body``.
    Two per claim rather than one: a claim that joins facts from two sentences is then read
    with both (CV by document of the shipped refit: mean balanced accuracy 0.706 against 0.695 with
    one sentence; 113 context tokens on average against 87 on the dev sets)."""
    seen = list(dict.fromkeys(e for sents in supporting for e in sents[:per_claim] if e))
    return " ".join(sorted(seen, key=lambda e: (body.find(e), e)))


def resolve(lm: str | None) -> str | None:
    """``lm`` with the off-switch spellings turned into None."""
    return None if lm is None or str(lm).strip().lower() in NONE else str(lm)
