"""The SLA aggregate, its suspension, its repository and use cases, and which SLA applies."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal

from attrs import evolve, field, frozen

from servicecore.calendars import BusinessCalendar, CalendarRef
from servicecore.clock import Clock, read_clock, to_instant
from servicecore.errors import NotFoundError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    UnitOfWork,
    check_id,
    check_type,
    run_command,
)
from servicecore.sla.targets import (
    ClockKind,
    ClockRules,
    PriorityTargets,
    ServiceCreditPolicy,
    Target,
    _convert_targets,
    _percentages,
    _statuses,
)


# -- the aggregate -------------------------------------------------------------------------------
def _calendar(value: object) -> BusinessCalendar | CalendarRef | None:
    if value is None or isinstance(value, BusinessCalendar | CalendarRef):
        return value
    if isinstance(value, str):  # a calendar id: the same as CalendarRef(id)
        return CalendarRef(value)
    raise ValidationError(
        f"calendar must be a BusinessCalendar, a calendar id or None (24x7), not {value!r}",
        field="calendar",
        value=value,
        allowed="a BusinessCalendar, a calendar id such as 'se-desk' or CalendarRef('se-desk') "
        "(a stored or plugin calendar), or None",
    )


@frozen(kw_only=True)
class ServiceLevelAgreement:
    """An SLA definition (aggregate).

    ``calendar`` None means 24x7; a :class:`~servicecore.calendars.CalendarRef` (or a plain
    calendar id, converted to one) refers by id to a calendar kept elsewhere (a
    :class:`~servicecore.calendars.StoredCalendar`, or one a plugin supplies), resolved
    each time the stored clocks use it (see ``servicecore.sla_clocks``), so later changes
    to that calendar reach the SLA;
    :meth:`with_calendar` resolves it by hand. ``targets`` maps each priority to its
    response and resolution :class:`Target`. ``response``/``resolution`` say which
    statuses pause or fulfil each clock (a "waiting for customer" status can pause
    resolution but not response); ``cancel_statuses`` cancel both. ``warning_thresholds``
    are percentages of the allowance (default 75). When ``breach_reason_required``,
    stopping or pausing a
    breached clock needs a reason. A ``suspended`` SLA is not selectable for new orders.
    """

    company_id: str = field(validator=lambda _i, _a, v: check_id(v, "company_id"))
    id: str = field(validator=lambda _i, _a, v: check_id(v, "id"))
    name: str
    targets: tuple[PriorityTargets, ...] = field(converter=_convert_targets)
    calendar: BusinessCalendar | CalendarRef | None = field(default=None, converter=_calendar)
    response: ClockRules = field(factory=ClockRules)
    resolution: ClockRules = field(factory=ClockRules)
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

    @property
    def calendar_id(self) -> str | None:
        """The id of the calendar the SLA refers to, or None when it embeds one (or is 24x7)."""
        return self.calendar.calendar_id if isinstance(self.calendar, CalendarRef) else None

    def with_calendar(self, resolve: Callable[[str], BusinessCalendar]) -> ServiceLevelAgreement:
        """This SLA with its calendar reference replaced by ``resolve(calendar_id)``; an SLA
        that embeds its calendar (or is 24x7) comes back as it is."""
        if not isinstance(self.calendar, CalendarRef):
            return self
        if not callable(resolve):
            raise ValidationError(
                f"resolve must be a function of a calendar id, not {resolve!r}",
                field="resolve",
                value=resolve,
                allowed="a callable (calendar id) -> BusinessCalendar, e.g. hooks.calendar",
            )
        found = resolve(self.calendar.calendar_id)
        if not isinstance(found, BusinessCalendar):
            raise ValidationError(
                f"resolving the calendar {self.calendar.calendar_id!r} gave {found!r}",
                field="resolve",
                value=found,
                allowed="a BusinessCalendar",
            )
        return evolve(self, calendar=found)


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
