"""The invoice schedule: fee planning, gap filling, corrections, cancellation and credits.

Amounts are computed in integer minor units with exact integer division and one half-up
rounding per fee; ``Money`` appears only at the boundary.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import enum
import itertools
from collections.abc import Sequence

import pendulum
from attrs import evolve, frozen

from servicecore.clock import to_date
from servicecore.errors import BusinessRuleError, CurrencyMismatchError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.recurrence import Period, date_from_ordinal
from servicecore.subscriptions.model import (
    LIFECYCLE,
    Billing,
    Fee,
    FeeKind,
    Proration,
    ServiceCreditLike,
    Subscription,
    SubscriptionCancelled,
    SubscriptionStatus,
    _check_not_final,
    _clock,
    check_subscription,
)
from servicecore.subscriptions.patterns import is_fast, plan_regular, round_half_up

__all__ = [
    "CancelMode",
    "DaysReduced",
    "FeePlan",
    "FeesGenerated",
    "NextInvoiceDateSet",
    "PriceReduced",
    "ServiceCreditAdded",
    "add_non_regular_fee",
    "add_service_credit",
    "cancel",
    "generate_due_fees",
    "generate_fees",
    "next_invoice_date",
    "plan_due_fees",
    "plan_fees",
    "reduce_days",
    "reduce_price",
    "round_half_up",
    "set_next_invoice_date",
]

_FAR = _dt.date.max.toordinal()
_CORRECTIONS = (FeeKind.ADJUSTMENT, FeeKind.CREDIT, FeeKind.REDUCTION_DAYS)


class CancelMode(enum.Enum):
    IMMEDIATE = "immediate"
    """Service stops on the cancellation date (``on`` is the first unbilled day)."""
    END_OF_TERM = "end_of_term"
    """Service runs to the end of the billing period containing ``on``."""
    ON_DATE = "on_date"
    """Service stops on a chosen ``effective`` date (exclusive end)."""


@frozen(kw_only=True)
class FeesGenerated(DomainEvent):
    fee_ids: tuple[str, ...]
    total: Money


@frozen(kw_only=True)
class NextInvoiceDateSet(DomainEvent):
    on: pendulum.Date
    boundary: pendulum.Date
    """The period boundary the invoice on ``on`` belongs to (a start in advance, an end
    in arrears)."""


@frozen(kw_only=True)
class DaysReduced(DomainEvent):
    fee_id: str
    reduction: Period
    amount: Money


@frozen(kw_only=True)
class PriceReduced(DomainEvent):
    fee_id: str
    reduced_fee_id: str
    amount: Money


@frozen(kw_only=True)
class ServiceCreditAdded(DomainEvent):
    fee_id: str
    amount: Money
    reference: str


@frozen
class FeePlan:
    """The fees a run would add (a preview until applied with :func:`generate_fees`).

    ``complete`` is False when ``limit`` cut a catch-up short: run again for the rest.
    """

    fees: tuple[Fee, ...]
    complete: bool = True

    def total(self, currency: str) -> Money:
        return Money.sum((f.amount for f in self.fees), currency)


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


# -- settled ledgers ----------------------------------------------------------------------------
# After a generation run (or a cancellation) every issued REGULAR fee is worth exactly what
# was issued for it under the subscription's terms of that moment. The next run then needs
# to re-value only the fees a change since can have touched: those whose days meet a
# region where the terms differ now, those a later fee refers to (a correction, a price
# reduction, reduction days), and the REGULAR fees issued since. The record is checked
# against the ledger and terms it is given (the ledger must begin with the recorded fees,
# the terms are compared value by value), so a stale or foreign record only costs a full
# re-valuation, never a different result.

_Ranges = tuple[tuple[int, int], ...]
_Terms = tuple[tuple[object, ...], _Ranges, _Ranges, _Ranges, int]


class _Ledger:
    """What a run needs of a fee ledger, kept so that the next run reads only new fees:
    the days covered by REGULAR and NON_REGULAR fees (sorted), the latest REGULAR end, and
    per REGULAR fee its index and the days its worth depends on."""

    __slots__ = ("covered", "fees", "latest", "reach", "regular", "terms")

    def __init__(self, fees: tuple[Fee, ...], terms: _Terms) -> None:
        self.fees = fees
        self.terms = terms
        self.covered: list[tuple[int, int]] = []
        self.reach: list[int] = []
        self.latest: int | None = None
        self.regular: dict[str, tuple[int, int, int]] = {}

    def extended(self, fees: tuple[Fee, ...], terms: _Terms) -> _Ledger:
        """This ledger with the fees ``fees`` has after its own (``fees`` begins with them)."""
        out = _Ledger(fees, terms)
        out.covered = list(self.covered)
        out.reach = self.reach
        out.latest = self.latest
        out.regular = dict(self.regular)
        added = False
        for i in range(len(self.fees), len(fees)):
            f = fees[i]
            if f.kind is FeeKind.REGULAR or f.kind is FeeKind.NON_REGULAR:
                fs, fe = _ord(f.start), _ord(f.end)
                out.covered.append((fs, fe))
                added = True
                if f.kind is FeeKind.REGULAR:
                    out.latest = fe if out.latest is None else max(out.latest, fe)
                    lo = min(fs, _ord(f.full_period.start))
                    hi = max(fe, _ord(f.full_period.end))
                    out.regular[f.id] = (i, lo, hi)
        if added:
            out.covered.sort()
            out.reach = list(itertools.accumulate((b for _a, b in out.covered), max))
        return out


_SETTLED: dict[tuple[str, str], _Ledger] = {}
_SETTLED_MAX = 4096
_EMPTY = _Ledger((), ((), (), (), (), 0))


def _terms(sub: Subscription) -> _Terms:
    """What a REGULAR fee's worth depends on, besides its own days and its ledger."""
    whole = (sub.billing_start, sub.proration, sub.interval.is_month_based, sub.currency)
    end = _ord(sub.end) if sub.end is not None else _FAR
    susp = tuple(
        (_ord(s.start), _ord(s.end) if s.end is not None else _FAR) for s in sub.suspensions
    )
    reds = tuple((_ord(r.start), _ord(r.end)) for r in sub.reductions)
    return (whole, tuple(_price_points(sub)), susp, reds, end)


