"""The flow of a run: gold set -> body extraction -> summarizers (cache in front) -> scorers ->
aggregation -> results folder. ``harness eval`` and ``harness score`` are thin wrappers.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from tqdm import tqdm

from . import __version__, scorers as scorer_registry, summarizers as summarizer_registry
from .aggregate import summarize_model
from .body import extract_body
from .config import RunConfig, resolve_path
from .errors import HarnessError
from .gold import dataset_hashes, load_gold
from .records import Article, ScoreRecord, Summary, score_record_from_json
from .results import JsonlWriter, dumps, start_run, write_atomic

CHEAP_BACKENDS = ("lead", "reference", "file", "textrank", "oracle")
STABLE_GENERATION_KEYS = (
    "prompt_tokens", "new_tokens", "truncated_tokens", "truncated_chars", "input_chars_seen",
    "hit_max_new_tokens", "finish_reason", "oracle_coverage",
)
"""Generation details copied into ``scores.jsonl``: those that depend only on the inputs (timings,
cache flags and attempts stay in ``summaries.jsonl``, so equal inputs give byte-identical scores)."""


def prepare_articles(path: str | Path, limit: int | None = None) -> list[Article]:
    """Load the gold set and extract each article's body (furniture kept aside)."""
    articles = load_gold(path)
    if limit is not None:
        articles = articles[:limit]
    return [extract_body(a) for a in articles]


def build_scorers(spec: dict[str, dict[str, Any]]) -> list[Any]:
    """Scorer objects from the config's ``scorers`` mapping (coverage first)."""
    built = [scorer_registry.build(name, params) for name, params in spec.items()]
    return sorted(built, key=lambda s: s.role != "coverage")


MAX_SUMMARY_CHARS = 100_000
"""Summaries longer than this (a runaway generation: ~50 times a long summary) are not scored;
they end *unscored* with the reason, so a gate fails closed on them."""


SCORE_CHUNK = 32
"""Pairs per ``score_many`` call."""

PREFETCH_CHUNKS = 3
"""How many chunks ahead of the one being scored a scorer may start work (embedding, in a helper
process) for: enough to keep the helper busy, few enough to hold little in memory."""


class Lookahead:
    """Calls ``scorer.prefetch(items)`` (for scorers that have it) for the next chunks that
    scorer will score, up to ``depth`` chunks ahead of the scoring, in scoring order; then for
    ``then``, the items the next call will score (a head start across batches)."""

    def __init__(self, scorers: Sequence[Any], chunks: list[list[tuple[Article, str]]],
                 depth: int = PREFETCH_CHUNKS, then: list[tuple[Article, str]] | None = None):
        ahead = [s for s in scorers if hasattr(s, "prefetch")]
        self.depth = depth
        self.order = [(s, k, chunks[k]) for s in ahead for k in range(len(chunks))]
        self.order += [(s, None, then) for s in ahead if then]
        self.sent = 0
        self.reached(None, -1)

    def reached(self, scorer: Any, k: int) -> None:
        """Scoring has reached chunk ``k`` of ``scorer``: send what comes next."""
        done = next((n for n, (s, j, _) in enumerate(self.order) if s is scorer and j == k), -1) + 1
        while self.sent < min(len(self.order), done + self.depth):
            s, _, items = self.order[self.sent]
            self.sent += 1
            try:
                s.prefetch(items)
            except Exception:  # noqa: BLE001 - only a head start: score_many meets any real error
                pass


def _scorable(pairs: Sequence[tuple[Article, Summary]]) -> list[int]:
    """Indices of the pairs the scorers see: no generation error, not over the length limit."""
    return [i for i, (_, s) in enumerate(pairs) if not s.meta.get("error") and len(s.text) <= MAX_SUMMARY_CHARS]


