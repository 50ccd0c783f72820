"""The simulation: deterministic, consistent revenue, every area filled in."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from servicecore.demo import (
    DEMO_RUNS,
    DemoSettings,
    read_report,
)
from servicecore.demo.run import open_store
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.orders import SERVICE_ORDERS
from servicecore.repairs import REPAIRS
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
