"""Ordered dispatch over Ray actors that survives dying actors (used by the Ray executor).

:class:`Pool` keeps each actor a few tasks deep, yields results in the order of the items, and
when an actor dies (killed, crashed, out of memory, or past a timeout) charges the task that was
running on it, resends the ones queued behind it uncharged, and replaces the actor.

Which task was running is not always knowable: an actor that dies right after finishing a task
can take that task's reply with it, so the driver sees two unfinished tasks. Such a death charges
nobody; its unfinished tasks become *suspects*, each later sent to an idle actor with nothing
queued behind it, where a death can only be its own.
"""

from __future__ import annotations

import dataclasses
import heapq
import time
from collections import deque
from typing import Any, Callable, Iterable, Iterator

from ..errors import HarnessError


@dataclasses.dataclass(eq=False)
class _Task:
    index: int
    item: Any
    attempts: int = 0
    slot: int = -1
    ref: Any = None
    suspect: bool = False  # runs alone on its actor (a death it was part of had no known culprit)

    def __lt__(self, other: "_Task") -> bool:
        return self.index < other.index


@dataclasses.dataclass(frozen=True)
class Done:
    """What a dispatch ``call`` returns when an item needs no worker (e.g. all cache hits)."""

    value: Any


class Pool:
    """Worker actors and an ordered dispatch over them that survives dying actors."""

    def __init__(self, ray: Any, make_actor: Callable[[], Any], size: int, max_retries: int,
                 depth: int, task_timeout_s: float | None):
        self.ray = ray
        self._make = make_actor
        self.actors = [make_actor() for _ in range(size)]
        self.max_retries = max_retries
        self.depth = max(1, depth)
        self.timeout = task_timeout_s
        self.replaced = 0
        self._queues: list[deque[_Task]] = [deque() for _ in range(size)]
        self._head_since = [0.0] * size

    def _replace(self, slot: int) -> None:
        try:
            self.ray.kill(self.actors[slot], no_restart=True)
        except Exception:  # noqa: BLE001 - it is already gone
            pass
        self.actors[slot] = self._make()
        self.replaced += 1

    def map(self, call: Callable[[Any, Any], Any], items: Iterable[Any],
            on_fail: Callable[[Any, str], Any]) -> Iterator[Any]:
        """``call(actor, item)`` for every item on some actor; results in the order of ``items``.

        A worker failure charges the task that was running on that actor (see the module
        docstring for deaths without a known culprit); once it has been charged
        ``max_retries + 1`` times its result is ``on_fail(item, reason)``."""
        try:
            yield from self._map(call, items, on_fail)
        finally:  # a consumer that stops early leaves tasks behind: forget them
            for queue in self._queues:
                queue.clear()

    def _map(self, call: Callable[[Any, Any], Any], items: Iterable[Any],
             on_fail: Callable[[Any, str], Any]) -> Iterator[Any]:
        ray = self.ray
        source = iter(items)
        exhausted = False
        pulled = 0
        ready_to_send: list[_Task] = []  # heap by index: retries go first
        running: dict[Any, _Task] = {}
        done: dict[int, Any] = {}
        next_out = 0
        window = 4 * len(self.actors) * self.depth  # bounds results held out of order
        while True:
            while True:  # keep every actor `depth` tasks deep; a suspect alone on an idle actor
                open_slots = [s for s, q in enumerate(self._queues)
                              if len(q) < self.depth and not any(t.suspect for t in q)]
                if not open_slots:
                    break
                slot = min(open_slots, key=lambda s: len(self._queues[s]))
                if ready_to_send:
                    if ready_to_send[0].suspect and self._queues[slot]:
                        break  # wait for an actor to fall idle
                    task = heapq.heappop(ready_to_send)
                elif not exhausted and pulled - next_out < window:
                    try:
                        task = _Task(pulled, next(source))
                        pulled += 1
                    except StopIteration:
                        exhausted = True
                        continue
                else:
                    break
                sent = call(self.actors[slot], task.item)
                if isinstance(sent, Done):
                    done[task.index] = sent.value
                    continue
                task.slot, task.ref = slot, sent
                if not self._queues[slot]:
                    self._head_since[slot] = time.monotonic()
                self._queues[slot].append(task)
                running[task.ref] = task
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            if exhausted and not running and not ready_to_send:
                return
            if not running:
                continue
            ready, _ = ray.wait(list(running), num_returns=1, timeout=self._wait_timeout())
            if self.timeout is not None:
                self._check_timeouts(running, ready_to_send, done, on_fail)
            if not ready or ready[0] not in running:
                continue
            task = running.pop(ready[0])
            try:
                value = ray.get(task.ref)
            except ray.exceptions.RayTaskError as exc:  # an error in harness code: as locally
                cause = getattr(exc, "cause", None)
                if isinstance(cause, HarnessError):  # expected: its message, no worker traceback
                    raise cause from None
                raise exc.as_instanceof_cause() from None  # a bug: keeps the worker's traceback
            except ray.exceptions.RayError as exc:  # the worker died: retry elsewhere
                running[task.ref] = task
                self._fail_slot(task.slot, reason_of(exc), running, ready_to_send, done, on_fail)
                continue
            queue = self._queues[task.slot]
            queue.remove(task)
            if queue and queue[0] is not task:
                self._head_since[task.slot] = time.monotonic()
            done[task.index] = value

    def _wait_timeout(self) -> float | None:
        if self.timeout is None:
            return None
        heads = [t for s, t in enumerate(self._head_since) if self._queues[s]]
        return max(0.05, min(heads) + self.timeout - time.monotonic()) if heads else None

    def _check_timeouts(self, running: dict[Any, _Task], ready_to_send: list[_Task],
                        done: dict[int, Any], on_fail: Callable[[Any, str], Any]) -> None:
        now = time.monotonic()
        for slot, queue in enumerate(self._queues):
            if queue and self.timeout is not None and now - self._head_since[slot] > self.timeout:
                self._fail_slot(slot, f"TimeoutError: a batch ran longer than {self.timeout:g} s",
                                running, ready_to_send, done, on_fail, timed_out=True)

    def _fail_slot(self, slot: int, reason: str, running: dict[Any, _Task],
                   ready_to_send: list[_Task], done: dict[int, Any],
                   on_fail: Callable[[Any, str], Any], timed_out: bool = False) -> None:
        """The actor of ``slot`` is dead or past its timeout: keep the results of tasks it finished
        (their completion may not have been read yet), charge the task that was running, resend the
        rest uncharged, replace the actor.

        The running task is known after a timeout (the first unfinished: actors run their tasks in
        order, and the head's predecessor had replied) and after a death with one unfinished task.
        A death with several leaves the culprit unknown (a finished task's reply may have died with
        the actor), so they all become suspects and nobody is charged."""
        queue = self._queues[slot]
        unfinished = []
        for task in queue:
            running.pop(task.ref, None)
            finished, value = self._finished(task.ref)
            task.ref, task.slot = None, -1
            if finished:
                done[task.index] = value
            else:
                unfinished.append(task)
        queue.clear()
        self._replace(slot)
        if unfinished and (timed_out or len(unfinished) == 1):
            culprit = unfinished[0]
            culprit.attempts += 1
            if culprit.attempts > self.max_retries:
                done[culprit.index] = on_fail(
                    culprit.item, f"worker failed {culprit.attempts} times; last: {reason}")
                unfinished.pop(0)
        elif unfinished:
            for task in unfinished:
                task.suspect = True
        for task in unfinished:
            heapq.heappush(ready_to_send, task)

    def _finished(self, ref: Any) -> tuple[bool, Any]:
        """(True, its value) when the task of ``ref`` completed successfully, without waiting."""
        if ref is None:
            return False, None
        ready, _ = self.ray.wait([ref], num_returns=1, timeout=0)
        if not ready:
            return False, None
        try:
            return True, self.ray.get(ref)
        except Exception:  # noqa: BLE001 - it failed with its actor: not finished
            return False, None


def reason_of(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first[:300]}"
