"""Business calendars: weekly working hours, holidays and exceptions in one time zone.

A :class:`BusinessCalendar` is a frozen value. Its arithmetic counts *working time*, which
is real elapsed time: a night shift across the spring-forward night is one hour shorter.

>>> import datetime as dt
>>> import pendulum
>>> from servicecore.calendars import BusinessCalendar
>>> office = BusinessCalendar.weekdays(
...     "Europe/Stockholm", [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))]
... )
>>> friday = pendulum.datetime(2024, 10, 25, 16, 30, tz="Europe/Stockholm")
>>> office.add_business_time(friday, dt.timedelta(hours=1))
DateTime(2024, 10, 28, 8, 30, 0, tzinfo=Timezone('Europe/Stockholm'))

Rules (each is tested):

* **Weekly pattern.** ``weekly`` maps a weekday (0 = Monday .. 6 = Sunday, pendulum
  ``WeekDay`` accepted) to local ``(start, end)`` times. An interval whose end is not after
  its start runs past midnight into the next day (a night shift); ``(time(0), time(0))`` is
  the whole day. Overlapping or touching intervals are merged.
* **Local times that do not exist or exist twice.** A local bound ``L`` on a date becomes
  the *earliest instant at which the local clock reads L or later*. In a spring-forward gap
  that is the transition instant (a shift starting at 02:30 in the skipped hour starts at
  03:00 summer time); in a fall-back fold it is the first occurrence.
* **Weekly hours that change from a date on.** ``weekly_changes`` lists ``(date,
  weekly)`` pairs: from that local date on, the intervals starting on each date come from
  that ``weekly`` (``weekly`` itself covers the dates before the first change). Stored
  calendars (:class:`StoredCalendar`) build their versions on it.
* **Holidays** close every weekly interval that *starts* on that local date: a night shift
  starting the evening before a holiday runs to its end; the one starting on the holiday
  does not run at all. Holidays come from ``holidays`` (explicit dates) and from
  ``holiday_rules`` (the optional ``holidays`` package, evaluated lazily per year).
* **Openings** (instant ranges) add working time outside the weekly pattern, holidays
  included. **Closures** (instant ranges) remove working time and win over everything,
  openings included.
* Working time is the half-open union of intervals ``[start, end)``: a calendar is closed
  at the very instant it closes.
* **Arithmetic.** ``add_business_time(start, d)`` is the earliest instant at which ``d``
  of working time has elapsed since ``start``; a deadline used up exactly at a closing time
  is that closing instant; a start outside working time counts from the next opening; a
  zero duration returns ``start`` unchanged. Results are expressed in the time zone of the
  instant you passed in (use ``.in_timezone(...)`` to show them elsewhere).

Cost does not depend on the duration: each calendar keeps a lazily built index, one
calendar year at a time, of its open intervals as integer microseconds since the epoch
with prefix sums of working time, queried by bisection. Equal calendars share one index.
"""

from __future__ import annotations

from servicecore.calendars._instants import MAX_BUSINESS_DAYS, MAX_SPAN
from servicecore.calendars.calendar import ALWAYS_OPEN, BusinessCalendar, always_open
from servicecore.calendars.rules import HolidayRules
from servicecore.calendars.stored import (
    CALENDARS,
    CalendarHolidayAdded,
    CalendarRef,
    CalendarRepository,
    CalendarVersion,
    CalendarVersionAdded,
    StoredCalendar,
    StoredCalendarCreated,
    add_calendar_holiday,
    add_calendar_version,
    add_stored_calendar_holiday,
    add_stored_calendar_version,
    create_stored_calendar,
    resolve_calendar,
)

__all__ = [
    "ALWAYS_OPEN",
    "CALENDARS",
    "MAX_BUSINESS_DAYS",
    "MAX_SPAN",
    "BusinessCalendar",
    "CalendarHolidayAdded",
    "CalendarRef",
    "CalendarRepository",
    "CalendarVersion",
    "CalendarVersionAdded",
    "HolidayRules",
    "StoredCalendar",
    "StoredCalendarCreated",
    "add_calendar_holiday",
    "add_calendar_version",
    "add_stored_calendar_holiday",
    "add_stored_calendar_version",
    "always_open",
    "create_stored_calendar",
    "resolve_calendar",
]
