"""Service agreements (D365 SMAAgreementTable): header, lines, groups, templates, commands.

Every command is pure: ``command(agreement, ..., *, at) -> (agreement, events)``. It checks
all its input first and builds the changed agreement with ``attrs.evolve``; a refused
command raises a :mod:`servicecore.errors` exception and changes nothing.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable
from decimal import Decimal

import pendulum
from attrs import evolve, frozen

from servicecore.agreements.plan import TimeBand, TransactionType
from servicecore.clock import to_date, to_instant
from servicecore.errors import (
    BusinessRuleError,
    CurrencyMismatchError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.money import Currency, Money
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    check_id,
    check_items,
    check_type,
)
from servicecore.recurrence import Interval

__all__ = [
    "AGREEMENTS",
    "AGREEMENT_GROUPS",
    "ENDING_SOON_DAYS",
    "MAX_QUANTITY",
    "TEMPLATE_GROUPS",
    "Agreement",
    "AgreementChanged",
    "AgreementGroup",
    "AgreementGroupRepository",
    "AgreementLine",
    "AgreementRenewed",
    "AgreementRepository",
    "AgreementState",
    "CombineBy",
    "TemplateGroup",
    "TemplateGroupRepository",
    "TimeBand",
    "TimeWindow",
    "WindowKind",
    "add_agreement_line",
    "agreement_state",
    "cancel_agreement",
    "copy_agreement_lines",
    "copy_template_lines",
    "line_state",
    "make_template",
    "new_agreement",
    "renew_agreement",
    "restart_line",
    "resume_agreement",
    "stop_line",
    "suspend_agreement",
]

ENDING_SOON_DAYS = 30
"""Default number of days before its end in which an agreement or line is "ending soon"."""

MAX_QUANTITY = Decimal(1_000_000)
"""The largest quantity an agreement line may carry."""

_MAX_WINDOW_DAYS = 366


# -- values -------------------------------------------------------------------------------
class CombineBy(enum.Enum):
    """Which generated lines share an order (besides the service date)."""

    AGREEMENT = "agreement"
    TASK = "task"
    WORKER = "worker"
    OBJECT = "object"


class WindowKind(enum.Enum):
    """How far a generated line may move from its calculated date."""

    WEEK = "week"
    MONTH = "month"
    MANUAL = "manual"


@frozen(kw_only=True)
class TimeWindow:
    """A time window: any day of the same ISO week, of the same month, or ``days_before``
    to ``days_after`` around the calculated date (``MANUAL``, each 0..366)."""

    kind: WindowKind
    days_before: int = 0
    days_after: int = 0

    @classmethod
    def week(cls) -> TimeWindow:
        """Any day of the calculated date's week (Monday to Sunday)."""
        return cls(kind=WindowKind.WEEK)

    @classmethod
    def month(cls) -> TimeWindow:
        """Any day of the calculated date's month."""
        return cls(kind=WindowKind.MONTH)

    @classmethod
    def manual(cls, days_before: int, days_after: int) -> TimeWindow:
        """At most ``days_before`` earlier and ``days_after`` later."""
        window = cls(kind=WindowKind.MANUAL, days_before=days_before, days_after=days_after)
        _check_window(window, "time_window")
        return window

    def range_for(self, day: pendulum.Date) -> tuple[pendulum.Date, pendulum.Date]:
        """The first and last day (inclusive) a line calculated on ``day`` may move to."""
        day = to_date(day, "day")
        if self.kind is WindowKind.WEEK:
            monday = day.subtract(days=day.weekday())
            return monday, monday.add(days=6)
        if self.kind is WindowKind.MONTH:
            return day.start_of("month"), day.end_of("month")
        return day.subtract(days=self.days_before), day.add(days=self.days_after)


def _check_window(window: object, field: str) -> TimeWindow:
    w = check_type(window, TimeWindow, field)
    check_type(w.kind, WindowKind, f"{field}.kind")
    for name in ("days_before", "days_after"):
        value = getattr(w, name)
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= _MAX_WINDOW_DAYS
        ):
            raise ValidationError(
                f"{field}.{name}: expected 0..{_MAX_WINDOW_DAYS} days, got {value!r}",
                field=f"{field}.{name}",
                value=value,
                allowed=f"a whole number of days from 0 to {_MAX_WINDOW_DAYS}",
            )
    return w


