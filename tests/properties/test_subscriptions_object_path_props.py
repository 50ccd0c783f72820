"""One engine, two shapes of result (issue 16): the object path (``plan_fees`` then
``fee_revenue`` for every fee) and ``bulk_schedules`` give identical fees and revenue
entries for generated portfolios, and the shortcuts the object path takes for the
subscriptions that allow them (shared date patterns, revenue split for a whole plan at
once) give exactly what the general code gives.

The general code is reached with public values only: a second price change to the same
price leaves every amount as it was but takes a subscription off the shortcut, and a copy
of a fee (equal, not the same object) is split on its own.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.recurrence import Interval, Unit
from servicecore.subscriptions import (
    CancelMode,
    Fee,
    PriceChange,
    Proration,
    RemainderPlacement,
    RevenueEntry,
    RevenuePolicy,
    ScheduleArrays,
    Subscription,
    bulk_schedules,
    cancel,
    change_price,
    fee_revenue,
    generate_fees,
    patterns,
    plan_fees,
    split_minor,
    suspend,
)
from servicecore.testing.strategies import money, revenue_policies, subscriptions

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
FAST = settings(max_examples=60, deadline=None)


@st.composite
def members(draw: st.DrawFn) -> Subscription:
    """A subscription as a portfolio holds it: as drawn, on the shortcut (actual days, no
    invoice shift), or changed by a command (price change, suspension, fees issued,
    cancellation)."""
    sub = draw(subscriptions())
    life = (sub.end - sub.start).days if sub.end is not None else 900
    day = sub.start.add(days=draw(st.integers(0, life - 1)))
    change = draw(
        st.sampled_from(["drawn", "fast", "fast", "price", "suspend", "issued", "cancel"])
    )
    if change == "fast":
        sub = evolve(
            sub, proration=Proration.ACTUAL_DAYS, invoice_lead_days=0, invoice_offset_days=0
        )
    elif change == "price":
        price = draw(money(sub.currency, min_units=0, max_units=10**7))
        sub, _ = change_price(sub, price, day, at=AT)
    elif change == "suspend":
        sub, _ = suspend(sub, day, at=AT)
    elif change == "issued":
        days = 40 if sub.interval.unit is Unit.DAY else 400
        sub, _ = generate_fees(sub, sub.start, sub.billing_start.add(days=days), at=AT)
    elif change == "cancel":
        sub, _ = cancel(sub, CancelMode.IMMEDIATE, day, at=AT)
    return sub


def _window(subs: list[Subscription], offset: int, days: int) -> tuple[pendulum.Date, ...]:
    lo = min(s.start for s in subs).add(days=offset)
    if any(s.interval.unit is Unit.DAY for s in subs):
        days = min(days, 150)
    return lo, lo.add(days=days)


def _general(sub: Subscription) -> Subscription:
    """``sub`` with a second price change to the same price: worth the same on every day,
    but off the shortcut (which takes one price only)."""
    last = sub.price_changes[-1]
    return evolve(
        sub, price_changes=(*sub.price_changes, PriceChange(last.effective.add(days=1), last.price))
    )


def _shown(values: tuple[Fee, ...] | tuple[RevenueEntry, ...]) -> list[str]:
    """Every field as shown (``repr``), so equal amounts written differently differ."""
    return [repr(v) for v in values]


def _assert_same_as_arrays(
    arrays: ScheduleArrays, fees: tuple[Fee, ...], per_fee: list[tuple[RevenueEntry, ...]]
) -> None:
    assert list(arrays.fee_starts) == [f.start.toordinal() for f in fees]
    assert list(arrays.fee_ends) == [f.end.toordinal() for f in fees]
    assert list(arrays.invoice_dates) == [f.invoice_date.toordinal() for f in fees]
    assert list(arrays.fee_amounts) == [f.amount.minor_units for f in fees]
    assert list(arrays.rev_counts) == [len(es) for es in per_fee]
    entries = [e for es in per_fee for e in es]
    assert list(arrays.rev_dates) == [e.recognised_on.toordinal() for e in entries]
    assert list(arrays.rev_amounts) == [e.amount.minor_units for e in entries]
    assert all(e.fee_id == f.id for f, es in zip(fees, per_fee, strict=True) for e in es)
    assert all(f.amount.currency == arrays.currency for f in fees)


@FAST
@given(
    subs=st.lists(members(), min_size=1, max_size=5),
    offset=st.integers(-60, 400),
    days=st.integers(1, 900),
    policy=revenue_policies(),
)
def test_object_path_equals_bulk_path_and_the_general_code(
    subs: list[Subscription], offset: int, days: int, policy: RevenuePolicy
) -> None:
    lo, hi = _window(subs, offset, days)
    sched = bulk_schedules(subs, lo, hi, policy)
    for sub, arrays in zip(subs, sched.schedules, strict=True):
        fees = plan_fees(sub, lo, hi).fees
        per_fee = [fee_revenue(f, policy) for f in fees]  # in order, as a host asks
        _assert_same_as_arrays(arrays, fees, per_fee)
        # the general code: the same fees, and each fee's revenue split on its own
        reference = plan_fees(_general(sub), lo, hi).fees
        assert fees == reference
        assert _shown(fees) == _shown(reference)
        alone = [fee_revenue(evolve(f), policy) for f in fees]
        assert per_fee == alone
        assert [_shown(es) for es in per_fee] == [_shown(es) for es in alone]


@FAST
@given(
    sub=members(), offset=st.integers(-60, 400), days=st.integers(1, 900), limit=st.integers(1, 40)
)
def test_a_limited_plan_is_the_general_codes_limited_plan(
    sub: Subscription, offset: int, days: int, limit: int
) -> None:
    lo, hi = _window([sub], offset, days)
    plan = plan_fees(sub, lo, hi, limit=limit)
    reference = plan_fees(_general(sub), lo, hi, limit=limit)
    assert plan == reference
    assert _shown(plan.fees) == _shown(reference.fees)
    assert plan.fees == plan_fees(sub, lo, hi).fees[:limit]


@FAST
@given(
    sub=members(),
    days=st.integers(1, 900),
    policies=st.lists(revenue_policies(), min_size=1, max_size=3),
    order=st.randoms(use_true_random=False),
)
def test_revenue_does_not_depend_on_which_fees_are_asked_for_nor_in_which_order(
    sub: Subscription, days: int, policies: list[RevenuePolicy], order: object
) -> None:
    lo, hi = _window([sub], 0, days)
    fees = plan_fees(sub, lo, hi).fees
    asks = [(k, p) for k in range(len(fees)) for p in range(len(policies))]
    order.shuffle(asks)  # type: ignore[attr-defined]
    got = {(k, p): fee_revenue(fees[k], policies[p]) for k, p in asks}
    for (k, p), entries in got.items():
        alone = fee_revenue(evolve(fees[k]), policies[p])
        assert entries == alone
        assert _shown(entries) == _shown(alone)


# -- a price's parts over every shape of a pattern, at once ----------------------------------
@st.composite
def revenue_patterns(draw: st.DrawFn) -> patterns.RevenuePattern:
    """Periods of 1 day to 8 years (monthly accruals split them into up to ~97 pieces;
    counted per period rather than per day, many tiny parts), under any split rule."""
    start = dt.date(2020, 1, 1).toordinal() + draw(st.integers(0, 3000))
    lengths = draw(st.lists(st.integers(1, 3000), min_size=1, max_size=5))
    bounds = [start]
    for n in lengths:
        bounds.append(bounds[-1] + n)
    acc = patterns.accrual(
        draw(st.sampled_from([Interval.months(1), Interval.months(3), Interval.years(1)])),
        draw(st.booleans()),
        draw(st.sampled_from(list(RemainderPlacement))),
    )
    return patterns.RevenuePattern(bounds[:-1], bounds[1:], acc)


@FAST
@given(revenue_patterns(), st.integers(-(10**12), 10**12) | st.integers(-200, 200))
def test_a_price_split_over_every_shape_at_once_is_each_shape_split_alone(
    rev: patterns.RevenuePattern, units: int
) -> None:
    expected: list[int] = []
    for shape in rev.shapes:
        expected += split_minor(units, shape, rev.placement)
    assert rev.split_all(units) == expected


def test_a_remainder_that_would_turn_a_part_negative_goes_by_largest_remainder() -> None:
    # 48 months counted per period: 0.30 EUR / 48 is 0.625 cent, each part rounds half-up
    # to 1 cent, 0.18 EUR too much for the first part to take back; by largest remainder
    # (all equal, first come first) the first 30 months get a cent, the other 18 none
    acc = patterns.accrual(Interval.months(1), False, RemainderPlacement.FIRST)
    lo, hi = dt.date(2024, 1, 1).toordinal(), dt.date(2028, 1, 1).toordinal()
    rev = patterns.RevenuePattern([lo], [hi], acc)
    assert rev.shapes == ((1,) * 48,)
    assert rev.split_all(30) == [1] * 30 + [0] * 18
