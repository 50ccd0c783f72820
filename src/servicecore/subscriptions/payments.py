"""Invoice payments fed by the host, the grace period after which an unpaid invoice
suspends or cancels the subscription, and restarting a finished subscription as a new term.

The library issues fees; the host invoices them (one invoice per invoice date), collects
the money and tells the subscription what happened with :func:`record_invoice` and
:func:`record_payment`. :func:`apply_overdue` then acts as the subscription's group says.
"""

from __future__ import annotations

import datetime as _dt

import pendulum
from attrs import evolve, frozen

from servicecore.clock import Clock, read_clock, to_date
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.ports import UnitOfWork, check_id
from servicecore.subscriptions.billing import CancelMode, cancel
from servicecore.subscriptions.model import (
    LIFECYCLE,
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    InvoicePayment,
    OverdueAction,
    PaymentStatus,
    Subscription,
    SubscriptionGroup,
    SubscriptionStatus,
    _clock,
    activate,
    check_subscription,
    create_subscription,
    suspend,
)

__all__ = [
    "InvoicePaymentRecorded",
    "InvoiceRecorded",
    "PaymentLapsed",
    "SubscriptionRestarted",
    "apply_overdue",
    "lapse_day",
    "lapsed_invoices",
    "record_invoice",
    "record_payment",
    "record_subscription_invoice",
    "record_subscription_payment",
    "restart",
    "restart_subscription",
    "run_overdue_checks",
]

Events = tuple[DomainEvent, ...]


@frozen(kw_only=True)
class InvoiceRecorded(DomainEvent):
    invoice_date: pendulum.Date
    due: pendulum.Date


@frozen(kw_only=True)
class InvoicePaymentRecorded(DomainEvent):
    invoice_date: pendulum.Date
    paid_on: pendulum.Date | None


@frozen(kw_only=True)
class PaymentLapsed(DomainEvent):
    """An invoice stayed unpaid past the grace period; ``action`` was taken on ``on``."""

    invoice_date: pendulum.Date
    on: pendulum.Date
    action: OverdueAction


@frozen(kw_only=True)
class SubscriptionRestarted(DomainEvent):
    """``aggregate_id`` is the new term, ``previous_id`` the finished one."""

    previous_id: str
    start: pendulum.Date


def _check_group(group: object, sub: Subscription) -> SubscriptionGroup:
    if not isinstance(group, SubscriptionGroup):
        raise ValidationError(
            f"group must be a SubscriptionGroup, not {type(group).__name__}",
            field="group",
            value=group,
            allowed="the subscription's SubscriptionGroup",
        )
    if group.id != sub.group_id or group.company_id != sub.company_id:
        raise ValidationError(
            f"group {group.id!r} of {group.company_id!r} is not the group of subscription "
            f"{sub.id!r} ({sub.group_id!r} of {sub.company_id!r})",
            field="group",
            value=group.id,
            allowed=f"group {sub.group_id!r}",
        )
    return group


def record_invoice(
    sub: Subscription, invoice_date: _dt.date, due: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, Events]:
    """The host invoiced the fees dated ``invoice_date``, due on ``due`` (unpaid so far).

    Recording the same invoice again with the same due date changes nothing; another due
    date is refused (``BusinessRuleError``). At least one fee must carry ``invoice_date``.
    """
    at = _clock(at)
    check_subscription(sub)
    payment = InvoicePayment(invoice_date=invoice_date, due=due)
    for known in sub.invoices:
        if known.invoice_date == payment.invoice_date:
            if known.due == payment.due:
                return sub, ()
            raise BusinessRuleError(
                f"the invoice of {payment.invoice_date} is recorded due {known.due}, not "
                f"{payment.due}; an invoice's due date does not change",
                entity="invoice",
                id=str(payment.invoice_date),
            )
    if not any(f.invoice_date == payment.invoice_date for f in sub.fees):
        dates = sorted({str(f.invoice_date) for f in sub.fees})[-3:]
        raise BusinessRuleError(
            f"subscription {sub.id!r} has no fee invoiced on {payment.invoice_date} (its "
            f"latest invoice dates: {', '.join(dates) or 'none yet'})",
            entity="invoice",
            id=str(payment.invoice_date),
        )
    event = InvoiceRecorded(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        invoice_date=payment.invoice_date,
        due=payment.due,
    )
    return evolve(sub, invoices=(*sub.invoices, payment)), (event,)


