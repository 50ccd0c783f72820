"""The agreement aggregate, its lines, groups and templates, their events and repositories."""

from __future__ import annotations

import datetime as _dt
import enum
from decimal import Decimal

import pendulum
from attrs import frozen

from servicecore.agreements.plan import TimeBand, TransactionType
from servicecore.clock import to_date
from servicecore.errors import (
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
    "TimeWindow",
    "WindowKind",
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
