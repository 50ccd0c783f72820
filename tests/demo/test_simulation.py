"""The simulation: deterministic, consistent revenue, every area filled in."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from servicecore.agreements import AGREEMENT_GROUPS, AGREEMENTS
from servicecore.demo import (
    DEMO_RUNS,
    DemoSettings,
    read_report,
)
from servicecore.demo.run import open_store
from servicecore.dispatch import BOOKINGS, WORKERS, BookingStatus
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.orders import SERVICE_ORDERS
from servicecore.repairs import REPAIRS
from servicecore.returns import RETURN_ORDERS, RETURN_SETUPS, DispositionAction
from servicecore.service_objects import SERVICE_OBJECTS
from servicecore.sla import SLAS
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
