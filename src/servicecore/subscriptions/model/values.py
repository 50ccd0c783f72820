"""Subscription values: billing options (enums), alignments, price changes, suspensions,
invoice credits and payments, and the fee, one line of the invoice schedule."""

from __future__ import annotations

import enum
import functools
from typing import Any, Protocol, runtime_checkable

import pendulum
from attrs import field, frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.ports import check_id, check_type
from servicecore.recurrence import Interval, Period, Recurrence

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
    "Suspension",
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


class _FeeSlots:
    """Where a :class:`Fee` keeps its fields: the slots, in a plain base class.

    The schedule engine (``subscriptions.patterns``) builds fees by the thousand: it fills
    a ``_FeeSlots`` instance field by field (plain slot stores, no frozen ``__setattr__``
    in the way) and then makes it a ``Fee`` by ``__class__`` assignment, which CPython
    allows because ``Fee`` adds no slot of its own (attrs reuses these). A fee built so
    equals, field by field, the one ``Fee(...)`` builds, and is just as frozen: the
    ``__setattr__`` that refuses changes is ``Fee``'s. Nothing else ever sees a
    ``_FeeSlots`` instance.

    Two more slots, not fields, link a fee the engine built to its plan: ``_plan`` (the
    engine's record of the plan, ``subscriptions.patterns.PlannedFees``) and ``_at`` (the
    fee's place in it: the index of its period in the plan's pattern), so that
    ``fee_revenue`` finds the fee's entries without a search.
    They are not part of the value: equality, hashing, ``repr``, pickling and ``evolve``
    ignore them, and a fee built by ``Fee(...)`` has neither.
    """

    __slots__ = (
        "__weakref__",
        "_at",
        "_plan",
        "amount",
        "full_period",
        "id",
        "invoice_date",
        "kind",
        "period",
        "reason",
        "reduced_from",
        "reference",
        "subscription_id",
    )
    id: str
    subscription_id: str
    kind: FeeKind
    period: Period
    full_period: Period
    amount: Money
    invoice_date: pendulum.Date
    reference: str | None
    reason: str
    reduced_from: Money | None
    _plan: Any
    _at: int


@frozen(kw_only=True)
class Fee(_FeeSlots):
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