def score_pairs(pairs: Sequence[tuple[Article, Summary]], scorers: Sequence[Any],
                progress: bool = True, desc: str = "scoring",
                upcoming: Sequence[tuple[Article, Summary]] = ()) -> list[ScoreRecord]:
    """Score every (article, summary) pair with every scorer; failures become *unscored*.
    ``upcoming``, the pairs the next call will score, get a head start (:class:`Lookahead`)
    while these are checked."""
    results: dict[str, list[Any]] = {}
    errors: dict[int, str] = {
        i: f"summary is {len(s.text):,} characters long, over the scoring limit of {MAX_SUMMARY_CHARS:,}"
        for i, (_, s) in enumerate(pairs) if len(s.text) > MAX_SUMMARY_CHARS}
    scorable = _scorable(pairs)
    chunks = [scorable[start:start + SCORE_CHUNK] for start in range(0, len(scorable), SCORE_CHUNK)]
    then = [(upcoming[i][0], upcoming[i][1].text) for i in _scorable(upcoming)][:SCORE_CHUNK]
    ahead = Lookahead(scorers, [[(pairs[i][0], pairs[i][1].text) for i in chunk] for chunk in chunks],
                      then=then)
    for scorer in scorers:
        out: list[Any] = [None] * len(pairs)
        bar = tqdm(total=len(scorable), desc=f"{desc} ({scorer.role})", disable=not progress,
                   file=sys.stderr, leave=False)
        for k, chunk in enumerate(chunks):
            ahead.reached(scorer, k)
            items = [(pairs[i][0], pairs[i][1].text) for i in chunk]
            try:
                got = scorer.score_many(items)
            except HarnessError as exc:  # a missing package or model file: no item can be scored
                errors.update({i: f"{scorer.role} scorer failed: {type(exc).__name__}: {exc}" for i in chunk})
                got = [None] * len(chunk)
            except Exception:  # fall back to one by one so one bad item does not sink the batch
                got = []
                for i, item in zip(chunk, items):
                    try:
                        got.append(scorer.score(*item))
                    except Exception as exc:  # noqa: BLE001 - recorded as the unscored reason
                        errors[i] = f"{scorer.role} scorer failed: {type(exc).__name__}: {exc}"
                        got.append(None)
            for i, r in zip(chunk, got):
                out[i] = r
            bar.update(len(chunk))
        bar.close()
        results[scorer.role] = out
    records = []
    for i, (article, summary) in enumerate(pairs):
        cov = results.get("coverage", [None] * len(pairs))[i]
        faith = results.get("faithfulness", [None] * len(pairs))[i]
        unscored = summary.meta.get("error") or errors.get(i) or _invalid_numbers(cov, faith)
        if not unscored and cov is None and faith is None:
            unscored = "no scorer produced a result"
        records.append(ScoreRecord(
            model=summary.model, article_id=article.id, summary=summary.text,
            coverage=None if unscored or cov is None else cov.coverage,
            facts=() if unscored or cov is None else cov.facts,
            hallucinations=() if unscored or faith is None else faith.hallucinations,
            hallucination_rate=None if unscored or faith is None else faith.hallucination_rate,
            faithful=None if unscored or faith is None else faith.faithful,
            faithfulness_probability=None if unscored or faith is None else faith.probability,
            n_claims=0 if unscored or faith is None else faith.n_claims,
            traps_hit=() if unscored or faith is None else faith.traps_hit,
            summary_words=len(summary.text.split()),
            unscored=unscored or None,
            generation=_generation_info(article, summary),
        ))
    return records


def _invalid_numbers(cov: Any, faith: Any) -> str | None:
    """Fail closed: a NaN or out-of-range number from a scorer makes the pair unscored."""
    values = {}
    if cov is not None:
        values["coverage"] = cov.coverage
        values.update({f"fact {f.id} score": f.score for f in cov.facts})
    if faith is not None:
        values["hallucination_rate"] = faith.hallucination_rate
        values["faithfulness probability"] = faith.probability
    for name, v in values.items():
        if not isinstance(v, (int, float)) or not 0.0 <= v <= 1.0:  # NaN fails both comparisons
            return f"scorer returned an invalid {name}: {v!r}"
    return None


def _generation_info(article: Article, summary: Summary) -> dict[str, Any]:
    """Generation details for the results, with the facts whose evidence the model never saw."""
    info = {k: v for k, v in summary.meta.items() if k in STABLE_GENERATION_KEYS}
    seen = summary.meta.get("input_chars_seen")
    if isinstance(seen, int):
        body = article.body or article.text
        if seen < len(body):
            info["facts_beyond_context"] = [
                f.id for f in article.facts
                if f.evidence and body.find(f.evidence) >= 0 and body.find(f.evidence) + len(f.evidence) > seen
            ]
    return info


def build_summarizer(spec: dict[str, Any], use_cache: bool = True, refresh: bool = False) -> Any:
    """The summarizer of one ``models:`` entry, with the generation cache in front of model
    backends (cheap deterministic baselines are not cached)."""
    summarizer = summarizer_registry.build(spec, f"models[{spec['name']}]")
    if not use_cache or spec.get("backend") in CHEAP_BACKENDS:
        return summarizer
    from .cache import CachedSummarizer, GenerationCache

    return CachedSummarizer(summarizer, GenerationCache(), refresh=refresh)


