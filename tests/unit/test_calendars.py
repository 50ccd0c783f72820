"""Business calendars: the issue's hand-worked examples and every documented rule.

Expected values are written by hand from the issue text and the rules in
``servicecore.calendars``; none is computed by the code under test.
"""

from __future__ import annotations

import datetime as dt
import pickle
import sys
import threading

import pendulum
import pytest

from servicecore.calendars import ALWAYS_OPEN, BusinessCalendar, HolidayRules, always_open
from servicecore.errors import BusinessRuleError, ValidationError

Z = "Europe/Stockholm"
T = dt.time
H = dt.timedelta(hours=1)
OFFICE = [(T(8), T(12)), (T(13), T(17))]

# Swedish public holidays 2024 written by hand (Good Friday 29 March, Easter Monday 1 April,
# Ascension 9 May, National Day 6 June, Christmas, ...).
SE_2024 = [
    dt.date(2024, 1, 1),
    dt.date(2024, 1, 6),
    dt.date(2024, 3, 29),
    dt.date(2024, 4, 1),
    dt.date(2024, 5, 1),
    dt.date(2024, 5, 9),
    dt.date(2024, 6, 6),
    dt.date(2024, 6, 22),
    dt.date(2024, 11, 2),
    dt.date(2024, 12, 25),
    dt.date(2024, 12, 26),
]


def at(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, tz: str = Z
) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=tz)


def office_by_hand() -> BusinessCalendar:
    return BusinessCalendar.weekdays(Z, OFFICE, holidays=SE_2024)


def office_by_rules() -> BusinessCalendar:
    return BusinessCalendar.weekdays(Z, OFFICE, holiday_rules=HolidayRules("SE"))


def night_shift() -> BusinessCalendar:
    return BusinessCalendar(timezone=Z, weekly={d: [(T(22), T(6))] for d in range(7)})


# -- acceptance: the worked examples ------------------------------------------------
@pytest.mark.parametrize("make", [office_by_hand, office_by_rules])
def test_easter_thursday_plus_two_hours_is_tuesday_nine(make: object) -> None:
    cal = make()  # type: ignore[operator]
    result = cal.add_business_time(at(2024, 3, 28, 16), 2 * H)
    assert result == at(2024, 4, 2, 9)
    assert result.isoformat() == "2024-04-02T09:00:00+02:00"


@pytest.mark.parametrize("make", [office_by_hand, office_by_rules])
def test_friday_afternoon_plus_one_hour_is_monday_after_dst_end(make: object) -> None:
    cal = make()  # type: ignore[operator]
    result = cal.add_business_time(at(2024, 10, 25, 16, 30), H)
    assert result.isoformat() == "2024-10-28T08:30:00+01:00"


def test_night_shift_over_spring_forward_has_seven_hours() -> None:
    result = night_shift().add_business_time(at(2024, 3, 30, 22), 8 * H)
    assert result.isoformat() == "2024-03-31T23:00:00+02:00"
    assert night_shift().business_time_between(at(2024, 3, 30, 22), at(2024, 3, 31, 6)) == 7 * H


def test_night_shift_over_fall_back_has_nine_hours() -> None:
    result = night_shift().add_business_time(at(2024, 10, 26, 22), 8 * H)
    assert result.isoformat() == "2024-10-27T05:00:00+01:00"
    assert night_shift().business_time_between(at(2024, 10, 26, 22), at(2024, 10, 27, 6)) == 9 * H


def test_holiday_rules_give_swedish_dates() -> None:
    dates = HolidayRules("SE").dates(2024)
    assert {dt.date(2024, 3, 29), dt.date(2024, 4, 1), dt.date(2024, 12, 25)} <= dates
    assert dt.date(2024, 4, 2) not in dates


# -- semantics -----------------------------------------------------------------------------------
def test_deadline_used_up_at_closing_time_is_the_closing_instant() -> None:
    cal = office_by_hand()
    assert cal.add_business_time(at(2024, 4, 2, 16), H) == at(2024, 4, 2, 17)
    assert cal.add_business_time(at(2024, 4, 2, 8), 4 * H) == at(2024, 4, 2, 12)


