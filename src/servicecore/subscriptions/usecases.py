"""Use cases over a unit of work: load, command, save, record. The caller commits.

They need only the ``subscriptions`` port and ``record`` of a unit of work, declared
here structurally so the domain never imports ``servicecore.uow``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from typing import Protocol

from servicecore.clock import Clock
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.ports import check_id
from servicecore.subscriptions.billing import (
    CancelMode,
    FeePlan,
    add_service_credit,
    cancel,
    generate_fees,
    plan_fees,
    reduce_price,
)
from servicecore.subscriptions.model import (
    ServiceCreditLike,
    Subscription,
    SubscriptionRepository,
    SubscriptionStatus,
    activate,
)

__all__ = [
    "SubscriptionsUnitOfWork",
    "activate_subscription",
    "apply_service_credit",
    "cancel_subscription",
    "reduce_fee_price",
    "run_invoice_schedule",
    "run_invoice_schedules",
]


class SubscriptionsUnitOfWork(Protocol):
    """The part of ``servicecore.uow.UnitOfWork`` these use cases need."""

    @property
    def subscriptions(self) -> SubscriptionRepository: ...

    def record(self, events: Iterable[DomainEvent]) -> None: ...


def activate_subscription(
    uow: SubscriptionsUnitOfWork, sub_id: str, *, clock: Clock
) -> Subscription:
    sub = uow.subscriptions.get(check_id(sub_id, "sub_id"))
    new, events = activate(sub, clock=clock)
    uow.subscriptions.save(new)
    uow.record(events)
    return new


def run_invoice_schedule(
    uow: SubscriptionsUnitOfWork,
    sub_id: str,
    start: _dt.date,
    end: _dt.date,
    *,
    clock: Clock,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
    dry_run: bool = False,
) -> FeePlan:
    """Generate (or with ``dry_run`` only preview) the fees of one subscription over
    ``[start, end)``. The ledger is saved through the port, so two concurrent runs on
    the same subscription conflict at commit (``ConcurrencyError``) instead of billing
    twice; rerunning after a commit adds nothing."""
    sub = uow.subscriptions.get(check_id(sub_id, "sub_id"))
    plan = plan_fees(sub, start, end, as_of=as_of, continuous=continuous, limit=limit)
    if dry_run or not plan.fees:
        return plan
    new, events = generate_fees(
        sub, start, end, clock=clock, as_of=as_of, continuous=continuous, limit=limit
    )
    uow.subscriptions.save(new)
    uow.record(events)
    return plan


def run_invoice_schedules(
    uow: SubscriptionsUnitOfWork,
    start: _dt.date,
    end: _dt.date,
    *,
    clock: Clock,
    as_of: _dt.date | None = None,
    limit: int | None = None,
    dry_run: bool = False,
) -> dict[str, FeePlan]:
    """:func:`run_invoice_schedule` for every non-draft subscription, by id."""
    out: dict[str, FeePlan] = {}
    for sub in uow.subscriptions.list_all():
        if sub.status is SubscriptionStatus.DRAFT:
            continue
        out[sub.id] = run_invoice_schedule(
            uow, sub.id, start, end, clock=clock, as_of=as_of, limit=limit, dry_run=dry_run
        )
    return out


def cancel_subscription(
    uow: SubscriptionsUnitOfWork,
    sub_id: str,
    mode: CancelMode,
    on: _dt.date,
    *,
    clock: Clock,
    effective: _dt.date | None = None,
) -> Subscription:
    sub = uow.subscriptions.get(check_id(sub_id, "sub_id"))
    new, events = cancel(sub, mode, on, clock=clock, effective=effective)
    uow.subscriptions.save(new)
    uow.record(events)
    return new


def apply_service_credit(
    uow: SubscriptionsUnitOfWork,
    sub_id: str,
    credit: ServiceCreditLike,
    on: _dt.date,
    *,
    clock: Clock,
) -> Subscription:
    """Put an SLA service credit on the subscription's next invoice (idempotent)."""
    sub = uow.subscriptions.get(check_id(sub_id, "sub_id"))
    new, events = add_service_credit(sub, credit, on, clock=clock)
    if events:
        uow.subscriptions.save(new)
        uow.record(events)
    return new


def reduce_fee_price(
    uow: SubscriptionsUnitOfWork,
    sub_id: str,
    fee_id: str,
    by: Money,
    *,
    clock: Clock,
    on: _dt.date | None = None,
) -> Subscription:
    """Lower the price of an issued fee by ``by`` (a PRICE_REDUCTION fee, S7)."""
    sub = uow.subscriptions.get(check_id(sub_id, "sub_id"))
    new, events = reduce_price(sub, fee_id, by, clock=clock, on=on)
    uow.subscriptions.save(new)
    uow.record(events)
    return new
