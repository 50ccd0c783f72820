"""Invariants of SLA clocks: chunking independence, pauses, warning before breach."""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from servicecore.calendars import ALWAYS_OPEN
from servicecore.events import DomainEvent
from servicecore.serialization import structure, unstructure
from servicecore.sla import (
    ClockKind,
    ClockState,
    PriorityChange,
    ServiceLevelAgreement,
    SlaBreached,
    SlaClock,
    SlaWarningReached,
    StatusChange,
)
from servicecore.testing.strategies import (
    SLA_STATUSES,
    service_level_agreements,
    status_histories,
)

Change: TypeAlias = StatusChange | PriorityChange
START = pendulum.datetime(2024, 3, 25, 9, 17, tz="Europe/Stockholm")


def _start(sla: ServiceLevelAgreement, kind: ClockKind, priority: str = "high") -> SlaClock:
    return SlaClock.start(sla, kind, subject_id="SO-1", at=START, priority=priority, status="new")


kinds = st.sampled_from(list(ClockKind))


@given(service_level_agreements(), kinds, status_histories(START), st.data())
def test_replay_is_independent_of_chunking(
    sla: ServiceLevelAgreement, kind: ClockKind, history: list[Change], data: st.DataObject
) -> None:
    whole, whole_events = _start(sla, kind).replay(history)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(history)), max_size=4)))
    clock = _start(sla, kind)
    events: list[DomainEvent] = []
    previous = 0
    for cut in [*cuts, len(history)]:
        clock, new = clock.replay(history[previous:cut])
        events.extend(new)
        previous = cut
        poll: bool = data.draw(st.booleans())
        if history[:cut] and poll:  # a scheduler polling in between
            clock, polled = clock.advance(history[cut - 1].at)
            events.extend(polled)
    assert clock == whole
    assert tuple(events) == whole_events
    probe = START + dt.timedelta(hours=data.draw(st.integers(0, 24 * 30)))
    assert clock.status_at(probe) == whole.status_at(probe)


@given(service_level_agreements(), kinds, status_histories(START))
def test_warning_comes_before_breach(
    sla: ServiceLevelAgreement, kind: ClockKind, history: list[Change]
) -> None:
    clock, events = _start(sla, kind).replay(history)
    clock, more = clock.advance(START + dt.timedelta(days=120))
    events += more
    breaches = [e for e in events if isinstance(e, SlaBreached)]
    warnings = [e for e in events if isinstance(e, SlaWarningReached)]
    assert len(breaches) <= 1
    if breaches:
        breach_index = events.index(breaches[0])
        assert warnings
        for w in warnings:
            assert events.index(w) < breach_index
            assert w.occurred_at <= breaches[0].occurred_at
    for e in events:
        assert e.occurred_at >= START


@given(service_level_agreements(), st.integers(0, 200), st.integers(1, 200), st.data())
def test_pause_never_extends_the_deadline_by_more_than_its_business_overlap(
    sla: ServiceLevelAgreement, begin_h: int, length_h: int, data: st.DataObject
) -> None:
    clock = _start(sla, ClockKind.RESOLUTION)
    pause_at = START + dt.timedelta(hours=begin_h, minutes=data.draw(st.integers(0, 59)))
    resume_at = pause_at + dt.timedelta(hours=length_h)
    plain = clock.status_at(START).due_at
    paused, _ = clock.replay(
        [StatusChange(pause_at, "waiting", "r"), StatusChange(resume_at, "work", "r")]
    )
    later = paused.status_at(resume_at)
    assert plain is not None
    assert later.due_at is not None
    if plain <= pause_at:  # a pause after the deadline never moves it
        assert later.due_at == plain
        return
    # Before the deadline: it moves later by exactly the business time the pause overlaps
    # (so never by more), not by the wall-clock length of the pause.
    calendar = sla.target("high", ClockKind.RESOLUTION).measured_on(sla.calendar)
    overlap = calendar.business_time_between(pause_at, resume_at)
    assert later.due_at >= plain
    assert calendar.business_time_between(plain, later.due_at) == overlap


