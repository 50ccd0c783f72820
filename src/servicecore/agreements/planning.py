"""``plan_service_orders``: what order generation would create, computed without storage.

The algorithm (domain notes 1.3, made deterministic):

1. Suspended, cancelled and template agreements give nothing; neither do stopped lines and
   lines whose transaction type is not selected.
2. A line's effective period is the request ``[start, end]`` intersected with the
   agreement's and the line's validity (open ends do not restrict).
3. Its calculated dates are ``line start + k * interval`` (``k >= 0``; the agreement start
   when the line has none) inside the effective period, found by jumping straight to the
   period with :class:`~servicecore.recurrence.Recurrence` (never by walking from the
   start). A line without interval is due once, on its start.
4. Without ``continuous``, dates up to the line's ``generated_through`` are skipped; with
   it, they are planned again (the commit skips those that exist: back-fill).
5. Each date gives one :class:`PlannedLine`. Lines of one agreement sharing the combine
   value (agreement, task, worker or object) and the service date form one order. Without a
   time window the service date is the calculated date. With one, a line may move to any
   day of its window (clipped to the effective period) that is open in ``calendar``; the
   lines of a combine group are placed greedily, earliest window end first, on the allowed
   day that the most still-unplaced lines allow (ties: the calculated date, then the
   earliest day), so that the most lines share the fewest orders.
6. A line whose window holds no open day stays on its calculated date with
   ``no_open_day=True`` (the order is still created). Without a calendar every day is open.
"""

from __future__ import annotations

import datetime as _dt
from collections import Counter
from collections.abc import Iterable

import pendulum
from attrs import frozen

from servicecore.agreements.model import Agreement, AgreementLine
from servicecore.agreements.plan import ServiceOrderPlan, TransactionType, line_key
from servicecore.agreements.planned import PlannedOrders, combine_value, date_of
from servicecore.calendars import BusinessCalendar
from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.ports import check_items, check_type
from servicecore.recurrence import Interval, Unit, days_in_month

__all__ = [
    "MAX_PLAN_DAYS",
    "CompactPlan",
    "Row",
    "Run",
    "plan_service_orders",
    "plan_service_orders_compact",
]

MAX_PLAN_DAYS = 3660
"""The longest range one plan may cover (about ten years); split longer ones."""

_MAX_YEAR = _dt.date.max.year


class _OpenDays:
    """Which dates are open in a calendar (a date with any working time), cached."""

    def __init__(self, calendar: BusinessCalendar | None) -> None:
        self.calendar = calendar
        self.cache: dict[int, bool] = {}

    def is_open(self, ordinal: int) -> bool:
        if self.calendar is None:
            return True
        found = self.cache.get(ordinal)
        if found is None:
            day = _dt.date.fromordinal(ordinal)
            zone = pendulum.timezone(self.calendar.timezone)
            lo = pendulum.datetime(day.year, day.month, day.day, tz=zone)
            found = bool(self.calendar.open_intervals(lo, lo.add(days=1)))
            self.cache[ordinal] = found
        return found


def _window(line: AgreementLine, ordinal: int, lo: int, hi: int) -> tuple[int, int]:
    if line.time_window is None:
        return ordinal, ordinal
    a, b = line.time_window.range_for(date_of(ordinal))
    return max(a.toordinal(), lo), min(b.toordinal(), hi)


