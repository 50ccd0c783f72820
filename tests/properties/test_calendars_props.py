"""Invariants of business-time arithmetic, and a brute-force minute-stepping oracle."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.calendars import BusinessCalendar
from servicecore.serialization import structure, unstructure
from servicecore.testing.strategies import business_calendars

MIN = dt.timedelta(minutes=1)
# Starts near DST switches of both hemispheres and across a new year.
ANCHORS = [
    dt.datetime(2024, 3, 29),
    dt.datetime(2024, 10, 25),
    dt.datetime(2024, 4, 5),
    dt.datetime(2024, 3, 8),
    dt.datetime(2024, 10, 31),
    dt.datetime(2024, 12, 29),
    dt.datetime(2024, 9, 27),
]


@st.composite
def starts(draw: st.DrawFn) -> pendulum.DateTime:
    """Instants near interesting dates, minute resolution, sometimes with seconds."""
    anchor = draw(st.sampled_from(ANCHORS))
    offset = dt.timedelta(minutes=draw(st.integers(0, 5 * 24 * 60)))
    seconds = dt.timedelta(microseconds=draw(st.sampled_from([0, 0, 1, 1_500_000])))
    naive = anchor + offset + seconds
    return pendulum.instance(naive.replace(tzinfo=dt.UTC))


durations = st.integers(0, 400 * 60).map(lambda m: dt.timedelta(minutes=m)) | st.integers(
    0, 10**12
).map(lambda us: dt.timedelta(microseconds=us))


@given(business_calendars(), starts(), durations)
def test_between_of_add_is_the_duration(
    cal: BusinessCalendar, start: pendulum.DateTime, d: dt.timedelta
) -> None:
    end = cal.add_business_time(start, d)
    assert end >= start
    assert cal.business_time_between(start, end) == d
    assert cal.business_time_between(end, start) == -d


@given(business_calendars(), starts(), durations, durations)
def test_add_is_monotone_and_additive(
    cal: BusinessCalendar, start: pendulum.DateTime, a: dt.timedelta, b: dt.timedelta
) -> None:
    first = cal.add_business_time(start, a)
    both = cal.add_business_time(start, a + b)
    assert cal.add_business_time(start, min(a, b)) <= cal.add_business_time(start, max(a, b))
    assert cal.add_business_time(first, b) == both


@given(business_calendars(), starts(), starts())
def test_between_is_at_most_wall_clock_and_antisymmetric(
    cal: BusinessCalendar, a: pendulum.DateTime, b: pendulum.DateTime
) -> None:
    forward = cal.business_time_between(a, b)
    wall = dt.datetime.__sub__(b, a)
    assert abs(forward) <= abs(wall)
    assert cal.business_time_between(b, a) == -forward
    if b >= a:
        assert forward >= dt.timedelta(0)


@given(business_calendars(), starts())
def test_next_open_is_open_and_nothing_is_open_before_it(
    cal: BusinessCalendar, at: pendulum.DateTime
) -> None:
    found = cal.next_open(at)
    assert cal.is_open(found)
    assert cal.business_time_between(at, found) == dt.timedelta(0)
    intervals = cal.open_intervals(at, at + dt.timedelta(days=3))
    assert sum((e - s for s, e in intervals), dt.timedelta(0)) == cal.business_time_between(
        at, at + dt.timedelta(days=3)
    )


@given(business_calendars())
def test_calendars_round_trip_through_the_converter(cal: BusinessCalendar) -> None:
    assert structure(unstructure(cal), BusinessCalendar) == cal


# -- the oracle ---------------------------------------------------------------------------------
def _oracle_open_minutes(cal: BusinessCalendar, lo: dt.datetime, minutes: int) -> list[bool]:
    """Open/closed per minute, straight from the documented rules.

    A local bound L is passed at the earliest instant whose local reading is >= L, i.e.
    when the running maximum of the local wall-clock readings reaches L. An interval
    started on date D (not a holiday) is open while start <= running max < end.
    """
    zone = ZoneInfo(cal.timezone)
    holidays = {dt.date(d.year, d.month, d.day) for d in cal.holidays}
    warm = 36 * 60
    running_max = None
    out: list[bool] = []
    closures = [(a.timestamp(), b.timestamp()) for a, b in cal.closures]
    openings = [(a.timestamp(), b.timestamp()) for a, b in cal.openings]
    for i in range(-warm, minutes):
        instant = lo + i * MIN
        local = instant.astimezone(zone).replace(tzinfo=None)
        running_max = local if running_max is None or local > running_max else running_max
        if i < 0:
            continue
        r = running_max
        is_open = False
        for day in (r.date() - dt.timedelta(days=1), r.date()):
            if day in holidays:
                continue
            for s, e in cal.weekly[day.weekday()]:
                begin = dt.datetime.combine(day, s)
                end_day = day if e > s else day + dt.timedelta(days=1)
                end = dt.datetime.combine(end_day, e)
                if begin <= r < end:
                    is_open = True
        ts = instant.timestamp()
        if any(a <= ts < b for a, b in openings):
            is_open = True
        if any(a <= ts < b for a, b in closures):
            is_open = False
        out.append(is_open)
    return out


@settings(max_examples=int(os.environ.get("ORACLE_EXAMPLES", "40")))
@given(
    business_calendars(
        zones=("Europe/Stockholm", "Australia/Lord_Howe", "America/Sao_Paulo", "UTC"),
        years=(2024, 2024),
    ),
    st.sampled_from(ANCHORS),
    st.integers(0, 3 * 24 * 60),
    st.data(),
)
def test_agrees_with_minute_stepping_oracle(
    cal: BusinessCalendar, anchor: dt.datetime, skip: int, data: st.DataObject
) -> None:
    lo = anchor.replace(tzinfo=dt.UTC) + skip * MIN
    span = 4 * 24 * 60
    opened = _oracle_open_minutes(cal, lo, span)
    start = pendulum.instance(lo)
    # is_open and between, minute by minute
    for i in data.draw(st.lists(st.integers(0, span - 1), min_size=1, max_size=20)):
        assert cal.is_open(start + i * MIN) == opened[i]
    j = data.draw(st.integers(0, span))
    assert cal.business_time_between(start, start + j * MIN) == sum(opened[:j]) * MIN
    # add: the end of the minute in which the count reaches d
    total = sum(opened)
    if total:
        d = data.draw(st.integers(1, total))
        count = 0
        for i, is_open in enumerate(opened):
            count += is_open
            if count == d:
                assert cal.add_business_time(start, d * MIN) == start + (i + 1) * MIN
                break
