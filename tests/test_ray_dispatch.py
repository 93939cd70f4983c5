"""The ordered, retrying dispatch of the Ray executor (:class:`harness.executors.dispatch.Pool`)
against a stand-in for Ray: deterministic, instant, and run whether or not Ray is installed.

The stand-in runs each actor's tasks one at a time in submission order (as Ray runs a plain
actor's), alternating between actors; an actor that dies fails the task it was running and every
task queued behind it, as Ray does. Expected values come from the rules in the Pool's docstring.
"""

from __future__ import annotations

from collections import deque
from types import SimpleNamespace

import pytest

from harness.errors import ConfigError
from harness.executors.dispatch import Done, Pool


class FakeRayError(Exception):
    """Stands for ray.exceptions.RayError (a worker died)."""


class FakeTaskError(FakeRayError):
    """Stands for ray.exceptions.RayTaskError (the task raised)."""

    def __init__(self, cause):
        super().__init__(str(cause))
        self.cause = cause

    def as_instanceof_cause(self):
        return self.cause


class Ref:
    def __init__(self, actor, item):
        self.actor, self.item, self.value, self.error = actor, item, None, None
        self.finished = False


class Actor:
    def __init__(self, ray):
        self.ray, self.alive, self.pending = ray, True, deque()
        self.unsent = []  # finished, but the reply is still on its way to the driver

    def submit(self, item):
        ref = Ref(self, item)
        if self.alive:
            self.pending.append(ref)
        else:
            ref.error = FakeRayError("ActorDiedError: the actor is dead")
        return ref

    def die(self):
        self.alive = False
        for ref in [*self.pending, *self.unsent]:
            ref.error = FakeRayError("ActorDiedError: the actor died unexpectedly")


class FakeRay:
    exceptions = SimpleNamespace(RayTaskError=FakeTaskError, RayError=FakeRayError)

    def __init__(self, behaviour, hang=(), unread=(), lost=()):
        self.behaviour, self.actors, self.executed, self._turn = behaviour, [], [], 0
        self.hang = set(hang)
        self.unread = set(unread)  # finish, but the same wait goes on to the actor's next task
        self.lost = set(lost)  # finish, but the reply leaves only after the actor's next task

    def make_actor(self):
        self.actors.append(Actor(self))
        return self.actors[-1]

    def wait(self, refs, num_returns=1, timeout=None):
        refs = set(refs)
        done = [r for r in refs if r.error is not None] + [r for r in refs if r.finished]
        if done or timeout == 0:  # timeout 0: only look, run nothing
            return done[:1], []
        for _ in range(len(self.actors)):
            actor = self.actors[self._turn % len(self.actors)]
            self._turn += 1
            while actor.alive and actor.pending and actor.pending[0] not in refs:
                self.executed.append(actor.pending.popleft().item)  # left by an earlier map
            if actor.alive and actor.pending and actor.pending[0] in refs:
                if actor.pending[0].item in self.hang:
                    continue  # runs forever: never ready
                ref = actor.pending.popleft()
                self.executed.append(ref.item)
                outcome = self.behaviour(ref.item)
                if outcome == "die":
                    actor.pending.appendleft(ref)
                    actor.die()
                elif isinstance(outcome, Exception):
                    ref.error = FakeTaskError(outcome)
                elif ref.item in self.lost and any(p in refs for p in actor.pending):
                    ref.value = outcome  # dies with the actor if the next task kills it
                    actor.unsent.append(ref)
                    self._turn -= 1
                    return self.wait(refs - {ref}, num_returns, timeout)
                else:
                    ref.value, ref.finished = outcome, True
                    for sent in actor.unsent:
                        sent.finished = True
                    actor.unsent.clear()
                    if ref.item in self.unread:  # its completion is read later, after the next task's
                        self.unread.discard(ref.item)
                        self._turn -= 1
                        return self.wait(refs - {ref}, num_returns, timeout)
                return [ref], []
        return [], list(refs)

    def get(self, ref):
        if ref.error is not None:
            raise ref.error
        return ref.value

    def kill(self, actor, no_restart=True):
        actor.die()


