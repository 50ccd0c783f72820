"""Business calendars stored by id, in versions effective from a date.

A host keeps its calendars once, as :class:`StoredCalendar` aggregates, and refers to them
by id (an SLA's ``calendar="se-desk"``): a holiday added to the stored calendar later
reaches every SLA that refers to it, because the reference is resolved each time a use
case needs the calendar (:func:`resolve_calendar`: the unit of work first, then a
fallback such as the plugin facade's ``hooks.calendar``).

A stored calendar holds one or more :class:`CalendarVersion` s: a
:class:`~servicecore.calendars.BusinessCalendar` in effect from a date on (local dates of
the calendar's time zone). Its :attr:`StoredCalendar.calendar` is the one calendar that
counts every date on the weekly hours of the version in effect that date (the first
version also covers the dates before it). Versions share one time zone and one set of
holiday rules; their explicit holidays, closures and openings are dated, so all of them
apply.

>>> import datetime as dt
>>> import pendulum
>>> from servicecore.calendars import BusinessCalendar, StoredCalendar
>>> early = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(16))])
>>> late = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(10), dt.time(18))])
>>> desk = StoredCalendar.create("ACME", "se-desk", early, effective_from=dt.date(2024, 1, 1))
>>> desk, _events = add_calendar_version(
...     desk, dt.date(2024, 6, 1), late, at=pendulum.datetime(2024, 5, 1, tz="UTC"))
>>> friday = pendulum.datetime(2024, 5, 31, 15, tz="Europe/Stockholm")
>>> desk.calendar.add_business_time(friday, dt.timedelta(hours=2))  # Monday opens at 10
DateTime(2024, 6, 3, 11, 0, 0, tzinfo=Timezone('Europe/Stockholm'))
>>> desk.as_of(dt.date(2024, 5, 31)) == early
True
"""

from __future__ import annotations

import datetime as _dt
import itertools
from bisect import bisect_right
from collections.abc import Callable, Iterable

import pendulum
from attrs import evolve, field, frozen

from servicecore.calendars.calendar import BusinessCalendar
from servicecore.clock import Clock, read_clock, to_date, to_instant
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

__all__ = [
    "CALENDARS",
    "CalendarHolidayAdded",
    "CalendarRef",
    "CalendarRepository",
    "CalendarVersion",
    "CalendarVersionAdded",
    "StoredCalendar",
    "StoredCalendarCreated",
    "add_calendar_holiday",
    "add_calendar_version",
    "add_stored_calendar_holiday",
    "add_stored_calendar_version",
    "create_stored_calendar",
    "resolve_calendar",
]

CalendarSource = Callable[[str], BusinessCalendar]
"""Where a calendar id not stored is looked up, e.g. ``hooks.calendar`` (plugins)."""


@frozen
class CalendarRef:
    """A reference to a business calendar by id: a :class:`StoredCalendar` of the company,
    or one a plugin supplies (``servicecore_calendars``).

    An SLA given ``calendar=CalendarRef("se-desk")`` counts on that calendar as it stands
    whenever a use case resolves it (:func:`resolve_calendar`).
    """

    calendar_id: str = field(validator=lambda _i, _a, v: check_id(v, "calendar_id"))


def _effective_from(value: object) -> pendulum.Date:
    return to_date(value, "effective_from")


def _version_calendar(_instance: object, _attribute: object, value: BusinessCalendar) -> None:
    check_type(value, BusinessCalendar, "calendar", "a BusinessCalendar")
    if value.weekly_changes:
        raise ValidationError(
            "a calendar version must not carry weekly_changes of its own: add a version "
            "per change instead",
            field="calendar",
            value=value,
            allowed="a BusinessCalendar without weekly_changes",
        )


@frozen(kw_only=True)
class CalendarVersion:
    """A calendar in effect from ``effective_from`` (a local date) on."""

    effective_from: pendulum.Date = field(converter=_effective_from)
    calendar: BusinessCalendar = field(validator=_version_calendar)


def _convert_versions(value: object) -> tuple[CalendarVersion, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            f"versions must be a list of CalendarVersion, not {value!r}",
            field="versions",
            value=value,
            allowed="[CalendarVersion(effective_from=date, calendar=BusinessCalendar), ...]",
        )
    items = list(value)
    for item in items:
        check_type(item, CalendarVersion, "versions", "CalendarVersion values")
    if not items:
        raise ValidationError(
            "a stored calendar needs at least one version",
            field="versions",
            value=value,
            allowed="one CalendarVersion or more",
        )
    items.sort(key=lambda v: v.effective_from)
    first = items[0].calendar
    for previous, item in itertools.pairwise(items):
        if item.effective_from == previous.effective_from:
            raise ValidationError(
                f"two calendar versions take effect on {item.effective_from}",
                field="versions",
                value=value,
                allowed="one version per effective date",
            )
    for item in items[1:]:
        if item.calendar.timezone != first.timezone:
            raise ValidationError(
                f"the version from {item.effective_from} is in {item.calendar.timezone!r}, "
                f"the calendar in {first.timezone!r}",
                field="versions",
                value=value,
                allowed=f"versions in one time zone ({first.timezone})",
            )
        if item.calendar.holiday_rules != first.holiday_rules:
            raise ValidationError(
                f"the version from {item.effective_from} has the holiday rules "
                f"{item.calendar.holiday_rules!r}, the calendar {first.holiday_rules!r}",
                field="versions",
                value=value,
                allowed=f"versions with the same holiday rules ({first.holiday_rules!r})",
            )
    return tuple(items)


