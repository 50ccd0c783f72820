"""Naive-datetime cases for calendars and SLAs: each callable must raise ValidationError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum

from servicecore.calendars import BusinessCalendar
from servicecore.sla import (
    ClockKind,
    PriorityChange,
    ServiceLevelAgreement,
    SlaClock,
    StatusChange,
    Target,
    resume_sla,
    suspend_sla,
)

_CAL = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
_AWARE = pendulum.datetime(2024, 6, 3, 9, tz="Europe/Stockholm")
_SLA = ServiceLevelAgreement(
    company_id="ACME",
    id="GOLD",
    name="Gold",
    calendar=_CAL,
    targets={"high": (Target.business_hours(4), Target.business_days(2))},
)


def _clock() -> SlaClock:
    return SlaClock.start(
        _SLA, ClockKind.RESOLUTION, subject_id="SO-1", at=_AWARE, priority="high", status="new"
    )


CASES: dict[str, Callable[[dt.datetime], object]] = {
    "servicecore.calendars.BusinessCalendar.add_business_time": lambda n: _CAL.add_business_time(
        n, dt.timedelta(hours=1)
    ),
    "servicecore.calendars.BusinessCalendar.business_time_between": lambda n: (
        _CAL.business_time_between(n, _AWARE)
    ),
    "servicecore.calendars.BusinessCalendar.add_business_days": lambda n: _CAL.add_business_days(
        n, 1
    ),
    "servicecore.calendars.BusinessCalendar.is_open": lambda n: _CAL.is_open(n),
    "servicecore.calendars.BusinessCalendar.next_open": lambda n: _CAL.next_open(n),
    "servicecore.calendars.BusinessCalendar.open_intervals": lambda n: _CAL.open_intervals(
        _AWARE, n
    ),
    "servicecore.sla.Target.allowance": lambda n: Target.business_days(2).allowance(_CAL, n),
    "servicecore.sla.SlaClock.start": lambda n: SlaClock.start(
        _SLA, ClockKind.RESPONSE, subject_id="SO-1", at=n, priority="high", status="new"
    ),
    "servicecore.sla.SlaClock.advance": lambda n: _clock().advance(n),
    "servicecore.sla.SlaClock.status_at": lambda n: _clock().status_at(n),
    "servicecore.sla.SlaClock.service_credit": lambda n: _clock().service_credit(n),
    "servicecore.sla.StatusChange": lambda n: StatusChange(n, "done"),
    "servicecore.sla.PriorityChange": lambda n: PriorityChange(n, "high"),
    "servicecore.sla.suspend_sla": lambda n: suspend_sla(_SLA, n),
    "servicecore.sla.resume_sla": lambda n: resume_sla(_SLA, n),
}
