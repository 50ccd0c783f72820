"""Subscription commands: create, activate, suspend, resume, end, change the price and
index (one subscription or a whole group)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pendulum
from attrs import evolve

from servicecore.clock import to_date, to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money
from servicecore.ports import check_iterable
from servicecore.subscriptions.model.aggregate import (
    LIFECYCLE,
    Subscription,
    SubscriptionActivated,
    SubscriptionCreated,
    SubscriptionEnded,
    SubscriptionGroup,
    SubscriptionPriceChanged,
    SubscriptionResumed,
    SubscriptionSuspended,
    check_subscription,
)
from servicecore.subscriptions.model.values import (
    Alignment,
    Billing,
    PriceChange,
    Proration,
    Suspension,
)
from servicecore.subscriptions.pricing import IndexMethod, apply_index, indexed_price

__all__ = [
    "activate",
    "change_price",
    "create_subscription",
    "end_subscription",
    "index_group",
    "index_subscription",
    "resume",
    "suspend",
]


# -- commands -------------------------------------------------------------------------------------
Events = tuple[DomainEvent, ...]


def _money_price(value: object, currency: Currency | None = None) -> Money:
    if not isinstance(value, Money) or value.is_negative() or not value.is_rounded:
        raise ValidationError(
            f"price must be a non-negative Money rounded to minor units, not {value!r}",
            field="price",
            value=value,
            allowed="Money such as Money.of('99.00', 'EUR')",
        )
    if currency is not None and value.currency != currency:
        raise ValidationError(
            f"price is in {value.currency.code}, the subscription bills in {currency.code}",
            field="price",
            value=value,
            allowed=f"Money in {currency.code}",
        )
    return value


def _clock(at: object) -> pendulum.DateTime:
    """The instant a command is stamped with (``at=``): an aware datetime."""
    return to_instant(at, "at")


def create_subscription(
    *,
    company_id: str,
    id: str,
    group: SubscriptionGroup,
    customer_id: str,
    price: Money,
    start: _dt.date,
    at: _dt.datetime,
    end: _dt.date | None = None,
    index: Decimal | int | None = None,
    billing: Billing = Billing.IN_ADVANCE,
    alignment: Alignment | None = None,
    proration: Proration = Proration.ACTUAL_DAYS,
    trial_end: _dt.date | None = None,
    category: str | None = None,
    project_id: str | None = None,
) -> tuple[Subscription, Events]:
    """A new DRAFT subscription in ``group`` (its invoice period, invoice lead time and
    invoice date offset are copied).

    ``price`` is the base price; with ``index`` the fee price is ``price * index / 100``.
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    if not isinstance(group, SubscriptionGroup):
        raise ValidationError("group must be a SubscriptionGroup", field="group", value=group)
    base = _money_price(price)
    start_d = to_date(start, "start")
    end_d = None if end is None else to_date(end, "end")
    trial = None if trial_end is None else to_date(trial_end, "trial_end")
    if end_d is not None and end_d <= start_d:
        raise ValidationError(
            f"end {end_d} must be after start {start_d} (end is exclusive)",
            field="end",
            value=end_d,
            allowed="a date after start",
        )
    if trial is not None and (trial < start_d or (end_d is not None and trial >= end_d)):
        raise ValidationError(
            f"trial end {trial} must lie in [start, end)", field="trial_end", value=trial
        )
    idx = Decimal(100) if index is None else Money.of(index, base.currency).amount
    if idx < 0:
        raise ValidationError("index must not be negative", field="index", value=index)
    sub = Subscription(
        company_id=company_id,
        id=id,
        group_id=group.id,
        customer_id=customer_id,
        interval=group.invoice_interval,
        start=start_d,
        end=end_d,
        base_price=base,
        index=idx,
        indexed=index is not None,
        billing=billing,
        alignment=alignment if alignment is not None else Alignment(),
        proration=proration,
        trial_end=trial,
        category=category,
        project_id=project_id,
        invoice_lead_days=group.invoice_lead_days,
        invoice_offset_days=group.invoice_offset_days,
    )
    sub.recurrence  # noqa: B018 - validates the alignment against the interval
    first = sub.billing_start
    sub = evolve(sub, price_changes=(PriceChange(first, sub.price),))
    return sub, (
        SubscriptionCreated(
            aggregate_id=sub.id, company_id=company_id, occurred_at=at, customer_id=customer_id
        ),
    )


def activate(sub: Subscription, *, at: _dt.datetime) -> tuple[Subscription, Events]:
    """DRAFT -> ACTIVE: fees may now be generated (S1)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    status = LIFECYCLE.apply(sub.status, "activate", id=sub.id)
    return evolve(sub, status=status), (
        SubscriptionActivated(aggregate_id=sub.id, company_id=sub.company_id, occurred_at=at),
    )


def _check_in_life(sub: Subscription, day: pendulum.Date, what: str) -> None:
    if day < sub.start or (sub.end is not None and day >= sub.end):
        raise BusinessRuleError(
            f"{what} {day} is outside subscription {sub.id!r} [{sub.start}, {sub.end or '...'})",
            entity="subscription",
            id=sub.id,
        )


def suspend(sub: Subscription, on: _dt.date, *, at: _dt.datetime) -> tuple[Subscription, Events]:
    """ACTIVE -> SUSPENDED from ``on``: days from ``on`` are not billed (issued fees for
    them are credited by the next generation run)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    day = to_date(on, "on")
    status = LIFECYCLE.apply(sub.status, "suspend", id=sub.id)
    _check_in_life(sub, day, "suspension date")
    last = sub.suspensions[-1].end if sub.suspensions else None
    if last is not None and day < last:
        raise BusinessRuleError(
            f"suspension from {day} would overlap the previous one ending {last}",
            entity="subscription",
            id=sub.id,
        )
    return evolve(sub, status=status, suspensions=(*sub.suspensions, Suspension(day))), (
        SubscriptionSuspended(
            aggregate_id=sub.id, company_id=sub.company_id, occurred_at=at, on=day
        ),
    )


