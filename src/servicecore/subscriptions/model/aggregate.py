"""The subscription aggregate and its group: status and lifecycle, events, repository
ports and aggregate types."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import attrs
import pendulum
from attrs import field, frozen

from servicecore.clock import to_date
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.lifecycle import Lifecycle
from servicecore.money import Currency, Money
from servicecore.ports import AggregateType, Index, Repository, check_id
from servicecore.recurrence import Interval, Period, Recurrence, Unit
from servicecore.subscriptions.model.values import (
    Alignment,
    Billing,
    CreditReversal,
    Fee,
    InvoicePayment,
    OverdueAction,
    PriceChange,
    Proration,
    RemainderPlacement,
    Suspension,
    _end,
    _manual,
    _recurrence,
    _start,
    _trial_end,
)
from servicecore.subscriptions.pricing import indexed_price

__all__ = [
    "SUBSCRIPTIONS",
    "SUBSCRIPTION_GROUPS",
    "Subscription",
    "SubscriptionActivated",
    "SubscriptionCancelled",
    "SubscriptionCreated",
    "SubscriptionEnded",
    "SubscriptionGroup",
    "SubscriptionGroupRepository",
    "SubscriptionPriceChanged",
    "SubscriptionRepository",
    "SubscriptionResumed",
    "SubscriptionStatus",
    "SubscriptionSuspended",
]


# -- events ----------------------------------------------------------------------------------
@frozen(kw_only=True)
class SubscriptionCreated(DomainEvent):
    customer_id: str


@frozen(kw_only=True)
class SubscriptionActivated(DomainEvent):
    pass


@frozen(kw_only=True)
class SubscriptionSuspended(DomainEvent):
    on: pendulum.Date


@frozen(kw_only=True)
class SubscriptionResumed(DomainEvent):
    on: pendulum.Date


@frozen(kw_only=True)
class SubscriptionCancelled(DomainEvent):
    end: pendulum.Date
    credits: tuple[str, ...]


@frozen(kw_only=True)
class SubscriptionEnded(DomainEvent):
    end: pendulum.Date


@frozen(kw_only=True)
class SubscriptionPriceChanged(DomainEvent):
    effective: pendulum.Date
    price: Money


# -- lifecycle ------------------------------------------------------------------------------------
class SubscriptionStatus(enum.Enum):
    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    ENDED = "ended"


LIFECYCLE: Lifecycle[SubscriptionStatus] = Lifecycle.define(
    "subscription",
    SubscriptionStatus,
    initial=SubscriptionStatus.DRAFT,
    final=[SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED],
    transitions=[
        (SubscriptionStatus.DRAFT, "activate", SubscriptionStatus.ACTIVE),
        (SubscriptionStatus.DRAFT, "cancel", SubscriptionStatus.CANCELLED),
        (SubscriptionStatus.ACTIVE, "suspend", SubscriptionStatus.SUSPENDED),
        (SubscriptionStatus.SUSPENDED, "resume", SubscriptionStatus.ACTIVE),
        (SubscriptionStatus.ACTIVE, "cancel", SubscriptionStatus.CANCELLED),
        (SubscriptionStatus.SUSPENDED, "cancel", SubscriptionStatus.CANCELLED),
        (SubscriptionStatus.ACTIVE, "end", SubscriptionStatus.ENDED),
    ],
)


# -- aggregates ------------------------------------------------------------------
def _check_id(_i: object, a: attrs.Attribute[Any], v: object) -> None:
    check_id(v, a.name)


def _is(kind: type[Any] | tuple[type[Any], ...], allowed: str) -> Any:
    """An attrs validator raising ``ValidationError`` for a value of the wrong type."""

    def check(inst: object, a: attrs.Attribute[Any], v: object) -> None:
        if not isinstance(v, kind) or (isinstance(v, bool) and kind is not bool):
            raise ValidationError(
                f"{type(inst).__name__}.{a.name} must be {allowed}, not {v!r}",
                field=a.name,
                value=v,
                allowed=allowed,
            )

    return check


def _days(name: str) -> Any:
    """An attrs validator: an int number of days from 0 to 366."""

    def check(_inst: object, _a: object, v: object) -> None:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 366:
            raise ValidationError(
                f"{name} must be a whole number of days from 0 to 366, not {v!r}",
                field=name,
                value=v,
                allowed="an int from 0 to 366",
            )

    return check


def check_subscription(value: object, param: str = "subscription") -> Subscription:
    """``value`` if it is a :class:`Subscription`, else ``ValidationError``."""
    if not isinstance(value, Subscription):
        raise ValidationError(
            f"{param} must be a Subscription, not {type(value).__name__}",
            field=param,
            value=value,
            allowed="a Subscription (load it from uow.subscriptions)",
        )
    return value


_MONTH = Interval(Unit.MONTH, 1)
_ACCRUAL_OK = (Interval.days(1), Interval.months(1), Interval.quarters(1), Interval.years(1))


@frozen(kw_only=True)
class SubscriptionGroup:
    """Invoice period, revenue accrual settings and revenue-split options of a family of
    subscriptions. The accrual period is never coarser than the invoice period (S9)."""

    company_id: str = field(validator=_check_id)
    id: str = field(validator=_check_id)
    version: int = 0
    name: str = ""
    invoice_interval: Interval = field(default=_MONTH, validator=_is(Interval, "an Interval"))
    accrue_revenue: bool = field(default=False, validator=_is(bool, "True or False"))
    accrual_interval: Interval | None = field(
        default=None, validator=_is((Interval, type(None)), "an Interval or None")
    )
    per_day: bool = field(default=True, validator=_is(bool, "True or False"))
    remainder: RemainderPlacement = field(
        default=RemainderPlacement.FIRST, validator=_is(RemainderPlacement, "a RemainderPlacement")
    )
    credit_reversal: CreditReversal = field(
        default=CreditReversal.ORIGINAL_DATES, validator=_is(CreditReversal, "a CreditReversal")
    )
    grace_days: int = field(default=14, validator=_days("grace_days"))
    """Days an invoice may stay unpaid after its due date before ``overdue_action``."""
    overdue_action: OverdueAction = field(
        default=OverdueAction.SUSPEND, validator=_is(OverdueAction, "an OverdueAction")
    )
    invoice_lead_days: int = field(default=0, validator=_days("invoice_lead_days"))
    """Billed in advance, a period is invoiced this many days before it starts."""
    invoice_offset_days: int = field(default=0, validator=_days("invoice_offset_days"))
    """Days added to every invoice date (the period start in advance, the day after the
    period in arrears)."""

    def __attrs_post_init__(self) -> None:
        acc = self.accrual_interval
        if acc is None:
            if self.accrue_revenue:
                raise ValidationError(
                    f"group {self.id!r} accrues revenue but has no accrual period",
                    field="accrual_interval",
                    allowed="day, month, quarter or year, not coarser than the invoice period",
                )
            return
        if acc not in _ACCRUAL_OK or not acc.divides(self.invoice_interval):
            raise ValidationError(
                f"accrual period {acc} is not allowed with invoice period "
                f"{self.invoice_interval} (S9: accrual is never coarser than invoicing)",
                field="accrual_interval",
                value=acc,
                allowed="day, month, quarter or year dividing the invoice period "
                "(Year: year/quarter/month/day; Quarter: quarter/month/day; Month: month/day; "
                "Week or Day: day)",
            )


def _check_status(_i: object, _a: object, v: object) -> None:
    if not isinstance(v, SubscriptionStatus):
        raise ValidationError(f"status must be a SubscriptionStatus, not {v!r}", field="status")


@frozen(kw_only=True)
class Subscription:
    """A customer's subscription and its issued fee ledger.

    The fee ledger lives in the aggregate: two concurrent generation runs both save a
    new version and the second commit raises ``ConcurrencyError`` instead of duplicating.
    """

    company_id: str = field(validator=_check_id)
    id: str = field(validator=_check_id)
    version: int = 0
    group_id: str = field(validator=_check_id)
    customer_id: str = field(validator=_check_id)
    interval: Interval = field(validator=_is(Interval, "an Interval"))
    start: pendulum.Date = field(converter=_start)
    end: pendulum.Date | None = field(default=None, converter=_end)
    status: SubscriptionStatus = field(default=SubscriptionStatus.DRAFT, validator=_check_status)
    base_price: Money = field(validator=_is(Money, "a Money"))
    index: Decimal = field(default=Decimal(100), validator=_is(Decimal, "a Decimal"))
    indexed: bool = field(default=False, validator=_is(bool, "True or False"))
    billing: Billing = field(default=Billing.IN_ADVANCE, validator=_is(Billing, "a Billing"))
    alignment: Alignment = field(factory=Alignment, validator=_is(Alignment, "an Alignment"))
    proration: Proration = field(
        default=Proration.ACTUAL_DAYS, validator=_is(Proration, "a Proration")
    )
    trial_end: pendulum.Date | None = field(default=None, converter=_trial_end)
    category: str | None = None
    project_id: str | None = None
    price_changes: tuple[PriceChange, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    reductions: tuple[Period, ...] = ()
    fees: tuple[Fee, ...] = ()
    posted_accruals: tuple[str, ...] = ()
    """Ids of the accrual lines already posted as journal entries (S9), in posting order."""
    invoice_lead_days: int = field(default=0, validator=_days("invoice_lead_days"))
    """Copied from the group: billed in advance, invoiced this many days before a period."""
    invoice_offset_days: int = field(default=0, validator=_days("invoice_offset_days"))
    """Copied from the group: days added to every invoice date."""
    manual_invoice_date: pendulum.Date | None = field(default=None, converter=_manual)
    """The next invoice date set by hand (:func:`set_next_invoice_date`): the schedule
    follows it from then on."""
    invoices: tuple[InvoicePayment, ...] = ()
    """The host's invoices and their payments (:func:`record_invoice`)."""
    previous_id: str | None = None
    """The subscription this one restarted as a new term (:func:`restart`)."""

    @property
    def invoice_shift(self) -> int:
        """Days from a period's base date (its start in advance, its end in arrears) to its
        invoice date: the offset, less the lead time in advance."""
        lead = self.invoice_lead_days if self.billing is Billing.IN_ADVANCE else 0
        return self.invoice_offset_days - lead

    def status_on(self, day: object) -> SubscriptionStatus:
        """The status as of ``day``: an active or suspended subscription whose end date is
        on or before ``day`` reads as ENDED, without a command having run."""
        d = to_date(day, "day")
        live = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)
        if self.status in live and self.end is not None and self.end <= d:
            return SubscriptionStatus.ENDED
        return self.status

    def invoice(self, invoice_date: object) -> InvoicePayment:
        """The host's invoice dated ``invoice_date`` (``BusinessRuleError`` if unknown)."""
        d = to_date(invoice_date, "invoice_date")
        for p in self.invoices:
            if p.invoice_date == d:
                return p
        raise BusinessRuleError(
            f"subscription {self.id!r} has no invoice recorded for {d}; record it first "
            "with record_invoice",
            entity="invoice",
            id=str(d),
        )

    @property
    def currency(self) -> Currency:
        return self.base_price.currency

    @property
    def price(self) -> Money:
        """The current regular price: base, or base x index / 100 when indexed (S5)."""
        return indexed_price(self.base_price, self.index) if self.indexed else self.base_price

    @property
    def billing_start(self) -> pendulum.Date:
        """First billable day: the start, or the end of the trial."""
        return self.trial_end if self.trial_end is not None else self.start

    @property
    def recurrence(self) -> Recurrence:
        """The billing periods: from the alignment, or anniversaries of the period start
        the hand-set next invoice date belongs to."""
        if self.manual_invoice_date is not None:
            anchor = self.manual_invoice_date.add(days=-self.invoice_shift)
            return _recurrence(Alignment.anniversary(), self.interval, anchor)
        return self.alignment.recurrence(self.interval, self.billing_start)

    def price_on(self, day: object) -> Money:
        """The regular price in force on ``day``."""
        d = to_date(day, "day")
        found = self.price_changes[0].price if self.price_changes else self.price
        for change in self.price_changes:
            if change.effective <= d:
                found = change.price
        return found

    def fee(self, fee_id: str) -> Fee:
        for f in self.fees:
            if f.id == fee_id:
                return f
        known = ", ".join(f.id for f in self.fees[-5:]) or "none yet"
        raise BusinessRuleError(
            f"subscription {self.id!r} has no fee {fee_id!r} (its latest fees: {known})",
            entity="fee",
            id=fee_id,
        )