def run(behaviour, items, max_retries=1, size=2, depth=2, timeout=None, hang=(), unread=(), lost=()):
    ray = FakeRay(behaviour, hang, unread, lost)
    pool = Pool(ray, ray.make_actor, size, max_retries, depth, timeout)
    out = list(pool.map(lambda actor, item: actor.submit(item), items,
                        lambda item, reason: f"failed {item}: {reason}"))
    return out, pool, ray


def test_results_come_back_in_the_order_of_the_items():
    out, pool, ray = run(lambda i: i * 10, range(9))
    assert out == [i * 10 for i in range(9)]
    assert pool.replaced == 0 and sorted(ray.executed) == list(range(9))


def test_a_worker_that_dies_once_costs_one_retry_on_a_fresh_actor():
    died = set()

    def behaviour(i):
        if i == 4 and i not in died:
            died.add(i)
            return "die"
        return i

    out, pool, _ = run(behaviour, range(9))
    assert out == list(range(9))
    assert pool.replaced == 1


def test_a_poison_item_fails_after_the_retries_and_only_it_is_charged():
    out, pool, ray = run(lambda i: "die" if i == 3 else i, range(10), max_retries=2)
    assert out[3].startswith("failed 3: worker failed 3 times; last: FakeRayError: ActorDiedError")
    assert [x for k, x in enumerate(out) if k != 3] == [k for k in range(10) if k != 3]
    # The first death had a task queued behind 3 (no known culprit); then 1 try + 2 retries alone.
    assert ray.executed.count(3) == 4
    assert pool.replaced == 4


def test_a_reply_lost_with_its_actor_does_not_charge_the_task_that_finished():
    # 2 finishes, but its reply is still on the way when 3 kills the actor, every time they share
    # an actor: the driver sees both unfinished and may not charge 2 for 3's death.
    out, pool, ray = run(lambda i: "die" if i == 3 else i, range(6), max_retries=1, size=1, lost={2})
    assert out[:3] == [0, 1, 2] and out[4:] == [4, 5]
    assert out[3].startswith("failed 3: worker failed 2 times")
    assert ray.executed.count(3) == 3  # once beside 2 (nobody charged), then twice alone


def test_a_task_that_finished_before_its_actor_died_keeps_its_result_and_is_not_charged():
    # Item 2 completes, but the driver reads the death of the actor's next task (3) first:
    # 2's result stands, and 3, the task that was running, is the one charged.
    out, pool, ray = run(lambda i: "die" if i == 3 else i, range(6), max_retries=0, size=1, unread={2})
    assert out[:3] == [0, 1, 2] and out[4:] == [4, 5]
    assert out[3].startswith("failed 3: worker failed 1 times")
    assert ray.executed.count(2) == 1


def test_items_that_need_no_worker_are_answered_in_place():
    ray = FakeRay(lambda i: i)
    pool = Pool(ray, ray.make_actor, 2, 1, 2, None)
    out = list(pool.map(lambda actor, i: Done(-i) if i % 2 else actor.submit(i), range(6), None))
    assert out == [0, -1, 2, -3, 4, -5]
    assert sorted(ray.executed) == [0, 2, 4]


def test_an_error_raised_by_the_task_is_raised_in_the_driver_not_retried():
    with pytest.raises(ConfigError, match="bad key"):
        run(lambda i: ConfigError("models[x].y: bad key") if i == 2 else i, range(5))


def test_a_consumer_that_stops_early_does_not_block_the_next_map():
    ray = FakeRay(lambda i: i)
    pool = Pool(ray, ray.make_actor, 2, 1, 2, None)
    first = pool.map(lambda actor, i: actor.submit(i), range(10), None)
    assert next(first) == 0
    first.close()
    assert list(pool.map(lambda actor, i: actor.submit(i), range(3), None)) == [0, 1, 2]


def test_a_task_past_the_timeout_is_treated_as_a_dead_worker():
    out, pool, _ = run(lambda i: i, range(5), max_retries=1, timeout=0.05, hang={2})
    assert out[2].startswith("failed 2: worker failed 2 times; last: TimeoutError: a batch ran longer than 0.05 s")
    assert [x for k, x in enumerate(out) if k != 2] == [0, 1, 3, 4]
    assert pool.replaced == 2
