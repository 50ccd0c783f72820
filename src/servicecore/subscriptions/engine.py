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
from collections.abc import Iterable, Sequence
from itertools import chain

import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.ports import check_iterable
from servicecore.recurrence import Period
from servicecore.subscriptions.billing import plan_fees
from servicecore.subscriptions.model import Billing, Subscription, SubscriptionStatus
from servicecore.subscriptions.patterns import (
    Accrual,
    Span,
    accrual,
    fast_span,
    is_fast,
    price_units,
    split_minor,
)
from servicecore.subscriptions.revenue import RevenuePolicy, fee_revenue

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


_Cols = tuple[list[int], list[int], list[int], list[int], list[int], list[int]]


def _partial(cols: _Cols, acc: Accrual, span: Span, price: int, k: int) -> None:
    """Append the fee and revenue entries of clipped period ``k`` to the columns."""
    f_starts, f_ends, amounts, counts, rdates, ramounts = cols
    cs, ce = span.clipped(k)
    amount = span.partial_amount(price, k)
    weights, d = acc.pieces(cs, ce)
    f_starts.append(cs)
    f_ends.append(ce)
    amounts.append(amount)
    counts.append(len(d))
    rdates.extend(d)
    ramounts.extend(split_minor(amount, weights, acc.placement))


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
    acc = accrual(policy.accrual, policy.per_day, policy.remainder)
    placement = policy.remainder
    out: list[ScheduleArrays] = []
    for sub in check_iterable(subscriptions, "subscriptions", "a list of Subscription"):
        if not isinstance(sub, Subscription):
            raise ValidationError("expected Subscriptions", field="subscriptions", value=sub)
        if sub.status is SubscriptionStatus.DRAFT:
            out.append(ScheduleArrays(sub.id, sub.currency, (), (), (), (), (), (), ()))
            continue
        if not is_fast(sub):
            out.append(_general(sub, s_day, e_day, policy))
            continue
        span = fast_span(sub, lo_req, hi_req, shared=True)
        if span is None:
            out.append(ScheduleArrays(sub.id, sub.currency, (), (), (), (), (), (), ()))
            continue
        pat = span.pattern
        rev = pat.revenue_of(acc)
        starts, ends = pat.starts, pat.ends
        i, j = span.i, span.j  # fees are periods i .. j-1
        price = price_units(sub)
        parts_by_shape = [
            [price] if len(w) == 1 else split_minor(price, w, placement) for w in rev.shapes
        ]
        # whole periods in the middle, partial head and tail computed on their own
        head, tail = span.head, span.tail
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
            _partial(cols, acc, span, price, i)
        if m0 < m1:
            f_starts.extend(starts[m0:m1])
            f_ends.extend(ends[m0:m1])
            amounts.extend([price] * (m1 - m0))
            counts.extend(rev.counts[m0:m1])
            rdates.extend(rev.dates[rev.offsets[m0] : rev.offsets[m1]])
            ramounts.extend(
                chain.from_iterable(map(parts_by_shape.__getitem__, rev.shape_ids[m0:m1]))
            )
        if tail and j - 1 > i:
            _partial(cols, acc, span, price, j - 1)
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