def record_payment(
    sub: Subscription,
    invoice_date: _dt.date,
    paid_on: _dt.date | None,
    *,
    at: _dt.datetime,
) -> tuple[Subscription, Events]:
    """The invoice dated ``invoice_date`` was paid on ``paid_on``; ``None`` marks it unpaid
    again (a reversed payment). The same state twice changes nothing."""
    at = _clock(at)
    check_subscription(sub)
    day = to_date(invoice_date, "invoice_date")
    paid = None if paid_on is None else to_date(paid_on, "paid_on")
    known = sub.invoice(day)
    if known.paid_on == paid:
        return sub, ()
    if paid is not None and paid < known.invoice_date:
        raise ValidationError(
            f"payment date {paid} precedes the invoice date {known.invoice_date}",
            field="paid_on",
            value=paid,
            allowed=f"a date on or after {known.invoice_date}, or None",
        )
    invoices = tuple(evolve(p, paid_on=paid) if p.invoice_date == day else p for p in sub.invoices)
    event = InvoicePaymentRecorded(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        invoice_date=day,
        paid_on=paid,
    )
    return evolve(sub, invoices=invoices), (event,)


def lapse_day(payment: InvoicePayment, group: SubscriptionGroup) -> pendulum.Date:
    """The first day after the grace period: ``due + grace_days + 1``."""
    if not isinstance(payment, InvoicePayment):
        raise ValidationError("payment must be an InvoicePayment", field="payment", value=payment)
    if not isinstance(group, SubscriptionGroup):
        raise ValidationError("group must be a SubscriptionGroup", field="group", value=group)
    return payment.due.add(days=group.grace_days + 1)


def lapsed_invoices(
    sub: Subscription, group: SubscriptionGroup, on: _dt.date
) -> tuple[InvoicePayment, ...]:
    """The invoices still unpaid on ``on`` whose grace period ran out by then, earliest
    first."""
    check_subscription(sub)
    _check_group(group, sub)
    day = to_date(on, "on")
    out = [
        p
        for p in sub.invoices
        if p.status_on(day) is not PaymentStatus.PAID and lapse_day(p, group) <= day
    ]
    return tuple(sorted(out, key=lambda p: p.invoice_date))


def apply_overdue(
    sub: Subscription, group: SubscriptionGroup, on: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, Events]:
    """Act on the earliest invoice still unpaid on ``on`` past its grace period, as the
    group says: suspend from its lapse day (or cancel on it, paid days after it credited).

    Nothing happens when no invoice lapsed, when the group says NOTHING, when the
    subscription is already suspended or finished, or when it ends before the lapse day.
    A later payment does not resume it by itself: :func:`~servicecore.subscriptions.resume`.
    """
    at = _clock(at)
    check_subscription(sub)
    _check_group(group, sub)
    lapsed = lapsed_invoices(sub, group, on)
    if not lapsed or group.overdue_action is OverdueAction.NOTHING:
        return sub, ()
    if sub.status is not SubscriptionStatus.ACTIVE:
        return sub, ()
    first = lapsed[0]
    day = lapse_day(first, group)
    if sub.suspensions and sub.suspensions[-1].end is not None:
        day = max(day, sub.suspensions[-1].end)
    if sub.end is not None and day >= sub.end:
        return sub, ()
    day = max(day, sub.start)
    if group.overdue_action is OverdueAction.SUSPEND:
        changed, events = suspend(sub, day, at=at)
    else:
        changed, events = cancel(sub, CancelMode.IMMEDIATE, day, at=at)
    lapse = PaymentLapsed(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        invoice_date=first.invoice_date,
        on=day,
        action=group.overdue_action,
    )
    return changed, (lapse, *events)


