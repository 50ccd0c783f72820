"""The integer core of the invoice and revenue schedules, shared by both shapes of result.

:func:`~servicecore.subscriptions.plan_fees` with
:func:`~servicecore.subscriptions.fee_revenue` (``Fee`` and ``RevenueEntry`` values) and
:func:`~servicecore.subscriptions.bulk_schedules` (integer columns) compute the same
numbers here, once:

* a **fee pattern** is the period boundaries of a recurrence over a window (date
  ordinals), shared by every subscription with that recurrence; the values a fee is made
  of (its ``Period``, its invoice ``pendulum.Date``, its id suffix) are built once per
  pattern and shared by the fees of every such subscription (they are immutable);
* an **accrual** is a revenue policy's calendar table: the day split of any period into
  accrual periods, kept per period; a fee pattern's whole periods under an accrual are a
  :class:`RevenuePattern`: one row per entry, and per price the ``Money`` parts of every
  split shape (a portfolio repeats its prices);
* amounts are integer minor units with exact integer division and one half-up rounding
  per fee (:func:`round_half_up`), and revenue splits are exact (:func:`split_minor`);
  ``Money`` values are shared through a bounded table per currency (:func:`money`);
* the fees of a plan are built from the pattern's columns, each linked to the plan
  (:class:`PlannedFees`), so that ``fee_revenue``, asked for one of them, builds the
  entries of many from the pattern's rows at once.

Values are built here without the constructors' second round of checks: the numbers come
from checked values. A ``Fee`` or ``RevenueEntry`` is filled as an instance of its plain
slotted base class (``_FeeSlots``, ``_EntrySlots``: plain slot stores, no frozen
``__setattr__`` in the way) and then given its class by ``__class__`` assignment; the
results equal, field by field and digit by digit, what the constructors build, and are
just as frozen (unit tests check both).

A subscription takes the fast path (:func:`is_fast`) when its fees depend only on its
recurrence, its one price and its billing span: no fee issued yet, no suspension,
reduction or price change, actual-days proration, no invoice shift and no hand-set
invoice date. Every other subscription goes through the general code of ``billing``,
which gives identical results (a property test compares both paths).
"""

from __future__ import annotations

import datetime as _dt
import decimal
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import accumulate, chain, repeat
from typing import Any

import pendulum

from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.money.amounts import _unchecked
from servicecore.recurrence import Interval, Period, Recurrence, date_from_ordinal
from servicecore.subscriptions.model import (
    Billing,
    Fee,
    FeeKind,
    Proration,
    RemainderPlacement,
    Subscription,
    SubscriptionStatus,
)
from servicecore.subscriptions.model.values import _FeeSlots, _recurrence

__all__ = ["round_half_up", "split_minor"]

FAR = _dt.date.max.toordinal()
"""The ordinal standing for "no end"."""


_LARGEST = RemainderPlacement.LARGEST_REMAINDER
_FIRST = RemainderPlacement.FIRST


