"""Invariants of PRICE_REDUCTION fees (S7) over every billing option.

For any subscription, any issued fee, any reduction and any later change of the fee's days:
the reduction never exceeds the fee (no fee's net goes below zero or above its amount), the
revenue entries of every fee still sum exactly to it, and recognised + deferred == invoiced.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError
from servicecore.money import Money
from servicecore.subscriptions import (
    CancelMode,
    FeeKind,
    RevenuePolicy,
    Subscription,
    cancel,
    fee_revenue,
    generate_fees,
    plan_fees,
    reduce_price,
    revenue_report,
    suspend,
)
from servicecore.testing.strategies import subscriptions

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


def _net(sub: Subscription, fee_id: str) -> int:
    refs = [f for f in sub.fees if f.reference == fee_id and f.kind is not FeeKind.SERVICE_CREDIT]
    return sub.fee(fee_id).amount.minor_units + sum(f.amount.minor_units for f in refs)


@given(
    subscriptions(),
    st.integers(0, 4),
    st.fractions(0, 1),
    st.fractions(0, 1),
    st.sampled_from(["none", "cancel", "suspend"]),
    st.integers(0, 400),
    st.integers(0, 500),
)
def test_price_reductions_keep_fees_and_revenue_exact(
    sub: Subscription,
    pick: int,
    first: Fraction,
    second: Fraction,
    change: str,
    change_day: int,
    report_day: int,
) -> None:
    start = sub.billing_start
    sub, _ = generate_fees(sub, start, start.add(days=200), at=CLOCK.now(), limit=6)
    regular = [f for f in sub.fees if f.kind is FeeKind.REGULAR and f.amount.is_positive()]
    assume(regular)
    fee = regular[pick % len(regular)]
    cur = sub.currency
    for share in (first, second):
        worth = _net(sub, fee.id)
        units = int(worth * share)
        if units < 1:
            continue
        sub, _ = reduce_price(sub, fee.id, Money.from_minor(units, cur), at=CLOCK.now())
        # nothing else changed: a rerun finds nothing to correct (the reduction stays)
        plan = plan_fees(sub, start, start.add(days=200), limit=6)
        assert [f for f in plan.fees if f.kind is not FeeKind.REGULAR] == []
    over = Money.from_minor(_net(sub, fee.id) + 1, cur)
    before = sub
    with pytest.raises(BusinessRuleError, match="never exceeds the fee"):
        reduce_price(sub, fee.id, over, at=CLOCK.now())
    assert sub == before
    day = fee.start.add(days=change_day % max(fee.period.days, 1))
    if change == "cancel" and day >= sub.start:
        sub, _ = cancel(sub, CancelMode.IMMEDIATE, day, at=CLOCK.now())
    elif (
        change == "suspend"
        and sub.status.value == "active"
        and day >= sub.start
        and (sub.end is None or day < sub.end)
    ):
        sub, _ = suspend(sub, day, at=CLOCK.now())
        sub, _ = generate_fees(sub, start, start.add(days=200), at=CLOCK.now(), as_of=day)
    for f in sub.fees:
        if f.kind is FeeKind.REGULAR:
            assert 0 <= _net(sub, f.id) <= f.amount.minor_units
    policy = RevenuePolicy()
    for f in sub.fees:
        entries = fee_revenue(f, policy)
        assert sum(e.amount.minor_units for e in entries) == f.amount.minor_units
    report = revenue_report([sub], start.add(days=report_day))
    code = cur.code
    assert report.recognised[code] + report.deferred[code] == report.invoiced[code]
