"""Domain invariant 14 as a property: reduction days.

The amount of a reduction-days fee is ``-price * days / period_days`` (actual days,
rounded half-up to cents), never more than the price in absolute value, and reducing every
day of a period nets its fee to zero. Expected values are computed here with Decimal from
the rule, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import given
from hypothesis import strategies as st

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.subscriptions import (
    FeeKind,
    SubscriptionGroup,
    activate,
    create_subscription,
    generate_fees,
    reduce_days,
)

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
GROUP = SubscriptionGroup(company_id="ACME", id="MONTHLY")


def _monthly(price_cents: int, month: dt.date) -> tuple[object, dt.date, dt.date]:
    sub, _ = create_subscription(
        company_id="ACME",
        id="SUB-1",
        group=GROUP,
        customer_id="C-1",
        price=Money.of(Decimal(price_cents) / 100, "EUR"),
        start=month,
        at=CLOCK.now(),
    )
    sub, _ = activate(sub, at=CLOCK.now())
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    sub, _ = generate_fees(sub, month, following, at=CLOCK.now())
    return sub, month, following


MONTHS = st.builds(dt.date, st.integers(2020, 2030), st.integers(1, 12), st.just(1))


@given(st.integers(1, 10**7), MONTHS, st.data())
def test_reduction_days_amount_follows_the_rule(
    price_cents: int, month: dt.date, data: st.DataObject
) -> None:
    sub, start, end = _monthly(price_cents, month)
    period_days = (end - start).days
    first = data.draw(st.integers(0, period_days - 1))
    last = data.draw(st.integers(first, period_days - 1))
    fee = sub.fees[0]  # type: ignore[attr-defined]
    reduced, _ = reduce_days(
        sub,  # type: ignore[arg-type]
        fee.id,
        start + dt.timedelta(days=first),
        start + dt.timedelta(days=last),
        at=CLOCK.now(),
    )
    days = last - first + 1
    price = Decimal(price_cents) / 100
    expected = -(price * days / period_days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    (reduction,) = [f for f in reduced.fees if f.kind is FeeKind.REDUCTION_DAYS]
    assert reduction.amount == Money.of(expected, "EUR")
    assert abs(reduction.amount.amount) <= price


@given(st.integers(1, 10**7), MONTHS, st.integers(1, 27))
def test_reducing_every_day_of_the_period_nets_the_fee_to_zero(
    price_cents: int, month: dt.date, split_day: int
) -> None:
    sub, start, end = _monthly(price_cents, month)
    fee = sub.fees[0]  # type: ignore[attr-defined]
    cut = start + dt.timedelta(days=split_day)
    # two reductions covering the whole period between them
    sub, _ = reduce_days(sub, fee.id, start, cut - dt.timedelta(days=1), at=CLOCK.now())  # type: ignore[arg-type]
    sub, _ = reduce_days(sub, fee.id, cut, end - dt.timedelta(days=1), at=CLOCK.now())
    net = sum(
        (f.amount.amount for f in sub.fees if f.id == fee.id or f.reference == fee.id), Decimal(0)
    )
    assert net == 0
