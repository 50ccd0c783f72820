"""Recurrence: intervals, anchored month arithmetic and half-open periods.

Shared by subscriptions (billing and accrual periods) and agreements (service intervals).

* An :class:`Interval` is a unit (day, week, month, year) times a count ``n >= 1``.
* A :class:`Recurrence` is an interval plus an **anchor** date. Occurrence ``k`` is the
  anchor moved by ``k`` intervals, always computed *from the anchor*, never from the
  previous occurrence, so month ends never drift: an anchor on Jan 31 gives Feb 29,
  Mar 31, Apr 30 (the day is clamped to the month length, then restored).
* With ``last_day_of_month=True`` an anchor on the last day of its month always lands on
  the last day (Feb 29 -> Mar 31 -> Apr 30), instead of keeping the day number.
* Periods are half-open ``[start, end)``; :attr:`Period.last_day` is the inclusive last
  day for display.
* :meth:`Recurrence.index_on_or_before` computes ``k`` directly (no walking from the
  anchor), so the first occurrence in any window costs O(1).

Alignment helpers: :meth:`Recurrence.anniversary` (anchored on a start date),
:meth:`Recurrence.calendar` (months on the 1st, quarters on Jan/Apr/Jul/Oct 1, years on
Jan 1, weeks on Mondays) and :meth:`Recurrence.billing_day` (a fixed day of the month).

>>> import pendulum
>>> from servicecore.recurrence import Interval, Recurrence
>>> r = Recurrence.anniversary(Interval.months(1), pendulum.Date(2024, 1, 31))
>>> [str(r.occurrence(k)) for k in range(4)]
['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30']
>>> p = r.period_containing(pendulum.Date(2024, 3, 5))
>>> str(p), p.days, str(p.last_day)
('[2024-02-29, 2024-03-31)', 31, '2024-03-30')
>>> q = Recurrence.calendar(Interval.quarters(1))
>>> [str(p) for p in q.periods(pendulum.Date(2024, 2, 10), pendulum.Date(2024, 8, 1))]
['[2024-01-01, 2024-04-01)', '[2024-04-01, 2024-07-01)', '[2024-07-01, 2024-10-01)']
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as _dt
import enum
import functools
from collections.abc import Iterator
from typing import Any

import attrs
import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError

__all__ = [
    "Interval",
    "Period",
    "Recurrence",
    "Unit",
    "date_from_ordinal",
    "days_in_month",
    "month_end_ordinal",
]

_MDAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_CALENDAR = "dates from 0001-01-01 to 9999-12-31"


def _out_of_range(param: str, value: object, allowed: str = _CALENDAR) -> ValidationError:
    """The error for an argument the integer core cannot use (wrong type or off the calendar).

    The fast paths below do not check their arguments up front; they catch what Python
    raises (TypeError, ValueError, OverflowError, IndexError) and translate it here, which
    costs nothing on the happy path.
    """
    return ValidationError(
        f"{param} {value!r} is not usable here: it must be an integer and the result must "
        "stay within the calendar",
        field=param,
        value=value,
        allowed=allowed,
    )


_CORE_ERRORS = (TypeError, ValueError, ArithmeticError, IndexError)


@contextlib.contextmanager
def _calendar_edge(param: str, value: object) -> Iterator[None]:
    """Name the caller's date when the occurrences around it fall off the calendar.

    Every caller checks its dates before the block, so a ``ValidationError`` inside comes
    from an occurrence or a period bound beyond the dates servicecore handles (an
    occurrence index off the ordinal calendar, or a period ending after 9998-12-31).
    """
    try:
        yield
    except ValidationError:
        raise ValidationError(
            f"{param} {value} is too close to the edge of the calendar: the occurrences of "
            "this recurrence around it fall outside the dates servicecore handles",
            field=param,
            value=value,
            allowed="a date at least one period of the recurrence away from either end of "
            "0002-01-01..9998-12-31",
        ) from None


def _year_month(year: object, month: object) -> None:
    for param, value, top in (("year", year, 9999), ("month", month, 12)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
            raise ValidationError(
                f"{param} {value!r} is not a {param} of the calendar",
                field=param,
                value=value,
                allowed=f"an integer {param} from 1 to {top}",
            )


def days_in_month(year: int, month: int) -> int:
    """Number of days of ``month`` in ``year`` (leap years included)."""
    _year_month(year, month)
    if month == 2 and calendar.isleap(year):
        return 29
    return _MDAYS[month]


def month_end_ordinal(year: int, month: int) -> int:
    """Proleptic ordinal of the last day of ``month``."""
    _year_month(year, month)
    return _dt.date(year, month, days_in_month(year, month)).toordinal()


class Unit(enum.Enum):
    """The unit of an :class:`Interval`."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