def score_with_cache(runner: Any, scorer_specs: dict[str, dict[str, Any]],
                     pairs: Sequence[tuple[Article, Summary]], cache: Any,
                     scorer_sigs: dict[str, str], counts: dict[str, int] | None = None) -> Iterator[ScoreRecord]:
    """Score records of ``pairs`` in order: cached ones from ``cache`` (when given), the others
    scored by ``runner`` in batches and stored as they arrive. ``counts``, when given, receives
    ``reused`` (records taken from the cache) and ``scored`` (pairs sent to the runner) as soon
    as the cache has been looked up."""
    keys: list[str | None] = [None] * len(pairs)
    hits: dict[int, ScoreRecord] = {}
    if cache is not None:
        from .cache import scoring_code_digest

        code = scoring_code_digest()
        article_keys: dict[str, str] = {}
        for i, (article, summary) in enumerate(pairs):
            if summary.meta.get("error"):
                continue
            if article.id not in article_keys:
                article_keys[article.id] = hashlib.sha256(dumps(article).encode()).hexdigest()
            keys[i] = hashlib.sha256(dumps([scorer_sigs, code, article_keys[article.id], summary.text]).encode()).hexdigest()
            cached = cache.get(keys[i])
            if cached is not None:
                hits[i] = score_record_from_json(cached)
    misses = [i for i in range(len(pairs)) if i not in hits]
    if counts is not None:
        counts.update(reused=len(hits), scored=len(misses))
    fresh = (r for got in runner.score(scorer_specs, _batches([pairs[i] for i in misses], 32)) for r in got)
    for i, (article, summary) in enumerate(pairs):
        if i in hits:
            yield dataclasses.replace(hits[i], model=summary.model, summary=summary.text,
                                      generation=_generation_info(article, summary))
            continue
        record = next(fresh)
        if cache is not None and keys[i] is not None and not record.unscored:
            cache.put(keys[i], json.loads(dumps(record)))
        yield record


def stream_batch_size(spec: dict[str, Any]) -> int:
    """Articles handed to a summarizer at a time: enough to fill its batches, or to keep a
    served model's ``concurrency`` requests in flight (results are streamed to disk per batch)."""
    if spec.get("batch_size"):
        return max(1, int(spec["batch_size"]))
    return max(8, 2 * int(spec.get("concurrency") or 0))


def _batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def run_eval(config: RunConfig, limit: int | None = None, use_cache: bool | None = None,
             refresh: bool = False, progress: bool = True, executor: str | None = None,
             executor_options: dict[str, Any] | None = None) -> Path:
    """Run ``config`` end to end and return the results folder. Summaries and scores are
    streamed to disk as they arrive, so a crash loses at most the batch in flight."""
    from .executors import build as build_executor

    t0 = time.perf_counter()
    dataset = resolve_path(config.dataset, config.source)
    limit = limit if limit is not None else config.limit
    articles = prepare_articles(dataset, limit)
    scorer_sigs = {s.role: s.signature() for s in build_scorers(config.scorers)}  # fail fast
    use_cache = config.cache if use_cache is None else use_cache
    run_dir = _run_dir(config)
    inputs = articles if config.input == "body" else [dataclasses.replace(a, body=a.text) for a in articles]
    by_id = {a.id: a for a in articles}
    runner = build_executor(executor or config.executor, **(executor_options or {}))
    score_cache = None
    if use_cache:
        from .cache import ScoreCache

        score_cache = ScoreCache()
    model_info: dict[str, dict[str, Any]] = {}
    timings: dict[str, float] = {}
    records: list[ScoreRecord] = []
    start_run(run_dir)
    try:
        with JsonlWriter(run_dir / "summaries.jsonl") as summaries_out, \
                JsonlWriter(run_dir / "scores.jsonl") as scores_out:
            for spec in config.models:
                name = spec["name"]
                t = time.perf_counter()
                batch = stream_batch_size(spec)
                summaries: list[Summary] = []
                with tqdm(total=len(inputs), desc=f"generating ({name})", disable=not progress,
                          file=sys.stderr) as bar:
                    for got in runner.generate(spec, _batches(inputs, batch), use_cache, refresh):
                        for s in got:
                            summaries_out.write({"model": s.model, "article_id": s.article_id,
                                                 "summary": s.text, "meta": s.meta})
                        summaries.extend(got)
                        bar.update(len(got))
                model_info[name] = dict(runner.model_info(spec))
                timings[f"generate:{name}"] = round(time.perf_counter() - t, 3)
                if "reused" in model_info[name] and progress:
                    print(f"{name}: reused {model_info[name]['reused']} cached summaries, "
                          f"generated {model_info[name]['generated']}", file=sys.stderr)
                t = time.perf_counter()
                pairs = [(by_id[s.article_id], s) for s in summaries]
                counts: dict[str, int] = {}
                with tqdm(total=len(pairs), desc=f"scoring ({name})", disable=not progress,
                          file=sys.stderr) as bar:
                    for r in score_with_cache(runner, config.scorers, pairs, score_cache, scorer_sigs, counts):
                        scores_out.write(r)
                        records.append(r)
                        bar.update(1)
                timings[f"score:{name}"] = round(time.perf_counter() - t, 3)
                if score_cache is not None and counts:
                    model_info[name].update(scores_reused=counts["reused"], scores_computed=counts["scored"])
                    if progress:
                        print(f"{name}: reused {counts['reused']} cached scores, "
                              f"computed {counts['scored']}", file=sys.stderr)
    finally:
        runner.close()
    timings["total"] = round(time.perf_counter() - t0, 3)
    finish_run(run_dir, articles, records, scorer_sigs, model_info, _config_json(config), config.seed,
               config.bootstrap, config.input, str(dataset), timings)
    return run_dir


