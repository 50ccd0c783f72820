"""Invoice lead time, invoice date offset, a next invoice date set by hand, fixed-days
proration and the status as of a date (issue 17 item 5). Values worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError
from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTIONS,
    Alignment,
    Billing,
    CancelMode,
    FeePlan,
    NextInvoiceDateSet,
    Proration,
    RevenuePolicy,
    Subscription,
    SubscriptionStatus,
    bulk_schedules,
    cancel,
    change_price,
    generate_due_fees,
    generate_fees,
    next_invoice_date,
    plan_due_fees,
    plan_fees,
    run_due_invoice_schedule,
    set_next_invoice_date,
    set_subscription_next_invoice_date,
    suspend,
)
from tests.builders.subscriptions import AT, active, group

D = dt.date


def _fees(plan_or_sub: FeePlan | Subscription) -> list[tuple[str, str, str, str]]:
    fees = plan_or_sub.fees
    return [(str(f.start), str(f.end), str(f.amount), str(f.invoice_date)) for f in fees]


# -- lead time ---------------------------------------------------------------------------------
def test_lead_time_invoices_a_period_days_before_it_starts() -> None:
    sub = active(grp=group(invoice_lead_days=10))
    assert sub.invoice_lead_days == 10  # copied from the group
    # January is invoiced Dec 22 2023, February Jan 22 (Feb 1 - 10 days)
    assert _fees(plan_due_fees(sub, D(2024, 1, 21))) == [
        ("2024-01-01", "2024-02-01", "100.00 EUR", "2023-12-22")
    ]
    sub, _ = generate_due_fees(sub, D(2024, 1, 22), at=AT)
    assert _fees(sub) == [
        ("2024-01-01", "2024-02-01", "100.00 EUR", "2023-12-22"),
        ("2024-02-01", "2024-03-01", "100.00 EUR", "2024-01-22"),
    ]
    again, events = generate_due_fees(sub, D(2024, 1, 31), at=AT)  # nothing new due
    assert events == ()
    assert next_invoice_date(sub, D(2024, 1, 23)) == D(2024, 2, 20)  # Mar 1 - 10 days
    assert again is sub


def test_lead_time_does_not_move_invoices_billed_in_arrears() -> None:
    sub = active(grp=group(invoice_lead_days=10), billing=Billing.IN_ARREARS)
    assert _fees(plan_due_fees(sub, D(2024, 2, 1))) == [
        ("2024-01-01", "2024-02-01", "100.00 EUR", "2024-02-01")
    ]


# -- invoice date offset -----------------------------------------------------------------------
def test_offset_moves_every_invoice_date_of_the_group() -> None:
    sub = active(grp=group(invoice_offset_days=5), billing=Billing.IN_ARREARS)
    # January in arrears: base date Feb 1, + 5 days = Feb 6
    assert _fees(plan_due_fees(sub, D(2024, 2, 5))) == []
    assert _fees(plan_due_fees(sub, D(2024, 2, 6))) == [
        ("2024-01-01", "2024-02-01", "100.00 EUR", "2024-02-06")
    ]
    ahead = active(grp=group(invoice_offset_days=3), sid="S2")
    assert _fees(plan_fees(ahead, D(2024, 1, 1), D(2024, 2, 1))) == [
        ("2024-01-01", "2024-02-01", "100.00 EUR", "2024-01-04")
    ]
    assert next_invoice_date(ahead, D(2024, 1, 5)) == D(2024, 2, 4)


def test_bulk_schedules_match_plan_fees_with_an_offset() -> None:
    sub = active(grp=group(invoice_offset_days=3))
    sched = bulk_schedules([sub], D(2024, 1, 1), D(2024, 3, 1), RevenuePolicy(Interval.months(1)))
    dates = [dt.date.fromordinal(o) for o in sched.schedules[0].invoice_dates]
    assert dates == [D(2024, 1, 4), D(2024, 2, 4)]


# -- a next invoice date set by hand -----------------------------------------------------------
def test_the_schedule_follows_a_hand_set_date_with_a_catch_up() -> None:
    sub = active(price="300.00", start=D(2024, 1, 10), alignment=Alignment.anniversary())
    sub, _ = generate_fees(sub, D(2024, 1, 10), D(2024, 3, 10), at=AT)  # billed to Mar 9
    sub, events = set_next_invoice_date(sub, D(2024, 3, 25), at=AT)
    assert isinstance(events[0], NextInvoiceDateSet)
    assert events[0].boundary == D(2024, 3, 25)
    assert next_invoice_date(sub, D(2024, 3, 12)) == D(2024, 3, 25)
    plan = plan_fees(sub, D(2024, 3, 1), D(2024, 5, 1))
    # catch-up Mar 10..24: 15 of the 29 days of Feb 25..Mar 24: 300.00 * 15 / 29 = 155.17,
    # on the hand-set invoice; then periods from the 25th
    assert _fees(plan) == [
        ("2024-03-10", "2024-03-25", "155.17 EUR", "2024-03-25"),
        ("2024-03-25", "2024-04-25", "300.00 EUR", "2024-03-25"),
        ("2024-04-25", "2024-05-25", "300.00 EUR", "2024-04-25"),
    ]
    assert next_invoice_date(sub, D(2024, 3, 26)) == D(2024, 4, 25)
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2024, 3, 20), at=AT)
    # ended before the hand-set date: the credit goes on a note of its own, dated the 12th
    assert next_invoice_date(gone, D(2024, 3, 12)) == D(2024, 3, 12)


def test_a_hand_set_date_inside_billed_days_or_after_the_end_is_refused() -> None:
    sub = active(price="300.00", start=D(2024, 1, 10), alignment=Alignment.anniversary())
    sub, _ = generate_fees(sub, D(2024, 1, 10), D(2024, 3, 10), at=AT)
    with pytest.raises(BusinessRuleError, match="billed through 2024-03-09"):
        set_next_invoice_date(sub, D(2024, 3, 5), at=AT)
    ended, _ = cancel(sub, CancelMode.ON_DATE, D(2024, 3, 1), at=AT, effective=D(2024, 4, 1))
    with pytest.raises(BusinessRuleError, match="cancelled"):
        set_next_invoice_date(ended, D(2024, 3, 20), at=AT)
    short = active(start=D(2024, 1, 1), end=D(2024, 6, 1), sid="S2")
    with pytest.raises(BusinessRuleError, match="on or after the end"):
        set_next_invoice_date(short, D(2024, 6, 1), at=AT)


def test_a_hand_set_date_with_a_lead_time_bills_the_period_after_it() -> None:
    sub = active(grp=group(invoice_lead_days=5))  # Jan 1 start, nothing billed
    sub, events = set_next_invoice_date(sub, D(2024, 1, 10), at=AT)
    assert events[0].boundary == D(2024, 1, 15)  # type: ignore[attr-defined]
    # Jan 1..14 caught up (14 of the 31 days of Dec 15..Jan 14: 100.00 * 14 / 31 = 45.16)
    assert _fees(plan_due_fees(sub, D(2024, 1, 10))) == [
        ("2024-01-01", "2024-01-15", "45.16 EUR", "2024-01-10"),
        ("2024-01-15", "2024-02-15", "100.00 EUR", "2024-01-10"),
    ]


def test_use_cases_set_the_date_and_run_what_is_due() -> None:
    store = InMemoryStore()
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTIONS].add(active(grp=group(invoice_lead_days=10)))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        plan = run_due_invoice_schedule(uow, "S1", D(2024, 1, 22), clock=clock)
        assert len(plan.fees) == 2
        set_subscription_next_invoice_date(uow, "S1", D(2024, 3, 5), clock=clock)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        stored = uow[SUBSCRIPTIONS].get("S1")
    assert len(stored.fees) == 2
    assert stored.manual_invoice_date == D(2024, 3, 5)


# -- fixed-days proration ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("proration", "start", "first"),
    [
        (Proration.FIXED_30, D(2024, 2, 10), "200.00 EUR"),  # 20 days * 300 / 30
        (Proration.FIXED_28, D(2024, 2, 10), "214.29 EUR"),  # 20 * 300 / 28 = 214.2857
        (Proration.ACTUAL_DAYS, D(2024, 2, 10), "206.90 EUR"),  # 20 * 300 / 29 = 206.897
        (Proration.FIXED_28, D(2024, 3, 2), "300.00 EUR"),  # 30 / 28 is more than a month
        (Proration.FIXED_30, D(2024, 3, 3), "290.00 EUR"),  # 29 days * 300 / 30
    ],
)
def test_fixed_days_proration(proration: Proration, start: dt.date, first: str) -> None:
    sub = active(price="300.00", start=start, proration=proration)
    fees = plan_fees(sub, start, D(2024, 5, 1)).fees
    assert str(fees[0].amount) == first
    assert {str(f.amount) for f in fees[1:]} == {"300.00 EUR"}  # whole months: the price


def test_fixed_days_credit_a_suspension_per_fixed_day() -> None:
    sub = active(price="300.00", proration=Proration.FIXED_30)
    sub, _ = generate_fees(sub, D(2024, 1, 1), D(2024, 2, 1), at=AT)
    sub, _ = suspend(sub, D(2024, 1, 29), at=AT)
    sub, _ = generate_fees(sub, D(2024, 1, 1), D(2024, 2, 1), at=AT)
    # 28 billable days of January: 28 * 300 / 30 = 280.00, so 20.00 credited
    assert str(sub.fees[-1].amount) == "-20.00 EUR"


def test_fixed_days_with_a_price_change_inside_the_period() -> None:
    sub = active(price="300.00", proration=Proration.FIXED_30)
    sub, _ = change_price(sub, Money.of("600.00", "EUR"), D(2024, 4, 16), at=AT)
    fees = plan_fees(sub, D(2024, 4, 1), D(2024, 5, 1)).fees
    # April: 15 days at 300 + 15 days at 600 over 30 = 150.00 + 300.00
    assert str(fees[0].amount) == "450.00 EUR"


# -- status as of a date ---------------------------------------------------------------------------
def test_a_subscription_past_its_end_reads_as_ended() -> None:
    sub = active(end=D(2024, 6, 1))
    assert sub.status is SubscriptionStatus.ACTIVE
    assert sub.status_on(D(2024, 5, 31)) is SubscriptionStatus.ACTIVE
    assert sub.status_on(D(2024, 6, 1)) is SubscriptionStatus.ENDED
    assert sub.status_on(D(2030, 1, 1)) is SubscriptionStatus.ENDED
    held, _ = suspend(sub, D(2024, 3, 1), at=AT)
    assert held.status_on(D(2024, 5, 1)) is SubscriptionStatus.SUSPENDED
    assert held.status_on(D(2024, 7, 1)) is SubscriptionStatus.ENDED
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2024, 4, 1), at=AT)
    assert gone.status_on(D(2024, 7, 1)) is SubscriptionStatus.CANCELLED
    assert active(sid="S3").status_on(D(2099, 1, 1)) is SubscriptionStatus.ACTIVE  # no end
