"""SLA definitions, clocks, events, credits and selection: one test per rule.

Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from attrs import evolve

from servicecore.calendars import ALWAYS_OPEN, BusinessCalendar, CalendarRef
from servicecore.errors import BusinessRuleError, NotFoundError, ValidationError
from servicecore.money import Money
from servicecore.sla import (
    SLAS,
    ClockKind,
    ClockRules,
    ClockState,
    PriorityChange,
    ServiceCreditPolicy,
    ServiceLevelAgreement,
    SlaBreached,
    SlaCancelled,
    SlaClock,
    SlaFulfilled,
    SlaResumed,
    SlaSelectionContext,
    SlaSuspended,
    SlaWarningReached,
    StatusChange,
    Target,
    TargetUnit,
    applicable_sla_ids,
    resume_sla,
    select_sla,
    suspend_sla,
)
from servicecore.storage.memory import InMemoryStore

Z = "Europe/Stockholm"
T = dt.time
H = dt.timedelta(hours=1)
OFFICE = BusinessCalendar.weekdays(Z, [(T(8), T(12)), (T(13), T(17))])  # 8 h days


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=Z)


def gold(**changes: object) -> ServiceLevelAgreement:
    sla = ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        calendar=OFFICE,
        targets={
            "high": (Target.business_hours(4), Target.business_hours(16)),
            "low": (Target.business_days(2), Target.business_days(10)),
        },
        response=ClockRules(pause_statuses=["on_hold"], fulfil_statuses=["responded", "done"]),
        resolution=ClockRules(pause_statuses=["waiting", "on_hold"], fulfil_statuses=["done"]),
        cancel_statuses=["cancelled"],
    )
    return evolve(sla, **changes)  # type: ignore[arg-type]


def resolution(
    sla: ServiceLevelAgreement | None = None,
    start: pendulum.DateTime | None = None,
    priority: str = "high",
) -> SlaClock:
    return SlaClock.start(
        sla or gold(),
        ClockKind.RESOLUTION,
        subject_id="SO-1",
        at=start or at(2024, 6, 3, 9),  # Monday
        priority=priority,
        status="new",
    )


# -- targets and units ------------------------------------------------------------------------
def test_order_on_saturday_starts_monday_at_opening() -> None:
    clock = SlaClock.start(
        gold(),
        ClockKind.RESPONSE,
        subject_id="SO-1",
        at=at(2024, 6, 8, 10),
        priority="high",
        status="new",
    )
    status = clock.status_at(at(2024, 6, 9, 12))  # Sunday: nothing used yet
    assert status.used == dt.timedelta(0)
    assert status.state is ClockState.RUNNING
    # 4 business hours from Monday 08:00: 08-12.
    assert status.due_at == at(2024, 6, 10, 12)


def test_ten_business_days_on_an_eight_hour_calendar_are_80_hours() -> None:
    clock = resolution(priority="low")
    status = clock.status_at(at(2024, 6, 3, 9))
    assert status.allowed == 80 * H  # not 10 x 24 = 240 h: the unit says business days
    # Monday 09:00 + 10 business days (National Day Thursday 6 June is not a holiday
    # on this calendar) = Monday 17 June 09:00.
    assert status.due_at == at(2024, 6, 17, 9)
    ten_days = Target.calendar_days(10).allowance(OFFICE, at(2024, 6, 3, 9))
    assert ten_days == 240 * H


def test_calendar_units_count_elapsed_time() -> None:
    sla = gold(targets={"high": (Target.calendar_hours(4), Target.calendar_hours(30))})
    clock = resolution(sla, start=at(2024, 6, 7, 16))  # Friday 16:00
    assert clock.status_at(at(2024, 6, 7, 16)).due_at == at(2024, 6, 8, 22)


def test_24x7_when_no_calendar() -> None:
    clock = resolution(gold(calendar=None), start=at(2024, 6, 8, 10))
    assert clock.status_at(at(2024, 6, 8, 10)).due_at == at(2024, 6, 9, 2)


def test_target_validation() -> None:
    with pytest.raises(ValidationError, match="floats"):
        Target(1.5, TargetUnit.BUSINESS_HOURS)
    with pytest.raises(ValidationError, match="positive"):
        Target.business_hours(0)
    with pytest.raises(ValidationError, match="whole"):
        Target("1.5", TargetUnit.BUSINESS_DAYS)
    with pytest.raises(ValidationError, match="target unit"):
        Target(1, "fortnights")
    with pytest.raises(ValidationError, match="number"):
        Target("abc", TargetUnit.BUSINESS_HOURS)
    assert Target("1.5", "business_hours").unit is TargetUnit.BUSINESS_HOURS
    assert Target.business_hours("1.5").allowance(OFFICE, at(2024, 6, 3)) == 90 * dt.timedelta(
        minutes=1
    )


def test_sla_validation() -> None:
    with pytest.raises(ValidationError, match="name"):
        gold(name=" ")
    with pytest.raises(ValidationError, match="at least one priority"):
        gold(targets={})
    with pytest.raises(ValidationError, match="pair"):
        gold(targets={"high": Target.business_hours(1)})
    with pytest.raises(ValidationError, match="map priorities"):
        gold(targets="high")
    with pytest.raises(ValidationError, match="Target or None"):
        gold(targets={"high": (4, None)})
    with pytest.raises(ValidationError, match="both pause and fulfil"):
        ClockRules(pause_statuses=["x"], fulfil_statuses=["x"])
    with pytest.raises(ValidationError, match="collection of status"):
        ClockRules(pause_statuses="waiting")
    with pytest.raises(ValidationError, match="below 100"):
        gold(warning_thresholds=[100])
    # A plain id refers to a stored or plugin calendar, as CalendarRef does (issue 17 item 1).
    assert gold(calendar="office").calendar == CalendarRef("office")
    assert gold(calendar="office").calendar_id == "office"
    with pytest.raises(ValidationError, match="calendar_id"):
        gold(calendar=" office")
    with pytest.raises(ValidationError, match="BusinessCalendar, a calendar id"):
        gold(calendar=8)
    with pytest.raises(ValidationError, match="ClockRules"):
        gold(response="x")
    with pytest.raises(ValidationError, match="no resolution target"):
        gold().target("urgent", ClockKind.RESOLUTION)
    only_response = gold(targets={"p": (Target.business_hours(1), None)})
    with pytest.raises(ValidationError, match="no resolution target"):
        resolution(only_response, priority="p")


def test_priority_targets_accepts_target_objects() -> None:
    from servicecore.sla import PriorityTargets

    sla = gold(targets={"x": PriorityTargets("ignored", Target.business_hours(2))})
    assert sla.target("x", ClockKind.RESPONSE) == Target.business_hours(2)
    assert gold(warning_thresholds=80).warning_thresholds == (Decimal(80),)


def test_targets_name_each_priority_once() -> None:
    from servicecore.sla import PriorityTargets

    twice = [
        PriorityTargets("high", Target.business_hours(2)),
        PriorityTargets("high", Target.business_hours(4)),
    ]
    with pytest.raises(ValidationError, match="a priority twice") as raised:
        gold(targets=twice)
    assert raised.value.field == "targets"


def test_business_targets_cannot_count_on_an_unresolved_calendar_reference() -> None:
    ref = CalendarRef("office")
    for business in (Target.business_hours(4), Target.business_days(2)):
        with pytest.raises(BusinessRuleError) as raised:
            business.measured_on(ref)
        assert raised.value.rule == "sla-calendar-resolved"
        assert "'office'" in str(raised.value)
    # Calendar units never need the calendar: they count on 24x7 whatever it is.
    assert Target.calendar_hours(4).measured_on(ref) is ALWAYS_OPEN
    assert Target.business_hours(4).measured_on(OFFICE) is OFFICE


def test_resolving_a_calendar_reference_must_give_a_calendar() -> None:
    sla = gold(calendar="office")
    assert sla.with_calendar(lambda _id: OFFICE).calendar is OFFICE
    assert gold().with_calendar(lambda _id: OFFICE) == gold()  # an embedded calendar stays
    for resolve, given in ((lambda _id: "office", "office"), ("office", "office")):
        with pytest.raises(ValidationError) as raised:
            sla.with_calendar(resolve)  # type: ignore[arg-type]
        assert raised.value.field == "resolve"
        assert raised.value.value == given
    assert sla.calendar == CalendarRef("office")  # nothing changed


# -- the clock -------------------------------------------------------------------------------
def test_pause_counts_only_business_time_it_overlaps() -> None:
    # 16 business hours from Monday 09:00. Running 09-15 uses 5 h (lunch excluded);
    # waiting from Monday 15:00 to Tuesday 10:00 overlaps 2 + 2 = 4 business hours;
    # 11 h remain from Tuesday 10:00: Tue 10-12, 13-17 (6), Wed 08-12 (4), 13-14 (1).
    clock, _ = resolution().replay(
        [StatusChange(at(2024, 6, 3, 15), "waiting"), StatusChange(at(2024, 6, 4, 10), "work")]
    )
    assert clock.status_at(at(2024, 6, 4, 10)).due_at == at(2024, 6, 5, 14)
    # Without the pause the due instant was Wednesday 09:00: moved by exactly 4 business h.
    assert resolution().status_at(at(2024, 6, 3, 9)).due_at == at(2024, 6, 5, 9)
    paused = clock.status_at(at(2024, 6, 3, 20))
    assert paused.state is ClockState.PAUSED
    assert paused.due_at is None
    assert paused.used == 5 * H


def test_pause_outside_business_hours_changes_nothing() -> None:
    clock, _ = resolution().replay(
        [StatusChange(at(2024, 6, 3, 18), "waiting"), StatusChange(at(2024, 6, 4, 7), "work")]
    )
    assert clock.status_at(at(2024, 6, 4, 8)).due_at == at(2024, 6, 5, 9)


def test_waiting_pauses_resolution_but_not_response() -> None:
    sla = gold()
    response = SlaClock.start(
        sla,
        ClockKind.RESPONSE,
        subject_id="SO-1",
        at=at(2024, 6, 3, 9),
        priority="high",
        status="new",
    )
    history = [StatusChange(at(2024, 6, 3, 10), "waiting")]
    response, _ = response.replay(history)
    res, _ = resolution(sla).replay(history)
    assert response.status_at(at(2024, 6, 3, 11)).state is ClockState.RUNNING
    assert res.status_at(at(2024, 6, 3, 11)).state is ClockState.PAUSED


def test_states_warning_breach_met_and_compliance() -> None:
    clock = resolution()
    # 16 h allowed; 75 % = 12 h. Monday 09-12 and 13-17 give 7 h, Tuesday 08-12 brings
    # 11 h, so 12 h are reached at Tuesday 14:00; 15 h at Tuesday 17:00; 16 h Wed 09:00.
    assert clock.status_at(at(2024, 6, 4, 13, 59)).state is ClockState.RUNNING
    warning = clock.status_at(at(2024, 6, 4, 14))
    assert warning.state is ClockState.WARNING
    assert warning.compliance == Decimal("75.00")
    assert warning.remaining == 4 * H
    due = clock.status_at(at(2024, 6, 5, 9))
    assert due.state is ClockState.WARNING  # exactly 100 % is not a breach
    assert due.compliance == Decimal("100.00")
    late = clock.status_at(at(2024, 6, 5, 10))
    assert late.state is ClockState.BREACHED
    assert late.compliance == Decimal("106.25")
    assert late.remaining == dt.timedelta(0)
    assert late.due_at == at(2024, 6, 5, 9)
    done, _ = clock.record(StatusChange(at(2024, 6, 4, 16), "done"))
    assert done.status_at(at(2024, 6, 10)).state is ClockState.MET
    assert done.status_at(at(2024, 6, 4, 14)).state is ClockState.WARNING  # history


def test_events_when_crossing_warning_and_breach_with_reason() -> None:
    clock, events = resolution(gold(breach_reason_required=True)).replay(
        [StatusChange(at(2024, 6, 5, 10), "done", reason="parts arrived late")]
    )
    kinds = [type(e) for e in events]
    assert kinds == [SlaWarningReached, SlaBreached, SlaFulfilled]
    warning, breach, fulfilled = events
    assert warning.occurred_at == at(2024, 6, 4, 14)
    assert breach.occurred_at == at(2024, 6, 5, 9)
    assert isinstance(fulfilled, SlaFulfilled)
    assert not fulfilled.on_time
    assert fulfilled.reason == "parts arrived late"
    assert all(e.aggregate_id == "SO-1" and e.company_id == "ACME" for e in events)
    assert clock.status_at(at(2024, 6, 6)).state is ClockState.BREACHED


def test_breach_requires_a_reason_when_the_sla_says_so() -> None:
    clock = resolution(gold(breach_reason_required=True))
    with pytest.raises(BusinessRuleError, match="breach reason"):
        clock.record(StatusChange(at(2024, 6, 5, 10), "done"))
    with pytest.raises(BusinessRuleError, match="breach reason"):
        clock.record(StatusChange(at(2024, 6, 5, 10), "waiting"))
    # In time, no reason is needed; without the flag neither.
    assert clock.record(StatusChange(at(2024, 6, 4, 10), "done"))[0].outcome is not None
    assert resolution().record(StatusChange(at(2024, 6, 5, 10), "done"))[0].outcome is not None


def test_advance_emits_each_event_once_with_real_instants() -> None:
    clock = resolution()
    clock, first = clock.advance(at(2024, 6, 4, 14))
    assert [type(e) for e in first] == [SlaWarningReached]
    clock, second = clock.advance(at(2024, 6, 6))
    assert [type(e) for e in second] == [SlaBreached]
    clock, third = clock.replay([StatusChange(at(2024, 6, 6, 1), "work")])
    assert third == ()
    assert clock.advance(at(2024, 6, 1)) == (clock, ())
    _replayed, events = resolution().replay([StatusChange(at(2024, 6, 6, 1), "work")])
    assert events == first + second  # same ids: deterministic


def test_a_change_dated_before_the_last_advance_is_refused() -> None:
    # Issue 15 item 2: advance(16:30 on Wednesday) has emitted the warning and the breach;
    # a status change dated 11:00 that morning would contradict them, so it is refused.
    clock, events = resolution().advance(at(2024, 6, 5, 16, 30))
    assert [type(e) for e in events] == [SlaWarningReached, SlaBreached]
    assert clock.advanced_to == at(2024, 6, 5, 16, 30)
    with pytest.raises(ValidationError, match="advanced to") as caught:
        clock.record(StatusChange(at(2024, 6, 5, 11), "waiting"))
    assert caught.value.field == "at"
    assert clock.status_at(at(2024, 6, 5, 17)).state is ClockState.BREACHED
    # At or after the advance the change is taken, and the clock equals a replay.
    later, more = clock.record(StatusChange(at(2024, 6, 5, 16, 30), "waiting"))
    assert more == ()
    replayed, _ = resolution().replay([StatusChange(at(2024, 6, 5, 16, 30), "waiting")])
    assert later == replayed
    assert later.status_at(at(2024, 6, 6)) == replayed.status_at(at(2024, 6, 6))
    # An earlier poll changes nothing and does not move the horizon back.
    assert clock.advance(at(2024, 6, 5, 12)) == (clock, ())
    assert clock.advance(at(2024, 6, 5, 12))[0].advanced_to == at(2024, 6, 5, 16, 30)


def test_cancel_and_changes_after_stop_are_ignored() -> None:
    clock, events = resolution().replay(
        [StatusChange(at(2024, 6, 3, 10), "cancelled", reason="customer withdrew")]
    )
    assert isinstance(events[-1], SlaCancelled)
    assert clock.status_at(at(2024, 6, 10)).state is ClockState.CANCELLED
    again, more = clock.record(StatusChange(at(2024, 6, 4), "work"))
    assert again is clock
    assert more == ()


def test_start_in_a_fulfilling_status_is_met_at_once() -> None:
    clock = SlaClock.start(
        gold(),
        ClockKind.RESPONSE,
        subject_id="SO-1",
        at=at(2024, 6, 3, 9),
        priority="high",
        status="responded",
    )
    assert clock.status_at(at(2024, 6, 3, 9)).state is ClockState.MET


def test_priority_change_switches_the_allowance() -> None:
    # high: 16 business hours; low: 10 business days (80 h) from the clock's start.
    clock, events = resolution().replay([PriorityChange(at(2024, 6, 3, 10), "low")])
    assert events == ()
    assert clock.status_at(at(2024, 6, 3, 10)).allowed == 80 * H
    assert clock.status_at(at(2024, 6, 3, 9, 30)).allowed == 16 * H  # history
    _same, none = clock.record(PriorityChange(at(2024, 6, 3, 11), "low"))
    assert none == ()
    back, events = clock.record(PriorityChange(at(2024, 6, 5, 10), "high"))
    # Back to 16 h when 17 h were used: breached at once, warning first.
    assert [type(e) for e in events] == [SlaWarningReached, SlaBreached]
    assert back.status_at(at(2024, 6, 5, 10)).state is ClockState.BREACHED


def test_clock_input_errors() -> None:
    clock = resolution()
    with pytest.raises(ValidationError, match="time order"):
        clock.record(StatusChange(at(2024, 6, 1), "work"))
    with pytest.raises(ValidationError, match="StatusChange"):
        clock.record("done")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="started at"):
        clock.status_at(at(2024, 6, 1))
    with pytest.raises(ValidationError, match="ServiceLevelAgreement"):
        SlaClock.start(
            "GOLD",  # type: ignore[arg-type]
            ClockKind.RESPONSE,
            subject_id="S",
            at=at(2024, 6, 3),
            priority="high",
            status="new",
        )
    with pytest.raises(BusinessRuleError, match="suspended"):
        resolution(gold(suspended=True))
    same, events = clock.record(StatusChange(at(2024, 6, 3, 9), "new"))
    assert same == clock
    assert events == ()


# -- service credits ---------------------------------------------------------------------------
def test_service_credit_percentage_and_fixed() -> None:
    pct = gold(credit_policy=ServiceCreditPolicy(percent=Decimal("12.5")))
    clock = resolution(pct)
    assert clock.service_credit(at(2024, 6, 4)) is None  # not breached
    credit = clock.service_credit(at(2024, 6, 6), base=Money.of("99.99", "EUR"))
    assert credit is not None
    assert credit.amount == Money.of("12.50", "EUR")  # 12.49875 rounded half up
    assert credit.breached_at == at(2024, 6, 5, 9)
    assert (credit.sla_id, credit.subject_id, credit.kind) == ("GOLD", "SO-1", ClockKind.RESOLUTION)
    fixed = resolution(gold(credit_policy=ServiceCreditPolicy(fixed=Money.of("50", "SEK"))))
    found = fixed.service_credit(at(2024, 6, 6))
    assert found is not None
    assert found.amount == Money.of("50.00", "SEK")
    with pytest.raises(ValidationError, match="base amount"):
        clock.service_credit(at(2024, 6, 6))
    response = SlaClock.start(
        pct,
        ClockKind.RESPONSE,
        subject_id="SO-1",
        at=at(2024, 6, 3, 9),
        priority="high",
        status="new",
    )
    assert response.service_credit(at(2024, 6, 6), Money.of("1", "EUR")) is None  # kinds
    assert resolution().service_credit(at(2024, 6, 6)) is None  # no policy


def test_credit_policy_validation() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        ServiceCreditPolicy()
    with pytest.raises(ValidationError, match="exactly one"):
        ServiceCreditPolicy(percent=Decimal(1), fixed=Money.of("1", "EUR"))
    with pytest.raises(ValidationError, match="at most 100"):
        ServiceCreditPolicy(percent=Decimal(101))
    with pytest.raises(ValidationError, match="positive Money"):
        ServiceCreditPolicy(fixed=Money.of("0", "EUR"))


# -- suspension, applicability, inheritance ------------------------------------------------------
def test_suspend_and_resume() -> None:
    sla, events = suspend_sla(gold(), at(2024, 6, 1))
    assert sla.suspended
    assert isinstance(events[0], SlaSuspended)
    assert suspend_sla(sla, at(2024, 6, 1)) == (sla, ())
    back, events = resume_sla(sla, at(2024, 6, 2))
    assert not back.suspended
    assert isinstance(events[0], SlaResumed)
    assert resume_sla(back, at(2024, 6, 2)) == (back, ())


def test_agreement_overrides_group_default_and_plugin_comes_first() -> None:
    ctx = SlaSelectionContext(
        company_id="ACME", order_id="SO-1", agreement_sla_id="GOLD", agreement_group_sla_id="SILVER"
    )
    assert applicable_sla_ids(ctx) == ("GOLD", "SILVER")
    assert applicable_sla_ids(evolve(ctx, agreement_sla_id=None)) == ("SILVER",)
    assert applicable_sla_ids(ctx, lambda c: "PLATINUM") == ("PLATINUM", "GOLD", "SILVER")
    assert applicable_sla_ids(ctx, lambda c: None) == ("GOLD", "SILVER")
    automatic = evolve(ctx, created_manually=False)
    assert applicable_sla_ids(automatic) == ()  # generated orders get no SLA
    assert applicable_sla_ids(automatic, lambda c: "GOLD") == ("GOLD",)


def test_select_sla_skips_suspended_and_reports_missing() -> None:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow[SLAS].add(gold(suspended=True))
        uow[SLAS].add(gold(id="SILVER", name="Silver"))
        uow.commit()
    ctx = SlaSelectionContext(
        company_id="ACME", order_id="SO-1", agreement_sla_id="GOLD", agreement_group_sla_id="SILVER"
    )
    with store.unit_of_work("ACME") as uow:
        chosen = select_sla(uow, ctx)
        assert chosen is not None
        assert chosen.id == "SILVER"
        assert select_sla(uow, evolve(ctx, agreement_group_sla_id=None)) is None
        with pytest.raises(NotFoundError, match="NOPE"):
            select_sla(uow, ctx, lambda c: "NOPE")


def test_met_clock_reports_the_due_instant_it_beat() -> None:
    # Done Tuesday 10:00 after 9 of 16 business hours: 7 remained, so it would have run
    # out Tuesday 10:00 + 7 h = Wednesday 09:00 (Tue 10-12, 13-17, Wed 08-09).
    done, _ = resolution().record(StatusChange(at(2024, 6, 4, 10), "done"))
    status = done.status_at(at(2024, 6, 7))
    assert status.state is ClockState.MET
    assert status.due_at == at(2024, 6, 5, 9)
    assert status.used == 9 * H


def test_suspend_and_resume_use_cases_save_and_record() -> None:
    from servicecore.clock import FixedClock
    from servicecore.sla import SlaResumed, resume_stored_sla, suspend_stored_sla

    clock = FixedClock(at(2024, 6, 1))
    published: list[object] = []
    store = InMemoryStore(publish=published.extend)
    with store.unit_of_work("ACME") as uow:
        uow[SLAS].add(gold())
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        sla = suspend_stored_sla(uow, "GOLD", clock=clock)
        assert sla.suspended
        assert suspend_stored_sla(uow, "GOLD", clock=clock).suspended  # already: no event
        uow.commit()
    assert [type(e) for e in published] == [SlaSuspended]
    with store.unit_of_work("ACME") as uow:
        assert uow[SLAS].get("GOLD").suspended
        assert uow[SLAS].get("GOLD").version == 2
        assert not resume_stored_sla(uow, "GOLD", clock=clock).suspended
        uow.commit()
        with pytest.raises(ValidationError, match="Clock"):
            suspend_stored_sla(uow, "GOLD", clock=at(2024, 6, 1))
        with pytest.raises(NotFoundError):
            resume_stored_sla(uow, "NOPE", clock=clock)
    assert [type(e) for e in published] == [SlaSuspended, SlaResumed]


def test_clock_round_trips_through_the_converter() -> None:
    from servicecore.serialization import structure, unstructure

    clock, _ = resolution().replay(
        [
            StatusChange(at(2024, 6, 3, 15), "waiting"),
            PriorityChange(at(2024, 6, 3, 16), "low"),
            StatusChange(at(2024, 6, 4, 10), "done"),
        ]
    )
    assert structure(unstructure(clock), SlaClock) == clock
    polled, _ = resolution().advance(at(2024, 6, 3, 11))
    back = structure(unstructure(polled), SlaClock)
    assert back.advanced_to == at(2024, 6, 3, 11)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Target.business_hours("1e-10"),
        lambda: Target.business_hours(10**12),
        lambda: Target.calendar_days(10**9),
        lambda: Target.business_hours("1e999999"),
        lambda: Target.business_days(10**6),
        lambda: Target.calendar_hours("0.0001"),
    ],
)
def test_targets_a_clock_could_not_compute_are_refused_when_built(build: Any) -> None:
    # They used to pass and then fail inside status_at (DivisionByZero, OverflowError).
    with pytest.raises(ValidationError, match="out of range"):
        build()


def test_targets_at_the_edges_are_accepted() -> None:
    assert Target.calendar_hours("0.0003").amount == Decimal("0.0003")  # about a second
    assert Target.business_days(10_000).amount == 10_000
    assert Target.calendar_days(36_500).amount == 36_500
