"""Bulk schedules for a portfolio: the same numbers as :func:`plan_fees` plus
:func:`fee_revenue`, in columns of integers (date ordinals, minor units).

The date pattern of a schedule (period boundaries, invoice dates, revenue day splits)
depends only on the recurrence and the window, so it is computed once per distinct
pattern and shared; per subscription only the amounts are computed, once per distinct
(period length, split) shape. Subscriptions outside the fast path (suspensions,
reductions, several prices, 30/360 or whole-period proration, existing fees) go through
the general code, so results are identical either way.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import chain

import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.ports import check_iterable
from servicecore.recurrence import Interval, Period, Recurrence
from servicecore.subscriptions.billing import plan_fees, round_half_up
from servicecore.subscriptions.model import (
    Billing,
    Proration,
    RemainderPlacement,
    Subscription,
    SubscriptionStatus,
)
from servicecore.subscriptions.revenue import (
    RevenuePolicy,
    accrual_boundaries,
    fee_revenue,
    split_minor,
)

__all__ = ["PortfolioSchedule", "ScheduleArrays", "bulk_schedules"]

_FAR = _dt.date.max.toordinal()


@frozen
class ScheduleArrays:
    """One subscription's invoice and revenue schedule as integer columns.

    Fees: ``fee_starts``/``fee_ends`` (ordinals, half-open), ``invoice_dates``
    (ordinals), ``fee_amounts`` (minor units). Revenue, fee after fee: ``rev_counts``
    (entries per fee), ``rev_dates`` (ordinal of the day each entry is recognised: the
    last day of its accrual period), ``rev_amounts`` (minor units).
    """

    subscription_id: str
    currency: Currency
    fee_starts: Sequence[int]
    fee_ends: Sequence[int]
    invoice_dates: Sequence[int]
    fee_amounts: Sequence[int]
    rev_counts: Sequence[int]
    rev_dates: Sequence[int]
    rev_amounts: Sequence[int]

    def fee_periods(self) -> list[Period]:
        return [
            Period.from_ordinals(a, b) for a, b in zip(self.fee_starts, self.fee_ends, strict=True)
        ]

    def invoiced(self) -> Money:
        return Money.from_minor(sum(self.fee_amounts), self.currency)

    def revenue(self) -> Money:
        return Money.from_minor(sum(self.rev_amounts), self.currency)


@frozen
class PortfolioSchedule:
    schedules: tuple[ScheduleArrays, ...]

    @property
    def fee_count(self) -> int:
        return sum(len(s.fee_amounts) for s in self.schedules)

    @property
    def entry_count(self) -> int:
        return sum(len(s.rev_amounts) for s in self.schedules)

    def totals(self) -> dict[str, tuple[Money, Money]]:
        """Per currency: (invoiced, recognised over the whole window); always equal."""
        inv: dict[str, int] = {}
        rev: dict[str, int] = {}
        curs: dict[str, Currency] = {}
        for s in self.schedules:
            c = s.currency.code
            curs[c] = s.currency
            inv[c] = inv.get(c, 0) + sum(s.fee_amounts)
            rev[c] = rev.get(c, 0) + sum(s.rev_amounts)
        return {
            c: (Money.from_minor(inv[c], curs[c]), Money.from_minor(rev[c], curs[c]))
            for c in sorted(curs)
        }


class _Accrual:
    """Calendar accrual boundaries as one sorted table (days are handled directly)."""

    def __init__(self, policy: RevenuePolicy) -> None:
        self.daily = policy.accrual == Interval.days(1)
        self.per_day = policy.per_day
        self.table: list[int] = []
        if not self.daily:
            lo = _dt.date(1800, 1, 1).toordinal()
            hi = _dt.date(2400, 1, 1).toordinal()
            self.table = accrual_boundaries(policy.accrual, lo, hi)

    def pieces(self, cs: int, ce: int) -> tuple[list[int], list[int]]:
        """(weights, recognition ordinals) of the fee days ``[cs, ce)``."""
        if self.daily:
            return [1] * (ce - cs), list(range(cs, ce))
        t = self.table
        k = bisect_right(t, cs) - 1
        weights: list[int] = []
        dates: list[int] = []
        while t[k] < ce:
            nxt = t[k + 1]
            weights.append((min(nxt, ce) - max(t[k], cs)) if self.per_day else 1)
            dates.append(nxt - 1)
            k += 1
        return weights, dates


@frozen
class _Pattern:
    """Whole periods meeting the window, with their revenue day splits."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    shape_ids: tuple[int, ...]
    shapes: tuple[tuple[int, ...], ...]  # revenue weights of a whole period
    rev_offsets: tuple[int, ...]  # len(starts) + 1
    rev_counts: tuple[int, ...]
    rev_dates: tuple[int, ...]