def _settled(sub: Subscription, fees: Sequence[Fee]) -> _Ledger | None:
    """The record of ``sub`` if ``fees`` begins with its fees."""
    record = _SETTLED.get((sub.company_id, sub.id))
    if record is None:
        return None
    n = len(record.fees)
    if len(fees) < n or tuple(fees[:n]) != record.fees:
        return None
    return record


def _ledger(sub: Subscription) -> _Ledger:
    """The ledger summary of ``sub.fees`` (from the record when there is one)."""
    record = _settled(sub, sub.fees)
    base = _EMPTY if record is None else record
    return base.extended(sub.fees, base.terms)


def _remember(sub: Subscription) -> None:
    """Record that every REGULAR fee of ``sub`` is worth what was issued for it."""
    key = (sub.company_id, sub.id)
    record = _settled(sub, sub.fees)
    base = _EMPTY if record is None else record
    _SETTLED.pop(key, None)
    if len(_SETTLED) >= _SETTLED_MAX:
        del _SETTLED[next(iter(_SETTLED))]
    _SETTLED[key] = base.extended(sub.fees, _terms(sub))


def _forget_settled() -> None:
    """Drop every record (the next run of each subscription re-values all its fees)."""
    _SETTLED.clear()


def _changed_regions(old: _Terms, new: _Terms) -> list[tuple[int, int]] | None:
    """Day ranges where a fee may be worth something else under ``new`` than under
    ``old``; ``None`` when every day may be."""
    if old[0] != new[0]:
        return None
    regions: list[tuple[int, int]] = []
    old_pts, new_pts = old[1], new[1]
    if old_pts != new_pts:
        i = 0
        while i < min(len(old_pts), len(new_pts)) and old_pts[i] == new_pts[i]:
            i += 1
        if i == 0:
            return None  # the first price also prices any day before it
        firsts = [p[i][0] for p in (old_pts, new_pts) if i < len(p)]
        regions.append((min(firsts), _FAR))
    # suspensions, reductions: the ranges present in only one of the two
    for a, b in ((old[2], new[2]), (old[3], new[3])):
        if a != b:
            regions.extend(r for r in (*a, *b) if (r in a) != (r in b))
    if old[4] != new[4]:
        regions.append((min(old[4], new[4]), _FAR))
    return regions


def _to_revalue(sub: Subscription, fees: Sequence[Fee]) -> list[int] | None:
    """Indexes of the REGULAR fees of ``fees`` that may not be worth what was issued for
    them, or ``None`` when that is not known (every REGULAR fee then)."""
    record = _settled(sub, fees)
    if record is None:
        return None
    regions = _changed_regions(record.terms, _terms(sub))
    if regions is None:
        return None
    n = len(record.fees)
    picked: set[int] = set()
    for i in range(n, len(fees)):
        f = fees[i]
        if f.kind is FeeKind.REGULAR:
            picked.add(i)
        elif f.reference is not None and f.reference in record.regular:
            picked.add(record.regular[f.reference][0])
    if regions:
        for i, lo, hi in record.regular.values():
            if any(a < hi and lo < b for a, b in regions):
                picked.add(i)
    return sorted(picked)


