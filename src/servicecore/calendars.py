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

import datetime as _dt
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
from attrs import field, frozen

from servicecore.clock import to_date, to_duration, to_instant, to_timezone
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.ports import check_int, check_items

_PAIRS = "a list of (start time, end time) pairs of datetime.time"

__all__ = [
    "ALWAYS_OPEN",
    "MAX_BUSINESS_DAYS",
    "MAX_SPAN",
    "BusinessCalendar",
    "HolidayRules",
    "always_open",
]

_US = 1_000_000
_DAY_US = 86_400 * _US
_EPOCH_ORD = _dt.date(1970, 1, 1).toordinal()
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_US = _dt.timedelta(microseconds=1)
_MAX_EMPTY_YEARS = 30

MAX_BUSINESS_DAYS = 10_000
"""The most business days ``add_business_days`` moves (about 40 years): refused above,
before any work, so every call answers in well under a second."""

MAX_SPAN = _dt.timedelta(days=200 * 366)
"""The longest stretch of time a calendar computes over in one call (about 200 years):
``add_business_time`` durations and ``business_time_between`` spans beyond it are refused
before any work (the calendar's index covers the years it is asked about)."""

_MAX_SPAN_US = (MAX_SPAN.days * 86_400) * 1_000_000
_JUMP = 3  # a query further than this many years from the built span starts a new span
_MIN_YEAR, _MAX_YEAR = 2, 9998

WeeklyIntervals = tuple[tuple[_dt.time, _dt.time], ...]
Weekly = tuple[
    WeeklyIntervals,
    WeeklyIntervals,
    WeeklyIntervals,
    WeeklyIntervals,
    WeeklyIntervals,
    WeeklyIntervals,
    WeeklyIntervals,
]
InstantRange = tuple[pendulum.DateTime, pendulum.DateTime]


# -- conversions at the boundary ---------------------------------------------------------
def _us_at(value: _dt.datetime, offset: _dt.timedelta) -> int:
    """Microseconds since the epoch of ``value`` whose UTC offset is ``offset`` (exact)."""
    return (
        (
            (value.toordinal() - _EPOCH_ORD) * 86_400
            + value.hour * 3600
            + value.minute * 60
            + value.second
            - offset.days * 86_400
            - offset.seconds
        )
        * _US
        + value.microsecond
        - offset.microseconds
    )


def _to_us(value: _dt.datetime) -> int:
    """Microseconds since the epoch of an aware datetime (exact, no floats)."""
    offset = value.utcoffset()
    assert offset is not None
    return _us_at(value, offset)


_END_US = _to_us(_dt.datetime(_MAX_YEAR + 1, 1, 1, tzinfo=_dt.UTC))
"""The first instant past the last supported year, in epoch microseconds."""


def _instant_us(value: object, param: str) -> int:
    """Epoch microseconds of an aware datetime; anything else raises like ``to_instant``."""
    if isinstance(value, _dt.datetime):
        offset = value.utcoffset()
        if offset is not None:
            return _us_at(value, offset)
    to_instant(value, param)  # raises the ValidationError naming the parameter
    raise AssertionError("unreachable")  # pragma: no cover


def _from_us(us: int, tz: _dt.tzinfo | None) -> pendulum.DateTime:
    assert tz is not None
    local = (_EPOCH + _dt.timedelta(microseconds=us)).astimezone(tz)
    return pendulum.DateTime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=tz,
        fold=local.fold,
    )


def _offset_us(naive: _dt.datetime, zone: ZoneInfo, fold: int) -> int:
    off = naive.replace(tzinfo=zone, fold=fold).utcoffset()
    assert off is not None
    return (off.days * 86_400 + off.seconds) * _US + off.microseconds


