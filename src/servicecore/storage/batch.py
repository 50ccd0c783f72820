"""Batch runs that scale out: partitions claimed through the database by N workers.

A batch (this month's invoices, this month's revenue postings, the SLA breach scan of the
open orders) is planned once as
**units**, each a partition of aggregate ids, stored in ``servicecore_batch_units`` beside
servicecore's other tables. Any number of worker processes, on one machine or many, run
:func:`run_batch_worker` against the same database: each claims one unit at a time
(``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never wait for each
other; a write transaction on SQLite), runs the job on it in a unit of work of its own,
commits, and marks the unit done. A claim is a **lease**: when a worker dies, its unit is
claimed again once the lease has expired, and the job runs again, so a job must be
idempotent (the provided ones are: an invoice schedule over a range and an accrual posting
up to a date add nothing the second time). Results are the same with 1 worker or 40.

The host starts the workers from its own scheduler or job queue (see docs/scaling.md).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence

from attrs import frozen
from sqlalchemy import (
    and_,
    func,
    insert,
    or_,
    select,
    update,
)

from servicecore.clock import Clock, SystemClock, read_clock, to_date, to_duration
from servicecore.errors import ConcurrencyError, ValidationError
from servicecore.ports import UnitOfWork, check_id, check_items
from servicecore.sla_clocks import scan_sla_breaches
from servicecore.storage.sql import BATCH_UNITS, SqlStore, _translated
from servicecore.subscriptions import post_subscription_accruals, run_invoice_schedule

__all__ = [
    "BATCH_UNITS",
    "BatchJob",
    "BatchProgress",
    "accrual_posting_job",
    "batch_progress",
    "invoice_schedule_job",
    "plan_batch",
    "run_batch_worker",
    "sla_breach_scan_job",
]

BatchJob = Callable[[UnitOfWork, tuple[str, ...]], None]
"""What a worker runs on one unit: the unit of work (not committed yet) and the unit's ids."""


def _us(instant: _dt.datetime) -> int:
    return int(instant.timestamp() * 1_000_000)


@frozen
class BatchProgress:
    """How far a batch is: units pending, claimed by a worker, done."""

    pending: int
    claimed: int
    done: int

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.claimed == 0


def plan_batch(
    store: SqlStore,
    batch_id: str,
    company_id: str,
    items: Sequence[str],
    *,
    unit_size: int = 50,
) -> int:
    """Store the units of ``batch_id``: ``items`` (ids) in partitions of ``unit_size``.

    Idempotent: planning a batch that exists changes nothing and returns 0; otherwise
    returns the number of units planned.
    """
    check_id(batch_id, "batch_id")
    check_id(company_id, "company_id")
    ids = check_items(items, str, "items", "a list of aggregate ids")
    for ident in ids:
        check_id(ident, "items[]")
    if isinstance(unit_size, bool) or not isinstance(unit_size, int) or unit_size < 1:
        raise ValidationError(
            f"unit_size must be a positive int, not {unit_size!r}",
            field="unit_size",
            value=unit_size,
            allowed="1, 2, ... ids per unit",
        )
    ordered = sorted(set(ids))
    rows = [
        {
            "batch_id": batch_id,
            "unit_no": n,
            "company_id": company_id,
            "ids": ordered[start : start + unit_size],
            "status": "pending",
            "attempts": 0,
        }
        for n, start in enumerate(range(0, len(ordered), unit_size))
    ]
    with _translated(f"planning batch {batch_id!r}"), store._write() as conn:
        exists = conn.execute(
            select(func.count()).select_from(BATCH_UNITS).where(BATCH_UNITS.c.batch_id == batch_id)
        ).scalar_one()
        if exists:
            return 0
        if rows:
            conn.execute(insert(BATCH_UNITS), rows)
    return len(rows)


def _claim(
    store: SqlStore, batch_id: str, worker_id: str, now: _dt.datetime, lease: _dt.timedelta
) -> tuple[int, str, tuple[str, ...]] | None:
    claimable = or_(
        BATCH_UNITS.c.status == "pending",
        and_(BATCH_UNITS.c.status == "claimed", BATCH_UNITS.c.lease_until_us < _us(now)),
    )
    query = (
        select(BATCH_UNITS.c.unit_no, BATCH_UNITS.c.company_id, BATCH_UNITS.c.ids)
        .where(BATCH_UNITS.c.batch_id == batch_id, claimable)
        .order_by(BATCH_UNITS.c.unit_no)
        .limit(1)
    )
    if store.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True)
    with _translated(f"claiming a unit of batch {batch_id!r}"), store._write() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        conn.execute(
            update(BATCH_UNITS)
            .where(BATCH_UNITS.c.batch_id == batch_id, BATCH_UNITS.c.unit_no == row.unit_no)
            .values(
                status="claimed",
                claimed_by=worker_id,
                lease_until_us=_us(now + lease),
                attempts=BATCH_UNITS.c.attempts + 1,
            )
        )
    return row.unit_no, row.company_id, tuple(row.ids)