def round_half_up(num: int, den: int) -> int:
    """``num / den`` rounded half away from zero, exactly, in integers (``den > 0``)."""
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


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
    if placement is _LARGEST:
        return _largest_remainder(total, weights, wsum)
    # each part half-up, in one floor division: floor((2x + d) / 2d) is x / d rounded
    # half-up for x >= 0 (x = qd + r: the fraction (2r + d) / 2d reaches 1 iff 2r >= d)
    den = 2 * wsum
    if total >= 0:
        t2 = 2 * total
        parts = [(t2 * w + wsum) // den for w in weights]
    else:
        t2 = -2 * total
        parts = [-((t2 * w + wsum) // den) for w in weights]
    diff = total - sum(parts)
    if diff:
        idx = 0 if placement is _FIRST else len(parts) - 1
        part = parts[idx] + diff
        if (total >= 0 and part < 0) or (total < 0 and part > 0):
            return _largest_remainder(total, weights, wsum)
        parts[idx] = part
    return parts


# -- values built without a second round of checks ------------------------------------------
# The engine's numbers come from checked values (a subscription's price, a fee's amount),
# so the values made of them are built directly through the slots, exactly as the checked
# constructors would build them (same fields, same Decimal exponent).
_EXACT = decimal.Context(prec=80, Emax=999_999, Emin=-999_999)
_SMALL = 10**30
_MONEY_LOCK = threading.Lock()


def money(units: int, currency: Currency) -> Money:
    """``Money.from_minor(units, currency)`` for units computed from checked amounts.

    Amounts recur (a price, the parts of a price over the same day split), so the values
    are kept in a bounded table per currency shared by every schedule (``Money`` is
    immutable).
    """
    table = money_table(currency)
    found: Money | None = table.get(units)
    if found is None:
        found = table[units] = _money(units, currency)
    return found


def money_list(units: Sequence[int], currency: Currency) -> list[Money]:
    """``[money(u, currency) for u in units]``, looking the currency's table up once."""
    table = money_table(currency)
    for u in units:
        if u not in table:  # not made yet
            table[u] = _money(u, currency)
    return list(map(table.__getitem__, units))


def _money(units: int, currency: Currency) -> Money:
    if -_SMALL < units < _SMALL:
        return _unchecked(Decimal(units).scaleb(-currency.minor_units, _EXACT), currency)
    return Money.from_minor(units, currency)


_MONEY_TABLES: dict[tuple[str, int], dict[int, Money]] = {}
_MONEY_TABLE_SIZE = 1 << 16
_MONEY_CURRENCIES = 64


def money_table(currency: Currency) -> dict[int, Money]:
    """The shared Money values of ``currency`` by minor units (emptied whole when it
    reaches ``_MONEY_TABLE_SIZE`` values; they are rebuilt identically)."""
    key = (currency.code, currency.minor_units)
    table = _MONEY_TABLES.get(key)
    if table is None or len(table) >= _MONEY_TABLE_SIZE:
        with _MONEY_LOCK:
            if len(_MONEY_TABLES) >= _MONEY_CURRENCIES:  # hosts use a handful of currencies
                _MONEY_TABLES.clear()
            table = _MONEY_TABLES[key] = {}
    return table


_FEE_FIELDS = (
    "id",
    "subscription_id",
    "kind",
    "period",
    "full_period",
    "amount",
    "invoice_date",
    "reference",
    "reason",
    "reduced_from",
)
"""Every field of Fee, each set by :func:`regular_fees` (a unit test checks both)."""


WholeFeeRow = tuple[int, str, Period, Period, pendulum.Date]
"""The values of one REGULAR fee: its period's index in the pattern, id suffix, period,
full period and invoice date."""


def regular_fees(
    subscription_id: str,
    rows: Iterable[WholeFeeRow],
    amount: Money,
    ids: list[str],
    plan: PlannedFees | None,
    fees: list[Fee],
) -> list[Fee]:
    """REGULAR fees of ``amount``, one per row (see :data:`WholeFeeRow`; the values are
    the engine's), appended to ``fees`` (returned). Their ids (the subscription id
    followed by the suffix) are appended to ``ids``; each fee is linked to ``plan`` with
    its period's index (see ``_FeeSlots``).

    Each is filled as a ``_FeeSlots`` (plain slot stores) and then made a ``Fee`` (see
    ``_FeeSlots``): about a third of what setting frozen slots one descriptor call at a
    time costs, and the fee is the same.
    """
    regular = FeeKind.REGULAR
    for at, suffix, period, full, invoice in rows:  # (list.append called as a method: a
        f = _FeeSlots()  # faster call than through a bound method kept in a local)
        f.id = fid = subscription_id + suffix
        ids.append(fid)
        f.subscription_id = subscription_id
        f.kind = regular
        f.period = period
        f.full_period = full
        f.amount = amount
        f.invoice_date = invoice
        f.reference = None
        f.reason = ""
        f.reduced_from = None
        f._plan = plan
        f._at = at
        f.__class__ = Fee
        fees.append(f)  # type: ignore[arg-type]  # a Fee since the line above
    return fees


# -- bounded caches ---------------------------------------------------------------------------
class _Cache(dict):  # type: ignore[type-arg]
    """A dict dropped whole when it reaches ``limit`` entries (cheap, and enough here: the
    values are recomputed identically on a miss)."""

    __slots__ = ("limit",)

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def put(self, key: object, value: object) -> None:
        if len(self) >= self.limit:
            self.clear()
        self[key] = value


_LOCK = threading.Lock()


# -- accruals ---------------------------------------------------------------------------------
_REC_CACHE: dict[Interval, Recurrence] = {}


def accrual_rec(interval: Interval) -> Recurrence:
    """The calendar recurrence of an accrual interval (cached)."""
    rec = _REC_CACHE.get(interval)
    if rec is None:
        rec = _REC_CACHE[interval] = Recurrence.calendar(interval)
    return rec


_TABLE_LO = _dt.date(1800, 1, 1).toordinal()
_TABLE_HI = _dt.date(2400, 1, 1).toordinal()
_DAY = Interval.days(1)

_Split = tuple[tuple[int, ...], tuple[Period, ...], tuple[pendulum.Date, ...]]


class Accrual:
    """A revenue split rule: calendar accrual periods of ``interval``, weighted per day
    (or equally per accrual period), the remainder placed by ``placement``.

    Boundaries between 1800 and 2400 come from one sorted table; other dates are
    computed from the recurrence, with the same result.
    """

    __slots__ = ("daily", "parts", "per_day", "placement", "rec", "splits", "table", "units")

    def __init__(self, interval: Interval, per_day: bool, placement: RemainderPlacement) -> None:
        self.rec = accrual_rec(interval)
        self.daily = interval == _DAY
        self.per_day = per_day
        self.placement = placement
        self.table: list[int] = []
        if not self.daily:
            self.table = self.rec.boundaries_ordinal(_TABLE_LO, _TABLE_HI)
        self.splits = _Cache(1 << 16)
        self.parts = _Cache(1 << 16)
        self.units: tuple[object, int] = (None, 0)

    def pieces(self, cs: int, ce: int) -> tuple[list[int], list[int]]:
        """(weights, recognition ordinals) of the fee days ``[cs, ce)``."""
        if self.daily:
            return [1] * (ce - cs), list(range(cs, ce))
        weights: list[int] = []
        dates: list[int] = []
        for lo, hi, end in self.bounds(cs, ce):
            weights.append(hi - lo if self.per_day else 1)
            dates.append(end - 1)
        return weights, dates

    def bounds(self, cs: int, ce: int) -> list[tuple[int, int, int]]:
        """(first day, end, accrual period end) of every piece of ``[cs, ce)``."""
        t = self.table
        if self.daily:
            return [(o, o + 1, o + 1) for o in range(cs, ce)]
        if not (t[0] <= cs and ce <= t[-1]):
            b = self.rec.boundaries_ordinal(cs, ce)
            return [(max(b[i], cs), min(b[i + 1], ce), b[i + 1]) for i in range(len(b) - 1)]
        k = bisect_right(t, cs) - 1
        out: list[tuple[int, int, int]] = []
        while t[k] < ce:
            nxt = t[k + 1]
            out.append((max(t[k], cs), min(nxt, ce), nxt))
            k += 1
        return out

    def split(self, period: Period) -> _Split:
        """(weights, piece periods, recognition dates) of a fee over ``period`` (cached)."""
        return self.split_ordinals(period.start.toordinal(), period.end.toordinal())

    def split_ordinals(self, cs: int, ce: int) -> _Split:
        """:meth:`split` of the days ``[cs, ce)`` (date ordinals), cached by them."""
        key = (cs, ce)
        found: _Split | None = self.splits.get(key)
        if found is None:
            bounds = self.bounds(cs, ce)
            found = (
                tuple(hi - lo if self.per_day else 1 for lo, hi, _e in bounds),
                tuple(Period.from_ordinals(lo, hi) for lo, hi, _e in bounds),
                tuple(date_from_ordinal(e - 1) for _lo, _hi, e in bounds),
            )
            self.splits.put(key, found)
        return found

    def amounts(self, amount: Money, weights: tuple[int, ...]) -> tuple[Money, ...]:
        """The parts of ``amount`` over ``weights`` as Money (cached per amount and shape)."""
        memo = self.units  # one (Money, units) pair: the fees of a plan share their amount
        if memo[0] is amount:
            units = memo[1]
        else:
            units = amount.minor_units
            self.units = (amount, units)
        return self.parts_of(units, amount.currency, weights)

    def parts_of(self, units: int, cur: Currency, weights: tuple[int, ...]) -> tuple[Money, ...]:
        """The parts of ``units`` minor units of ``cur`` over ``weights`` (cached)."""
        key = (units, weights, cur.code, cur.minor_units)
        found: tuple[Money, ...] | None = self.parts.get(key)
        if found is None:
            if len(weights) == 1:
                found = (money(units, cur),)
            else:
                found = tuple(money_list(split_minor(units, weights, self.placement), cur))
            self.parts.put(key, found)
        return found


_ACCRUALS: dict[tuple[Interval, bool, RemainderPlacement], Accrual] = {}


def accrual(interval: Interval, per_day: bool, placement: RemainderPlacement) -> Accrual:
    """The shared :class:`Accrual` of a split rule."""
    key = (interval, bool(per_day), placement)
    found = _ACCRUALS.get(key)
    if found is None:
        with _LOCK:
            found = _ACCRUALS.get(key)
            if found is None:
                if len(_ACCRUALS) >= 64:  # hosts use a handful of policies
                    _ACCRUALS.clear()
                found = _ACCRUALS[key] = Accrual(interval, bool(per_day), placement)
    return found


_PRICES_PER_PATTERN = 256
"""A revenue pattern keeps the parts of at most this many prices (dropped whole): a
catalogue's prices fit, and the tables of every kept pattern stay a few MB at most."""

FeeRow = tuple[Any, ...]
"""The revenue entries of one fee as numbers: its period's index, then per entry its days
(a ``Period``), which amount (an index) and when it is recognised (a date)."""


# -- fee patterns -----------------------------------------------------------------------------
class RevenuePattern:
    """The revenue day splits of a fee pattern's whole periods under one accrual: per
    period its shape (weights) and entry count, per entry its days and recognition day."""

    __slots__ = (
        "_fee_rows",
        "counts",
        "dates",
        "fixes",
        "flat",
        "his",
        "los",
        "offsets",
        "owners",
        "parts",
        "placement",
        "run_ends",
        "shape_ids",
        "shapes",
        "tables",
    )

    def __init__(self, starts: Sequence[int], ends: Sequence[int], acc: Accrual) -> None:
        shape_index: dict[tuple[int, ...], int] = {}
        self.shape_ids: list[int] = []
        self.offsets = [0]
        self.counts: list[int] = []
        self.dates: list[int] = []
        self.los: list[int] = []
        self.his: list[int] = []
        self.owners: list[int] = []  # per entry, the index of its period
        self.parts: list[int] = []  # per entry, its shape, made its part's index below
        per_day = acc.per_day
        for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
            bounds = acc.bounds(a, b)
            self.owners.extend(repeat(k, len(bounds)))
            weights = tuple(hi - lo if per_day else 1 for lo, hi, _e in bounds)
            shape = shape_index.setdefault(weights, len(shape_index))
            self.shape_ids.append(shape)
            self.parts.extend(repeat(shape, len(bounds)))
            self.los.extend(lo for lo, _hi, _e in bounds)
            self.his.extend(hi for _lo, hi, _e in bounds)
            self.dates.extend(e - 1 for _lo, _hi, e in bounds)
            self.counts.append(len(bounds))
            self.offsets.append(len(self.dates))
        self.shapes = tuple(shape_index)
        firsts = list(accumulate((len(w) for w in self.shapes), initial=0))
        position = 0
        for e, shape in enumerate(self.parts):  # entry e is part `position` of its shape
            position = 0 if e == 0 or self.owners[e] != self.owners[e - 1] else position + 1
            self.parts[e] = firsts[shape] + position
        self.flat = [(w, sum(shape), 2 * sum(shape)) for shape in self.shapes for w in shape]
        """Every part of every shape, laid end to end: its weight, its shape's total and
        twice that (see :meth:`split_all`)."""
        self.fixes = [
            (a, a + len(shape), a if acc.placement is _FIRST else a + len(shape) - 1, shape)
            for a, shape in zip(firsts[:-1], self.shapes, strict=True)
            if len(shape) > 1
        ]
        """Per shape of several parts: where its parts are in ``flat``, which one takes the
        remainder, and the shape."""
        n = len(self.counts)
        self.run_ends = [n] * n
        """Per period ``k``, the end of the run of periods from ``k`` on whose fees have as
        many entries as ``k``'s."""
        for k in range(n - 2, -1, -1):
            if self.counts[k] != self.counts[k + 1]:
                self.run_ends[k] = k + 1
            else:
                self.run_ends[k] = self.run_ends[k + 1]
        self._fee_rows: list[FeeRow] | None = None
        self.placement = acc.placement
        self.tables: dict[tuple[int, str, int], list[Money]] = {}

    def table(self, units: int, cur: Currency) -> list[Money]:
        """The parts of a price of ``units`` over every shape, shapes laid end to end (the
        amounts ``parts`` indexes), kept per price: a portfolio repeats its prices."""
        key = (units, cur.code, cur.minor_units)
        found = self.tables.get(key)
        if found is None:
            found = money_list(self.split_all(units), cur)
            if len(self.tables) >= _PRICES_PER_PATTERN:
                self.tables.clear()
            self.tables[key] = found
        return found

    def split_all(self, units: int) -> list[int]:
        """``split_minor(units, shape, placement)`` of every shape, laid end to end.

        A price's parts over every shape at once: for a total of zero or more and the
        remainder placed first or last, each part half-up in one pass over ``flat``, then
        each shape's remainder on its first or last part (as :func:`split_minor` does,
        falling back to largest remainder where that part would turn negative).
        """
        place = self.placement
        if units < 0 or place is _LARGEST:
            parts: list[int] = []
            for w in self.shapes:
                parts += split_minor(units, w, place)
            return parts
        t2 = 2 * units
        parts = [(t2 * w + total) // den for w, total, den in self.flat]
        for a, b, at, shape in self.fixes:
            diff = units - sum(parts[a:b])
            if diff:
                part = parts[at] + diff
                if part < 0:
                    parts[a:b] = _largest_remainder(units, shape, sum(shape))
                else:
                    parts[at] = part
        return parts

    def fee_rows(self) -> list[FeeRow]:
        """Per period: its index, then for each of its entries its ``Period``, its part's
        index in the parts of ``shapes`` laid end to end (see :meth:`table`) and its
        recognition date, in one flat tuple (built once)."""
        found = self._fee_rows
        if found is None:
            periods = map(Period.from_ordinals, self.los, self.his)
            dates = map(date_from_ordinal, self.dates)
            entries = list(zip(periods, self.parts, dates, strict=True))
            offsets = self.offsets
            found = self._fee_rows = [
                (k, *chain.from_iterable(entries[offsets[k] : offsets[k + 1]]))
                for k in range(len(self.counts))
            ]
        return found


_Values = tuple[list[Period], list[pendulum.Date], list[pendulum.Date], list[str]]


class FeePattern:
    """The periods of a recurrence meeting a window, and the values fees are made of."""

    __slots__ = ("_fee_rows", "_values", "ends", "revenue", "starts")

    def __init__(self, rec: Recurrence, lo: int, hi: int) -> None:
        b = rec.boundaries_ordinal(lo, hi)
        n = len(b) - 1
        self.starts = b[:n]
        self.ends = b[1:]
        self.revenue: dict[Accrual, RevenuePattern] = {}
        self._values: _Values | None = None
        self._fee_rows: dict[bool, list[WholeFeeRow]] = {}

    def fee_rows(self, advance: bool) -> list[WholeFeeRow]:
        """Per period, the values of its whole fee: the period's index, id suffix, period,
        full period (the same) and invoice date (the start when billed in advance, else
        the end)."""
        found = self._fee_rows.get(advance)
        if found is None:
            periods, starts, ends, suffixes = self.values()
            invoices = starts if advance else ends
            found = self._fee_rows[advance] = list(
                zip(range(len(periods)), suffixes, periods, periods, invoices, strict=True)
            )
        return found

    def revenue_of(self, acc: Accrual) -> RevenuePattern:
        found = self.revenue.get(acc)
        if found is None:
            found = self.revenue[acc] = RevenuePattern(self.starts, self.ends, acc)
        return found

    def values(self) -> _Values:
        """Per period: its ``Period``, start and end dates, and fee id suffix (built once)."""
        found = self._values
        if found is None:
            starts = [date_from_ordinal(o) for o in self.starts]
            found = self._values = (
                [Period.from_ordinals(a, b) for a, b in zip(self.starts, self.ends, strict=True)],
                starts,
                [date_from_ordinal(o) for o in self.ends],
                [f"/R/{d.isoformat()}" for d in starts],
            )
        return found


_PATTERNS: dict[tuple[Recurrence, int, int], FeePattern] = {}
_PATTERN_PERIODS = [0]  # periods held by _PATTERNS
_PATTERN_BUDGET = 1 << 20
"""At most about a million periods are kept (they are recomputed identically when dropped)."""


def fee_pattern(rec: Recurrence, lo: int, hi: int) -> FeePattern:
    """The shared :class:`FeePattern` of ``rec`` over ``[lo, hi)``."""
    key = (rec, lo, hi)
    found = _PATTERNS.get(key)
    if found is None:
        found = FeePattern(rec, lo, hi)
        with _LOCK:
            if _PATTERN_PERIODS[0] + len(found.starts) > _PATTERN_BUDGET:
                _PATTERNS.clear()
                _PATTERN_PERIODS[0] = 0
            _PATTERNS[key] = found
            _PATTERN_PERIODS[0] += len(found.starts)
    return found


# -- the fast path --------------------------------------------------------------------------------
def is_fast(sub: Subscription) -> bool:
    """True when ``sub``'s fees depend only on its recurrence, one price and billing span."""
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


def price_units(sub: Subscription) -> int:
    """The one regular price of a fast-path subscription, in minor units."""
    if sub.price_changes:
        return sub.price_changes[0].price.minor_units
    return sub.price.minor_units


class Span:
    """Where a fast-path subscription's fees fall in a pattern: periods ``i .. j-1``,
    the first clipped by the billing start (``head``), the last by the end (``tail``)."""

    __slots__ = ("bend", "bstart", "head", "i", "j", "pattern", "tail")

    def __init__(self, pattern: FeePattern, lo: int, hi: int, bstart: int, bend: int) -> None:
        starts, ends = pattern.starts, pattern.ends
        self.pattern = pattern
        self.i = i = bisect_right(starts, lo) - 1
        self.j = j = bisect_left(starts, hi)
        self.bstart = bstart
        self.bend = bend
        self.head = starts[i] < bstart
        self.tail = ends[j - 1] > bend

    def clipped(self, k: int) -> tuple[int, int]:
        """The billable days of period ``k`` (one of ``i``, ``j - 1``)."""
        p = self.pattern
        return max(p.starts[k], self.bstart), min(p.ends[k], self.bend)

    def partial_amount(self, price: int, k: int) -> int:
        cs, ce = self.clipped(k)
        p = self.pattern
        return round_half_up(price * (ce - cs), p.ends[k] - p.starts[k])


def fast_span(sub: Subscription, lo_req: int, hi_req: int, shared: bool) -> Span | None:
    """The span of ``sub``'s fees over ``[lo_req, hi_req)``, ``None`` when there are none.

    With ``shared`` the pattern covers the whole window (shared by a portfolio); otherwise
    it covers the subscription's own part of it unless the window is not much longer.
    """
    bstart = sub.billing_start.toordinal()
    bend = sub.end.toordinal() if sub.end is not None else FAR
    lo, hi = max(lo_req, bstart), min(hi_req, bend)
    if lo >= hi:
        return None
    if not shared and hi_req - lo_req > 2 * (hi - lo) + 400:
        lo_req, hi_req = lo, hi
    # sub.recurrence without its argument checks (a fast-path sub has no hand-set date)
    rec = _recurrence(sub.alignment, sub.interval, sub.billing_start)
    return Span(fee_pattern(rec, lo_req, hi_req), lo, hi, bstart, bend)


class PlannedFees:
    """What the engine knows of the REGULAR fees of one fast-path plan, so that
    :func:`~servicecore.subscriptions.fee_revenue` splits their revenue for many fees at
    once (:meth:`whole_rows`) instead of one fee at a time.

    The plan's fees cover pattern periods ``first .. end-1``, one fee each, and every
    index here is a pattern period index; ``partial`` holds those whose days the billing
    start or end clipped. Each fee the plan built links to it (its ``_plan`` slot, and its
    period's index in ``_at``, see ``_FeeSlots``); the plan holds no fee, so a plan lives
    as long as one of its fees does and no longer.
    """

    __slots__ = (
        "asked",
        "current",
        "end",
        "entries",
        "first",
        "names",
        "partial",
        "price",
        "span",
        "units",
    )

    def __init__(self, span: Span, end: int, price: Money, units: int) -> None:
        self.first = span.i
        """The period of the plan's first fee."""
        self.end = end
        """The period after the plan's last fee."""
        self.names = [""] * span.i
        """Fee ids by period (``first`` placeholders, then the fees' own), filled as the
        fees are built."""
        self.span = span
        self.price = price
        self.units = units
        """``price`` in minor units."""
        self.partial: dict[int, tuple[int, int, int]] = {}
        """The fees whose days the billing start or end clipped, by period: their minor
        units and their days (date ordinals, half-open)."""
        self.asked = False
        """Whether revenue was asked for a fee yet (the first goes alone: a host may want
        the revenue of no other fee of the plan)."""
        self.entries: dict[Accrual, list[tuple[Any, ...] | None]] = {}
        """Per accrual, per period, the revenue entries of its fee once built."""
        self.current: tuple[object, list[tuple[Any, ...] | None]] = _NOTHING_BUILT
        """The revenue policy asked for last and ``entries`` of its accrual: what
        ``fee_revenue`` looks at first (one attribute, so never read as a torn pair)."""

    def forget(self) -> None:
        """Drop the entries built (they are built again, identically, when asked for)."""
        self.entries = {}
        self.current = _NOTHING_BUILT

    def whole_rows(
        self, acc: Accrual, a: int, b: int
    ) -> tuple[int, Sequence[FeeRow], list[str], list[Money]]:
        """The revenue entries of the fees of periods ``a .. b-1``, none of them clipped:
        how many entries each fee has when all have as many (else 0), then one row per
        fee (:meth:`RevenuePattern.fee_rows`), its id being ``names[period]`` and its
        amounts in ``table``: the pattern's own rows and its per-price table, shared
        (never to be changed)."""
        rev = self.span.pattern.revenue_of(acc)
        table = rev.table(self.units, self.price.currency)
        every = rev.fee_rows()
        rows = every if a == 0 and b == len(every) else every[a:b]
        same = rev.counts[a] if rev.run_ends[a] >= b else 0
        return same, rows, self.names, table

    def clipped_fee(self, sub: Subscription, k: int, advance: bool, fees: list[Fee]) -> None:
        """Append to ``fees`` the fee of period ``k``, whose days the billing start or end
        clipped (prorated, its id and invoice date from its first billed day), and note
        it in ``partial``."""
        span = self.span
        cs, ce = span.clipped(k)
        part = span.partial_amount(self.units, k)
        self.partial[k] = (part, cs, ce)
        first = sub.billing_start if cs == span.bstart else date_from_ordinal(cs)
        invoice = first if advance else date_from_ordinal(ce)
        period = Period.from_ordinals(cs, ce)
        full = span.pattern.values()[0][k]
        row = (k, f"/R/{first.isoformat()}", period, full, invoice)
        regular_fees(sub.id, (row,), money(part, self.price.currency), self.names, self, fees)

    def clipped_split(self, acc: Accrual, k: int) -> tuple[str, _Split, tuple[Money, ...]]:
        """The fee of period ``k`` (one whose days were clipped): its id, the split of its
        days and the parts of its amount."""
        units, cs, ce = self.partial[k]
        split = acc.split_ordinals(cs, ce)
        parts = acc.parts_of(units, self.price.currency, split[0])
        return self.names[k], split, parts


_NOTHING_BUILT: tuple[object, list[tuple[Any, ...] | None]] = (None, [])


class _Holder(threading.local):
    plan: PlannedFees | None = None


HOLDER = _Holder()
"""``HOLDER.plan``: the last plan whose revenue entries this thread built. Its entries
are kept; when the thread builds entries for another plan, that one's are dropped (so a
host that keeps its fees does not keep every fee's entries too)."""


def plan_regular(
    sub: Subscription, lo_req: int, hi_req: int, limit: int | None
) -> tuple[tuple[Fee, ...], bool]:
    """The REGULAR fees of a fast-path ``sub`` over ``[lo_req, hi_req)`` (as the general
    code plans them) and whether ``limit`` left none out."""
    span = fast_span(sub, lo_req, hi_req, shared=False)
    if span is None:
        return (), True
    i, j = span.i, span.j
    complete = True
    if limit is not None and j - i > limit:
        j = i + limit
        complete = False
    cur = sub.currency
    units = price_units(sub)
    price = money(units, cur)
    advance = sub.billing is Billing.IN_ADVANCE
    plan = PlannedFees(span, j, price, units)
    sid = sub.id
    fees: list[Fee] = []
    a, b = i, j  # the periods of whole fees
    if span.head:
        plan.clipped_fee(sub, i, advance, fees)
        a += 1
    if span.tail and span.j == j and b > a:
        b -= 1
    if a < b:
        rows = span.pattern.fee_rows(advance)
        whole = rows if a == 0 and b == len(rows) else rows[a:b]
        regular_fees(sid, whole, price, plan.names, plan, fees)
    if b < j and b >= a:
        plan.clipped_fee(sub, b, advance, fees)
    return tuple(fees), complete
