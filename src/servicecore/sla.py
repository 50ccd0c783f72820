"""Service-level agreements and SLA clocks replayed from a status history.

An :class:`ServiceLevelAgreement` (aggregate) says, per priority, how long the *response*
and the *resolution* of an order may take, each with an explicit :class:`TargetUnit`
(business hours, business days, calendar hours, calendar days: the units never mix
silently). An :class:`SlaClock` (value) measures one of these targets for one order by
replaying the order's history of status and priority changes:

* only *running* time counts, measured on the SLA's business calendar for business units
  (24x7 for calendar units); a pause therefore moves the due instant by exactly the
  business time it overlaps, never by wall-clock time;
* the same history gives the same clock (and the same events, with the same ids) however
  it is split into :meth:`SlaClock.replay` calls;
* :meth:`SlaClock.status_at` answers for any instant: state, time used and remaining,
  due instant, compliance % and the audit segments it was computed from.

>>> import datetime as dt, pendulum
>>> from servicecore.calendars import MAX_BUSINESS_DAYS, BusinessCalendar
>>> from servicecore.sla import (ServiceLevelAgreement, Target, SlaClock, ClockKind,
...     StatusChange)
>>> office = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
>>> gold = ServiceLevelAgreement(company_id="ACME", id="GOLD", name="Gold",
...     calendar=office, targets={"high": (Target.business_hours(4), Target.business_days(2))})
>>> saturday = pendulum.datetime(2024, 6, 8, 10, tz="Europe/Stockholm")
>>> clock = SlaClock.start(gold, ClockKind.RESPONSE, subject_id="SO-1", at=saturday,
...     priority="high", status="new")
>>> clock.status_at(saturday).due_at
DateTime(2024, 6, 10, 12, 0, 0, tzinfo=Timezone('Europe/Stockholm'))
"""

from __future__ import annotations

import datetime as _dt
import enum
import math
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pendulum
from attrs import evolve, field, frozen

from servicecore.calendars import ALWAYS_OPEN, MAX_BUSINESS_DAYS, BusinessCalendar
from servicecore.clock import Clock, read_clock, to_instant
from servicecore.errors import BusinessRuleError, NotFoundError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money, Rounding
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    UnitOfWork,
    check_id,
    check_iterable,
    check_type,
    run_command,
)

__all__ = [
    "SLAS",
    "ClockKind",
    "ClockRules",
    "ClockState",
    "PriorityChange",
    "PriorityTargets",
    "Segment",
    "ServiceCredit",
    "ServiceCreditPolicy",
    "ServiceLevelAgreement",
    "SlaBreached",
    "SlaCancelled",
    "SlaClock",
    "SlaFulfilled",
    "SlaRepository",
    "SlaResumed",
    "SlaSelectionContext",
    "SlaStatus",
    "SlaSuspended",
    "SlaWarningReached",
    "StatusChange",
    "Target",
    "TargetUnit",
    "applicable_sla_ids",
    "resume_sla",
    "resume_stored_sla",
    "select_sla",
    "suspend_sla",
    "suspend_stored_sla",
]

_US = 1_000_000
_HOUR_US = 3600 * _US
_NS = uuid.UUID("0b7c3f6e-4f1d-5c55-9a53-7a1c0de5e1a0")