def _corrections(sub: Subscription, as_of: int | None, fees: Sequence[Fee]) -> list[Fee]:
    """Fees that bring every issued REGULAR fee to what it should cost now."""
    picked = _to_revalue(sub, fees)
    if picked is not None and not picked:
        return []
    candidates = (
        [f for f in fees if f.kind is FeeKind.REGULAR]
        if picked is None
        else [fees[i] for i in picked]
    )
    by_ref: dict[str, list[Fee]] = {}
    for f in fees:
        if f.kind in _CORRECTIONS and f.reference is not None:
            by_ref.setdefault(f.reference, []).append(f)
    lows = _lowered(fees)
    change_days = [_ord(s.start) for s in sub.suspensions]
    change_days += [_ord(s.end) for s in sub.suspensions if s.end is not None]
    change_days += [_ord(r.start) for r in sub.reductions]
    change_days += [_ord(c.effective) for c in sub.price_changes]
    if sub.end is not None:
        change_days.append(_ord(sub.end))
    out: list[Fee] = []
    for f in candidates:
        fs, fe = _ord(f.start), _ord(f.end)
        related = by_ref.get(f.id, [])
        low = lows.get(f.id, _NOT_LOWERED)
        issued = f.amount.minor_units + sum(g.amount.minor_units for g in related) + low[0]
        diff = _worth(sub, f, low) - issued
        if diff == 0:
            continue
        inside = [d for d in change_days if fs < d < fe]
        # A suspension already running on the fee's first day changes it from that day.
        held = any(
            _ord(s.start) <= fs < (_ord(s.end) if s.end is not None else _FAR)
            for s in sub.suspensions
        )
        cs = min(inside) if inside and not held else fs
        invoice = max(_ord(f.invoice_date), as_of if as_of is not None else fs)
        kind = FeeKind.ADJUSTMENT if diff > 0 else FeeKind.CREDIT
        out.append(
            Fee(
                id=f"{f.id}/C{len(related) + 1}",
                subscription_id=sub.id,
                kind=kind,
                period=Period.from_ordinals(cs, fe),
                full_period=f.full_period,
                amount=_money(diff, sub),
                invoice_date=_pd(invoice),
                reference=f.id,
                reason="correction of an issued fee",
            )
        )
    return out


def _check_not_draft(sub: Subscription) -> None:
    check_subscription(sub)
    if sub.status is SubscriptionStatus.DRAFT:
        raise BusinessRuleError(
            f"subscription {sub.id!r} is a draft: activate it before generating fees (S1)",
            rule="S1",
            entity="subscription",
            id=sub.id,
        )


