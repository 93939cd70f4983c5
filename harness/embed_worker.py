"""Sentence embedding in a helper process, so that it runs beside the rest of scoring.

The MiniLM forward pass is most of the arithmetic of the hallucination checks, and one batch of
it runs on one core (:mod:`harness.encoder`); spaCy parsing and the Python half of scoring (claim
features, hint matching) hold the GIL, so a thread cannot run beside them, but a second process
can. The helper loads the same encoder (:func:`harness.encoder.embedder`), encodes the texts it
is sent and returns the vectors.

Jobs run in the order they are sent. :func:`harness.resources.prefetch_embeddings` sends the
texts of the batches ahead (the claims and the source sentences they are compared with are
known before anything is parsed), so the helper encodes them while this process parses and
checks the batch before. Each job is one :meth:`~harness.encoder.SentenceEncoder.encode` call;
with the helper off (``HARNESS_EMBED_PROCESS=0``, a one-core machine, or inside Ray workers) the
same calls run in this process, so the vectors, and the scores, are the same either way.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path
from typing import Any, BinaryIO


class HelperDied(RuntimeError):
    """The helper process ended before answering (killed, out of memory)."""


def enabled() -> bool:
    """Whether embeddings sent ahead go to the helper process (``HARNESS_EMBED_PROCESS``,
    default on with 2+ cores)."""
    flag = os.environ.get("HARNESS_EMBED_PROCESS", "").strip().lower()
    if flag in ("0", "false", "no", "off"):
        return False
    return flag in ("1", "true", "yes", "on") or (os.cpu_count() or 1) > 1


def encode(texts: list[str]) -> Any:
    """Runs in the helper (or in this process with the helper off): the embeddings of ``texts``
    (float32, one row each), from one encoder call."""
    from .encoder import embedder

    return embedder().encode(texts)


class EmbedWorker:
    """One helper process (``python -m harness.embed_worker``, started on first use and again
    after it dies) that encodes jobs in the order they are sent. Jobs and replies are pickled
    over its stdin and stdout; a thread reads the replies into the jobs' futures."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen | None = None
        self._waiting: dict[int, tuple[subprocess.Popen, Future]] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()

    def submit(self, texts: list[str]) -> "Future[Any]":
        """Send one job; the future's result is :func:`encode`'s, or the error the helper met
        (:class:`HelperDied` if it ended first)."""
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
                pickle.dump((job_id, texts), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                proc.stdin.flush()
            except (BrokenPipeError, OSError, ValueError):
                with self._lock:
                    self._waiting.pop(job_id, None)
                if not job.done():
                    job.set_exception(HelperDied("the embedding helper process has ended"))
        return job

    def _start(self) -> None:
        root = str(Path(__file__).resolve().parents[1])  # harness importable without an install
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
        self._proc = subprocess.Popen([sys.executable, "-m", "harness.embed_worker"], env=env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        threading.Thread(target=self._read, args=(self._proc,), daemon=True,
                         name="harness-embed-replies").start()

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
            job.set_exception(HelperDied(f"the embedding helper process ended (exit code {proc.returncode})"))

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
    """The helper's loop: answer each pickled ``(job id, texts)`` with :func:`encode` until
    its input ends or its parent stops reading."""
    while True:
        try:
            job_id, texts = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = (job_id, True, encode(texts))
        except Exception as exc:  # noqa: BLE001 - sent back and raised in the caller
            try:
                pickle.loads(pickle.dumps(exc))
            except Exception:  # noqa: BLE001 - an error that cannot travel goes as its text
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            reply = (job_id, False, exc)
        try:
            pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
            replies.flush()
        except OSError:  # the parent has gone (a broken pipe): nobody waits for the reply
            return


class Ahead:
    """Embeddings sent ahead of need: each text maps to its job and its row in the job's
    result. At most ``limit`` texts wait (1.5 kB each once encoded; a 256-summary chunk of the
    faithfulness meta-eval sends about 4,000); older ones are dropped (encoded again if they
    are ever asked for)."""

    def __init__(self, limit: int = 16384) -> None:
        self.limit = limit
        self._waiting: "OrderedDict[str, tuple[Future[Any], int]]" = OrderedDict()
        self._lock = threading.Lock()

    def has(self, text: str) -> bool:
        """Whether ``text`` was sent ahead and not taken yet."""
        return text in self._waiting

    def add(self, texts: list[str], job: "Future[Any]") -> None:
        """Remember that ``job`` encodes ``texts`` (in this order)."""
        with self._lock:
            self._waiting.update((t, (job, i)) for i, t in enumerate(texts))
            while len(self._waiting) > self.limit:
                self._waiting.popitem(last=False)

    def take(self, texts: list[str]) -> dict[str, Any]:
        """The vectors of those ``texts`` that were sent ahead (waiting for their jobs). A job
        lost with a dead helper yields nothing (the caller encodes those texts again); an
        error raised by the job itself (a missing model package) is raised here."""
        with self._lock:
            mine = {t: self._waiting.pop(t) for t in texts if t in self._waiting}
        out: dict[str, Any] = {}
        for text, (job, i) in mine.items():
            try:
                out[text] = job.result()[i]
            except HelperDied:
                continue
        return out


WORKER = EmbedWorker()
"""The helper of this process."""

AHEAD = Ahead()
"""Embeddings sent ahead (to :data:`WORKER`, or computed at once with the helper off)."""


if __name__ == "__main__":
    # Ctrl-C in a terminal reaches the whole process group: the parent handles it and closes the
    # pipe, which ends this helper at its next read (no traceback of its own).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # nothing but replies on the reply channel: other output goes to stderr
    serve(sys.stdin.buffer, _replies)
    os._exit(0)  # every reply written is flushed; a reply the parent left unread is not flushed again at exit