def test_zero_duration_returns_start_unchanged_even_when_closed() -> None:
    saturday = at(2024, 4, 6, 10)
    assert office_by_hand().add_business_time(saturday, dt.timedelta(0)) is saturday


def test_start_outside_working_time_counts_from_next_opening() -> None:
    cal = office_by_hand()
    assert cal.add_business_time(at(2024, 4, 6, 10), 30 * dt.timedelta(minutes=1)) == at(
        2024, 4, 8, 8, 30
    )
    assert cal.add_business_time(at(2024, 4, 2, 12, 15), H) == at(2024, 4, 2, 14)


def test_result_is_in_the_zone_of_the_start() -> None:
    start = pendulum.datetime(2024, 4, 2, 6, tz="UTC")  # 08:00 in Stockholm
    result = office_by_hand().add_business_time(start, H)
    assert result.isoformat() == "2024-04-02T07:00:00+00:00"
    aware = dt.datetime(2024, 4, 2, 8, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert office_by_hand().add_business_time(aware, H).isoformat() == "2024-04-02T09:00:00+02:00"


def test_between_is_negative_when_end_is_before_start() -> None:
    cal = office_by_hand()
    assert cal.business_time_between(at(2024, 4, 2, 9), at(2024, 3, 28, 16)) == -2 * H
    assert cal.business_time_between(at(2024, 4, 2, 9), at(2024, 4, 2, 9)) == dt.timedelta(0)


def test_long_durations_cross_years() -> None:
    cal = BusinessCalendar.weekdays("UTC", [(T(9), T(17))])
    # 2024-01-01 is a Monday; 52 full weeks of 5 x 8 h end on Friday 2024-12-27 at 17:00.
    assert cal.add_business_time(at(2024, 1, 1, 9, tz="UTC"), 52 * 5 * 8 * H) == at(
        2024, 12, 27, 17, tz="UTC"
    )
    assert (
        cal.business_time_between(at(2024, 1, 1, tz="UTC"), at(2026, 1, 1, tz="UTC"))
        == (262 + 261) * 8 * H
    )


def test_is_open_next_open_and_intervals() -> None:
    cal = office_by_hand()
    assert cal.is_open(at(2024, 4, 2, 8))
    assert not cal.is_open(at(2024, 4, 2, 12))  # closing instant itself is closed
    assert not cal.is_open(at(2024, 3, 29, 10))  # Good Friday
    opened = at(2024, 4, 2, 10)
    assert cal.next_open(opened) is opened
    assert cal.next_open(at(2024, 3, 28, 17)) == at(2024, 4, 2, 8)
    assert cal.open_intervals(at(2024, 3, 28, 10), at(2024, 4, 2, 14)) == (
        (at(2024, 3, 28, 10), at(2024, 3, 28, 12)),
        (at(2024, 3, 28, 13), at(2024, 3, 28, 17)),
        (at(2024, 4, 2, 8), at(2024, 4, 2, 12)),
        (at(2024, 4, 2, 13), at(2024, 4, 2, 14)),
    )
    assert cal.open_intervals(at(2024, 4, 2, 14), at(2024, 4, 2, 14)) == ()


def test_overlapping_intervals_are_merged() -> None:
    cal = BusinessCalendar(timezone=Z, weekly={0: [(T(8), T(12)), (T(10), T(14)), (T(14), T(15))]})
    assert cal.open_intervals(at(2024, 4, 8), at(2024, 4, 9)) == (
        (at(2024, 4, 8, 8), at(2024, 4, 8, 15)),
    )
    assert cal.business_time_between(at(2024, 4, 8), at(2024, 4, 9)) == 7 * H


def test_whole_day_is_24_hours_and_25_on_fall_back_day() -> None:
    cal = always_open(Z)
    assert cal.business_time_between(at(2024, 10, 27), at(2024, 10, 28)) == 25 * H
    assert cal.business_time_between(at(2024, 3, 31), at(2024, 4, 1)) == 23 * H
    assert ALWAYS_OPEN.add_business_time(at(2024, 1, 1, tz="UTC"), 50 * H) == at(
        2024, 1, 3, 2, tz="UTC"
    )


def test_night_shift_across_new_year_is_one_interval() -> None:
    cal = BusinessCalendar(timezone=Z, weekly={1: [(T(22), T(6))]})  # Tuesday nights
    # Tuesday 2024-12-31 22:00 to Wednesday 2025-01-01 06:00.
    assert cal.open_intervals(at(2024, 12, 31), at(2025, 1, 2)) == (
        (at(2024, 12, 31, 22), at(2025, 1, 1, 6)),
    )
    assert cal.add_business_time(at(2024, 12, 31, 23), 2 * H) == at(2025, 1, 1, 1)
    assert cal.business_time_between(at(2024, 12, 31, 23, 30), at(2025, 1, 1, 0, 30)) == H


def test_holiday_closes_only_intervals_that_start_on_it() -> None:
    cal = BusinessCalendar(
        timezone=Z,
        weekly={d: [(T(22), T(6))] for d in range(7)},
        holidays=[dt.date(2024, 12, 25)],
    )
    # The shift starting on the 24th runs into the holiday; the one starting on the 25th
    # does not run at all.
    assert cal.is_open(at(2024, 12, 25, 3))
    assert not cal.is_open(at(2024, 12, 25, 23))
    assert cal.next_open(at(2024, 12, 25, 6)) == at(2024, 12, 26, 22)


def test_openings_add_time_even_on_holidays_and_closures_win() -> None:
    cal = BusinessCalendar(
        timezone=Z,
        weekly=dict.fromkeys(range(5), OFFICE),
        holidays=[dt.date(2024, 4, 1)],
        openings=[
            (at(2024, 4, 6, 9), at(2024, 4, 6, 11)),  # a Saturday
            (at(2024, 4, 1, 10), at(2024, 4, 1, 11)),  # on the Easter Monday holiday
        ],
        closures=[
            (at(2024, 4, 2, 8), at(2024, 4, 2, 10)),  # late start on Tuesday
            (at(2024, 4, 6, 10), at(2024, 4, 6, 10, 30)),  # inside the Saturday opening
        ],
    )
    assert cal.open_intervals(at(2024, 4, 1), at(2024, 4, 2, 12)) == (
        (at(2024, 4, 1, 10), at(2024, 4, 1, 11)),
        (at(2024, 4, 2, 10), at(2024, 4, 2, 12)),
    )
    assert cal.business_time_between(at(2024, 4, 6), at(2024, 4, 7)) == dt.timedelta(minutes=90)


def test_spring_forward_gap_bound_maps_to_the_transition() -> None:
    cal = BusinessCalendar(timezone=Z, weekly={6: [(T(2, 30), T(5))]})  # Sundays
    # 02:30 does not exist on 2024-03-31: the shift starts at 03:00 summer time.
    assert cal.open_intervals(at(2024, 3, 31), at(2024, 4, 1)) == (
        (at(2024, 3, 31, 3), at(2024, 3, 31, 5)),
    )
    assert cal.open_intervals(at(2024, 3, 31), at(2024, 4, 1))[0][0].isoformat() == (
        "2024-03-31T03:00:00+02:00"
    )
    ends_in_gap = BusinessCalendar(timezone=Z, weekly={6: [(T(1), T(2, 30))]})
    assert ends_in_gap.business_time_between(at(2024, 3, 31), at(2024, 4, 1)) == H


def test_fall_back_fold_bound_maps_to_first_occurrence() -> None:
    cal = BusinessCalendar(timezone=Z, weekly={6: [(T(2, 30), T(4))]})
    # 02:30 happens twice on 2024-10-27; the shift starts at the first (00:30 UTC) and
    # runs to 04:00 CET (03:00 UTC): 2.5 real hours.
    # (Compared in UTC: stdlib never finds a fold instant equal to one in another zone.)
    first = cal.open_intervals(at(2024, 10, 27), at(2024, 10, 28))[0][0]
    assert first.in_timezone("UTC") == pendulum.datetime(2024, 10, 27, 0, 30, tz="UTC")
    assert first.isoformat() == "2024-10-27T02:30:00+02:00"
    assert cal.business_time_between(at(2024, 10, 27), at(2024, 10, 28)) == dt.timedelta(
        hours=2, minutes=30
    )


def test_add_business_days_keeps_position_in_day() -> None:
    cal = office_by_hand()
    # Thursday 10:00 + 2 business days: Good Friday and Easter Monday skipped.
    assert cal.add_business_days(at(2024, 3, 28, 10), 2) == at(2024, 4, 3, 10)
    # From a Saturday: counted from Monday's opening.
    assert cal.add_business_days(at(2024, 4, 6, 10), 1) == at(2024, 4, 9, 8)
    # Tuesday's closing instant is outside working time: counted from Wednesday's opening.
    assert cal.add_business_days(at(2024, 4, 2, 17), 1) == at(2024, 4, 4, 8)
    # One minute before closing the position is 7 h 59 min into the day.
    assert cal.add_business_days(at(2024, 4, 2, 16, 59), 1) == at(2024, 4, 3, 16, 59)
    start = at(2024, 4, 2, 10)
    assert cal.add_business_days(start, 0) is start


def test_add_business_days_caps_at_shorter_day() -> None:
    cal = BusinessCalendar(timezone=Z, weekly={0: [(T(8), T(17))], 1: [(T(8), T(10))]})
    assert cal.add_business_days(at(2024, 4, 8, 16), 1) == at(2024, 4, 9, 10)


def test_calendar_that_never_opens_again_raises() -> None:
    only_once = BusinessCalendar(
        timezone=Z, weekly={}, openings=[(at(2024, 4, 6, 9), at(2024, 4, 6, 11))]
    )
    assert only_once.add_business_time(at(2024, 4, 1), H) == at(2024, 4, 6, 10)
    with pytest.raises(BusinessRuleError, match="no more working time"):
        only_once.add_business_time(at(2024, 4, 1), 3 * H)
    with pytest.raises(BusinessRuleError, match="never opens"):
        only_once.next_open(at(2024, 4, 7))
    with pytest.raises(BusinessRuleError, match="never opens"):
        only_once.add_business_days(at(2024, 4, 6, 9), 1)


def test_far_future_is_refused() -> None:
    cal = office_by_hand()
    with pytest.raises(ValidationError, match="years"):
        cal.add_business_time(at(9998, 12, 1), 5000 * H)


# -- values and validation -------------------------------------------------------------------
def test_calendar_is_a_hashable_value_and_pickles() -> None:
    a, b = office_by_rules(), office_by_rules()
    assert a == b
    assert hash(a) == hash(b)
    a.add_business_time(at(2024, 3, 28, 16), H)  # builds (and attaches) the index
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a
    assert hash(copy) == hash(a)
    assert copy.add_business_time(at(2024, 3, 28, 16), 2 * H) == at(2024, 4, 2, 9)


def test_weekday_keys_accept_pendulum_weekday() -> None:
    cal = BusinessCalendar(timezone=Z, weekly={pendulum.WeekDay.SATURDAY: [(T(9), T(10))]})
    assert cal.weekly[5] == ((T(9), T(10)),)
    assert cal.is_open(at(2024, 4, 6, 9, 30))


def test_concurrent_first_use_builds_one_consistent_index() -> None:
    cal = BusinessCalendar.weekdays("America/New_York", [(T(9), T(17))])
    results: list[pendulum.DateTime] = []

    def work() -> None:
        results.append(cal.add_business_time(at(2030, 3, 1, 9, tz="UTC"), 2000 * H))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1


def test_empty_closures_and_openings_are_accepted_and_change_nothing() -> None:
    # Peers accept a closure whose start equals its end; it removes nothing.
    plain = BusinessCalendar.weekdays(Z, [(T(8), T(17))])
    noon = at(2024, 1, 2, 12)
    empty = BusinessCalendar(
        timezone=Z,
        weekly=plain.weekly,
        closures=[(noon, noon)],
        openings=[(at(2024, 1, 6, 10), at(2024, 1, 6, 10))],
    )
    assert empty.closures == ()
    assert empty.openings == ()
    assert empty.is_open(noon)
    week = (at(2024, 1, 1), at(2024, 1, 8))
    assert empty.business_time_between(*week) == plain.business_time_between(*week)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus", "weekly": {}}, "IANA"),
        ({"timezone": Z, "weekly": {7: []}}, "not a weekday"),
        ({"timezone": Z, "weekly": {True: []}}, "not a weekday"),
        ({"timezone": Z, "weekly": {0: [(T(8),)]}}, "not a .start, end. pair"),
        ({"timezone": Z, "weekly": {0: [("08:00", T(9))]}}, "datetime.time"),
        ({"timezone": Z, "weekly": {0: "08-17"}}, "list of"),
        ({"timezone": Z, "weekly": "Mon-Fri"}, "map weekdays"),
        ({"timezone": Z, "weekly": {}, "holidays": "2024-12-25"}, "collection of dates"),
        ({"timezone": Z, "weekly": {}, "holidays": [dt.datetime(2024, 1, 1)]}, "date"),
        ({"timezone": Z, "weekly": {}, "closures": [(1, 2, 3)]}, "pair"),
        ({"timezone": Z, "weekly": {}, "closures": 5}, "collection"),
        ({"timezone": Z, "weekly": {}, "openings": [(at(2024, 1, 2), at(2024, 1, 1))]}, "reversed"),
        ({"timezone": Z, "weekly": {}, "closures": [(at(2024, 1, 2), at(2024, 1, 1))]}, "reversed"),
        (
            {"timezone": Z, "weekly": {}, "openings": [(dt.datetime(2024, 1, 1), at(2024, 1, 2))]},
            "naive",
        ),
        ({"timezone": Z, "weekly": {}, "holiday_rules": "SE"}, "HolidayRules"),
        ({"timezone": Z, "weekly": {}, "name": 3}, "name"),
    ],
)
def test_bad_calendars_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]


