"""Gathering the report from a unit of work: revenue per month under each group's policy,
MRR/ARR, symptom -> resolution pairs. Expected figures are worked out by hand."""

from __future__ import annotations

import datetime as dt

import pendulum

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.repairs import Repair
from servicecore.report.collect import collect_report, symptom_resolutions
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    SubscriptionGroup,
    activate,
    create_subscription,
    generate_fees,
)

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
MONTHLY = SubscriptionGroup(company_id="ACME", id="MONTHLY")
QUARTERLY = SubscriptionGroup(
    company_id="ACME",
    id="QUARTERLY",
    invoice_interval=Interval.quarters(1),
    accrue_revenue=True,
    accrual_interval=Interval.months(1),
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def _store() -> InMemoryStore:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        for group, sub_id, price in ((MONTHLY, "S-M", "100.00"), (QUARTERLY, "S-Q", "300.00")):
            uow[SUBSCRIPTION_GROUPS].add(group)
            sub, _ = create_subscription(
                company_id="ACME",
                id=sub_id,
                group=group,
                customer_id="C-1",
                price=eur(price),
                start=dt.date(2024, 1, 1),
                at=CLOCK.now(),
            )
            sub, _ = activate(sub, at=CLOCK.now())
            sub, _ = generate_fees(sub, dt.date(2024, 1, 1), dt.date(2024, 4, 1), at=CLOCK.now())
            uow[SUBSCRIPTIONS].add(sub)
        uow.commit()
    return store


def test_revenue_per_month_mrr_and_arr() -> None:
    with _store().unit_of_work("ACME") as uow:
        report = collect_report(
            uow, as_of=dt.date(2024, 3, 31), currency="EUR", first_month=dt.date(2024, 1, 1)
        )
    rows = [(r.month, r.invoiced, r.recognised, r.deferred) for r in report.revenue]
    # Monthly: 100.00 invoiced and recognised each month. Quarterly: 300.00 invoiced on
    # 1 January, recognised per day under its group's policy: 31/91, 29/91 and 31/91 of it
    # (102.20, 95.60, 102.20), so 197.80, then 102.20, then nothing stands deferred.
    assert rows == [
        (pendulum.date(2024, 1, 1), eur("400.00"), eur("202.20"), eur("197.80")),
        (pendulum.date(2024, 2, 1), eur("100.00"), eur("195.60"), eur("102.20")),
        (pendulum.date(2024, 3, 1), eur("100.00"), eur("202.20"), eur("0.00")),
    ]
    assert report.mrr == eur("200.00")  # 100 + 300 / 3
    assert report.arr == eur("2400.00")
    assert report.company_id == "ACME"


def _repair(n: int, symptom: str | None, resolution: str | None, finished: bool) -> Repair:
    at = pendulum.datetime(2024, 3, 1, 9)
    return Repair(
        company_id="ACME",
        id=f"R-{n}",
        code_set="STD",
        order_id="SO-1",
        relation_id="REL-1",
        object_id="OBJ-1",
        item_id="PUMP",
        stage_id="DONE" if finished else "OPEN",
        created_at=at,
        finished_at=at.add(hours=2) if finished else None,
        symptom_area="NOISE" if symptom else None,
        symptom_code=symptom,
        resolution=resolution,
    )


def test_symptom_resolutions_count_finished_repairs_most_frequent_first() -> None:
    repairs = [
        _repair(1, "RATTLE", "REPLACE", True),
        _repair(2, "RATTLE", "REPLACE", True),
        _repair(3, "RATTLE", "TIGHTEN", True),
        _repair(4, "HUM", "TIGHTEN", True),
        _repair(5, "RATTLE", "REPLACE", False),  # not finished: not counted
        _repair(6, "HUM", None, True),  # no resolution: not counted
    ]
    pairs = [(p.symptom, p.resolution, p.repairs) for p in symptom_resolutions(repairs)]
    assert pairs == [
        ("NOISE/RATTLE", "REPLACE", 2),
        ("NOISE/HUM", "TIGHTEN", 1),
        ("NOISE/RATTLE", "TIGHTEN", 1),
    ]
    assert len(symptom_resolutions(repairs, limit=1)) == 1
