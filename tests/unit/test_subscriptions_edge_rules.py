"""Subscription rules at their edges: drafts in a portfolio, status and index checks, end
dates, ledgers extended by hand, reduction days without proration, service credit
references, overdue invoices around suspensions and end dates, restart currency, price
rows that do not win, per-group revenue and idempotent use cases.

Every expected value is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from attrs import evolve, frozen

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    CancelMode,
    FeeKind,
    FeesGenerated,
    InvoiceRecorded,
    PaymentLapsed,
    Proration,
    SalesPrice,
    Subscription,
    SubscriptionGroup,
    SubscriptionStatus,
    SubscriptionSuspended,
    add_service_credit,
    apply_overdue,
    bulk_schedules,
    cancel,
    change_price,
    create_subscription,
    end_subscription,
    generate_fees,
    indexed_price,
    plan_fees,
    record_invoice,
    record_subscription_invoice,
    reduce_days,
    resolve_price,
    restart,
    resume,
    revenue_report,
    run_due_invoice_schedule,
    run_overdue_checks,
    suspend,
)
from tests.builders.subscriptions import AT, active, group

D = dt.date
CLOCK = FixedClock(AT)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def _store(
    published: list[DomainEvent], grp: SubscriptionGroup, *subs: Subscription
) -> InMemoryStore:
    store = InMemoryStore(publish=published.extend)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTION_GROUPS].add(grp)
        for sub in subs:
            uow[SUBSCRIPTIONS].add(sub)
        uow.commit()
    return store


# -- model checks ----------------------------------------------------------------------------
def test_drafts_get_an_empty_schedule_in_a_portfolio() -> None:
    draft, _ = create_subscription(
        company_id="ACME",
        id="S-DRAFT",
        group=group(),
        customer_id="C1",
        price=eur("100.00"),
        start=D(2024, 1, 1),
        at=AT,
    )
    portfolio = bulk_schedules([draft, active(sid="S-LIVE")], D(2024, 1, 1), D(2024, 3, 1))
    empty, live = portfolio.schedules
    assert empty.subscription_id == "S-DRAFT"
    assert (empty.fee_amounts, empty.rev_amounts, empty.invoice_dates) == ((), (), ())
    assert list(live.fee_amounts) == [10000, 10000]  # January and February, 100.00 each
    assert portfolio.totals() == {"EUR": (eur("200.00"), eur("200.00"))}


def test_a_subscription_status_must_be_a_subscription_status() -> None:
    sub = active()
    with pytest.raises(ValidationError) as e:
        evolve(sub, status="active")  # type: ignore[arg-type]
    assert e.value.field == "status"
    assert sub.status is SubscriptionStatus.ACTIVE


def test_an_index_is_never_negative() -> None:
    with pytest.raises(ValidationError) as e:
        active(index=-1)
    assert (e.value.field, e.value.value) == ("index", -1)
    free = active(index=0)  # zero is allowed: the price is 100.00 x 0 / 100
    assert free.price == eur("0.00")


def test_a_subscription_ends_after_its_start_and_not_after_its_end_date() -> None:
    sub = active(end=D(2024, 7, 1))
    for too_early_or_late in (D(2024, 1, 1), D(2024, 7, 2)):
        with pytest.raises(BusinessRuleError, match="must lie after the start"):
            end_subscription(sub, at=AT, on=too_early_or_late)
    assert sub.status is SubscriptionStatus.ACTIVE
    ended, _ = end_subscription(sub, at=AT, on=D(2024, 3, 1))
    assert (ended.status, ended.end) == (SubscriptionStatus.ENDED, D(2024, 3, 1))
    on_time, _ = end_subscription(sub, at=AT, on=D(2024, 7, 1))
    assert on_time.end == D(2024, 7, 1)


# -- billing ---------------------------------------------------------------------------------
def test_regular_fees_added_to_the_ledger_by_hand_are_revalued_too() -> None:
    # January is issued by a run; February is added from a preview by hand (as a host
    # applying a stored plan would). A price of 150.00 from February then makes the
    # February fee (issued at 100.00) worth 50.00 more; January is untouched.
    sub, _ = generate_fees(active(sid="S-HAND"), D(2024, 1, 1), D(2024, 2, 1), at=AT)
    february = plan_fees(sub, D(2024, 2, 1), D(2024, 3, 1)).fees
    assert [(f.kind, f.amount) for f in february] == [(FeeKind.REGULAR, eur("100.00"))]
    sub = evolve(sub, fees=(*sub.fees, *february))
    sub, _ = change_price(sub, eur("150.00"), D(2024, 2, 1), at=AT)
    corrections = plan_fees(sub, D(2024, 2, 1), D(2024, 3, 1), as_of=D(2024, 2, 10)).fees
    assert [(f.kind, f.amount, f.reference, f.invoice_date) for f in corrections] == [
        (FeeKind.ADJUSTMENT, eur("50.00"), "S-HAND/R/2024-02-01", D(2024, 2, 10))
    ]


def test_reduction_days_take_nothing_off_a_whole_period_price() -> None:
    # Without proration a period with any billable day costs its full price, so reducing
    # two days of January gives a reduction fee of 0.00 and no correction afterwards.
    sub = active(proration=Proration.WHOLE_PERIODS)
    sub, _ = generate_fees(sub, D(2024, 1, 1), D(2024, 2, 1), at=AT)
    sub, events = reduce_days(sub, sub.fees[0].id, D(2024, 1, 10), D(2024, 1, 11), at=AT)
    assert [(f.kind, f.amount) for f in sub.fees] == [
        (FeeKind.REGULAR, eur("100.00")),
        (FeeKind.REDUCTION_DAYS, eur("0.00")),
    ]
    assert [(r.start, r.end) for r in sub.reductions] == [(D(2024, 1, 10), D(2024, 1, 12))]
    assert events[0].amount == eur("0.00")  # type: ignore[attr-defined]
    assert plan_fees(sub, D(2024, 1, 1), D(2024, 2, 1)).fees == ()


@frozen
class _Credit:
    amount: Money
    reason: str
    reference: object


@pytest.mark.parametrize("reference", ["", None, 42])
def test_a_service_credit_needs_a_reference(reference: object) -> None:
    sub = active()
    with pytest.raises(ValidationError, match="reference must be a non-empty string"):
        add_service_credit(sub, _Credit(eur("10.00"), "late", reference), D(2024, 1, 5), at=AT)  # type: ignore[arg-type]
    assert sub.fees == ()


# -- payments --------------------------------------------------------------------------------
def _unpaid_february(grp: SubscriptionGroup, sid: str = "S1", **kw: Any) -> Subscription:
    """100.00 a month from Jan 1 2024, January to March issued, the February invoice
    (due Feb 15) unpaid."""
    sub, _ = generate_fees(active(grp=grp, sid=sid, **kw), D(2024, 1, 1), D(2024, 4, 1), at=AT)
    sub, _ = record_invoice(sub, D(2024, 2, 1), D(2024, 2, 15), at=AT)
    return sub


def test_a_lapse_during_an_earlier_suspension_suspends_from_the_resume_day() -> None:
    grp = group(grace_days=10)  # lapse day: Feb 15 + 10 + 1 = Feb 26
    sub = _unpaid_february(grp)
    sub, _ = suspend(sub, D(2024, 2, 20), at=AT)  # suspended for another reason
    sub, _ = resume(sub, D(2024, 3, 5), at=AT)
    lapsed, events = apply_overdue(sub, grp, D(2024, 3, 10), at=AT)
    # Feb 26 lies in the suspension that ended Mar 5: suspended again from Mar 5
    assert [(s.start, s.end) for s in lapsed.suspensions] == [
        (D(2024, 2, 20), D(2024, 3, 5)),
        (D(2024, 3, 5), None),
    ]
    assert isinstance(events[0], PaymentLapsed)
    assert events[0].on == D(2024, 3, 5)
    assert isinstance(events[1], SubscriptionSuspended)
    assert lapsed.status is SubscriptionStatus.SUSPENDED


def test_a_subscription_ending_before_its_lapse_day_is_left_alone() -> None:
    grp = group(grace_days=15)  # lapse day: Feb 15 + 15 + 1 = Mar 2
    ending = _unpaid_february(grp, end=D(2024, 3, 2))  # its last day is Mar 1
    same, events = apply_overdue(ending, grp, D(2024, 3, 10), at=AT)
    assert same is ending
    assert events == ()
    longer = _unpaid_february(grp, end=D(2024, 3, 3))  # one day more: Mar 2 is suspended
    suspended, _ = apply_overdue(longer, grp, D(2024, 3, 10), at=AT)
    assert [s.start for s in suspended.suspensions] == [D(2024, 3, 2)]


def test_a_restarted_term_bills_in_the_finished_terms_currency() -> None:
    grp = group()
    finished, _ = cancel(active(grp=grp), CancelMode.IMMEDIATE, D(2024, 2, 1), at=AT)
    with pytest.raises(ValidationError) as e:
        restart(finished, grp, id="S2", start=D(2024, 2, 1), at=AT, price=Money.of("100", "USD"))
    assert (e.value.field, e.value.allowed) == ("price", "Money in EUR")
    assert finished.status is SubscriptionStatus.CANCELLED


def test_recording_a_stored_invoice_again_saves_and_publishes_nothing() -> None:
    published: list[DomainEvent] = []
    grp = group()
    sub, _ = generate_fees(active(grp=grp), D(2024, 1, 1), D(2024, 2, 1), at=AT)
    store = _store(published, grp, sub)
    for _ in range(2):
        with store.unit_of_work("ACME") as uow:
            record_subscription_invoice(uow, "S1", D(2024, 1, 1), D(2024, 1, 15), clock=CLOCK)
            uow.commit()
    with store.unit_of_work("ACME") as uow:
        stored = uow[SUBSCRIPTIONS].get("S1")
    assert stored.version == 2  # added (1), the invoice recorded once (2)
    assert [type(e) for e in published] == [InvoiceRecorded]


def test_overdue_checks_act_on_every_subscription_of_a_group() -> None:
    published: list[DomainEvent] = []
    grp = group(grace_days=10)  # lapse day Feb 26 for both
    store = _store(published, grp, _unpaid_february(grp), _unpaid_february(grp, sid="S2"))
    with store.unit_of_work("ACME") as uow:
        changed = run_overdue_checks(uow, D(2024, 3, 1), clock=CLOCK)
        uow.commit()
    assert [(s.id, s.status, s.suspensions[-1].start) for s in changed] == [
        ("S1", SubscriptionStatus.SUSPENDED, D(2024, 2, 26)),
        ("S2", SubscriptionStatus.SUSPENDED, D(2024, 2, 26)),
    ]
    assert [e.aggregate_id for e in published if isinstance(e, PaymentLapsed)] == ["S1", "S2"]


# -- prices ----------------------------------------------------------------------------------
MONTH = Interval.months(1)


def _resolve(rows: list[SalesPrice]) -> SalesPrice | None:
    return resolve_price(
        rows, subscription_id="S1", currency="EUR", interval=MONTH, on=D(2024, 6, 1)
    )


def test_a_less_specific_price_row_listed_later_does_not_win() -> None:
    own = SalesPrice(
        price=eur("80.00"), interval=MONTH, valid_from=D(2024, 1, 1), subscription_id="S1"
    )
    everyone = SalesPrice(price=eur("100.00"), interval=MONTH, valid_from=D(2024, 5, 1))
    assert _resolve([own, everyone]) == own  # priority 4 beats 8 even with an older date
    assert _resolve([everyone, own]) == own


def test_among_equally_specific_price_rows_the_latest_valid_from_wins_in_any_order() -> None:
    older = SalesPrice(price=eur("100.00"), interval=MONTH, valid_from=D(2024, 1, 1))
    newer = SalesPrice(price=eur("120.00"), interval=MONTH, valid_from=D(2024, 3, 1))
    assert _resolve([newer, older]) == newer
    assert _resolve([older, newer]) == newer


def test_an_index_may_be_a_whole_number() -> None:
    # Typed Decimal, but a whole number is accepted as it is (the index check lets ints
    # by): 1000 x 110 / 100 = 1100.00; 99.99 x 105 / 100 = 104.9895, half up 104.99.
    assert indexed_price(eur("1000"), 110) == eur("1100.00")  # type: ignore[arg-type]
    assert indexed_price(eur("99.99"), 105) == eur("104.99")  # type: ignore[arg-type]


# -- revenue ---------------------------------------------------------------------------------
def test_revenue_of_a_group_that_does_not_accrue_follows_the_report_policy() -> None:
    daily = SubscriptionGroup(
        company_id="ACME",
        id="DAILY",
        accrue_revenue=True,
        accrual_interval=Interval.days(1),
    )
    plain = group()  # "M": accrues nothing, so the report's (monthly) policy applies
    by_day, _ = generate_fees(
        active(grp=daily, sid="S-DAY", price="310.00"), D(2024, 1, 1), D(2024, 2, 1), at=AT
    )
    by_month, _ = generate_fees(
        active(grp=plain, sid="S-MONTH", price="310.00"), D(2024, 1, 1), D(2024, 2, 1), at=AT
    )
    report = revenue_report([by_day, by_month], D(2024, 1, 15), groups=[daily, plain])
    # invoiced: 310.00 + 310.00; recognised by Jan 15: 15 days x 10.00 of S-DAY, nothing of
    # S-MONTH (its January is recognised on Jan 31)
    assert report.invoiced == {"EUR": eur("620.00")}
    assert report.recognised == {"EUR": eur("150.00")}
    assert report.deferred == {"EUR": eur("470.00")}


# -- use cases -------------------------------------------------------------------------------
def test_a_due_run_with_nothing_due_saves_and_publishes_nothing() -> None:
    published: list[DomainEvent] = []
    grp = group()
    store = _store(published, grp, active(grp=grp))
    for day in (D(2024, 1, 10), D(2024, 1, 20)):  # January is due on Jan 1, February later
        with store.unit_of_work("ACME") as uow:
            plan = run_due_invoice_schedule(uow, "S1", day, clock=CLOCK)
            uow.commit()
    assert plan.fees == ()
    with store.unit_of_work("ACME") as uow:
        stored = uow[SUBSCRIPTIONS].get("S1")
    assert [f.id for f in stored.fees] == ["S1/R/2024-01-01"]
    assert stored.version == 2  # added (1), January issued (2)
    assert [type(e) for e in published] == [FeesGenerated]
