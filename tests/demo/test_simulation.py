"""The simulation: deterministic, consistent revenue, every area filled in."""

from __future__ import annotations

import io
import sqlite3
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from sqlalchemy import select

from servicecore.agreements import AGREEMENT_GROUPS, AGREEMENTS
from servicecore.demo import (
    DEMO_RUNS,
    DemoSettings,
    read_report,
)
from servicecore.demo.run import _Bar, open_store
from servicecore.demo.simulation import simulate
from servicecore.demo.subscriptions import SubscriptionStep
from servicecore.dispatch import BOOKINGS, WORKERS, BookingStatus
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.orders import SERVICE_ORDERS
from servicecore.repairs import REPAIRS
from servicecore.returns import RETURN_ORDERS, RETURN_SETUPS, DispositionAction
from servicecore.service_objects import SERVICE_OBJECTS
from servicecore.sla import SLAS
from servicecore.storage.batch import BATCH_UNITS, batch_progress
from servicecore.subscriptions import SUBSCRIPTIONS, FeeKind
from tests.builders.demo import SEED


def _aggregates(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT kind, company_id, id, version, schema_version, deleted, document "
            "FROM servicecore_aggregates ORDER BY kind, company_id, id"
        )
        return list(rows)


def test_the_company_id_comes_from_the_seed() -> None:
    assert DemoSettings(seed=8).company_id == "DEMO-8"
    assert DemoSettings().company_id == "DEMO-1"


def test_report_revenue_matches_the_stored_invoices(demo_db: Path) -> None:
    store = open_store(f"sqlite:///{demo_db}", lock_timeout=1)
    try:
        report = read_report(store)
        with store.unit_of_work(f"DEMO-{SEED}") as uow:
            subs = uow[SUBSCRIPTIONS].list_all()
            run = uow[DEMO_RUNS].get("run")
    finally:
        store.dispose()
    stored = Money.sum(
        (f.amount for s in subs for f in s.fees if f.invoice_date <= run.last_day), "EUR"
    )
    invoiced = Money.sum((m.invoiced for m in report.revenue), "EUR")
    recognised = Money.sum((m.recognised for m in report.revenue), "EUR")
    assert invoiced == stored
    assert stored.amount > 0
    assert recognised + report.revenue[-1].deferred == invoiced
    # Silver is invoiced quarterly in advance: part of January's invoices is deferred.
    assert report.revenue[-1].deferred.amount > 0


def test_every_area_leaves_its_facts(demo_db: Path) -> None:
    store = open_store(f"sqlite:///{demo_db}", lock_timeout=1)
    try:
        report = read_report(store)
        with store.unit_of_work(f"DEMO-{SEED}") as uow:
            slas = sorted(s.id for s in uow[SLAS].list_all())
            orders = uow[SERVICE_ORDERS].list_all()
            repairs = uow[REPAIRS].list_all()
            pumps = uow[SERVICE_OBJECTS].list_all()
            subs = uow[SUBSCRIPTIONS].list_all()
    finally:
        store.dispose()
    assert slas == ["GOLD", "SILVER"]
    assert {s.stage for s in report.orders_by_stage} >= {"new", "in_progress", "done", "closed"}
    assert sum(s.orders for s in report.orders_by_stage) == len(orders) > 20
    closed = [o for o in orders if o.stage == "closed"]
    assert closed
    assert all(o.progress == Decimal(1) and o.signed_off for o in closed)
    finished = [r for r in repairs if r.finished_at is not None]
    assert finished
    assert all(r.diagnosis_code and r.resolution for r in finished)
    assert any(p.service_bom and p.service_bom.history for p in pumps)  # parts replaced
    tiers = {t.tier: t for t in report.sla_tiers}
    assert set(tiers) == {"GOLD", "SILVER"}
    assert sum(t.breached for t in tiers.values()) > 0
    assert all(sum(r.count for r in t.reasons) == t.breached for t in tiers.values())
    credits = [f for s in subs for f in s.fees if f.kind is FeeKind.SERVICE_CREDIT]
    assert credits
    assert all(f.amount.is_negative() for f in credits)
    assert report.symptom_resolutions
    assert report.mrr is not None
    assert report.arr is not None
    assert report.arr == report.mrr * 12


def test_settings_are_checked() -> None:
    with pytest.raises(ValidationError) as info:
        DemoSettings(months=0)
    assert info.value.field == "months"
    with pytest.raises(ValidationError) as info:
        DemoSettings(workers=65)
    assert info.value.field == "workers"
    with pytest.raises(ValidationError) as info:
        DemoSettings(seed=-1)
    assert info.value.field == "seed"


