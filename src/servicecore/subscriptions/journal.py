"""Accrual posting as neutral journal entries (D365 S8/S9); servicecore books nothing.

An *accrual line* is one revenue entry of one fee (:func:`fee_revenue` under the group's
accrual settings): the part of the fee recognised in one accrual period. The posting job
(:func:`post_accruals`, for a posting date) turns every line that is due and not yet
posted into a :class:`JournalEntry` debiting ``"WIP - subscription"`` and crediting
``"Accrued revenue - subscription"`` (as D365 documents it; pass your own account names),
and raises :class:`AccrualsPosted` carrying them, for the host's ledger to book.

* A line is due when its fee is invoiced (invoice date on or before the posting date:
  accrual lines exist only once a fee is invoiced, S9) and its accrual period has ended
  by the posting date.
* Asking to post a fee that is not invoiced yet is refused (``BusinessRuleError``, S9).
* A line is posted once: the subscription remembers posted line ids, so a rerun posts
  nothing, and two concurrent runs conflict at commit (``ConcurrencyError``) like
  invoice runs do.
* A negative line (a credit, a reduction) posts with the accounts swapped, so every
  entry's amount is positive.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import pendulum
from attrs import evolve, frozen

from servicecore.clock import Clock, read_clock, to_date
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.ports import UnitOfWork, check_id
from servicecore.recurrence import Period
from servicecore.subscriptions.model import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    Subscription,
    SubscriptionGroup,
    _clock,
    check_subscription,
)
from servicecore.subscriptions.revenue import RevenuePolicy, fee_revenue

__all__ = [
    "ACCRUED_REVENUE_ACCOUNT",
    "WIP_ACCOUNT",
    "AccrualsPosted",
    "JournalEntry",
    "plan_accruals",
    "post_accruals",
    "post_subscription_accruals",
]

WIP_ACCOUNT = "WIP - subscription"
ACCRUED_REVENUE_ACCOUNT = "Accrued revenue - subscription"


@frozen(kw_only=True)
class JournalEntry:
    """One accrual line as a balanced, neutral journal entry: debit ``debit_account`` and
    credit ``credit_account`` with ``amount`` (positive) on ``posting_date``.

    ``id`` is the accrual line's id, ``"<fee id>@<last day of the accrual period>"``.
    """

    id: str
    company_id: str
    subscription_id: str
    fee_id: str
    posting_date: pendulum.Date
    accrual_period: Period
    debit_account: str
    credit_account: str
    amount: Money


@frozen(kw_only=True)
class AccrualsPosted(DomainEvent):
    """The posting job posted ``entries`` (for the host's ledger) on ``posting_date``."""

    posting_date: pendulum.Date
    entries: tuple[JournalEntry, ...]


def _check_group(sub: Subscription, group: object) -> RevenuePolicy:
    if not isinstance(group, SubscriptionGroup):
        raise ValidationError(
            f"group must be a SubscriptionGroup, not {type(group).__name__}",
            field="group",
            value=group,
            allowed="the subscription's group",
        )
    if group.id != sub.group_id or group.company_id != sub.company_id:
        raise ValidationError(
            f"group {group.id!r} is not the group of subscription {sub.id!r} ({sub.group_id!r})",
            field="group",
            value=group.id,
            allowed=sub.group_id,
        )
    if not group.accrue_revenue:
        raise BusinessRuleError(
            f"group {group.id!r} does not accrue revenue: there is nothing to post (S9)",
            rule="S9",
            entity="subscription_group",
            id=group.id,
        )
    return RevenuePolicy.of_group(group)


def _account(value: object, param: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            f"{param} must be a non-empty account name, not {value!r}",
            field=param,
            value=value,
            allowed="e.g. 'WIP - subscription'",
        )
    return value


def plan_accruals(
    sub: Subscription,
    group: SubscriptionGroup,
    posting_date: _dt.date,
    *,
    fee_ids: Sequence[str] | None = None,
    debit_account: str = WIP_ACCOUNT,
    credit_account: str = ACCRUED_REVENUE_ACCOUNT,
) -> tuple[JournalEntry, ...]:
    """The entries :func:`post_accruals` would post on ``posting_date``; no side effects.

    ``fee_ids`` restricts the job to those fees; each must be invoiced by the posting date
    (``BusinessRuleError`` otherwise, S9).
    """
    check_subscription(sub)
    policy = _check_group(sub, group)
    day = to_date(posting_date, "posting_date")
    debit = _account(debit_account, "debit_account")
    credit = _account(credit_account, "credit_account")
    if fee_ids is None:
        fees = [f for f in sub.fees if f.invoice_date <= day]
    else:
        if isinstance(fee_ids, str) or not isinstance(fee_ids, Sequence):
            raise ValidationError(
                f"fee_ids must be a sequence of fee ids, not {fee_ids!r}",
                field="fee_ids",
                value=fee_ids,
            )
        fees = [sub.fee(check_id(i, "fee_ids")) for i in fee_ids]
        for f in fees:
            if f.invoice_date > day:
                raise BusinessRuleError(
                    f"fee {f.id!r} is invoiced on {f.invoice_date}: its accrual cannot be "
                    f"posted on {day}, before it is invoiced (S9)",
                    rule="S9",
                    entity="fee",
                    id=f.id,
                )
    posted = set(sub.posted_accruals)
    out: list[JournalEntry] = []
    seen: set[str] = set()
    for fee in fees:
        for line in fee_revenue(fee, policy):
            line_id = f"{fee.id}@{line.recognised_on.isoformat()}"
            if line.recognised_on > day or line_id in posted or line_id in seen:
                continue
            if line.amount.is_zero():
                continue
            seen.add(line_id)
            negative = line.amount.is_negative()
            out.append(
                JournalEntry(
                    id=line_id,
                    company_id=sub.company_id,
                    subscription_id=sub.id,
                    fee_id=fee.id,
                    posting_date=day,
                    accrual_period=line.period,
                    debit_account=credit if negative else debit,
                    credit_account=debit if negative else credit,
                    amount=-line.amount if negative else line.amount,
                )
            )
    return tuple(out)


def post_accruals(
    sub: Subscription,
    group: SubscriptionGroup,
    posting_date: _dt.date,
    *,
    at: _dt.datetime,
    fee_ids: Sequence[str] | None = None,
    debit_account: str = WIP_ACCOUNT,
    credit_account: str = ACCRUED_REVENUE_ACCOUNT,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Post the due accrual lines (:func:`plan_accruals`): the subscription records their
    ids and an :class:`AccrualsPosted` event carries the journal entries. Nothing due: no
    change and no event."""
    at = _clock(at)  # the instant first: every input is checked before any work
    entries = plan_accruals(
        sub,
        group,
        posting_date,
        fee_ids=fee_ids,
        debit_account=debit_account,
        credit_account=credit_account,
    )
    if not entries:
        return sub, ()
    event = AccrualsPosted(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        posting_date=entries[0].posting_date,
        entries=entries,
    )
    posted = (*sub.posted_accruals, *(e.id for e in entries))
    return evolve(sub, posted_accruals=posted), (event,)


def post_subscription_accruals(
    uow: UnitOfWork,
    sub_id: str,
    posting_date: _dt.date,
    *,
    clock: Clock,
    fee_ids: Sequence[str] | None = None,
) -> tuple[JournalEntry, ...]:
    """Use case: load the subscription and its group, post, save, record. The caller
    commits; a concurrent run on the same subscription fails at commit, never posts twice."""
    sub = uow[SUBSCRIPTIONS].get(check_id(sub_id, "sub_id"))
    group = uow[SUBSCRIPTION_GROUPS].get(sub.group_id)
    new, events = post_accruals(sub, group, posting_date, at=read_clock(clock), fee_ids=fee_ids)
    if not events:
        return ()
    uow[SUBSCRIPTIONS].save(new)
    uow.record(events)
    posted = events[0]
    assert isinstance(posted, AccrualsPosted)
    return posted.entries
