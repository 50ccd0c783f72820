"""A priority change re-measures the time already used against the new priority's target,
on that target's unit and calendar (as Dynamics 365 re-evaluates the SLA item): switching
from business hours to calendar hours can breach at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
from attrs import evolve

from servicecore.calendars import BusinessCalendar
from servicecore.sla import (
    ClockKind,
    ClockRules,
    ClockState,
    PriorityChange,
    ServiceLevelAgreement,
    SlaBreached,
    SlaClock,
    SlaWarningReached,
    Target,
)


def _at(year: int, month: int, day: int, hour: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz="Europe/Stockholm")


OFFICE = BusinessCalendar.weekdays(
    "Europe/Stockholm", [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))]
)
SLA = ServiceLevelAgreement(
    company_id="ACME",
    id="STD",
    name="Standard",
    calendar=OFFICE,
    targets={
        "normal": (Target.business_hours(4), Target.business_hours(16)),
        "urgent": (Target.calendar_hours(1), Target.calendar_hours(4)),
    },
    response=ClockRules(fulfil_statuses=["done"]),
    resolution=ClockRules(pause_statuses=["waiting"], fulfil_statuses=["done"]),
    warning_thresholds=[75],
)


def _clock() -> SlaClock:
    # Friday 2024-06-07 16:00, priority normal: 16 business hours to resolve.
    return SlaClock.start(
        SLA,
        ClockKind.RESOLUTION,
        subject_id="SO-7",
        at=_at(2024, 6, 7, 16),
        priority="normal",
        status="new",
    )


def test_before_the_change_only_business_time_counts() -> None:
    status = _clock().status_at(_at(2024, 6, 10, 9))
    # Fri 16-17 and Mon 08-09: 2 business hours of 16; 14 left from Mon 09:00 end Tue 16:00.
    assert status.state is ClockState.RUNNING
    assert status.used == dt.timedelta(hours=2)
    assert status.allowed == dt.timedelta(hours=16)
    assert status.due_at == _at(2024, 6, 11, 16)
    assert status.compliance == Decimal("12.50")


def test_switch_to_calendar_hours_remeasures_used_time_and_breaches_at_once() -> None:
    clock, events = _clock().record(PriorityChange(_at(2024, 6, 10, 9), "urgent"))
    status = clock.status_at(_at(2024, 6, 10, 9))
    # Re-measured on 24x7 from the start: Fri 16:00 -> Mon 09:00 = 8 + 48 + 9 = 65 hours,
    # against the urgent target of 4 calendar hours, due Fri 20:00; 65 / 4 = 1625 %.
    assert status.state is ClockState.BREACHED
    assert status.used == dt.timedelta(hours=65)
    assert status.allowed == dt.timedelta(hours=4)
    assert status.remaining == dt.timedelta(0)
    assert status.due_at == _at(2024, 6, 7, 20)
    assert status.compliance == Decimal("1625.00")
    # The warning and the breach are raised by the change itself, stamped with its instant.
    assert [type(e) for e in events] == [SlaWarningReached, SlaBreached]
    assert all(e.occurred_at == _at(2024, 6, 10, 9) for e in events)
    breach = events[1]
    assert isinstance(breach, SlaBreached)
    assert breach.due_at == _at(2024, 6, 7, 20)
    # The audit segments keep which priority ran when.
    assert [(s.priority, s.start, s.end) for s in status.segments] == [
        ("normal", _at(2024, 6, 7, 16), _at(2024, 6, 10, 9)),
        ("urgent", _at(2024, 6, 10, 9), None),
    ]


def test_the_past_is_not_rewritten() -> None:
    clock, _ = _clock().record(PriorityChange(_at(2024, 6, 10, 9), "urgent"))
    # Asked about Saturday noon, before the change, the clock still answers for "normal":
    # 1 business hour used (Fri 16-17), not 20 calendar hours.
    saturday = clock.status_at(_at(2024, 6, 8, 12))
    assert saturday.used == dt.timedelta(hours=1)
    assert saturday.allowed == dt.timedelta(hours=16)
    assert saturday.state is ClockState.RUNNING


def test_switch_back_to_business_hours_remeasures_on_the_calendar_again() -> None:
    clock, _ = _clock().replay(
        [
            PriorityChange(_at(2024, 6, 10, 9), "urgent"),
            PriorityChange(_at(2024, 6, 10, 10), "normal"),
        ]
    )
    status = clock.status_at(_at(2024, 6, 10, 10))
    # Fri 16-17 and Mon 08-10 on the office calendar: 3 business hours of 16, no breach.
    # 13 left from Mon 10:00: Mon 10-12, 13-17 (6), Tue 08-12 (10), 13-16 (13): Tue 16:00,
    # the due instant it had before the detour through "urgent".
    assert status.used == dt.timedelta(hours=3)
    assert status.state is ClockState.RUNNING
    assert status.due_at == _at(2024, 6, 11, 16)


def test_a_priority_change_at_the_instant_the_clock_stops_counts() -> None:
    # Issue 15 item 9: "urgent" and "done" at the same instant. The change breaches (65
    # calendar hours used of 4), so the fulfilment is late; state, events and credit agree,
    # exactly as for the same history one microsecond apart.
    from servicecore.money import Money
    from servicecore.sla import ServiceCreditPolicy, SlaFulfilled, StatusChange

    sla = evolve(SLA, credit_policy=ServiceCreditPolicy(fixed=Money.of("50", "SEK")))

    def run(gap: dt.timedelta) -> tuple[SlaClock, tuple[object, ...]]:
        start = SlaClock.start(
            sla,
            ClockKind.RESOLUTION,
            subject_id="SO-7",
            at=_at(2024, 6, 7, 16),
            priority="normal",
            status="new",
        )
        return start.replay(
            [
                PriorityChange(_at(2024, 6, 10, 9), "urgent"),
                StatusChange(_at(2024, 6, 10, 9) + gap, "done", reason="late"),
            ]
        )

    for gap in (dt.timedelta(0), dt.timedelta(microseconds=1)):
        clock, events = run(gap)
        assert [type(e) for e in events] == [SlaWarningReached, SlaBreached, SlaFulfilled]
        assert not events[2].on_time  # type: ignore[attr-defined]
        status = clock.status_at(_at(2024, 6, 11))
        assert status.state is ClockState.BREACHED
        assert status.allowed == dt.timedelta(hours=4)
        credit = clock.service_credit(_at(2024, 6, 11))
        assert credit is not None
        assert credit.amount == Money.of("50", "SEK")
        assert credit.breached_at == _at(2024, 6, 7, 20)