def test_agreements_dispatch_and_returns_leave_their_facts(demo_db: Path) -> None:
    store = open_store(f"sqlite:///{demo_db}", lock_timeout=1)
    try:
        report = read_report(store)
        with store.unit_of_work(f"DEMO-{SEED}") as uow:
            groups = {g.id: g.sla_id for g in uow[AGREEMENT_GROUPS].list_all()}
            agreements = uow[AGREEMENTS].list_all()
            generated = [
                o for a in agreements for o in uow[SERVICE_ORDERS].list_for_agreement(a.id)
            ]
            bookings = uow[BOOKINGS].list_all()
            workers = {w.id: w for w in uow[WORKERS].list_all()}
            returns = uow[RETURN_ORDERS].list_all()
            setup = uow[RETURN_SETUPS].get("default")
    finally:
        store.dispose()
    assert groups == {"AG-GOLD": "GOLD", "AG-SILVER": "SILVER"}
    assert len(agreements) == 8
    # January 2024: 8 weekly agreement lines starting Jan 1..5 -> 4 or 5 visits each
    assert 32 <= len(generated) <= 40
    assert all(o.agreement_id is not None for o in generated)
    # every generated line booked once; those up to the month's last working day are done
    assert sorted((b.order_id, b.line_id) for b in bookings) == sorted(
        (o.id, ln.id) for o in generated for ln in o.lines
    )
    done = [b for b in bookings if b.status is BookingStatus.DONE]
    assert len(done) == len([o for o in generated if o.stage == "done"]) > 20
    for b in bookings:
        assert b.worker_id in workers
        assert b.start is not None
        assert b.end is not None
        assert workers[b.worker_id].calendar.is_open(b.start)
        assert (b.end - b.start).in_minutes() == b.duration_minutes
    # the agreements' preferred technicians got their lines (the ranking's 20 points)
    assert {b.worker_id for b in bookings} == set(workers)
    assert {u.technician for u in report.utilisation} == set(workers)
    assert all(u.booked_hours > 0 for u in report.utilisation)
    assert report.timeline
    assert report.timeline_week is not None
    # one return per disposition action in the month, all credited and closed
    actions: dict[str | None, DispositionAction] = {d.id: d.action for d in setup.dispositions}
    used = sorted(actions[ln.disposition_code].name for r in returns for ln in r.lines)
    assert used == sorted(a.name for a in DispositionAction)
    assert all(r.status.name == "CLOSED" for r in returns)


def test_each_month_after_the_first_posts_the_accruals_of_the_month_before(
    tmp_path: Path,
) -> None:
    # The subscriptions area alone, for two months: invoices on each 1st, the accruals of
    # January posted on 1 February, those of February at the end; none on the first day.
    url = f"sqlite:///{tmp_path / 'subscriptions.sqlite'}"
    store = open_store(url, lock_timeout=1)
    try:
        store.create_schema()
        run = simulate(store, DemoSettings(months=2, seed=SEED), url=url, steps=(SubscriptionStep,))
        with store.engine.connect() as conn:
            batches = sorted(set(conn.execute(select(BATCH_UNITS.c.batch_id)).scalars()))
        assert all(batch_progress(store, b).finished for b in batches)
        with store.unit_of_work(run.company_id) as uow:
            subs = {s.id: s for s in uow[SUBSCRIPTIONS].list_all()}
    finally:
        store.dispose()
    assert (run.first_day, run.last_day) == (pendulum.date(2024, 1, 1), pendulum.date(2024, 2, 29))
    assert batches == [
        "accruals-2024-01-31",
        "accruals-2024-02-29",
        "invoices-2024-01",
        "invoices-2024-02",
    ]
    # SUB-001 joined on the first day: both months posted, each once.
    assert [p for p in subs["SUB-001"].posted_accruals if "/R/" in p] == [
        "SUB-001/R/2024-01-01@2024-01-31",
        "SUB-001/R/2024-02-01@2024-02-29",
    ]


def test_the_progress_bar_redraws_only_when_it_grows() -> None:
    stream = io.StringIO()
    bar = _Bar(stream, width=30)
    for day in range(1, 61):  # 60 days on 30 columns: a column every second day
        bar(day, 60)
    drawn = stream.getvalue()
    assert drawn.count("\r") == 31  # columns 0, 1, ..., 30
    assert drawn.endswith("\rsimulating [" + "#" * 30 + "] day 60/60\n")
    assert "day 3/60" not in drawn  # day 3 fills the column day 2 filled
