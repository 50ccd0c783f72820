"""Workers, dispatch teams and bookings of order lines, with their repositories.

A :class:`Booking` books one service order line to a worker and a time slot. Its status
follows :data:`BOOKING_LIFECYCLE`: undispatched -> dispatched -> in progress -> done, and
any status before done may be cancelled.
"""

from __future__ import annotations

import enum

import pendulum
from attrs import field, frozen

from servicecore.calendars import BusinessCalendar
from servicecore.clock import to_instant
from servicecore.errors import ValidationError
from servicecore.events import DomainEvent
from servicecore.lifecycle import Lifecycle
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    check_id,
    check_int,
    check_items,
    check_type,
    index_key,
)

__all__ = [
    "BOOKINGS",
    "BOOKING_LIFECYCLE",
    "DISPATCH_TEAMS",
    "WORKERS",
    "Booking",
    "BookingChanged",
    "BookingRepository",
    "BookingStatus",
    "DispatchTeam",
    "DispatchTeamRepository",
    "Priority",
    "SkillLevel",
    "Worker",
    "WorkerRepository",
]


def _id(value: object) -> str:
    return check_id(value, "id")


def _opt_id(value: object) -> str | None:
    return None if value is None else check_id(value, "id")


def _company(value: object) -> str:
    return check_id(value, "company_id")


def _name(value: object) -> str:
    return check_id(value, "name")


def _owner(value: object) -> str:
    return check_id(value, "owner_id")


def _order_id(value: object) -> str:
    return check_id(value, "order_id")


def _line_id(value: object) -> str:
    return check_id(value, "line_id")


def _skill(value: object) -> str:
    return check_id(value, "skill")


def _level(value: object) -> int:
    return check_int(value, "level", minimum=0, maximum=10)


def _duration(value: object) -> int:
    return check_int(value, "duration_minutes", minimum=1, maximum=99_999)


def _description(value: object) -> str:
    return check_type(value, str, "description")


def _opt_instant(value: object) -> pendulum.DateTime | None:
    return None if value is None else to_instant(value, "instant")


@frozen(kw_only=True)
class SkillLevel:
    """A skill and a level (0..10): a worker's actual level, or a line's required level."""

    skill: str = field(converter=_skill)
    level: int = field(default=1, converter=_level)


def _skills(value: object) -> tuple[SkillLevel, ...]:
    if not isinstance(value, (tuple, list)) or not all(isinstance(s, SkillLevel) for s in value):
        raise ValidationError(
            f"skills must be a tuple of SkillLevel, not {value!r}",
            field="skills",
            value=value,
            allowed="a tuple of SkillLevel, one per skill",
        )
    names = [s.skill for s in value]
    if len(set(names)) != len(names):
        raise ValidationError(
            f"skills: a skill is listed twice in {names}",
            field="skills",
            value=names,
            allowed="each skill once",
        )
    return tuple(sorted(value, key=lambda s: s.skill))


def _calendar(value: object) -> BusinessCalendar:
    if not isinstance(value, BusinessCalendar):
        raise ValidationError(
            f"calendar must be a BusinessCalendar, not {value!r}",
            field="calendar",
            value=value,
            allowed="a servicecore.calendars.BusinessCalendar (the worker's working time)",
        )
    return value


@frozen(kw_only=True)
class Worker:
    """A technician or consultant: working time, skills, dispatch team and territory."""

    company_id: str = field(converter=_company)
    id: str = field(converter=_id)
    name: str = field(converter=_name)
    calendar: BusinessCalendar = field(converter=_calendar)
    skills: tuple[SkillLevel, ...] = field(default=(), converter=_skills)
    team_id: str | None = field(default=None, converter=_opt_id)
    territory: str | None = field(default=None, converter=_opt_id)
    version: int = 0

    def level(self, skill: str) -> int | None:
        """The worker's level in ``skill``, or ``None`` without it."""
        check_id(skill, "skill")
        for s in self.skills:
            if s.skill == skill:
                return s.level
        return None

    def missing_skills(self, required: tuple[SkillLevel, ...]) -> tuple[str, ...]:
        """The required skills this worker lacks or has below the required level."""
        required = check_items(required, SkillLevel, "required", "a tuple of SkillLevel")
        out = []
        for need in required:
            have = self.level(need.skill)
            if have is None or have < need.level:
                out.append(need.skill)
        return tuple(out)


