"""SLA clocks against a slow minute-stepping reference, same-instant changes included.

The reference walks the history one minute at a time on a 24x7 SLA: at each minute it first
applies every change dated that minute (in order; nothing after a stop), then counts the
minute when the clock runs. The priority in effect at the probe decides the allowance, as a
priority change re-measures the time already used. State, credit and breach events of the
real clock must agree with it for any history, changes at the same instant included
(issue 15 item 9).
"""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.money import Money
from servicecore.sla import (
    ClockKind,
    ClockRules,
    ClockState,
    PriorityChange,
    ServiceCreditPolicy,
    ServiceLevelAgreement,
    SlaBreached,
    SlaClock,
    StatusChange,
    Target,
)

START = pendulum.datetime(2024, 3, 25, 9, tz="UTC")
ALLOWED_MINUTES = {
    "high": {"response": 60, "resolution": 180},
    "low": {"response": 120, "resolution": 480},
}
SLA = ServiceLevelAgreement(
    company_id="ACME",
    id="REF",
    name="Reference",
    targets={
        "high": (Target.calendar_hours(1), Target.calendar_hours(3)),
        "low": (Target.calendar_hours(2), Target.calendar_hours(8)),
    },
    response=ClockRules(pause_statuses=["on_hold"], fulfil_statuses=["responded", "done"]),
    resolution=ClockRules(pause_statuses=["waiting", "on_hold"], fulfil_statuses=["done"]),
    cancel_statuses=["cancelled"],
    warning_thresholds=[],
    credit_policy=ServiceCreditPolicy(
        fixed=Money.of("10", "EUR"), kinds=(ClockKind.RESPONSE, ClockKind.RESOLUTION)
    ),
)
STATUSES = ["new", "work", "waiting", "on_hold", "responded", "done", "cancelled"]
PAUSE = {"response": {"on_hold"}, "resolution": {"waiting", "on_hold"}}
FULFIL = {"response": {"responded", "done"}, "resolution": {"done"}}

Change = tuple[int, str, str]  # (minute, "status" | "priority", value)


@st.composite
def histories(draw: st.DrawFn) -> list[Change]:
    minute = 0
    out: list[Change] = []
    for _ in range(draw(st.integers(0, 10))):
        minute += draw(st.sampled_from([0, 0, 0, 1, 15, 45, 90, 200]))
        if draw(st.booleans()):
            out.append((minute, "priority", draw(st.sampled_from(["high", "low"]))))
        else:
            out.append((minute, "status", draw(st.sampled_from(STATUSES))))
    return out


def reference(kind: str, priority: str, history: list[Change], probe: int) -> tuple[str, int]:
    """(state, used minutes) at minute ``probe`` by stepping minute by minute."""
    status, stopped, used = "new", "", 0
    for minute in range(probe + 1):
        for at, what, value in history:
            if at != minute or stopped:
                continue
            if what == "priority":
                priority = value
            elif value == "cancelled":
                stopped, status = "cancelled", value
            elif value in FULFIL[kind]:
                stopped, status = "fulfilled", value
            else:
                status = value
        if minute < probe and not stopped and status not in PAUSE[kind]:
            used += 1
    allowed = ALLOWED_MINUTES[priority][kind]
    if stopped == "cancelled":
        return "cancelled", used
    if used > allowed:
        return "breached", used
    if stopped:
        return "met", used
    return ("paused" if status in PAUSE[kind] else "running"), used


@settings(max_examples=400)
@given(
    st.sampled_from(list(ClockKind)),
    st.sampled_from(["high", "low"]),
    histories(),
    st.integers(0, 1500),
)
def test_clock_state_credit_and_events_match_the_minute_reference(
    kind: ClockKind, priority: str, history: list[Change], probe: int
) -> None:
    changes = [
        PriorityChange(START + dt.timedelta(minutes=m), value)
        if what == "priority"
        else StatusChange(START + dt.timedelta(minutes=m), value, reason="late")
        for m, what, value in history
    ]
    clock = SlaClock.start(SLA, kind, subject_id="SO-1", at=START, priority=priority, status="new")
    clock, events = clock.replay(changes)
    at = START + dt.timedelta(minutes=probe)
    expected_state, expected_used = reference(kind.value, priority, history, probe)
    status = clock.status_at(at)
    assert status.state.value == expected_state
    assert status.used == dt.timedelta(minutes=expected_used)
    credit = clock.service_credit(at)
    assert (credit is not None) == (status.state is ClockState.BREACHED)
    if not history or probe >= history[-1][0]:
        _, polled = clock.advance(at)
        breach_events = [e for e in (*events, *polled) if isinstance(e, SlaBreached)]
        if status.state is ClockState.BREACHED:
            assert len(breach_events) == 1