def _local_to_utc_us(day_ord: int, time_us: int, zone: ZoneInfo) -> int:
    """The earliest instant at which the local clock reads ``day + time`` or later."""
    local_us = (day_ord - _EPOCH_ORD) * _DAY_US + time_us
    naive = _dt.datetime.fromordinal(day_ord) + _dt.timedelta(microseconds=time_us)
    off0 = _offset_us(naive, zone, 0)
    off1 = _offset_us(naive, zone, 1)
    if off0 >= off1:  # normal time, or a fold: the first occurrence has the larger offset
        return local_us - off0
    # A gap: the wall time does not exist. Find the transition instant T, the first
    # instant whose local reading is past the gap: L - off1 < T <= L - off0.
    lo, hi = local_us - off1, local_us - off0
    while hi - lo > 1:
        mid = (lo + hi) // 2
        at = _EPOCH + _dt.timedelta(microseconds=mid)
        off = at.astimezone(zone).utcoffset()
        assert off is not None
        if off == _dt.timedelta(microseconds=off1):
            hi = mid
        else:
            lo = mid
    return hi


def _time_us(value: _dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * _US + value.microsecond


# -- validation converters ---------------------------------------------------------------
def _check_time(value: object, where: str) -> _dt.time:
    if not isinstance(value, _dt.time) or value.tzinfo is not None:
        raise ValidationError(
            f"{where} must be a local datetime.time without tzinfo, not {value!r}",
            field="weekly",
            value=value,
            allowed="datetime.time(8, 0)",
        )
    return value


def _weekday(key: object) -> int:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= int(key) <= 6:
        return int(key)
    raise ValidationError(
        f"weekly has a key {key!r} that is not a weekday",
        field="weekly",
        value=key,
        allowed="0 (Monday) .. 6 (Sunday) or a pendulum.WeekDay",
    )


def _day_intervals(value: object, day: int) -> WeeklyIntervals:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            f"weekly[{day}] must be a list of (start, end) times, not {value!r}",
            field="weekly",
            value=value,
            allowed="[(time(8), time(12)), (time(13), time(17))]",
        )
    out: list[tuple[_dt.time, _dt.time]] = []
    for item in value:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValidationError(
                f"weekly[{day}] holds {item!r}, which is not a (start, end) pair",
                field="weekly",
                value=item,
                allowed="(time(8), time(12))",
            )
        start = _check_time(item[0], f"weekly[{day}] start")
        end = _check_time(item[1], f"weekly[{day}] end")
        out.append((start, end))
    return tuple(sorted(set(out)))


def _convert_weekly(value: object) -> Weekly:
    days: list[WeeklyIntervals] = [()] * 7
    if isinstance(value, Mapping):
        for key, intervals in value.items():
            day = _weekday(key)
            days[day] = _day_intervals(intervals, day)
    elif isinstance(value, tuple | list) and len(value) == 7:
        days = [_day_intervals(v, i) for i, v in enumerate(value)]
    else:
        raise ValidationError(
            f"weekly must map weekdays to lists of (start, end) times, not {value!r}",
            field="weekly",
            value=value,
            allowed="{0: [(time(8), time(17))], ...} or a 7-item sequence Monday..Sunday",
        )
    return (days[0], days[1], days[2], days[3], days[4], days[5], days[6])


def _convert_zone(value: object) -> str:
    zone = to_timezone(value, "timezone")
    return str(zone.name)


def _convert_dates(value: object) -> tuple[pendulum.Date, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            f"holidays must be a collection of dates, not {value!r}",
            field="holidays",
            value=value,
            allowed="[date(2024, 12, 25), ...]",
        )
    return tuple(sorted({to_date(v, "holidays") for v in value}))