@frozen(kw_only=True)
class DispatchTeam:
    """A dispatch team and its owner (an employee: a worker id or a user id)."""

    company_id: str = field(converter=_company)
    id: str = field(converter=_id)
    description: str = field(default="", converter=_description)
    owner_id: str = field(converter=_owner)
    version: int = 0


class BookingStatus(enum.Enum):
    """Status of a booking."""

    UNDISPATCHED = "undispatched"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


BOOKING_LIFECYCLE = Lifecycle.define(
    "booking",
    BookingStatus,
    initial=BookingStatus.UNDISPATCHED,
    final=[BookingStatus.DONE, BookingStatus.CANCELLED],
    transitions=[
        (BookingStatus.UNDISPATCHED, "dispatch", BookingStatus.DISPATCHED),
        (BookingStatus.DISPATCHED, "start", BookingStatus.IN_PROGRESS),
        (BookingStatus.IN_PROGRESS, "complete", BookingStatus.DONE),
        (BookingStatus.UNDISPATCHED, "cancel", BookingStatus.CANCELLED),
        (BookingStatus.DISPATCHED, "cancel", BookingStatus.CANCELLED),
        (BookingStatus.IN_PROGRESS, "cancel", BookingStatus.CANCELLED),
    ],
)
"""undispatched -dispatch-> dispatched -start-> in progress -complete-> done; cancel before."""


class Priority(enum.Enum):
    """Booking priority (D365: High, Normal, Low); ``rank`` sorts High first."""

    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 0, "normal": 1, "low": 2}[self.value]


def _status(value: object) -> BookingStatus:
    if not isinstance(value, BookingStatus):
        raise ValidationError(
            f"status must be a BookingStatus, not {value!r}",
            field="status",
            value=value,
            allowed=", ".join(s.value for s in BookingStatus),
        )
    return value


def _priority(value: object) -> Priority:
    if not isinstance(value, Priority):
        raise ValidationError(
            f"priority must be a Priority, not {value!r}",
            field="priority",
            value=value,
            allowed=", ".join(p.value for p in Priority),
        )
    return value


def _codes(value: object) -> tuple[str, ...]:
    if not isinstance(value, (tuple, list, frozenset, set)) or not all(
        isinstance(c, str) for c in value
    ):
        raise ValidationError(
            f"accepted_warnings must be warning codes, not {value!r}",
            field="accepted_warnings",
            value=value,
            allowed="a tuple of warning codes such as 'outside-working-time'",
        )
    return tuple(sorted(set(value)))


@frozen(kw_only=True)
class Booking:
    """One order line booked (or waiting to be booked) to a worker and a slot ``[start, end)``.

    ``duration`` is the work the line needs (the slot's length once scheduled);
    ``required_skills``, ``territory``, ``preferred_worker_id`` and ``sla_due`` come from the
    order and its SLA and are what the board checks and the ranking scores.
    """

    company_id: str = field(converter=_company)
    id: str = field(converter=_id)
    order_id: str = field(converter=_order_id)
    line_id: str = field(converter=_line_id)
    duration_minutes: int = field(default=60, converter=_duration)
    worker_id: str | None = field(default=None, converter=_opt_id)
    start: pendulum.DateTime | None = field(default=None, converter=_opt_instant)
    end: pendulum.DateTime | None = field(default=None, converter=_opt_instant)
    status: BookingStatus = field(default=BookingStatus.UNDISPATCHED, converter=_status)
    priority: Priority = field(default=Priority.NORMAL, converter=_priority)
    required_skills: tuple[SkillLevel, ...] = field(default=(), converter=_skills)
    territory: str | None = field(default=None, converter=_opt_id)
    preferred_worker_id: str | None = field(default=None, converter=_opt_id)
    sla_due: pendulum.DateTime | None = field(default=None, converter=_opt_instant)
    accepted_warnings: tuple[str, ...] = field(default=(), converter=_codes)
    version: int = 0

    def __attrs_post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValidationError(
                "start/end: a slot has both a start and an end, or neither",
                field="end",
                value=(self.start, self.end),
                allowed="both instants or both None",
            )
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError(
                f"end: the slot ends at {self.end} which is not after its start {self.start}",
                field="end",
                value=self.end,
                allowed="an end after the start",
            )

    @property
    def is_open(self) -> bool:
        """Not done and not cancelled: it still occupies its worker's time."""
        return self.status not in (BookingStatus.DONE, BookingStatus.CANCELLED)