def _us(delta: _dt.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * _US + delta.microseconds


def _td(us: int) -> _dt.timedelta:
    return _dt.timedelta(microseconds=us)


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

    def measured_on(self, calendar: BusinessCalendar | None) -> BusinessCalendar:
        """The calendar the clock counts on: the SLA's for business units, else 24x7."""
        if self.is_business and calendar is not None:
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


# -- the aggregate -------------------------------------------------------------------------------
def _calendar(value: object) -> BusinessCalendar | None:
    if value is None or isinstance(value, BusinessCalendar):
        return value
    raise ValidationError(
        f"calendar must be a BusinessCalendar or None (24x7), not {value!r}",
        field="calendar",
        value=value,
    )


@frozen(kw_only=True)
class ServiceLevelAgreement:
    """An SLA definition (aggregate).

    ``calendar`` None means 24x7. ``targets`` maps each priority to its response and
    resolution :class:`Target`. ``response``/``resolution`` say which statuses pause or
    fulfil each clock (a "waiting for customer" status can pause resolution but not
    response); ``cancel_statuses`` cancel both. ``warning_thresholds`` are percentages of
    the allowance (default 75). When ``breach_reason_required``, stopping or pausing a
    breached clock needs a reason. A ``suspended`` SLA is not selectable for new orders.
    """

    company_id: str = field(validator=lambda _i, _a, v: check_id(v, "company_id"))
    id: str = field(validator=lambda _i, _a, v: check_id(v, "id"))
    name: str
    targets: tuple[PriorityTargets, ...] = field(converter=_convert_targets)
    calendar: BusinessCalendar | None = field(default=None, converter=_calendar)
    response: ClockRules = ClockRules()
    resolution: ClockRules = ClockRules()
    cancel_statuses: tuple[str, ...] = field(default=(), converter=_statuses)
    warning_thresholds: tuple[Decimal, ...] = field(default=(Decimal(75),), converter=_percentages)
    breach_reason_required: bool = False
    suspended: bool = False
    credit_policy: ServiceCreditPolicy | None = None
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError(
                f"an SLA needs a name, not {self.name!r}", field="name", value=self.name
            )
        for rules in (self.response, self.resolution):
            if not isinstance(rules, ClockRules):
                raise ValidationError(
                    f"clock rules must be ClockRules, not {rules!r}", field="response"
                )

    def target(self, priority: str, kind: ClockKind) -> Target:
        """The target of ``kind`` for ``priority``; ``ValidationError`` if there is none."""
        for t in self.targets:
            if t.priority == priority:
                found = t.response if kind is ClockKind.RESPONSE else t.resolution
                if found is not None:
                    return found
        raise ValidationError(
            f"SLA {self.id!r} has no {kind.value} target for priority {priority!r}",
            field="priority",
            value=priority,
            allowed=", ".join(
                t.priority
                for t in self.targets
                if (t.response if kind is ClockKind.RESPONSE else t.resolution) is not None
            ),
        )

    def rules(self, kind: ClockKind) -> ClockRules:
        return self.response if kind is ClockKind.RESPONSE else self.resolution


@frozen(kw_only=True)
class SlaSuspended(DomainEvent):
    sla_id: str


@frozen(kw_only=True)
class SlaResumed(DomainEvent):
    sla_id: str


def suspend_sla(
    sla: ServiceLevelAgreement, at: _dt.datetime
) -> tuple[ServiceLevelAgreement, tuple[DomainEvent, ...]]:
    """Suspend: the SLA is no longer selectable for new orders (running clocks go on)."""
    when = to_instant(at, "at")
    check_type(sla, ServiceLevelAgreement, "sla")
    if sla.suspended:
        return sla, ()
    event = SlaSuspended(
        aggregate_id=sla.id, company_id=sla.company_id, occurred_at=when, sla_id=sla.id
    )
    return evolve(sla, suspended=True), (event,)


def resume_sla(
    sla: ServiceLevelAgreement, at: _dt.datetime
) -> tuple[ServiceLevelAgreement, tuple[DomainEvent, ...]]:
    """Make a suspended SLA selectable again."""
    when = to_instant(at, "at")
    check_type(sla, ServiceLevelAgreement, "sla")
    if not sla.suspended:
        return sla, ()
    event = SlaResumed(
        aggregate_id=sla.id, company_id=sla.company_id, occurred_at=when, sla_id=sla.id
    )
    return evolve(sla, suspended=False), (event,)


class SlaRepository(Repository[ServiceLevelAgreement]):
    """SLA definitions, with the finder SLA selection needs."""

    def list_selectable(self) -> list[ServiceLevelAgreement]:
        """The SLAs that are not suspended, ordered by id."""
        return self.find("selectable", "yes")


SLAS: AggregateType[ServiceLevelAgreement, SlaRepository] = AggregateType(
    kind="sla",
    cls=ServiceLevelAgreement,
    repository=SlaRepository,
    indexes=(Index("selectable", lambda sla: () if sla.suspended else ("yes",)),),
)
"""SLA definitions in storage: ``uow[SLAS]``."""


def suspend_stored_sla(uow: UnitOfWork, sla_id: str, *, clock: Clock) -> ServiceLevelAgreement:
    """Use case: suspend the stored SLA ``sla_id`` now (records ``SlaSuspended``; an SLA
    already suspended is left as it is). The caller commits."""
    now = read_clock(clock)
    current = uow[SLAS].get(check_id(sla_id, "sla_id"))
    if current.suspended:
        return current  # nothing to change, nothing to save
    return run_command(uow, SLAS, sla_id, lambda sla: suspend_sla(sla, now))


def resume_stored_sla(uow: UnitOfWork, sla_id: str, *, clock: Clock) -> ServiceLevelAgreement:
    """Use case: make the stored SLA ``sla_id`` selectable again now (records
    ``SlaResumed``; an SLA not suspended is left as it is). The caller commits."""
    now = read_clock(clock)
    current = uow[SLAS].get(check_id(sla_id, "sla_id"))
    if not current.suspended:
        return current  # nothing to change, nothing to save
    return run_command(uow, SLAS, sla_id, lambda sla: resume_sla(sla, now))


# -- applicability ---------------------------------------------------------------------------------
@frozen(kw_only=True)
class SlaSelectionContext:
    """What decides which SLA an order gets (passed to the ``servicecore_select_sla`` hook)."""

    company_id: str
    order_id: str
    priority: str | None = None
    agreement_id: str | None = None
    agreement_sla_id: str | None = None
    agreement_group_sla_id: str | None = None
    created_manually: bool = True


def applicable_sla_ids(
    context: SlaSelectionContext, chooser: Callable[[SlaSelectionContext], str | None] | None = None
) -> tuple[str, ...]:
    """The candidate SLA ids, best first.

    A plugin's choice (``chooser``, e.g. ``hooks.select_sla``) comes first; then, for an
    order created manually, the agreement's own SLA, then its agreement group's default.
    An order generated automatically gets no SLA unless a plugin chooses one (D365 rule).
    """
    out: list[str] = []
    check_type(context, SlaSelectionContext, "context")
    if chooser is not None and not callable(chooser):
        raise ValidationError(
            f"chooser must be a function of the context, not {chooser!r}",
            field="chooser",
            value=chooser,
            allowed="None or a callable taking an SlaSelectionContext, e.g. hooks.select_sla",
        )
    chosen = chooser(context) if chooser is not None else None
    if chosen is not None:
        out.append(check_id(chosen, "sla_id"))
    if context.created_manually:
        for candidate in (context.agreement_sla_id, context.agreement_group_sla_id):
            if candidate is not None and candidate not in out:
                out.append(check_id(candidate, "sla_id"))
    return tuple(out)


def select_sla(
    uow: UnitOfWork,
    context: SlaSelectionContext,
    chooser: Callable[[SlaSelectionContext], str | None] | None = None,
) -> ServiceLevelAgreement | None:
    """The SLA that applies to an order: the first candidate that exists and is not suspended.

    A suspended SLA is skipped (it is not selectable), so the next candidate applies;
    an id that does not exist raises ``NotFoundError``.
    """
    for sla_id in applicable_sla_ids(context, chooser):
        try:
            sla = uow[SLAS].get(sla_id)
        except NotFoundError:
            raise NotFoundError(
                f"SLA {sla_id!r} chosen for order {context.order_id!r} does not exist",
                entity="sla",
                id=sla_id,
            ) from None
        if not sla.suspended:
            return sla
    return None


# -- history -----------------------------------------------------------------------------------


def _at(value: object) -> pendulum.DateTime:
    return to_instant(value, "at")


@frozen
class StatusChange:
    """The order entered ``status`` at ``at`` (``reason`` when a breach needs one)."""

    at: pendulum.DateTime = field(converter=_at)
    status: str = field(validator=lambda _i, _a, v: check_id(v, "status"))
    reason: str | None = None


@frozen
class PriorityChange:
    """The order's priority changed to ``priority`` at ``at``."""

    at: pendulum.DateTime = field(converter=_at)
    priority: str = field(validator=lambda _i, _a, v: check_id(v, "priority"))


Change = StatusChange | PriorityChange


class ClockState(enum.Enum):
    RUNNING = "running"
    PAUSED = "paused"
    WARNING = "warning"
    MET = "met"
    BREACHED = "breached"
    CANCELLED = "cancelled"


@frozen
class Segment:
    """An audit interval: the clock ran (or was paused) from ``start`` to ``end``."""

    start: pendulum.DateTime
    end: pendulum.DateTime | None
    status: str
    priority: str
    running: bool


class _Outcome(enum.Enum):
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"


@frozen
class SlaStatus:
    """A clock seen at one instant.

    ``due_at`` is when the allowance runs (or ran) out: for a running clock if it keeps
    running, for a breached one the instant of the breach, for a clock stopped in time the
    instant it would have run out had it kept running; None while paused.
    """

    at: pendulum.DateTime
    state: ClockState
    allowed: _dt.timedelta
    used: _dt.timedelta
    remaining: _dt.timedelta
    due_at: pendulum.DateTime | None
    compliance: Decimal
    segments: tuple[Segment, ...]


@frozen(kw_only=True)
class SlaWarningReached(DomainEvent):
    sla_id: str
    kind: ClockKind
    threshold: Decimal
    due_at: pendulum.DateTime


@frozen(kw_only=True)
class SlaBreached(DomainEvent):
    sla_id: str
    kind: ClockKind
    due_at: pendulum.DateTime


@frozen(kw_only=True)
class SlaFulfilled(DomainEvent):
    sla_id: str
    kind: ClockKind
    on_time: bool
    reason: str | None


@frozen(kw_only=True)
class SlaCancelled(DomainEvent):
    sla_id: str
    kind: ClockKind
    reason: str | None


@frozen(kw_only=True)
class SlaClock:
    """One SLA clock of one order (value). Build it with :meth:`start`, feed it changes.

    Changes must come in time order (equal instants are fine); changes after the clock
    stopped (fulfilled or cancelled) are accepted and ignored, so a whole order history
    can be replayed into both clocks.
    """

    sla: ServiceLevelAgreement
    kind: ClockKind
    subject_id: str
    started_at: pendulum.DateTime
    segments: tuple[Segment, ...]
    since: pendulum.DateTime
    status: str
    priority: str
    outcome: _Outcome | None = None
    emitted: tuple[str, ...] = ()

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def start(
        cls,
        sla: ServiceLevelAgreement,
        kind: ClockKind,
        *,
        subject_id: str,
        at: _dt.datetime,
        priority: str,
        status: str,
    ) -> SlaClock:
        """A clock that starts at ``at`` (the order's registration) in ``status``.

        A suspended SLA cannot start new clocks (``BusinessRuleError``). With a business
        calendar the clock only counts working time, so an order registered on Saturday
        starts using its allowance at Monday's opening.
        """
        when = to_instant(at, "at")
        check_id(subject_id, "subject_id")
        check_id(status, "status")
        if not isinstance(sla, ServiceLevelAgreement) or not isinstance(kind, ClockKind):
            raise ValidationError(
                "start() needs a ServiceLevelAgreement and a ClockKind",
                field="sla",
                value=sla,
            )
        if sla.suspended:
            raise BusinessRuleError(
                f"SLA {sla.id!r} is suspended: it cannot start new clocks",
                rule="L1",
                entity="sla",
                id=sla.id,
            )
        sla.target(priority, kind)
        clock = cls(
            sla=sla,
            kind=kind,
            subject_id=subject_id,
            started_at=when,
            segments=(),
            since=when,
            status=status,
            priority=priority,
        )
        rules = sla.rules(kind)
        if status in rules.fulfil_statuses or status in sla.cancel_statuses:
            clock = evolve(clock, status="")
            clock, _events = clock.record(StatusChange(when, status))
        return clock

    def record(self, change: Change) -> tuple[SlaClock, tuple[DomainEvent, ...]]:
        """Apply one change: returns the new clock and the events crossed up to it."""
        if not isinstance(change, StatusChange | PriorityChange):
            raise ValidationError(
                f"record() takes a StatusChange or PriorityChange, not {change!r}",
                field="change",
                value=change,
            )
        if self.outcome is not None:
            return self, ()
        at = change.at
        if at < self.since:
            raise ValidationError(
                f"changes must come in time order: {at.isoformat()} is before the last one "
                f"({self.since.isoformat()})",
                field="at",
                value=at,
                allowed=f"an instant at or after {self.since.isoformat()}",
            )
        clock, events = self._advance(at)
        if isinstance(change, PriorityChange):
            if change.priority == clock.priority:
                return clock, events
            clock.sla.target(change.priority, clock.kind)
            clock = clock._close(at, status=clock.status, priority=change.priority)
            more_clock, more = clock._advance(at)
            return more_clock, events + more
        status = change.status
        if status == clock.status:
            return clock, events
        rules = clock.sla.rules(clock.kind)
        stops = status in rules.fulfil_statuses or (
            clock._running() and status in rules.pause_statuses
        )
        breached = clock._used_at(at) > clock._allowed()
        if breached and stops and clock.sla.breach_reason_required and not change.reason:
            raise BusinessRuleError(
                f"the {clock.kind.value} SLA {clock.sla.id!r} of {clock.subject_id!r} is "
                f"breached: moving to {status!r} needs a breach reason",
                rule="L5",
                entity="sla",
                id=clock.sla.id,
            )
        if status in clock.sla.cancel_statuses:
            done = clock._close(at, status=status, priority=clock.priority)
            done = evolve(done, outcome=_Outcome.CANCELLED, segments=done.segments)
            event = SlaCancelled(
                event_id=clock._event_id("cancelled"), reason=change.reason, **clock._base(at)
            )
            return done, (*events, event)
        if status in rules.fulfil_statuses:
            done = clock._close(at, status=status, priority=clock.priority)
            done = evolve(done, outcome=_Outcome.FULFILLED)
            ok = not breached
            fulfilled = SlaFulfilled(
                event_id=clock._event_id("fulfilled"),
                on_time=ok,
                reason=change.reason,
                **clock._base(at),
            )
            return done, (*events, fulfilled)
        return clock._close(at, status=status, priority=clock.priority), events

    def replay(self, changes: Iterable[Change]) -> tuple[SlaClock, tuple[DomainEvent, ...]]:
        """Apply ``changes`` in order; ``replay(a + b) == replay(a)`` then ``replay(b)``."""
        clock: SlaClock = self
        events: list[DomainEvent] = []
        allowed = "a list of StatusChange and PriorityChange"
        for change in check_iterable(changes, "changes", allowed):  # record() checks each
            clock, new = clock.record(change)
            events.extend(new)
        return clock, tuple(events)

    def advance(self, at: _dt.datetime) -> tuple[SlaClock, tuple[DomainEvent, ...]]:
        """Emit the warning and breach events crossed up to ``at`` (e.g. from a scheduler).

        Each event is emitted once, with the instant it really happened and a
        deterministic id, whether it comes from here or from a later :meth:`record`.
        """
        when = to_instant(at, "at")
        if when < self.since or self.outcome is not None:
            return self, ()
        return self._advance(when)

    # -- reading ---------------------------------------------------------------------------
    def status_at(self, at: _dt.datetime) -> SlaStatus:
        """The clock as it stood at ``at`` (any instant at or after the start)."""
        when = to_instant(at, "at")
        if when < self.started_at:
            raise ValidationError(
                f"the clock started at {self.started_at.isoformat()}; ask about an instant "
                "at or after that",
                field="at",
                value=when,
            )
        segments = self._segments_until(when)
        priority = segments[-1].priority if segments else self.priority
        allowed = self._allowed(priority)
        used = self._used(segments, when)
        stopped = self.outcome is not None and self.since <= when
        last = segments[-1] if segments else None
        running_now = last is not None and last.running and not stopped
        if stopped and self.outcome is _Outcome.CANCELLED:
            state = ClockState.CANCELLED
        elif used > allowed:
            state = ClockState.BREACHED
        elif stopped:
            state = ClockState.MET
        elif not running_now:
            state = ClockState.PAUSED
        elif self.sla.warning_thresholds and used * 100 >= allowed * min(
            self.sla.warning_thresholds
        ):
            state = ClockState.WARNING
        else:
            state = ClockState.RUNNING
        due: pendulum.DateTime | None = None
        if running_now or used > allowed:
            due = self._instant_when(allowed, priority, segments, open_end=running_now)
        elif stopped:  # met in time: the instant it would have run out at when it stopped
            due = self._calendar(priority).add_business_time(self.since, _td(allowed - used))
        compliance = (Decimal(used) * 100 / Decimal(allowed)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        return SlaStatus(
            at=when,
            state=state,
            allowed=_td(allowed),
            used=_td(used),
            remaining=_td(max(allowed - used, 0)),
            due_at=due,
            compliance=compliance,
            segments=segments,
        )

    def service_credit(self, at: _dt.datetime, base: Money | None = None) -> ServiceCredit | None:
        """The credit this clock earns if it is breached at ``at`` under the SLA's policy."""
        status = self.status_at(at)
        policy = self.sla.credit_policy
        if status.state is not ClockState.BREACHED or policy is None:
            return None
        if self.kind not in policy.kinds:
            return None
        breached_at = status.due_at
        assert breached_at is not None
        return ServiceCredit(
            company_id=self.sla.company_id,
            subject_id=self.subject_id,
            sla_id=self.sla.id,
            kind=self.kind,
            breached_at=breached_at,
            amount=policy.amount(base),
        )

    # -- internals -------------------------------------------------------------------------------
    def _running(self) -> bool:
        return self.outcome is None and self.status not in self.sla.rules(self.kind).pause_statuses

    def _target(self, priority: str | None = None) -> Target:
        return self.sla.target(priority or self.priority, self.kind)

    def _allowed(self, priority: str | None = None) -> int:
        target = self._target(priority)
        return _us(target.allowance(self._calendar(priority), self.started_at))

    def _calendar(self, priority: str | None = None) -> BusinessCalendar:
        return self._target(priority).measured_on(self.sla.calendar)

    def _segments_until(self, at: pendulum.DateTime) -> tuple[Segment, ...]:
        out: list[Segment] = []
        pieces = list(self.segments)
        if self.outcome is None:
            pieces.append(Segment(self.since, None, self.status, self.priority, self._running()))
        for seg in pieces:
            if seg.start > at:
                break
            end = seg.end if seg.end is not None and seg.end <= at else None
            if seg.end is not None and seg.end <= at:
                out.append(seg)
            else:
                out.append(Segment(seg.start, end, seg.status, seg.priority, seg.running))
        return tuple(out)

    def _used(self, segments: Sequence[Segment], at: pendulum.DateTime) -> int:
        calendar = self._calendar(segments[-1].priority if segments else None)
        total = 0
        for seg in segments:
            if seg.running:
                end = seg.end if seg.end is not None else at
                total += _us(calendar.business_time_between(seg.start, end))
        return total

    def _used_at(self, at: pendulum.DateTime) -> int:
        return self._used(self._segments_until(at), at)

    def _instant_when(
        self,
        amount: int,
        priority: str,
        segments: Sequence[Segment],
        *,
        open_end: bool,
    ) -> pendulum.DateTime | None:
        """The instant at which ``amount`` of time was (or will be) used, if ever."""
        calendar = self._calendar(priority)
        if amount <= 0:
            return self.started_at
        used = 0
        for i, seg in enumerate(segments):
            if not seg.running:
                continue
            is_open = seg.end is None and open_end and i == len(segments) - 1
            if is_open:
                return calendar.add_business_time(seg.start, _td(amount - used))
            end = seg.end if seg.end is not None else seg.start
            part = _us(calendar.business_time_between(seg.start, end))
            if used + part >= amount:
                return calendar.add_business_time(seg.start, _td(amount - used))
            used += part
        return None

    def _close(self, at: pendulum.DateTime, *, status: str, priority: str) -> SlaClock:
        if at == self.since:  # an empty segment: replace it
            return evolve(self, since=at, status=status, priority=priority)
        seg = Segment(self.since, at, self.status, self.priority, self._running())
        return evolve(
            self,
            segments=(*self.segments, seg),
            since=at,
            status=status,
            priority=priority,
        )

    def _base(self, at: pendulum.DateTime) -> dict[str, Any]:
        return {
            "aggregate_id": self.subject_id,
            "company_id": self.sla.company_id,
            "occurred_at": at,
            "sla_id": self.sla.id,
            "kind": self.kind,
        }

    def _event_id(self, key: str) -> str:
        name = f"{self.sla.company_id}/{self.subject_id}/{self.sla.id}/{self.kind.value}/{key}"
        return uuid.uuid5(_NS, name).hex

    def _advance(self, at: pendulum.DateTime) -> tuple[SlaClock, tuple[DomainEvent, ...]]:
        if not self._running():
            return self, ()
        allowed = self._allowed()
        pending: list[tuple[str, Decimal | None]] = [
            (f"warning-{t}", t) for t in self.sla.warning_thresholds
        ]
        pending.append(("breach", None))
        todo = [(k, t) for k, t in pending if k not in self.emitted]
        if not todo:
            return self, ()
        segments = self._segments_until(at)
        used = self._used(segments, at)
        events: list[DomainEvent] = []
        emitted = list(self.emitted)
        due = self._instant_when(allowed, self.priority, segments, open_end=True)
        assert due is not None
        for key, threshold in todo:
            if threshold is None:
                if used <= allowed:
                    continue
                event: DomainEvent = SlaBreached(
                    aggregate_id=self.subject_id,
                    company_id=self.sla.company_id,
                    occurred_at=max(due, self.since),
                    event_id=self._event_id(key),
                    sla_id=self.sla.id,
                    kind=self.kind,
                    due_at=due,
                )
            else:
                need = math.ceil(Fraction(allowed) * Fraction(threshold) / 100)
                if used < need:
                    continue
                when = self._instant_when(need, self.priority, segments, open_end=True)
                assert when is not None
                event = SlaWarningReached(
                    aggregate_id=self.subject_id,
                    company_id=self.sla.company_id,
                    occurred_at=max(when, self.since),
                    event_id=self._event_id(key),
                    sla_id=self.sla.id,
                    kind=self.kind,
                    threshold=threshold,
                    due_at=due,
                )
            events.append(event)
            emitted.append(key)
        if not events:
            return self, ()
        return evolve(self, emitted=tuple(emitted)), tuple(events)
