"""Local vs Ray: the same workloads through ``run_eval`` with the local executor and with the Ray
executor (N worker actors on a private local Ray instance), plus Ray's fixed costs.

Workloads (the news benchmark copied ``--copies`` times with changed ids):
- ``scoring``: the lead-3 and reference baselines; generation is free, so the time is scoring;
- ``generation``: a stand-in model that takes ``--sleep-ms`` per article and no CPU (the shape of
  a request to a model server; a CPU-bound local model cannot get faster on 2 cores shared with the
  driver), then scoring as above.
End to end (``run_eval``: a fresh set of actors per run, as ``harness eval --executor ray``), and
steady state (``executor.generate``/``score`` on warm actors, as in a long run).
Fixed costs: ``ray.init``, starting the worker actors, and the round trip of an empty task.
Each Ray run's ``scores.jsonl`` is checked byte for byte against the local run's.

    python benchmarks/perf/ray_scaling.py [--copies 8] [--workers 2] [--sleep-ms 40]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import ROOT, emit  # noqa: E402

NEWS = ROOT / "benchmarks/news/articles.jsonl"
HERE = Path(__file__).resolve().parent


class SleepSummarizer:
    """Lead-3 after ``sleep_ms`` per article of wall time that uses no CPU (a served model)."""

    def __init__(self, name: str, sleep_ms: float = 40, batch_size: int = 4):
        from harness.summarizers.lead import LeadSummarizer

        self.name, self.sleep_ms, self.batch_size = name, float(sleep_ms), int(batch_size)
        self._lead = LeadSummarizer(name, 3)

    def identity(self) -> dict[str, Any]:
        return {"backend": "bench-sleep", "sleep_ms": self.sleep_ms}

    def summarize(self, articles: Sequence[Any]) -> list[Any]:
        time.sleep(self.sleep_ms * len(articles) / 1000)
        return self._lead.summarize(articles)


def make_gold(copies: int, folder: Path) -> Path:
    rows = [json.loads(x) for x in NEWS.read_text(encoding="utf-8").splitlines() if x.strip()]
    path = folder / f"news-x{copies}.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for k in range(copies):
            for row in rows:
                f.write(json.dumps({**row, "id": f"{row['id']}--copy{k}"}, ensure_ascii=False) + "\n")
    return path


def run(gold: Path, out: Path, name: str, models: list[dict], executor: str, options: dict) -> tuple[float, dict, bytes]:
    from harness.config import from_mapping
    from harness.pipeline import run_eval

    config = from_mapping({"dataset": str(gold), "models": models, "run_id": name, "output_dir": str(out),
                           "cache": False})
    t = time.perf_counter()
    run_dir = run_eval(config, progress=False, executor=executor, executor_options=options).dir
    secs = time.perf_counter() - t
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    return secs, run["timings"], (run_dir / "scores.jsonl").read_bytes()


def driver_costs(records: list[Any], folder: Path) -> dict[str, float]:
    """What the driver spends per summary whatever the executor: writing a score record to
    ``scores.jsonl``, and (when :mod:`harness.cache` is installed) one cache lookup and store."""
    from harness.results import JsonlWriter

    out: dict[str, float] = {}
    t = time.perf_counter()
    with JsonlWriter(folder / "driver-costs.jsonl") as w:
        for r in records:
            w.write(r)
    out["write_score_record_ms"] = round(1000 * (time.perf_counter() - t) / len(records), 3)
    try:
        from harness.cache import GenerationCache
    except ImportError:
        return out
    cache = GenerationCache(folder / "bench-cache.sqlite")
    keys = [f"k{i}" for i in range(len(records))]
    t = time.perf_counter()
    for k, r in zip(keys, records):
        cache.put(k, {"text": r.summary, "meta": {}})
    out["cache_put_ms"] = round(1000 * (time.perf_counter() - t) / len(keys), 3)
    t = time.perf_counter()
    for k in keys:
        cache.get(k)
    out["cache_get_ms"] = round(1000 * (time.perf_counter() - t) / len(keys), 3)
    return out


def score_cpu_ms(articles: list[Any]) -> tuple[float, list[Any]]:
    """CPU milliseconds per summary to score lead-3 summaries in this process (scorers warm):
    CPU time, unlike wall time, hardly moves when other processes share the cores."""
    from harness.executors.local import LocalExecutor
    from harness.scorers.batch import batches as _batches

    ex = LocalExecutor()
    summaries = [s for got in ex.generate({"name": "lead-3", "backend": "lead", "sentences": 3},
                                          _batches(articles, 8), False, False) for s in got]
    pairs = [(a, s) for a, s in zip(articles, summaries)]
    list(ex.score({"coverage": {}, "hallucination": {}}, _batches(pairs[:8], 32)))  # warm
    t = time.process_time()
    records = [r for got in ex.score({"coverage": {}, "hallucination": {}}, _batches(pairs, 32)) for r in got]
    return 1000 * (time.process_time() - t) / len(pairs), records


def steady(executor: Any, articles: list[Any], models: list[dict]) -> tuple[float, float, int]:
    """(generation seconds, scoring seconds, batches sent) for ``articles`` and every model, on an
    executor whose workers (and models) are already warm."""
    from harness.scorers.batch import batches as _batches

    by_id = {a.id: a for a in articles}
    scorer_specs = {"coverage": {}, "hallucination": {}}
    gen = score = 0.0
    tasks = 0
    for spec in models:
        t = time.perf_counter()
        summaries = [s for got in executor.generate(spec, _batches(articles, int(spec.get("batch_size", 8))),
                                                    False, False) for s in got]
        gen += time.perf_counter() - t
        pairs = [(by_id[s.article_id], s) for s in summaries]
        t = time.perf_counter()
        records = [r for got in executor.score(scorer_specs, _batches(pairs, 32)) for r in got]
        score += time.perf_counter() - t
        assert len(records) == len(articles)
        tasks += -(-len(articles) // int(spec.get("batch_size", 8))) + -(-len(articles) // 32)
    return gen, score, tasks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=8, help="copies of the 13 news articles")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sleep-ms", type=float, default=40, help="stand-in model time per article")
    ap.add_argument("--tasks", type=int, default=200, help="empty tasks timed for the round trip")
    args = ap.parse_args()

    import ray

    from harness import summarizers
    from harness.executors.local import LocalExecutor
    from harness.executors.ray import RayExecutor
    from harness.pipeline import prepare_articles

    # Ray workers import this file's SleepSummarizer by name.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(HERE), str(ROOT), os.environ.get("PYTHONPATH")) if p)
    summarizers.register("bench-sleep", "ray_scaling:SleepSummarizer")
    sys.modules.setdefault("ray_scaling", sys.modules[__name__])

    result: dict[str, Any] = {"copies": args.copies, "workers": args.workers, "sleep_ms": args.sleep_ms}
    rows: list[list[Any]] = []
    t = time.perf_counter()
    ray.init(num_cpus=args.workers, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    result["ray_init_s"] = round(time.perf_counter() - t, 2)
    try:
        with RayExecutor(num_workers=args.workers) as ex:  # fixed costs
            t = time.perf_counter()
            pool = ex.pool()
            list(pool.map(lambda a, _: a.pid.remote(), range(args.workers), lambda *_: None))
            result["actor_start_s"] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
            list(pool.map(lambda a, _: a.pid.remote(), range(args.tasks), lambda *_: None))
            result["empty_task_ms"] = round(1000 * (time.perf_counter() - t) / args.tasks, 2)

        workloads = {
            "scoring": [{"name": "lead-3", "backend": "lead", "sentences": 3},
                        {"name": "reference", "backend": "reference"}],
            "generation": [{"name": "served", "backend": "bench-sleep", "sleep_ms": args.sleep_ms}],
        }
        with tempfile.TemporaryDirectory() as tmp:
            gold = make_gold(args.copies, Path(tmp))
            n_articles = 13 * args.copies
            cpu_ms, records = score_cpu_ms(prepare_articles(gold))
            result["local_score_cpu_ms_per_summary"] = round(cpu_ms, 2)
            result["driver"] = driver_costs(records, Path(tmp))
            for name, models in workloads.items():
                local_s, local_t, local_scores = run(gold, Path(tmp), f"{name}-local", models, "local", {})
                ray_s, ray_t, ray_scores = run(gold, Path(tmp), f"{name}-ray", models, "ray",
                                               {"num_workers": args.workers})
                n = n_articles * len(models)
                gen_local = sum(v for k, v in local_t.items() if k.startswith("generate:"))
                score_local = sum(v for k, v in local_t.items() if k.startswith("score:"))
                result[name] = {
                    "summaries": n, "local_s": round(local_s, 2), "ray_s": round(ray_s, 2),
                    "ray_over_local": round(ray_s / local_s, 2),
                    "local_ms_per_summary": round(1000 * local_s / n, 2),
                    "local_generate_ms_per_summary": round(1000 * gen_local / n, 2),
                    "local_score_ms_per_summary": round(1000 * score_local / n, 2),
                    "ray_ms_per_summary": round(1000 * ray_s / n, 2),
                    "ray_timings": ray_t, "local_timings": local_t,
                    "scores_identical": ray_scores == local_scores,
                }
                # Steady state: models and scorers loaded, actors started, before the clock.
                articles = prepare_articles(gold)
                local_ex, ray_ex = LocalExecutor(), RayExecutor(num_workers=args.workers)
                for ex in (local_ex, ray_ex):
                    steady(ex, articles[: 8 * args.workers], models)
                local_g, local_sc, tasks = steady(local_ex, articles, models)
                ray_g, ray_sc, _ = steady(ray_ex, articles, models)
                ray_ex.close()
                local_w, ray_w = local_g + local_sc, ray_g + ray_sc
                result[name].update({
                    "steady_local_generate_s": round(local_g, 2), "steady_ray_generate_s": round(ray_g, 2),
                    "steady_local_score_s": round(local_sc, 2), "steady_ray_score_s": round(ray_sc, 2),
                    "steady_ray_over_local": round(ray_w / local_w, 2), "tasks": tasks,
                    # Time beyond perfect scaling (local / workers), per task: Ray's own cost
                    # plus, on a small shared machine, the cores the workers do not have.
                    "steady_shortfall_ms_per_task": round(1000 * (ray_w - local_w / args.workers) / tasks, 1),
                })
                rows.append([name, n, round(local_s, 2), round(ray_s, 2), round(ray_s / local_s, 2),
                             f"{local_g:.2f}/{ray_g:.2f}", f"{local_sc:.2f}/{ray_sc:.2f}",
                             round(ray_w / local_w, 2), round(1000 * score_local / n, 2),
                             ray_scores == local_scores])
    finally:
        ray.shutdown()
    emit("ray_scaling", result, rows,
         ["workload", "summaries", "local s", f"ray({args.workers}) s", "ray/local",
          "steady gen s local/ray", "steady score s local/ray", "steady ray/local",
          "local score ms/summary", "identical"])
    print(f"\nscoring in one process: {result['local_score_cpu_ms_per_summary']} CPU ms per summary; "
          f"driver per summary: {result['driver']}")
    print(f"ray.init {result['ray_init_s']} s (not in the run times); starting {args.workers} actors "
          f"{result['actor_start_s']} s (in every Ray run time); empty task round trip {result['empty_task_ms']} ms")


if __name__ == "__main__":
    main()