def _convert_ranges(name: str) -> Any:
    def convert(value: object) -> tuple[InstantRange, ...]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise ValidationError(
                f"{name} must be a collection of (start, end) instant pairs, not {value!r}",
                field=name,
                value=value,
            )
        out: list[InstantRange] = []
        for item in value:
            if not isinstance(item, tuple | list) or len(item) != 2:
                raise ValidationError(
                    f"{name} holds {item!r}, which is not a (start, end) pair",
                    field=name,
                    value=item,
                    allowed="(start instant, end instant)",
                )
            start = to_instant(item[0], f"{name} start")
            end = to_instant(item[1], f"{name} end")
            if end < start:
                raise ValidationError(
                    f"{name} range {start.isoformat()} .. {end.isoformat()} is reversed",
                    field=name,
                    value=item,
                    allowed="start at or before end (an empty range changes nothing)",
                )
            if start == end:
                continue  # an empty range covers no instant: accepted, and ignored
            out.append((start, end))
        out.sort(key=lambda r: (_to_us(r[0]), _to_us(r[1])))
        return tuple(out)

    return convert


def _convert_closures(value: object) -> tuple[InstantRange, ...]:
    result: tuple[InstantRange, ...] = _convert_ranges("closures")(value)
    return result


def _convert_openings(value: object) -> tuple[InstantRange, ...]:
    result: tuple[InstantRange, ...] = _convert_ranges("openings")(value)
    return result


# -- holiday rules from the optional `holidays` package -------------------------------------
def _holidays_module() -> Any:
    try:
        import holidays
    except ImportError:
        raise ValidationError(
            "holiday_rules need the optional 'holidays' package; install it with "
            "pip install 'servicecore[holidays]' or list the holiday dates explicitly",
            field="holiday_rules",
            allowed="explicit holiday dates, or the servicecore[holidays] extra",
        ) from None
    return holidays