@given(service_level_agreements(), kinds, status_histories(START), st.integers(1, 24 * 60))
def test_used_never_decreases_under_one_priority_and_compliance_matches(
    sla: ServiceLevelAgreement, kind: ClockKind, history: list[Change], hours: int
) -> None:
    clock, _ = _start(sla, kind).replay(history)
    before = clock.status_at(START + dt.timedelta(hours=hours // 2))
    after = clock.status_at(START + dt.timedelta(hours=hours))
    # A priority change re-measures the time used on the new target's unit (docs/sla.md),
    # so a switch from calendar hours to business hours may lower it; without one in
    # between, the same target measures both instants and time used only grows.
    if not any(isinstance(c, PriorityChange) and before.at < c.at <= after.at for c in history):
        assert before.used <= after.used
    assert after.used <= ALWAYS_OPEN.business_time_between(START, after.at)
    assert (after.compliance > 100) == (after.state is ClockState.BREACHED) or (
        after.state is ClockState.CANCELLED
    )


@given(service_level_agreements(), kinds, status_histories(START), st.data())
def test_advancing_at_any_point_between_changes_equals_a_full_replay(
    sla: ServiceLevelAgreement, kind: ClockKind, history: list[Change], data: st.DataObject
) -> None:
    """A scheduler polls at arbitrary instants up to the next change (issue 15 item 2):
    the state and the events are those of a replay of the whole history."""
    whole, whole_events = _start(sla, kind).replay(history)
    clock = _start(sla, kind)
    events: list[DomainEvent] = []
    previous = START
    for change in history:
        if data.draw(st.booleans()):
            gap = int((change.at - previous).total_seconds())
            poll = previous + dt.timedelta(seconds=data.draw(st.integers(0, gap)))
            clock, polled = clock.advance(poll)
            events.extend(polled)
        clock, new = clock.record(change)
        events.extend(new)
        previous = change.at
    assert clock == whole
    assert {e.event_id: e for e in events} == {e.event_id: e for e in whole_events}
    assert len(events) == len(whole_events)
    probe = START + dt.timedelta(hours=data.draw(st.integers(0, 24 * 30)))
    assert clock.status_at(probe) == whole.status_at(probe)


@given(service_level_agreements())
def test_slas_round_trip_through_the_converter(sla: ServiceLevelAgreement) -> None:
    assert structure(unstructure(sla), ServiceLevelAgreement) == sla


class ClockMachine(RuleBasedStateMachine):
    """Feed changes one at a time; the clock always equals a replay from scratch."""

    def __init__(self) -> None:
        super().__init__()
        self.sla: ServiceLevelAgreement | None = None
        self.clock: SlaClock | None = None
        self.history: list[StatusChange] = []
        self.at = START

    @rule(sla=service_level_agreements(with_calendar=False), kind=kinds)
    def begin(self, sla: ServiceLevelAgreement, kind: ClockKind) -> None:
        if self.clock is None:
            self.sla, self.clock = sla, _start(sla, kind)

    @rule(minutes=st.integers(0, 3000), status=st.sampled_from(SLA_STATUSES))
    def change(self, minutes: int, status: str) -> None:
        if self.clock is None:
            return
        self.at = self.at + dt.timedelta(minutes=minutes)
        change = StatusChange(self.at, status, "late")
        self.history.append(change)
        self.clock, _ = self.clock.record(change)

    @invariant()
    def equals_replay_from_scratch(self) -> None:
        if self.clock is None or self.sla is None:
            return
        fresh, _ = _start(self.sla, self.clock.kind).replay(self.history)
        assert fresh == self.clock
        status = self.clock.status_at(self.at)
        assert status.used + status.remaining >= status.allowed


TestClockMachine = ClockMachine.TestCase
TestClockMachine.settings = settings(max_examples=25, stateful_step_count=15, deadline=None)
