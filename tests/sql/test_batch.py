"""Batch runs scaled out over PostgreSQL: 1 or 4 worker processes give the same fees, with
no duplicate, also when a worker is killed midway and the batch is resumed."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from attrs import evolve
from sqlalchemy import select

from servicecore.clock import FixedClock
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.ports import UnitOfWork
from servicecore.recurrence import Interval
from servicecore.sla import SLAS, ServiceLevelAgreement, Target
from servicecore.sla_clocks import start_sla_clocks
from servicecore.storage.batch import (
    BATCH_UNITS,
    BatchProgress,
    accrual_posting_job,
    batch_progress,
    invoice_schedule_job,
    plan_batch,
    run_batch_worker,
    sla_breach_scan_job,
)
from servicecore.storage.sql import SqlStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    SubscriptionGroup,
    activate,
    create_subscription,
)

from .aggregates import COUNTERS, Counter

ROOT = Path(__file__).resolve().parents[2]
CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
GROUP = SubscriptionGroup(
    company_id="ACME",
    id="MONTHLY",
    accrue_revenue=True,
    accrual_interval=Interval.months(1),
)
N = 60


def _seed(store: SqlStore) -> list[str]:
    ids = []
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTION_GROUPS].add(GROUP)
        for i in range(N):
            sub, _ = create_subscription(
                company_id="ACME",
                id=f"SUB-{i:03d}",
                group=GROUP,
                customer_id=f"C-{i % 7}",
                price=Money.of(f"{10 + i}.00", "EUR"),
                start=dt.date(2024, 1 + i % 6, 1 + i % 28),
                at=CLOCK.now(),
            )
            sub, _ = activate(sub, at=CLOCK.now())
            uow[SUBSCRIPTIONS].add(sub)
            ids.append(sub.id)
        uow.commit()
    return ids


def _fees(store: SqlStore) -> list[tuple[str, tuple[Any, ...]]]:
    with store.unit_of_work("ACME") as uow:
        return [
            (s.id, tuple((f.id, str(f.amount), f.invoice_date) for f in s.fees))
            for s in uow[SUBSCRIPTIONS].list_all()
        ]


def _workers(
    store: SqlStore, n: int, slow: float = 0.0, lease: float = 120.0
) -> list[subprocess.Popen[str]]:
    """``n`` worker processes. Their lease is long unless a test means a worker to die: on a
    loaded machine a unit may take over a second, and a short lease would let another
    worker run it again (harmless, jobs are idempotent, but it breaks "exactly once")."""
    schema = store.engine.get_execution_options()["schema_translate_map"][None]
    url = store.engine.url.render_as_string(hide_password=False)
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.sql.batch_worker",
                url,
                schema,
                "Q",
                f"W{k}",
                str(slow),
                str(lease),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in range(n)
    ]


def _wait(children: list[subprocess.Popen[str]]) -> list[int]:
    done = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        assert err == "", err  # nothing on stderr: no traceback, no driver warning
        done.append(int(out.split()[-1]))
    return done


def _run(store: SqlStore, workers: int) -> list[tuple[str, tuple[Any, ...]]]:
    ids = _seed(store)
    assert plan_batch(store, "Q", "ACME", ids, unit_size=5) == N // 5
    done = _wait(_workers(store, workers))
    assert sum(done) == N // 5  # every unit completed exactly once
    assert batch_progress(store, "Q").done == N // 5
    return _fees(store)


def test_one_and_four_workers_give_the_same_fees_without_duplicates(
    pg_store_factory: Callable[..., SqlStore],
) -> None:
    alone = _run(pg_store_factory(lambda events: None), 1)
    together = _run(pg_store_factory(lambda events: None), 4)
    assert together == alone
    assert all(len(fees) == len({f[0] for f in fees}) for _sub, fees in alone)
    assert sum(len(fees) for _sub, fees in alone) > N  # months of fees, not one each


def test_a_worker_killed_midway_is_resumed_by_another_with_the_same_result(
    pg_store_factory: Callable[..., SqlStore],
) -> None:
    reference = _run(pg_store_factory(lambda events: None), 1)
    store = pg_store_factory(lambda events: None)
    ids = _seed(store)
    plan_batch(store, "Q", "ACME", ids, unit_size=5)
    (victim,) = _workers(store, 1, slow=0.3, lease=1.0)
    assert victim.stdout is not None
    assert victim.stdout.readline().strip() == "started"
    time.sleep(1.0)  # a few units in, most likely in the middle of one
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)
    progress = batch_progress(store, "Q")
    assert not progress.finished
    time.sleep(1.2)  # the dead worker's lease (1 s) expires
    _wait(_workers(store, 2))
    assert batch_progress(store, "Q").finished
    assert _fees(store) == reference


def test_planning_is_idempotent_and_jobs_are_reruns_safe(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    store = sqlite_store_factory(lambda events: None)
    ids = _seed(store)
    assert plan_batch(store, "Q", "ACME", ids, unit_size=25) == 3
    assert plan_batch(store, "Q", "ACME", ids, unit_size=25) == 0  # already planned
    job = invoice_schedule_job(dt.date(2024, 1, 1), dt.date(2024, 4, 1), clock=CLOCK)
    assert run_batch_worker(store, "Q", job, worker_id="W1", max_units=1) == 1
    assert batch_progress(store, "Q").pending == 2
    assert run_batch_worker(store, "Q", job, worker_id="W1") == 2
    first = _fees(store)
    plan_batch(store, "again", "ACME", ids, unit_size=25)
    run_batch_worker(store, "again", job, worker_id="W2")  # the same work a second time
    assert _fees(store) == first
    plan_batch(store, "post", "ACME", ids, unit_size=25)
    posting = accrual_posting_job(dt.date(2024, 3, 31), clock=CLOCK)
    assert run_batch_worker(store, "post", posting, worker_id="W3") == 3
    with store.unit_of_work("ACME") as uow:
        assert any(s.posted_accruals for s in uow[SUBSCRIPTIONS].list_all())


def test_the_sla_breach_scan_runs_as_a_batch_and_reports_each_breach_once(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    published: list[Any] = []
    store = sqlite_store_factory(published.extend)
    gold = ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        targets={"high": (Target.calendar_hours(1), Target.calendar_hours(4))},
        warning_thresholds=(),
    )
    subjects = [f"SO-{i}" for i in range(7)]
    with store.unit_of_work("ACME") as uow:
        uow[SLAS].add(gold)
        for subject in subjects:
            start_sla_clocks(
                uow, "GOLD", subject_id=subject, priority="high", status="new", clock=CLOCK
            )
        uow.commit()
    published.clear()
    later = FixedClock(dt.datetime(2024, 1, 1, 2, tzinfo=dt.UTC))  # response targets missed
    for batch in ("scan-1", "scan-2"):  # the second scan finds nothing new
        plan_batch(store, batch, "ACME", subjects, unit_size=3)
        run_batch_worker(store, batch, sla_breach_scan_job(clock=later), worker_id="W1")
    assert sorted(e.aggregate_id for e in published) == subjects
    assert {type(e).__name__ for e in published} == {"SlaBreached"}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: plan_batch(s, "Q", "ACME", ["A"], unit_size=0), "unit_size"),
        (lambda s: plan_batch(s, "Q", "ACME", "A"), "items"),
        (lambda s: run_batch_worker(s, "Q", "job", worker_id="W"), "job must be callable"),  # type: ignore[arg-type]
        (
            lambda s: run_batch_worker(
                s, "Q", lambda u, i: None, worker_id="W", lease=dt.timedelta(0)
            ),
            "lease",
        ),
    ],
)
def test_bad_batch_input_is_refused(
    sqlite_store_factory: Callable[..., SqlStore], call: Callable[[SqlStore], Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        call(sqlite_store_factory(lambda events: None))


def test_a_batch_of_no_items_plans_no_unit_and_is_finished(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    store = sqlite_store_factory(lambda events: None)
    assert plan_batch(store, "nothing", "ACME", []) == 0
    assert batch_progress(store, "nothing") == BatchProgress(pending=0, claimed=0, done=0)
    assert batch_progress(store, "nothing").finished
    assert run_batch_worker(store, "nothing", lambda uow, ids: None, worker_id="W1") == 0


def test_a_unit_whose_commit_conflicts_is_released_and_run_again(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    store = sqlite_store_factory(lambda events: None)
    ids = [f"C-{i}" for i in range(4)]
    with store.unit_of_work("ACME") as uow:
        for ident in ids:
            uow[COUNTERS].add(Counter("ACME", ident))
        uow.commit()
    plan_batch(store, "bump", "ACME", ids, unit_size=2)
    interfered: list[tuple[str, ...]] = []

    def bump(uow: UnitOfWork, unit: tuple[str, ...]) -> None:
        for ident in unit:
            counter = uow[COUNTERS].get(ident)
            uow[COUNTERS].save(evolve(counter, value=counter.value + 1))
        if not interfered:  # once: someone edits C-0 before the unit commits
            interfered.append(unit)
            with store.unit_of_work("ACME") as other:
                edited = evolve(other[COUNTERS].get("C-0"), label="edited")
                other[COUNTERS].save(edited)
                other.commit()

    assert run_batch_worker(store, "bump", bump, worker_id="W1") == 2
    assert interfered == [("C-0", "C-1")]
    with store.unit_of_work("ACME") as uow:
        assert [(c.id, c.value, c.label) for c in uow[COUNTERS].list_all()] == [
            ("C-0", 1, "edited"),  # bumped once, by the second attempt, over the edit
            ("C-1", 1, ""),
            ("C-2", 1, ""),
            ("C-3", 1, ""),
        ]
    with store.engine.connect() as conn:
        attempts = conn.execute(
            select(BATCH_UNITS.c.unit_no, BATCH_UNITS.c.attempts)
            .where(BATCH_UNITS.c.batch_id == "bump")
            .order_by(BATCH_UNITS.c.unit_no)
        ).all()
    assert [tuple(row) for row in attempts] == [(0, 2), (1, 1)]
    assert batch_progress(store, "bump").finished


def test_on_postgres_a_worker_skips_a_unit_another_holds_instead_of_waiting(
    pg_store_factory: Callable[..., SqlStore],
) -> None:
    store = pg_store_factory(lambda events: None)
    plan_batch(store, "Q", "ACME", ["A", "B"], unit_size=1)
    seen: list[str] = []
    done: list[int] = []

    def job(uow: UnitOfWork, unit: tuple[str, ...]) -> None:
        seen.extend(unit)

    def worker() -> None:
        done.append(run_batch_worker(store, "Q", job, worker_id="W1", max_units=1))

    with store.engine.connect() as other:  # another worker is claiming unit 0 right now
        other.execute(
            select(BATCH_UNITS.c.unit_no)
            .where(BATCH_UNITS.c.batch_id == "Q", BATCH_UNITS.c.unit_no == 0)
            .with_for_update()
        )
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the worker waited for the locked unit"
        other.rollback()
    assert done == [1]
    assert seen == ["B"]
    assert run_batch_worker(store, "Q", job, worker_id="W2") == 1
    assert seen == ["B", "A"]
    assert batch_progress(store, "Q").finished
