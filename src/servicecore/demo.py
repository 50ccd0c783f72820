"""The tour printed by ``servicecore demo``. Each area adds a section as it lands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from attrs import evolve, frozen

from servicecore.clock import FixedClock
from servicecore.errors import ConcurrencyError, CurrencyMismatchError, ValidationError
from servicecore.money import Money, allocate, split
from servicecore.storage.memory import InMemoryStore

__all__ = ["run_demo"]

Out = Callable[[str], None]


@frozen
class _Note:
    """A host's own aggregate, kept in servicecore's store under the same rules."""

    company_id: str
    id: str
    text: str
    version: int = 0


def _kernel(out: Out) -> None:
    out("== Money: exact, one currency at a time ==")
    fee = Money.of("100.00", "EUR")
    out(f"  split {fee} three ways      -> {', '.join(map(str, split(fee, 3)))}")
    out(f"  allocate {fee} 1:2:2       -> {', '.join(map(str, allocate(fee, [1, 2, 2])))}")
    try:
        fee + Money.of("5.00", "USD")
    except CurrencyMismatchError as exc:
        out(f"  {fee} + 5.00 USD          -> refused: {exc}")
    out("== Time: aware instants only ==")
    clock = FixedClock(dt.datetime(2024, 3, 28, 16, 0, tzinfo=dt.UTC))
    out(f"  injected clock reads        -> {clock.now().isoformat()}")
    try:
        FixedClock(dt.datetime(2024, 3, 28, 16, 0))
    except ValidationError as exc:
        out(f"  a naive datetime            -> refused: {str(exc).split(';')[0]}")


def _storage(out: Out) -> None:
    out("== Storage: units of work, optimistic concurrency, company isolation ==")
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow.repository("note", _Note).add(_Note("ACME", "N-1", "first"))
        uow.commit()
    first, second = store.unit_of_work("ACME"), store.unit_of_work("ACME")
    with first, second:
        mine = first.repository("note", _Note).get("N-1")
        theirs = second.repository("note", _Note).get("N-1")
        first.repository("note", _Note).save(evolve(mine, text="edited by first"))
        first.commit()
        second.repository("note", _Note).save(evolve(theirs, text="edited by second"))
        try:
            second.commit()
        except ConcurrencyError as exc:
            out(f"  two writers, one note       -> second refused: {str(exc).split(':')[0]}")
    with store.unit_of_work("ACME") as uow:
        note = uow.repository("note", _Note).get("N-1")
        out(f"  stored                      -> {note.text!r} at version {note.version}")
    with store.unit_of_work("GLOBEX") as uow:
        seen = len(uow.repository("note", _Note).list_all())
        out(f"  company GLOBEX sees         -> {seen} notes of ACME")


def _subscriptions(out: Out) -> None:
    from servicecore.recurrence import Interval
    from servicecore.subscriptions import (
        Alignment,
        CancelMode,
        RevenuePolicy,
        SubscriptionGroup,
        activate,
        cancel,
        create_subscription,
        fee_revenue,
        generate_fees,
        mrr,
    )

    out("== Subscriptions: exact, idempotent invoice schedules and revenue ==")
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    group = SubscriptionGroup(
        company_id="ACME",
        id="QUARTERLY",
        invoice_interval=Interval.quarters(1),
        accrue_revenue=True,
        accrual_interval=Interval.months(1),
    )
    sub, _ = create_subscription(
        company_id="ACME",
        id="SUB-1",
        group=group,
        customer_id="CUST-1",
        price=Money.of("300.00", "EUR"),
        start=dt.date(2023, 1, 1),
        alignment=Alignment.calendar(),
        clock=clock,
    )
    sub, _ = activate(sub, clock=clock)
    sub, _ = generate_fees(sub, dt.date(2023, 1, 1), dt.date(2023, 7, 1), clock=clock)
    again, _ = generate_fees(sub, dt.date(2023, 1, 1), dt.date(2023, 7, 1), clock=clock)
    fees = ", ".join(f"{f.start}..{f.last_day} {f.amount}" for f in sub.fees)
    out(f"  fees for H1 2023            -> {fees}")
    out(f"  run again                   -> {len(again.fees) - len(sub.fees)} new fees")
    entries = fee_revenue(sub.fees[0], RevenuePolicy.of_group(group))
    out(f"  Q1 revenue per month        -> {', '.join(str(e.amount) for e in entries)}")
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, dt.date(2023, 5, 16), clock=clock)
    out(f"  cancel on 2023-05-16        -> credit {gone.fees[-1].amount} for unused days")
    out(f"  MRR on 2023-02-01           -> {mrr([sub], dt.date(2023, 2, 1))['EUR']}")


def run_demo(out: Out = print) -> None:
    """Print the tour through ``out``."""
    _kernel(out)
    _storage(out)
    _subscriptions(out)
