"""The Ray executor against a local Ray instance (``ray.init(num_cpus=2)``, started once here).

The reference for every expected value is a local run of the same inputs: the Ray executor must
write byte-identical ``scores.jsonl`` (and ``summaries.jsonl``), also when worker processes die
mid-run. Worker deaths are real: the summarizers and scorer of ``tests/ray_test_helpers.py`` call
``os._exit`` inside the worker, or the test kills a worker actor with ``ray.kill``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from harness import scorers, summarizers  # noqa: E402
from harness.config import load_config  # noqa: E402
from harness.errors import ConfigError  # noqa: E402
from harness.executors.ray import RayExecutor  # noqa: E402
from harness.gold import prepare_articles  # noqa: E402
from harness.pipeline import run_eval  # noqa: E402

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
HELPERS = "ray_test_helpers"


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    """One small Ray instance for the module; workers import the helpers from tests/."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), str(ROOT), old) if p)
    sys.path.insert(0, str(TESTS))
    for backend in ("CrashOnce", "Poison", "Slow", "Counting"):
        summarizers.register(backend.lower(), f"{HELPERS}:{backend}")
    scorers.REGISTRY.register("crash-coverage", f"{HELPERS}:CrashOnceCoverage")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
        for backend in ("crashonce", "poison", "slow", "counting"):
            summarizers.REGISTRY.unregister(backend)
        scorers.REGISTRY.unregister("crash-coverage")
        sys.path.remove(str(TESTS))
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Never the user's generation cache (a cached summary would also skip a planned crash)."""
    monkeypatch.setenv("HARNESS_CACHE_DIR", str(tmp_path / "cache"))


def _gold(tmp_path: Path, copies: int) -> Path:
    """``copies`` copies of each tiny article, ids suffixed -0, -1, ... (annotations unchanged)."""
    rows = [json.loads(line) for line in (TESTS / "data" / "tiny.jsonl").read_text().splitlines() if line.strip()]
    out = tmp_path / "articles.jsonl"
    out.write_text("".join(json.dumps({**r, "id": f"{r['id']}-{i}"}) + "\n" for i in range(copies) for r in rows))
    return out


def _config(tmp_path: Path, name: str, dataset: Path | str, models: list[dict], scorers_: dict | None = None,
            cache: bool = False):
    """A run config; the generation cache is off unless asked for (the crash tests compare with
    a run of the uncached ``lead`` baseline, whose summaries carry no cache marks)."""
    path = tmp_path / f"{name}.yaml"
    data = {"dataset": str(dataset), "models": models, "run_id": name, "output_dir": str(tmp_path / "results"),
            "cache": cache}
    if scorers_ is not None:
        data["scorers"] = scorers_
    path.write_text(json.dumps(data))
    return load_config(path)


def _files(run_dir: Path) -> tuple[bytes, bytes]:
    return (run_dir / "scores.jsonl").read_bytes(), (run_dir / "summaries.jsonl").read_bytes()


def _ray(**options):
    return {"executor": "ray", "executor_options": {"num_workers": 2, **options}}


LEAD = {"name": "lead-2", "backend": "lead", "sentences": 2}


def test_cli_executor_ray_gives_byte_identical_results_on_the_tiny_config(tmp_path, cli):
    config = load_config(TESTS / "data" / "tiny.yaml", [f"output_dir={tmp_path / 'local'}"])
    local = run_eval(config, progress=False).dir
    code, out, err = cli("eval", "--config", TESTS / "data" / "tiny.yaml", "--set", f"output_dir={tmp_path / 'ray'}",
                         "--quiet", "--executor", "ray", "--workers", "2")
    assert code == 0, err
    remote = tmp_path / "ray" / "tiny"
    assert _files(remote) == _files(local)
    run = json.loads((remote / "run.json").read_text())
    assert run["models"]["lead-2"]["identity"] == {"backend": "lead", "sentences": 2}
    assert run["config"]["executor"] == "ray"


def test_workers_dying_mid_run_in_generation_and_scoring_are_retried_on_fresh_actors(tmp_path):
    gold = _gold(tmp_path, 3)  # 6 articles, batches of 1: 6 generation tasks on 2 workers
    local = run_eval(_config(tmp_path, "local", gold, [LEAD]), progress=False).dir
    crash = {"name": "lead-2", "backend": "crashonce", "marker": str(tmp_path / "gen-crashed"), "batch_size": 1}
    crash_scorers = {"crash-coverage": {"marker": str(tmp_path / "score-crashed")}, "hallucination": {}}
    remote = run_eval(_config(tmp_path, "ray", gold, [crash], crash_scorers), progress=False, **_ray()).dir
    for marker in ("gen-crashed", "score-crashed"):
        assert (tmp_path / marker).exists(), f"{marker}: the worker never crashed: nothing was tested"
    assert _files(remote) == _files(local)


def test_a_claim_check_registered_in_the_driver_runs_on_the_workers(tmp_path):
    from harness.checkers.faithfulness.checks import CLAIM_CHECKS

    CLAIM_CHECKS.register("flag-all", f"{HELPERS}:flag_every_claim")
    try:
        config = _config(tmp_path, "local", TESTS / "data" / "tiny.jsonl", [LEAD])
        local = run_eval(config, progress=False).dir
        remote = run_eval(_config(tmp_path, "ray", TESTS / "data" / "tiny.jsonl", [LEAD]), progress=False,
                          **_ray()).dir
    finally:
        CLAIM_CHECKS.unregister("flag-all")
    assert b"flagged by a driver-registered check" in _files(local)[0]
    assert _files(remote) == _files(local)


