"""The flow of a run: gold set -> body extraction -> summarizers (cache in front) -> scorers ->
aggregation -> results folder and reports. ``harness eval`` and ``harness score`` call
:func:`run_eval` and :func:`run_score`; nothing below imports this module.
"""

from __future__ import annotations

import dataclasses
import datetime
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .config import RunConfig, resolve_path
from .errors import HarnessError
from .executors import Executor, build as build_executor
from .gold import prepare_articles
from .records import Article, ScoreRecord, Summary
from .report import write_reports
from .results import JsonlWriter, Run, start_run, write_run
from .scorers import build_scorers, default_scorers, judge_usage
from .scorers.batch import batches, score_pairs, score_with_cache


def run_eval(config: RunConfig, limit: int | None = None, use_cache: bool | None = None,
             refresh: bool = False, progress: bool = True, executor: str | None = None,
             executor_options: dict[str, Any] | None = None) -> Run:
    """Run ``config`` end to end into its results folder. Summaries and scores are streamed to
    disk as they arrive, so a crash loses at most the batch in flight."""
    t0 = time.perf_counter()
    dataset = resolve_path(config.dataset, config.source)
    articles = prepare_articles(dataset, limit if limit is not None else config.limit)
    scorers = build_scorers(config.scorers)  # fail fast, before anything is generated
    scorer_sigs = {s.role: s.signature() for s in scorers}
    use_cache = config.cache if use_cache is None else use_cache
    run_dir = _run_dir(config)
    inputs = articles if config.input == "body" else [dataclasses.replace(a, body=a.text) for a in articles]
    by_id = {a.id: a for a in articles}
    runner = build_executor(executor or config.executor, **(executor_options or {}))
    if hasattr(runner, "adopt_scorers"):  # in this process: the scorers just built
        runner.adopt_scorers(config.scorers, scorers)
    score_cache = None
    if use_cache:
        from .cache import ScoreCache

        score_cache = ScoreCache()
    models: dict[str, dict[str, Any]] = {}
    timings: dict[str, float] = {}
    records: list[ScoreRecord] = []
    start_run(run_dir)
    try:
        with JsonlWriter(run_dir / "summaries.jsonl") as summaries_out, \
                JsonlWriter(run_dir / "scores.jsonl") as scores_out:
            for spec in config.models:
                name = spec["name"]
                t = time.perf_counter()
                summaries = _generate(runner, spec, inputs, summaries_out, use_cache, refresh, progress)
                models[name] = dict(runner.model_info(spec))
                timings[f"generate:{name}"] = round(time.perf_counter() - t, 3)
                _say(progress, "reused" in models[name],
                     f"{name}: reused {models[name].get('reused')} cached summaries, generated {models[name].get('generated')}")
                t = time.perf_counter()
                pairs = [(by_id[s.article_id], s) for s in summaries]
                counts: dict[str, int] = {}
                with tqdm(total=len(pairs), desc=f"scoring ({name})", disable=not progress, file=sys.stderr) as bar:
                    for r in score_with_cache(runner, config.scorers, pairs, score_cache, scorer_sigs, counts):
                        scores_out.write(r)
                        records.append(r)
                        bar.update(1)
                timings[f"score:{name}"] = round(time.perf_counter() - t, 3)
                if score_cache is not None and counts:
                    models[name].update(scores_reused=counts["reused"], scores_computed=counts["scored"])
                    _say(progress, True, f"{name}: reused {counts['reused']} cached scores, computed {counts['scored']}")
        judges = runner.judge_usage() if hasattr(runner, "judge_usage") else {}
    finally:
        runner.close()
    timings["total"] = round(time.perf_counter() - t0, 3)
    return finish(Run(run_dir, articles, records, scorer_sigs, models, _config_json(config), str(dataset),
                      config.seed, config.bootstrap, config.input, timings, judges))


def run_score(gold: str | Path, summaries_path: str | Path, out_dir: str | Path,
              progress: bool = True, seed: int = 0, bootstrap: int = 1000,
              scorers: dict[str, dict[str, Any]] | None = None) -> Run:
    """Score saved summaries against ``gold`` into ``out_dir`` (same files as ``eval``), with
    ``scorers`` (a config's ``scorers:`` mapping; default: both scorers, default settings)."""
    from .summarizers.file import load_summaries

    t0 = time.perf_counter()
    articles = prepare_articles(gold)
    by_id = {a.id: a for a in articles}
    summaries = load_summaries(summaries_path, list(by_id), gold)
    run_dir = Path(out_dir)
    start_run(run_dir)
    with JsonlWriter(run_dir / "summaries.jsonl") as out:
        for s in summaries:
            out.write(_summary_row(s))
    scorers = scorers if scorers is not None else default_scorers()
    built = build_scorers(scorers)
    records = score_pairs([(by_id[s.article_id], s) for s in summaries], built, progress)
    with JsonlWriter(run_dir / "scores.jsonl") as out:
        for r in records:
            out.write(r)
    models = {s.model: {"backend": "file", "identity": {"backend": "file", "path": str(summaries_path)}}
              for s in summaries}
    config = {"dataset": str(gold), "summaries": str(summaries_path), "command": "score", "scorers": scorers}
    return finish(Run(run_dir, articles, records, {s.role: s.signature() for s in built}, models, config,
                      str(gold), seed, bootstrap, "body", {"total": round(time.perf_counter() - t0, 3)},
                      judge_usage(built)))


def finish(run: Run) -> Run:
    """Write ``run.json`` and the reports of a run whose ``scores.jsonl`` is on disk; the run
    comes back with ``info``, the ``run.json`` written."""
    info = write_run(run)
    write_reports(run.dir, info, run.records, run.articles)
    return dataclasses.replace(run, info=info)


def stream_batch_size(spec: dict[str, Any]) -> int:
    """Articles handed to a summarizer at a time: enough to fill its batches, or to keep a
    served model's ``concurrency`` requests in flight (results are streamed to disk per batch)."""
    if spec.get("batch_size"):
        return max(1, int(spec["batch_size"]))
    return max(8, 2 * int(spec.get("concurrency") or 0))


def _generate(runner: Executor, spec: dict[str, Any], inputs: list[Article], out: JsonlWriter,
              use_cache: bool, refresh: bool, progress: bool) -> list[Summary]:
    """One model's summaries of ``inputs``, each written to ``out`` as its batch arrives."""
    summaries: list[Summary] = []
    with tqdm(total=len(inputs), desc=f"generating ({spec['name']})", disable=not progress, file=sys.stderr) as bar:
        for got in runner.generate(spec, batches(inputs, stream_batch_size(spec)), use_cache, refresh):
            for s in got:
                out.write(_summary_row(s))
            summaries.extend(got)
            bar.update(len(got))
    return summaries


def _summary_row(s: Summary) -> dict[str, Any]:
    return {"model": s.model, "article_id": s.article_id, "summary": s.text, "meta": s.meta}


def _say(progress: bool, when: bool, message: str) -> None:
    if progress and when:
        print(message, file=sys.stderr)


def _config_json(config: RunConfig) -> dict[str, Any]:
    data = dataclasses.asdict(config)
    data["models"] = [dict(m) for m in config.models]
    return data


def _run_dir(config: RunConfig) -> Path:
    run_id = config.run_id or f"{config.name}-{datetime.datetime.now().strftime('%Y%m%d-%H%M%S')}"
    root = Path(config.output_dir)
    run_dir = root / run_id
    if root.resolve() not in run_dir.resolve().parents:
        raise HarnessError(f"run_id {run_id!r} would escape the results folder {root}")
    run_dir.mkdir(parents=True, exist_ok=True)
    return run_dir
