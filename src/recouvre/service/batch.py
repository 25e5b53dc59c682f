"""Running a batch step's units of work (shards of a cycle, chunks of a payment run) on several
processes, or in this one.

A unit of work is a top-level function ``unit(services, job, item)``: it reads what it needs,
decides with the pure rules of ``domain/`` and writes in its own transaction(s), then returns a
small, picklable result. Units of one step touch disjoint debtors, so they may run in any order
and at the same time; the database serialises the writes (SQLite: one writer at a time, waiting
on ``busy_timeout``; PostgreSQL: row locks), while reading and deciding use every core.

Writes wait for each other on SQLite: a unit prepares everything it will write before it
takes the database's write lock, and the workers of a run share a lock of their own
(``writing``) so that a worker waiting to write wakes up the moment the other one commits
(SQLite's own busy handler polls, sleeping up to 100 ms at a time). On PostgreSQL, writers
of disjoint rows do not wait for each other and ``writing`` does nothing.

Worker processes are started with ``spawn`` (no inherited connections), once per process and
kept for the next step with the same database, and rebuild the ``Services`` from a picklable
``ServicesSpec``. On Linux a worker is killed when the process that started it dies
(``PR_SET_PDEATHSIG``): a run killed with ``kill -9`` leaves no orphan finishing a unit behind
the next run's back, and the unit's open transaction is rolled back. Units run with the cyclic
garbage collector paused (``collector_paused``).
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import Any, TypeVar

from recouvre.service.context import Services, default_clock
from recouvre.storage.database import Database

J = TypeVar("J")
I = TypeVar("I")  # noqa: E741 - the item of a unit, as in map()
R = TypeVar("R")

MAX_WORKERS = 8
PR_SET_PDEATHSIG = 1


def default_workers() -> int:
    """One worker per core (at most ``MAX_WORKERS``): deciding is CPU-bound Python."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


@dataclass(frozen=True)
class ServicesSpec:
    """What a worker process needs to rebuild the same ``Services``."""

    url: str
    schema: str | None
    policy_dir: Path | None
    policy_values: Mapping[str, Any] | None

    @classmethod
    def of(cls, services: Services) -> ServicesSpec | None:
        """``None`` when the services cannot be rebuilt elsewhere (a test's own clock)."""
        if services.clock is not default_clock:
            return None
        return cls(services.db.url, services.db.schema, services.policy_dir, services.policy_values)

    def build(self) -> Services:
        database = Database(self.url, schema=self.schema, migrate=False)
        return Services(database, policy_dir=self.policy_dir, policy_values=self.policy_values)


_worker_services: Services | None = None
_write_lock: Any = None
LOCK_PATIENCE_S = 60.0
"""How long a worker waits for the shared write lock before writing without it."""


@contextmanager
def writing(services: Services) -> Iterator[None]:
    """Hold this around a unit's write transaction (see the module docstring).

    The shared lock only saves SQLite's polling: correctness rests on the database's own
    locking. A worker that cannot get it in ``LOCK_PATIENCE_S`` (another worker killed while
    holding it) goes on without it rather than waiting for ever.
    """
    if _write_lock is None or services.db.dialect != "sqlite":
        yield
        return
    held = _write_lock.acquire(timeout=LOCK_PATIENCE_S)
    try:
        yield
    finally:
        if held:
            _write_lock.release()


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _start_worker(spec: ServicesSpec, parent: int, write_lock: Any) -> None:
    global _worker_services, _write_lock
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the death signal was armed
        os._exit(1)
    _worker_services = spec.build()
    _write_lock = write_lock
    gc.freeze()  # what the worker imported and built stays: never scanned again


def _call(unit: Callable[[Services, J, I], R], job: J, item: I) -> R:
    assert _worker_services is not None, "worker not initialised"
    with collector_paused():
        return unit(_worker_services, job, item)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a unit of work without the cyclic garbage collector.

    A unit allocates hundreds of thousands of tuples, dicts and small objects that live until
    it returns and form no reference cycles: the collector would scan them, and everything
    imported, again and again for nothing (a fifth of a payment batch's time). Reference
    counting frees them when the unit returns; the collector resumes then, for the rare cycles.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_units(
    services: Services,
    unit: Callable[[Services, J, I], R],
    job: J,
    items: Iterable[I],
    *,
    workers: int = 1,
    ordered: bool = False,
) -> Iterator[R]:
    """Run ``unit(services, job, item)`` for every item; yield the results as units finish
    (``ordered``: in the order of ``items``).

    With ``workers`` > 1 and more than one item, units run on that many processes, at most
    ``2 × workers`` submitted at a time: results do not pile up in memory, and ``items`` may be
    a generator that builds the next item while the workers run the previous ones. The first
    unit that fails stops the run: units not started are cancelled and its exception is
    raised; what finished stays committed (each unit is its own transaction, resumable).
    """
    spec = ServicesSpec.of(services)
    queue = iter(items)
    first = list(islice(queue, 2))
    if workers <= 1 or len(first) <= 1 or spec is None:
        for item in chain(first, queue):
            with collector_paused():
                result = unit(services, job, item)
            yield result
        return
    pool = _pool_for(spec, workers)
    pending: deque[Future[R]] = deque()
    # This process builds the items and reads the results back: paused collector here too.
    with collector_paused():
        try:
            for item in chain(first, queue):
                pending.append(pool.submit(_call, unit, job, item))
                if len(pending) >= 2 * workers:
                    yield _next_result(pending, ordered)
            while pending:
                yield _next_result(pending, ordered)
        except BaseException as error:
            # Units not started are dropped; those running finish (each is its own transaction)
            # before the error goes up, so that nothing of this run writes behind the caller's back.
            for future in pending:
                future.cancel()
            wait(pending)
            if isinstance(error, BrokenProcessPool):
                close_workers()
            raise


@dataclass
class _Pool:
    spec: ServicesSpec
    workers: int
    executor: ProcessPoolExecutor


_pool: _Pool | None = None


def _pool_for(spec: ServicesSpec, workers: int) -> ProcessPoolExecutor:
    """The worker processes of this process, started once and kept for the next batch step
    (a cycle after a payment run, the months of a simulation): starting one costs a second."""
    global _pool
    if _pool is not None and (_pool.spec != spec or _pool.workers != workers):
        close_workers()
    if _pool is None:
        context = multiprocessing.get_context("spawn")
        executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(spec, os.getpid(), context.Lock()),
        )
        _pool = _Pool(spec, workers, executor)
    return _pool.executor


@atexit.register
def close_workers() -> None:
    """Stop this process's worker processes (they are started again when needed)."""
    global _pool
    if _pool is not None:
        _pool.executor.shutdown(wait=True, cancel_futures=True)
        _pool = None


def _next_result(pending: deque[Future[R]], ordered: bool) -> R:
    """The result of the oldest unit (``ordered``) or of the first to finish; removed from ``pending``."""
    if ordered:
        return pending.popleft().result()
    done, _ = wait(pending, return_when=FIRST_COMPLETED)
    future = next(iter(done))
    pending.remove(future)
    return future.result()


__all__ = ["ServicesSpec", "close_workers", "collector_paused", "default_workers", "run_units", "writing"]