def _check_band(band: object, field: str) -> TimeBand:
    b = check_type(band, TimeBand, field)
    for name in ("start_after", "end_before"):
        value = getattr(b, name)
        if not isinstance(value, _dt.time) or value.tzinfo is not None:
            raise ValidationError(
                f"{field}.{name}: expected a local datetime.time, got {value!r}",
                field=f"{field}.{name}",
                value=value,
                allowed="a datetime.time without time zone",
            )
    if not b.start_after < b.end_before:
        raise ValidationError(
            f"{field}: start_after {b.start_after} is not before end_before {b.end_before}",
            field=field,
            value=b,
            allowed="start_after < end_before",
        )
    return b


@frozen(kw_only=True)
class AgreementLine:
    """One agreement line (D365 SMAAgreementLine): what is serviced, how often, at what price.

    ``interval`` None is a one-time line (generated once, on its start date). ``start`` and
    ``end`` None follow the agreement. ``generated_through`` is the latest calculated date
    generation has created for this line (kept by the generate use case).
    """

    id: str
    transaction_type: TransactionType
    quantity: Decimal
    cost_price: Money
    sales_price: Money
    description: str = ""
    worker_id: str | None = None
    service_object_id: str | None = None
    service_task_id: str | None = None
    interval: Interval | None = None
    time_window: TimeWindow | None = None
    time_band: TimeBand | None = None
    start: pendulum.Date | None = None
    end: pendulum.Date | None = None
    stopped: bool = False
    generated_through: pendulum.Date | None = None


