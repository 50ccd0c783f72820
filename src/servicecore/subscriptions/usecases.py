"""Use cases over a unit of work: load, command, save, record. The caller commits.

They take the kernel's ``servicecore.ports.UnitOfWork`` and reach subscriptions through
``uow[SUBSCRIPTIONS]``, so the domain never imports ``servicecore.uow``.
"""

from __future__ import annotations

import datetime as _dt

from servicecore.clock import Clock, read_clock
from servicecore.money import Money
from servicecore.ports import UnitOfWork, check_id
from servicecore.subscriptions.billing import (
    CancelMode,
    FeePlan,
    _generate,
    add_service_credit,
    cancel,
    plan_due_fees,
    plan_fees,
    reduce_price,
    set_next_invoice_date,
)
from servicecore.subscriptions.model import (
    SUBSCRIPTIONS,
    ServiceCreditLike,
    Subscription,
    SubscriptionStatus,
    activate,
)

__all__ = [
    "activate_subscription",
    "apply_service_credit",
    "cancel_subscription",
    "preview_invoice_schedule",
    "reduce_fee_price",
    "run_due_invoice_schedule",
    "run_invoice_schedule",
    "run_invoice_schedules",
    "set_subscription_next_invoice_date",
]


def activate_subscription(uow: UnitOfWork, sub_id: str, *, clock: Clock) -> Subscription:
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = activate(sub, at=read_clock(clock))
    uow[SUBSCRIPTIONS].save(new)
    uow.record(events)
    return new


def preview_invoice_schedule(
    uow: UnitOfWork,
    sub_id: str,
    start: _dt.date,
    end: _dt.date,
    *,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
) -> FeePlan:
    """The fees :func:`run_invoice_schedule` would generate over ``[start, end)``; changes
    nothing."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    return plan_fees(sub, start, end, as_of=as_of, continuous=continuous, limit=limit)


def run_invoice_schedule(
    uow: UnitOfWork,
    sub_id: str,
    start: _dt.date,
    end: _dt.date,
    *,
    clock: Clock,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
) -> FeePlan:
    """Generate the fees of one subscription over ``[start, end)`` and return them. The
    fees are planned once. The ledger is saved through the port, so two concurrent runs
    on the same subscription conflict at commit (``ConcurrencyError``) instead of billing
    twice; rerunning after a commit adds nothing."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    plan = plan_fees(sub, start, end, as_of=as_of, continuous=continuous, limit=limit)
    new, events = _generate(sub, plan, at=read_clock(clock))
    if events:
        uow[SUBSCRIPTIONS].save(new)
        uow.record(events)
    return plan


def run_invoice_schedules(
    uow: UnitOfWork,
    start: _dt.date,
    end: _dt.date,
    *,
    clock: Clock,
    as_of: _dt.date | None = None,
    limit: int | None = None,
) -> dict[str, FeePlan]:
    """:func:`run_invoice_schedule` for every non-draft subscription, by id."""
    out: dict[str, FeePlan] = {}
    for sub in uow[SUBSCRIPTIONS].list_all():
        if sub.status is SubscriptionStatus.DRAFT:
            continue
        out[sub.id] = run_invoice_schedule(
            uow, sub.id, start, end, clock=clock, as_of=as_of, limit=limit
        )
    return out


def cancel_subscription(
    uow: UnitOfWork,
    sub_id: str,
    mode: CancelMode,
    on: _dt.date,
    *,
    clock: Clock,
    effective: _dt.date | None = None,
) -> Subscription:
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = cancel(sub, mode, on, at=read_clock(clock), effective=effective)
    uow[SUBSCRIPTIONS].save(new)
    uow.record(events)
    return new


def apply_service_credit(
    uow: UnitOfWork,
    sub_id: str,
    credit: ServiceCreditLike,
    on: _dt.date,
    *,
    clock: Clock,
) -> Subscription:
    """Put an SLA service credit on the subscription's next invoice (idempotent)."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = add_service_credit(sub, credit, on, at=read_clock(clock))
    if events:
        uow[SUBSCRIPTIONS].save(new)
        uow.record(events)
    return new


def reduce_fee_price(
    uow: UnitOfWork,
    sub_id: str,
    fee_id: str,
    by: Money,
    *,
    clock: Clock,
    on: _dt.date | None = None,
) -> Subscription:
    """Lower the price of an issued fee by ``by`` (a PRICE_REDUCTION fee, S7)."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = reduce_price(sub, fee_id, by, at=read_clock(clock), on=on)
    uow[SUBSCRIPTIONS].save(new)
    uow.record(events)
    return new


def run_due_invoice_schedule(
    uow: UnitOfWork,
    sub_id: str,
    on: _dt.date,
    *,
    clock: Clock,
    as_of: _dt.date | None = None,
) -> FeePlan:
    """Issue the fees of one subscription invoiced on or before ``on`` (lead time and
    offset included, see :func:`~servicecore.subscriptions.plan_due_fees`)."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    plan = plan_due_fees(sub, on, as_of=as_of)
    new, events = _generate(sub, plan, at=read_clock(clock))
    if events:
        uow[SUBSCRIPTIONS].save(new)
        uow.record(events)
    return plan


def set_subscription_next_invoice_date(
    uow: UnitOfWork, sub_id: str, on: _dt.date, *, clock: Clock
) -> Subscription:
    """:func:`~servicecore.subscriptions.set_next_invoice_date` on a stored subscription."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = set_next_invoice_date(sub, on, at=read_clock(clock))
    uow[SUBSCRIPTIONS].save(new)
    uow.record(events)
    return new
