"""Accrual posting invariants: whatever the billing options and however the posting dates
are split, every line is posted once, never before its fee is invoiced, and what is posted
by a date is exactly the revenue recognised by then."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from servicecore.clock import FixedClock
from servicecore.recurrence import Interval
from servicecore.subscriptions import (
    AccrualsPosted,
    RevenuePolicy,
    Subscription,
    SubscriptionGroup,
    generate_fees,
    post_accruals,
    revenue_report,
)
from servicecore.testing.strategies import subscriptions

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))


@given(subscriptions(currency="EUR"), st.lists(st.integers(0, 400), min_size=1, max_size=4))
def test_posting_is_once_and_equals_recognised_revenue(sub: Subscription, days: list[int]) -> None:
    accrual = Interval.months(1) if sub.interval.is_month_based else Interval.days(1)
    group = SubscriptionGroup(
        company_id=sub.company_id,
        id=sub.group_id,
        invoice_interval=sub.interval,
        accrue_revenue=True,
        accrual_interval=accrual,
    )
    start = sub.billing_start
    sub, _ = generate_fees(sub, start, start.add(days=150), at=CLOCK.now(), limit=5)
    posted: dict[str, int] = {}
    dates = sorted(start.add(days=d) for d in days)
    for day in dates:
        sub, events = post_accruals(sub, group, day, at=CLOCK.now())
        for event in events:
            assert isinstance(event, AccrualsPosted)
            for e in event.entries:
                assert e.id not in posted  # never twice
                fee = sub.fee(e.fee_id)
                assert fee.invoice_date <= day  # never before invoicing
                assert e.amount.is_positive()
                sign = 1 if e.debit_account == "WIP - subscription" else -1
                posted[e.id] = sign * e.amount.minor_units
    report = revenue_report([sub], dates[-1], RevenuePolicy.of_group(group))
    assert sum(posted.values()) == report.recognised["EUR"].minor_units
    assert list(sub.posted_accruals) == list(posted)