def test_worker_killed_by_ray_kill_mid_run_and_errors_in_workers(tmp_path):
    articles = prepare_articles(_gold(tmp_path, 3))
    spec = {"name": "lead-2", "backend": "slow", "delay": 0.2, "batch_size": 1}
    with RayExecutor(num_workers=2, tasks_per_worker=2) as executor:
        abandoned = executor.generate(spec, ([a] for a in articles), False, False)
        next(abandoned)  # a consumer that stops early must not leave the dispatch stuck
        abandoned.close()
        got = []
        for i, batch in enumerate(executor.generate(spec, ([a] for a in articles), False, False)):
            if i == 0:  # both workers hold queued batches now
                victim = executor.pool().actors[0]
                ray.kill(victim, no_restart=True)
            got.extend(batch)
        assert executor.pool().replaced >= 1
        # An expected error on a worker (a bad model key) reaches the driver as itself, not retried.
        with pytest.raises(ConfigError, match=r"models\[lead-2\]\.bogus: unknown key"):
            list(executor.generate({**spec, "bogus": 1}, [articles[:1]], False, False))
    expected = summarizers.build({"name": "lead-2", "backend": "lead", "sentences": 2}).summarize(articles)
    assert [(s.article_id, s.text, s.meta) for s in got] == [(s.article_id, s.text, s.meta) for s in expected]


def test_a_batch_that_always_kills_its_worker_ends_unscored_with_the_reason(tmp_path):
    gold = _gold(tmp_path, 3)
    local = run_eval(_config(tmp_path, "local", gold, [LEAD]), progress=False).dir
    poison = {"name": "lead-2", "backend": "poison", "poison": "tiny-bridge-1", "batch_size": 1}
    remote = run_eval(_config(tmp_path, "ray", gold, [poison]), progress=False, **_ray(max_retries=1)).dir
    got = [json.loads(line) for line in (remote / "scores.jsonl").read_text().splitlines()]
    want = [json.loads(line) for line in (local / "scores.jsonl").read_text().splitlines()]
    assert [r["article_id"] for r in got] == [r["article_id"] for r in want]  # complete, in order
    for g, w in zip(got, want):
        if g["article_id"] == "tiny-bridge-1":
            assert g["unscored"].startswith("worker failed 2 times; last: ")
            assert g["coverage"] is None and g["summary"] == ""
        else:  # batches queued behind the poison on the dying actor were resent, not charged
            assert g == w
    run = json.loads((remote / "run.json").read_text())
    assert run["models"]["lead-2"]["metrics"]["coverage"]["n_unscored"] == 1


def test_generation_cache_is_kept_by_the_driver(tmp_path, monkeypatch):
    """Workers never write the cache; the driver stores what they return and a rerun sends
    nothing to the workers. With :mod:`harness.cache` installed, a local run and a Ray run also
    share cache entries (same fingerprints) and write the same summaries."""
    api = _cache_module(monkeypatch, tmp_path)
    gold = _gold(tmp_path, 2)
    calls = tmp_path / "calls"
    model = {"name": "m", "backend": "counting", "calls_dir": str(calls), "batch_size": 2}
    first = run_eval(_config(tmp_path, "first", gold, [model], cache=True), progress=False, **_ray(num_workers=1)).dir
    assert len(list(calls.iterdir())) == 4
    info = json.loads((first / "run.json").read_text())["models"]["m"]
    assert (info["reused"], info["generated"]) == (0, 4)
    second = run_eval(_config(tmp_path, "second", gold, [model], cache=True), progress=False, **_ray(num_workers=1)).dir
    assert len(list(calls.iterdir())) == 4, "a cached summary was generated again"
    info = json.loads((second / "run.json").read_text())["models"]["m"]
    assert (info["reused"], info["generated"]) == (4, 0)
    rows = [json.loads(line) for line in (second / "summaries.jsonl").read_text().splitlines()]
    assert all(r["meta"]["cached"] is True and r["meta"]["fingerprint"] for r in rows)
    if api is not None:  # the real cache: the local wrapper reuses what the Ray run stored
        local = run_eval(_config(tmp_path, "local", gold, [model], cache=True), progress=False).dir
        assert len(list(calls.iterdir())) == 4
        assert _files(local) == _files(second)


def _cache_module(monkeypatch, tmp_path):
    """The real :mod:`harness.cache` (cache folder under tmp_path), or a stand-in with the same
    three names where this branch does not have it yet. Returns the real module or None."""
    try:
        from harness import cache

        return cache
    except ImportError:
        pass
    import hashlib
    import types

    store: dict[str, dict] = {}
    fake = types.ModuleType("harness.cache")
    fake.article_input = lambda a: json.dumps({"title": a.title, "body": a.body if a.body is not None else a.text})
    fake.fingerprint = lambda identity, text: hashlib.sha256(
        json.dumps({"identity": identity, "input": text}, sort_keys=True).encode()).hexdigest()

    class GenerationCache:
        def __init__(self, path=None):
            pass

        def get(self, key):
            return store.get(key)

        def put(self, key, value):
            store[key] = json.loads(json.dumps(value))

    fake.GenerationCache = GenerationCache
    monkeypatch.setitem(sys.modules, "harness.cache", fake)
    return None
