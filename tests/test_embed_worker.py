"""Embeddings from the helper process are the vectors this process computes for the same call,
and so the scores are the same with the helper on and off; a dead helper is replaced and leaves
no job hanging; the helper never outlives its parent. Summaries parsed sentence by sentence
join back to the summary with every annotation."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest

from harness import resources
from harness.embed_worker import AHEAD, WORKER, EmbedWorker, HelperDied

TEXTS = [
    "Estonia, Latvia, Lithuania and Poland said on Tuesday they will withdraw from the Ottawa treaty.",
    "The decision must still be approved by parliaments; it was not final, officials said.",
    "",
    "Ünïcödé naïve café — 北京 12.5% on 18 March 2025.",
    "Mr. Smith didn't say whether the U.N. would act. " * 20,
]


def test_helper_vectors_are_the_vectors_of_the_same_call_here():
    there = WORKER.submit(TEXTS).result(timeout=120)
    here = resources.embedder().encode(TEXTS)
    assert there.dtype == np.float32 and there.shape == (len(TEXTS), 384)
    assert np.array_equal(there, here)


def test_prefetched_embeddings_are_taken_once(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_PROCESS", "1")
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")
    texts = [f"Prefetch test sentence number {i} about Poland." for i in range(3)]
    resources.prefetch_embeddings(texts)
    assert all(AHEAD.has(t) for t in texts)
    vecs = resources.embed(texts + texts[:1])
    assert not any(AHEAD.has(t) for t in texts)
    assert np.array_equal(vecs[:3], resources.embedder().encode(texts)) and np.array_equal(vecs[3], vecs[0])


def test_with_the_helper_off_prefetched_embeddings_are_computed_at_once(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_PROCESS", "0")
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")
    texts = ["Computed here at once, with the helper off."]
    resources.prefetch_embeddings(texts)
    assert AHEAD.has(texts[0])
    assert np.array_equal(resources.embed(texts), resources.embedder().encode(texts))


def test_scores_are_the_same_with_the_helper_on_and_off(monkeypatch):
    from harness.gold import prepare_articles
    from harness.scorers import build_scorers
    from harness.scorers.batch import score_pairs
    from harness.records import Summary

    articles = prepare_articles(Path(__file__).parent / "data" / "tiny.jsonl")
    pairs = [(a, Summary("m", a.id, s)) for a in articles
             for s in (a.body, "Five countries withdrew from the treaty in 1999, Moldova said.")]
    scorers = build_scorers({"coverage": {}, "hallucination": {}})
    runs = []
    for flag in ("0", "1"):
        monkeypatch.setenv("HARNESS_EMBED_PROCESS", flag)
        monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")  # compute everything again
        runs.append([repr(r) for r in score_pairs(pairs, scorers, progress=False)])
    assert runs[0] == runs[1]


def test_a_killed_helper_fails_its_jobs_and_is_replaced():
    worker = EmbedWorker()
    try:
        assert worker.submit(["One sentence."]).result(timeout=120).shape == (1, 384)
        job = worker.submit(["Another sentence, a long one. " * 40] * 400)
        os.kill(worker._proc.pid, signal.SIGKILL)
        with pytest.raises(HelperDied):
            job.result(timeout=60)
        assert worker.submit(["After the kill."]).result(timeout=120).shape == (1, 384)
    finally:
        worker.close()


def test_big_jobs_sent_back_to_back_do_not_block_each_other():
    # Requests and replies far larger than a pipe's buffer: writing the next job while the
    # helper writes the last reply must not leave both sides waiting on each other.
    worker = EmbedWorker()
    try:
        texts = [f"short text {i}" for i in range(600)]  # ~8 kB of request, ~900 kB of reply
        jobs = [worker.submit(texts) for _ in range(3)]
        replies = [j.result(timeout=300) for j in jobs]
        assert all(r.shape == (600, 384) for r in replies)
        assert np.array_equal(replies[0], replies[2])
    finally:
        worker.close()


def _failed_ahead(text: str, exc: BaseException) -> None:
    """Register ``text`` as sent ahead to a job that ended with ``exc``."""
    job = Future()
    job.set_exception(exc)
    AHEAD.add([text], job)


def test_a_lost_prefetch_is_encoded_again(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")
    text = "A text whose helper died before it answered."
    _failed_ahead(text, HelperDied("gone"))
    assert np.array_equal(resources.embed([text]), resources.embedder().encode([text]))


def test_an_error_in_the_helper_is_raised_where_the_vectors_are_taken(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")
    text = "A text whose job failed."
    _failed_ahead(text, ValueError("the model package is broken"))
    with pytest.raises(ValueError, match="broken"):
        resources.embed([text])


def test_the_helper_ends_with_its_parent(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from harness.embed_worker import WORKER
        WORKER.submit(["Start the helper."]).result()
        print(WORKER._proc.pid, flush=True)
        time.sleep(600)
    """), encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=root))
    try:
        helper = int(parent.stdout.readline())
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 30
        while time.time() < deadline and _alive(helper):
            time.sleep(0.2)
        assert not _alive(helper), "the helper outlived its killed parent"
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_the_helper_never_imports_spacy_or_torch():
    code = ("import sys; from harness.embed_worker import encode; encode(['x']); "
            "print(sorted(m for m in ('spacy', 'torch', 'thinc') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr[-2000:]


def test_spacy_is_imported_without_torch_and_torch_still_loads_later():
    code = ("import sys; from harness.resources import import_spacy; import_spacy(); "
            "import thinc.compat; assert 'torch' not in sys.modules and not thinc.compat.has_torch; "
            "import torch; print(torch.tensor([2]).item())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "2", out.stderr[-2000:]


def test_spacy_is_imported_without_its_cli_and_the_real_cli_still_loads_later():
    code = ("import sys; from harness.resources import import_spacy, nlp; spacy = import_spacy(); "
            "assert 'spacy.cli' not in sys.modules and 'typer' not in sys.modules; "
            "print(len(nlp()('Poland will leave.').ents)); "
            "import spacy.cli; print(callable(spacy.cli.download), spacy.info().get('spacy_version') is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["1", "True", "True"], out.stderr[-2000:]


def test_a_summary_parsed_sentence_by_sentence_joins_back_with_its_annotations():
    from harness.checkers.faithfulness.evidence import summary_docs, summary_pieces

    summary = "Estonia and Poland will leave the treaty.  Parliaments must approve.\nMr. Smith said so."
    pieces = summary_pieces(summary)
    assert "".join(pieces) == summary and len(pieces) == 3
    doc = summary_docs([summary])[summary]
    assert doc.text == summary
    alone = [resources.nlp()(p) for p in pieces]
    offsets = [0, len(pieces[0]), len(pieces[0]) + len(pieces[1])]
    expect = [(t.text, t.idx + off, t.ent_type_, t.dep_, t.lemma_) for d, off in zip(alone, offsets) for t in d]
    assert [(t.text, t.idx, t.ent_type_, t.dep_, resources.lemma(t)) for t in doc] == expect  # lemmas on demand
    assert {e.text for e in doc.ents} >= {"Estonia", "Poland"}
    assert summary_pieces("") == [""] and summary_docs([""])[""].text == ""


def test_with_the_helper_on_this_process_never_loads_the_encoder(tmp_path):
    # Everything the hallucination scorer embeds (claims, candidate sentences, hint-less traps)
    # is planned and sent ahead, so the encoder's memory and load time stay in the helper.
    code = textwrap.dedent("""
        import os
        os.environ["HARNESS_EMBED_PROCESS"] = "1"
        from pathlib import Path
        from harness import resources
        from harness.gold import prepare_articles
        from harness.scorers import build_scorers
        from harness.scorers.batch import score_pairs
        from dataclasses import replace
        from harness.records import Summary, Trap
        open_trap = Trap(id="moldova", statement="Moldova is leaving the treaty too.")
        articles = [replace(a, traps=a.traps + (open_trap,)) for a in prepare_articles(Path("tests/data/tiny.jsonl"))]
        pairs = [(a, Summary("m", a.id, s)) for a in articles for s in (a.body, "Moldova will quit the treaty.")]
        records = score_pairs(pairs, build_scorers({"coverage": {}, "hallucination": {}}), progress=False)
        assert all(r.unscored is None for r in records), [r.unscored for r in records]
        print(resources.embedder.loaded(), resources.nlp.loaded())
    """)
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=root,
                         env=dict(os.environ, PYTHONPATH=str(root)))
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == ["False", "True"]


def test_ctrl_c_leaves_the_helper_quiet_until_its_pipe_closes():
    """Ctrl-C reaches the helper too (the terminal signals the whole process group): it prints no
    traceback and ends cleanly once the parent closes its pipe."""
    proc = subprocess.Popen([sys.executable, "-m", "harness.embed_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(3)  # past its imports, waiting for a job
    proc.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert proc.poll() is None  # still serving: the parent decides when it ends
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
