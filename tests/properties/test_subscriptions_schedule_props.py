"""Invariants of issue 17 item 5: payments and grace, lead time and offset, the hand-set
next invoice date, fixed-days proration, the status as of a date."""

from __future__ import annotations

import datetime as dt
import itertools

import pendulum
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.money import Money
from servicecore.subscriptions import (
    Alignment,
    Billing,
    FeeKind,
    OverdueAction,
    Proration,
    Subscription,
    SubscriptionStatus,
    apply_overdue,
    generate_due_fees,
    generate_fees,
    lapsed_invoices,
    plan_fees,
    record_invoice,
    record_payment,
    set_next_invoice_date,
)
from servicecore.testing.strategies.subscriptions import subscriptions
from tests.builders.subscriptions import AT, active, group

D = dt.date
FAST = settings(max_examples=40, deadline=None)


@FAST
@given(
    grace=st.integers(0, 20),
    action=st.sampled_from(OverdueAction),
    due_in=st.integers(0, 20),
    paid_after=st.none() | st.integers(0, 60),
    check_after=st.integers(0, 60),
)
def test_overdue_acts_exactly_when_an_invoice_lapsed(
    grace: int, action: OverdueAction, due_in: int, paid_after: int | None, check_after: int
) -> None:
    grp = group(grace_days=grace, overdue_action=action)
    sub, _ = generate_fees(active(grp=grp), D(2024, 1, 1), D(2024, 4, 1), at=AT)
    inv = D(2024, 2, 1)
    due = inv + dt.timedelta(days=due_in)
    sub, _ = record_invoice(sub, inv, due, at=AT)
    if paid_after is not None:
        sub, _ = record_payment(sub, inv, inv + dt.timedelta(days=paid_after), at=AT)
    on = inv + dt.timedelta(days=check_after)
    lapse = due + dt.timedelta(days=grace + 1)
    unpaid = paid_after is None or inv + dt.timedelta(days=paid_after) > on
    assert bool(lapsed_invoices(sub, grp, on)) == (unpaid and on >= lapse)
    new, events = apply_overdue(sub, grp, on, at=AT)
    acted = bool(events)
    assert acted == (unpaid and on >= lapse and action is not OverdueAction.NOTHING)
    if acted:
        expected = {
            OverdueAction.SUSPEND: SubscriptionStatus.SUSPENDED,
            OverdueAction.CANCEL: SubscriptionStatus.CANCELLED,
        }[action]
        assert new.status is expected
        assert apply_overdue(new, grp, on, at=AT) == (new, ())  # acts once


@FAST
@given(sub=subscriptions(), days=st.integers(1, 200))
def test_lead_and_offset_move_invoice_dates_only(sub: Subscription, days: int) -> None:
    base = evolve(sub, invoice_lead_days=0, invoice_offset_days=0)
    start = base.billing_start
    end = start.add(days=days)
    shifted = plan_fees(sub, start, end).fees
    plain = plan_fees(base, start, end).fees
    assert [(f.period, f.amount) for f in shifted] == [(f.period, f.amount) for f in plain]
    shift = sub.invoice_shift
    assert [f.invoice_date for f in shifted] == [f.invoice_date.add(days=shift) for f in plain]


@FAST
@given(
    lead=st.integers(0, 40),
    offset=st.integers(0, 10),
    billing=st.sampled_from(Billing),
    steps=st.lists(st.integers(1, 20), min_size=1, max_size=12),
)
def test_daily_due_runs_issue_each_fee_once_by_its_invoice_date(
    lead: int, offset: int, billing: Billing, steps: list[int]
) -> None:
    grp = group(invoice_lead_days=lead, invoice_offset_days=offset)
    sub = active(grp=grp, billing=billing, start=D(2024, 1, 17), alignment=Alignment.anniversary())
    day = D(2023, 12, 1)
    for step in steps:
        day += dt.timedelta(days=step)
        sub, _ = generate_due_fees(sub, day, at=AT)
        regular = [f for f in sub.fees if f.kind is FeeKind.REGULAR]
        assert all(f.invoice_date <= day for f in regular)
        spans = sorted((f.start, f.end) for f in regular)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))  # no gap
    # what one run up to the last day issues is what the runs issued
    fresh = active(
        grp=grp, billing=billing, start=D(2024, 1, 17), alignment=Alignment.anniversary()
    )
    once, _ = generate_due_fees(fresh, day, at=AT)
    assert [(f.period, f.amount, f.invoice_date) for f in once.fees] == [
        (f.period, f.amount, f.invoice_date) for f in sub.fees
    ]


@FAST
@given(billed_months=st.integers(0, 5), later=st.integers(0, 80), months=st.integers(1, 6))
def test_a_hand_set_date_leaves_no_gap_and_no_overlap(
    billed_months: int, later: int, months: int
) -> None:
    sub = active(price="300.00", start=D(2024, 1, 10), alignment=Alignment.anniversary())
    billed_to = D(2024, 1 + billed_months, 10)
    if billed_months:
        sub, _ = generate_fees(sub, D(2024, 1, 10), billed_to, at=AT)
    on = billed_to + dt.timedelta(days=later)
    sub, _ = set_next_invoice_date(sub, on, at=AT)
    sub, _ = generate_fees(sub, D(2024, 1, 10), on + dt.timedelta(days=31 * months), at=AT)
    regular = sorted((f.start, f.end) for f in sub.fees if f.kind is FeeKind.REGULAR)
    assert regular[0][0] == D(2024, 1, 10)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(regular))
    after = [f.start for f in sub.fees if f.kind is FeeKind.REGULAR and f.start >= on]
    anchor = pendulum.Date(on.year, on.month, on.day)
    assert after == [anchor.add(months=k) for k in range(len(after))]  # follows the date
    caught = [f for f in sub.fees if f.start < on and f.invoice_date == on]
    assert all(f.end <= on for f in caught)


@FAST
@given(
    proration=st.sampled_from([Proration.FIXED_28, Proration.FIXED_30]),
    start=st.integers(0, 364),
    cents=st.integers(0, 10**7),
)
def test_a_fixed_days_part_never_costs_more_than_the_period(
    proration: Proration, start: int, cents: int
) -> None:
    first = D(2024, 1, 1) + dt.timedelta(days=start)
    price = Money.from_minor(cents, "EUR")
    sub = active(price=str(price.amount), start=first, proration=proration)
    fees = plan_fees(sub, first, first + dt.timedelta(days=62)).fees
    days = 28 if proration is Proration.FIXED_28 else 30
    for f in fees:
        assert f.amount <= price
        whole = f.start == f.full_period.start and f.end == f.full_period.end
        if whole:
            assert f.amount == price
        else:  # price * days / fixed, rounded half up, capped at the price
            exact = cents * (f.end - f.start).days
            q, r = divmod(exact, days)
            assert f.amount.minor_units == min(q + (2 * r >= days), cents)


@FAST
@given(sub=subscriptions(), offset=st.integers(-400, 1200))
def test_status_on_reads_ended_exactly_from_the_end(sub: Subscription, offset: int) -> None:
    day = sub.start.add(days=offset)
    status = sub.status_on(day)
    end = sub.end
    if end is not None and day >= end:
        assert status is SubscriptionStatus.ENDED
    else:
        assert status is sub.status
