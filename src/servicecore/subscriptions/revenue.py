"""Revenue recognition: straight-line per day, reported per accrual period, exact.

Each fee is spread over its service period in proportion to days (or equally per accrual
period with ``per_day=False``); the entries of a fee always sum exactly to the fee.
An entry is *recognised* on the last day of its accrual period; a fee counts only once
invoiced (D365 creates accrual lines on invoicing). So for any date ``d``:
``recognised_to(d) + deferred_at(d) == invoiced_to(d)``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from fractions import Fraction

import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.ports import check_items, check_iterable, check_type
from servicecore.recurrence import Interval, Period, Recurrence, Unit, date_from_ordinal
from servicecore.subscriptions.billing import round_half_up
from servicecore.subscriptions.model import (
    CreditReversal,
    Fee,
    FeeKind,
    RemainderPlacement,
    Subscription,
    SubscriptionGroup,
    SubscriptionStatus,
    check_subscription,
)

__all__ = [
    "RevenueEntry",
    "RevenuePolicy",
    "RevenueReport",
    "arr",
    "fee_revenue",
    "mrr",
    "revenue_by_period",
    "revenue_report",
    "split_minor",
    "subscription_revenue",
]

_MONTH = Interval(Unit.MONTH, 1)
_CREDIT_KINDS = (FeeKind.CREDIT, FeeKind.REDUCTION_DAYS, FeeKind.SERVICE_CREDIT)


@frozen
class RevenuePolicy:
    """How revenue is spread: accrual period (calendar-aligned day/month/quarter/year),
    per-day weighting, remainder placement and credit reversal."""

    accrual: Interval = _MONTH
    per_day: bool = True
    remainder: RemainderPlacement = RemainderPlacement.FIRST
    reversal: CreditReversal = CreditReversal.ORIGINAL_DATES

    @classmethod
    def of_group(cls, group: SubscriptionGroup) -> RevenuePolicy:
        check_type(group, SubscriptionGroup, "group")
        if group.accrual_interval is None:
            raise ValidationError(
                f"group {group.id!r} does not accrue revenue (no accrual period)",
                field="group",
                allowed="a group with accrue_revenue and an accrual_interval",
            )
        return cls(group.accrual_interval, group.per_day, group.remainder, group.credit_reversal)


@frozen
class RevenueEntry:
    """The part of a fee recognised in one accrual period (``period`` is the part of the
    accrual period covered by the fee; ``recognised_on`` the accrual period's last day)."""

    fee_id: str
    period: Period
    amount: Money
    recognised_on: pendulum.Date


def _largest_remainder(total: int, weights: Sequence[int], wsum: int) -> list[int]:
    t = abs(total)
    shares = [t * w for w in weights]
    parts = [s // wsum for s in shares]
    left = t - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] % wsum), i))
    for i in order[:left]:
        parts[i] += 1
    return parts if total >= 0 else [-p for p in parts]


def split_minor(total: int, weights: Sequence[int], placement: RemainderPlacement) -> list[int]:
    """Split ``total`` minor units by ``weights``; the parts sum exactly to ``total``.

    FIRST/LAST round every part half-up and put the difference in the first/last part
    (D365); should that part change sign (possible with many tiny parts) the split falls
    back to largest remainder, so a positive fee never gets a negative entry.

    >>> split_minor(30000, [31, 28, 31], RemainderPlacement.FIRST)
    [10334, 9333, 10333]
    >>> split_minor(50, [1] * 90, RemainderPlacement.FIRST)[:3]
    [1, 1, 1]
    """
    wsum = sum(weights)
    if wsum <= 0:
        raise ValidationError("weights must sum to a positive number", field="weights")
    if placement is RemainderPlacement.LARGEST_REMAINDER:
        return _largest_remainder(total, weights, wsum)
    parts = [round_half_up(total * w, wsum) for w in weights]
    idx = 0 if placement is RemainderPlacement.FIRST else len(parts) - 1
    parts[idx] += total - sum(parts)
    if (total >= 0 and parts[idx] < 0) or (total < 0 and parts[idx] > 0):
        return _largest_remainder(total, weights, wsum)
    return parts