def restart(
    sub: Subscription,
    group: SubscriptionGroup,
    *,
    id: str,
    start: _dt.date,
    at: _dt.datetime,
    price: Money | None = None,
    end: _dt.date | None = None,
) -> tuple[Subscription, Events]:
    """A new ACTIVE term ``id`` of a cancelled or ended subscription, from ``start``.

    The new term keeps the customer, group, billing, alignment, proration, category and
    project; its price is ``price`` or the last price of the finished term; its ledger is
    empty and ``previous_id`` names the finished term, which stays as it was. ``start``
    may not precede the finished term's end.
    """
    at = _clock(at)
    check_subscription(sub)
    _check_group(group, sub)
    if not LIFECYCLE.is_final(sub.status):
        raise BusinessRuleError(
            f"subscription {sub.id!r} is {sub.status.value}: only a cancelled or ended "
            "subscription restarts as a new term (cancel it first)",
            entity="subscription",
            id=sub.id,
        )
    new_id = check_id(id, "id")
    if new_id == sub.id:
        raise ValidationError(
            f"the new term needs an id of its own, not {new_id!r}",
            field="id",
            value=new_id,
            allowed=f"an id other than {sub.id!r}",
        )
    day = to_date(start, "start")
    finished = sub.end if sub.end is not None else sub.start
    if day < finished:
        raise BusinessRuleError(
            f"the new term cannot start on {day}, before the finished term ended ({finished})",
            entity="subscription",
            id=sub.id,
        )
    last_price = sub.price_changes[-1].price if sub.price_changes else sub.price
    new, created = create_subscription(
        company_id=sub.company_id,
        id=new_id,
        group=group,
        customer_id=sub.customer_id,
        price=last_price if price is None else price,
        start=day,
        at=at,
        end=end,
        billing=sub.billing,
        alignment=sub.alignment,
        proration=sub.proration,
        category=sub.category,
        project_id=sub.project_id,
    )
    if new.currency != sub.currency:
        raise ValidationError(
            f"the new term bills in {new.currency.code}, the finished one in {sub.currency.code}",
            field="price",
            value=price,
            allowed=f"Money in {sub.currency.code}",
        )
    new, activated = activate(evolve(new, previous_id=sub.id), at=at)
    restarted = SubscriptionRestarted(
        aggregate_id=new.id,
        company_id=new.company_id,
        occurred_at=at,
        previous_id=sub.id,
        start=new.start,
    )
    return new, (*created, *activated, restarted)


# -- use cases -------------------------------------------------------------------------------
def record_subscription_invoice(
    uow: UnitOfWork, sub_id: str, invoice_date: _dt.date, due: _dt.date, *, clock: Clock
) -> Subscription:
    """:func:`record_invoice` on a stored subscription."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = record_invoice(sub, invoice_date, due, at=read_clock(clock))
    if events:
        uow[SUBSCRIPTIONS].save(new)
        uow.record(events)
    return new


def record_subscription_payment(
    uow: UnitOfWork,
    sub_id: str,
    invoice_date: _dt.date,
    paid_on: _dt.date | None,
    *,
    clock: Clock,
) -> Subscription:
    """:func:`record_payment` on a stored subscription."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    new, events = record_payment(sub, invoice_date, paid_on, at=read_clock(clock))
    if events:
        uow[SUBSCRIPTIONS].save(new)
        uow.record(events)
    return new


def run_overdue_checks(uow: UnitOfWork, on: _dt.date, *, clock: Clock) -> list[Subscription]:
    """:func:`apply_overdue` for every stored subscription; returns the ones it changed."""
    at = read_clock(clock)
    day = to_date(on, "on")
    groups: dict[str, SubscriptionGroup] = {}
    changed: list[Subscription] = []
    for sub in uow[SUBSCRIPTIONS].list_all():
        if sub.status is not SubscriptionStatus.ACTIVE or not sub.invoices:
            continue
        if sub.group_id not in groups:
            groups[sub.group_id] = uow[SUBSCRIPTION_GROUPS].get(sub.group_id)
        new, events = apply_overdue(sub, groups[sub.group_id], day, at=at)
        if events:
            uow[SUBSCRIPTIONS].save(new)
            uow.record(events)
            changed.append(new)
    return changed


def restart_subscription(
    uow: UnitOfWork,
    sub_id: str,
    *,
    new_id: str,
    start: _dt.date,
    clock: Clock,
    price: Money | None = None,
    end: _dt.date | None = None,
) -> Subscription:
    """:func:`restart` a stored subscription: the new term is added to the store."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    group = uow[SUBSCRIPTION_GROUPS].get(sub.group_id)
    new, events = restart(
        sub, group, id=new_id, start=start, at=read_clock(clock), price=price, end=end
    )
    uow[SUBSCRIPTIONS].add(new)
    uow.record(events)
    return new
