"""Subscription groups, subscriptions, fees, their lifecycle, events and repository ports."""

from __future__ import annotations

import datetime as _dt
import enum
import functools
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

import attrs
import pendulum
from attrs import evolve, field, frozen

from servicecore.clock import to_date, to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.lifecycle import Lifecycle
from servicecore.money import Currency, Money
from servicecore.ports import AggregateType, Index, Repository, check_id, check_iterable, check_type
from servicecore.recurrence import Interval, Period, Recurrence, Unit
from servicecore.subscriptions.pricing import IndexMethod, apply_index, indexed_price

__all__ = [
    "Alignment",
    "AlignmentKind",
    "Billing",
    "CreditReversal",
    "Fee",
    "FeeKind",
    "InvoiceCredit",
    "InvoicePayment",
    "OverdueAction",
    "PaymentStatus",
    "PriceChange",
    "Proration",
    "RemainderPlacement",
    "ServiceCreditLike",
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
    "Suspension",
    "activate",
    "change_price",
    "create_subscription",
    "end_subscription",
    "index_group",
    "index_subscription",
    "resume",
    "suspend",
]


# -- enums -----------------------------------------------------------------------------------
class Billing(enum.Enum):
    """When a period's fee is invoiced."""

    IN_ADVANCE = "in_advance"
    """On the first day of the (clipped) period."""
    IN_ARREARS = "in_arrears"
    """On the day after the (clipped) period ends."""


class Proration(enum.Enum):
    """How a partial period is priced (leading, trailing, suspended, cancelled parts)."""

    ACTUAL_DAYS = "actual_days"
    """``price * days / days of the actual period`` (February and March differ). Default."""
    THIRTY_360 = "thirty_360"
    """30/360 day count: every month counts 30 days and a month's last day (February's too)
    counts as its 30th (30E/360 ISDA); day- and week-based periods fall back to actual days."""
    WHOLE_PERIODS = "whole_periods"
    """No proration: a period with any billable day costs the full price, charged once on
    the fee holding its first billable day; only wholly unused periods are credited."""
    FIXED_28 = "fixed_28"
    """A part of a month-based period costs ``price * days / 28`` whatever the month's
    length, never more than the whole period, which costs the price. Day- and week-based
    periods fall back to actual days."""
    FIXED_30 = "fixed_30"
    """As :attr:`FIXED_28` with ``price / 30`` a day."""


class OverdueAction(enum.Enum):
    """What happens to a subscription whose invoice stays unpaid past the grace period."""

    SUSPEND = "suspend"
    """Suspended from the day the grace period ran out (no billing from then on)."""
    CANCEL = "cancel"
    """Cancelled on the day the grace period ran out (paid days after it are credited)."""
    NOTHING = "nothing"
    """Only reported: :func:`~servicecore.subscriptions.lapsed_invoices` lists it."""


class PaymentStatus(enum.Enum):
    """The payment state of an invoice as of a day."""

    UNPAID = "unpaid"
    """Not paid, not yet past its due date."""
    OVERDUE = "overdue"
    """Not paid, past its due date."""
    PAID = "paid"


class AlignmentKind(enum.Enum):
    ANNIVERSARY = "anniversary"
    CALENDAR = "calendar"
    BILLING_DAY = "billing_day"


class RemainderPlacement(enum.Enum):
    """Where the rounding remainder of a revenue split goes (S9)."""

    FIRST = "first"
    """D365 "first period": round every period, the first absorbs the difference."""
    LAST = "last"
    """D365 "last period": round every period, the last absorbs the difference."""
    LARGEST_REMAINDER = "largest_remainder"
    """Largest remainder: every entry within one minor unit of its exact share."""


class CreditReversal(enum.Enum):
    """How a credit fee reverses revenue (S8)."""

    CREDIT_DATE = "credit_date"
    """The whole reversal in the accrual period of the credit's invoice date."""
    ORIGINAL_DATES = "original_dates"
    """Straight-line over the credited service days, i.e. on the original dates."""


class FeeKind(enum.Enum):
    REGULAR = "regular"
    """One per (subscription, period start): the scheduled charge."""
    NON_REGULAR = "non_regular"
    """A one-off charge over any interval (covers its days for gap filling)."""
    REDUCTION_DAYS = "reduction_days"
    """S7: ``-price * days / days_in_period`` for days the customer is not charged."""
    ADJUSTMENT = "adjustment"
    """Positive correction of an issued fee (e.g. a mid-period upgrade)."""
    CREDIT = "credit"
    """Negative correction of an issued fee (cancellation, downgrade, suspension)."""
    SERVICE_CREDIT = "service_credit"
    """A negative fee for an SLA service credit, on the next invoice."""
    PRICE_REDUCTION = "price_reduction"
    """S7: a negative fee lowering the price of an issued fee, over that fee's period."""


# -- values ------------------------------------------------------------------------------------
def _start(v: object) -> pendulum.Date:
    return to_date(v, "start")


def _effective(v: object) -> pendulum.Date:
    return to_date(v, "effective")


def _end(v: object) -> pendulum.Date | None:
    return None if v is None else to_date(v, "end")


def _trial_end(v: object) -> pendulum.Date | None:
    return None if v is None else to_date(v, "trial_end")


def _manual(v: object) -> pendulum.Date | None:
    return None if v is None else to_date(v, "manual_invoice_date")