@frozen(kw_only=True)
class StoredCalendar:
    """A business calendar stored by id (aggregate), in versions effective from a date.

    See the module documentation for how the versions combine.
    """

    company_id: str = field(validator=lambda _i, _a, v: check_id(v, "company_id"))
    id: str = field(validator=lambda _i, _a, v: check_id(v, "id"))
    versions: tuple[CalendarVersion, ...] = field(converter=_convert_versions)
    version: int = 0

    @classmethod
    def create(
        cls,
        company_id: str,
        calendar_id: str,
        calendar: BusinessCalendar,
        *,
        effective_from: _dt.date,
    ) -> StoredCalendar:
        """A stored calendar of one version."""
        return cls(
            company_id=company_id,
            id=calendar_id,
            versions=(CalendarVersion(effective_from=effective_from, calendar=calendar),),
        )

    @property
    def calendar(self) -> BusinessCalendar:
        """The calendar of every date: each version's weekly hours from its date on, the
        holidays, closures and openings of all versions (named after the id)."""
        first = self.versions[0].calendar
        return BusinessCalendar(
            timezone=first.timezone,
            weekly=first.weekly,
            weekly_changes=[(v.effective_from, v.calendar.weekly) for v in self.versions[1:]],
            holidays=[d for v in self.versions for d in v.calendar.holidays],
            holiday_rules=first.holiday_rules,
            closures=[r for v in self.versions for r in v.calendar.closures],
            openings=[r for v in self.versions for r in v.calendar.openings],
            name=self.id,
        )

    def as_of(self, date: _dt.date) -> BusinessCalendar:
        """The version's calendar in effect on ``date`` (the first one before it)."""
        day = to_date(date, "date")
        k = bisect_right([v.effective_from for v in self.versions], day) - 1
        return self.versions[max(k, 0)].calendar


# -- events ------------------------------------------------------------------------------------
@frozen(kw_only=True)
class StoredCalendarCreated(DomainEvent):
    calendar_id: str


@frozen(kw_only=True)
class CalendarVersionAdded(DomainEvent):
    calendar_id: str
    effective_from: pendulum.Date


@frozen(kw_only=True)
class CalendarHolidayAdded(DomainEvent):
    calendar_id: str
    date: pendulum.Date


# -- commands ------------------------------------------------------------------------------------
def add_calendar_version(
    stored: StoredCalendar,
    effective_from: _dt.date,
    calendar: BusinessCalendar,
    *,
    at: _dt.datetime,
) -> tuple[StoredCalendar, tuple[DomainEvent, ...]]:
    """``calendar`` in effect from ``effective_from`` on; it replaces a version of that date.

    Same time zone and holiday rules as the other versions (``ValidationError``).
    """
    when = to_instant(at, "at")
    check_type(stored, StoredCalendar, "stored")
    new = CalendarVersion(effective_from=effective_from, calendar=calendar)
    if new in stored.versions:
        return stored, ()  # the same version again: nothing changes
    kept = [v for v in stored.versions if v.effective_from != new.effective_from]
    changed = evolve(stored, versions=(*kept, new))
    event = CalendarVersionAdded(
        aggregate_id=stored.id,
        company_id=stored.company_id,
        occurred_at=when,
        calendar_id=stored.id,
        effective_from=new.effective_from,
    )
    return changed, (event,)


def add_calendar_holiday(
    stored: StoredCalendar, date: _dt.date, *, at: _dt.datetime
) -> tuple[StoredCalendar, tuple[DomainEvent, ...]]:
    """Close ``date`` (a local date): it joins the holidays of the version in effect then.

    A date that is a holiday already changes nothing (no event).
    """
    when = to_instant(at, "at")
    check_type(stored, StoredCalendar, "stored")
    day = to_date(date, "date")
    if any(day in v.calendar.holidays for v in stored.versions):
        return stored, ()
    k = max(bisect_right([v.effective_from for v in stored.versions], day) - 1, 0)
    target = stored.versions[k]
    closed = evolve(target.calendar, holidays=(*target.calendar.holidays, day))
    versions = list(stored.versions)
    versions[k] = evolve(target, calendar=closed)
    event = CalendarHolidayAdded(
        aggregate_id=stored.id,
        company_id=stored.company_id,
        occurred_at=when,
        calendar_id=stored.id,
        date=day,
    )
    return evolve(stored, versions=versions), (event,)


