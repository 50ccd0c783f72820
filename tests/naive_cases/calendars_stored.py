"""Naive-datetime cases for stored calendars: each callable must raise ValidationError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from servicecore.calendars import (
    BusinessCalendar,
    StoredCalendar,
    add_calendar_holiday,
    add_calendar_version,
)

_EIGHT = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(16))])
_TEN = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(10), dt.time(18))])
_DESK = StoredCalendar.create("ACME", "se-desk", _EIGHT, effective_from=dt.date(2024, 1, 1))

CASES: dict[str, Callable[[dt.datetime], object]] = {
    "servicecore.calendars.stored.add_calendar_holiday": lambda n: add_calendar_holiday(
        _DESK, dt.date(2024, 6, 3), at=n
    ),
    "servicecore.calendars.stored.add_calendar_version": lambda n: add_calendar_version(
        _DESK, dt.date(2024, 6, 3), _TEN, at=n
    ),
}
