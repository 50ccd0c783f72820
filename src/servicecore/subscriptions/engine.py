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

import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.recurrence import Period, Recurrence
from servicecore.subscriptions.billing import plan_fees, round_half_up
from servicecore.subscriptions.model import (
    Billing,
    Proration,
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
    (ordinals), ``fee_amounts`` (minor units). Revenue: ``rev_fee`` (index of the fee),
    ``rev_dates`` (ordinal of the day the entry is recognised), ``rev_amounts``.
    """

    subscription_id: str
    currency: Currency
    fee_starts: Sequence[int]
    fee_ends: Sequence[int]
    invoice_dates: Sequence[int]
    fee_amounts: Sequence[int]
    rev_fee: Sequence[int]
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


@frozen
class _Pattern:
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    invoices: tuple[int, ...]
    keys: tuple[tuple[int, int, tuple[int, ...]], ...]  # (days, period days, weights)
    rev_fee: tuple[int, ...]
    rev_dates: tuple[int, ...]


def _pattern(
    rec: Recurrence, lo: int, hi: int, bstart: int, bend: int, advance: bool, policy: RevenuePolicy
) -> _Pattern:
    b = rec.boundaries_ordinal(lo, hi)
    starts: list[int] = []
    ends: list[int] = []
    keys: list[tuple[int, int, tuple[int, ...]]] = []
    rev_fee: list[int] = []
    rev_dates: list[int] = []
    acc = accrual_boundaries(policy.accrual, max(b[0], bstart), min(b[-1], bend))
    j = 0
    for i in range(len(b) - 1):
        ps, pe = b[i], b[i + 1]
        if ps >= hi:
            break
        cs, ce = max(ps, bstart), min(pe, bend)
        if cs >= ce:
            continue
        n = len(starts)
        starts.append(cs)
        ends.append(ce)
        while acc[j + 1] <= cs:
            j += 1
        k = j
        weights: list[int] = []
        while acc[k] < ce:
            a, e = max(acc[k], cs), min(acc[k + 1], ce)
            weights.append(e - a if policy.per_day else 1)
            rev_fee.append(n)
            rev_dates.append(acc[k + 1] - 1)
            k += 1
        keys.append((ce - cs, pe - ps, tuple(weights)))
    invoices = tuple(starts) if advance else tuple(ends)
    return _Pattern(
        tuple(starts), tuple(ends), invoices, tuple(keys), tuple(rev_fee), tuple(rev_dates)
    )


def _fast(sub: Subscription) -> bool:
    return (
        not sub.fees
        and not sub.suspensions
        and not sub.reductions
        and len(sub.price_changes) <= 1
        and sub.proration is Proration.ACTUAL_DAYS
        and sub.status is not SubscriptionStatus.DRAFT
    )


def _general(
    sub: Subscription, start: pendulum.Date, end: pendulum.Date, policy: RevenuePolicy
) -> ScheduleArrays:
    fees = plan_fees(sub, start, end).fees
    entries = [(i, e) for i, f in enumerate(fees) for e in fee_revenue(f, policy)]
    return ScheduleArrays(
        sub.id,
        sub.currency,
        [f.start.toordinal() for f in fees],
        [f.end.toordinal() for f in fees],
        [f.invoice_date.toordinal() for f in fees],
        [f.amount.minor_units for f in fees],
        [i for i, _e in entries],
        [e.recognised_on.toordinal() for _i, e in entries],
        [e.amount.minor_units for _i, e in entries],
    )


def bulk_schedules(
    subscriptions: Iterable[Subscription],
    start: _dt.date,
    end: _dt.date,
    policy: RevenuePolicy | None = None,
) -> PortfolioSchedule:
    """Invoice and revenue schedules of every subscription over ``[start, end)``, as
    :func:`plan_fees` would generate them now (fees not yet issued) and
    :func:`fee_revenue` would recognise them. Pure: nothing is stored."""
    lo_req = to_date(start, "start").toordinal()
    hi_req = to_date(end, "end").toordinal()
    if hi_req <= lo_req:
        raise ValidationError(f"the range [{start}, {end}) is empty", field="end")
    if policy is None:
        policy = RevenuePolicy()
    if not isinstance(policy, RevenuePolicy):
        raise ValidationError("policy must be a RevenuePolicy", field="policy", value=policy)
    s_day, e_day = to_date(start, "start"), to_date(end, "end")
    patterns: dict[tuple[object, ...], _Pattern] = {}
    out: list[ScheduleArrays] = []
    placement = policy.remainder
    for sub in subscriptions:
        if not isinstance(sub, Subscription):
            raise ValidationError("expected Subscriptions", field="subscriptions", value=sub)
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
        advance = sub.billing is Billing.IN_ADVANCE
        key = (rec, lo, hi, bstart, bend, advance)
        pat = patterns.get(key)
        if pat is None:
            pat = patterns[key] = _pattern(rec, lo, hi, bstart, bend, advance, policy)
        price = sub.price_changes[0].price.minor_units if sub.price_changes else 0
        shapes: dict[tuple[int, int, tuple[int, ...]], tuple[int, list[int]]] = {}
        for shape in set(pat.keys):
            days, pdays, weights = shape
            amount = price if days == pdays else round_half_up(price * days, pdays)
            parts = [amount] if len(weights) == 1 else split_minor(amount, weights, placement)
            shapes[shape] = (amount, parts)
        amounts = [shapes[k][0] for k in pat.keys]
        rev = [u for k in pat.keys for u in shapes[k][1]]
        out.append(
            ScheduleArrays(
                sub.id,
                sub.currency,
                pat.starts,
                pat.ends,
                pat.invoices,
                amounts,
                pat.rev_fee,
                pat.rev_dates,
                rev,
            )
        )
    return PortfolioSchedule(tuple(out))
