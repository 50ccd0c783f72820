"""SLA clocks replayed from a status history: changes, segments, status, events."""

from __future__ import annotations

import datetime as _dt
import enum
import math
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pendulum
from attrs import evolve, field, frozen

from servicecore.calendars import BusinessCalendar, CalendarRef
from servicecore.clock import to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.ports import (
    check_id,
    check_iterable,
)
from servicecore.sla._units import _NS, _td, _us
from servicecore.sla.agreement import ServiceLevelAgreement
from servicecore.sla.targets import ClockKind, ServiceCredit, Target

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

    Changes must come in time order (equal instants are fine), and none may be dated
    before the last :meth:`advance` (``advanced_to``): its warnings and breach are already
    out, and a change before them would make the clock differ from a replay of its own
    history. Changes after the clock stopped (fulfilled or cancelled) are accepted and
    ignored, so a whole order history can be replayed into both clocks.

    ``advanced_to`` is bookkeeping of the scheduler's polls: it takes no part in equality,
    so a clock fed and polled incrementally equals a replay of the same history.
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
    advanced_to: pendulum.DateTime | None = field(default=None, eq=False)

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
        if self.advanced_to is not None and at < self.advanced_to:
            raise ValidationError(
                f"the clock was advanced to {self.advanced_to.isoformat()} and its events up "
                f"to then are out: a change dated {at.isoformat()} comes too late",
                field="at",
                value=at,
                allowed=f"an instant at or after {self.advanced_to.isoformat()}",
            )
        clock, events = self._advance(at)
        if isinstance(change, PriorityChange):
            if change.priority == clock.priority:
                return clock, events
            clock.sla.target(change.priority, clock.kind)
            clock = clock._close(at, status=clock.status, priority=change.priority)
            more_clock, more = clock._advance(at, paused_too=True)
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
        deterministic id, whether it comes from here or from a later :meth:`record`. From
        then on :meth:`record` refuses changes dated before ``at``.
        """
        when = to_instant(at, "at")
        if self.outcome is not None:
            return self, ()
        if when < self.since or (self.advanced_to is not None and when <= self.advanced_to):
            return self, ()
        clock, events = self._advance(when)
        return evolve(clock, advanced_to=when), events

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
        # The priority in effect at ``when``: the clock's own from its last change on (a
        # priority change at the very instant the clock stopped leaves no segment of its
        # own), else that of the segment ``when`` falls in.
        priority = self.priority if when >= self.since or not segments else segments[-1].priority
        allowed = self._allowed(priority)
        used = self._used(segments, when, priority)
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
        target = self._target(priority)
        calendar = self.sla.calendar
        if isinstance(calendar, CalendarRef):
            if not target.is_business:
                return target.measured_on(None)
            raise BusinessRuleError(
                f"SLA {self.sla.id!r} refers to the calendar {calendar.calendar_id!r}, which "
                "this clock cannot count on until it is resolved: use the stored clocks' use cases "
                "(servicecore.sla_clocks), or SlaClock.with_calendar(resolve)",
                rule="sla-calendar-resolved",
                entity="sla",
                id=self.sla.id,
            )
        return target.measured_on(calendar)

    def with_calendar(self, resolve: Callable[[str], BusinessCalendar]) -> SlaClock:
        """This clock with its SLA's calendar reference resolved (see
        :meth:`ServiceLevelAgreement.with_calendar`)."""
        return evolve(self, sla=self.sla.with_calendar(resolve))

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

    def _used(
        self, segments: Sequence[Segment], at: pendulum.DateTime, priority: str | None = None
    ) -> int:
        if priority is None:
            priority = segments[-1].priority if segments else None
        calendar = self._calendar(priority)
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
        """The instant at which ``amount`` of time was (or will be) used, if ever.

        ``amount`` is positive: an allowance is at least a second (targets are checked when
        built) and a warning threshold above 0 % of it needs at least a microsecond.
        """
        calendar = self._calendar(priority)
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

    def _advance(
        self, at: pendulum.DateTime, *, paused_too: bool = False
    ) -> tuple[SlaClock, tuple[DomainEvent, ...]]:
        # A paused clock uses no time, so polling it finds nothing new; only a priority change
        # (``paused_too``) can carry it past its allowance while paused.
        if self.outcome is not None or not (paused_too or self._running()):
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
        if due is None:  # paused short of the allowance: no due instant, nothing crossed yet
            return self, ()
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
