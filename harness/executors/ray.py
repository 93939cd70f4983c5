"""The Ray executor: generation and scoring batches run on Ray worker actors.

Each worker actor loads a model (and the scorers' models) once and keeps it for every batch sent
to it. The driver sends batches out, a few ahead, and yields the results in the order of the
batches, so :func:`harness.pipeline.run_eval` writes the same files as a local run.

- **Cache**: workers never touch the generation cache; the driver looks up hits first, sends only
  the misses and stores what comes back (:mod:`harness.executors.driver_cache`).
- **Worker failure** (the actor process dies, is killed, runs out of memory, or a task passes
  ``task_timeout_s``): the batch that was running goes to a fresh actor, up to ``max_retries``
  times; after that its summaries carry ``meta["error"]`` and its score records ``unscored``, both
  with the reason. Batches queued behind it on the dead actor are resent without being charged.
  When a death cannot be pinned on one batch (an actor can die with a finished batch's reply),
  its batches are rerun one at a time on idle actors, where a death names its batch.
- **Errors in harness code** (a bad model config, a bug) are raised in the driver as they would be
  locally: retrying a deterministic error would only repeat it.

Options (``--executor ray --address ADDR --workers N`` on the command line):
``address`` (None: start a private local Ray instance, shut down on :meth:`close`; ``"auto"``: the
running cluster), ``num_workers``, ``max_retries``, ``num_cpus_per_worker``, ``num_gpus_per_worker``,
``tasks_per_worker`` (batches queued per actor so it never waits for the driver),
``task_timeout_s``, ``max_models_per_worker``, ``runtime_env`` (passed to ``ray.init``).
"""

from __future__ import annotations

import os
from collections import OrderedDict, deque
from typing import Any, Callable, Iterable, Iterator, Sequence

from ..errors import ConfigError, HarnessError
from ..records import Article, ScoreRecord, Summary
from .dispatch import Done, Pool
from .driver_cache import DriverCache


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise HarnessError("the ray executor needs Ray: pip install 'harness[ray]'") from None
    return ray


def _spec_key(value: Any) -> str:
    return repr(sorted(value.items())) if isinstance(value, dict) else repr(value)