@frozen
class HolidayRules:
    """Public holidays of a country (and subdivision) from the ``holidays`` package.

    Evaluated lazily, one year at a time, so they never run out. Needs the extra
    ``servicecore[holidays]``; a missing package or an unknown country raises
    ``ValidationError`` when the rules are created.
    """

    country: str
    subdivision: str | None = None

    def __attrs_post_init__(self) -> None:
        module = _holidays_module()
        if not isinstance(self.country, str) or not (
            self.subdivision is None or isinstance(self.subdivision, str)
        ):
            raise ValidationError(
                f"holiday rules need a country code string, not {self.country!r}",
                field="country",
                value=self.country,
                allowed="an ISO 3166 code such as 'SE'",
            )
        try:
            module.country_holidays(self.country, subdiv=self.subdivision, years=())
        except (NotImplementedError, KeyError, ValueError) as exc:
            raise ValidationError(
                f"the holidays package knows no country {self.country!r} with subdivision "
                f"{self.subdivision!r}: {exc}",
                field="country",
                value=self.country,
                allowed="an ISO 3166 code the holidays package supports, such as 'SE'",
            ) from None

    def dates(self, year: int) -> frozenset[_dt.date]:
        """The holiday dates of ``year``."""
        year = check_int(year, "year", minimum=1, maximum=9999)
        found = _holidays_module().country_holidays(
            self.country, subdiv=self.subdivision, years=year
        )
        return frozenset(d for d in found if d.year == year)


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
        self._has_weekly = any(self._weekly)
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
        raw: list[tuple[int, int]] = []
        if self._has_weekly:
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

    def extend_forward(self, snap: _Snapshot) -> _Snapshot:
        """A snapshot covering the years of ``snap`` and the next one.

        Its prefix sums may start elsewhere than those of ``snap`` (another thread may have
        extended the shared span backwards): callers recompute from the returned snapshot.
        """
        with self._lock:
            return self._extend_to(snap.first, snap.last + 1)

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

    def never_opens_after(self, snap: _Snapshot) -> bool:
        """True when no working time can exist beyond ``snap``."""
        if not self._has_weekly:
            return self._last_opening is None or self._last_opening <= snap.hi
        return False


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
        empty_years = 0
        while True:
            base = snap.cum_at(t)
            target = base + amount
            available = (snap.cumend[-1] if snap.cumend else 0) - base
            if available >= amount:
                break
            if index.never_opens_after(snap) or empty_years > _MAX_EMPTY_YEARS:
                raise BusinessRuleError(
                    f"the calendar {self.name or self.timezone!r} has no more working "
                    "time after this instant, so the duration can never be used up",
                    rule="calendar-never-opens",
                )
            snap = index.extend_forward(snap)
            gained = (snap.cumend[-1] if snap.cumend else 0) - snap.cum_at(t) > available
            empty_years = 0 if gained else empty_years + 1
        k = bisect_left(snap.cumend, target)
        return snap.ends[k] - (snap.cumend[k] - target)

    def _next_open_us(self, t: int) -> int:
        index = self._idx()
        snap = index.snapshot_for(t)
        empty_years = 0
        while True:
            i = bisect_right(snap.starts, t) - 1
            if i >= 0 and t < snap.ends[i]:
                return t
            if i + 1 < len(snap.starts):
                return snap.starts[i + 1]
            if index.never_opens_after(snap) or empty_years > _MAX_EMPTY_YEARS:
                raise BusinessRuleError(
                    f"the calendar {self.name or self.timezone!r} never opens after this instant",
                    rule="calendar-never-opens",
                )
            snap = index.extend_forward(snap)
            empty_years += 1

    # -- public arithmetic ------------------------------------------------------------------
    def add_business_time(self, start: _dt.datetime, duration: _dt.timedelta) -> pendulum.DateTime:
        """The earliest instant at which ``duration`` of working time has elapsed from ``start``.

        ``duration`` must not be negative. Raises ``BusinessRuleError`` if the calendar
        never has enough working time left.
        """
        begin = to_instant(start, "start")
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
            return begin
        if us > _MAX_SPAN_US:
            raise ValidationError(
                f"duration {amount} is longer than servicecore computes in one call",
                field="duration",
                value=duration,
                allowed=f"a timedelta of at most {MAX_SPAN.days} days (MAX_SPAN)",
            )
        t = _to_us(begin)
        # Integers only: pendulum arithmetic here would cost more than the whole query.
        left_us = _END_US - t
        if us > left_us:  # more than all the time left: fail fast instead of walking years
            raise ValidationError(
                f"duration {amount} from {begin} runs past {_MAX_YEAR}-12-31, the last "
                f"supported date (calendars cover the years {_MIN_YEAR}..{_MAX_YEAR})",
                field="duration",
                value=duration,
                allowed=f"a timedelta of at most {left_us // (86_400 * _US)} days from this start",
            )
        return _from_us(self._add_us(t, us), begin.tzinfo)

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
        last_day = _dt.date(_MAX_YEAR, 12, 31).toordinal()
        if n > last_day - day:  # fail fast instead of walking day by day to the end of time
            raise ValidationError(
                f"{n} business days after {begin} run past {_MAX_YEAR}-12-31, the last "
                f"supported date (calendars cover the years {_MIN_YEAR}..{_MAX_YEAR})",
                field="n",
                value=n,
                allowed=f"at most {last_day - day} (the days left before {_MAX_YEAR}-12-31)",
            )
        remaining = n
        while remaining:
            day += 1
            if day > _dt.date(_MAX_YEAR, 12, 31).toordinal():
                raise BusinessRuleError(
                    "business days ran past the supported years", rule="calendar-never-opens"
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
            elif self._idx().never_opens_after(self._idx().snapshot_for(lo)):
                raise BusinessRuleError(
                    f"the calendar {self.name or self.timezone!r} never opens again",
                    rule="calendar-never-opens",
                )
        raise AssertionError("unreachable")  # pragma: no cover


_FIELDS = ("timezone", "weekly", "holidays", "holiday_rules", "closures", "openings", "name")
_WHOLE_DAY = ((_dt.time(0), _dt.time(0)),)


def always_open(timezone: str = "UTC") -> BusinessCalendar:
    """A 24x7 calendar: every instant is working time (business time = elapsed time)."""
    return BusinessCalendar(timezone=timezone, weekly=[_WHOLE_DAY] * 7, name="24x7")


ALWAYS_OPEN = always_open()
"""The 24x7 calendar in UTC."""