def run_score(gold: str | Path, summaries_path: str | Path, out_dir: str | Path,
              progress: bool = True, seed: int = 0, bootstrap: int = 1000,
              scorers: dict[str, dict[str, Any]] | None = None) -> tuple[Path, list[ScoreRecord]]:
    """Score saved summaries against ``gold`` into ``out_dir`` (same files as ``eval``), with
    ``scorers`` (a config's ``scorers:`` mapping; default: both scorers, default settings)."""
    from .errors import InputError, Problem
    from .summarizers.file import read_summaries

    t0 = time.perf_counter()
    articles = prepare_articles(gold)
    by_id = {a.id: a for a in articles}
    rows, problems = read_summaries(summaries_path)
    for line, s in rows:
        if s.article_id not in by_id:
            problems.append(Problem(str(summaries_path), line, "article_id",
                                    f"unknown article {s.article_id!r} (not in {gold})"))
    seen: set[tuple[str, str]] = set()
    for line, s in rows:
        if (s.model, s.article_id) in seen:
            problems.append(Problem(str(summaries_path), line, "article_id",
                                    f"duplicate summary for model {s.model!r} and article {s.article_id!r}"))
        seen.add((s.model, s.article_id))
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise InputError(f"{summaries_path}: {len(errors)} problem(s) in the summaries file", errors)
    summaries = [s for _, s in rows]
    run_dir = Path(out_dir)
    start_run(run_dir)
    with JsonlWriter(run_dir / "summaries.jsonl") as out:
        for s in summaries:
            out.write({"model": s.model, "article_id": s.article_id, "summary": s.text, "meta": s.meta})
    scorers = scorers if scorers is not None else {"coverage": {}, "hallucination": {}}
    built = build_scorers(scorers)
    records = score_pairs([(by_id[s.article_id], s) for s in summaries], built, progress)
    with JsonlWriter(run_dir / "scores.jsonl") as out:
        for r in records:
            out.write(r)
    models = {s.model: {"backend": "file", "identity": {"backend": "file", "path": str(summaries_path)}}
              for s in summaries}
    config = {"dataset": str(gold), "summaries": str(summaries_path), "command": "score", "scorers": scorers}
    finish_run(run_dir, articles, records, {s.role: s.signature() for s in built}, models, config,
               seed, bootstrap, "body", str(gold),
               {"total": round(time.perf_counter() - t0, 3)})
    return run_dir, records


def finish_run(run_dir: Path, articles: list[Article], records: list[ScoreRecord],
               scorer_sigs: dict[str, str], models: dict[str, dict[str, Any]], config: dict[str, Any],
               seed: int, bootstrap: int, input_mode: str, dataset: str, timings: dict[str, float]) -> None:
    """Write ``run.json`` and the reports of a run whose ``scores.jsonl`` is already written."""
    from .report import write_reports

    hashes = dataset_hashes(articles)
    signature = "|".join([
        f"harness:{__version__}", f"articles:{hashes['articles_sha256'][:12]}",
        f"annotations:{hashes['annotations_sha256'][:12]}", f"input:{input_mode}",
        *[f"{role}={sig}" for role, sig in sorted(scorer_sigs.items())],
        f"seed:{seed}", f"bootstrap:{bootstrap}",
    ])
    for name, info in models.items():
        info["metrics"] = summarize_model([r for r in records if r.model == name], bootstrap, seed)
        ident = dumps(info.get("identity", {}))
        info["fingerprint"] = hashlib.sha256(ident.encode()).hexdigest()[:16]
    run = {
        "run_id": run_dir.name,
        "signature": signature,
        "harness_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "config": config,
        "dataset": {"path": dataset, "n_articles": len(articles), **hashes,
                    "resolved_path": dataset if dataset.startswith("hf:") else str(Path(dataset).resolve())},
        "scorers": scorer_sigs,
        "seed": seed,
        "bootstrap": bootstrap,
        "input": input_mode,
        "versions": versions(),
        "models": models,
        "timings": timings,
    }
    write_atomic(run_dir / "run.json", json.dumps(run, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    write_reports(run_dir, run, records, articles)


def versions() -> dict[str, str]:
    """Versions of Python and the libraries that can change a number."""
    from importlib import metadata

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "tokenizers", "safetensors", "spacy", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


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