def plan_fees(
    sub: Subscription,
    start: _dt.date,
    end: _dt.date,
    *,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
) -> FeePlan:
    """Preview the fees a generation run over ``[start, end)`` would add; no side effects.

    * One REGULAR fee per billing period meeting the range, clipped to the billing span
      (leading and trailing partial periods are prorated). Days already covered by a fee
      are never billed twice: a rerun, or an overlapping range, adds nothing, and a
      partly covered period gets a fee for the uncovered days only (S3 gap filling).
    * ``continuous=True`` only extends after the latest existing REGULAR fee: if
      ``start`` precedes its end nothing new is created, otherwise the fees start right
      at that end, so no gap is left (S3).
    * Every issued REGULAR fee whose value changed (price change, suspension,
      cancellation) gets an ADJUSTMENT or CREDIT dated ``as_of`` (issued fees are never
      rewritten).
    * ``limit`` bounds a catch-up to that many new REGULAR fees, earliest first.
    """
    _check_not_draft(sub)
    lo_req = to_date(start, "start").toordinal()
    hi_req = to_date(end, "end").toordinal()
    if hi_req <= lo_req:
        raise ValidationError(
            f"the range [{start}, {end}) is empty", field="end", allowed="end after start"
        )
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValidationError(f"limit {limit!r} must be a positive int", field="limit")
    as_of_o = None if as_of is None else to_date(as_of, "as_of").toordinal()
    if is_fast(sub):  # no fee issued yet: nothing covered, nothing to correct
        fees, complete = plan_regular(sub, lo_req, hi_req, limit)
        return FeePlan(tuple(fees), complete)
    ledger = _ledger(sub)
    covered = ledger.covered
    lo = lo_req
    skip = False
    latest = ledger.latest
    if continuous and latest is not None:
        if lo_req < latest:
            skip = True
        else:
            lo = latest
    bstart = _ord(sub.billing_start)
    bend = _ord(sub.end) if sub.end is not None else _FAR
    lo, hi = max(lo, bstart), min(hi_req, bend)
    new: list[Fee] = []
    complete = True
    if not skip and lo < hi:
        b = sub.recurrence.boundaries_ordinal(lo, hi)
        advance = sub.billing is Billing.IN_ADVANCE
        shift = sub.invoice_shift
        manual = sub.manual_invoice_date
        anchor = None if manual is None else _ord(manual) - shift
        for i in range(len(b) - 1):
            ps, pe = b[i], b[i + 1]
            if ps >= hi:
                break
            cs, ce = max(ps, bstart), min(pe, bend)
            if cs >= ce:
                continue
            full = Period.from_ordinals(ps, pe)
            for gs, ge in _gaps(cs, ce, covered, ledger.reach):
                if limit is not None and len(new) >= limit:
                    complete = False
                    break
                amount = _target(sub, (gs, ge), (ps, pe))
                invoice = (gs if advance else ge) + shift
                if anchor is not None and manual is not None and gs < anchor:
                    # Days the hand-set date skipped: caught up on that invoice.
                    invoice = max(invoice, _ord(manual))
                new.append(
                    Fee(
                        id=f"{sub.id}/R/{_pd(gs).isoformat()}",
                        subscription_id=sub.id,
                        kind=FeeKind.REGULAR,
                        period=Period.from_ordinals(gs, ge),
                        full_period=full,
                        amount=_money(amount, sub),
                        invoice_date=_pd(invoice),
                    )
                )
            if not complete:
                break
    corrections = _corrections(sub, as_of_o, sub.fees)
    return FeePlan((*new, *corrections), complete)