# -- storage -------------------------------------------------------------------------------------
class CalendarRepository(Repository[StoredCalendar]):
    """Stored business calendars, by id."""

    def list_in_zone(self, timezone: str) -> list[StoredCalendar]:
        """The calendars whose time zone is ``timezone`` (an IANA name), ordered by id."""
        return self.find("timezone", check_id(timezone, "timezone"))


CALENDARS: AggregateType[StoredCalendar, CalendarRepository] = AggregateType(
    kind="calendar",
    cls=StoredCalendar,
    repository=CalendarRepository,
    indexes=(Index("timezone", lambda c: (c.versions[0].calendar.timezone,)),),
)
"""Stored business calendars: ``uow[CALENDARS]``."""


# -- use cases -----------------------------------------------------------------------------------
def create_stored_calendar(
    uow: UnitOfWork,
    calendar_id: str,
    calendar: BusinessCalendar,
    *,
    effective_from: _dt.date,
    clock: Clock,
) -> StoredCalendar:
    """Use case: store ``calendar`` under ``calendar_id`` as its first version (records
    ``StoredCalendarCreated``; ``AlreadyExistsError`` at commit if the id is taken)."""
    now = read_clock(clock)
    stored = StoredCalendar.create(
        uow.company_id,
        check_id(calendar_id, "calendar_id"),
        calendar,
        effective_from=effective_from,
    )
    uow[CALENDARS].add(stored)
    uow.record(
        [
            StoredCalendarCreated(
                aggregate_id=stored.id,
                company_id=stored.company_id,
                occurred_at=now,
                calendar_id=stored.id,
            )
        ]
    )
    return stored


def add_stored_calendar_version(
    uow: UnitOfWork,
    calendar_id: str,
    effective_from: _dt.date,
    calendar: BusinessCalendar,
    *,
    clock: Clock,
) -> StoredCalendar:
    """Use case: :func:`add_calendar_version` on the stored calendar ``calendar_id``, now."""
    now = read_clock(clock)
    check_id(calendar_id, "calendar_id")
    check_type(calendar, BusinessCalendar, "calendar", "a BusinessCalendar")
    day = to_date(effective_from, "effective_from")
    return run_command(
        uow, CALENDARS, calendar_id, lambda c: add_calendar_version(c, day, calendar, at=now)
    )


def add_stored_calendar_holiday(
    uow: UnitOfWork, calendar_id: str, date: _dt.date, *, clock: Clock
) -> StoredCalendar:
    """Use case: :func:`add_calendar_holiday` on the stored calendar ``calendar_id``, now.

    Every SLA that refers to the calendar counts with the holiday from then on.
    """
    now = read_clock(clock)
    check_id(calendar_id, "calendar_id")
    day = to_date(date, "date")
    current = uow[CALENDARS].get(calendar_id)
    if any(day in v.calendar.holidays for v in current.versions):
        return current  # nothing to change, nothing to save
    return run_command(uow, CALENDARS, calendar_id, lambda c: add_calendar_holiday(c, day, at=now))


def resolve_calendar(
    uow: UnitOfWork, calendar_id: str, fallback: CalendarSource | None = None
) -> BusinessCalendar:
    """The business calendar ``calendar_id`` refers to, as it stands now.

    The stored calendar of the unit of work's company comes first; an id not stored is
    asked of ``fallback`` (``hooks.calendar`` reads the plugins' ``servicecore_calendars``).
    ``NotFoundError`` when neither knows it.
    """
    check_id(calendar_id, "calendar_id")
    if fallback is not None and not callable(fallback):
        raise ValidationError(
            f"fallback must be a function of a calendar id, not {fallback!r}",
            field="fallback",
            value=fallback,
            allowed="None or a callable (calendar id) -> BusinessCalendar, e.g. hooks.calendar",
        )
    try:
        return uow[CALENDARS].get(calendar_id).calendar
    except NotFoundError:
        if fallback is None:
            raise NotFoundError(
                f"no stored calendar {calendar_id!r} (and no fallback to ask: pass "
                "calendars=hooks.calendar to look in the plugins' calendars)",
                entity="calendar",
                id=calendar_id,
            ) from None
    found = fallback(calendar_id)
    if not isinstance(found, BusinessCalendar):
        raise ValidationError(
            f"the fallback gave {found!r} for the calendar {calendar_id!r}",
            field="fallback",
            value=found,
            allowed="a BusinessCalendar",
        )
    return found
