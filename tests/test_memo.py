"""The in-process memos: bounded, switchable off, and never lose a hit to their own eviction."""

from __future__ import annotations

from harness.memo import Memo


def test_hits_survive_eviction_by_the_same_call(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "2")
    memo, calls = Memo(), []

    def upper(todo):
        calls.append(list(todo))
        return [t.upper() for t in todo]

    assert memo.resolve(["a", "b"], upper) == ["A", "B"]
    # "a" is a hit, but storing c, d and e evicts it before the results are assembled.
    assert memo.resolve(["a", "c", "d", "e", "c"], upper) == ["A", "C", "D", "E", "C"]
    assert calls == [["a", "b"], ["c", "d", "e"]]
    assert len(memo.items) == 2


def test_zero_turns_it_off(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "0")
    memo = Memo()
    assert memo.get("x", str.upper) == "X" and not memo.items
    assert memo.resolve(["y", "y"], lambda todo: [t * 2 for t in todo]) == ["yy", "yy"] and not memo.items


def test_share_of_the_size(monkeypatch):
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "1000")
    assert Memo(share=0.1).limit() == 100
    monkeypatch.setenv("HARNESS_EMBED_MEMO", "lots")
    assert Memo().limit() == 50000


def test_loaded_once_loads_once_when_threads_ask_at_the_same_time():
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from harness.memo import loaded_once

    calls = []
    started = threading.Event()

    @loaded_once
    def resource():
        calls.append(1)
        started.set()
        time.sleep(0.2)  # the other threads ask while this load runs
        return object()

    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda _: resource(), range(4)))
    assert len(calls) == 1
    assert all(g is got[0] for g in got)
    assert resource() is got[0]


def test_two_resources_load_at_the_same_time():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from harness.memo import loaded_once

    both = threading.Barrier(2, timeout=5)  # each load waits for the other: a shared lock would deadlock

    @loaded_once
    def first():
        both.wait()
        return 1

    @loaded_once
    def second():
        both.wait()
        return 2

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(first), pool.submit(second)
        assert (a.result(timeout=10), b.result(timeout=10)) == (1, 2)


def test_clear_all_empties_every_memo_and_registered_cache():
    from harness.memo import clear_all, on_clear

    memo, other = Memo(), {"kept": 1}
    memo.resolve(["a"], lambda todo: [t.upper() for t in todo])
    on_clear(other.clear)
    clear_all()
    assert not memo.items and not other
