"""SLA clocks as stored aggregates: record a change, get each resulting event exactly once.

An :class:`~servicecore.sla.SlaClock` is a value replayed from an order's status history.
Hosts should not have to store that history, replay it and de-duplicate events
themselves: a :class:`StoredSlaClock` keeps the clock (its segments, and the ids of the
events it already emitted) in the unit of work's storage, so

* :func:`start_sla_clocks` starts the response and resolution clocks of a subject (a
  service order) from a stored SLA;
* :func:`record_sla_change` applies a status or priority change to every clock of the
  subject, saves them and records the events that change produced: never one already
  emitted, even after a reload in another process (event ids are deterministic and the
  emitted ones are stored with the clock);
* :func:`scan_sla_breaches` advances the running clocks to now (a scheduler's job) and
  records the warnings and breaches crossed since, once each.

An SLA may refer to its calendar by id (``calendar="se-desk"``). The clocks keep the
reference, and each of these use cases resolves it when it runs: the stored calendar of
the unit of work (:data:`~servicecore.calendars.CALENDARS`) first, then ``calendars``
(e.g. ``hooks.calendar``, the plugins' calendars). A holiday added to a stored calendar
therefore moves the deadlines of every clock counting on it from the next use case on.

>>> import datetime as dt
>>> from servicecore.clock import FixedClock
>>> from servicecore.sla import SLAS, ClockKind, ServiceLevelAgreement, StatusChange, Target
>>> from servicecore.storage.memory import InMemoryStore
>>> published = []
>>> store = InMemoryStore(publish=published.extend)
>>> gold = ServiceLevelAgreement(company_id="ACME", id="GOLD", name="Gold",
...     targets={"high": (Target.calendar_hours(1), Target.calendar_hours(4))})
>>> clock = FixedClock(dt.datetime(2024, 6, 3, 9, tzinfo=dt.UTC))
>>> with store.unit_of_work("ACME") as uow:
...     uow[SLAS].add(gold)
...     _ = start_sla_clocks(uow, "GOLD", subject_id="SO-1", priority="high",
...                          status="new", clock=clock)
...     uow.commit()
>>> clock.set(dt.datetime(2024, 6, 3, 14, tzinfo=dt.UTC))
>>> with store.unit_of_work("ACME") as uow:  # five hours later: both targets missed
...     events = scan_sla_breaches(uow, clock=clock)
...     uow.commit()
>>> sorted(e.kind.value for e in events if type(e).__name__ == "SlaBreached")
['resolution', 'response']
>>> with store.unit_of_work("ACME") as uow:  # scanning again: nothing new
...     scan_sla_breaches(uow, clock=clock)
()
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pendulum
from attrs import evolve, frozen

from servicecore.calendars import BusinessCalendar, resolve_calendar
from servicecore.clock import Clock, read_clock
from servicecore.errors import NotFoundError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import (
    AggregateType,
    Index,
    Repository,
    UnitOfWork,
    check_id,
    check_items,
    index_key,
)
from servicecore.sla import SLAS, ClockKind, PriorityChange, SlaClock, StatusChange

__all__ = [
    "SLA_CLOCKS",
    "SlaClockRepository",
    "SlaClockStarted",
    "StoredSlaClock",
    "record_sla_change",
    "scan_sla_breaches",
    "sla_clock_id",
    "start_sla_clocks",
]


def sla_clock_id(subject_id: str, kind: ClockKind) -> str:
    """The id of the ``kind`` clock of ``subject_id`` (unambiguous for any ids)."""
    check_id(subject_id, "subject_id")
    if not isinstance(kind, ClockKind):
        raise ValidationError(
            f"kind must be a ClockKind, not {kind!r}",
            field="kind",
            value=kind,
            allowed=", ".join(k.name for k in ClockKind),
        )
    return index_key(subject_id, kind.value)


@frozen(kw_only=True)
class StoredSlaClock:
    """One SLA clock of one subject, as stored: the clock value and the aggregate's version."""

    company_id: str
    id: str
    clock: SlaClock
    version: int = 0

    @property
    def subject_id(self) -> str:
        return self.clock.subject_id

    @property
    def running(self) -> bool:
        """Whether the clock can still emit events (not fulfilled, not cancelled)."""
        return self.clock.outcome is None


class SlaClockRepository(Repository[StoredSlaClock]):
    """Stored SLA clocks."""

    def list_for_subject(self, subject_id: str) -> list[StoredSlaClock]:
        """The clocks of one subject (an order), response before resolution."""
        return self.find("subject", index_key(check_id(subject_id, "subject_id")))

    def list_running(self) -> list[StoredSlaClock]:
        """Clocks not yet fulfilled or cancelled: the ones a breach scan advances."""
        return self.find("running", "running")


SLA_CLOCKS: AggregateType[StoredSlaClock, SlaClockRepository] = AggregateType(
    kind="sla_clock",
    cls=StoredSlaClock,
    repository=SlaClockRepository,
    indexes=(
        Index("subject", lambda c: (index_key(c.clock.subject_id),)),
        Index("running", lambda c: ("running",) if c.clock.outcome is None else ()),
    ),
)


CalendarSource = Callable[[str], BusinessCalendar]