# -- repository ports ------------------------------------------------------------
class SubscriptionRepository(Repository[Subscription]):
    """Subscriptions (with their fee ledger), with the finders the use cases need."""

    def list_for_customer(self, customer_id: str) -> list[Subscription]:
        """Subscriptions of ``customer_id``, ordered by id."""
        return self.find("customer", check_id(customer_id, "customer_id"))

    def list_in_group(self, group_id: str) -> list[Subscription]:
        """Subscriptions of group ``group_id``, ordered by id."""
        return self.find("group", check_id(group_id, "group_id"))


class SubscriptionGroupRepository(Repository[SubscriptionGroup]):
    """Subscription groups (generic operations only)."""


SUBSCRIPTIONS: AggregateType[Subscription, SubscriptionRepository] = AggregateType(
    kind="subscription",
    cls=Subscription,
    repository=SubscriptionRepository,
    indexes=(
        Index("customer", lambda s: (s.customer_id,)),
        Index("group", lambda s: (s.group_id,)),
    ),
)
"""Subscriptions in storage: ``uow[SUBSCRIPTIONS]``."""

SUBSCRIPTION_GROUPS: AggregateType[SubscriptionGroup, SubscriptionGroupRepository] = AggregateType(
    kind="subscription_group", cls=SubscriptionGroup, repository=SubscriptionGroupRepository
)
"""Subscription groups in storage: ``uow[SUBSCRIPTION_GROUPS]``."""