@frozen(kw_only=True)
class BookingChanged(DomainEvent):
    """A booking was created or changed (``action``: book, assign, dispatch, start...)."""

    action: str
    worker_id: str | None
    start: pendulum.DateTime | None
    end: pendulum.DateTime | None
    status: BookingStatus
    priority: Priority


class WorkerRepository(Repository[Worker]):
    """:class:`Worker` aggregates with a team finder."""

    def list_in_team(self, team_id: str) -> list[Worker]:
        """Workers of one dispatch team."""
        return self.find("team", check_id(team_id, "team_id"))


class DispatchTeamRepository(Repository[DispatchTeam]):
    """:class:`DispatchTeam` aggregates with an owner finder."""

    def list_owned_by(self, owner_id: str) -> list[DispatchTeam]:
        """Teams owned by ``owner_id``."""
        return self.find("owner", check_id(owner_id, "owner_id"))


class BookingRepository(Repository[Booking]):
    """:class:`Booking` aggregates with worker, line and status finders."""

    def list_for_worker(self, worker_id: str) -> list[Booking]:
        """Bookings assigned to one worker (any status)."""
        return self.find("worker", check_id(worker_id, "worker_id"))

    def list_for_line(self, order_id: str, line_id: str) -> list[Booking]:
        """Bookings of one order line (any status)."""
        key = index_key(check_id(order_id, "order_id"), check_id(line_id, "line_id"))
        return self.find("line", key)

    def list_for_order(self, order_id: str) -> list[Booking]:
        """Bookings of the lines of one order."""
        return self.find("order", check_id(order_id, "order_id"))

    def list_in_status(self, status: BookingStatus) -> list[Booking]:
        """Bookings in ``status``."""
        return self.find("status", _status(status).value)


WORKERS: AggregateType[Worker, WorkerRepository] = AggregateType(
    kind="dispatch_worker",
    cls=Worker,
    repository=WorkerRepository,
    indexes=(Index("team", lambda w: (w.team_id,) if w.team_id else ()),),
)
"""Workers in storage: ``uow[WORKERS]``."""

DISPATCH_TEAMS: AggregateType[DispatchTeam, DispatchTeamRepository] = AggregateType(
    kind="dispatch_team",
    cls=DispatchTeam,
    repository=DispatchTeamRepository,
    indexes=(Index("owner", lambda t: (t.owner_id,)),),
)
"""Dispatch teams in storage: ``uow[DISPATCH_TEAMS]``."""

BOOKINGS: AggregateType[Booking, BookingRepository] = AggregateType(
    kind="dispatch_booking",
    cls=Booking,
    repository=BookingRepository,
    indexes=(
        Index("worker", lambda b: (b.worker_id,) if b.worker_id else ()),
        Index("line", lambda b: (index_key(b.order_id, b.line_id),)),
        Index("order", lambda b: (b.order_id,)),
        Index("status", lambda b: (b.status.value,)),
    ),
)
"""Bookings in storage: ``uow[BOOKINGS]``."""
