"""What billable days are worth now: the billing span less suspensions and reductions,
the price in force on each day, proration (actual days, 30/360, fixed days, whole
periods) and price reductions, in integer minor units with one half-up rounding."""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
from collections.abc import Sequence

import pendulum

from servicecore.money import Money
from servicecore.recurrence import date_from_ordinal
from servicecore.subscriptions.model import (
    Fee,
    FeeKind,
    Proration,
    Subscription,
)
from servicecore.subscriptions.patterns import round_half_up

_FAR = _dt.date.max.toordinal()


def _ord(d: _dt.date) -> int:
    return d.toordinal()


def _pd(o: int) -> pendulum.Date:
    return date_from_ordinal(o)


def _f30(o: int) -> int:
    """The 30/360 day number of ordinal ``o``: every month has 30 days, and the last day of
    a month (February's 28th or 29th included) counts as its 30th, so a period from one
    month end to the next counts 30 days (30E/360 ISDA)."""
    d = _dt.date.fromordinal(o)
    last = (d.replace(day=28) + _dt.timedelta(days=4)).replace(day=1) - _dt.timedelta(days=1)
    return 360 * d.year + 30 * d.month + (30 if d == last else min(d.day, 30))


def _subtract(segs: list[tuple[int, int]], cut_lo: int, cut_hi: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in segs:
        if cut_hi <= a or cut_lo >= b:
            out.append((a, b))
            continue
        if a < cut_lo:
            out.append((a, cut_lo))
        if cut_hi < b:
            out.append((cut_hi, b))
    return out


def _billable(
    sub: Subscription, a: int, b: int, *, with_reductions: bool = True
) -> list[tuple[int, int]]:
    """Billable day ranges inside ``[a, b)``: within the billing span, not suspended,
    not reduced."""
    lo = max(a, _ord(sub.billing_start))
    hi = min(b, _ord(sub.end) if sub.end is not None else _FAR)
    if lo >= hi:
        return []
    segs = [(lo, hi)]
    for s in sub.suspensions:
        segs = _subtract(segs, _ord(s.start), _ord(s.end) if s.end is not None else _FAR)
    if with_reductions:
        for r in sub.reductions:
            segs = _subtract(segs, _ord(r.start), _ord(r.end))
    return segs


def _price_points(sub: Subscription) -> list[tuple[int, int]]:
    return [(_ord(c.effective), c.price.minor_units) for c in sub.price_changes] or [
        (_ord(sub.billing_start), sub.price.minor_units)
    ]


_FIXED_DAYS = {Proration.FIXED_28: 28, Proration.FIXED_30: 30}


def _value(
    sub: Subscription, segs: Sequence[tuple[int, int]], full: tuple[int, int]
) -> tuple[int, int]:
    """Exact value of ``segs`` as a fraction (numerator, denominator) of minor units."""
    ps, pe = full
    month_based = sub.interval.is_month_based
    thirty = sub.proration is Proration.THIRTY_360 and month_based
    fixed = _FIXED_DAYS.get(sub.proration, 0) if month_based else 0
    points = _price_points(sub)
    num = _weighted(points, segs, thirty)
    if fixed:
        # A day is worth price / fixed; the whole period is worth its price, and a part of
        # it never more than the whole.
        cap, cap_den = _weighted(points, [full], False), max(pe - ps, 1)
        if sum(b - a for a, b in segs) >= pe - ps or num * cap_den > cap * fixed:
            return cap, cap_den
        return num, fixed
    den = (_f30(pe) - _f30(ps)) if thirty else (pe - ps)
    return num, max(den, 1)


def _weighted(
    points: Sequence[tuple[int, int]], segs: Sequence[tuple[int, int]], thirty: bool
) -> int:
    """Sum of price x days over ``segs`` (30/360 days when ``thirty``)."""
    num = 0
    for a, b in segs:
        cuts = [a] + [o for o, _p in points if a < o < b] + [b]
        for x, y in itertools.pairwise(cuts):
            price = points[0][1]
            for o, p in points:
                if o <= x:
                    price = p
            w = (_f30(y) - _f30(x)) if thirty else (y - x)
            num += price * w
    return num


def _target(sub: Subscription, seg: tuple[int, int], full: tuple[int, int]) -> int:
    """What the service days ``seg`` of period ``full`` should cost now, in minor units."""
    num, den = _exact_target(sub, seg, full)
    return round_half_up(num, den)


def _exact_target(
    sub: Subscription, seg: tuple[int, int], full: tuple[int, int]
) -> tuple[int, int]:
    """:func:`_target` before rounding, as a fraction (numerator, denominator)."""
    if sub.proration is Proration.WHOLE_PERIODS:
        # The whole period's price, charged once: on the fee holding its first billable day.
        period_segs = _billable(sub, *full)
        if not period_segs or not seg[0] <= period_segs[0][0] < seg[1]:
            return 0, 1
        first = period_segs[0][0]
        points = _price_points(sub)
        price = points[0][1]
        for o, p in points:
            if o <= first:
                price = p
        return price, 1
    segs = _billable(sub, *seg)
    if not segs:
        return 0, 1
    return _value(sub, segs, full)


_NOT_LOWERED = (0, 1, 1)


def _lowered(fees: Sequence[Fee]) -> dict[str, tuple[int, int, int]]:
    """Per lowered fee id: (total of its price reductions in minor units, ratio numerator,
    ratio denominator).

    Each reduction lowered the fee from ``reduced_from`` to ``reduced_from + amount``; the
    fee is now worth the product of those ratios of its full-price value.
    """
    out: dict[str, tuple[int, int, int]] = {}
    for g in fees:
        if g.kind is FeeKind.PRICE_REDUCTION and g.reference is not None:
            total, num, den = out.get(g.reference, _NOT_LOWERED)
            base = g.reduced_from.minor_units if g.reduced_from is not None else 0
            total += g.amount.minor_units
            if base > 0:
                num *= base + g.amount.minor_units
                den *= base
            out[g.reference] = (total, num, den)
    return out


def _worth(sub: Subscription, fee: Fee, lowered: tuple[int, int, int] = _NOT_LOWERED) -> int:
    """What issued REGULAR ``fee`` should cost now, price reductions included (minor units)."""
    seg = (_ord(fee.start), _ord(fee.end))
    full = (_ord(fee.full_period.start), _ord(fee.full_period.end))
    num, den = _exact_target(sub, seg, full)
    _total, rnum, rden = lowered
    return round_half_up(num * rnum, den * rden)


def _gaps(
    lo: int,
    hi: int,
    covered: Sequence[tuple[int, int]],
    reach: Sequence[int] | None = None,
) -> list[tuple[int, int]]:
    """``[lo, hi)`` minus the ``covered`` ranges (sorted); ``reach[i]`` is the latest end
    among ``covered[:i + 1]``, to skip the ranges that end before ``lo``."""
    first = 0 if reach is None else bisect.bisect_right(reach, lo)
    segs = [(lo, hi)]
    for k in range(first, len(covered)):
        a, b = covered[k]
        if a >= hi:
            break
        if b > lo:
            segs = _subtract(segs, a, b)
    return segs


def _money(units: int, sub: Subscription) -> Money:
    return Money.from_minor(units, sub.currency)
