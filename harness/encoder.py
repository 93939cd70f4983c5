"""A lean sentence encoder for BERT-family embedding models (all-MiniLM-L6-v2 here).

Why not ``sentence-transformers``: importing it (and with it the ``transformers`` modelling
stack, scikit-learn, ``torch._dynamo`` ...) costs about 5 s per process on a 2-core machine,
more than scoring a hundred summaries. Scoring only needs the forward pass of a 6-layer BERT,
mean pooling and normalisation, so this module does exactly that with plain ``torch`` ops on
the installed ``model.safetensors``, and tokenises with the model's own ``tokenizer.json``
through the ``tokenizers`` library. ``tests/test_encoder.py`` checks the vectors against
``sentence-transformers`` on the same model folder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
import numpy as np


VERSION = "bert-mean-packed-1"
"""This encoder's computation; scorer signatures carry it (packing changed last float digits)."""


class SentenceEncoder:
    """Mean-pooled, unit-normalised sentence embeddings from a BERT checkpoint folder.

    The folder holds ``config.json``, ``model.safetensors`` and ``tokenizer.json`` (the layout of
    a sentence-transformers model); ``max_seq_length`` comes from ``sentence_bert_config.json``
    when present (256 for MiniLM), else 512.
    """

    def __init__(self, folder: str | Path):
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if cfg.get("model_type") != "bert" or cfg.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"{folder}: only BERT checkpoints with GELU are supported")
        st_cfg = folder / "sentence_bert_config.json"
        max_len = json.loads(st_cfg.read_text(encoding="utf-8")).get("max_seq_length", 512) if st_cfg.exists() else 512
        self.max_length = int(min(max_len, cfg["max_position_embeddings"]))
        self.heads = int(cfg["num_attention_heads"])
        self.dim = int(cfg["hidden_size"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        self.tokenizer.no_padding()
        w = load_file(str(folder / "model.safetensors"))
        w = {k.removeprefix("bert."): v.float() for k, v in w.items()}
        self.word = w["embeddings.word_embeddings.weight"]
        self.pos = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(cfg["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv_w = torch.cat([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
            qkv_b = torch.cat([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self.layers.append({
                "qkv": (qkv_w, qkv_b),
                "out": (w[p + "attention.output.dense.weight"], w[p + "attention.output.dense.bias"]),
                "norm1": (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                "up": (w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"]),
                "down": (w[p + "output.dense.weight"], w[p + "output.dense.bias"]),
                "norm2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            })
        self._torch = torch

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 array (n, dim), each row of unit length.

        Texts are batched by token length (less padding); the output keeps the input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        with self._torch.inference_mode():
            for k in range(0, len(order), batch_size):
                chunk = order[k:k + batch_size]
                out[chunk] = self._forward([ids[i] for i in chunk])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """One batch through the model, packed: the per-token layers (projections, feed-forward,
        layer norms) run on the real tokens only, and only attention sees a padded layout. With
        sentences of mixed length this skips about a third of the work of a padded batch."""
        torch = self._torch
        F = torch.nn.functional
        n, length = len(batch), max(len(b) for b in batch)
        lens = torch.tensor([len(b) for b in batch])
        flat = torch.tensor([t for b in batch for t in b], dtype=torch.long)
        seq = torch.repeat_interleave(torch.arange(n), lens)
        starts = torch.cumsum(lens, 0) - lens
        pos = torch.arange(len(flat)) - starts[seq]
        slot = seq * length + pos  # where each real token sits in the padded (n * length) layout
        mask = torch.zeros(n * length, dtype=torch.bool)
        mask[slot] = True
        attn_mask = mask.view(n, 1, 1, length)
        x = F.layer_norm(self.word[flat] + self.pos[pos] + self.type0, (self.dim,), *self.emb_norm, self.eps)
        head = self.dim // self.heads
        for layer in self.layers:
            padded = x.new_zeros((n * length, 3 * self.dim))
            padded[slot] = F.linear(x, *layer["qkv"])
            q, k, v = (t.view(n, length, self.heads, head).transpose(1, 2)
                       for t in padded.view(n, length, 3 * self.dim).split(self.dim, dim=-1))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, scale=1.0 / math.sqrt(head))
            a = a.transpose(1, 2).reshape(n * length, self.dim)[slot]
            x = F.layer_norm(x + F.linear(a, *layer["out"]), (self.dim,), *layer["norm1"], self.eps)
            h = F.gelu(F.linear(x, *layer["up"]))
            x = F.layer_norm(x + F.linear(h, *layer["down"]), (self.dim,), *layer["norm2"], self.eps)
        pooled = x.new_zeros((n, self.dim)).index_add_(0, seq, x) / lens.unsqueeze(1).to(x.dtype)
        return F.normalize(pooled, p=2, dim=1).numpy()