@frozen(kw_only=True)
class Agreement:
    """The service agreement aggregate (header and lines).

    ``service_object_ids`` and ``service_task_ids`` are the agreement's object and task
    relations: a line may reference only those (D365 rule A2). A ``template_group_id`` makes
    the agreement a template, which never generates orders.
    """

    company_id: str
    id: str
    customer_id: str
    group_id: str
    currency: Currency
    start: pendulum.Date
    end: pendulum.Date | None = None
    project_id: str | None = None
    description: str = ""
    suspended: bool = False
    cancelled: bool = False
    combine_by: CombineBy = CombineBy.AGREEMENT
    sla_id: str | None = None
    preferred_technician_id: str | None = None
    service_manager_id: str | None = None
    template_group_id: str | None = None
    service_object_ids: tuple[str, ...] = ()
    service_task_ids: tuple[str, ...] = ()
    lines: tuple[AgreementLine, ...] = ()
    renewal_of: str | None = None
    renewed_by: str | None = None
    version: int = 0

    @property
    def is_template(self) -> bool:
        """True for a template (it has a template group)."""
        return self.template_group_id is not None

    def line(self, line_id: str) -> AgreementLine:
        """The line ``line_id``; unknown raises :class:`NotFoundError`."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise NotFoundError(
            f"line_id: agreement {self.id!r} has no line {line_id!r}",
            entity="agreement line",
            id=str(line_id),
        )


@frozen(kw_only=True)
class AgreementGroup:
    """An agreement group with its default SLA (used when an agreement names none)."""

    company_id: str
    id: str
    description: str = ""
    sla_id: str | None = None
    version: int = 0


@frozen(kw_only=True)
class TemplateGroup:
    """A node of the template-group tree (``parent_id`` None at a root)."""

    company_id: str
    id: str
    parent_id: str | None = None
    description: str = ""
    version: int = 0


class AgreementState(enum.Enum):
    """Where an agreement (or a line) stands on a given date."""

    UPCOMING = "upcoming"
    IN_PROGRESS = "in_progress"
    ENDING_SOON = "ending_soon"
    TO_RENEW = "to_renew"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# -- events -------------------------------------------------------------------------------
@frozen(kw_only=True)
class AgreementChanged(DomainEvent):
    """An agreement changed: ``action`` says how (created, suspended, line_stopped...)."""

    action: str
    line_ids: tuple[str, ...] = ()


@frozen(kw_only=True)
class AgreementRenewed(DomainEvent):
    """An agreement was renewed into ``new_agreement_id`` starting on ``new_start``."""

    new_agreement_id: str
    new_start: pendulum.Date


# -- repositories -------------------------------------------------------------------------
class AgreementRepository(Repository[Agreement]):
    """:class:`Agreement` aggregates with customer, group and template-group finders."""

    def list_for_customer(self, customer_id: str) -> list[Agreement]:
        """Agreements of one customer."""
        return self.find("customer", check_id(customer_id, "customer_id"))

    def list_in_group(self, group_id: str) -> list[Agreement]:
        """Agreements of one agreement group."""
        return self.find("group", check_id(group_id, "group_id"))

    def list_templates(self, template_group_id: str) -> list[Agreement]:
        """Templates in one template group."""
        return self.find("template_group", check_id(template_group_id, "template_group_id"))


AGREEMENTS: AggregateType[Agreement, AgreementRepository] = AggregateType(
    kind="agreement",
    cls=Agreement,
    repository=AgreementRepository,
    indexes=(
        Index("customer", lambda a: (a.customer_id,)),
        Index("group", lambda a: (a.group_id,)),
        Index("template_group", lambda a: (a.template_group_id,) if a.template_group_id else ()),
    ),
)
"""Agreements in storage: ``uow[AGREEMENTS]``."""


class AgreementGroupRepository(Repository[AgreementGroup]):
    """Agreement groups."""


AGREEMENT_GROUPS: AggregateType[AgreementGroup, AgreementGroupRepository] = AggregateType(
    kind="agreement_group", cls=AgreementGroup, repository=AgreementGroupRepository
)
"""Agreement groups in storage: ``uow[AGREEMENT_GROUPS]``."""


class TemplateGroupRepository(Repository[TemplateGroup]):
    """Template groups, with the children of a group."""

    def list_children(self, parent_id: str) -> list[TemplateGroup]:
        """The direct children of ``parent_id``."""
        return self.find("parent", check_id(parent_id, "parent_id"))


TEMPLATE_GROUPS: AggregateType[TemplateGroup, TemplateGroupRepository] = AggregateType(
    kind="template_group",
    cls=TemplateGroup,
    repository=TemplateGroupRepository,
    indexes=(Index("parent", lambda g: (g.parent_id,) if g.parent_id else ()),),
)
"""Template groups in storage: ``uow[TEMPLATE_GROUPS]``."""


# -- checks -------------------------------------------------------------------------------
def _opt_id(value: object, field: str) -> str | None:
    return None if value is None else check_id(value, field)


def _opt_date(value: object, field: str) -> pendulum.Date | None:
    return None if value is None else to_date(value, field)


def _check_period(start: pendulum.Date, end: pendulum.Date | None, field: str) -> None:
    if end is not None and end < start:
        raise ValidationError(
            f"{field}: the end {end} is before the start {start}",
            field=field,
            value=end,
            allowed=f"a date on or after {start}, or None (open-ended)",
        )


def _check_bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(
            f"{field}: expected True or False, got {value!r}",
            field=field,
            value=value,
            allowed="True or False",
        )
    return value


def _check_line(agreement: Agreement, line: object, field: str = "line") -> AgreementLine:
    ln = check_type(line, AgreementLine, field)
    check_id(ln.id, f"{field}.id")
    check_type(ln.transaction_type, TransactionType, f"{field}.transaction_type")
    q = ln.quantity
    if not isinstance(q, Decimal) or not q.is_finite() or not 0 <= q <= MAX_QUANTITY:
        raise ValidationError(
            f"{field}.quantity: expected a Decimal from 0 to {MAX_QUANTITY}, got {q!r}",
            field=f"{field}.quantity",
            value=q,
            allowed=f"a finite Decimal from 0 to {MAX_QUANTITY}",
        )
    for name in ("cost_price", "sales_price"):
        price = check_type(getattr(ln, name), Money, f"{field}.{name}")
        if price.currency != agreement.currency:
            raise CurrencyMismatchError(
                f"{field}.{name}: price in {price.currency} on an agreement in "
                f"{agreement.currency} (allowed: {agreement.currency})",
                expected=str(agreement.currency),
                actual=str(price.currency),
            )
        if price.is_negative():
            raise ValidationError(
                f"{field}.{name}: a price is never negative, got {price}",
                field=f"{field}.{name}",
                value=price,
                allowed="zero or more",
            )
    check_type(ln.description, str, f"{field}.description")
    _opt_id(ln.worker_id, f"{field}.worker_id")
    if ln.service_object_id is not None:
        check_id(ln.service_object_id, f"{field}.service_object_id")
        if ln.service_object_id not in agreement.service_object_ids:
            raise BusinessRuleError(
                f"{field}.service_object_id: object {ln.service_object_id!r} has no relation "
                f"on agreement {agreement.id!r} (relations: "
                f"{', '.join(agreement.service_object_ids) or 'none'})",
                rule="A2",
                entity="agreement",
                id=agreement.id,
            )
    if ln.service_task_id is not None:
        check_id(ln.service_task_id, f"{field}.service_task_id")
        if ln.service_task_id not in agreement.service_task_ids:
            raise BusinessRuleError(
                f"{field}.service_task_id: task {ln.service_task_id!r} has no relation on "
                f"agreement {agreement.id!r} (relations: "
                f"{', '.join(agreement.service_task_ids) or 'none'})",
                rule="A2",
                entity="agreement",
                id=agreement.id,
            )
    if ln.interval is not None:
        check_type(ln.interval, Interval, f"{field}.interval", "an Interval or None")
    if ln.time_window is not None:
        _check_window(ln.time_window, f"{field}.time_window")
    if ln.time_band is not None:
        _check_band(ln.time_band, f"{field}.time_band")
    start = _opt_date(ln.start, f"{field}.start")
    end = _opt_date(ln.end, f"{field}.end")
    _opt_date(ln.generated_through, f"{field}.generated_through")
    if start is not None:
        _check_period(start, end, f"{field}.end")
    _check_bool(ln.stopped, f"{field}.stopped")
    return ln


def _check_agreement(agreement: object, field: str = "agreement") -> Agreement:
    return check_type(agreement, Agreement, field)


def _refuse(agreement: Agreement, action: str, state: str) -> InvalidTransitionError:
    return InvalidTransitionError(entity="agreement", id=agreement.id, state=state, action=action)


def _changed(agreement: Agreement, action: str, at: object, *lines: str) -> AgreementChanged:
    return AgreementChanged(
        aggregate_id=agreement.id,
        company_id=agreement.company_id,
        occurred_at=to_instant(at, "at"),
        action=action,
        line_ids=lines,
    )


# -- commands -----------------------------------------------------------------------------
def new_agreement(
    *,
    company_id: str,
    id: str,
    customer_id: str,
    group_id: str,
    currency: str | Currency,
    start: object,
    end: object = None,
    project_id: str | None = None,
    description: str = "",
    combine_by: CombineBy = CombineBy.AGREEMENT,
    sla_id: str | None = None,
    preferred_technician_id: str | None = None,
    service_manager_id: str | None = None,
    service_object_ids: Iterable[str] = (),
    service_task_ids: Iterable[str] = (),
) -> Agreement:
    """A new agreement without lines, valid from ``start`` to ``end`` (None: open-ended)."""
    first = to_date(start, "start")
    last = _opt_date(end, "end")
    _check_period(first, last, "end")
    objects = check_items(service_object_ids, str, "service_object_ids", "a list of object ids")
    tasks = check_items(service_task_ids, str, "service_task_ids", "a list of task ids")
    for value in objects:
        check_id(value, "service_object_ids")
    for value in tasks:
        check_id(value, "service_task_ids")
    return Agreement(
        company_id=check_id(company_id, "company_id"),
        id=check_id(id, "id"),
        customer_id=check_id(customer_id, "customer_id"),
        group_id=check_id(group_id, "group_id"),
        currency=Currency.of(currency),
        start=first,
        end=last,
        project_id=_opt_id(project_id, "project_id"),
        description=check_type(description, str, "description"),
        combine_by=check_type(combine_by, CombineBy, "combine_by"),
        sla_id=_opt_id(sla_id, "sla_id"),
        preferred_technician_id=_opt_id(preferred_technician_id, "preferred_technician_id"),
        service_manager_id=_opt_id(service_manager_id, "service_manager_id"),
        service_object_ids=tuple(dict.fromkeys(objects)),
        service_task_ids=tuple(dict.fromkeys(tasks)),
    )


def add_agreement_line(
    agreement: Agreement, line: AgreementLine, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Add ``line``: prices in the agreement currency, objects and tasks related (A2)."""
    _check_agreement(agreement)
    to_instant(at, "at")
    ln = _check_line(agreement, line)
    if any(existing.id == ln.id for existing in agreement.lines):
        raise ValidationError(
            f"line.id: agreement {agreement.id!r} already has a line {ln.id!r}",
            field="line.id",
            value=ln.id,
            allowed="an id not used on this agreement",
        )
    changed = evolve(agreement, lines=(*agreement.lines, ln))
    return changed, (_changed(agreement, "line_added", at, ln.id),)


