"""Business calendars at their limits: long stretches without work, the ends of the supported
years, wall clocks that do not exist, and instants a calendar refuses.

Expected values are worked out by hand in the comments; none is computed by the code under
test. Each calendar has its own name, so no test finds an index warmed by another: the
answers must not depend on what was asked before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum
import pytest

from servicecore.calendars import MAX_SPAN, BusinessCalendar
from servicecore.calendars import index as index_module
from servicecore.errors import BusinessRuleError, ValidationError

T = dt.time
H = dt.timedelta(hours=1)
NINE_TO_FIVE = [(T(9), T(17))]


def utc(year: int, month: int, day: int, hour: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz="UTC")


def office(name: str, **extra: object) -> BusinessCalendar:
    """Monday to Friday 09:00-17:00 UTC (8 hours a day)."""
    weekly = BusinessCalendar.weekdays("UTC", NINE_TO_FIVE).weekly
    return BusinessCalendar(timezone="UTC", weekly=weekly, name=name, **extra)  # type: ignore[arg-type]


@pytest.fixture
def years_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every year a calendar index builds, in order."""
    built: list[int] = []
    original: Callable[[index_module._Index, int], tuple[int, int, list[tuple[int, int]]]] = (
        index_module._Index.build_year
    )

    def counting(self: index_module._Index, year: int) -> tuple[int, int, list[tuple[int, int]]]:
        built.append(year)
        return original(self, year)

    monkeypatch.setattr(index_module._Index, "build_year", counting)
    return built


# -- the next opening is in a later year ----------------------------------------------------
def test_next_open_after_the_last_opening_of_a_year_is_in_the_next_year() -> None:
    cal = office("year end")
    # Tuesday 31 December 2024 after closing: the next opening is Wednesday 1 January 09:00.
    assert cal.next_open(utc(2024, 12, 31, 18)) == utc(2025, 1, 1, 9)


def test_next_open_inside_a_closure_ignores_other_closures() -> None:
    cal = office(
        "two closures",
        closures=[
            (utc(2024, 3, 1), utc(2024, 3, 2)),  # an earlier day off, not covering the question
            (utc(2024, 12, 20), utc(2025, 1, 10)),  # the year-end shutdown
        ],
    )
    # Inside the shutdown, the next opening is when it ends: Friday 10 January 2025, 09:00.
    assert cal.next_open(utc(2024, 12, 27, 10)) == utc(2025, 1, 10, 9)
    # Thursday 19 December 10:00 plus one business day: Friday 20 December is closed all day,
    # so the next business day is Friday 10 January, at the same position (10:00).
    assert cal.add_business_days(utc(2024, 12, 19, 10), 1) == utc(2025, 1, 10, 10)


# -- weekly hours that stop, for years or for good ---------------------------------------------
def test_weekly_hours_paused_for_decades_resume_where_the_calendar_says(
    years_built: list[int],
) -> None:
    cal = office(
        "paused 36 years",
        weekly_changes=[
            (dt.date(2025, 1, 1), {}),  # no weekly hours from 2025 on ...
            (dt.date(2061, 1, 3), BusinessCalendar.weekdays("UTC", NINE_TO_FIVE).weekly),
        ],
    )
    # ... until Monday 3 January 2061 (the answer used to be "never opens": the index gave
    # up after 30 empty years).
    assert cal.next_open(utc(2025, 6, 2, 10)) == utc(2061, 1, 3, 9)
    assert len(years_built) <= 3  # the empty years are jumped, not built one by one
    # Tuesday 31 December 2024 10:00 plus 10 hours: 7 hours that day, 3 on 3 January 2061.
    assert cal.add_business_time(utc(2024, 12, 31, 10), 10 * H) == utc(2061, 1, 3, 12)
    # One hour into 31 December; business days after it: Monday 3 and Tuesday 4 January 2061.
    assert cal.add_business_days(utc(2024, 12, 31, 10), 2) == utc(2061, 1, 4, 10)


def test_an_opening_during_a_pause_of_the_weekly_hours_is_found() -> None:
    cal = office(
        "paused with an opening",
        weekly_changes=[
            (dt.date(2025, 1, 1), {}),
            (dt.date(2035, 1, 1), {}),  # still no hours: the pause goes on
            (dt.date(2061, 1, 3), BusinessCalendar.weekdays("UTC", NINE_TO_FIVE).weekly),
        ],
        openings=[(utc(2030, 6, 1, 9), utc(2030, 6, 1, 12))],  # one Saturday morning
    )
    assert cal.next_open(utc(2025, 6, 2, 10)) == utc(2030, 6, 1, 9)
    # After that opening, nothing until the weekly hours come back on Monday 3 January 2061.
    assert cal.next_open(utc(2031, 1, 1)) == utc(2061, 1, 3, 9)
    # 2 hours from 2025: the opening gives 3 hours, so they run out at 11:00.
    assert cal.add_business_time(utc(2025, 6, 2, 10), 2 * H) == utc(2030, 6, 1, 11)