_REC_CACHE: dict[Interval, Recurrence] = {}


def _accrual_rec(interval: Interval) -> Recurrence:
    rec = _REC_CACHE.get(interval)
    if rec is None:
        rec = _REC_CACHE[interval] = Recurrence.calendar(interval)
    return rec


def _pd(o: int) -> pendulum.Date:
    return date_from_ordinal(o)


def fee_revenue(fee: Fee, policy: RevenuePolicy = RevenuePolicy()) -> tuple[RevenueEntry, ...]:
    """The revenue entries of one fee, per accrual period (S9).

    >>> import pendulum
    >>> from servicecore.money import Money
    >>> from servicecore.recurrence import Period
    >>> from servicecore.subscriptions import Fee, FeeKind
    >>> q = Period(pendulum.Date(2023, 1, 1), pendulum.Date(2023, 4, 1))
    >>> fee = Fee(id="F1", subscription_id="S1", kind=FeeKind.REGULAR, period=q,
    ...           full_period=q, amount=Money.of("300.00", "EUR"), invoice_date=q.start)
    >>> [str(e.amount) for e in fee_revenue(fee)]
    ['103.34 EUR', '93.33 EUR', '103.33 EUR']
    """
    if not isinstance(policy, RevenuePolicy):
        raise ValidationError("policy must be a RevenuePolicy", field="policy", value=policy)
    if not isinstance(fee, Fee):
        raise ValidationError(
            f"fee must be a Fee, not {type(fee).__name__}", field="fee", value=fee, allowed="a Fee"
        )
    rec = _accrual_rec(policy.accrual)
    cur = fee.amount.currency
    if fee.kind in _CREDIT_KINDS and policy.reversal is CreditReversal.CREDIT_DATE:
        p = rec.period_containing(fee.invoice_date)
        return (RevenueEntry(fee.id, p, fee.amount, p.last_day),)
    fs, fe = fee.start.toordinal(), fee.end.toordinal()
    b = rec.boundaries_ordinal(fs, fe)
    pieces = [(max(b[i], fs), min(b[i + 1], fe), b[i + 1]) for i in range(len(b) - 1) if b[i] < fe]
    weights = [hi - lo for lo, hi, _e in pieces] if policy.per_day else [1] * len(pieces)
    parts = split_minor(fee.amount.minor_units, weights, policy.remainder)
    return tuple(
        RevenueEntry(fee.id, Period.from_ordinals(lo, hi), Money.from_minor(u, cur), _pd(e - 1))
        for (lo, hi, e), u in zip(pieces, parts, strict=True)
    )


def subscription_revenue(
    sub: Subscription, policy: RevenuePolicy = RevenuePolicy()
) -> tuple[RevenueEntry, ...]:
    """Revenue entries of every fee of ``sub``, in fee order."""
    check_subscription(sub)
    return tuple(e for f in sub.fees for e in fee_revenue(f, policy))


def revenue_by_period(entries: Iterable[RevenueEntry]) -> dict[pendulum.Date, Money]:
    """Total revenue per accrual period, keyed by the period's last day, in date order."""
    out: dict[pendulum.Date, Money] = {}
    for e in check_items(entries, RevenueEntry, "entries", "a list of RevenueEntry"):
        prev = out.get(e.recognised_on)
        out[e.recognised_on] = e.amount if prev is None else prev + e.amount
    return dict(sorted(out.items()))


@frozen
class RevenueReport:
    """Per currency, as of a date: invoiced, recognised and deferred (invoiced minus
    recognised) amounts; ``invoiced == recognised + deferred`` always."""

    on: pendulum.Date
    invoiced: dict[str, Money]
    recognised: dict[str, Money]
    deferred: dict[str, Money]