def _resolver(uow: UnitOfWork, calendars: CalendarSource | None) -> CalendarSource:
    """Calendar ids to calendars as they stand now, each resolved once per use case."""
    if calendars is not None and not callable(calendars):
        raise ValidationError(
            f"calendars must be a function of a calendar id, not {calendars!r}",
            field="calendars",
            value=calendars,
            allowed="None or a callable (calendar id) -> BusinessCalendar, e.g. hooks.calendar",
        )
    found: dict[str, BusinessCalendar] = {}

    def resolve(calendar_id: str) -> BusinessCalendar:
        calendar = found.get(calendar_id)
        if calendar is None:
            calendar = found[calendar_id] = resolve_calendar(uow, calendar_id, calendars)
        return calendar

    return resolve


@frozen(kw_only=True)
class SlaClockStarted(DomainEvent):
    """A subject's SLA clock started (``aggregate_id`` is the subject, e.g. the order)."""

    sla_id: str
    kind: ClockKind
    due_at: pendulum.DateTime | None


def start_sla_clocks(
    uow: UnitOfWork,
    sla_id: str,
    *,
    subject_id: str,
    priority: str,
    status: str,
    clock: Clock,
    kinds: Iterable[ClockKind] = (ClockKind.RESPONSE, ClockKind.RESOLUTION),
    calendars: CalendarSource | None = None,
) -> tuple[StoredSlaClock, ...]:
    """Start and store the clocks of ``subject_id`` under the stored SLA ``sla_id``, now.

    ``AlreadyExistsError`` at commit if the subject's clocks were started already. An SLA
    that refers to its calendar by id has it resolved (stored calendars, then
    ``calendars``); ``NotFoundError`` when neither knows it.
    """
    sla = uow[SLAS].get(check_id(sla_id, "sla_id"))
    kinds = check_items(kinds, ClockKind, "kinds")
    now = read_clock(clock)
    counted = sla.with_calendar(_resolver(uow, calendars))
    started = []
    events: list[DomainEvent] = []
    for kind in kinds:
        value = SlaClock.start(
            counted, kind, subject_id=subject_id, at=now, priority=priority, status=status
        )
        stored = StoredSlaClock(
            company_id=sla.company_id,
            id=sla_clock_id(subject_id, kind),
            clock=evolve(value, sla=sla),  # the SLA as stored: its calendar reference kept
        )
        started.append(stored)
        events.append(
            SlaClockStarted(
                aggregate_id=subject_id,
                company_id=sla.company_id,
                occurred_at=now,
                sla_id=sla.id,
                kind=kind,
                due_at=value.status_at(now).due_at,
            )
        )
    for stored in started:
        uow[SLA_CLOCKS].add(stored)
    uow.record(events)
    return tuple(started)


def record_sla_change(
    uow: UnitOfWork,
    subject_id: str,
    change: StatusChange | PriorityChange,
    *,
    calendars: CalendarSource | None = None,
) -> tuple[DomainEvent, ...]:
    """Apply ``change`` (at its own instant) to every clock of ``subject_id``, save them, and
    record the events it produced on the unit of work; return them.

    ``NotFoundError`` when the subject has no stored clock. Changes must come in time
    order per subject (see :meth:`SlaClock.record`).
    """
    if not isinstance(change, StatusChange | PriorityChange):
        raise ValidationError(
            f"change must be a StatusChange or PriorityChange, not {change!r}",
            field="change",
            value=change,
            allowed="StatusChange(at, status) or PriorityChange(at, priority)",
        )
    resolve = _resolver(uow, calendars)
    stored = uow[SLA_CLOCKS].list_for_subject(subject_id)
    if not stored:
        raise NotFoundError(entity="sla clock", id=subject_id)
    produced: list[DomainEvent] = []
    changed = []
    for item in stored:  # check every clock before saving any
        value, events = item.clock.with_calendar(resolve).record(change)
        changed.append((item, evolve(value, sla=item.clock.sla)))
        produced.extend(events)
    for item, value in changed:
        if value != item.clock:
            uow[SLA_CLOCKS].save(evolve(item, clock=value))
    uow.record(produced)
    return tuple(produced)


def scan_sla_breaches(
    uow: UnitOfWork,
    *,
    clock: Clock,
    subject_ids: Iterable[str] | None = None,
    calendars: CalendarSource | None = None,
) -> tuple[DomainEvent, ...]:
    """Advance the running clocks (of ``subject_ids``, or all) to now: save those that moved
    and record the warnings and breaches crossed since the last scan or change, each
    exactly once. Calendar references are resolved as they stand now (see the module)."""
    now: pendulum.DateTime = read_clock(clock)
    resolve = _resolver(uow, calendars)
    if subject_ids is None:
        running = uow[SLA_CLOCKS].list_running()
    else:
        subjects = check_items(subject_ids, str, "subject_ids", "a list of subject ids")
        repo = uow[SLA_CLOCKS]
        running = [c for s in subjects for c in repo.list_for_subject(s) if c.running]
    produced: list[DomainEvent] = []
    for item in running:
        value, events = item.clock.with_calendar(resolve).advance(now)
        if events:
            uow[SLA_CLOCKS].save(evolve(item, clock=evolve(value, sla=item.clock.sla)))
            produced.extend(events)
    uow.record(produced)
    return tuple(produced)