def test_weekly_hours_that_stop_for_good_never_open_again(years_built: list[int]) -> None:
    cal = office("stops for good", weekly_changes=[(dt.date(2025, 1, 1), {})])
    with pytest.raises(BusinessRuleError) as opening:
        cal.next_open(utc(2025, 6, 2, 10))
    # Tuesday 31 December 2024 10:00 has 7 hours left, then nothing: 40 hours never run out.
    with pytest.raises(BusinessRuleError) as duration:
        cal.add_business_time(utc(2024, 12, 31, 10), 40 * H)
    # Monday 30 December 2024: one business day follows (the 31st), never five.
    with pytest.raises(BusinessRuleError) as days:
        cal.add_business_days(utc(2024, 12, 30, 10), 5)
    assert opening.value.rule == duration.value.rule == days.value.rule == "calendar-never-opens"
    # Known at once: add_business_days used to walk every day up to year 9998 (minutes).
    assert len(years_built) <= 4
    assert cal.add_business_days(utc(2024, 12, 30, 10), 1) == utc(2024, 12, 31, 10)


def test_a_calendar_of_openings_only_finds_one_decades_ahead() -> None:
    cal = BusinessCalendar(
        timezone="UTC",
        weekly={},
        openings=[(utc(2070, 3, 1, 9), utc(2070, 3, 1, 12))],
        name="one far opening",
    )
    assert cal.next_open(utc(2024, 6, 3)) == utc(2070, 3, 1, 9)
    assert cal.add_business_time(utc(2024, 6, 3), H) == utc(2070, 3, 1, 10)
    # The start moves to the opening, which is the only business day: no next one.
    with pytest.raises(BusinessRuleError) as raised:
        cal.add_business_days(utc(2024, 6, 3), 1)
    assert raised.value.rule == "calendar-never-opens"


# -- the ends of what a calendar computes -------------------------------------------------------
def test_business_time_between_refuses_spans_longer_than_max_span() -> None:
    cal = office("long span")
    start = utc(2000, 1, 1)
    for end in (start + MAX_SPAN + dt.timedelta(days=1), start - MAX_SPAN - dt.timedelta(days=1)):
        with pytest.raises(ValidationError) as raised:
            cal.business_time_between(start, end)
        assert raised.value.field == "end"
        assert "MAX_SPAN" in str(raised.value.allowed)


def test_business_days_cannot_end_after_the_supported_years() -> None:
    cal = office("end of years")
    start = utc(9998, 12, 1, 10)  # a Tuesday
    # Weekdays from Wednesday 2 to Wednesday 30 December 9998: 3 + 5 + 5 + 5 + 3 = 21.
    assert cal.add_business_days(start, 21) == utc(9998, 12, 30, 10)
    for n in (22, 30):  # 22: walks past 30 December; 30: more days than are left at all
        with pytest.raises(ValidationError) as raised:
            cal.add_business_days(start, n)
        assert raised.value.field == "n"
        assert raised.value.value == n
        assert "9998-12-30" in str(raised.value)


def test_business_time_cannot_run_past_the_supported_years() -> None:
    cal = office("past 9998")
    # Five calendar years fit before the end of 9998, but five years of business hours at
    # 40 hours a week need about 21 years of this calendar.
    with pytest.raises(ValidationError) as raised:
        cal.add_business_time(utc(9990, 1, 1, 10), dt.timedelta(days=5 * 365))
    assert raised.value.field == "start"
    assert "calendars cover the years 2..9998" in str(raised.value)


# -- wall clocks that do not exist, instants that are refused ------------------------------------
def test_weekly_hours_inside_the_spring_forward_gap_give_no_work_that_day() -> None:
    zone = "Europe/Stockholm"
    cal = BusinessCalendar(timezone=zone, weekly={6: [(T(2), T(3))]}, name="gap")  # Sundays
    # On Sunday 31 March 2024 the clocks jump from 02:00 to 03:00: the hour does not exist.
    start, end = pendulum.datetime(2024, 3, 30, tz=zone), pendulum.datetime(2024, 4, 8, tz=zone)
    assert cal.business_time_between(start, end) == H  # only Sunday 7 April
    assert cal.open_intervals(start, end) == (
        (pendulum.datetime(2024, 4, 7, 2, tz=zone), pendulum.datetime(2024, 4, 7, 3, tz=zone)),
    )


def test_weekly_changes_may_be_given_as_a_mapping() -> None:
    mornings = {0: [(T(8), T(12))]}
    as_mapping = office("changes", weekly_changes={dt.date(2025, 1, 1): mornings})
    assert as_mapping == office("changes", weekly_changes=[(dt.date(2025, 1, 1), mornings)])
    # Monday 6 January 2025 is open 08-12 only.
    assert as_mapping.business_time_between(utc(2025, 1, 6), utc(2025, 1, 7)) == 4 * H


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_a_pendulum_start_in_a_machine_dependent_zone_is_refused(zone: str) -> None:
    start = pendulum.datetime(2024, 6, 3, 10, tz=pendulum.timezone(zone))
    with pytest.raises(ValidationError) as raised:
        office("refused zones").add_business_time(start, H)
    assert raised.value.field == "start"
    assert zone in str(raised.value)


class _KeyWithoutOffset(dt.tzinfo):
    """A zone named like an IANA zone that gives no offset: its datetimes are naive."""

    key = "Europe/Stockholm"

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, d: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, d: dt.datetime | None) -> str | None:
        return None


def test_a_start_whose_zone_gives_no_offset_is_naive() -> None:
    start = dt.datetime(2024, 6, 3, 10, tzinfo=_KeyWithoutOffset())
    with pytest.raises(ValidationError) as raised:
        office("no offset").add_business_time(start, H)
    assert raised.value.field == "start"
    assert "naive" in str(raised.value)