def _finish(store: SqlStore, batch_id: str, unit_no: int, worker_id: str, status: str) -> None:
    with _translated(f"finishing a unit of batch {batch_id!r}"), store._write() as conn:
        conn.execute(
            update(BATCH_UNITS)
            .where(
                BATCH_UNITS.c.batch_id == batch_id,
                BATCH_UNITS.c.unit_no == unit_no,
                BATCH_UNITS.c.claimed_by == worker_id,
            )
            .values(status=status, lease_until_us=None)
        )


def run_batch_worker(
    store: SqlStore,
    batch_id: str,
    job: BatchJob,
    *,
    worker_id: str,
    lease: _dt.timedelta = _dt.timedelta(minutes=5),
    clock: Clock | None = None,
    max_units: int | None = None,
) -> int:
    """Claim and run units of ``batch_id`` until none is left (or ``max_units`` ran);
    return how many this worker completed.

    Each unit runs in its own unit of work, committed before the unit is marked done; a
    unit whose commit conflicts with a concurrent change is released for another attempt.
    Start as many workers as you like, anywhere that reaches the database.
    """
    check_id(batch_id, "batch_id")
    check_id(worker_id, "worker_id")
    if not callable(job):
        raise ValidationError(
            f"job must be callable, not {type(job).__name__}",
            field="job",
            value=job,
            allowed="a function (uow, ids) -> None, e.g. invoice_schedule_job(...)",
        )
    span = to_duration(lease, "lease")
    if span <= _dt.timedelta(0):
        raise ValidationError(
            f"lease must be positive, not {span}", field="lease", value=lease, allowed="> 0"
        )
    reader = clock if clock is not None else SystemClock()
    done = 0
    while max_units is None or done < max_units:
        claimed = _claim(store, batch_id, worker_id, read_clock(reader), span)
        if claimed is None:
            return done
        unit_no, company_id, items = claimed
        try:
            with store.unit_of_work(company_id) as uow:
                job(uow, items)
                uow.commit()
        except ConcurrencyError:
            _finish(store, batch_id, unit_no, worker_id, "pending")  # another attempt later
            continue
        _finish(store, batch_id, unit_no, worker_id, "done")
        done += 1
    return done


def batch_progress(store: SqlStore, batch_id: str) -> BatchProgress:
    """Units of ``batch_id`` pending, claimed and done."""
    check_id(batch_id, "batch_id")
    query = (
        select(BATCH_UNITS.c.status, func.count())
        .where(BATCH_UNITS.c.batch_id == batch_id)
        .group_by(BATCH_UNITS.c.status)
    )
    with _translated(f"reading batch {batch_id!r}"), store.engine.connect() as conn:
        counts: dict[str, int] = {str(row[0]): int(row[1]) for row in conn.execute(query)}
    return BatchProgress(counts.get("pending", 0), counts.get("claimed", 0), counts.get("done", 0))


def invoice_schedule_job(start: object, end: object, *, clock: Clock) -> BatchJob:
    """A job generating the fees of each subscription of a unit over ``[start, end)``:
    idempotent, a rerun adds nothing."""
    first, last = to_date(start, "start"), to_date(end, "end")
    read_clock(clock)

    def job(uow: UnitOfWork, ids: tuple[str, ...]) -> None:
        for sub_id in ids:
            run_invoice_schedule(uow, sub_id, first, last, clock=clock)

    return job


def sla_breach_scan_job(*, clock: Clock) -> BatchJob:
    """A job advancing the stored SLA clocks of each subject (order) of a unit to now,
    recording the warnings and breaches crossed: idempotent, each event comes once."""
    read_clock(clock)

    def job(uow: UnitOfWork, ids: tuple[str, ...]) -> None:
        scan_sla_breaches(uow, clock=clock, subject_ids=ids)

    return job


def accrual_posting_job(posting_date: object, *, clock: Clock) -> BatchJob:
    """A job posting the revenue accruals of each subscription of a unit up to
    ``posting_date``: idempotent, what was posted is not posted again."""
    day = to_date(posting_date, "posting_date")
    read_clock(clock)

    def job(uow: UnitOfWork, ids: tuple[str, ...]) -> None:
        for sub_id in ids:
            post_subscription_accruals(uow, sub_id, day, clock=clock)

    return job
