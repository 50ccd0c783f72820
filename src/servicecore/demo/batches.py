"""Month-end and nightly work as scaled-out batch runs (:mod:`servicecore.storage.batch`).

With one worker the simulation runs the batch in its own process; with ``--workers W``
it plans the batch once and W worker processes claim its units through the database, as
a host's scheduler would run them (PostgreSQL is the database for that; SQLite works but
serialises the writers). Jobs read the simulated time from a FixedClock, so the stored
results do not depend on the number of workers.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import pendulum

from servicecore.clock import FixedClock
from servicecore.demo.world import World
from servicecore.storage.batch import (
    BatchJob,
    accrual_posting_job,
    invoice_schedule_job,
    plan_batch,
    run_batch_worker,
    sla_breach_scan_job,
)
from servicecore.storage.sql import SqlStore

__all__ = ["JobSpec", "close_pool", "make_job", "run_batch"]

JobSpec = tuple[str, ...]
"""A job by name and arguments (ISO dates), picklable for worker processes:
``("invoice", start, end)``, ``("accrual", posting_date)`` or ``("sla_scan",)``."""

_LEASE = dt.timedelta(hours=1)


def make_job(spec: JobSpec, clock: FixedClock) -> BatchJob:
    """The batch job ``spec`` names, reading time from ``clock``."""
    name, *args = spec
    if name == "invoice":
        first, last = dt.date.fromisoformat(args[0]), dt.date.fromisoformat(args[1])
        return invoice_schedule_job(first, last, clock=clock)
    if name == "accrual":
        return accrual_posting_job(dt.date.fromisoformat(args[0]), clock=clock)
    return sla_breach_scan_job(clock=clock)


_STORES: dict[str, SqlStore] = {}


def _worker(  # pragma: no cover - runs in the worker processes
    url: str, batch_id: str, spec: JobSpec, at: str, worker_id: str
) -> int:
    """One worker process's share of a batch (its store is kept for the next batch)."""
    store = _STORES.get(url)
    if store is None:
        store = _STORES[url] = SqlStore(url, publish=lambda events: None)
    clock = FixedClock(pendulum.parse(at))  # type: ignore[arg-type]
    return run_batch_worker(
        store, batch_id, make_job(spec, clock), worker_id=worker_id, clock=clock, lease=_LEASE
    )


_POOLS: dict[int, Executor] = {}


def _pool(world: World) -> Executor:
    pool = _POOLS.get(id(world))
    if pool is None:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(world.settings.workers, mp_context=context)
        _POOLS[id(world)] = pool
    return pool


def close_pool(world: World) -> None:
    """Stop the worker processes of ``world`` (if it started any)."""
    pool = _POOLS.pop(id(world), None)
    if pool is not None:
        pool.shutdown()


def run_batch(world: World, batch_id: str, ids: Sequence[str], spec: JobSpec) -> None:
    """Plan ``batch_id`` over ``ids`` and run it to the end with the world's workers."""
    plan_batch(world.store, batch_id, world.company_id, list(ids), unit_size=25)
    now = world.clock.now()
    if world.settings.workers == 1:
        job = make_job(spec, world.clock)
        run_batch_worker(
            world.store, batch_id, job, worker_id="worker-1", clock=world.clock, lease=_LEASE
        )
        return
    pool = _pool(world)
    futures = [
        pool.submit(_worker, world.url, batch_id, spec, now.isoformat(), f"worker-{n}")
        for n in range(1, world.settings.workers + 1)
    ]
    for future in futures:
        future.result()