def test_weekly_as_seven_item_sequence() -> None:
    seven = BusinessCalendar(timezone=Z, weekly=[OFFICE] * 5 + [[], []])
    assert seven == office_by_hand().__class__.weekdays(Z, OFFICE)


def test_bad_arguments_are_refused() -> None:
    cal = office_by_hand()
    with pytest.raises(ValidationError, match="negative"):
        cal.add_business_time(at(2024, 4, 2), -H)
    with pytest.raises(ValidationError, match="timedelta"):
        cal.add_business_time(at(2024, 4, 2), 3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="business days"):
        cal.add_business_days(at(2024, 4, 2), -1)
    with pytest.raises(ValidationError, match="business days"):
        cal.add_business_days(at(2024, 4, 2), True)
    with pytest.raises(ValidationError, match="date"):
        cal.is_open(dt.date(2024, 4, 2))  # type: ignore[arg-type]


def test_unknown_country_is_refused() -> None:
    with pytest.raises(ValidationError, match="no country"):
        HolidayRules("XX")
    with pytest.raises(ValidationError, match="country code"):
        HolidayRules(46)  # type: ignore[arg-type]


def test_missing_holidays_package_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "holidays", None)
    with pytest.raises(ValidationError, match=r"servicecore\[holidays\]"):
        HolidayRules("SE")


