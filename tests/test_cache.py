"""The caches: generation hits and misses, refresh, fingerprints, resuming after SIGKILL, and the
score-cache key following the scoring code."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from harness import cache
from harness.cache import (
    CachedSummarizer, GenerationCache, article_input, cache_dir, file_sha256, fingerprint,
    publish_dir, weights_dir, weights_ready,
)
from harness.records import Article, Summary

ROOT = Path(__file__).resolve().parents[1]


class Counting:
    """A summarizer stub: upper-cases the body and counts what it was asked to do."""

    def __init__(self, name="stub", style="upper", fail_ids=()):
        self.name, self.style, self.fail_ids = name, style, set(fail_ids)
        self.calls: list[list[str]] = []
        self.batch_size = 2

    def identity(self):
        return {"backend": "stub", "style": self.style}

    def summarize(self, articles):
        self.calls.append([a.id for a in articles])
        out = []
        for a in articles:
            meta = {"error": "boom"} if a.id in self.fail_ids else {"new_tokens": 3}
            out.append(Summary(self.name, a.id, "" if a.id in self.fail_ids else a.body.upper(), meta))
        return out


def arts(n):
    return [Article(id=f"a{i}", text="page", title="t", body=f"body {i} " + "x" * i) for i in range(n)]


def test_miss_then_hit(tmp_path):
    cache = GenerationCache(tmp_path / "g.sqlite")
    inner = Counting()
    first = CachedSummarizer(inner, cache).summarize(arts(5))
    assert [s.article_id for s in first] == [f"a{i}" for i in range(5)]
    assert all(s.meta["cached"] is False for s in first)
    assert [len(c) for c in inner.calls] == [2, 2, 1]  # chunks of inner.batch_size
    again = CachedSummarizer(inner, cache)
    second = again.summarize(arts(5))
    assert [s.text for s in second] == [s.text for s in first]
    assert all(s.meta["cached"] is True for s in second) and second[0].meta["new_tokens"] == 3
    assert (again.reused, again.generated) == (5, 0) and len(inner.calls) == 3
    # A new article only: one call with just that article.
    third = CachedSummarizer(inner, cache)
    third.summarize(arts(6))
    assert (third.reused, third.generated) == (5, 1) and inner.calls[-1] == ["a5"]


def test_refresh_regenerates_and_overwrites(tmp_path):
    cache = GenerationCache(tmp_path / "g.sqlite")
    CachedSummarizer(Counting(), cache).summarize(arts(3))
    inner = Counting()
    fresh = CachedSummarizer(inner, cache, refresh=True)
    fresh.summarize(arts(3))
    assert (fresh.reused, fresh.generated) == (0, 3) and len(cache) == 3


def test_errors_are_not_cached(tmp_path):
    cache = GenerationCache(tmp_path / "g.sqlite")
    first = CachedSummarizer(Counting(fail_ids={"a1"}), cache)
    out = first.summarize(arts(3))
    assert out[1].meta["error"] == "boom" and len(cache) == 2
    retry = CachedSummarizer(Counting(), cache)
    retry.summarize(arts(3))
    assert (retry.reused, retry.generated) == (2, 1)


def test_fingerprint_changes_with_settings_and_input():
    ident = {"backend": "hf", "generation": {"max_new_tokens": 64}}
    base = fingerprint(ident, "text")
    assert base == fingerprint({"generation": {"max_new_tokens": 64}, "backend": "hf"}, "text")
    assert base != fingerprint({"backend": "hf", "generation": {"max_new_tokens": 65}}, "text")
    assert base != fingerprint(ident, "text.")
    assert len(base) == 64
    a = Article(id="a", text="page", title="T", body="B")
    assert article_input(a) != article_input(Article(id="a", text="page", title="T2", body="B"))
    # The model's display name is not part of the key; its settings are.
    cache_a = CachedSummarizer(Counting(name="x"), GenerationCache(":memory:"))
    cache_b = CachedSummarizer(Counting(name="y"), GenerationCache(":memory:"))
    cache_c = CachedSummarizer(Counting(style="lower"), GenerationCache(":memory:"))
    assert cache_a.key(a) == cache_b.key(a) != cache_c.key(a)
    assert cache_a.fingerprint() != cache_c.fingerprint()


def test_uncacheable_inner_passes_through(tmp_path):
    inner = Counting()
    inner.cacheable = False
    wrapped = CachedSummarizer(inner, GenerationCache(tmp_path / "g.sqlite"))
    wrapped.summarize(arts(2))
    wrapped.summarize(arts(2))
    assert len(inner.calls) == 2 and wrapped.generated == 4 and len(wrapped.cache) == 0


KILLER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {root!r})
    from harness.cache import CachedSummarizer, GenerationCache
    from harness.records import Article, Summary

    class Dies:
        name, batch_size, calls = "stub", 2, 0
        def identity(self):
            return {{"backend": "stub"}}
        def summarize(self, articles):
            Dies.calls += 1
            if Dies.calls == 3 and os.environ.get("DIE"):
                os.kill(os.getpid(), signal.SIGKILL)  # mid-run, no cleanup at all
            return [Summary("stub", a.id, a.body.upper(), {{}}) for a in articles]

    arts = [Article(id=f"a{{i}}", text="p", body=f"body {{i}}") for i in range(8)]
    wrapped = CachedSummarizer(Dies(), GenerationCache(sys.argv[1]))
    out = wrapped.summarize(arts)
    print(wrapped.reused, wrapped.generated, len(out))
""")


