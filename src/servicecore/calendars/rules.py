"""Validation of a calendar's parts, and public-holiday rules from the optional
``holidays`` package."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from typing import Any

import pendulum
from attrs import frozen

from servicecore.calendars._instants import InstantRange, Weekly, WeeklyIntervals, _to_us
from servicecore.clock import to_date, to_instant, to_timezone
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.ports import check_int

_PAIRS = "a list of (start time, end time) pairs of datetime.time"


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


def _convert_weekly_changes(value: object) -> tuple[tuple[pendulum.Date, Weekly], ...]:
    if isinstance(value, Mapping):
        value = list(value.items())
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValidationError(
            f"weekly_changes must be (date, weekly hours) pairs, not {value!r}",
            field="weekly_changes",
            value=value,
            allowed="[(date(2025, 1, 1), {0: [(time(8), time(16))], ...}), ...]",
        )
    out: dict[pendulum.Date, Weekly] = {}
    for item in value:
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise ValidationError(
                f"weekly_changes holds {item!r}, which is not a (date, weekly hours) pair",
                field="weekly_changes",
                value=item,
                allowed="(date(2025, 1, 1), {0: [(time(8), time(16))], ...})",
            )
        day = to_date(item[0], "weekly_changes date")
        if day in out:
            raise ValidationError(
                f"weekly_changes has two changes on {day}",
                field="weekly_changes",
                value=item,
                allowed="at most one change per date",
            )
        out[day] = _convert_weekly(item[1])
    return tuple(sorted(out.items()))


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
        first, last = getattr(found, "start_year", None), getattr(found, "end_year", None)
        if isinstance(first, int) and isinstance(last, int) and not first <= year <= last:
            # Outside its data the package returns no holiday at all: Christmas would be a
            # working day. Say so instead of answering wrong.
            raise BusinessRuleError(
                f"the holidays package has the public holidays of {self.country}"
                f"{'/' + self.subdivision if self.subdivision else ''} for {first}..{last} "
                f"only, not for {year}; list that year's holidays by hand",
                rule="holiday-rules-cover-years",
                entity="holiday_rules",
                id=self.country,
            )
        return frozenset(d for d in found if d.year == year)