@frozen
class Alignment:
    """Where period boundaries fall: the start's anniversary, calendar boundaries, or a
    fixed billing day of the month (``day`` 1-31; 31 means the last day)."""

    kind: AlignmentKind = AlignmentKind.ANNIVERSARY
    day: int = 0
    last_day_of_month: bool = False

    @classmethod
    def anniversary(cls, *, last_day_of_month: bool = False) -> Alignment:
        """Periods from the billing start; with ``last_day_of_month`` a start on a month's
        last day keeps billing on last days (Feb 29 -> Mar 31 -> Apr 30)."""
        return cls(AlignmentKind.ANNIVERSARY, 0, last_day_of_month)

    @classmethod
    def calendar(cls) -> Alignment:
        return cls(AlignmentKind.CALENDAR)

    @classmethod
    def billing_day(cls, day: int) -> Alignment:
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise ValidationError(
                f"billing day {day!r} is out of range", field="day", allowed="1 to 31"
            )
        return cls(AlignmentKind.BILLING_DAY, day)

    def recurrence(self, interval: Interval, start: pendulum.Date) -> Recurrence:
        """The billing recurrence for a subscription billed from ``start``."""
        check_type(interval, Interval, "interval", "an Interval such as Interval.months(1)")
        return _recurrence(self, interval, to_date(start, "start"))

    def _build(self, interval: Interval, start: pendulum.Date) -> Recurrence:
        if self.kind is AlignmentKind.CALENDAR:
            return Recurrence.calendar(interval)
        if self.kind is AlignmentKind.BILLING_DAY:
            return Recurrence.billing_day(interval, self.day, month=start.month)
        return Recurrence.anniversary(interval, start, last_day_of_month=self.last_day_of_month)


@functools.lru_cache(maxsize=4096)
def _recurrence(alignment: Alignment, interval: Interval, start: pendulum.Date) -> Recurrence:
    # Recurrences are immutable values: many subscriptions share one.
    return alignment._build(interval, start)


@frozen
class PriceChange:
    """The regular price from ``effective`` on (until the next change)."""

    effective: pendulum.Date = field(converter=_effective)
    price: Money


@frozen
class Suspension:
    """Days ``[start, end)`` without billing; ``end`` is ``None`` while still suspended."""

    start: pendulum.Date = field(converter=_start)
    end: pendulum.Date | None = field(default=None, converter=_end)


@runtime_checkable
class ServiceCreditLike(Protocol):
    """Anything shaped like an SLA service credit: ``amount`` (positive Money),
    ``reason`` and ``reference`` (strings; the reference makes it idempotent)."""

    @property
    def amount(self) -> Money: ...

    @property
    def reason(self) -> str: ...

    @property
    def reference(self) -> str: ...


@frozen(kw_only=True)
class InvoiceCredit:
    """A credit to put on the next invoice as a negative fee (an SLA service credit, or
    any other the host grants). ``servicecore.sla.ServiceCredit`` has the same shape."""

    amount: Money
    reason: str
    reference: str = field(validator=lambda _i, _a, v: check_id(v, "reference"))


def _due(v: object) -> pendulum.Date:
    return to_date(v, "due")


def _invoice_date(v: object) -> pendulum.Date:
    return to_date(v, "invoice_date")


def _paid_on(v: object) -> pendulum.Date | None:
    return None if v is None else to_date(v, "paid_on")


@frozen(kw_only=True)
class InvoicePayment:
    """The host's invoice for the fees dated ``invoice_date``: due on ``due``, paid on
    ``paid_on`` (``None`` while unpaid)."""

    invoice_date: pendulum.Date = field(converter=_invoice_date)
    due: pendulum.Date = field(converter=_due)
    paid_on: pendulum.Date | None = field(default=None, converter=_paid_on)

    def __attrs_post_init__(self) -> None:
        if self.due < self.invoice_date:
            raise ValidationError(
                f"due date {self.due} precedes the invoice date {self.invoice_date}",
                field="due",
                value=self.due,
                allowed=f"a date on or after {self.invoice_date}",
            )

    def status_on(self, day: object) -> PaymentStatus:
        """PAID once paid by ``day``; OVERDUE when unpaid after the due date; else UNPAID."""
        d = to_date(day, "day")
        if self.paid_on is not None and self.paid_on <= d:
            return PaymentStatus.PAID
        return PaymentStatus.OVERDUE if d > self.due else PaymentStatus.UNPAID


@frozen(kw_only=True)
class Fee:
    """One line of the invoice schedule. Issued fees are never rewritten.

    ``period`` is the service period the fee pays for (half-open), ``full_period`` the
    recurrence period it belongs to (the proration denominator), ``reference`` the fee a
    correction corrects (or the service credit's reference). A PRICE_REDUCTION keeps in
    ``reduced_from`` what the fee was worth when it was lowered: later changes to the fee's
    days (cancellation, suspension, reduction days) are priced at the lowered ratio.
    """

    id: str
    subscription_id: str
    kind: FeeKind
    period: Period
    full_period: Period
    amount: Money
    invoice_date: pendulum.Date
    reference: str | None = None
    reason: str = ""
    reduced_from: Money | None = None

    @property
    def start(self) -> pendulum.Date:
        return self.period.start

    @property
    def end(self) -> pendulum.Date:
        return self.period.end

    @property
    def last_day(self) -> pendulum.Date:
        return self.period.last_day


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