def generate_fees(
    sub: Subscription,
    start: _dt.date,
    end: _dt.date,
    *,
    at: _dt.datetime,
    as_of: _dt.date | None = None,
    continuous: bool = False,
    limit: int | None = None,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Apply :func:`plan_fees`: the fees join the ledger (idempotent: a rerun adds none)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    plan = plan_fees(sub, start, end, as_of=as_of, continuous=continuous, limit=limit)
    return _generate(sub, plan, at=at)


def _generate(
    sub: Subscription, plan: FeePlan, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Apply ``plan``, made by :func:`plan_fees` from ``sub`` as it is: the ledger is then
    settled (every REGULAR fee worth what was issued for it)."""
    new, events = _apply_plan(sub, plan, at=at)
    _remember(new)
    return new, events


def plan_due_fees(sub: Subscription, on: _dt.date, *, as_of: _dt.date | None = None) -> FeePlan:
    """Preview the fees invoiced on or before ``on`` that are not issued yet: every
    REGULAR fee of the schedule whose invoice date (with the group's lead time and offset,
    or the hand-set next invoice date) is on or before ``on``, plus the corrections
    :func:`plan_fees` makes, dated ``as_of`` (``on`` by default).

    Run it every day (or every week): a period billed in advance with a lead time of 10
    days is issued 10 days before it starts.
    """
    _check_not_draft(sub)
    o = to_date(on, "on").toordinal()
    lo = _ord(sub.billing_start)
    hi = max(o - sub.invoice_shift + 1, lo + 1)
    day = _pd(o) if as_of is None else as_of
    plan = plan_fees(sub, _pd(lo), _pd(hi), as_of=day)
    due = tuple(f for f in plan.fees if f.kind is not FeeKind.REGULAR or _ord(f.invoice_date) <= o)
    return FeePlan(due, plan.complete)


def generate_due_fees(
    sub: Subscription, on: _dt.date, *, at: _dt.datetime, as_of: _dt.date | None = None
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Apply :func:`plan_due_fees` (idempotent: a rerun adds none)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    plan = plan_due_fees(sub, on, as_of=as_of)
    return _generate(sub, plan, at=at)


def set_next_invoice_date(
    sub: Subscription, on: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Set the next invoice date by hand; the schedule then follows it.

    The invoice dated ``on`` bills the period that starts (in advance) or ends (in
    arrears) on the boundary ``on`` less the invoice shift (offset, lead time); periods
    follow from that boundary by the invoice interval. Days not billed before it are
    caught up on the same invoice: a fee prorated over the period of the new schedule they
    fall in, dated ``on``. The boundary may not fall inside days already billed, nor before
    the billing start or on or after the end.
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    day = to_date(on, "on")
    _check_not_final(sub, "set the next invoice date of")
    anchor = day.toordinal() - sub.invoice_shift
    regular = [_ord(f.end) for f in sub.fees if f.kind is FeeKind.REGULAR]
    billed = max([_ord(sub.billing_start), *regular])
    if anchor < billed:
        raise BusinessRuleError(
            f"an invoice on {day} bills a period from {_pd(anchor)}, but subscription "
            f"{sub.id!r} is billed through {_pd(billed - 1)}: choose a date whose period "
            f"starts on or after {_pd(billed)}",
            entity="subscription",
            id=sub.id,
        )
    if sub.end is not None and anchor >= _ord(sub.end):
        raise BusinessRuleError(
            f"an invoice on {day} bills a period from {_pd(anchor)}, on or after the end "
            f"{sub.end} of subscription {sub.id!r}",
            entity="subscription",
            id=sub.id,
        )
    event = NextInvoiceDateSet(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        on=day,
        boundary=_pd(anchor),
    )
    return evolve(sub, manual_invoice_date=day), (event,)


def _apply_plan(
    sub: Subscription, plan: FeePlan, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """The planned fees join the ledger (a plan of this ledger, made by :func:`plan_fees`)."""
    at = _clock(at)  # the instant first: every input is checked before any work
    if not plan.fees:
        return sub, ()
    event = FeesGenerated(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_ids=tuple(f.id for f in plan.fees),
        total=plan.total(sub.currency.code),
    )
    return evolve(sub, fees=(*sub.fees, *plan.fees)), (event,)


def cancel(
    sub: Subscription,
    mode: CancelMode,
    on: _dt.date,
    *,
    at: _dt.datetime,
    effective: _dt.date | None = None,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Cancel: the end date moves to ``on`` (IMMEDIATE), to the end of the billing period
    containing ``on`` (END_OF_TERM) or to ``effective`` (ON_DATE), never later than an
    existing end. Paid days after the new end are credited at once (CREDIT fees dated
    ``on``), so credit + used == paid for every fee."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    if not isinstance(mode, CancelMode):
        raise ValidationError(
            f"mode must be a CancelMode, not {mode!r}",
            field="mode",
            allowed=", ".join(m.name for m in CancelMode),
        )
    day = to_date(on, "on")
    status = LIFECYCLE.apply(sub.status, "cancel", id=sub.id)
    if mode is CancelMode.IMMEDIATE:
        new_end = day
    elif mode is CancelMode.END_OF_TERM:
        ref = max(day, sub.billing_start)
        new_end = sub.recurrence.period_containing(ref).end
    else:
        if effective is None:
            raise ValidationError(
                "ON_DATE cancellation needs effective=", field="effective", allowed="a date"
            )
        new_end = to_date(effective, "effective")
    new_end = max(new_end, sub.start)
    if sub.end is not None:
        new_end = min(new_end, sub.end)
    changed = evolve(sub, status=status, end=new_end)
    credits = _corrections(changed, day.toordinal(), changed.fees)
    done = evolve(changed, fees=(*changed.fees, *credits))
    _remember(done)
    event = SubscriptionCancelled(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        end=new_end,
        credits=tuple(f.id for f in credits),
    )
    return done, (event,)


def reduce_days(
    sub: Subscription,
    fee_id: str,
    first_day: _dt.date,
    last_day: _dt.date,
    *,
    at: _dt.datetime,
    on: _dt.date | None = None,
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """S7: a REDUCTION_DAYS fee ``-price * days / days_in_period`` (currency-rounded) for
    the inclusive days ``first_day..last_day``, clipped to the fee's period.

    >>> import datetime as dt
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> from servicecore.subscriptions import SubscriptionGroup, create_subscription, activate
    >>> clock = FixedClock(dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    >>> group = SubscriptionGroup(company_id="ACME", id="MONTHLY")
    >>> sub, _ = create_subscription(company_id="ACME", id="S1", group=group,
    ...     customer_id="C1", price=Money.of("200.00", "EUR"), start=dt.date(2024, 3, 1),
    ...     at=clock.now())
    >>> sub, _ = activate(sub, at=clock.now())
    >>> sub, _ = generate_fees(sub, dt.date(2024, 3, 1), dt.date(2024, 4, 1), at=clock.now())
    >>> sub, _ = reduce_days(sub, sub.fees[0].id, dt.date(2024, 3, 10), dt.date(2024, 3, 11),
    ...                      at=clock.now())
    >>> [str(f.amount) for f in sub.fees]
    ['200.00 EUR', '-12.90 EUR']
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    fee = sub.fee(fee_id)
    if fee.kind is not FeeKind.REGULAR:
        raise BusinessRuleError(
            f"reduction days apply to REGULAR fees, {fee_id!r} is {fee.kind.value}",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    reduced = Period.inclusive(first_day, last_day).intersection(fee.period)
    if reduced is None:
        raise BusinessRuleError(
            f"days {first_day}..{last_day} are outside fee {fee_id!r} {fee.period}",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    if any(r.overlaps(reduced) for r in sub.reductions):
        raise BusinessRuleError(
            f"days {reduced} overlap an earlier reduction", rule="S7", entity="fee", id=fee_id
        )
    full = (_ord(fee.full_period.start), _ord(fee.full_period.end))
    segs = _billable(sub, _ord(reduced.start), _ord(reduced.end))
    if sub.proration is Proration.WHOLE_PERIODS:
        units = 0
    else:
        # Rounded cumulatively: this reduction is what all of the fee's reduced days are
        # worth minus what the earlier reductions already took, so reductions covering the
        # whole period net the fee to exactly zero and never take more than its price.
        earlier = [
            seg
            for f in sub.fees
            if f.kind is FeeKind.REDUCTION_DAYS and f.reference == fee.id
            for seg in _billable(
                sub, _ord(f.period.start), _ord(f.period.end), with_reductions=False
            )
        ]
        _total, rnum, rden = _lowered(sub.fees).get(fee.id, _NOT_LOWERED)

        def worth(parts: list[tuple[int, int]]) -> int:
            num, den = _value(sub, parts, full) if parts else (0, 1)
            return round_half_up(num * rnum, den * rden)  # at the lowered price, if any

        units = -(worth([*earlier, *segs]) - worth(earlier))
    day = fee.invoice_date if on is None else max(fee.invoice_date, to_date(on, "on"))
    n = sum(1 for f in sub.fees if f.reference == fee.id)
    new_fee = Fee(
        id=f"{fee.id}/D{n + 1}",
        subscription_id=sub.id,
        kind=FeeKind.REDUCTION_DAYS,
        period=reduced,
        full_period=fee.full_period,
        amount=_money(units, sub),
        invoice_date=day,
        reference=fee.id,
        reason="reduction days",
    )
    event = DaysReduced(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_id=new_fee.id,
        reduction=reduced,
        amount=new_fee.amount,
    )
    changed = evolve(sub, reductions=(*sub.reductions, reduced), fees=(*sub.fees, new_fee))
    return changed, (event,)


def _check_positive_amount(sub: Subscription, amount: Money, field: str, what: str) -> None:
    """A credit-like amount: in the subscription's currency, positive, rounded to minor units."""
    if amount.currency != sub.currency:
        raise CurrencyMismatchError(
            f"{what} is in {amount.currency.code}, subscription {sub.id!r} bills in "
            f"{sub.currency.code}: convert the amount first",
            expected=sub.currency.code,
            actual=amount.currency.code,
        )
    if not amount.is_positive() or not amount.is_rounded:
        raise ValidationError(
            f"{what} must be positive and rounded to minor units, not {amount}",
            field=field,
            value=amount,
            allowed=f"a positive Money in {sub.currency.code}, e.g. 10.00",
        )


def reduce_price(
    sub: Subscription,
    fee_id: str,
    by: Money,
    *,
    at: _dt.datetime,
    on: _dt.date | None = None,
    reason: str = "price reduction",
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """S7: lower the price of an issued REGULAR or NON_REGULAR fee by ``by``.

    The issued fee is never rewritten: a PRICE_REDUCTION fee of ``-by`` references it, over
    the same service period (so its revenue reverses pro rata over that period), invoiced
    on ``on`` (not before the fee). ``by`` may not exceed what the fee is worth now (its
    amount with every correction and earlier reduction): ``BusinessRuleError`` otherwise,
    and nothing changes. Later changes to the fee's days are priced at the lowered ratio.

    >>> import datetime as dt
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> from servicecore.subscriptions import SubscriptionGroup, create_subscription, activate
    >>> clock = FixedClock(dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
    >>> sub, _ = create_subscription(company_id="ACME", id="S1",
    ...     group=SubscriptionGroup(company_id="ACME", id="MONTHLY"), customer_id="C1",
    ...     price=Money.of("200.00", "EUR"), start=dt.date(2024, 3, 1), at=clock.now())
    >>> sub, _ = activate(sub, at=clock.now())
    >>> sub, _ = generate_fees(sub, dt.date(2024, 3, 1), dt.date(2024, 4, 1), at=clock.now())
    >>> sub, _ = reduce_price(sub, sub.fees[0].id, Money.of("50.00", "EUR"), at=clock.now())
    >>> [(f.kind.value, str(f.amount)) for f in sub.fees]
    [('regular', '200.00 EUR'), ('price_reduction', '-50.00 EUR')]
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    fee = sub.fee(fee_id)
    if fee.kind not in (FeeKind.REGULAR, FeeKind.NON_REGULAR):
        raise BusinessRuleError(
            f"a price reduction lowers a REGULAR or NON_REGULAR fee, {fee_id!r} is "
            f"{fee.kind.value}",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    if not isinstance(by, Money):
        raise ValidationError(
            f"by must be a Money, not {by!r}",
            field="by",
            value=by,
            allowed=f"a positive Money in {sub.currency.code}",
        )
    _check_positive_amount(sub, by, "by", f"price reduction of fee {fee_id!r}")
    if not isinstance(reason, str):
        raise ValidationError(f"reason must be a string, not {reason!r}", field="reason")
    refs = [f for f in sub.fees if f.reference == fee.id and f.kind is not FeeKind.SERVICE_CREDIT]
    issued = fee.amount.minor_units + sum(f.amount.minor_units for f in refs)
    if fee.kind is FeeKind.REGULAR:
        worth = _worth(sub, fee, _lowered(sub.fees).get(fee.id, _NOT_LOWERED))
    else:
        worth = issued
    limit = min(worth, issued)
    if by.minor_units > limit:
        raise BusinessRuleError(
            f"a price reduction of {by} exceeds what fee {fee_id!r} is worth now "
            f"({_money(max(limit, 0), sub)}); a reduction never exceeds the fee",
            rule="S7",
            entity="fee",
            id=fee_id,
        )
    day = fee.invoice_date if on is None else max(fee.invoice_date, to_date(on, "on"))
    new_fee = Fee(
        id=f"{fee.id}/P{len(refs) + 1}",
        subscription_id=sub.id,
        kind=FeeKind.PRICE_REDUCTION,
        period=fee.period,
        full_period=fee.full_period,
        amount=-by,
        invoice_date=day,
        reference=fee.id,
        reason=reason,
        reduced_from=_money(worth, sub),
    )
    event = PriceReduced(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_id=new_fee.id,
        reduced_fee_id=fee.id,
        amount=new_fee.amount,
    )
    return evolve(sub, fees=(*sub.fees, new_fee)), (event,)


def next_invoice_date(sub: Subscription, on: _dt.date) -> pendulum.Date:
    """The first invoice date of ``sub``'s regular schedule on or after ``on``.

    In advance that is the start of the next (clipped) billing period, in arrears the day
    after the current one ends. When the schedule has no invoice left from ``on`` (the
    subscription ended), ``on`` itself: the credit goes on a note of its own.

    >>> import datetime as dt
    >>> from servicecore.clock import FixedClock
    >>> from servicecore.money import Money
    >>> from servicecore.subscriptions import SubscriptionGroup, create_subscription
    >>> clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    >>> sub, _ = create_subscription(company_id="ACME", id="S1",
    ...     group=SubscriptionGroup(company_id="ACME", id="M"), customer_id="C1",
    ...     price=Money.of("10.00", "EUR"), start=dt.date(2024, 1, 15), at=clock.now())
    >>> str(next_invoice_date(sub, dt.date(2024, 6, 5)))
    '2024-06-15'
    """
    check_subscription(sub)
    o = to_date(on, "on").toordinal()
    manual = sub.manual_invoice_date
    shift = sub.invoice_shift
    if manual is not None and o <= _ord(manual):
        bound = _ord(manual) - shift
        end = _ord(sub.end) if sub.end is not None else _FAR
        if bound < end or (sub.billing is Billing.IN_ARREARS and bound == end):
            return manual
    base = _next_base(sub, o - shift)
    return _pd(o) if base is None else _pd(base + shift)


def _next_base(sub: Subscription, o: int) -> int | None:
    """The first base date (period start in advance, period end in arrears) on or after
    ordinal ``o``, or ``None`` when the schedule has none left."""
    bstart = _ord(sub.billing_start)
    bend = _ord(sub.end) if sub.end is not None else _FAR
    if sub.billing is Billing.IN_ADVANCE:
        if o <= bstart:
            return bstart
        frm = o
    else:
        frm = max(o, bstart + 1)
    if frm < bend:
        nxt = _ord(sub.recurrence.first_on_or_after(_pd(frm)))
        if nxt < bend:
            return nxt
    if sub.billing is Billing.IN_ARREARS and o <= bend < _FAR:
        return bend
    return None


def add_service_credit(
    sub: Subscription, credit: ServiceCreditLike, on: _dt.date, *, at: _dt.datetime
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """Put an SLA service credit on the next invoice (dated ``on``) as a negative fee.

    ``credit`` is any object with ``amount`` (positive Money in the subscription's
    currency), ``reason`` and ``reference`` (``servicecore.sla.ServiceCredit`` has that
    shape); the same reference twice adds nothing, whatever its date or amount. A credit in
    another currency raises ``CurrencyMismatchError``; one that carries a ``company_id``
    must belong to the subscription's company. Use :func:`next_invoice_date` for ``on``.
    """
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    amount = getattr(credit, "amount", None)
    reason = getattr(credit, "reason", None)
    reference = getattr(credit, "reference", None)
    if not isinstance(amount, Money) or not isinstance(reason, str):
        raise ValidationError(
            "a service credit needs amount (Money), reason (str) and reference (str)",
            field="credit",
            value=credit,
            allowed="an InvoiceCredit, a servicecore.sla.ServiceCredit, or the same shape",
        )
    if not isinstance(reference, str) or not reference:
        raise ValidationError("service credit reference must be a non-empty string")
    company = getattr(credit, "company_id", None)
    if company is not None and company != sub.company_id:
        raise ValidationError(
            f"service credit {reference!r} belongs to company {company!r}, subscription "
            f"{sub.id!r} to {sub.company_id!r}",
            field="credit",
            value=company,
            allowed=f"a credit of company {sub.company_id!r}",
        )
    _check_positive_amount(sub, amount, "amount", f"service credit {reference!r}")
    day = to_date(on, "on")
    fee_id = f"{sub.id}/S/{reference}"
    if any(f.id == fee_id for f in sub.fees):
        return sub, ()
    period = Period.from_ordinals(day.toordinal(), day.toordinal() + 1)
    fee = Fee(
        id=fee_id,
        subscription_id=sub.id,
        kind=FeeKind.SERVICE_CREDIT,
        period=period,
        full_period=period,
        amount=-amount,
        invoice_date=day,
        reference=reference,
        reason=reason,
    )
    event = ServiceCreditAdded(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_id=fee_id,
        amount=fee.amount,
        reference=reference,
    )
    return evolve(sub, fees=(*sub.fees, fee)), (event,)


def add_non_regular_fee(
    sub: Subscription,
    period: Period,
    amount: Money,
    *,
    at: _dt.datetime,
    invoice_date: _dt.date | None = None,
    reason: str = "",
) -> tuple[Subscription, tuple[DomainEvent, ...]]:
    """A one-off NON_REGULAR fee over any interval (S2); its days count as covered."""
    at = _clock(at)  # the instant first: every input is checked before any work
    check_subscription(sub)
    _check_not_draft(sub)
    if not isinstance(period, Period):
        raise ValidationError("period must be a Period", field="period", value=period)
    if not isinstance(amount, Money) or amount.currency != sub.currency or not amount.is_rounded:
        raise ValidationError(
            f"amount must be a rounded Money in {sub.currency.code}", field="amount"
        )
    covering = [f for f in sub.fees if f.kind in (FeeKind.REGULAR, FeeKind.NON_REGULAR)]
    if any(f.period.overlaps(period) for f in covering):
        raise BusinessRuleError(
            f"{period} overlaps an existing fee; fees never overlap (S3)",
            rule="S3",
            entity="subscription",
            id=sub.id,
        )
    day = period.start if invoice_date is None else to_date(invoice_date, "invoice_date")
    fee = Fee(
        id=f"{sub.id}/N/{period.start.isoformat()}",
        subscription_id=sub.id,
        kind=FeeKind.NON_REGULAR,
        period=period,
        full_period=period,
        amount=amount,
        invoice_date=day,
        reason=reason,
    )
    event = FeesGenerated(
        aggregate_id=sub.id,
        company_id=sub.company_id,
        occurred_at=at,
        fee_ids=(fee.id,),
        total=amount,
    )
    return evolve(sub, fees=(*sub.fees, fee)), (event,)