def _set_flag(
    agreement: Agreement, name: str, value: bool, action: str, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    _check_agreement(agreement)
    to_instant(at, "at")
    if agreement.cancelled:
        raise _refuse(agreement, action, "cancelled")
    if getattr(agreement, name) is value:
        raise _refuse(agreement, action, name if value else f"not {name}")
    changed = (
        evolve(agreement, suspended=value)
        if name == "suspended"
        else evolve(agreement, cancelled=value)
    )
    return changed, (_changed(agreement, action, at),)


def suspend_agreement(
    agreement: Agreement, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Suspend: no order, manual or generated, comes from it until resumed (A3)."""
    return _set_flag(agreement, "suspended", True, "suspend", at)


def resume_agreement(
    agreement: Agreement, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Resume a suspended agreement."""
    return _set_flag(agreement, "suspended", False, "resume", at)


def cancel_agreement(
    agreement: Agreement, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Cancel the agreement for good: it generates nothing and reads as cancelled."""
    return _set_flag(agreement, "cancelled", True, "cancel", at)


def _set_line_flag(
    agreement: Agreement, line_id: str, stopped: bool, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    _check_agreement(agreement)
    to_instant(at, "at")
    line = agreement.line(check_id(line_id, "line_id"))
    action = "stop_line" if stopped else "restart_line"
    if line.stopped is stopped:
        raise InvalidTransitionError(
            entity="agreement line",
            id=line.id,
            state="stopped" if stopped else "running",
            action=action,
        )
    new_line = evolve(line, stopped=stopped)
    lines = tuple(new_line if ln.id == line.id else ln for ln in agreement.lines)
    return evolve(agreement, lines=lines), (_changed(agreement, action, at, line.id),)


def stop_line(
    agreement: Agreement, line_id: str, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Stop one line: it generates nothing and cannot be copied until restarted (A3)."""
    return _set_line_flag(agreement, line_id, True, at)


def restart_line(
    agreement: Agreement, line_id: str, *, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Restart a stopped line."""
    return _set_line_flag(agreement, line_id, False, at)


def make_template(
    agreement: Agreement, template_group_id: str, *, order_count: int, at: object
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Make ``agreement`` a template in ``template_group_id``; refused when it has orders
    (``order_count`` is the number of service orders of the agreement, A4)."""
    _check_agreement(agreement)
    group = check_id(template_group_id, "template_group_id")
    to_instant(at, "at")
    if isinstance(order_count, bool) or not isinstance(order_count, int) or order_count < 0:
        raise ValidationError(
            f"order_count: expected a whole number of orders, got {order_count!r}",
            field="order_count",
            value=order_count,
            allowed="0, 1, 2, ...",
        )
    if order_count:
        raise BusinessRuleError(
            f"agreement {agreement.id!r} has {order_count} service orders: an agreement "
            "with orders cannot become a template",
            rule="A4",
            entity="agreement",
            id=agreement.id,
        )
    if agreement.is_template:
        raise _refuse(agreement, "make template", "template")
    changed = evolve(agreement, template_group_id=group)
    return changed, (_changed(agreement, "made_template", at),)


def _next_ids(target: Agreement, count: int) -> list[str]:
    used = {ln.id for ln in target.lines}
    out: list[str] = []
    n = len(target.lines)
    while len(out) < count:
        n += 1
        if str(n) not in used:
            out.append(str(n))
    return out


def _pick(source: Agreement, line_ids: Iterable[str] | None, field: str) -> list[AgreementLine]:
    if line_ids is None:
        chosen = [ln for ln in source.lines if not ln.stopped]
    else:
        ids = check_items(line_ids, str, field, "a list of line ids")
        chosen = [source.line(i) for i in dict.fromkeys(ids)]
        stopped = [ln.id for ln in chosen if ln.stopped]
        if stopped:
            raise BusinessRuleError(
                f"{field}: lines {', '.join(stopped)} of {source.id!r} are stopped and "
                "cannot be copied",
                rule="A3",
                entity="agreement",
                id=source.id,
            )
    return chosen


def _copy_into(
    source: Agreement,
    target: Agreement,
    chosen: list[AgreementLine],
    with_relations: bool,
    action: str,
    at: object,
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    if target.currency != source.currency:
        raise CurrencyMismatchError(
            f"target: agreement {target.id!r} is in {target.currency}, the source "
            f"{source.id!r} in {source.currency} (allowed: {target.currency})",
            expected=str(target.currency),
            actual=str(source.currency),
        )
    objects, tasks = target.service_object_ids, target.service_task_ids
    if with_relations:
        objects = tuple(
            dict.fromkeys(
                (*objects, *(ln.service_object_id for ln in chosen if ln.service_object_id))
            )
        )
        tasks = tuple(
            dict.fromkeys((*tasks, *(ln.service_task_id for ln in chosen if ln.service_task_id)))
        )
    widened = evolve(target, service_object_ids=objects, service_task_ids=tasks)
    copies = [
        evolve(ln, id=new_id, generated_through=None)
        for ln, new_id in zip(chosen, _next_ids(target, len(chosen)), strict=True)
    ]
    for copy in copies:
        _check_line(widened, copy, "line_ids")
    changed = evolve(widened, lines=(*target.lines, *copies))
    return changed, (_changed(target, action, at, *(c.id for c in copies)),)


def copy_template_lines(
    template: Agreement,
    target: Agreement,
    *,
    at: object,
    line_ids: Iterable[str] | None = None,
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Copy lines of ``template`` (all that are not stopped, or ``line_ids``) into
    ``target``, with their object and task relations (always, A5a). The copies get new
    line ids on the target."""
    _check_agreement(template, "template")
    _check_agreement(target, "target")
    to_instant(at, "at")
    if not template.is_template:
        raise BusinessRuleError(
            f"template: agreement {template.id!r} is not a template",
            rule="A5",
            entity="agreement",
            id=template.id,
        )
    chosen = _pick(template, line_ids, "line_ids")
    return _copy_into(template, target, chosen, True, "template_lines_copied", at)


def copy_agreement_lines(
    source: Agreement,
    target: Agreement,
    *,
    at: object,
    line_ids: Iterable[str] | None = None,
    with_relations: bool = False,
) -> tuple[Agreement, tuple[DomainEvent, ...]]:
    """Copy lines of another agreement into ``target``; with ``with_relations`` their object
    and task relations are appended to the target's (A5b), otherwise the target must
    already relate every object and task the copies reference."""
    _check_agreement(source, "source")
    _check_agreement(target, "target")
    to_instant(at, "at")
    _check_bool(with_relations, "with_relations")
    if source.id == target.id:
        raise ValidationError(
            "target: lines are copied from another agreement",
            field="target",
            value=target.id,
            allowed="an agreement other than the source",
        )
    chosen = _pick(source, line_ids, "line_ids")
    return _copy_into(source, target, chosen, with_relations, "agreement_lines_copied", at)


def _state(
    start: pendulum.Date,
    end: pendulum.Date | None,
    day: pendulum.Date,
    soon: int,
    cancelled: bool,
    renewed: bool,
) -> AgreementState:
    if cancelled:
        return AgreementState.CANCELLED
    if day < start:
        return AgreementState.UPCOMING
    if end is None:
        return AgreementState.IN_PROGRESS
    if day > end:
        return AgreementState.CLOSED if renewed else AgreementState.TO_RENEW
    if (end - day).in_days() < soon:
        return AgreementState.ENDING_SOON
    return AgreementState.IN_PROGRESS


def _check_soon(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3660:
        raise ValidationError(
            f"ending_soon_days: expected 0..3660 days, got {value!r}",
            field="ending_soon_days",
            value=value,
            allowed="a whole number of days from 0 to 3660",
        )
    return value


def agreement_state(
    agreement: Agreement, on: object, *, ending_soon_days: int = ENDING_SOON_DAYS
) -> AgreementState:
    """The state of ``agreement`` on the date ``on``.

    Cancelled wins; before the start it is upcoming; after the end it is to renew, or
    closed once renewed; in the last ``ending_soon_days`` days of its term it is ending
    soon; otherwise (and always when open-ended) in progress.
    """
    _check_agreement(agreement)
    day = to_date(on, "on")
    soon = _check_soon(ending_soon_days)
    return _state(
        agreement.start,
        agreement.end,
        day,
        soon,
        agreement.cancelled,
        agreement.renewed_by is not None,
    )


def line_state(
    agreement: Agreement, line_id: str, on: object, *, ending_soon_days: int = ENDING_SOON_DAYS
) -> AgreementState:
    """The state of one line on ``on``: as :func:`agreement_state` over the line's own
    validity (clipped to the agreement's); a stopped line reads as cancelled."""
    _check_agreement(agreement)
    line = agreement.line(check_id(line_id, "line_id"))
    day = to_date(on, "on")
    soon = _check_soon(ending_soon_days)
    start = max(agreement.start, line.start) if line.start else agreement.start
    ends = [e for e in (agreement.end, line.end) if e is not None]
    end = min(ends) if ends else None
    return _state(
        start,
        end,
        day,
        soon,
        agreement.cancelled or line.stopped,
        agreement.renewed_by is not None,
    )


def renew_agreement(
    agreement: Agreement, *, new_id: str, at: object, end: object = None
) -> tuple[Agreement, Agreement, tuple[DomainEvent, ...]]:
    """Renew into a new term with the same lines: the new agreement ``new_id`` starts the
    day after the old one ends and runs as long (the same number of months when the term
    is whole months, else of days), or until ``end``. Returns the old
    agreement (marked renewed), the new one and the events."""
    _check_agreement(agreement)
    check_id(new_id, "new_id")
    when = to_instant(at, "at")
    if agreement.end is None:
        raise BusinessRuleError(
            f"agreement {agreement.id!r} is open-ended: there is no term to renew",
            rule="renew-needs-end",
            entity="agreement",
            id=agreement.id,
        )
    if agreement.renewed_by is not None:
        raise _refuse(agreement, "renew", f"renewed by {agreement.renewed_by}")
    if agreement.cancelled or agreement.is_template:
        raise _refuse(agreement, "renew", "cancelled" if agreement.cancelled else "template")
    if new_id == agreement.id:
        raise ValidationError(
            "new_id: the renewal is a new agreement",
            field="new_id",
            value=new_id,
            allowed="an id other than the renewed agreement's",
        )
    start = agreement.end.add(days=1)
    if end is None:
        months = (start.year - agreement.start.year) * 12 + start.month - agreement.start.month
        if months > 0 and agreement.start.add(months=months) == start:  # whole months
            last = start.add(months=months).subtract(days=1)
        else:
            last = start.add(days=(agreement.end - agreement.start).in_days())
    else:
        last = to_date(end, "end")
    _check_period(start, last, "end")
    lines = tuple(
        evolve(ln, start=None, end=None, generated_through=None)
        for ln in agreement.lines
        if not ln.stopped
    )
    new = evolve(
        agreement,
        id=new_id,
        start=start,
        end=last,
        lines=lines,
        suspended=False,
        renewal_of=agreement.id,
        renewed_by=None,
        version=0,
    )
    old = evolve(agreement, renewed_by=new_id)
    event = AgreementRenewed(
        aggregate_id=agreement.id,
        company_id=agreement.company_id,
        occurred_at=when,
        new_agreement_id=new_id,
        new_start=start,
    )
    return old, new, (event,)
