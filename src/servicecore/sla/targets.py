"""Targets with explicit units, clock rules, and service credits and their policy."""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping
from decimal import Decimal

import pendulum
from attrs import evolve, field, frozen

from servicecore.calendars import ALWAYS_OPEN, MAX_BUSINESS_DAYS, BusinessCalendar, CalendarRef
from servicecore.clock import to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.money import Money, Rounding
from servicecore.ports import (
    check_id,
    check_type,
)
from servicecore.sla._units import _HOUR_US, _td


# -- targets ---------------------------------------------------------------------------------
class TargetUnit(enum.Enum):
    """The unit of a target: never converted into another silently."""

    BUSINESS_HOURS = "business_hours"
    """Working time on the SLA's calendar (4 business hours = 4 h of opening hours)."""
    BUSINESS_DAYS = "business_days"
    """Whole business days on the SLA's calendar (see :meth:`Target.allowance`)."""
    CALENDAR_HOURS = "calendar_hours"
    """Elapsed time, nights and weekends included."""
    CALENDAR_DAYS = "calendar_days"
    """Elapsed days of 24 hours."""


def _amount(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        raise ValidationError(
            f"a target amount must be an int, Decimal or decimal string, not {value!r}",
            field="amount",
            value=value,
            allowed="4, Decimal('1.5'), '0.5' (floats are refused)",
        )
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise ValidationError(
            f"{value!r} is not a number",
            field="amount",
            value=value,
            allowed="an int, a Decimal or a decimal string such as '12.5'",
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(
            f"a target amount must be positive, not {value!r}",
            field="amount",
            value=value,
            allowed="a number > 0",
        )
    return amount


_SECONDS = {
    TargetUnit.BUSINESS_HOURS: 3600,
    TargetUnit.CALENDAR_HOURS: 3600,
    TargetUnit.BUSINESS_DAYS: 86_400,
    TargetUnit.CALENDAR_DAYS: 86_400,
}
_MOST = {
    # About fifty years of office hours, a hundred of calendar time, and no more business
    # days than a business calendar moves in one call.
    TargetUnit.BUSINESS_HOURS: Decimal(100_000),
    TargetUnit.CALENDAR_HOURS: Decimal(876_000),
    TargetUnit.BUSINESS_DAYS: Decimal(MAX_BUSINESS_DAYS),
    TargetUnit.CALENDAR_DAYS: Decimal(36_500),
}
"""Targets are checked when built (at least a second, at most these), so a clock never
fails later on an allowance it cannot compute."""


def _unit(value: object) -> TargetUnit:
    try:
        return TargetUnit(value.value if isinstance(value, TargetUnit) else value)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not a target unit",
            field="unit",
            value=value,
            allowed=", ".join(u.value for u in TargetUnit),
        ) from None


@frozen
class Target:
    """How long a clock may run: ``amount`` of ``unit``.

    >>> Target.business_days(10)
    Target(amount=Decimal('10'), unit=<TargetUnit.BUSINESS_DAYS: 'business_days'>)
    """

    amount: Decimal = field(converter=_amount)
    unit: TargetUnit = field(converter=_unit)

    def __attrs_post_init__(self) -> None:
        most = _MOST[self.unit]
        # Compare before multiplying: an absurd amount must not overflow the arithmetic.
        if self.amount > most or self.amount * _SECONDS[self.unit] < 1:
            raise ValidationError(
                f"a target of {self.amount} {self.unit.value} is out of range",
                field="amount",
                value=self.amount,
                allowed=f"at least one second and at most {most} {self.unit.value}",
            )
        if self.unit is TargetUnit.BUSINESS_DAYS and self.amount != self.amount.to_integral():
            raise ValidationError(
                f"business days are whole days, not {self.amount}; use business hours for "
                "fractions of a day",
                field="amount",
                value=self.amount,
                allowed="a whole number of business days",
            )

    @classmethod
    def business_hours(cls, amount: int | str | Decimal) -> Target:
        return cls(amount, TargetUnit.BUSINESS_HOURS)

    @classmethod
    def business_days(cls, amount: int) -> Target:
        return cls(amount, TargetUnit.BUSINESS_DAYS)

    @classmethod
    def calendar_hours(cls, amount: int | str | Decimal) -> Target:
        return cls(amount, TargetUnit.CALENDAR_HOURS)

    @classmethod
    def calendar_days(cls, amount: int | str | Decimal) -> Target:
        return cls(amount, TargetUnit.CALENDAR_DAYS)

    @property
    def is_business(self) -> bool:
        return self.unit in (TargetUnit.BUSINESS_HOURS, TargetUnit.BUSINESS_DAYS)

    def allowance(self, calendar: BusinessCalendar, start: _dt.datetime) -> _dt.timedelta:
        """The time a clock started at ``start`` may use, measured as :meth:`measured_on`.

        Business days become the business time from ``start`` to the same point of the
        ``amount``-th following business day (:meth:`BusinessCalendar.add_business_days`):
        on a calendar with 8-hour days, 10 business days allow 80 business hours, not
        240 (the well-known "10 days" trap).
        """
        if self.unit is TargetUnit.BUSINESS_HOURS:
            return _td(int(self.amount * _HOUR_US))
        if self.unit is TargetUnit.CALENDAR_HOURS:
            return _td(int(self.amount * _HOUR_US))
        if self.unit is TargetUnit.CALENDAR_DAYS:
            return _td(int(self.amount * 24 * _HOUR_US))
        begin = to_instant(start, "start")
        check_type(calendar, BusinessCalendar, "calendar")
        end = calendar.add_business_days(begin, int(self.amount))
        return calendar.business_time_between(begin, end)

    def measured_on(self, calendar: BusinessCalendar | CalendarRef | None) -> BusinessCalendar:
        """The calendar the clock counts on: the SLA's for business units, else 24x7.

        A business unit cannot count on a :class:`~servicecore.calendars.CalendarRef` that
        was not resolved (``BusinessRuleError``): resolve it first (``sla.with_calendar``).
        """
        if self.is_business and isinstance(calendar, CalendarRef):
            raise BusinessRuleError(
                f"the calendar {calendar.calendar_id!r} is a reference that was not resolved: "
                "use the stored clocks' use cases (servicecore.sla_clocks), or "
                "with_calendar(resolve)",
                rule="sla-calendar-resolved",
                entity="calendar",
                id=calendar.calendar_id,
            )
        if self.is_business and isinstance(calendar, BusinessCalendar):
            return calendar
        return ALWAYS_OPEN


def _target_or_none(value: object) -> Target | None:
    if value is None or isinstance(value, Target):
        return value
    raise ValidationError(
        f"a target must be a Target or None, not {value!r}",
        field="targets",
        value=value,
        allowed="Target.business_hours(4), Target.business_days(2), ...",
    )


@frozen
class PriorityTargets:
    """The response and resolution targets of one priority (``None``: not measured)."""

    priority: str = field(validator=lambda _i, _a, v: check_id(v, "priority"))
    response: Target | None = field(default=None, converter=_target_or_none)
    resolution: Target | None = field(default=None, converter=_target_or_none)


def _convert_targets(value: object) -> tuple[PriorityTargets, ...]:
    items: list[PriorityTargets] = []
    if isinstance(value, Mapping):
        for priority, pair in value.items():
            if isinstance(pair, PriorityTargets):
                items.append(evolve(pair, priority=priority))
            elif isinstance(pair, tuple | list) and len(pair) == 2:
                items.append(PriorityTargets(priority, pair[0], pair[1]))
            else:
                raise ValidationError(
                    f"targets[{priority!r}] must be a (response, resolution) pair, not {pair!r}",
                    field="targets",
                    value=pair,
                    allowed="(Target.business_hours(4), Target.business_days(2))",
                )
    elif isinstance(value, tuple | list) and all(isinstance(v, PriorityTargets) for v in value):
        items = list(value)
    else:
        raise ValidationError(
            f"targets must map priorities to (response, resolution) targets, not {value!r}",
            field="targets",
            value=value,
            allowed="{'high': (Target.business_hours(4), Target.business_days(2))}",
        )
    names = [t.priority for t in items]
    if len(set(names)) != len(names):
        raise ValidationError("targets name a priority twice", field="targets", value=value)
    if not items:
        raise ValidationError(
            "an SLA needs targets for at least one priority", field="targets", value=value
        )
    return tuple(sorted(items, key=lambda t: t.priority))


def _statuses(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"statuses must be a collection of status names, not {value!r}",
            field="statuses",
            value=value,
            allowed="('waiting_for_customer',)",
        )
    return tuple(sorted({check_id(v, "status") for v in value}))


@frozen
class ClockRules:
    """Which statuses pause a clock and which fulfil (stop) it."""

    pause_statuses: tuple[str, ...] = field(default=(), converter=_statuses)
    fulfil_statuses: tuple[str, ...] = field(default=(), converter=_statuses)

    def __attrs_post_init__(self) -> None:
        both = set(self.pause_statuses) & set(self.fulfil_statuses)
        if both:
            raise ValidationError(
                f"statuses {sorted(both)} both pause and fulfil the clock; choose one",
                field="pause_statuses",
                value=sorted(both),
            )


class ClockKind(enum.Enum):
    """Which target a clock measures."""

    RESPONSE = "response"
    RESOLUTION = "resolution"


def _percentages(value: object) -> tuple[Decimal, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        value = (value,)
    out = []
    for v in value:
        pct = _amount(v)
        if pct >= 100:
            raise ValidationError(
                f"a warning threshold is a percentage below 100, not {v!r}",
                field="warning_thresholds",
                value=v,
                allowed="0 < threshold < 100, e.g. 75",
            )
        out.append(pct)
    return tuple(sorted(set(out)))


# -- service credits ---------------------------------------------------------------------------
@frozen
class ServiceCredit:
    """What a breach is worth to the customer; the subscriptions module consumes it.

    It has the shape ``servicecore.subscriptions`` documents for a service credit
    (``ServiceCreditLike``: ``amount``, ``reason``, ``reference``), so
    ``apply_service_credit(uow, sub_id, credit, on, clock=...)`` takes it as it is, and
    neither module imports the other.

    ``reference`` names the breach: one clock (SLA, order, kind) breaches at most once, so
    the same breach credited twice, even from a re-replayed clock, adds nothing.
    """

    company_id: str
    subject_id: str
    sla_id: str
    kind: ClockKind
    breached_at: pendulum.DateTime
    amount: Money

    @property
    def reference(self) -> str:
        """``"<sla_id>/<subject_id>/<kind>"``: the identity of the breached clock.

        ``%`` and ``/`` inside the ids are percent-encoded, so the reference is unambiguous
        for any ids: SLA ``GOLD/EU`` with order ``SO-1`` and SLA ``GOLD`` with order
        ``EU/SO-1`` give two references, and two legitimate credits.
        """
        parts = (self.sla_id, self.subject_id, self.kind.value)
        return "/".join(p.replace("%", "%25").replace("/", "%2F") for p in parts)

    @property
    def reason(self) -> str:
        """A human-readable line for the invoice."""
        return (
            f"SLA {self.sla_id} {self.kind.value} target breached on {self.subject_id} "
            f"at {self.breached_at.isoformat()}"
        )


@frozen
class ServiceCreditPolicy:
    """A credit per breached clock: ``percent`` of a base amount, or a ``fixed`` amount.

    Exactly one of the two is set. ``kinds`` says which clocks earn credits.
    """

    percent: Decimal | None = None
    fixed: Money | None = None
    kinds: tuple[ClockKind, ...] = (ClockKind.RESOLUTION,)

    def __attrs_post_init__(self) -> None:
        if (self.percent is None) == (self.fixed is None):
            raise ValidationError(
                "a service-credit policy has exactly one of percent and fixed",
                field="percent",
                allowed="ServiceCreditPolicy(percent=Decimal('10')) or fixed=Money",
            )
        if self.percent is not None:
            pct = _amount(self.percent)
            if pct > 100:
                raise ValidationError(
                    f"a credit percentage is at most 100, not {pct}",
                    field="percent",
                    value=pct,
                    allowed="0 < percent <= 100",
                )
            object.__setattr__(self, "percent", pct)
        if self.fixed is not None and (not isinstance(self.fixed, Money) or self.fixed.amount <= 0):
            raise ValidationError(
                f"a fixed credit must be a positive Money, not {self.fixed!r}",
                field="fixed",
                value=self.fixed,
            )

    def amount(self, base: Money | None) -> Money:
        """The credit: ``fixed``, or ``percent`` of ``base`` rounded half-up to the cent."""
        if self.fixed is not None:
            return self.fixed
        if not isinstance(base, Money):
            raise ValidationError(
                "a percentage credit needs the base amount it is a percentage of",
                field="base",
                value=base,
                allowed="Money, e.g. the monthly fee",
            )
        assert self.percent is not None
        return base.scaled(self.percent, 100, Rounding.HALF_UP)