def test_sigkill_mid_run_keeps_completed_items(tmp_path):
    script = tmp_path / "run.py"
    script.write_text(KILLER.format(root=str(ROOT)))
    db = str(tmp_path / "g.sqlite")
    killed = subprocess.run([sys.executable, str(script), db], env={**os.environ, "DIE": "1"},
                            capture_output=True, text=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL
    assert len(GenerationCache(db)) == 4  # two batches of 2 finished before the kill
    env = {k: v for k, v in os.environ.items() if k != "DIE"}
    rerun = subprocess.run([sys.executable, str(script), db], env=env, capture_output=True,
                           text=True, timeout=60)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.split() == ["4", "4", "8"]  # reused 4, generated only the missing 4


def test_file_hash_memo_and_weight_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "c"))
    assert cache_dir() == tmp_path / "c"
    f = tmp_path / "w.bin"
    f.write_bytes(b"abc")
    # sha256("abc"), the FIPS 180-2 test vector.
    want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert file_sha256(f) == want and file_sha256(f) == want
    f.write_bytes(b"abcd")
    assert file_sha256(f) != want  # size changed: the memo is not trusted
    target = weights_dir("k1")
    try:
        with publish_dir(target) as tmp:
            (tmp / "x").write_text("half")
            raise RuntimeError("crash while writing")
    except RuntimeError:
        pass
    assert not weights_ready(target) and not target.exists()
    with publish_dir(target) as tmp:
        (tmp / "x").write_text("full")
    assert weights_ready(target) and (target / "x").read_text() == "full"
    assert not [p for p in target.parent.iterdir() if ".tmp-" in p.name]


def test_scoring_code_digest_follows_the_code_and_the_package_versions(tmp_path):
    (tmp_path / "checkers" / "__pycache__").mkdir(parents=True)
    (tmp_path / "checkers" / "rules.py").write_text("THRESHOLD = 0.5\n")
    (tmp_path / "text.py").write_text("def clean(s): return s\n")
    parts = ("checkers", "text.py", "absent.py")

    def digest(packages=("numpy",)):
        cache.scoring_code_digest.cache_clear()
        return cache.scoring_code_digest(tmp_path, parts, packages)

    first = digest()
    (tmp_path / "checkers" / "__pycache__" / "rules.cpython-311.pyc").write_bytes(b"\0compiled")
    (tmp_path / "notes.md").write_text("not scoring code")
    assert digest() == first  # bytecode and files outside the parts do not count
    (tmp_path / "checkers" / "rules.py").write_text("THRESHOLD = 0.6\n")
    edited = digest()
    assert edited != first
    assert digest(("numpy", "no-such-distribution-here")) != edited
    cache.scoring_code_digest.cache_clear()


def test_cached_scores_are_not_reused_once_the_scoring_code_changed(tmp_path, monkeypatch):
    from harness.config import load_config
    from harness.pipeline import run_eval

    def run(name):
        config = load_config(ROOT / "tests/data/tiny.yaml", [f"output_dir={tmp_path}", f"run_id={name}", "cache=true"])
        run_dir = run_eval(config, progress=False).dir
        return json.loads((run_dir / "run.json").read_text())["models"]["lead-2"], run_dir

    first, first_dir = run("first")
    again, _ = run("again")
    assert (again["scores_reused"], again["scores_computed"]) == (first["scores_computed"], 0) != (0, 0)
    monkeypatch.setattr(cache, "scoring_code_digest", lambda: "another version of the scorers")
    changed, changed_dir = run("changed")
    assert (changed["scores_reused"], changed["scores_computed"]) == (0, first["scores_computed"])
    assert (changed_dir / "scores.jsonl").read_bytes() == (first_dir / "scores.jsonl").read_bytes()