def _check_count(_inst: object, _attr: object, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1200:
        raise ValidationError(
            f"interval count {value!r} is out of range",
            field="count",
            value=value,
            allowed="an integer from 1 to 1200",
        )


def _check_unit(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Unit):
        raise ValidationError(
            f"interval unit must be a Unit, not {value!r}",
            field="unit",
            value=value,
            allowed=", ".join(u.name for u in Unit),
        )


@frozen(repr=False)
class Interval:
    """``count`` times a :class:`Unit`: ``Interval(Unit.MONTH, 3)`` is a quarter."""

    unit: Unit = attrs.field(validator=_check_unit)
    count: int = attrs.field(default=1, validator=_check_count)

    @classmethod
    def days(cls, n: int = 1) -> Interval:
        return cls(Unit.DAY, n)

    @classmethod
    def weeks(cls, n: int = 1) -> Interval:
        return cls(Unit.WEEK, n)

    @classmethod
    def months(cls, n: int = 1) -> Interval:
        return cls(Unit.MONTH, n)

    @classmethod
    def quarters(cls, n: int = 1) -> Interval:
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValidationError(
                f"quarters takes a whole number of quarters, not {n!r}",
                field="n",
                value=n,
                allowed="an integer from 1 to 400",
            )
        return cls(Unit.MONTH, 3 * n)

    @classmethod
    def years(cls, n: int = 1) -> Interval:
        return cls(Unit.YEAR, n)

    @property
    def is_month_based(self) -> bool:
        """Months and years (whose length in days varies)."""
        return self.unit in (Unit.MONTH, Unit.YEAR)

    @property
    def total_months(self) -> int:
        """Length in months for month-based intervals; 0 for days and weeks."""
        if self.unit is Unit.MONTH:
            return self.count
        if self.unit is Unit.YEAR:
            return 12 * self.count
        return 0

    @property
    def total_days(self) -> int:
        """Length in days for day- and week-based intervals; 0 for months and years."""
        if self.unit is Unit.DAY:
            return self.count
        if self.unit is Unit.WEEK:
            return 7 * self.count
        return 0

    def divides(self, other: Interval) -> bool:
        """True when periods of ``self`` nest exactly inside periods of ``other``.

        A day divides everything; month-based intervals divide month-based intervals
        whose length in months is a multiple; weeks divide multiples of their week count.
        This is the D365 rule "accrual never coarser than invoicing" (S9), generalised.
        """
        if not isinstance(other, Interval):
            raise ValidationError(
                f"other must be an Interval, not {other!r}",
                field="other",
                value=other,
                allowed="an Interval such as Interval.months(1)",
            )
        if self.unit is Unit.DAY and self.count == 1:
            return True
        if self.is_month_based and other.is_month_based:
            return other.total_months % self.total_months == 0
        if not self.is_month_based and not other.is_month_based:
            return other.total_days % self.total_days == 0
        return False

    def __repr__(self) -> str:
        return f"Interval({self.unit.name}, {self.count})"

    def __str__(self) -> str:
        names = {12: "year", 3: "quarter", 1: "month"}
        if self.unit is Unit.MONTH and self.count in (1, 3):
            return names[self.count]
        return self.unit.value if self.count == 1 else f"{self.count} {self.unit.value}s"


def _date(value: Any) -> pendulum.Date:
    return to_date(value, "date")


def _anchor(value: Any) -> pendulum.Date:
    return to_date(value, "anchor")


def _check_period(inst: Period, _attr: object, end: pendulum.Date) -> None:
    if end <= inst.start:
        raise ValidationError(
            f"period end {end} must be after its start {inst.start} (periods are half-open)",
            field="end",
            value=end,
            allowed="a date after start; end is exclusive",
        )


@frozen(order=True, repr=False)
class Period:
    """A half-open date range ``[start, end)``; ``last_day`` is the inclusive end."""

    start: pendulum.Date = attrs.field(converter=_date)
    end: pendulum.Date = attrs.field(converter=_date, validator=_check_period)

    @classmethod
    def inclusive(cls, first_day: object, last_day: object) -> Period:
        """Build from an inclusive day range, as people write it (``Mar 10 - Mar 11``)."""
        last = to_date(last_day, "last_day")
        if last >= _LAST_DATE:  # the period's end, the day after, would be off the calendar
            raise ValidationError(
                f"last_day {last} leaves no day after it for the end of the period",
                field="last_day",
                value=last_day,
                allowed="a date from 0002-01-01 to 9998-12-30",
            )
        return cls(to_date(first_day, "first_day"), last.add(days=1))

    @classmethod
    def from_ordinals(cls, start: int, end: int) -> Period:
        """The period between two proleptic ordinals (cached: periods are immutable)."""
        if cls is Period:
            try:
                return _period_from_ordinals(start, end)
            except _CORE_ERRORS:
                pass  # unhashable, not an int, or off the calendar: say which
        return cls(date_from_ordinal(start), date_from_ordinal(end))

    @property
    def last_day(self) -> pendulum.Date:
        """The last day inside the period (``end`` minus one day)."""
        return self.end.subtract(days=1)

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return self.end.toordinal() - self.start.toordinal()

    def contains(self, day: object) -> bool:
        d = to_date(day, "day")
        return self.start <= d < self.end

    def overlaps(self, other: Period) -> bool:
        _check_other(other)
        return self.start < other.end and other.start < self.end

    def intersection(self, other: Period) -> Period | None:
        _check_other(other)
        lo = max(self.start, other.start)
        hi = min(self.end, other.end)
        return Period(lo, hi) if lo < hi else None

    def __repr__(self) -> str:
        return f"Period({self.start}, {self.end})"

    def __str__(self) -> str:
        return f"[{self.start}, {self.end})"


def _check_other(other: object) -> None:
    if not isinstance(other, Period):
        raise ValidationError(
            f"other must be a Period, not {other!r}",
            field="other",
            value=other,
            allowed="a Period such as Period(date(2024, 1, 1), date(2024, 2, 1))",
        )


_MAX_ORDINAL = _dt.date.max.toordinal()
_FIRST_USABLE = _dt.date(2, 1, 1).toordinal()
_LAST_USABLE = _dt.date(9998, 12, 31).toordinal()
_USABLE = "0002-01-01..9998-12-31"
_LAST_DATE = pendulum.Date(9998, 12, 31)
"""The last date servicecore handles (see ``clock.to_date``)."""


def date_from_ordinal(ordinal: int) -> pendulum.Date:
    """The ``pendulum.Date`` of a proleptic ordinal (cached)."""
    try:
        return _date_from_ordinal(ordinal)
    except _CORE_ERRORS:
        raise _out_of_range(
            "ordinal", ordinal, f"an integer ordinal from 1 to {_MAX_ORDINAL}"
        ) from None


@functools.lru_cache(maxsize=1 << 16)
def _date_from_ordinal(ordinal: int) -> pendulum.Date:
    d = _dt.date.fromordinal(ordinal)
    return pendulum.Date(d.year, d.month, d.day)


@functools.lru_cache(maxsize=1 << 16)
def _period_from_ordinals(start: int, end: int) -> Period:
    return Period(date_from_ordinal(start), date_from_ordinal(end))


def _check_interval(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Interval):
        raise ValidationError(
            f"interval must be an Interval, not {value!r}",
            field="interval",
            value=value,
            allowed="an Interval such as Interval.months(1)",
        )


def _pdate(d: _dt.date) -> pendulum.Date:
    return pendulum.Date(d.year, d.month, d.day)


@frozen(repr=False)
class Recurrence:
    """Occurrences ``anchor + k * interval`` for every integer ``k`` (negative too).

    Month arithmetic is anchored on the anchor's day: occurrence ``k`` is computed from
    the anchor, so a clamped month (Feb 29 for an anchor on the 31st) never shifts later
    ones. With ``last_day_of_month`` and an anchor on a month's last day, every
    occurrence is the last day of its month.

    ``day`` (month-based intervals only) is the day of the month aimed at when it is later
    than the anchor's month allows: ``Recurrence(Interval.years(1), Date(2001, 2, 28),
    day=30)`` falls on Feb 28, and on Feb 29 in leap years. The anchor must then be ``day``
    clamped to its month. ``None`` (the default) aims at the anchor's own day.
    """

    interval: Interval = attrs.field(validator=_check_interval)
    anchor: pendulum.Date = attrs.field(converter=_anchor)
    last_day_of_month: bool = False
    day: int | None = attrs.field(default=None, kw_only=True)
    _a_ord: int = attrs.field(init=False, eq=False, repr=False)
    _a_month: int = attrs.field(init=False, eq=False, repr=False)
    _a_day: int = attrs.field(init=False, eq=False, repr=False)
    _step: int = attrs.field(init=False, eq=False, repr=False)
    _eom: bool = attrs.field(init=False, eq=False, repr=False)
    _monthly: bool = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        a = self.anchor
        object.__setattr__(self, "_a_ord", a.toordinal())
        object.__setattr__(self, "_a_month", a.year * 12 + a.month - 1)
        iv = self.interval
        object.__setattr__(self, "_a_day", a.day if self.day is None else self._check_day(a, iv))
        step = iv.total_months if iv.is_month_based else iv.total_days
        object.__setattr__(self, "_step", step)
        eom = self.last_day_of_month and a.day == days_in_month(a.year, a.month)
        object.__setattr__(self, "_eom", eom)
        object.__setattr__(self, "_monthly", iv.is_month_based)

    def _check_day(self, anchor: pendulum.Date, interval: Interval) -> int:
        day = self.day
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise ValidationError(
                f"day {day!r} is out of range", field="day", value=day, allowed="1 to 31 or None"
            )
        if not interval.is_month_based:
            raise ValidationError(
                f"day {day} needs a month-based interval, not {interval}",
                field="day",
                value=day,
                allowed="None with day- or week-based intervals",
            )
        if anchor.day != min(day, days_in_month(anchor.year, anchor.month)):
            raise ValidationError(
                f"anchor {anchor} is not day {day} clamped to its month",
                field="anchor",
                value=anchor,
                allowed=f"day {day} of the anchor's month, or its last day when shorter",
            )
        return day

    # -- factories ---------------------------------------------------------------------
    @classmethod
    def anniversary(
        cls, interval: Interval, start: object, *, last_day_of_month: bool = False
    ) -> Recurrence:
        """Periods anchored on ``start`` (a subscription's anniversary)."""
        return cls(interval, to_date(start, "start"), last_day_of_month)

    @classmethod
    def calendar(cls, interval: Interval) -> Recurrence:
        """Calendar-aligned periods: days; weeks from Monday; months on the 1st, quarters
        from Jan/Apr/Jul/Oct 1, half-years from Jan/Jul 1, years from Jan 1."""
        return cls(interval, pendulum.Date(2001, 1, 1))  # a Monday and a January 1st

    @classmethod
    def billing_day(cls, interval: Interval, day: int, *, month: int = 1) -> Recurrence:
        """Month-based periods that always start on ``day`` of the month (1-31; 29-31
        clamp to short months; 31 means "the last day"), in the phase of ``month``: a
        quarterly recurrence with ``month=2`` starts periods in Feb, May, Aug and Nov, a
        yearly one with ``day=30, month=2`` on Feb 28 (Feb 29 in leap years)."""
        _check_interval(None, None, interval)
        if not interval.is_month_based:
            raise ValidationError(
                f"a fixed billing day needs a month-based interval, not {interval}",
                field="interval",
                value=interval,
                allowed="Interval.months(n) or Interval.years(n)",
            )
        if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
            raise ValidationError(
                f"billing day {day!r} is out of range",
                field="day",
                value=day,
                allowed="an integer from 1 to 31",
            )
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise ValidationError(
                f"billing month {month!r} is out of range", field="month", allowed="1 to 12"
            )
        # The anchor is in the start's month (a yearly plan started in February bills in
        # February); a day the month lacks is aimed at through ``day`` and clamped.
        d = min(day, days_in_month(2001, month))
        return cls(
            interval,
            pendulum.Date(2001, month, d),
            last_day_of_month=day == 31,
            day=None if d == day else day,
        )

    # -- integer core (ordinals) -------------------------------------------------------------
    def occurrence_ordinal(self, k: int) -> int:
        """Ordinal of occurrence ``k``."""
        try:
            if not self._monthly:
                return self._a_ord + k * self._step
            y, m0 = divmod(self._a_month + k * self._step, 12)
            m = m0 + 1
            leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
            dim = 29 if m == 2 and leap else _MDAYS[m]
            day = self._a_day
            if self._eom or day > dim:
                day = dim
            return _dt.date(y, m, day).toordinal()
        except _CORE_ERRORS:
            raise _out_of_range(
                "k", k, f"an integer k whose occurrence is in {_CALENDAR}"
            ) from None

    def index_on_or_before_ordinal(self, ordinal: int) -> int:
        """The largest ``k`` whose occurrence is on or before ``ordinal``; O(1)."""
        if not self._monthly:
            try:
                return (ordinal - self._a_ord) // self._step
            except _CORE_ERRORS:
                raise _out_of_range("ordinal", ordinal, "an integer ordinal") from None
        try:
            d = _dt.date.fromordinal(ordinal)
        except _CORE_ERRORS:
            raise _out_of_range("ordinal", ordinal, f"an integer ordinal of {_CALENDAR}") from None
        k = (d.year * 12 + d.month - 1 - self._a_month) // self._step
        if self.occurrence_ordinal(k) > ordinal:
            k -= 1
        return k

    def boundaries_ordinal(self, lo: int, hi: int) -> list[int]:
        """Ordinals of the starts of every period meeting ``[lo, hi)``, plus the end of the
        last one (so consecutive pairs are the periods)."""
        k = self.index_on_or_before_ordinal(lo)
        if not isinstance(hi, int):
            raise _out_of_range("hi", hi, "an integer ordinal")
        occ = self.occurrence_ordinal
        out = [occ(k)]
        while out[-1] < hi:
            k += 1
            out.append(occ(k))
        if len(out) == 1:  # empty window: still return the period containing lo
            out.append(occ(k + 1))
        return out

    # -- date API ----------------------------------------------------------------------
    def occurrence(self, k: int) -> pendulum.Date:
        """Occurrence ``k`` (``0`` is the anchor)."""
        if isinstance(k, bool) or not isinstance(k, int):
            raise ValidationError(f"k must be an int, not {k!r}", field="k", allowed="an int")
        o = self.occurrence_ordinal(k)
        if not _FIRST_USABLE <= o <= _LAST_USABLE:  # a date no other call would accept
            raise _out_of_range("k", k, "an integer k whose occurrence is in " + _USABLE)
        return _pdate(_dt.date.fromordinal(o))

    def index_on_or_before(self, day: object) -> int:
        """The largest ``k`` with ``occurrence(k) <= day``, computed directly."""
        return self.index_on_or_before_ordinal(to_date(day, "day").toordinal())

    def first_on_or_after(self, day: object) -> pendulum.Date:
        """The first occurrence on or after ``day`` (no walking)."""
        o = to_date(day, "day").toordinal()
        with _calendar_edge("day", day):
            k = self.index_on_or_before_ordinal(o)
            if self.occurrence_ordinal(k) < o:
                k += 1
            return self.occurrence(k)

    def period_containing(self, day: object) -> Period:
        """The period ``[occurrence(k), occurrence(k + 1))`` that contains ``day``."""
        k = self.index_on_or_before_ordinal(to_date(day, "day").toordinal())
        with _calendar_edge("day", day):
            return Period.from_ordinals(self.occurrence_ordinal(k), self.occurrence_ordinal(k + 1))

    def occurrences(self, start: object, end: object) -> list[pendulum.Date]:
        """Occurrences inside the half-open window ``[start, end)``."""
        lo = to_date(start, "start").toordinal()
        hi = to_date(end, "end").toordinal()
        with _calendar_edge("end" if hi > lo else "start", end if hi > lo else start):
            k = self.index_on_or_before_ordinal(lo)
            if self.occurrence_ordinal(k) < lo:
                k += 1
            out: list[pendulum.Date] = []
            o = self.occurrence_ordinal(k)
            while o < hi:
                out.append(_pdate(_dt.date.fromordinal(o)))
                k += 1
                o = self.occurrence_ordinal(k)
        return out

    def periods(self, start: object, end: object) -> list[Period]:
        """Whole periods that meet the half-open window ``[start, end)``."""
        lo = to_date(start, "start").toordinal()
        hi = to_date(end, "end").toordinal()
        if hi <= lo:
            return []
        with _calendar_edge("end", end):
            b = self.boundaries_ordinal(lo, hi)
            return [Period.from_ordinals(b[i], b[i + 1]) for i in range(len(b) - 1) if b[i] < hi]

    def __repr__(self) -> str:
        eom = ", last_day_of_month=True" if self.last_day_of_month else ""
        day = "" if self.day is None else f", day={self.day}"
        return f"Recurrence({self.interval!r}, {self.anchor}{eom}{day})"
