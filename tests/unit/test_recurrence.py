"""Recurrence: anchored month arithmetic, month-end rule, alignment, direct indexing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest

from servicecore.errors import ValidationError
from servicecore.recurrence import Interval, Period, Recurrence, Unit, days_in_month

D = pendulum.Date


def test_month_arithmetic_is_anchored_on_the_original_day() -> None:
    r = Recurrence.anniversary(Interval.months(1), D(2024, 1, 31))
    got = [r.occurrence(k) for k in range(5)]
    assert got == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30), D(2024, 5, 31)]


def test_negative_k_goes_back_from_the_anchor() -> None:
    r = Recurrence.anniversary(Interval.months(1), D(2024, 3, 31))
    assert r.occurrence(-1) == D(2024, 2, 29)
    assert r.occurrence(-2) == D(2024, 1, 31)


def test_last_day_of_month_rule() -> None:
    with_rule = Recurrence.anniversary(Interval.months(1), D(2024, 2, 29), last_day_of_month=True)
    without = Recurrence.anniversary(Interval.months(1), D(2024, 2, 29))
    assert [with_rule.occurrence(k) for k in range(3)] == [
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]
    assert [without.occurrence(k) for k in range(3)] == [
        D(2024, 2, 29),
        D(2024, 3, 29),
        D(2024, 4, 29),
    ]


def test_rule_only_applies_to_an_anchor_on_a_month_end() -> None:
    r = Recurrence.anniversary(Interval.months(1), D(2024, 2, 28), last_day_of_month=True)
    assert r.occurrence(1) == D(2024, 3, 28)


def test_yearly_feb_29() -> None:
    r = Recurrence.anniversary(Interval.years(1), D(2024, 2, 29))
    assert [r.occurrence(k) for k in range(5)] == [
        D(2024, 2, 29),
        D(2025, 2, 28),
        D(2026, 2, 28),
        D(2027, 2, 28),
        D(2028, 2, 29),
    ]


def test_days_and_weeks() -> None:
    assert Recurrence.anniversary(Interval.days(10), D(2024, 1, 1)).occurrence(3) == D(2024, 1, 31)
    weekly = Recurrence.calendar(Interval.weeks(1))
    p = weekly.period_containing(D(2024, 5, 16))  # a Thursday
    assert (p.start, p.end) == (D(2024, 5, 13), D(2024, 5, 20))
    assert p.start.day_of_week == pendulum.MONDAY


def test_calendar_alignment() -> None:
    q = Recurrence.calendar(Interval.quarters(1))
    assert q.period_containing(D(2024, 5, 17)) == Period(D(2024, 4, 1), D(2024, 7, 1))
    y = Recurrence.calendar(Interval.years(1))
    assert y.period_containing(D(2024, 5, 17)) == Period(D(2024, 1, 1), D(2025, 1, 1))
    m = Recurrence.calendar(Interval.months(1))
    assert m.first_on_or_after(D(2024, 5, 17)) == D(2024, 6, 1)
    assert m.first_on_or_after(D(2024, 6, 1)) == D(2024, 6, 1)


def test_fixed_billing_day() -> None:
    r = Recurrence.billing_day(Interval.months(1), 15)
    assert r.occurrences(D(2024, 1, 1), D(2024, 4, 1)) == [
        D(2024, 1, 15),
        D(2024, 2, 15),
        D(2024, 3, 15),
    ]
    last = Recurrence.billing_day(Interval.months(1), 31)
    assert last.occurrences(D(2024, 1, 1), D(2024, 5, 1)) == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]
    thirty = Recurrence.billing_day(Interval.months(1), 30)
    assert thirty.occurrences(D(2024, 2, 1), D(2024, 4, 1)) == [D(2024, 2, 29), D(2024, 3, 30)]
    with pytest.raises(ValidationError):
        Recurrence.billing_day(Interval.weeks(1), 3)
    with pytest.raises(ValidationError):
        Recurrence.billing_day(Interval.months(1), 32)


def test_periods_are_half_open_with_inclusive_last_day() -> None:
    p = Period(D(2024, 3, 1), D(2024, 4, 1))
    assert p.days == 31
    assert p.last_day == D(2024, 3, 31)
    assert p.contains(D(2024, 3, 31))
    assert not p.contains(D(2024, 4, 1))
    assert Period.inclusive(D(2024, 3, 10), D(2024, 3, 11)).days == 2
    assert p.intersection(Period(D(2024, 3, 20), D(2024, 5, 1))) == Period(
        D(2024, 3, 20), D(2024, 4, 1)
    )
    assert p.intersection(Period(D(2024, 4, 1), D(2024, 5, 1))) is None
    with pytest.raises(ValidationError):
        Period(D(2024, 3, 1), D(2024, 3, 1))


def test_first_occurrence_in_a_far_window_is_computed_directly() -> None:
    r = Recurrence.anniversary(Interval.months(1), D(1900, 1, 31))
    k = r.index_on_or_before(D(2100, 3, 15))
    assert k == (2100 - 1900) * 12 + 1
    assert r.occurrence(k) == D(2100, 2, 28)
    assert r.periods(D(2100, 3, 15), D(2100, 3, 16)) == [Period(D(2100, 2, 28), D(2100, 3, 31))]


def test_window_helpers() -> None:
    r = Recurrence.anniversary(Interval.months(1), D(2024, 1, 31))
    assert r.periods(D(2024, 3, 1), D(2024, 3, 1)) == []
    assert r.occurrences(D(2024, 2, 1), D(2024, 3, 31)) == [D(2024, 2, 29)]


def test_interval_validation_and_division() -> None:
    with pytest.raises(ValidationError):
        Interval(Unit.MONTH, 0)
    with pytest.raises(ValidationError):
        Interval("month", 1)  # type: ignore[arg-type]
    year, quarter, month, week, day = (
        Interval.years(1),
        Interval.quarters(1),
        Interval.months(1),
        Interval.weeks(1),
        Interval.days(1),
    )
    # the S9 table: accrual (left) allowed with invoicing (right)
    assert all(a.divides(year) for a in (year, quarter, month, day))
    assert all(a.divides(quarter) for a in (quarter, month, day))
    assert not year.divides(quarter)
    assert month.divides(month)
    assert day.divides(month)
    assert not quarter.divides(month)
    assert day.divides(week)
    assert not month.divides(week)
    assert str(quarter) == "quarter"
    assert str(Interval.weeks(2)) == "2 weeks"
    assert repr(month) == "Interval(MONTH, 1)"


def test_dates_reject_datetimes() -> None:
    r = Recurrence.calendar(Interval.months(1))
    with pytest.raises(ValidationError, match="calendar date"):
        r.period_containing(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        r.occurrence("1")  # type: ignore[arg-type]


def test_days_in_month() -> None:
    assert [days_in_month(2024, 2), days_in_month(2023, 2), days_in_month(1900, 2)] == [29, 28, 28]


def test_day_aims_past_the_anchor_month() -> None:
    r = Recurrence(Interval.years(1), D(2001, 2, 28), day=30)
    assert r.occurrences(D(2011, 1, 1), D(2013, 12, 31)) == [
        D(2011, 2, 28),
        D(2012, 2, 29),
        D(2013, 2, 28),
    ]
    q = Recurrence(Interval.quarters(1), D(2001, 2, 28), day=30)
    assert q.occurrences(D(2012, 1, 1), D(2012, 12, 31)) == [
        D(2012, 2, 29),
        D(2012, 5, 30),
        D(2012, 8, 30),
        D(2012, 11, 30),
    ]
    assert repr(q) == "Recurrence(Interval(MONTH, 3), 2001-02-28, day=30)"
    assert Recurrence.billing_day(Interval.years(1), 30, month=2) == Recurrence(
        Interval.years(1), D(2001, 2, 28), day=30
    )


@pytest.mark.parametrize(
    ("interval", "anchor", "day", "field"),
    [
        (Interval.months(1), D(2001, 2, 28), 0, "day"),
        (Interval.months(1), D(2001, 2, 28), True, "day"),
        (Interval.weeks(1), D(2001, 2, 28), 30, "day"),
        (Interval.months(1), D(2001, 2, 27), 30, "anchor"),
        (Interval.months(1), D(2001, 3, 28), 30, "anchor"),
    ],
)
def test_day_is_checked(interval: Interval, anchor: D, day: object, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Recurrence(interval, anchor, day=day)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_interval_lengths_in_days_and_months() -> None:
    assert (Interval.weeks(2).total_days, Interval.weeks(2).total_months) == (14, 0)
    assert (Interval.days(10).total_days, Interval.days(10).total_months) == (10, 0)
    assert (Interval.quarters(1).total_months, Interval.quarters(1).total_days) == (3, 0)
    assert (Interval.years(2).total_months, Interval.years(2).total_days) == (24, 0)


def test_day_and_week_intervals_divide_their_multiples_only() -> None:
    week, fortnight = Interval.weeks(1), Interval.weeks(2)
    assert week.divides(fortnight)
    assert not fortnight.divides(week)
    assert Interval.days(7).divides(fortnight)
    assert not Interval.days(3).divides(week)
    # weeks never nest in months (nor months in weeks): their lengths drift apart
    assert not week.divides(Interval.months(1))
    assert not Interval.months(1).divides(Interval.weeks(4))


def test_inclusive_period_needs_a_day_after_its_last_day() -> None:
    assert Period.inclusive(D(9998, 12, 1), D(9998, 12, 30)).end == D(9998, 12, 31)
    with pytest.raises(ValidationError, match="no day after it") as info:
        Period.inclusive(D(9998, 12, 1), D(9998, 12, 31))
    assert info.value.field == "last_day"
    assert info.value.allowed == "a date from 0002-01-01 to 9998-12-30"


def test_from_ordinals_builds_the_subclass_it_is_called_on() -> None:
    class Quarter(Period):
        pass

    jan1 = D(2024, 1, 1).toordinal()
    apr1 = D(2024, 4, 1).toordinal()
    q = Quarter.from_ordinals(jan1, apr1)
    assert type(q) is Quarter
    assert (q.start, q.end) == (D(2024, 1, 1), D(2024, 4, 1))
    assert type(Period.from_ordinals(jan1, apr1)) is Period


@pytest.mark.parametrize(
    ("call", "field", "value"),
    [
        # a yearly period containing a day of 9998 ends on 9999-01-01, off the calendar
        (lambda r, b: r.period_containing(D(9998, 6, 1)), "day", D(9998, 6, 1)),
        (lambda r, b: r.periods(D(9998, 6, 1), D(9998, 7, 1)), "end", D(9998, 7, 1)),
        # every 1200 years from 2000: the occurrence after 9500 would be in 10400
        (lambda r, b: b.first_on_or_after(D(9500, 1, 1)), "day", D(9500, 1, 1)),
        (lambda r, b: b.period_containing(D(9500, 1, 1)), "day", D(9500, 1, 1)),
        (lambda r, b: b.occurrences(D(9500, 1, 1), D(9998, 1, 1)), "end", D(9998, 1, 1)),
        (lambda r, b: b.periods(D(2, 1, 1), D(3, 1, 1)), "end", D(3, 1, 1)),
    ],
)
def test_a_window_at_the_edge_of_the_calendar_names_the_callers_date(
    call: Any, field: str, value: D
) -> None:
    yearly = Recurrence.anniversary(Interval.years(1), D(2024, 1, 1))
    big = Recurrence.anniversary(Interval.years(1200), D(2000, 1, 1))
    with pytest.raises(ValidationError, match="too close to the edge of the calendar") as info:
        call(yearly, big)
    assert info.value.field == field
    assert info.value.value == value
    assert "0002-01-01..9998-12-31" in str(info.value.allowed)


def test_the_ordinal_core_refuses_a_non_integer_ordinal() -> None:
    weekly = Recurrence.anniversary(Interval.weeks(1), D(2024, 1, 1))
    monthly = Recurrence.anniversary(Interval.months(1), D(2024, 1, 1))
    for r in (weekly, monthly):
        with pytest.raises(ValidationError, match="must be an integer") as info:
            r.index_on_or_before_ordinal("2024-01-08")  # type: ignore[arg-type]
        assert info.value.field == "ordinal"
    assert weekly.index_on_or_before_ordinal(D(2024, 1, 8).toordinal()) == 1


def test_occurrences_past_the_last_usable_date_are_refused_not_returned() -> None:
    # 9999-01-15 is a date no other call accepts (to_date takes 0002-01-01..9998-12-31)
    rec = Recurrence.anniversary(Interval.months(1), pendulum.Date(9998, 11, 15))
    assert rec.occurrence(1) == pendulum.Date(9998, 12, 15)
    with pytest.raises(ValidationError, match=r"0002-01-01\.\.9998-12-31"):
        rec.occurrence(2)
    with pytest.raises(ValidationError, match="too close to the edge"):
        rec.first_on_or_after(pendulum.Date(9998, 12, 20))
    early = Recurrence.anniversary(Interval.years(1), pendulum.Date(3, 6, 1))
    assert early.occurrence(-1) == pendulum.Date(2, 6, 1)
    with pytest.raises(ValidationError, match=r"0002-01-01\.\.9998-12-31"):
        early.occurrence(-2)  # 0001-06-01
