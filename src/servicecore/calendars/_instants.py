"""Instants as integer microseconds since the epoch, and the limits of what calendars compute."""

from __future__ import annotations

import datetime as _dt
from zoneinfo import ZoneInfo

import pendulum
from pendulum.tz.timezone import FixedTimezone, Timezone

from servicecore.clock import _REFUSED_ZONES, _ZONES, to_instant

_PAIRS = "a list of (start time, end time) pairs of datetime.time"


_US = 1_000_000
_DAY_US = 86_400 * _US
_EPOCH_ORD = _dt.date(1970, 1, 1).toordinal()
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)
_ONE_US = _dt.timedelta(microseconds=1)

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


def _start_us(value: object, param: str) -> tuple[int, _dt.tzinfo]:
    """Epoch microseconds of an instant and the pendulum zone results are expressed in.

    The same instant and zone as ``to_instant`` (which raises for anything it refuses),
    without building a ``pendulum.DateTime`` first: a stdlib datetime in an IANA zone
    already loaded, or a pendulum one in a pendulum zone, is read by integer arithmetic
    from its own UTC offset (the offset its zone gives that wall clock and fold, so gaps
    and folds land on the instant ``astimezone`` gives).
    """
    if isinstance(value, _dt.datetime) and 1 < value.year < 9999:
        tzinfo = value.tzinfo
        if isinstance(tzinfo, Timezone | FixedTimezone) and isinstance(value, pendulum.DateTime):
            if getattr(tzinfo, "key", None) not in _REFUSED_ZONES:
                offset = value.utcoffset()
                assert offset is not None
                return _us_at(value, offset), tzinfo
        else:
            zone = _ZONES.get(getattr(tzinfo, "key", None))  # type: ignore[arg-type]
            if zone is not None:
                offset = value.utcoffset()
                if offset is not None:
                    return _us_at(value, offset), zone
    begin = to_instant(value, param)
    return _to_us(begin), begin.tzinfo  # type: ignore[return-value]


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