def _pattern(rec: Recurrence, lo: int, hi: int, acc: _Accrual) -> _Pattern:
    b = rec.boundaries_ordinal(lo, hi)
    n = len(b) - 1
    shape_index: dict[tuple[int, ...], int] = {}
    shape_ids: list[int] = []
    offsets = [0]
    counts: list[int] = []
    dates: list[int] = []
    for i in range(n):
        weights, d = acc.pieces(b[i], b[i + 1])
        sid = shape_index.setdefault(tuple(weights), len(shape_index))
        shape_ids.append(sid)
        dates.extend(d)
        counts.append(len(d))
        offsets.append(len(dates))
    return _Pattern(
        tuple(b[:n]),
        tuple(b[1 : n + 1]),
        tuple(shape_ids),
        tuple(shape_index),
        tuple(offsets),
        tuple(counts),
        tuple(dates),
    )


_Cols = tuple[list[int], list[int], list[int], list[int], list[int], list[int]]


def _partial(
    cols: _Cols,
    acc: _Accrual,
    placement: RemainderPlacement,
    price: int,
    seg: tuple[int, int],
    full: tuple[int, int],
) -> None:
    """Append a partial period's fee and revenue entries to the columns."""
    f_starts, f_ends, amounts, counts, rdates, ramounts = cols
    cs, ce = seg
    amount = round_half_up(price * (ce - cs), full[1] - full[0])
    weights, d = acc.pieces(cs, ce)
    f_starts.append(cs)
    f_ends.append(ce)
    amounts.append(amount)
    counts.append(len(d))
    rdates.extend(d)
    ramounts.extend(split_minor(amount, weights, placement))


def _fast(sub: Subscription) -> bool:
    return (
        not sub.fees
        and not sub.suspensions
        and not sub.reductions
        and len(sub.price_changes) <= 1
        and sub.proration is Proration.ACTUAL_DAYS
        and sub.invoice_shift == 0
        and sub.manual_invoice_date is None
        and sub.status is not SubscriptionStatus.DRAFT
    )


def _general(
    sub: Subscription, start: pendulum.Date, end: pendulum.Date, policy: RevenuePolicy
) -> ScheduleArrays:
    fees = plan_fees(sub, start, end).fees
    per_fee = [fee_revenue(f, policy) for f in fees]
    entries = [e for es in per_fee for e in es]
    return ScheduleArrays(
        sub.id,
        sub.currency,
        [f.start.toordinal() for f in fees],
        [f.end.toordinal() for f in fees],
        [f.invoice_date.toordinal() for f in fees],
        [f.amount.minor_units for f in fees],
        [len(es) for es in per_fee],
        [e.recognised_on.toordinal() for e in entries],
        [e.amount.minor_units for e in entries],
    )