class _Worker:
    """One Ray actor: keeps loaded summarizers and scorers between batches."""

    def __init__(self, summarizer_registry: dict[str, str], scorer_registry: dict[str, str],
                 max_models: int, claim_checks: dict[str, str] | None = None):
        from .. import scorers, summarizers
        from ..checkers.faithfulness.checks import CLAIM_CHECKS

        os.environ.setdefault("HARNESS_EMBED_PROCESS", "0")  # actors are the unit of parallelism
        # Backends and claim checks registered in the driver (plugins, tests) are known here too.
        for name, target in summarizer_registry.items():
            summarizers.REGISTRY.register(name, target)
        for name, target in scorer_registry.items():
            scorers.REGISTRY.register(name, target)
        if claim_checks is not None:
            for name in set(CLAIM_CHECKS.entries()) - set(claim_checks):
                CLAIM_CHECKS.unregister(name)
            for name, target in claim_checks.items():
                CLAIM_CHECKS.register(name, target)
        self._models: OrderedDict[str, Any] = OrderedDict()
        self._scorers: dict[str, list[Any]] = {}
        self._max_models = max(1, int(max_models))

    def pid(self) -> int:
        """This worker's process id (for tests and diagnostics)."""
        return os.getpid()

    def _model(self, spec: dict[str, Any]) -> Any:
        from .. import summarizers

        key = _spec_key(spec)
        if key not in self._models:
            while len(self._models) >= self._max_models:  # free the oldest model first
                self._models.popitem(last=False)
            self._models[key] = summarizers.build(spec, f"models[{spec['name']}]")
        self._models.move_to_end(key)
        return self._models[key]

    def describe(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Load the model; its identity and what the cache wrapper needs to know."""
        model = self._model(spec)
        return {"identity": model.identity(), "cacheable": bool(getattr(model, "cacheable", True)),
                "batch_size": getattr(model, "batch_size", None)}

    def summarize(self, spec: dict[str, Any], chunks: list[list[Article]]) -> list[Summary]:
        """Summaries of every chunk, in order (one ``summarize`` call per chunk)."""
        model = self._model(spec)
        out: list[Summary] = []
        for chunk in chunks:
            got = model.summarize(chunk)
            if len(got) != len(chunk):
                raise HarnessError(f"summarizer {spec['name']!r} returned {len(got)} summaries "
                                   f"for {len(chunk)} articles")
            out.extend(got)
        return out

    def score(self, scorer_specs: dict[str, dict[str, Any]],
              pairs: list[tuple[Article, Summary]]) -> list[ScoreRecord]:
        """Score records of ``pairs`` with scorers built once per worker."""
        from ..scorers import build_scorers
        from ..scorers.batch import score_pairs

        key = _spec_key(scorer_specs)
        if key not in self._scorers:
            self._scorers[key] = build_scorers(scorer_specs)
        return score_pairs(pairs, self._scorers[key], progress=False)


class RayExecutor:
    """Runs generation and scoring batches on Ray worker actors (see the module docstring)."""

    def __init__(self, address: str | None = None, num_workers: int = 2, max_retries: int = 2,
                 num_cpus_per_worker: float = 1, num_gpus_per_worker: float = 0,
                 tasks_per_worker: int = 2, task_timeout_s: float | None = None,
                 max_models_per_worker: int = 1, runtime_env: dict[str, Any] | None = None,
                 progress: bool = True):
        if int(num_workers) < 1:
            raise ConfigError(f"executor ray: num_workers must be >= 1, got {num_workers}")
        if int(max_retries) < 0:
            raise ConfigError(f"executor ray: max_retries must be >= 0, got {max_retries}")
        self.address = address
        self.num_workers = int(num_workers)
        self.max_retries = int(max_retries)
        self.num_cpus_per_worker = num_cpus_per_worker
        self.num_gpus_per_worker = num_gpus_per_worker
        self.tasks_per_worker = int(tasks_per_worker)
        self.task_timeout_s = task_timeout_s
        self.max_models_per_worker = int(max_models_per_worker)
        self.runtime_env = runtime_env
        self.progress = progress
        self._ray: Any = None
        self._started_ray = False
        self._pool: Pool | None = None
        self._info: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ setup
    def pool(self) -> Pool:
        """The worker actors, started on first use (and Ray with them, if needed)."""
        if self._pool is not None:
            return self._pool
        ray = self._ray = _import_ray()
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "logging_level": "WARNING"}
            if self.address is None:  # a private instance sized for the workers, even when a
                options["address"] = "local"  # cluster runs on this machine
                options["num_cpus"] = max(1, int(self.num_workers * self.num_cpus_per_worker + 0.999))
            else:
                options["address"] = self.address
            if self.runtime_env:
                options["runtime_env"] = self.runtime_env
            ray.init(**options)
            self._started_ray = True
        from .. import scorers, summarizers
        from ..checkers.faithfulness.checks import CLAIM_CHECKS

        actor_cls = ray.remote(_Worker).options(
            num_cpus=self.num_cpus_per_worker, num_gpus=self.num_gpus_per_worker, max_restarts=0)
        args = (summarizers.REGISTRY.entries(), scorers.REGISTRY.entries(), self.max_models_per_worker,
                CLAIM_CHECKS.entries())
        self._pool = Pool(ray, lambda: actor_cls.remote(*args), self.num_workers,
                           self.max_retries, self.tasks_per_worker, self.task_timeout_s)
        return self._pool

    # ------------------------------------------------------------------ executor protocol
    def generate(self, spec: dict[str, Any], batches: Iterable[Sequence[Article]],
                 use_cache: bool, refresh: bool) -> Iterator[list[Summary]]:
        """Summaries of each batch, in order: cache hits from the driver, the rest from workers."""
        pool = self.pool()
        described = list(pool.map(lambda actor, s: actor.describe.remote(s), [spec], _load_failed))[0]
        if "error" in described:
            raise HarnessError(f"models[{spec['name']}]: {described['error']}")
        cache = DriverCache(spec, described["identity"], use_cache, refresh,
                            described["cacheable"], described["batch_size"])

        def planned() -> Iterator[tuple[list[Article], list[Summary | None], list[list[int]], list[str | None]]]:
            for batch in batches:
                batch = list(batch)
                found, chunks, keys = cache.plan(batch)
                yield batch, found, chunks, keys

        def call(actor: Any, item: Any) -> Any:
            batch, _, chunks, _ = item
            if not chunks:  # all cached: nothing to send
                return Done([])
            return actor.summarize.remote(spec, [[batch[i] for i in c] for c in chunks])

        def failed(item: Any, reason: str) -> list[Summary]:
            batch, _, chunks, _ = item
            return [Summary(spec["name"], batch[i].id, "", {"error": reason}) for c in chunks for i in c]

        try:
            for item, generated in zip_results(planned(), pool.map, call, failed):
                batch, found, chunks, keys = item
                order = [i for c in chunks for i in c]
                for i, summary in zip(order, generated):
                    found[i] = cache.record(summary, keys[i])
                yield [s for s in found if s is not None]
        finally:
            self._info[spec["name"]] = {"backend": spec.get("backend"),
                                        "identity": described["identity"], **cache.counters()}
            cache.close()

    def score(self, scorer_specs: dict[str, dict[str, Any]],
              batches: Iterable[Sequence[tuple[Article, Summary]]]) -> Iterator[list[ScoreRecord]]:
        """Score records of each batch, in order, scored on the workers."""
        from ..scorers.batch import score_pairs

        def failed(pairs: list[tuple[Article, Summary]], reason: str) -> list[ScoreRecord]:
            marked = [(a, Summary(s.model, s.article_id, s.text, {**s.meta, "error": s.meta.get("error") or reason}))
                      for a, s in pairs]
            return score_pairs(marked, [], progress=False)

        yield from self.pool().map(lambda actor, pairs: actor.score.remote(scorer_specs, pairs),
                                   (list(b) for b in batches), failed)

    def model_info(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Backend, identity and cache counters of the model last run from ``spec``."""
        return self._info.get(spec["name"], {})

    def close(self) -> None:
        """Stop the worker actors, and Ray itself when this executor started it."""
        if self._pool is not None:
            for actor in self._pool.actors:
                try:
                    self._ray.kill(actor, no_restart=True)
                except Exception:  # noqa: BLE001 - already gone
                    pass
            self._pool = None
        if self._started_ray and self._ray is not None:
            self._ray.shutdown()
            self._started_ray = False

    def __enter__(self) -> "RayExecutor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _load_failed(spec: dict[str, Any], reason: str) -> dict[str, Any]:
    return {"error": f"no worker could load the model ({reason})"}


def zip_results(items: Iterable[Any], mapper: Callable[..., Iterator[Any]], call: Callable[[Any, Any], Any],
                on_fail: Callable[[Any, str], Any]) -> Iterator[tuple[Any, Any]]:
    """``(item, result)`` pairs from ``mapper(call, items, on_fail)`` in order, keeping the item
    on the driver (the mapper sees it too, but yields only results)."""
    kept: deque[Any] = deque()

    def remember() -> Iterator[Any]:
        for item in items:
            kept.append(item)
            yield item

    for result in mapper(call, remember(), on_fail):
        yield kept.popleft(), result
