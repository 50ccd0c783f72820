"""Invariants of recurrence, invoice schedules and revenue recognition."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
from hypothesis import assume, given
from hypothesis import strategies as st

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.recurrence import Interval, Recurrence, Unit, days_in_month
from servicecore.subscriptions import (
    CancelMode,
    FeeKind,
    RemainderPlacement,
    RevenuePolicy,
    Subscription,
    bulk_schedules,
    cancel,
    fee_revenue,
    generate_fees,
    plan_fees,
    revenue_report,
)
from servicecore.testing.strategies import dates, recurrences, subscriptions

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
ACCRUALS = (Interval.days(1), Interval.months(1), Interval.quarters(1), Interval.years(1))


def _horizon(sub: Subscription, days: int) -> pendulum.Date:
    iv = sub.interval
    if iv.unit is Unit.DAY:  # keep daily schedules small
        days = min(days, 120)
    return sub.billing_start.add(days=days)


def _regulars(sub: Subscription) -> list[tuple[int, int]]:
    return sorted(
        (f.start.toordinal(), f.end.toordinal()) for f in sub.fees if f.kind is FeeKind.REGULAR
    )


@given(recurrences(), st.integers(-400, 400))
def test_month_end_anchors_never_drift(rec: Recurrence, k: int) -> None:
    occ = rec.occurrence(k)
    assert rec.index_on_or_before(occ) == k
    assert rec.index_on_or_before(occ.subtract(days=1)) == k - 1
    if rec.interval.is_month_based:
        a = rec.anchor
        dim = days_in_month(occ.year, occ.month)
        anchored_on_end = rec.last_day_of_month and a.day == days_in_month(a.year, a.month)
        assert occ.day == (dim if anchored_on_end else min(a.day, dim))
        months = (occ.year - a.year) * 12 + occ.month - a.month
        assert months == k * rec.interval.total_months


@given(recurrences(), dates())
def test_period_containing_contains_the_day(rec: Recurrence, day: pendulum.Date) -> None:
    p = rec.period_containing(day)
    assert p.start <= day < p.end
    assert rec.first_on_or_after(day) in (p.start, p.end)


@given(
    subscriptions(),
    st.integers(1, 800),
    st.lists(st.integers(0, 1000), min_size=1, max_size=4),
)
def test_fees_tile_the_active_time_and_chunks_equal_one_run(
    sub: Subscription, days: int, cuts: list[int]
) -> None:
    lo = sub.start.subtract(days=40)
    hi = _horizon(sub, days)
    once, _ = generate_fees(sub, lo, hi, at=CLOCK.now())
    twice, events = generate_fees(once, lo, hi, at=CLOCK.now())
    assert twice == once
    assert events == ()
    # overlapping chunks in any order give the same fees
    chunked = sub
    total = (hi - lo).days
    for c in cuts:
        a = lo.add(days=c % total)
        chunked, _ = generate_fees(chunked, a, hi, at=CLOCK.now())
        chunked, _ = generate_fees(chunked, lo, a.add(days=1), at=CLOCK.now())
    assert sorted(f.id for f in chunked.fees) == sorted(f.id for f in once.fees)
    tiles = _regulars(once)
    bstart = sub.billing_start.toordinal()
    bend = sub.end.toordinal() if sub.end is not None else None
    last_period_end = sub.recurrence.period_containing(hi.subtract(days=1)).end.toordinal()
    expected_end = last_period_end if bend is None else min(bend, last_period_end)
    if bstart >= expected_end:
        assert tiles == []
        return
    assert tiles[0][0] == bstart
    assert tiles[-1][1] == expected_end
    for (_a, b), (c, _d) in itertools.pairwise(tiles):
        assert b == c  # no gap, no overlap
    for f in once.fees:
        assert f.full_period.start <= f.start < f.end <= f.full_period.end
        if f.period == f.full_period:  # proration of a full period is the fee
            assert f.amount == sub.price


@given(
    subscriptions(),
    st.integers(1, 500),
    st.sampled_from(ACCRUALS),
    st.sampled_from(RemainderPlacement),
    st.booleans(),
)
def test_revenue_entries_sum_exactly_and_never_go_negative(
    sub: Subscription,
    days: int,
    accrual: Interval,
    placement: RemainderPlacement,
    per_day: bool,
) -> None:
    gen, _ = generate_fees(sub, sub.start, _horizon(sub, days), at=CLOCK.now())
    policy = RevenuePolicy(accrual, per_day, placement)
    for fee in gen.fees:
        entries = fee_revenue(fee, policy)
        assert Money.sum((e.amount for e in entries), fee.amount.currency) == fee.amount
        if not fee.amount.is_negative():
            assert all(not e.amount.is_negative() for e in entries)
        assert [e.period.start for e in entries] == sorted(e.period.start for e in entries)


@given(subscriptions(), st.integers(1, 500), st.integers(0, 600), st.sampled_from(CancelMode))
def test_credit_plus_used_never_exceeds_paid(
    sub: Subscription, days: int, cancel_after: int, mode: CancelMode
) -> None:
    gen, _ = generate_fees(sub, sub.start, _horizon(sub, days), at=CLOCK.now())
    on = sub.start.add(days=cancel_after)
    done, _ = cancel(gen, mode, on, at=CLOCK.now(), effective=on.add(days=3))
    assert done.fees[: len(gen.fees)] == gen.fees  # issued fees never rewritten
    for f in done.fees:
        if f.kind is not FeeKind.REGULAR:
            continue
        related = [g for g in done.fees if g.reference == f.id]
        credits = -sum(g.amount.minor_units for g in related if g.amount.is_negative())
        paid = f.amount.minor_units + sum(
            g.amount.minor_units for g in related if g.amount.is_positive()
        )
        assert 0 <= credits <= paid
        if done.end is not None and f.start >= done.end:
            assert credits == paid  # nothing of a period after the end is kept


@given(subscriptions(), st.integers(1, 500), st.integers(-30, 600), st.sampled_from(ACCRUALS))
def test_recognised_plus_deferred_equals_invoiced(
    sub: Subscription, days: int, offset: int, accrual: Interval
) -> None:
    gen, _ = generate_fees(sub, sub.start, _horizon(sub, days), at=CLOCK.now())
    on = sub.start.add(days=offset)
    report = revenue_report([gen], on, RevenuePolicy(accrual))
    code = sub.currency.code
    assert report.recognised[code] + report.deferred[code] == report.invoiced[code]
    invoiced = [f for f in gen.fees if f.invoice_date <= on]
    assert report.invoiced[code] == Money.sum((f.amount for f in invoiced), code)


@given(subscriptions(), st.integers(1, 400))
def test_preview_equals_generation(sub: Subscription, days: int) -> None:
    hi = _horizon(sub, days)
    assume(hi > sub.start)
    plan = plan_fees(sub, sub.start, hi)
    gen, _ = generate_fees(sub, sub.start, hi, at=CLOCK.now())
    assert gen.fees == plan.fees


@given(
    st.lists(subscriptions(currency="EUR"), min_size=1, max_size=4),
    st.integers(1, 700),
    st.sampled_from(ACCRUALS),
    st.sampled_from(RemainderPlacement),
    st.booleans(),
)
def test_bulk_engine_equals_the_domain_path(
    subs: list[Subscription],
    days: int,
    accrual: Interval,
    placement: RemainderPlacement,
    per_day: bool,
) -> None:
    lo = min(s.start for s in subs).add(days=days // 3)
    hi = lo.add(days=min(days, 150) if any(s.interval.unit is Unit.DAY for s in subs) else days)
    policy = RevenuePolicy(accrual, per_day, placement)
    sched = bulk_schedules(subs, lo, hi, policy)
    for sub, arrays in zip(subs, sched.schedules, strict=True):
        fees = plan_fees(sub, lo, hi).fees
        assert arrays.fee_periods() == [f.period for f in fees]
        assert list(arrays.fee_amounts) == [f.amount.minor_units for f in fees]
        assert list(arrays.invoice_dates) == [f.invoice_date.toordinal() for f in fees]
        per_fee = [fee_revenue(f, policy) for f in fees]
        assert list(arrays.rev_counts) == [len(es) for es in per_fee]
        entries = [e for es in per_fee for e in es]
        assert list(arrays.rev_amounts) == [e.amount.minor_units for e in entries]
        assert list(arrays.rev_dates) == [e.recognised_on.toordinal() for e in entries]