def test_far_apart_queries_do_not_disturb_each_other() -> None:
    def fresh() -> BusinessCalendar:
        return BusinessCalendar.weekdays("Asia/Kolkata", [(T(9), T(13)), (T(14), T(18))])

    starts = [at(2024, 5, 6, 9, tz="Asia/Kolkata"), at(2090, 5, 1, 9, tz="Asia/Kolkata")]
    starts += [at(1995, 5, 1, 9, tz="Asia/Kolkata"), at(2026, 1, 1, 9, tz="Asia/Kolkata")]
    # 8 h days, Monday-Friday: 2000 h are 250 weekdays = 50 weeks.
    expected = {s: fresh().add_business_time(s, 2000 * H) for s in starts}
    assert expected[starts[0]] == at(2025, 4, 18, 18, tz="Asia/Kolkata")  # Friday, 50 weeks on
    shared = fresh()
    failures: list[str] = []

    def work(start: pendulum.DateTime) -> None:
        for _ in range(20):
            if shared.add_business_time(start, 2000 * H) != expected[start]:
                failures.append(str(start))
            if shared.business_time_between(start, expected[start]) != 2000 * H:
                failures.append(str(start))

    threads = [threading.Thread(target=work, args=(s,)) for s in starts * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_next_open_after_a_long_closure_does_not_depend_on_earlier_questions() -> None:
    # Closed for 36 years: the answer used to be "never opens" on a cold index and the
    # reopening on one warmed by another call.
    def closed() -> BusinessCalendar:
        return BusinessCalendar(
            timezone=Z,
            weekly=BusinessCalendar.weekdays(Z, [(T(8), T(17))]).weekly,
            closures=[(at(2024, 1, 1), at(2060, 1, 5))],
        )

    cold = closed().next_open(at(2024, 6, 3, 9))
    warm_calendar = closed()
    warm_calendar.business_time_between(at(2023, 1, 1), at(2024, 1, 1))
    warm = warm_calendar.next_open(at(2024, 6, 3, 9))
    assert cold == warm == at(2060, 1, 5, 8)  # 2060-01-05 is a Monday


def test_holiday_rules_refuse_years_their_source_has_no_data_for() -> None:
    # The holidays package stops in 2100: Christmas 2150 used to be a working day.
    rules = HolidayRules("SE")
    assert dt.date(2024, 12, 25) in rules.dates(2024)
    with pytest.raises(BusinessRuleError, match=r"for 1953\.\.2100 only, not for 2150"):
        rules.dates(2150)
    cal = BusinessCalendar.weekdays(Z, [(T(8), T(17))], holiday_rules=rules)
    assert cal.is_open(at(2100, 12, 27, 9))  # a Monday within the data
    with pytest.raises(BusinessRuleError, match="list that year's holidays by hand"):
        cal.is_open(at(2150, 12, 25, 9))


def test_a_long_duration_extends_the_index_a_few_times_not_once_per_year() -> None:
    # Issue 15 item 16: each extension copies the whole span, so extending year by year made
    # add_business_time quadratic in the duration. 150 years of an 8-hour weekday calendar
    # are reached in a handful of extensions, and the answer is the hand-computed one.
    from servicecore.calendars import index as index_module

    cal = BusinessCalendar.weekdays("UTC", [(dt.time(8), dt.time(16))])
    calls: list[tuple[int, int]] = []
    original = index_module._Index._extend_to

    def counting(self: index_module._Index, first: int, last: int) -> index_module._Snapshot:
        calls.append((first, last))
        return original(self, first, last)

    start = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)  # a Monday
    index_module._Index._extend_to = counting  # type: ignore[method-assign]
    try:
        end = cal.add_business_time(start, dt.timedelta(hours=8 * 5 * 52 * 150))
    finally:
        index_module._Index._extend_to = original  # type: ignore[method-assign]
    assert len(calls) <= 4
    # 150 x 52 weeks of five 8-hour days from Monday 2024-01-01 08:00 (a Monday 7,800 weeks
    # later is 2173-06-28): the last working day of those weeks is Friday 2173-06-25, used
    # up at its closing, 16:00.
    assert end == pendulum.datetime(2173, 6, 25, 16, tz="UTC")