def _occurrences(interval: Interval | None, anchor: int, lo: int, hi: int) -> tuple[int, ...]:
    """Ordinals of ``anchor + k * interval`` (``k >= 0``) in ``[lo, hi]``, ``lo >= anchor``.

    The same dates as :meth:`Recurrence.occurrences` (a property test checks it), computed
    on integers: the first ``k`` comes straight from ``lo`` (no walk from the anchor).
    """
    if interval is None:
        return (anchor,) if lo <= anchor <= hi else ()
    if not interval.is_month_based:
        step = interval.total_days
        first = anchor + -((anchor - lo) // step) * step  # the first occurrence >= lo
        return tuple(range(first, hi + 1, step))
    step = interval.total_months
    a = _dt.date.fromordinal(anchor)
    a_month, a_day = a.year * 12 + a.month - 1, a.day
    d = _dt.date.fromordinal(lo)
    month = a_month + (d.year * 12 + d.month - 1 - a_month) // step * step
    out: list[int] = []
    months = _MONTHS
    while True:
        found = months.get(month)
        if found is None:
            if month // 12 > _MAX_YEAR:
                break
            found = _month(month)
        first, dim = found
        o = first + (a_day if a_day <= dim else dim) - 1
        if o > hi:
            break
        if o >= lo:
            out.append(o)
        month += step
    return tuple(out)


_MONTHS: dict[int, tuple[int, int]] = {}
"""Month index (year * 12 + month - 1) -> (ordinal of its 1st, days in it), filled lazily."""


def _month(month: int) -> tuple[int, int]:
    y, m0 = divmod(month, 12)
    found = (_dt.date(y, m0 + 1, 1).toordinal(), days_in_month(y, m0 + 1))
    _MONTHS[month] = found
    return found


def _check_range(start: object, end: object) -> tuple[pendulum.Date, pendulum.Date]:
    first = to_date(start, "start")
    last = to_date(end, "end")
    if last < first:
        raise ValidationError(
            f"end: the range ends on {last}, before its start {first}",
            field="end",
            value=last,
            allowed=f"a date on or after {first}",
        )
    days = (last - first).in_days() + 1
    if days > MAX_PLAN_DAYS:
        raise ValidationError(
            f"end: a plan covers at most {MAX_PLAN_DAYS} days, got {days}",
            field="end",
            value=last,
            allowed=f"at most {MAX_PLAN_DAYS} days from the start (MAX_PLAN_DAYS)",
        )
    return first, last


Row = tuple[int, int, int, int, bool]
"""One planned line as integers: agreement index, line index, calculated date ordinal,
service date ordinal, no open day."""

Run = tuple[int, int, tuple[int, ...]]
"""The planned dates of one line kept on their calculated dates: agreement index, line
index, calculated date ordinals (ascending)."""


@frozen(kw_only=True)
class CompactPlan:
    """A plan as integers, before any order object is built.

    ``runs`` hold the lines that stay on their calculated dates (no time window, no
    calendar), one run of dates per line; ``placed`` the lines a window or calendar placed,
    one :data:`Row` each. :meth:`rows` expands both, :meth:`to_plan` builds the
    :class:`ServiceOrderPlan`, :meth:`keys` gives the idempotency keys. Cheap enough to
    plan a whole portfolio and look before building anything.
    """

    start: pendulum.Date
    end: pendulum.Date
    agreements: tuple[Agreement, ...]
    runs: tuple[Run, ...] = ()
    placed: tuple[Row, ...] = ()

    def __len__(self) -> int:
        return sum(len(run[2]) for run in self.runs) + len(self.placed)

    def rows(self) -> list[Row]:
        """Every planned line as a :data:`Row`, by agreement, line and date."""
        out = [(a, n, o, o, False) for a, n, dates in self.runs for o in dates]
        out.extend(self.placed)
        out.sort(key=lambda r: (r[0], r[1], r[2]))
        return out

    def keys(self) -> list[str]:
        """The key (agreement, line, calculated date) of every planned line."""
        agreements = self.agreements
        return [
            line_key(agreements[a].id, agreements[a].lines[n].id, _dt.date.fromordinal(c))
            for a, n, c, _s, _f in self.rows()
        ]

    def to_plan(self) -> ServiceOrderPlan:
        """The orders: per agreement, lines sharing combine value and service date, built
        lazily (see :class:`~servicecore.agreements.planned.PlannedOrders`)."""
        return ServiceOrderPlan(start=self.start, end=self.end, orders=PlannedOrders(self))


def plan_service_orders_compact(
    agreements: Iterable[Agreement],
    start: object,
    end: object,
    *,
    transaction_types: Iterable[TransactionType] | None = None,
    calendar: BusinessCalendar | None = None,
    continuous: bool = False,
) -> CompactPlan:
    """:func:`plan_service_orders` as a :class:`CompactPlan` (integer rows, no objects)."""
    items = check_items(agreements, Agreement, "agreements", "a list of Agreement")
    first, last = _check_range(start, end)
    types: frozenset[TransactionType] | None = None  # None: every type
    if transaction_types is not None:
        types = frozenset(check_items(transaction_types, TransactionType, "transaction_types"))
        if not types:
            raise ValidationError(
                "transaction_types: select at least one transaction type",
                field="transaction_types",
                value=transaction_types,
                allowed="None (all) or a non-empty list of TransactionType",
            )
    if calendar is not None:
        check_type(calendar, BusinessCalendar, "calendar", "a BusinessCalendar or None")
    if not isinstance(continuous, bool):
        raise ValidationError(
            f"continuous: expected True or False, got {continuous!r}",
            field="continuous",
            value=continuous,
            allowed="True or False",
        )
    if len({a.id for a in items}) != len(items):
        counts = Counter(a.id for a in items)
        twice = next(i for i, c in counts.items() if c > 1)
        raise ValidationError(
            f"agreements: agreement {twice!r} is listed twice",
            field="agreements",
            value=twice,
            allowed="each agreement once",
        )
    open_days = _OpenDays(calendar)
    series: dict[tuple[int, int, int, int, int], tuple[int, ...]] = {}
    runs: list[Run] = []
    placed: list[Row] = []
    req_lo, req_hi = first.toordinal(), last.toordinal()
    for index, agreement in enumerate(items):
        _plan_agreement(
            index, agreement, req_lo, req_hi, types, continuous, open_days, runs, placed, series
        )
    return CompactPlan(
        start=first, end=last, agreements=items, runs=tuple(runs), placed=tuple(placed)
    )


def plan_service_orders(
    agreements: Iterable[Agreement],
    start: object,
    end: object,
    *,
    transaction_types: Iterable[TransactionType] | None = None,
    calendar: BusinessCalendar | None = None,
    continuous: bool = False,
) -> ServiceOrderPlan:
    """The orders generation would create for ``agreements`` over ``[start, end]``
    (inclusive dates); pure, nothing is stored. See the module text for the rules."""
    return plan_service_orders_compact(
        agreements,
        start,
        end,
        transaction_types=transaction_types,
        calendar=calendar,
        continuous=continuous,
    ).to_plan()


_Occ = tuple[int, int, int, int, str]  # line index, calculated, window lo, hi, combine key


def _plan_agreement(
    index: int,
    agreement: Agreement,
    req_lo: int,
    req_hi: int,
    types: frozenset[TransactionType] | None,
    continuous: bool,
    open_days: _OpenDays,
    runs: list[Run],
    placed: list[Row],
    series: dict[tuple[int, int, int, int, int], tuple[int, ...]],
) -> None:
    if agreement.suspended or agreement.cancelled or agreement.template_group_id is not None:
        return
    lo = max(req_lo, agreement.start.toordinal())
    hi = req_hi if agreement.end is None else min(req_hi, agreement.end.toordinal())
    if hi < lo:
        return
    occs: list[_Occ] = []
    careful = open_days.calendar is not None
    agreement_start = agreement.start.toordinal()
    for n, line in enumerate(agreement.lines):
        if line.stopped or (types is not None and line.transaction_type not in types):
            continue
        line_lo = lo if line.start is None else max(lo, line.start.toordinal())
        line_hi = hi if line.end is None else min(hi, line.end.toordinal())
        if line_hi < line_lo:
            continue
        from_lo = line_lo
        if not continuous and line.generated_through is not None:
            from_lo = max(line_lo, line.generated_through.toordinal() + 1)
            if from_lo > line_hi:
                continue
        first = agreement.start if line.start is None else line.start
        anchor = agreement_start if line.start is None else first.toordinal()
        interval = line.interval
        if interval is not None and (interval.unit is Unit.MONTH or interval.unit is Unit.YEAR):
            # month series with the same day, phase and bounds share their dates: compute once
            step = interval.count * (1 if interval.unit is Unit.MONTH else 12)
            shape = (step, (first.year * 12 + first.month - 1) % step, first.day, from_lo, line_hi)
            found = series.get(shape)
            if found is None:
                found = series[shape] = _occurrences(interval, anchor, from_lo, line_hi)
        else:
            found = _occurrences(interval, anchor, from_lo, line_hi)
        if line.time_window is None and not careful:
            if found:
                runs.append((index, n, found))
        else:
            key = combine_value(agreement, line)
            for o in found:
                w_lo, w_hi = _window(line, o, line_lo, line_hi)
                occs.append((n, o, w_lo, w_hi, key))
    if occs:
        moved = _place(agreement, occs, open_days)
        placed.extend([(index, n, o, service, flag) for n, o, service, flag in moved])


def _place(
    agreement: Agreement, occs: list[_Occ], open_days: _OpenDays
) -> list[tuple[int, int, int, bool]]:
    """(line index, calculated, service date, no open day) for windowed or calendar lines."""
    out: list[tuple[int, int, int, bool]] = []
    by_key: dict[str, list[tuple[_Occ, tuple[int, ...]]]] = {}
    for occ in occs:
        allowed = tuple(d for d in range(occ[2], occ[3] + 1) if open_days.is_open(d))
        if not allowed:  # no open day in the window: stay on the calculated date, flagged
            out.append((occ[0], occ[1], occ[1], True))
            continue
        by_key.setdefault(occ[4], []).append((occ, allowed))
    for pending in by_key.values():
        pending.sort(key=lambda p: (p[0][3], p[0][1], p[0][0]))
        done = [False] * len(pending)
        for i, (occ, allowed) in enumerate(pending):
            if done[i]:
                continue
            best: tuple[int, int, int] | None = None
            best_day = allowed[0]
            for day in allowed:
                count = exact = 0
                for j in range(i, len(pending)):
                    other, other_allowed = pending[j]
                    if done[j] or other[2] > occ[3]:
                        continue
                    if other[2] <= day <= other[3] and day in other_allowed:
                        count += 1
                        exact += other[1] == day
                score = (count, exact, -day)
                if best is None or score > best:
                    best, best_day = score, day
            for j in range(i, len(pending)):
                other, other_allowed = pending[j]
                if not done[j] and other[2] <= best_day <= other[3] and best_day in other_allowed:
                    done[j] = True
                    out.append((other[0], other[1], best_day, False))
    return out
