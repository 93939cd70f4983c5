"""spaCy parsing in the helper process gives the same docs, and so the same scores, as parsing
in this process; a dead helper is replaced and leaves no job hanging; the helper never outlives
its parent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from concurrent.futures import Future
import time
from pathlib import Path

import pytest

from harness import resources
from harness.parse_worker import AHEAD, WORKER, HelperDied, ParseWorker, docs_from_bytes

pytest.importorskip("spacy")

TEXTS = [
    "Estonia, Latvia, Lithuania and Poland said on Tuesday they will withdraw from the Ottawa treaty.",
    "The decision must still be approved by parliaments; it was not final, officials said.",
    "",
    "Ünïcödé naïve café — 北京 12.5% on 18 March 2025.",
    "Mr. Smith didn't say whether the U.N. would act. " * 20,
]


def _annotations(doc) -> list[tuple]:
    tokens = [(t.text, t.idx, t.whitespace_, t.lemma_, t.pos_, t.tag_, t.dep_, t.head.i, t.ent_iob_,
               t.ent_type_, str(t.morph), t.is_sent_start, t.is_punct, t.like_num, t.is_stop) for t in doc]
    return tokens + [("ENT", e.start, e.end, e.label_) for e in doc.ents]


@pytest.mark.parametrize("ner", [True, False])
def test_helper_docs_match_in_process_docs(ner):
    here = list(resources.nlp().pipe(TEXTS, disable=[] if ner else ["ner"]))
    there = WORKER.parse(TEXTS, ner)
    assert [_annotations(d) for d in there] == [_annotations(d) for d in here]
    assert [d.text for d in there] == TEXTS


def test_prefetched_parses_are_taken_once(monkeypatch):
    monkeypatch.setenv("HARNESS_PARSE_PROCESS", "1")
    texts = [f"Prefetch test sentence number {i} about Poland." for i in range(3)]
    resources.prefetch(texts)
    assert all(AHEAD.has("ner|" + t) for t in texts)
    docs = resources.parse(texts + texts[:1])
    assert not any(AHEAD.has("ner|" + t) for t in texts)
    assert [d.text for d in docs] == texts + texts[:1]
    assert "Poland" in [e.text for e in docs[0].ents]


def test_scores_are_the_same_with_the_helper_on_and_off(monkeypatch):
    from harness.pipeline import build_scorers, prepare_articles, score_pairs
    from harness.records import Summary

    articles = prepare_articles(Path(__file__).parent / "data" / "tiny.jsonl")
    pairs = [(a, Summary("m", a.id, s)) for a in articles
             for s in (a.body, "Five countries withdrew from the treaty in 1999, Moldova said.")]
    scorers = build_scorers({"coverage": {}, "hallucination": {}})
    runs = []
    for flag in ("0", "1"):
        monkeypatch.setenv("HARNESS_PARSE_PROCESS", flag)
        monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")  # parse everything again
        runs.append([repr(r) for r in score_pairs(pairs, scorers, progress=False)])
    assert runs[0] == runs[1]


def test_a_killed_helper_fails_its_jobs_and_is_replaced():
    worker = ParseWorker()
    try:
        assert worker.parse(["One sentence."], True)[0].text == "One sentence."
        job = worker.submit(["Another sentence. " * 2000], True)
        os.kill(worker._proc.pid, signal.SIGKILL)
        with pytest.raises(HelperDied):
            job.result(timeout=60)
        assert [d.text for d in worker.parse(["After the kill."], False)] == ["After the kill."]
    finally:
        worker.close()


def test_big_jobs_sent_back_to_back_do_not_block_each_other():
    # Requests and replies far larger than a pipe's buffer: writing the next job while the
    # helper writes the last reply must not leave both sides waiting on each other.
    worker = ParseWorker()
    try:
        rng = random.Random(0)
        words = "Poland Latvia Estonia Riga treaty mines withdraw parliament approve said vote March".split()
        texts = [" ".join(rng.choice(words) for _ in range(15)) + f" {i}." for i in range(3000)]  # ~330 kB
        jobs = [worker.submit(texts, False) for _ in range(3)]
        replies = [j.result(timeout=300) for j in jobs]
        assert min(map(len, replies)) > 150_000  # each reply, too, overfills a pipe
        assert [d.text for d in docs_from_bytes(replies[-1])] == texts
    finally:
        worker.close()


def test_a_lost_prefetch_is_parsed_again(monkeypatch):
    monkeypatch.setenv("HARNESS_PARSE_PROCESS", "1")
    text = "A text whose helper died before it answered."
    lost = Future()
    lost.set_exception(HelperDied("gone"))
    AHEAD.add(["ner|" + text], lost)
    assert resources.parse([text])[0].text == text


def test_the_helper_ends_with_its_parent(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import sys, time
        from harness.parse_worker import WORKER
        WORKER.parse(["Start the helper."], True)
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


def test_spacy_is_imported_without_torch_and_torch_still_loads_later():
    code = ("import sys; from harness.parse_worker import import_spacy; import_spacy(); "
            "import thinc.compat; assert 'torch' not in sys.modules and not thinc.compat.has_torch; "
            "import torch; print(torch.tensor([2]).item())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "2", out.stderr[-2000:]
