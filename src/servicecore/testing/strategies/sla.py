"""Strategies for SLAs, targets and status histories."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from servicecore.calendars import BusinessCalendar
from servicecore.clock import to_instant
from servicecore.sla import (
    ClockKind,
    ClockRules,
    PriorityChange,
    ServiceLevelAgreement,
    SlaClock,
    StatusChange,
    Target,
    TargetUnit,
)
from servicecore.sla_clocks import StoredSlaClock, sla_clock_id
from servicecore.testing.strategies.kernel import (
    business_calendars,
)

__all__ = [
    "SLA_STATUSES",
    "service_level_agreements",
    "sla_clocks",
    "status_histories",
    "stored_sla_clocks",
    "targets",
]


def targets(*, units: tuple[TargetUnit, ...] = tuple(TargetUnit)) -> st.SearchStrategy[Target]:
    """Targets in every unit: 1..40 hours, 1..10 days."""

    def build(unit: TargetUnit, n: int) -> Target:
        days = unit in (TargetUnit.BUSINESS_DAYS, TargetUnit.CALENDAR_DAYS)
        return Target(min(n, 10) if days else n, unit)

    return st.builds(build, st.sampled_from(units), st.integers(1, 40))


SLA_STATUSES = ("new", "in_progress", "waiting", "on_hold", "responded", "done", "cancelled")
"""Status names used by :func:`service_level_agreements` and :func:`status_histories`."""


@st.composite
def service_level_agreements(
    draw: st.DrawFn,
    *,
    company_id: str = "ACME",
    calendar: BusinessCalendar | None = None,
    with_calendar: bool = True,
) -> ServiceLevelAgreement:
    """SLAs over :data:`SLA_STATUSES` with priorities ``high``/``low``: "waiting" pauses
    resolution, "on_hold" pauses both, "responded" fulfils response, "done" both."""
    if calendar is None and with_calendar:
        calendar = draw(st.none() | business_calendars(exceptions=False))
    priorities = {p: (draw(targets()), draw(targets())) for p in ("high", "low")}
    return ServiceLevelAgreement(
        company_id=company_id,
        id=draw(st.sampled_from(["GOLD", "SILVER", "BRONZE"])),
        name="generated",
        calendar=calendar,
        targets=priorities,
        response=ClockRules(pause_statuses=["on_hold"], fulfil_statuses=["responded", "done"]),
        resolution=ClockRules(pause_statuses=["waiting", "on_hold"], fulfil_statuses=["done"]),
        cancel_statuses=["cancelled"],
        warning_thresholds=draw(st.sampled_from([(50,), (75,), (50, 90)])),
    )


@st.composite
def status_histories(
    draw: st.DrawFn,
    start: dt.datetime,
    *,
    max_size: int = 12,
    max_gap_hours: int = 60,
    statuses: tuple[str, ...] = SLA_STATUSES,
    priorities: tuple[str, ...] = ("high", "low"),
) -> list[StatusChange | PriorityChange]:
    """Time-ordered status and priority changes after ``start`` (ties allowed), with a
    breach reason on every status change so that breached clocks can always stop."""
    at = to_instant(start, "start")
    out: list[StatusChange | PriorityChange] = []
    for _ in range(draw(st.integers(0, max_size))):
        at = at + dt.timedelta(minutes=draw(st.integers(0, max_gap_hours * 60)))
        if draw(st.integers(0, 4)) == 0:
            out.append(PriorityChange(at, draw(st.sampled_from(priorities))))
        else:
            out.append(StatusChange(at, draw(st.sampled_from(statuses)), reason="late"))
    return out


@st.composite
def sla_clocks(draw: st.DrawFn, *, company_id: str = "ACME") -> SlaClock:
    """Clocks started on a drawn SLA and fed a drawn status history (so some are running,
    some paused, breached, fulfilled or cancelled)."""
    sla = draw(service_level_agreements(company_id=company_id, with_calendar=False))
    start = to_instant(dt.datetime(2024, 3, 4, 9, tzinfo=dt.UTC))
    clock = SlaClock.start(
        sla,
        draw(st.sampled_from(ClockKind)),
        subject_id=draw(st.from_regex(r"SO-[0-9]{1,4}", fullmatch=True)),
        at=start,
        priority=draw(st.sampled_from(["high", "low"])),
        status="new",
    )
    clock, _events = clock.replay(draw(status_histories(start, max_size=6)))
    return clock


def stored_sla_clocks(*, company_id: str = "ACME") -> st.SearchStrategy[StoredSlaClock]:
    """:class:`StoredSlaClock` aggregates holding a drawn clock."""
    return sla_clocks(company_id=company_id).map(
        lambda c: StoredSlaClock(
            company_id=company_id, id=sla_clock_id(c.subject_id, c.kind), clock=c
        )
    )


def register() -> None:
    """Register the SLA types for ``st.from_type``."""
    st.register_type_strategy(ServiceLevelAgreement, service_level_agreements())
    st.register_type_strategy(SlaClock, sla_clocks())
    st.register_type_strategy(StoredSlaClock, stored_sla_clocks())
