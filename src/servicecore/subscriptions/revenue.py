"""Revenue recognition: straight-line per day, reported per accrual period, exact.

Each fee is spread over its service period in proportion to days (or equally per accrual
period with ``per_day=False``); the entries of a fee always sum exactly to the fee.
An entry is *recognised* on the last day of its accrual period; a fee counts only once
invoiced (D365 creates accrual lines on invoicing). So for any date ``d``:
``recognised_to(d) + deferred_at(d) == invoiced_to(d)``.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from fractions import Fraction
from itertools import repeat

import pendulum
from attrs import frozen

from servicecore.clock import to_date
from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.ports import check_items, check_iterable, check_type
from servicecore.recurrence import Interval, Period, Unit
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
from servicecore.subscriptions.patterns import (
    HOLDER,
    Accrual,
    FeeRow,
    PlannedFees,
    accrual,
    accrual_rec,
    round_half_up,
    split_minor,
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
_CREDIT_DATE = CreditReversal.CREDIT_DATE


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


class _EntrySlots:
    """Where a :class:`RevenueEntry` keeps its fields, in a plain base class: the engine
    fills one with plain slot stores and makes it a ``RevenueEntry`` by ``__class__``
    assignment, as it does for fees (see ``subscriptions.model.values._FeeSlots``)."""

    __slots__ = ("__weakref__", "amount", "fee_id", "period", "recognised_on")
    fee_id: str
    period: Period
    amount: Money
    recognised_on: pendulum.Date


@frozen
class RevenueEntry(_EntrySlots):
    """The part of a fee recognised in one accrual period (``period`` is the part of the
    accrual period covered by the fee; ``recognised_on`` the accrual period's last day)."""

    fee_id: str
    period: Period
    amount: Money
    recognised_on: pendulum.Date


_ACCRUAL_MEMO: tuple[object, Accrual | None] = (None, None)


def _accrual_of(policy: RevenuePolicy) -> Accrual:
    """The shared split rule of ``policy``, remembered for the next call (``fee_revenue``
    looks at ``_ACCRUAL_MEMO`` first: a host mostly asks with one policy)."""
    global _ACCRUAL_MEMO
    acc = accrual(policy.accrual, policy.per_day, policy.remainder)
    _ACCRUAL_MEMO = (policy, acc)
    return acc


def _entry(fee_id: str, period: Period, amount: Money, on: pendulum.Date) -> RevenueEntry:
    """A RevenueEntry of values the split already checked (no second round of checks)."""
    e = _EntrySlots()
    e.fee_id = fee_id
    e.period = period
    e.amount = amount
    e.recognised_on = on
    e.__class__ = RevenueEntry
    return e  # type: ignore[return-value]  # a RevenueEntry since the line above


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
    try:  # a fee of a fast-path plan links to it (see _FeeSlots): its entries, if built
        asked, built = fee._plan.current
        if asked is policy:
            found = built[fee._at]
            if found is not None:
                return found  # type: ignore[no-any-return]
    except (AttributeError, LookupError, TypeError, ValueError):  # not such a fee
        pass
    return _fee_revenue(fee, policy)


def _fee_revenue(fee: Fee, policy: RevenuePolicy) -> tuple[RevenueEntry, ...]:
    if not isinstance(policy, RevenuePolicy):
        raise ValidationError("policy must be a RevenuePolicy", field="policy", value=policy)
    if not isinstance(fee, Fee):
        raise ValidationError(
            f"fee must be a Fee, not {type(fee).__name__}", field="fee", value=fee, allowed="a Fee"
        )
    if policy.reversal is _CREDIT_DATE and fee.kind in _CREDIT_KINDS:
        p = accrual_rec(policy.accrual).period_containing(fee.invoice_date)
        return (RevenueEntry(fee.id, p, fee.amount, p.last_day),)
    memo = _ACCRUAL_MEMO
    acc = memo[1] if memo[0] is policy and memo[1] is not None else _accrual_of(policy)
    plan: PlannedFees | None = getattr(fee, "_plan", None)  # a fee built by hand has none
    if plan is not None:  # a fee of a fast-path plan: split with the fees around it
        k: int = fee._at  # its period in the plan's pattern
        built = plan.entries.get(acc)
        if built is not None:
            plan.current = (policy, built)  # the fast lookup above, next time
            if built[k] is not None:
                return built[k]  # type: ignore[return-value]
        # A walk of the plan from its first fee gets a chunk at once; a first ask
        # elsewhere goes alone (a host picking one fee may want no other's revenue).
        size = _CHUNK if plan.asked or k == plan.first else 1
        plan.asked = True
        return _planned(plan, policy, acc, k, size)
    split = acc.split(fee.period)
    return _alone(fee.id, split, acc.amounts(fee.amount, split[0]))


_CHUNK = 256


def _planned(
    plan: PlannedFees, policy: RevenuePolicy, acc: Accrual, k: int, size: int
) -> tuple[RevenueEntry, ...]:
    """The entries of the fee of period ``k`` of ``plan``, built with those of the
    ``size - 1`` fees after it (up to the first fee already built), from the pattern's
    rows (entries are kept by period, see ``PlannedFees``)."""
    n = plan.end
    b = min(k + size, n)
    built = plan.entries.get(acc)
    if built is None:
        built = plan.entries[acc] = [None] * n
        held = HOLDER.plan
        if held is not plan:  # this thread keeps the entries of one plan at a time
            if held is not None:
                held.forget()
            HOLDER.plan = plan
    else:
        ahead = built[k:b]
        if ahead.count(None) < len(ahead):  # fees asked for out of order: stop before them
            b = k + next(x for x, found in enumerate(ahead) if found is not None)
    plan.current = (policy, built)
    a = k
    if a in plan.partial:  # the first fee, clipped by the billing start: split alone
        built[a] = _alone(*plan.clipped_split(acc, a))
        a += 1
    if a < b and b - 1 in plan.partial:  # the last fee, clipped by the end
        built[b - 1] = _alone(*plan.clipped_split(acc, b - 1))
        b -= 1
    if a < b:
        built[a:b] = _fill(*plan.whole_rows(acc, a, b))
    return built[k]  # type: ignore[return-value]


def _alone(  # the entries of one fee, split on its own
    fee_id: str,
    split: tuple[tuple[int, ...], tuple[Period, ...], tuple[pendulum.Date, ...]],
    parts: tuple[Money, ...],
) -> tuple[RevenueEntry, ...]:
    return tuple(map(_entry, repeat(fee_id, len(parts)), split[1], parts, split[2]))


def _fill(
    c: int, rows: Iterable[FeeRow], names: list[str], table: list[Money]
) -> list[tuple[_EntrySlots, ...]]:
    """Per fee, its entries, from its row; ``c``, how many entries each fee has when all
    have as many, else 0 (see ``PlannedFees.whole_rows``).

    Each entry is filled as an _EntrySlots and then made a RevenueEntry (see there).
    Runs of fees of two entries each (monthly fees across month ends) and of one entry
    each (on calendar months), the common cases, get a loop of their own; others go fee
    by fee. (A call per entry would cost more than the fill: the loops repeat it on
    purpose.)
    """
    out: list[tuple[_EntrySlots, ...]] = []
    if c == 2:
        for o, p1, w1, d1, p2, w2, d2 in rows:
            fee_id = names[o]
            e = _EntrySlots()
            e.fee_id = fee_id
            e.period = p1
            e.amount = table[w1]
            e.recognised_on = d1
            e.__class__ = RevenueEntry
            f = _EntrySlots()
            f.fee_id = fee_id
            f.period = p2
            f.amount = table[w2]
            f.recognised_on = d2
            f.__class__ = RevenueEntry
            out.append((e, f))
    elif c == 1:
        for o, p, w, d in rows:
            e = _EntrySlots()
            e.fee_id = names[o]
            e.period = p
            e.amount = table[w]
            e.recognised_on = d
            e.__class__ = RevenueEntry
            out.append((e,))
    else:
        for row in rows:
            fee_id = names[row[0]]
            entries: list[_EntrySlots] = []
            for x in range(1, len(row), 3):
                e = _EntrySlots()
                e.fee_id = fee_id
                e.period = row[x]
                e.amount = table[row[x + 1]]
                e.recognised_on = row[x + 2]
                e.__class__ = RevenueEntry
                entries.append(e)
            out.append(tuple(entries))
    return out


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
