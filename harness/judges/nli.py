"""The NLI judge: any ``AutoModelForSequenceClassification`` checkpoint whose ``id2label`` names an
entailment and a contradiction label (the label order is read from the config, never assumed).

SummaC-style (Laban et al., 2022, zero-shot variant): the text to check against (the article for
a claim, the summary for a fact) is cut into windows of one and two consecutive sentences; the
hypothesis is paired with the :data:`max_windows` windows that share most of its words; the
judgement keeps the highest entailment probability over the windows (with that window as the
quote) and the highest contradiction probability. Supported / covered at entailment >= 0.5, else
contradicted at contradiction >= 0.5, else unsupported / missing.

Pairs go through the model in batches, the premise truncated explicitly to ``max_length`` tokens
(every truncated pair is counted in :meth:`NLIJudge.usage`); weights are loaded once per process,
on CUDA when there is one. Nothing is downloaded: a hub id is looked up in the local cache only,
unless ``local_files_only: false``.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from ..errors import ConfigError, HarnessError
from ..text import STOPWORDS, sentences, tokens
from . import Judgement

VERSION = "1"
"""Version of the windowing and decision rules (in the signature)."""


def windows(text: str) -> list[str]:
    """The sentences of ``text`` and each pair of consecutive ones (a whole short text at least)."""
    sents = [s.text for s in sentences(text)] or [text]
    return sents + [f"{a} {b}" for a, b in zip(sents, sents[1:])]


def _words(text: str) -> set[str]:
    return {t.stem for t in tokens(text) if t.norm not in STOPWORDS}


@lru_cache(maxsize=4)
def _load(model: str, device: str, trust_remote_code: bool, local_files_only: bool) -> tuple[Any, Any, int, int, str]:
    """(tokenizer, model, entailment index, contradiction index, device), once per process."""
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise HarnessError(f"the NLI judge needs torch and transformers ({exc}); pip install -e \".[models]\"") from exc
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    try:
        tok = AutoTokenizer.from_pretrained(model, trust_remote_code=trust_remote_code, local_files_only=local_files_only)
        net = AutoModelForSequenceClassification.from_pretrained(
            model, trust_remote_code=trust_remote_code, local_files_only=local_files_only).to(device).eval()
    except (OSError, ValueError) as exc:
        raise HarnessError(f"cannot load the NLI judge {model!r}: {exc}") from exc
    labels = {int(i): str(name).lower() for i, name in net.config.id2label.items()}
    entail = [i for i, name in labels.items() if name.startswith("entail")]
    contra = [i for i, name in labels.items() if name.startswith("contradict")]
    if len(entail) != 1 or len(contra) != 1:
        raise HarnessError(f"the NLI judge {model!r} must name one entailment and one contradiction label in "
                           f"its config's id2label; it has {sorted(labels.values())}")
    return tok, net, entail[0], contra[0], device


class NLIJudge:
    """Entailment and contradiction probabilities from a sequence-classification NLI model."""

    kind = "nli"

    def __init__(self, model: str, batch_size: int = 16, max_length: int | None = None, max_windows: int = 16,
                 device: str = "auto", trust_remote_code: bool = False, local_files_only: bool = True,
                 where: str = "judge"):
        """model: a local folder or a hub id (local cache only unless ``local_files_only: false``).
        batch_size: pairs per forward pass. max_length: tokens per pair (default: the tokenizer's
        limit, at most 512). max_windows: premise windows per hypothesis. device: auto | cpu |
        cuda | cuda:N. trust_remote_code: run the checkpoint's own code (off unless asked)."""
        if not isinstance(model, str) or not model.strip():
            raise ConfigError(f"{where}.model: give a local folder or a hub id of an NLI checkpoint")
        if int(batch_size) < 1 or int(max_windows) < 1:
            raise ConfigError(f"{where}: batch_size and max_windows must be at least 1")
        self.model = model
        self.batch_size = int(batch_size)
        self.max_length = max_length
        self.max_windows = int(max_windows)
        self.device = device
        self.trust_remote_code = bool(trust_remote_code)
        self.local_files_only = bool(local_files_only)
        self._usage = {"calls": 0, "pairs": 0, "truncated_pairs": 0, "seconds": 0.0}

    def signature(self) -> str:
        """The checkpoint (a local folder by the hash of its files) and the rules' settings."""
        from ..cache import dir_sha256

        ident = f"{Path(self.model).name}@{dir_sha256(Path(self.model))[:12]}" if Path(self.model).is_dir() else self.model
        return f"nli-v{VERSION}:{ident}:windows={self.max_windows}:max_length={self.max_length}"

    def usage(self) -> dict[str, float]:
        """Calls, pairs scored, pairs whose premise was truncated, seconds."""
        return dict(self._usage)

    def judge_claims(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[Judgement]]:
        """Each claim against the windows of its source."""
        return self._judge(items, ("supported", "contradicted", "unsupported"))

    def judge_facts(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[list[Judgement]]:
        """Each fact statement against the windows of the summary."""
        return self._judge(items, ("covered", "contradicted", "missing"))

    # ------------------------------------------------------------------ internals
    def _judge(self, items: Sequence[tuple[str, Sequence[str]]], names: tuple[str, str, str]) -> list[list[Judgement]]:
        plans = []
        pairs: list[tuple[str, str]] = []
        for premise_text, hypotheses in items:
            wins = windows(premise_text)
            win_words = [_words(w) for w in wins]
            per = []
            for h in hypotheses:
                hw = _words(h)
                ranked = sorted(range(len(wins)), key=lambda i: (-len(hw & win_words[i]), i))[:self.max_windows]
                per.append([(len(pairs) + n, wins[i]) for n, i in enumerate(ranked)])
                pairs.extend((wins[i], h) for i in ranked)
            plans.append(per)
        probs = self._probabilities(pairs)
        out = []
        for per in plans:
            row = []
            for cands in per:
                best = max(cands, key=lambda c: (probs[c[0]][0], -c[0]))
                entail, contra = probs[best[0]][0], max(probs[k][1] for k, _ in cands)
                label = names[0] if entail >= 0.5 else names[1] if contra >= 0.5 else names[2]
                row.append(Judgement(label, round(entail, 6), best[1],
                                     f"NLI: entailment {entail:.2f}, contradiction {contra:.2f}"))
            out.append(row)
        return out

    def _probabilities(self, pairs: list[tuple[str, str]]) -> list[tuple[float, float]]:
        """(entailment, contradiction) probability of each (premise, hypothesis)."""
        import torch

        if not pairs:
            return []
        tok, net, entail, contra, device = _load(self.model, self.device, self.trust_remote_code, self.local_files_only)
        limit = self.max_length or min(int(getattr(tok, "model_max_length", 512) or 512), 512,
                                       int(getattr(net.config, "max_position_embeddings", 512) or 512))
        t0 = time.perf_counter()
        out: list[tuple[float, float]] = []
        for start in range(0, len(pairs), self.batch_size):
            batch = pairs[start:start + self.batch_size]
            full = tok([p for p, _ in batch], [h for _, h in batch], truncation=False)["input_ids"]
            self._usage["truncated_pairs"] += sum(1 for ids in full if len(ids) > limit)
            enc = tok([p for p, _ in batch], [h for _, h in batch], truncation="only_first", max_length=limit,
                      padding=True, return_tensors="pt").to(device)
            with torch.inference_mode():
                p = torch.softmax(net(**enc).logits.float(), dim=-1).cpu().tolist()
            out.extend((row[entail], row[contra]) for row in p)
        self._usage["calls"] += 1
        self._usage["pairs"] += len(pairs)
        self._usage["seconds"] += round(time.perf_counter() - t0, 3)
        return out