def revenue_report(
    subscriptions: Iterable[Subscription],
    on: _dt.date,
    policy: RevenuePolicy = RevenuePolicy(),
    *,
    groups: Iterable[SubscriptionGroup] | None = None,
) -> RevenueReport:
    """Invoiced, recognised and deferred revenue of a portfolio as of ``on``.

    With ``groups``, each subscription is recognised under its own group's policy (a
    daily-accrual group per day, a monthly one per month); ``policy`` then applies only to
    subscriptions whose group is not given or does not accrue revenue.
    """
    day = to_date(on, "on")
    o = day.toordinal()
    policies: dict[str, RevenuePolicy] = {}
    if groups is not None:
        for group in check_items(groups, SubscriptionGroup, "groups", "SubscriptionGroup values"):
            if group.accrual_interval is not None:
                policies[group.id] = RevenuePolicy.of_group(group)
    inv: dict[str, int] = {}
    rec: dict[str, int] = {}
    dfr: dict[str, int] = {}
    curs: dict[str, Currency] = {}
    for sub in check_iterable(subscriptions, "subscriptions", "a list of Subscription"):
        check_subscription(sub, "subscriptions")
        code = sub.currency.code
        curs[code] = sub.currency
        for fee in sub.fees:
            if fee.invoice_date.toordinal() > o:
                continue
            inv[code] = inv.get(code, 0) + fee.amount.minor_units
            for e in fee_revenue(fee, policies.get(sub.group_id, policy)):
                target = rec if e.recognised_on.toordinal() <= o else dfr
                target[code] = target.get(code, 0) + e.amount.minor_units

    def wrap(d: dict[str, int]) -> dict[str, Money]:
        return {c: Money.from_minor(d.get(c, 0), curs[c]) for c in sorted(curs)}

    return RevenueReport(day, wrap(inv), wrap(rec), wrap(dfr))


def _monthly(sub: Subscription, day: pendulum.Date) -> Fraction:
    price = Fraction(sub.price_on(day).amount)
    iv = sub.interval
    if iv.is_month_based:
        return price / iv.total_months
    per_year = Fraction(365) if iv.unit is Unit.DAY else Fraction(52)
    return price * per_year / 12 / iv.count


def _billing_on(sub: Subscription, day: pendulum.Date) -> bool:
    if sub.status is SubscriptionStatus.DRAFT:
        return False
    if day < sub.billing_start or (sub.end is not None and day >= sub.end):
        return False
    return all(not (s.start <= day and (s.end is None or day < s.end)) for s in sub.suspensions)


def _recurring(
    subscriptions: Iterable[Subscription], on: _dt.date, months: int
) -> dict[str, Money]:
    day = to_date(on, "on")
    totals: dict[str, Fraction] = {}
    curs: dict[str, Currency] = {}
    for sub in check_iterable(subscriptions, "subscriptions", "a list of Subscription"):
        check_subscription(sub, "subscriptions")
        if _billing_on(sub, day):
            code = sub.currency.code
            curs[code] = sub.currency
            totals[code] = totals.get(code, Fraction(0)) + _monthly(sub, day) * months
    out: dict[str, Money] = {}
    for c, v in sorted(totals.items()):
        units = v * 10 ** curs[c].minor_units
        out[c] = Money.from_minor(round_half_up(units.numerator, units.denominator), curs[c])
    return out


def mrr(subscriptions: Iterable[Subscription], on: _dt.date) -> dict[str, Money]:
    """Monthly recurring revenue per currency on ``on``: the price in force of every
    subscription billing that day (not draft, suspended, trialling or ended), normalised
    to a month (quarterly / 3, yearly / 12, weekly x 52 / 12, daily x 365 / 12), summed
    exactly, rounded half-up once."""
    return _recurring(subscriptions, on, 1)


def arr(subscriptions: Iterable[Subscription], on: _dt.date) -> dict[str, Money]:
    """Annual recurring revenue: 12 x the exact MRR, rounded once."""
    return _recurring(subscriptions, on, 12)


def accrual_boundaries(interval: Interval, lo: int, hi: int) -> list[int]:
    """Ordinals of calendar accrual boundaries covering ``[lo, hi)`` (engine helper)."""
    return _accrual_rec(interval).boundaries_ordinal(lo, hi)
