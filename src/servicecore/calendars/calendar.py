"""The business calendar value and its arithmetic: add business time or days, measure
business time, find the next opening."""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from typing import Any

import pendulum
from attrs import field, frozen

from servicecore.calendars._instants import (
    _END_US,
    _EPOCH,
    _MAX_SPAN_US,
    _MAX_YEAR,
    _MIN_YEAR,
    _US,
    MAX_BUSINESS_DAYS,
    MAX_SPAN,
    InstantRange,
    Weekly,
    _from_us,
    _instant_us,
    _local_to_utc_us,
    _start_us,
    _to_us,
)
from servicecore.calendars.index import _Index, _index_for
from servicecore.calendars.rules import (
    HolidayRules,
    _convert_closures,
    _convert_dates,
    _convert_openings,
    _convert_weekly,
    _convert_weekly_changes,
    _convert_zone,
    _weekday,
)
from servicecore.clock import to_duration, to_instant
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.ports import check_items

_PAIRS = "a list of (start time, end time) pairs of datetime.time"


# -- the calendar ---------------------------------------------------------------------------
@frozen(kw_only=True, cache_hash=True)
class BusinessCalendar:
    """Working time in one IANA time zone: weekly hours minus holidays, plus exceptions.

    See the module documentation for the exact rules.
    """

    timezone: str = field(converter=_convert_zone)
    weekly: Weekly = field(converter=_convert_weekly)
    holidays: tuple[pendulum.Date, ...] = field(default=(), converter=_convert_dates)
    holiday_rules: HolidayRules | None = None
    closures: tuple[InstantRange, ...] = field(default=(), converter=_convert_closures)
    openings: tuple[InstantRange, ...] = field(default=(), converter=_convert_openings)
    name: str = ""
    weekly_changes: tuple[tuple[pendulum.Date, Weekly], ...] = field(
        default=(), converter=_convert_weekly_changes
    )
    _index: _Index | None = field(init=False, default=None, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.holiday_rules is not None and not isinstance(self.holiday_rules, HolidayRules):
            raise ValidationError(
                f"holiday_rules must be HolidayRules, not {self.holiday_rules!r}",
                field="holiday_rules",
                value=self.holiday_rules,
                allowed="HolidayRules('SE') or None",
            )
        if not isinstance(self.name, str):
            raise ValidationError(
                f"name must be a string, not {self.name!r}", field="name", value=self.name
            )

    def __getstate__(self) -> dict[str, Any]:
        state = {a: getattr(self, a) for a in _FIELDS}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_index", None)
        object.__setattr__(self, "_attrs_cached_hash", None)

    # -- factories -----------------------------------------------------------------------
    @classmethod
    def weekdays(
        cls,
        timezone: str,
        intervals: Sequence[tuple[_dt.time, _dt.time]],
        *,
        days: Iterable[int] = range(5),
        holidays: Iterable[_dt.date] = (),
        holiday_rules: HolidayRules | None = None,
        name: str = "",
    ) -> BusinessCalendar:
        """The same ``intervals`` on each of ``days`` (Monday..Friday by default)."""
        pairs = list(check_items(intervals, tuple, "intervals", _PAIRS))
        days = check_items(days, int, "days", "weekday numbers, 0 (Monday) to 6 (Sunday)")
        return cls(
            timezone=timezone,
            weekly={_weekday(d): pairs for d in days},
            holidays=holidays,
            holiday_rules=holiday_rules,
            name=name,
        )

    # -- internals --------------------------------------------------------------------------
    def _idx(self) -> _Index:
        index = self._index
        if index is None:
            index = _index_for(self)
            object.__setattr__(self, "_index", index)
        return index

    def _add_us(self, t: int, amount: int) -> int:
        index = self._idx()
        snap = index.snapshot_for(t)
        while True:
            base = snap.cum_at(t)
            target = base + amount
            available = (snap.cumend[-1] if snap.cumend else 0) - base
            if available >= amount:
                break
            if index.never_opens_after(snap):
                raise BusinessRuleError(
                    f"the calendar {self.name or self.timezone!r} has no more working "
                    "time after this instant, so the duration can never be used up",
                    rule="calendar-never-opens",
                )
            # Extend by as many years as the working time per year seen so far says are
            # missing (one extension, not one per year: each copies the whole span).
            total = snap.cumend[-1] if snap.cumend else 0
            per_year = total // (snap.last - snap.first + 1)
            years = -(-(amount - available) // per_year) if per_year > 0 else 1
            snap = index.extend_forward(snap, years)
            gained = (snap.cumend[-1] if snap.cumend else 0) - snap.cum_at(t) > available
            if not gained and not index.never_opens_after(snap):
                # Years without working time (closures, no weekly hours): cover up to where
                # work resumes in one step instead of year after empty year.
                snap = index.snapshot_for(t, self._next_open_us(snap.hi - 1))
        k = bisect_left(snap.cumend, target)
        return snap.ends[k] - (snap.cumend[k] - target)

    def _next_open_us(self, t: int) -> int:
        index = self._idx()
        snap = index.snapshot_for(t)
        while True:
            i = bisect_right(snap.starts, t) - 1
            if i >= 0 and t < snap.ends[i]:
                return t
            if i + 1 < len(snap.starts):
                return snap.starts[i + 1]
            if index.never_opens_after(snap):
                raise BusinessRuleError(
                    f"the calendar {self.name or self.timezone!r} never opens after this instant",
                    rule="calendar-never-opens",
                )
            reopens = index.idle_until(t)
            if reopens > t:
                # Inside closures or weeks without hours: continue from their end, wherever
                # the index stood before, so the answer never depends on what was asked
                # earlier and however many years they last.
                t = reopens
                snap = index.snapshot_for(t)
                continue
            snap = index.extend_forward(snap)

    # -- public arithmetic ------------------------------------------------------------------
    def add_business_time(self, start: _dt.datetime, duration: _dt.timedelta) -> pendulum.DateTime:
        """The earliest instant at which ``duration`` of working time has elapsed from ``start``.

        ``duration`` must not be negative. Raises ``BusinessRuleError`` if the calendar
        never has enough working time left.
        """
        t, tz = _start_us(start, "start")
        amount = to_duration(duration, "duration")
        us = (amount.days * 86_400 + amount.seconds) * _US + amount.microseconds
        if us < 0:
            raise ValidationError(
                f"duration must not be negative, not {amount}",
                field="duration",
                value=duration,
                allowed="a timedelta >= 0",
            )
        if us == 0:
            return to_instant(start, "start")
        if us > _MAX_SPAN_US:
            raise ValidationError(
                f"duration {amount} is longer than servicecore computes in one call",
                field="duration",
                value=duration,
                allowed=f"a timedelta of at most {MAX_SPAN.days} days (MAX_SPAN)",
            )
        # Integers only: pendulum arithmetic here would cost more than the whole query.
        left_us = _END_US - t
        if us > left_us:  # more than all the time left: fail fast instead of walking years
            raise ValidationError(
                f"duration {amount} from {to_instant(start, 'start')} runs past "
                f"{_MAX_YEAR}-12-31, the last supported date (calendars cover the years "
                f"{_MIN_YEAR}..{_MAX_YEAR})",
                field="duration",
                value=duration,
                allowed=f"a timedelta of at most {left_us // (86_400 * _US)} days from this start",
            )
        return _from_us(self._add_us(t, us), tz)

    def business_time_between(self, start: _dt.datetime, end: _dt.datetime) -> _dt.timedelta:
        """Working time from ``start`` to ``end``; negative when ``end`` is before ``start``."""
        a = _instant_us(start, "start")
        b = _instant_us(end, "end")
        if abs(b - a) > _MAX_SPAN_US:
            raise ValidationError(
                f"the span from {start} to {end} is longer than servicecore computes in one call",
                field="end",
                value=end,
                allowed=f"an end at most {MAX_SPAN.days} days from the start (MAX_SPAN)",
            )
        return _dt.timedelta(microseconds=self._between_us(a, b))

    def _between_us(self, a: int, b: int) -> int:
        if a == b:
            return 0
        snap = self._idx().snapshot_for(a, b)
        return snap.cum_at(b) - snap.cum_at(a)

    def is_open(self, at: _dt.datetime) -> bool:
        """Whether ``at`` is working time (a closing instant itself is not)."""
        t = _instant_us(at, "at")
        snap = self._idx().snapshot_for(t)
        i = bisect_right(snap.starts, t) - 1
        return i >= 0 and t < snap.ends[i]

    def next_open(self, at: _dt.datetime) -> pendulum.DateTime:
        """``at`` itself when open, otherwise the next opening instant."""
        begin = to_instant(at, "at")
        t = _to_us(begin)
        found = self._next_open_us(t)
        return begin if found == t else _from_us(found, begin.tzinfo)

    def open_intervals(
        self, start: _dt.datetime, end: _dt.datetime
    ) -> tuple[tuple[pendulum.DateTime, pendulum.DateTime], ...]:
        """The open intervals ``[s, e)`` overlapping ``[start, end)``, clipped to it."""
        begin = to_instant(start, "start")
        a, b = _to_us(begin), _to_us(to_instant(end, "end"))
        if b <= a:
            return ()
        snap = self._idx().snapshot_for(a, b - 1)
        i = max(bisect_right(snap.starts, a) - 1, 0)
        tz = begin.tzinfo
        out: list[tuple[pendulum.DateTime, pendulum.DateTime]] = []
        while i < len(snap.starts) and snap.starts[i] < b:
            s, e = max(snap.starts[i], a), min(snap.ends[i], b)
            if s < e:
                out.append((_from_us(s, tz), _from_us(e, tz)))
            i += 1
        return tuple(out)

    def add_business_days(self, start: _dt.datetime, n: int) -> pendulum.DateTime:
        """Move ``n`` business days forward, keeping the position within the working day.

        A business day is a local date with working time. A start outside working time
        first moves to the next opening. The position is the working time already used on
        the start's date; the result is that much working time into the ``n``-th business
        day after it (capped at that day's last closing instant). On uniform days this is
        the same clock time ``n`` business days later. ``n == 0`` returns ``start``.
        """
        begin = to_instant(start, "start")
        if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_BUSINESS_DAYS:
            raise ValidationError(
                f"n must be a whole number of business days from 0 to {MAX_BUSINESS_DAYS:,}, "
                f"not {n!r}",
                field="n",
                value=n,
                allowed=f"0, 1, 2, ... {MAX_BUSINESS_DAYS:,} (MAX_BUSINESS_DAYS)",
            )
        if n == 0:
            return begin
        zone = self._idx()._zone
        t = self._next_open_us(_to_us(begin))
        day = (_EPOCH + _dt.timedelta(microseconds=t)).astimezone(zone).date().toordinal()
        midnight = _local_to_utc_us(day, 0, zone)
        position = self._between_us(midnight, t)
        # A date's working time is measured up to the next midnight, so the last date a
        # business day can be is the day before the last supported one.
        last_day = _dt.date(_MAX_YEAR, 12, 30).toordinal()
        too_many = (
            f"{n} business days after {begin} run past {_MAX_YEAR}-12-30, the last date "
            f"business days can end on (calendars cover the years {_MIN_YEAR}..{_MAX_YEAR})"
        )
        if n > last_day - day:  # fail fast instead of walking day by day to the end of time
            raise ValidationError(
                too_many,
                field="n",
                value=n,
                allowed=f"at most {last_day - day} (the days left until {_MAX_YEAR}-12-30)",
            )
        remaining = n
        while remaining:
            day += 1
            if day > last_day:
                raise ValidationError(
                    too_many,
                    field="n",
                    value=n,
                    allowed=f"as many as there are business days until {_MAX_YEAR}-12-30",
                )
            lo = _local_to_utc_us(day, 0, zone)
            hi = _local_to_utc_us(day + 1, 0, zone)
            work = self._between_us(lo, hi)
            if work:
                remaining -= 1
                if not remaining:
                    if position == 0:
                        return _from_us(self._next_open_us(lo), begin.tzinfo)
                    return _from_us(self._add_us(lo, min(position, work)), begin.tzinfo)
            else:  # a date without work: go on from the date work resumes (or raise)
                resumes = _EPOCH + _dt.timedelta(microseconds=self._next_open_us(lo))
                day = resumes.astimezone(zone).date().toordinal() - 1
        raise AssertionError("unreachable")  # pragma: no cover


_FIELDS = (
    "timezone",
    "weekly",
    "holidays",
    "holiday_rules",
    "closures",
    "openings",
    "name",
    "weekly_changes",
)
_WHOLE_DAY = ((_dt.time(0), _dt.time(0)),)


def always_open(timezone: str = "UTC") -> BusinessCalendar:
    """A 24x7 calendar: every instant is working time (business time = elapsed time)."""
    return BusinessCalendar(timezone=timezone, weekly=[_WHOLE_DAY] * 7, name="24x7")


ALWAYS_OPEN = always_open()
"""The 24x7 calendar in UTC."""