def bulk_schedules(
    subscriptions: Iterable[Subscription],
    start: _dt.date,
    end: _dt.date,
    policy: RevenuePolicy | None = None,
) -> PortfolioSchedule:
    """Invoice and revenue schedules of every subscription over ``[start, end)``, as
    :func:`plan_fees` would generate them now (fees not yet issued) and
    :func:`fee_revenue` would recognise them. Drafts get an empty schedule. Pure:
    nothing is stored."""
    lo_req = to_date(start, "start").toordinal()
    hi_req = to_date(end, "end").toordinal()
    if hi_req <= lo_req:
        raise ValidationError(f"the range [{start}, {end}) is empty", field="end")
    if policy is None:
        policy = RevenuePolicy()
    if not isinstance(policy, RevenuePolicy):
        raise ValidationError("policy must be a RevenuePolicy", field="policy", value=policy)
    s_day, e_day = to_date(start, "start"), to_date(end, "end")
    acc = _Accrual(policy)
    placement = policy.remainder
    patterns: dict[Recurrence, _Pattern] = {}
    out: list[ScheduleArrays] = []
    for sub in check_iterable(subscriptions, "subscriptions", "a list of Subscription"):
        if not isinstance(sub, Subscription):
            raise ValidationError("expected Subscriptions", field="subscriptions", value=sub)
        if sub.status is SubscriptionStatus.DRAFT:
            out.append(ScheduleArrays(sub.id, sub.currency, (), (), (), (), (), (), ()))
            continue
        if not _fast(sub):
            out.append(_general(sub, s_day, e_day, policy))
            continue
        bstart = sub.billing_start.toordinal()
        bend = sub.end.toordinal() if sub.end is not None else _FAR
        lo, hi = max(lo_req, bstart), min(hi_req, bend)
        if lo >= hi:
            out.append(ScheduleArrays(sub.id, sub.currency, (), (), (), (), (), (), ()))
            continue
        rec = sub.recurrence
        pat = patterns.get(rec)
        if pat is None:
            pat = patterns[rec] = _pattern(rec, lo_req, hi_req, acc)
        starts, ends = pat.starts, pat.ends
        i = bisect_right(starts, lo) - 1
        j = bisect_left(starts, hi)  # fees are periods i .. j-1
        price = sub.price_changes[0].price.minor_units if sub.price_changes else 0
        parts_by_shape = [
            [price] if len(w) == 1 else split_minor(price, w, placement) for w in pat.shapes
        ]
        # whole periods in the middle, partial head and tail computed on their own
        head = starts[i] < bstart
        tail = ends[j - 1] > bend
        m0 = i + 1 if head else i
        m1 = j - 1 if tail else j
        f_starts: list[int] = []
        f_ends: list[int] = []
        amounts: list[int] = []
        counts: list[int] = []
        rdates: list[int] = []
        ramounts: list[int] = []

        cols = (f_starts, f_ends, amounts, counts, rdates, ramounts)
        if head or (tail and i == j - 1):
            _partial(
                cols,
                acc,
                placement,
                price,
                (max(starts[i], bstart), min(ends[i], bend)),
                (starts[i], ends[i]),
            )
        if m0 < m1:
            f_starts.extend(starts[m0:m1])
            f_ends.extend(ends[m0:m1])
            amounts.extend([price] * (m1 - m0))
            counts.extend(pat.rev_counts[m0:m1])
            rdates.extend(pat.rev_dates[pat.rev_offsets[m0] : pat.rev_offsets[m1]])
            ramounts.extend(
                chain.from_iterable(map(parts_by_shape.__getitem__, pat.shape_ids[m0:m1]))
            )
        if tail and j - 1 > i:
            _partial(
                cols, acc, placement, price, (starts[j - 1], bend), (starts[j - 1], ends[j - 1])
            )
        advance = sub.billing is Billing.IN_ADVANCE
        out.append(
            ScheduleArrays(
                sub.id,
                sub.currency,
                f_starts,
                f_ends,
                f_starts if advance else f_ends,
                amounts,
                counts,
                rdates,
                ramounts,
            )
        )
    return PortfolioSchedule(tuple(out))
