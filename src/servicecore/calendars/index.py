"""The calendar index engine: working time as sorted integer intervals per span of years,
with cumulative sums, so every query is a binary search whatever the duration."""

from __future__ import annotations

import datetime as _dt
import threading
from bisect import bisect_right
from collections import OrderedDict
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from servicecore.calendars._instants import (
    _DAY_US,
    _END_US,
    _EPOCH,
    _EPOCH_ORD,
    _JUMP,
    _MAX_YEAR,
    _MIN_YEAR,
    _local_to_utc_us,
    _offset_us,
    _time_us,
    _to_us,
)
from servicecore.errors import ValidationError

if TYPE_CHECKING:
    from servicecore.calendars.calendar import BusinessCalendar

_PAIRS = "a list of (start time, end time) pairs of datetime.time"


# -- the index --------------------------------------------------------------------------
class _Snapshot:
    """An immutable view of the built index: years [first, last], UTC-microsecond arrays."""

    __slots__ = ("cumend", "ends", "first", "hi", "last", "lo", "starts")

    def __init__(
        self,
        first: int,
        last: int,
        lo: int,
        hi: int,
        starts: list[int],
        ends: list[int],
        cumend: list[int],
    ) -> None:
        self.first, self.last, self.lo, self.hi = first, last, lo, hi
        self.starts, self.ends, self.cumend = starts, ends, cumend

    def cum_at(self, t: int) -> int:
        """Working time from the start of the index to ``t`` (lo <= t <= hi)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        end = self.ends[i]
        return self.cumend[i] - (end - t if t < end else 0)


class _Index:
    """Lazily built, thread-safe index of one calendar's open intervals."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self._cal = calendar
        self._zone = ZoneInfo(calendar.timezone)
        self._lock = threading.Lock()
        self._snap: _Snapshot | None = None
        self._holiday_cache: dict[int, frozenset[_dt.date]] = {}
        self._years: dict[int, tuple[int, int, list[tuple[int, int]]]] = {}
        self._explicit = frozenset(_dt.date(d.year, d.month, d.day) for d in calendar.holidays)
        self._openings = [(_to_us(a), _to_us(b)) for a, b in calendar.openings]
        self._closures = [(_to_us(a), _to_us(b)) for a, b in calendar.closures]
        self._weekly = [[(_time_us(a), _time_us(b)) for a, b in day] for day in calendar.weekly]
        self._change_days = [
            _dt.date(d.year, d.month, d.day).toordinal() for d, _w in calendar.weekly_changes
        ]
        self._change_weeks = [
            [[(_time_us(a), _time_us(b)) for a, b in day] for day in week]
            for _d, week in calendar.weekly_changes
        ]
        # The date (ordinal) from which no weekly hours are ever in effect again: None when
        # the last weekly hours in effect have some, 0 when there are none at all.
        busy = [any(self._weekly), *(any(w) for w in self._change_weeks)]
        last_busy = max((k for k, b in enumerate(busy) if b), default=None)
        self._weekly_ends: int | None = (
            None if busy[-1] else 0 if last_busy is None else self._change_days[last_busy]
        )
        self._last_opening = max((b for _a, b in self._openings), default=None)

    # -- year bounds and contents ---------------------------------------------------------
    def year_start(self, year: int) -> int:
        return _local_to_utc_us(_dt.date(year, 1, 1).toordinal(), 0, self._zone)

    def year_of(self, t: int) -> int:
        return (_EPOCH + _dt.timedelta(microseconds=t)).astimezone(self._zone).year

    def _holidays(self, year: int) -> frozenset[_dt.date]:
        cached = self._holiday_cache.get(year)
        if cached is None:
            rules = self._cal.holiday_rules
            cached = rules.dates(year) if rules is not None else frozenset()
            self._holiday_cache[year] = cached
        return cached

    def build_year(self, year: int) -> tuple[int, int, list[tuple[int, int]]]:
        """Open intervals of local year ``year``, clipped to its bounds, merged."""
        lo, hi = self.year_start(year), self.year_start(year + 1)
        zone, weekly, explicit = self._zone, self._weekly, self._explicit
        change_days, change_weeks = self._change_days, self._change_weeks
        raw: list[tuple[int, int]] = []
        if self._weekly_ends != 0:
            first = _dt.date(year, 1, 1).toordinal() - 1
            last = _dt.date(year, 12, 31).toordinal()
            holidays = self._holidays(year) | self._holidays(year - 1)
            prev_offsets: tuple[int, int] | None = None
            for day in range(first, last + 1):
                if day == first:
                    naive = _dt.datetime.fromordinal(day)
                    prev_offsets = (_offset_us(naive, zone, 0), _offset_us(naive, zone, 1))
                naive_next = _dt.datetime.fromordinal(day + 1)
                next_offsets = (
                    _offset_us(naive_next, zone, 0),
                    _offset_us(naive_next, zone, 1),
                )
                if change_days:  # the weekly hours in effect on that date
                    k = bisect_right(change_days, day) - 1
                    intervals = (weekly if k < 0 else change_weeks[k])[(day + 6) % 7]
                else:
                    intervals = weekly[(day + 6) % 7]
                if intervals:
                    date = _dt.date.fromordinal(day)
                    if date not in explicit and date not in holidays:
                        base = (day - _EPOCH_ORD) * _DAY_US
                        uniform = (
                            prev_offsets == next_offsets and next_offsets[0] == next_offsets[1]
                        )
                        off = next_offsets[0]
                        for s, e in intervals:
                            e_day = day if e > s else day + 1
                            if uniform and e_day == day:
                                raw.append((base + s - off, base + e - off))
                            else:
                                raw.append(
                                    (
                                        _local_to_utc_us(day, s, zone),
                                        _local_to_utc_us(e_day, e, zone),
                                    )
                                )
                prev_offsets = next_offsets
        raw.extend(o for o in self._openings if o[1] > lo and o[0] < hi)
        merged = _merge(raw)
        closures = [c for c in self._closures if c[1] > lo and c[0] < hi]
        if closures:
            merged = _subtract(merged, _merge(closures))
        clipped = [(max(s, lo), min(e, hi)) for s, e in merged if e > lo and s < hi]
        return lo, hi, [iv for iv in clipped if iv[0] < iv[1]]

    # -- building ----------------------------------------------------------------------------
    def snapshot_for(self, *instants: int) -> _Snapshot:
        """A snapshot covering every instant given (building years as needed)."""
        snap = self._snap
        if snap is not None and snap.lo <= min(instants) and max(instants) < snap.hi:
            return snap
        with self._lock:
            years = [self.year_of(t) for t in instants]
            return self._extend_to(min(years), max(years))

    def extend_forward(self, snap: _Snapshot, years: int = 1) -> _Snapshot:
        """A snapshot covering the years of ``snap`` and the ``years`` after them (up to
        the last supported year).

        Its prefix sums may start elsewhere than those of ``snap`` (another thread may have
        extended the shared span backwards): callers recompute from the returned snapshot.
        """
        with self._lock:
            last = snap.last + max(years, 1)
            if snap.last < _MAX_YEAR < last:
                last = _MAX_YEAR
            return self._extend_to(snap.first, last)

    def _extend_to(self, first: int, last: int) -> _Snapshot:
        snap = self._snap
        if first < _MIN_YEAR or last > _MAX_YEAR:
            raise ValidationError(
                f"business time arithmetic reached year {first if first < _MIN_YEAR else last}"
                f"; calendars cover the years {_MIN_YEAR}..{_MAX_YEAR}",
                field="start",
                allowed=f"instants in the years {_MIN_YEAR}..{_MAX_YEAR}",
            )
        if snap is not None and (first > snap.last + _JUMP or last < snap.first - _JUMP):
            snap = None  # far away: start a new span instead of filling the years between
        if snap is not None:
            first, last = min(first, snap.first), max(last, snap.last)
            if first == snap.first and last == snap.last:
                return snap
        starts: list[int] = []
        ends: list[int] = []
        lo = hi = 0
        for year in range(first, last + 1):
            if snap is not None and snap.first <= year <= snap.last:
                if year == snap.first:
                    _append(starts, ends, snap.starts, snap.ends)
                    if year == first:
                        lo = snap.lo
                    hi = snap.hi
                continue
            built = self._years.get(year)
            if built is None:
                built = self._years[year] = self.build_year(year)
            y_lo, y_hi, intervals = built
            if year == first:
                lo = y_lo
            hi = y_hi
            _append(starts, ends, [s for s, _ in intervals], [e for _, e in intervals])
        cumend: list[int] = []
        total = 0
        for s, e in zip(starts, ends, strict=True):
            total += e - s
            cumend.append(total)
        new = _Snapshot(first, last, lo, hi, starts, ends, cumend)
        self._snap = new
        return new

    def idle_until(self, t: int) -> int:
        """The end of the stretch from ``t`` in which no working time can exist, or ``t``
        itself when there is none.

        The stretch chains the closures covering it and the dates whose weekly hours are
        empty (a weekly change to no hours, until a later change brings some back); an
        opening that ends after ``t`` cuts it short at the opening's start. Jumping it
        costs one year built instead of a walk through every empty year.
        """
        end = t
        while True:
            moved = self._weekly_idle_until(self._closed_until(end))
            if moved == end:
                break
            end = moved
        for a, b in self._openings:
            if b > t and a < end:
                end = max(a, t)
        return end

    def _closed_until(self, t: int) -> int:
        """The end of the closures covering ``t`` (chained when they touch or overlap)."""
        end = t
        for a, b in sorted(self._closures):
            if a <= end < b:
                end = b
        return end

    def _weekly_idle_until(self, t: int) -> int:
        """The local midnight at which weekly hours come back when the weekly hours in
        effect on ``t``'s date are empty (past the supported years if they never do)."""
        day = (_EPOCH + _dt.timedelta(microseconds=t)).astimezone(self._zone).date().toordinal()
        k = bisect_right(self._change_days, day) - 1
        if any(self._weekly if k < 0 else self._change_weeks[k]):
            return t
        for j in range(k + 1, len(self._change_days)):
            if any(self._change_weeks[j]):
                return _local_to_utc_us(self._change_days[j], 0, self._zone)
        return _END_US

    def never_opens_after(self, snap: _Snapshot) -> bool:
        """True when no working time can exist beyond ``snap``: no weekly hours in effect
        from its last date on (an overnight interval of that date would cross its end), and
        no opening ending after it."""
        last_day = _dt.date(snap.last, 12, 31).toordinal()
        if self._weekly_ends is None or self._weekly_ends > last_day:
            return False
        return self._last_opening is None or self._last_opening <= snap.hi


def _append(starts: list[int], ends: list[int], new_s: list[int], new_e: list[int]) -> None:
    if not new_s:
        return
    if starts and ends[-1] == new_s[0]:  # an interval split at a year boundary: rejoin it
        ends[-1] = new_e[0]
        starts.extend(new_s[1:])
        ends.extend(new_e[1:])
    else:
        starts.extend(new_s)
        ends.extend(new_e)


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if s >= e:
            continue
        if out and s <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _subtract(base: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    j = 0
    for s, e in base:
        while j < len(holes) and holes[j][1] <= s:
            j += 1
        k = j
        cur = s
        while k < len(holes) and holes[k][0] < e:
            hs, he = holes[k]
            if hs > cur:
                out.append((cur, hs))
            cur = max(cur, he)
            k += 1
        if cur < e:
            out.append((cur, e))
    return out


_CACHE: OrderedDict[BusinessCalendar, _Index] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 128


def _index_for(calendar: BusinessCalendar) -> _Index:
    with _CACHE_LOCK:
        index = _CACHE.get(calendar)
        if index is not None:
            _CACHE.move_to_end(calendar)
            return index
    index = _Index(calendar)
    with _CACHE_LOCK:
        index = _CACHE.setdefault(calendar, index)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return index