def resume(sub: Subscription, on: _dt.date, *, at: _dt.datetime) -> tuple[Subscription, Events]:
    """SUSPENDED -> ACTIVE; billing resumes on ``on`` (not before the suspension start)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    day = to_date(on, "on")
    status = LIFECYCLE.apply(sub.status, "resume", id=sub.id)
    open_ = sub.suspensions[-1]
    if day < open_.start:
        raise BusinessRuleError(
            f"cannot resume on {day}, before the suspension started on {open_.start}",
            entity="subscription",
            id=sub.id,
        )
    closed = (*sub.suspensions[:-1], Suspension(open_.start, day))
    return evolve(sub, status=status, suspensions=closed), (
        SubscriptionResumed(aggregate_id=sub.id, company_id=sub.company_id, occurred_at=at, on=day),
    )


def end_subscription(
    sub: Subscription, *, at: _dt.datetime, on: _dt.date | None = None
) -> tuple[Subscription, Events]:
    """ACTIVE -> ENDED: the subscription ran to its end date (or ``on``, not later)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    status = LIFECYCLE.apply(sub.status, "end", id=sub.id)
    end = sub.end if on is None else to_date(on, "on")
    if end is None:
        raise BusinessRuleError(
            f"subscription {sub.id!r} has no end date; pass on= or cancel it",
            entity="subscription",
            id=sub.id,
        )
    if end <= sub.start or (sub.end is not None and end > sub.end):
        raise BusinessRuleError(
            f"end {end} must lie after the start and not after the end date",
            entity="subscription",
            id=sub.id,
        )
    return evolve(sub, status=status, end=end), (
        SubscriptionEnded(aggregate_id=sub.id, company_id=sub.company_id, occurred_at=at, end=end),
    )


def _check_not_final(sub: Subscription, action: str) -> None:
    if LIFECYCLE.is_final(sub.status):
        raise BusinessRuleError(
            f"cannot {action} subscription {sub.id!r}: it is {sub.status.value}",
            entity="subscription",
            id=sub.id,
        )


def _with_price(
    sub: Subscription, effective: pendulum.Date, price: Money, at: pendulum.DateTime, **changes: Any
) -> tuple[Subscription, Events]:
    _check_not_final(sub, "change the price of")
    if effective < sub.billing_start:  # before billing starts: the first price changes
        effective = sub.billing_start
    if sub.price_changes and effective < sub.price_changes[-1].effective:
        raise BusinessRuleError(
            f"a price change on {effective} precedes the last one "
            f"({sub.price_changes[-1].effective}); price history is append-only",
            entity="subscription",
            id=sub.id,
        )
    kept = tuple(c for c in sub.price_changes if c.effective != effective)
    new = evolve(sub, price_changes=(*kept, PriceChange(effective, price)), **changes)
    return new, (
        SubscriptionPriceChanged(
            aggregate_id=sub.id,
            company_id=sub.company_id,
            occurred_at=at,
            effective=effective,
            price=price,
        ),
    )


def change_price(
    sub: Subscription, price: Money, effective: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, Events]:
    """Upgrade or downgrade from ``effective``. Fees already issued are never rewritten:
    the next generation run issues an ADJUSTMENT (or CREDIT) for the rest of the period."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    base = _money_price(price, sub.currency)
    day = to_date(effective, "effective")
    # An explicit price replaces any indexation: the new price is the new base.
    return _with_price(sub, day, base, at, base_price=base, indexed=False, index=Decimal(100))


def index_subscription(
    sub: Subscription,
    method: IndexMethod,
    value: Decimal | int | str,
    effective: _dt.date,
    *,
    at: _dt.datetime,
) -> tuple[Subscription, Events]:
    """Apply an index update (S6) from ``effective``; the subscription becomes indexed."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    day = to_date(effective, "effective")
    base, idx = apply_index(sub.base_price, sub.index, method, value)
    price = indexed_price(base, idx)
    return _with_price(sub, day, price, at, base_price=base, index=idx, indexed=True)


def index_group(
    subscriptions: Sequence[Subscription],
    group_id: str,
    method: IndexMethod,
    value: Decimal | int | str,
    effective: _dt.date,
    *,
    at: _dt.datetime,
) -> tuple[list[Subscription], Events]:
    """Index every non-final subscription of ``group_id`` at once (S6, "whole group").

    Validates all first: if one update is refused, none is applied.
    """
    changed: list[Subscription] = []
    events: list[DomainEvent] = []
    for sub in check_iterable(subscriptions, "subscriptions", "a list of Subscription"):
        check_subscription(sub, "subscriptions")
        if sub.group_id != group_id or LIFECYCLE.is_final(sub.status):
            continue
        new, evs = index_subscription(sub, method, value, effective, at=at)
        changed.append(new)
        events.extend(evs)
    return changed, tuple(events)
