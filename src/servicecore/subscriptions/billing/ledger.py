"""Settled ledgers and corrections: which issued fees a run must re-value, and the
ADJUSTMENT or CREDIT fees that bring each issued REGULAR fee to what it is worth now."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from servicecore.recurrence import Period
from servicecore.subscriptions.billing.valuation import (
    _FAR,
    _NOT_LOWERED,
    _lowered,
    _money,
    _ord,
    _pd,
    _price_points,
    _worth,
)
from servicecore.subscriptions.model import (
    Fee,
    FeeKind,
    Subscription,
)

_CORRECTIONS = (FeeKind.ADJUSTMENT, FeeKind.CREDIT, FeeKind.REDUCTION_DAYS)


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
