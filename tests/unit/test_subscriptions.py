"""Subscriptions: the D365 worked examples and every rule, with hand-written values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from attrs import evolve

from servicecore.clock import FixedClock
from servicecore.errors import (
    BusinessRuleError,
    ConcurrencyError,
    CurrencyMismatchError,
    InvalidTransitionError,
    ServiceCoreError,
    ValidationError,
)
from servicecore.money import Money
from servicecore.recurrence import Interval, Period
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    Alignment,
    Billing,
    CancelMode,
    CreditReversal,
    Fee,
    FeeKind,
    IndexMethod,
    InvoiceCredit,
    Proration,
    RemainderPlacement,
    RevenuePolicy,
    SalesPrice,
    Subscription,
    SubscriptionGroup,
    SubscriptionStatus,
    activate,
    activate_subscription,
    add_non_regular_fee,
    add_service_credit,
    apply_service_credit,
    arr,
    bulk_schedules,
    cancel,
    cancel_subscription,
    change_price,
    create_subscription,
    end_subscription,
    fee_revenue,
    generate_fees,
    index_group,
    index_subscription,
    mrr,
    plan_fees,
    preview_invoice_schedule,
    reduce_days,
    resolve_price,
    resume,
    revenue_by_period,
    revenue_report,
    run_invoice_schedule,
    run_invoice_schedules,
    split_minor,
    subscription_revenue,
    suspend,
)

D = pendulum.Date
CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
JAN1 = D(2024, 1, 1)
MONTHLY = SubscriptionGroup(company_id="ACME", id="MONTHLY")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def make(
    price: str = "310.00",
    start: dt.date = JAN1,
    group: SubscriptionGroup = MONTHLY,
    *,
    sub_id: str = "S1",
    active: bool = True,
    **kw: Any,
) -> Subscription:
    kw.setdefault("alignment", Alignment.calendar())
    sub, _ = create_subscription(
        company_id="ACME",
        id=sub_id,
        group=group,
        customer_id="C1",
        price=eur(price),
        start=start,
        at=CLOCK.now(),
        **kw,
    )
    if active:
        sub, _ = activate(sub, at=CLOCK.now())
    return sub


def gen(sub: Subscription, start: dt.date, end: dt.date, **kw: Any) -> Subscription:
    new, _ = generate_fees(sub, start, end, at=CLOCK.now(), **kw)
    return new


def amounts(fees: Any) -> list[str]:
    return [str(f.amount.amount) for f in fees]


# -- D365 worked examples -----------------------------------------------------------
def test_d365_accrual_300_per_quarter_first_period_rounding() -> None:
    group = SubscriptionGroup(
        company_id="ACME",
        id="Q",
        invoice_interval=Interval.quarters(1),
        accrue_revenue=True,
        accrual_interval=Interval.months(1),
        per_day=True,
        remainder=RemainderPlacement.FIRST,
    )
    sub = gen(make("300.00", D(2023, 1, 1), group), D(2023, 1, 1), D(2023, 4, 1))
    assert amounts(sub.fees) == ["300.00"]
    entries = fee_revenue(sub.fees[0], RevenuePolicy.of_group(group))
    assert amounts(entries) == ["103.34", "93.33", "103.33"]
    assert [e.recognised_on for e in entries] == [D(2023, 1, 31), D(2023, 2, 28), D(2023, 3, 31)]
    last = RevenuePolicy(Interval.months(1), remainder=RemainderPlacement.LAST)
    assert amounts(fee_revenue(sub.fees[0], last)) == ["103.33", "93.33", "103.34"]
    equal = RevenuePolicy(Interval.months(1), per_day=False)
    assert amounts(fee_revenue(sub.fees[0], equal)) == ["100.00", "100.00", "100.00"]


def test_d365_reduction_days_march_200() -> None:
    sub = gen(make("200.00", D(2024, 3, 1)), D(2024, 3, 1), D(2024, 4, 1))
    sub, events = reduce_days(sub, sub.fees[0].id, D(2024, 3, 10), D(2024, 3, 11), at=CLOCK.now())
    assert sub.fees[-1].kind is FeeKind.REDUCTION_DAYS
    assert str(sub.fees[-1].amount.amount) == "-12.90"
    assert str(sum((f.amount for f in sub.fees), eur("0")).amount) == "187.10"
    assert events[0].event_type == "DaysReduced"
    # the reduction is part of the fee now: a rerun corrects nothing
    assert plan_fees(sub, D(2024, 3, 1), D(2024, 4, 1)).fees == ()
    with pytest.raises(BusinessRuleError):
        reduce_days(sub, sub.fees[0].id, D(2024, 3, 11), D(2024, 3, 12), at=CLOCK.now())
    with pytest.raises(BusinessRuleError):
        reduce_days(sub, sub.fees[0].id, D(2024, 5, 1), D(2024, 5, 2), at=CLOCK.now())
    with pytest.raises(BusinessRuleError):
        reduce_days(sub, sub.fees[-1].id, D(2024, 3, 1), D(2024, 3, 2), at=CLOCK.now())


def test_d365_indexed_price_and_index_by_percent() -> None:
    sub = make("1000.00", index=110)
    assert str(sub.price.amount) == "1100.00"
    sub, _ = index_subscription(sub, IndexMethod.INDEX_BY_PCT, 10, D(2024, 1, 1), at=CLOCK.now())
    assert sub.index == Decimal(121)
    assert str(sub.price.amount) == "1210.00"
    sub, _ = index_subscription(sub, IndexMethod.INDEX_TO, 100, D(2024, 2, 1), at=CLOCK.now())
    assert str(sub.price.amount) == "1000.00"
    sub, _ = index_subscription(sub, IndexMethod.BASE_TO, "120", D(2024, 3, 1), at=CLOCK.now())
    sub, _ = index_subscription(sub, IndexMethod.BASE_BY_PCT, 10, D(2024, 4, 1), at=CLOCK.now())
    assert str(sub.base_price.amount) == "132.00"
    sub, _ = index_subscription(sub, IndexMethod.BASE_BY_PCT, -50, D(2024, 5, 1), at=CLOCK.now())
    assert str(sub.price.amount) == "66.00"
    assert sub.price_on(D(2024, 1, 15)) == eur("1210.00")
    with pytest.raises(ValidationError):
        index_subscription(sub, IndexMethod.INDEX_TO, -1, D(2024, 6, 1), at=CLOCK.now())


def _s3_subscription() -> Subscription:
    sub = make("310.00", D(2024, 11, 1))

    def fee(start: pendulum.Date, end: pendulum.Date, full: Period, amount: str) -> Fee:
        return Fee(
            id=f"S1/R/{start.isoformat()}",
            subscription_id="S1",
            kind=FeeKind.REGULAR,
            period=Period(start, end),
            full_period=full,
            amount=eur(amount),
            invoice_date=start,
        )

    nov, dec, jan = (
        Period(D(2024, 11, 1), D(2024, 12, 1)),
        Period(D(2024, 12, 1), D(2025, 1, 1)),
        Period(D(2025, 1, 1), D(2025, 2, 1)),
    )
    return evolve(
        sub,
        fees=(
            fee(nov.start, nov.end, nov, "310.00"),
            fee(D(2024, 12, 1), D(2024, 12, 16), dec, "150.00"),
            fee(jan.start, jan.end, jan, "310.00"),
        ),
    )


def test_d365_gap_filling_without_continuous() -> None:
    sub = _s3_subscription()
    plan = plan_fees(sub, D(2024, 11, 1), D(2025, 3, 1))
    assert [(f.start, f.last_day) for f in plan.fees] == [
        (D(2024, 12, 16), D(2024, 12, 31)),
        (D(2025, 2, 1), D(2025, 2, 28)),
    ]
    assert amounts(plan.fees) == ["160.00", "310.00"]


def test_d365_gap_filling_with_continuous() -> None:
    sub = _s3_subscription()
    assert plan_fees(sub, D(2024, 11, 1), D(2025, 3, 1), continuous=True).fees == ()
    # continuous only extends after the latest end, leaving no gap
    plan = plan_fees(sub, D(2025, 3, 1), D(2025, 5, 1), continuous=True)
    assert [f.start for f in plan.fees] == [D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)]


# -- S4 price resolution -----------------------------------------------------------
def test_price_resolution_specificity_and_validity() -> None:
    m = Interval.months(1)
    jan = D(2024, 1, 1)
    rows = [
        SalesPrice(price=eur("1.00"), interval=m, valid_from=jan),
        SalesPrice(price=eur("7.00"), interval=m, valid_from=jan, category="CAT"),
        SalesPrice(price=eur("6.00"), interval=m, valid_from=jan, project_id="P"),
        SalesPrice(price=eur("5.00"), interval=m, valid_from=jan, category="CAT", project_id="P"),
        SalesPrice(price=eur("4.00"), interval=m, valid_from=jan, subscription_id="S1"),
        SalesPrice(
            price=eur("3.00"), interval=m, valid_from=jan, category="CAT", subscription_id="S1"
        ),
        SalesPrice(
            price=eur("2.00"), interval=m, valid_from=jan, project_id="P", subscription_id="S1"
        ),
    ]
    best = SalesPrice(
        price=eur("0.50"),
        interval=m,
        valid_from=jan,
        category="CAT",
        project_id="P",
        subscription_id="S1",
    )

    def resolve(rows: list[SalesPrice], **kw: Any) -> str | None:
        args: dict[str, Any] = {
            "subscription_id": "S1",
            "currency": "EUR",
            "interval": m,
            "on": D(2024, 6, 1),
        }
        args.update(kw)
        row = resolve_price(rows, **args)
        return None if row is None else str(row.price.amount)

    full = {"category": "CAT", "project_id": "P"}
    assert resolve([*rows, best], **full) == "0.50"
    assert resolve(rows, **full) == "2.00"
    assert resolve(rows[:6], **full) == "3.00"
    assert resolve(rows[:5], **full) == "4.00"
    assert resolve(rows[:4], **full) == "5.00"
    assert resolve(rows[:3], **full) == "6.00"
    assert resolve(rows[:2], **full) == "7.00"
    assert resolve(rows[:1], **full) == "1.00"
    assert resolve(rows[:4], category="OTHER", project_id="P") == "6.00"
    assert resolve(rows, subscription_id="S2") == "1.00"
    assert resolve(rows, currency="USD") is None
    assert resolve(rows, interval=Interval.quarters(1)) is None
    assert resolve(rows, on=D(2023, 12, 31)) is None
    later = SalesPrice(
        price=eur("9.00"), interval=m, valid_from=D(2024, 5, 1), valid_to=D(2024, 7, 1)
    )
    assert resolve([rows[0], later]) == "9.00"
    assert resolve([rows[0], later], on=D(2024, 7, 1)) == "1.00"
    with pytest.raises(ValidationError):
        resolve_price(["x"], subscription_id="S1", currency="EUR", interval=m, on=jan)  # type: ignore[list-item]
    with pytest.raises(ValidationError):
        SalesPrice(price=eur("-1.00"), interval=m, valid_from=jan)


# -- S9 groups -----------------------------------------------------------
def test_accrual_never_coarser_than_invoicing() -> None:
    def group(
        invoice: Interval, accrual: Interval | None, accrue: bool = True
    ) -> SubscriptionGroup:
        return SubscriptionGroup(
            company_id="ACME",
            id="G",
            invoice_interval=invoice,
            accrue_revenue=accrue,
            accrual_interval=accrual,
        )

    assert group(Interval.years(1), Interval.quarters(1)).accrual_interval == Interval.quarters(1)
    assert group(Interval.weeks(1), Interval.days(1)).accrue_revenue
    for invoice, accrual in [
        (Interval.quarters(1), Interval.years(1)),
        (Interval.months(1), Interval.quarters(1)),
        (Interval.weeks(1), Interval.months(1)),
        (Interval.days(1), Interval.months(1)),
        (Interval.years(1), Interval.weeks(1)),
    ]:
        with pytest.raises(ValidationError, match="S9"):
            group(invoice, accrual)
    with pytest.raises(ValidationError):
        group(Interval.months(1), None)
    assert group(Interval.months(1), None, accrue=False).accrual_interval is None
    with pytest.raises(ValidationError):
        RevenuePolicy.of_group(group(Interval.months(1), None, accrue=False))


# -- lifecycle -----------------------------------------------------------
def test_lifecycle_and_s1_fees_only_when_active() -> None:
    draft = make(active=False)
    assert draft.status is SubscriptionStatus.DRAFT
    with pytest.raises(BusinessRuleError, match="S1"):
        plan_fees(draft, D(2024, 1, 1), D(2024, 2, 1))
    sub, _ = activate(draft, at=CLOCK.now())
    with pytest.raises(InvalidTransitionError):
        activate(sub, at=CLOCK.now())
    with pytest.raises(InvalidTransitionError):
        resume(sub, D(2024, 2, 1), at=CLOCK.now())
    ended, _ = end_subscription(sub, at=CLOCK.now(), on=D(2024, 6, 1))
    assert ended.status is SubscriptionStatus.ENDED
    assert ended.end == D(2024, 6, 1)
    with pytest.raises(BusinessRuleError):
        end_subscription(sub, at=CLOCK.now())
    with pytest.raises(BusinessRuleError):
        change_price(ended, eur("1.00"), D(2024, 7, 1), at=CLOCK.now())
    cancelled, _ = cancel(draft, CancelMode.IMMEDIATE, D(2024, 1, 1), at=CLOCK.now())
    assert cancelled.status is SubscriptionStatus.CANCELLED


def test_creation_validation() -> None:
    with pytest.raises(ValidationError):
        make(end=D(2023, 12, 31))
    with pytest.raises(ValidationError):
        make(trial_end=D(2023, 12, 1))
    with pytest.raises(ValidationError):
        make(price="-1.00")
    with pytest.raises(ValidationError):
        make(price="1.001")
    with pytest.raises(ValidationError):
        make(start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        make(alignment=Alignment.billing_day(40))
    with pytest.raises(ValidationError):
        create_subscription(
            company_id="ACME",
            id="S",
            group="G",  # type: ignore[arg-type]
            customer_id="C",
            price=eur("1.00"),
            start=D(2024, 1, 1),
            at=CLOCK.now(),
        )
    with pytest.raises(ValidationError):
        activate(make(active=False), at="now")  # type: ignore[arg-type]


# -- invoice schedule -----------------------------------------------------------
def test_leading_and_trailing_partial_periods_actual_days() -> None:
    sub = gen(make(start=D(2024, 1, 15), end=D(2024, 3, 11)), D(2024, 1, 1), D(2024, 6, 1))
    assert [(f.start, f.end) for f in sub.fees] == [
        (D(2024, 1, 15), D(2024, 2, 1)),
        (D(2024, 2, 1), D(2024, 3, 1)),
        (D(2024, 3, 1), D(2024, 3, 11)),
    ]
    # 310 x 17/31, 310, 310 x 10/31
    assert amounts(sub.fees) == ["170.00", "310.00", "100.00"]


def test_proration_methods() -> None:
    thirty = gen(
        make(start=D(2024, 1, 15), proration=Proration.THIRTY_360), D(2024, 1, 1), D(2024, 2, 1)
    )
    assert amounts(thirty.fees) == ["165.33"]  # 310 x 16/30
    whole = gen(
        make(start=D(2024, 1, 15), proration=Proration.WHOLE_PERIODS), D(2024, 1, 1), D(2024, 2, 1)
    )
    assert amounts(whole.fees) == ["310.00"]
    feb = gen(make(start=D(2024, 2, 20)), D(2024, 2, 1), D(2024, 3, 1))
    assert amounts(feb.fees) == ["106.90"]  # 310 x 10/29 = 106.896...


def test_anniversary_and_billing_day_alignment() -> None:
    anniv = gen(
        make(start=D(2024, 1, 31), alignment=Alignment.anniversary()), D(2024, 1, 1), D(2024, 5, 1)
    )
    assert [f.start for f in anniv.fees] == [
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 31),
        D(2024, 4, 30),
    ]
    assert amounts(anniv.fees) == ["310.00"] * 4
    day15 = gen(
        make(start=D(2024, 1, 1), alignment=Alignment.billing_day(15)), D(2024, 1, 1), D(2024, 2, 1)
    )
    assert [(f.start, f.end) for f in day15.fees] == [
        (D(2024, 1, 1), D(2024, 1, 15)),
        (D(2024, 1, 15), D(2024, 2, 15)),
    ]
    assert amounts(day15.fees) == ["140.00", "310.00"]  # 310 x 14/31


def test_billing_day_30_with_a_february_start_bills_in_february() -> None:
    # Issue 15 item 7: a yearly or quarterly plan billed on day 30 and started 2012-02-16 is
    # anchored on February (Feb 29 in 2012), never on January.
    yearly = SubscriptionGroup(company_id="ACME", id="Y", invoice_interval=Interval.years(1))
    sub = gen(
        make(start=D(2012, 2, 16), group=yearly, alignment=Alignment.billing_day(30)),
        D(2012, 2, 1),
        D(2014, 3, 1),
    )
    assert [f.start for f in sub.fees] == [
        D(2012, 2, 16),
        D(2012, 2, 29),
        D(2013, 2, 28),
        D(2014, 2, 28),
    ]
    quarterly = SubscriptionGroup(
        company_id="ACME", id="Q30", invoice_interval=Interval.quarters(1)
    )
    q = gen(
        make(start=D(2012, 2, 16), group=quarterly, alignment=Alignment.billing_day(30)),
        D(2012, 2, 1),
        D(2013, 3, 1),
    )
    assert [f.start for f in q.fees] == [
        D(2012, 2, 16),
        D(2012, 2, 29),
        D(2012, 5, 30),
        D(2012, 8, 30),
        D(2012, 11, 30),
        D(2013, 2, 28),
    ]


def test_billing_in_arrears_and_trial() -> None:
    sub = gen(make(billing=Billing.IN_ARREARS), D(2024, 1, 1), D(2024, 3, 1))
    assert [f.invoice_date for f in sub.fees] == [D(2024, 2, 1), D(2024, 3, 1)]
    trial = gen(make(trial_end=D(2024, 1, 11)), D(2024, 1, 1), D(2024, 2, 1))
    assert [(f.start, str(f.amount.amount)) for f in trial.fees] == [(D(2024, 1, 11), "210.00")]


def test_generation_is_idempotent_and_ranges_may_overlap() -> None:
    once = gen(make(), D(2024, 1, 1), D(2024, 7, 1))
    twice = gen(once, D(2024, 1, 1), D(2024, 7, 1))
    assert twice.fees == once.fees
    chunks = gen(
        gen(gen(make(), D(2024, 1, 1), D(2024, 4, 1)), D(2024, 2, 15), D(2024, 5, 2)),
        D(2024, 3, 1),
        D(2024, 7, 1),
    )
    assert [f.id for f in chunks.fees] == [f.id for f in once.fees]
    assert len({f.id for f in once.fees}) == 6
    _, events = generate_fees(once, D(2024, 1, 1), D(2024, 7, 1), at=CLOCK.now())
    assert events == ()


def test_bounded_catch_up() -> None:
    sub = make()
    plan = plan_fees(sub, D(2024, 1, 1), D(2025, 1, 1), limit=3)
    assert len(plan.fees) == 3
    assert not plan.complete
    sub = gen(sub, D(2024, 1, 1), D(2025, 1, 1), limit=3)
    sub = gen(sub, D(2024, 1, 1), D(2025, 1, 1), limit=100)
    assert len(sub.fees) == 12
    with pytest.raises(ValidationError):
        plan_fees(sub, D(2024, 1, 1), D(2025, 1, 1), limit=0)
    with pytest.raises(ValidationError):
        plan_fees(sub, D(2024, 1, 1), D(2024, 1, 1))


def test_mid_period_upgrade_is_an_adjustment_and_issued_fees_stay() -> None:
    sub = gen(make(), D(2024, 3, 1), D(2024, 4, 1))
    issued = sub.fees
    sub, events = change_price(sub, eur("620.00"), D(2024, 3, 17), at=CLOCK.now())
    assert events[0].event_type == "SubscriptionPriceChanged"
    sub = gen(sub, D(2024, 3, 1), D(2024, 5, 1), as_of=D(2024, 3, 17))
    assert sub.fees[:1] == issued
    adj = [f for f in sub.fees if f.kind is FeeKind.ADJUSTMENT]
    assert amounts(adj) == ["150.00"]  # (620 - 310) x 15/31
    assert adj[0].period == Period(D(2024, 3, 17), D(2024, 4, 1))
    assert adj[0].invoice_date == D(2024, 3, 17)
    assert amounts(f for f in sub.fees if f.kind is FeeKind.REGULAR) == ["310.00", "620.00"]
    down, _ = change_price(sub, eur("310.00"), D(2024, 4, 16), at=CLOCK.now())
    down = gen(down, D(2024, 4, 1), D(2024, 5, 1))
    assert amounts([down.fees[-1]]) == ["-155.00"]  # (310 - 620) x 15/30
    with pytest.raises(BusinessRuleError):
        change_price(down, eur("1.00"), D(2024, 4, 1), at=CLOCK.now())
    with pytest.raises(ValidationError):
        change_price(down, Money.of("1.00", "USD"), D(2024, 6, 1), at=CLOCK.now())


def test_cancellation_modes_and_credit() -> None:
    paid = gen(make(), D(2024, 3, 1), D(2024, 4, 1))
    now, events = cancel(paid, CancelMode.IMMEDIATE, D(2024, 3, 11), at=CLOCK.now())
    assert now.end == D(2024, 3, 11)
    assert now.status is SubscriptionStatus.CANCELLED
    credit = now.fees[-1]
    assert credit.kind is FeeKind.CREDIT
    assert str(credit.amount.amount) == "-210.00"
    assert credit.period == Period(D(2024, 3, 11), D(2024, 4, 1))
    assert credit.reference == paid.fees[0].id
    assert events[0].event_type == "SubscriptionCancelled"
    term, _ = cancel(paid, CancelMode.END_OF_TERM, D(2024, 3, 11), at=CLOCK.now())
    assert term.end == D(2024, 4, 1)
    assert term.fees == paid.fees
    dated, _ = cancel(
        paid, CancelMode.ON_DATE, D(2024, 3, 5), at=CLOCK.now(), effective=D(2024, 3, 21)
    )
    assert amounts(dated.fees) == ["310.00", "-110.00"]  # 310 x 11/31
    with pytest.raises(ValidationError):
        cancel(paid, CancelMode.ON_DATE, D(2024, 3, 5), at=CLOCK.now())
    with pytest.raises(ValidationError):
        cancel(paid, "now", D(2024, 3, 5), at=CLOCK.now())  # type: ignore[arg-type]
    # cancelling never extends an end date, and generation stops at the end
    assert plan_fees(now, D(2024, 3, 1), D(2025, 1, 1)).fees == ()


def test_suspend_and_resume_credit_the_suspended_days() -> None:
    sub = gen(make(), D(2024, 3, 1), D(2024, 4, 1))
    sub, _ = suspend(sub, D(2024, 3, 10), at=CLOCK.now())
    assert sub.status is SubscriptionStatus.SUSPENDED
    with pytest.raises(BusinessRuleError):
        resume(sub, D(2024, 3, 1), at=CLOCK.now())
    sub, _ = resume(sub, D(2024, 3, 20), at=CLOCK.now())
    sub = gen(sub, D(2024, 3, 1), D(2024, 5, 1), as_of=D(2024, 3, 20))
    assert amounts(sub.fees) == ["310.00", "310.00", "-100.00"]  # 10 of 31 days
    assert mrr([sub], D(2024, 3, 15)) == {}
    with pytest.raises(BusinessRuleError):
        suspend(sub, D(2023, 1, 1), at=CLOCK.now())
    with pytest.raises(BusinessRuleError):  # would overlap the closed suspension
        suspend(sub, D(2024, 3, 15), at=CLOCK.now())


def test_service_credit_on_next_invoice() -> None:
    sub = gen(make(), D(2024, 3, 1), D(2024, 4, 1))
    credit = InvoiceCredit(amount=eur("25.00"), reason="SLA breach", reference="SLA-7")
    sub, events = add_service_credit(sub, credit, D(2024, 4, 1), at=CLOCK.now())
    fee = sub.fees[-1]
    assert (fee.kind, str(fee.amount.amount), fee.invoice_date, fee.reference) == (
        FeeKind.SERVICE_CREDIT,
        "-25.00",
        D(2024, 4, 1),
        "SLA-7",
    )
    assert events[0].event_type == "ServiceCreditAdded"
    same, events = add_service_credit(sub, credit, D(2024, 4, 1), at=CLOCK.now())
    assert same == sub
    assert events == ()

    class Foreign:  # any object of the documented shape
        amount = Money.of("5.00", "USD")
        reason = "x"
        reference = "R"

    with pytest.raises(CurrencyMismatchError):
        add_service_credit(sub, Foreign(), D(2024, 4, 1), at=CLOCK.now())
    with pytest.raises(ValidationError):
        add_service_credit(sub, object(), D(2024, 4, 1), at=CLOCK.now())  # type: ignore[arg-type]


def test_non_regular_fee_covers_its_days() -> None:
    sub = make()
    sub, _ = add_non_regular_fee(
        sub, Period(D(2024, 1, 1), D(2024, 1, 11)), eur("50.00"), at=CLOCK.now()
    )
    sub = gen(sub, D(2024, 1, 1), D(2024, 2, 1))
    assert [(f.kind, f.start) for f in sub.fees] == [
        (FeeKind.NON_REGULAR, D(2024, 1, 1)),
        (FeeKind.REGULAR, D(2024, 1, 11)),
    ]
    assert amounts(sub.fees) == ["50.00", "210.00"]
    with pytest.raises(BusinessRuleError, match="S3"):
        add_non_regular_fee(sub, Period(D(2024, 1, 5), D(2024, 1, 6)), eur("1.00"), at=CLOCK.now())


# -- revenue -----------------------------------------------------------
def test_credit_reversal_methods() -> None:
    paid = gen(make(), D(2024, 3, 1), D(2024, 4, 1))
    now, _ = cancel(paid, CancelMode.IMMEDIATE, D(2024, 3, 11), at=CLOCK.now())
    credit = now.fees[-1]
    original = fee_revenue(credit, RevenuePolicy(Interval.days(1)))
    assert len(original) == 21
    assert {str(e.amount.amount) for e in original} == {"-10.00"}
    on_date = fee_revenue(
        credit, RevenuePolicy(Interval.months(1), reversal=CreditReversal.CREDIT_DATE)
    )
    assert [(str(e.amount.amount), e.recognised_on) for e in on_date] == [
        ("-210.00", D(2024, 3, 31))
    ]


def test_revenue_report_and_recurring_revenue() -> None:
    sub = gen(make("120.00"), D(2024, 1, 1), D(2024, 4, 1))
    yearly_group = SubscriptionGroup(company_id="ACME", id="Y", invoice_interval=Interval.years(1))
    yearly = gen(make("1200.00", group=yearly_group, sub_id="S2"), D(2024, 1, 1), D(2024, 2, 1))
    report = revenue_report([sub, yearly], D(2024, 2, 15))
    # invoiced: 120 + 120 + 1200; recognised: January of both (120 + 1200 x 31/366 = 101.64)
    assert report.invoiced == {"EUR": eur("1440.00")}
    assert report.recognised == {"EUR": eur("221.64")}
    assert report.deferred == {"EUR": eur("1218.36")}
    assert mrr([sub, yearly], D(2024, 2, 15)) == {"EUR": eur("220.00")}
    assert arr([sub, yearly], D(2024, 2, 15)) == {"EUR": eur("2640.00")}
    weekly = make(
        "70.00",
        group=SubscriptionGroup(company_id="ACME", id="W", invoice_interval=Interval.weeks(1)),
        sub_id="S3",
    )
    assert mrr([weekly], D(2024, 2, 15)) == {"EUR": eur("303.33")}  # 70 x 52 / 12
    daily = make(
        "1.00",
        group=SubscriptionGroup(company_id="ACME", id="D", invoice_interval=Interval.days(1)),
        sub_id="S4",
    )
    assert arr([daily], D(2024, 2, 15)) == {"EUR": eur("365.00")}
    assert mrr([make(active=False)], D(2024, 2, 15)) == {}
    by_period = revenue_by_period(subscription_revenue(sub))
    assert list(by_period.values()) == [eur("120.00")] * 3
    with pytest.raises(ValidationError):
        mrr(["x"], D(2024, 1, 1))  # type: ignore[list-item]


def test_split_minor_never_flips_sign_and_is_exact() -> None:
    parts = split_minor(50, [1] * 90, RemainderPlacement.FIRST)
    assert sum(parts) == 50
    assert min(parts) >= 0
    assert split_minor(-7, [1, 1, 1], RemainderPlacement.LARGEST_REMAINDER) == [-3, -2, -2]
    assert split_minor(10, [1, 1, 1], RemainderPlacement.LAST) == [3, 3, 4]
    with pytest.raises(ValidationError):
        split_minor(1, [0], RemainderPlacement.FIRST)


# -- persistence and use cases -----------------------------------------------------------
def _store_with(sub: Subscription) -> InMemoryStore:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTION_GROUPS].add(MONTHLY)
        uow[SUBSCRIPTIONS].add(sub)
        uow.commit()
    return store


def test_preview_has_no_side_effects_and_runs_are_idempotent() -> None:
    store = _store_with(make(active=False))
    with store.unit_of_work("ACME") as uow:
        activate_subscription(uow, "S1", clock=CLOCK)
        preview = preview_invoice_schedule(uow, "S1", D(2024, 1, 1), D(2024, 4, 1))
        assert len(preview.fees) == 3
        assert uow[SUBSCRIPTIONS].get("S1").fees == ()
        uow.commit()
    for _ in range(2):
        with store.unit_of_work("ACME") as uow:
            plans = run_invoice_schedules(uow, D(2024, 1, 1), D(2024, 4, 1), clock=CLOCK)
            uow.commit()
    assert plans == {"S1": plans["S1"]}
    assert plans["S1"].fees == ()
    with store.unit_of_work("ACME") as uow:
        stored = uow[SUBSCRIPTIONS].get("S1")
        assert [f.id for f in stored.fees] == [f.id for f in preview.fees]
        assert uow[SUBSCRIPTIONS].list_for_customer("C1") == [stored]
        assert uow[SUBSCRIPTIONS].list_in_group("MONTHLY") == [stored]


def test_concurrent_runs_conflict_instead_of_duplicating() -> None:
    store = _store_with(make())
    first, second = store.unit_of_work("ACME"), store.unit_of_work("ACME")
    with first, second:
        run_invoice_schedule(first, "S1", D(2024, 1, 1), D(2024, 3, 1), clock=CLOCK)
        run_invoice_schedule(second, "S1", D(2024, 2, 1), D(2024, 4, 1), clock=CLOCK)
        first.commit()
        with pytest.raises(ConcurrencyError):
            second.commit()
    with store.unit_of_work("ACME") as uow:
        assert len(uow[SUBSCRIPTIONS].get("S1").fees) == 2


def test_use_cases_cancel_and_service_credit() -> None:
    store = _store_with(gen(make(), D(2024, 3, 1), D(2024, 4, 1)))
    credit = InvoiceCredit(amount=eur("10.00"), reason="SLA", reference="SLA-1")
    with store.unit_of_work("ACME") as uow:
        apply_service_credit(uow, "S1", credit, D(2024, 3, 5), clock=CLOCK)
        apply_service_credit(uow, "S1", credit, D(2024, 3, 5), clock=CLOCK)
        sub = cancel_subscription(uow, "S1", CancelMode.IMMEDIATE, D(2024, 3, 11), clock=CLOCK)
        uow.commit()
    assert amounts(sub.fees) == ["310.00", "-10.00", "-210.00"]


def test_bulk_engine_matches_the_domain_path() -> None:
    subs = [
        make(start=D(2024, 1, 15)),
        make(
            start=D(2024, 1, 31), alignment=Alignment.anniversary(), sub_id="S2", end=D(2025, 2, 10)
        ),
        make(start=D(2024, 2, 1), billing=Billing.IN_ARREARS, sub_id="S3"),
        make(start=D(2024, 2, 1), proration=Proration.THIRTY_360, sub_id="S4"),
        make(active=False, sub_id="S5"),
    ]
    subs = subs[:4]
    sched = bulk_schedules(subs, D(2024, 1, 1), D(2026, 1, 1))
    for sub, arrays in zip(subs, sched.schedules, strict=True):
        fees = plan_fees(sub, D(2024, 1, 1), D(2026, 1, 1)).fees
        assert arrays.fee_periods() == [f.period for f in fees]
        assert list(arrays.fee_amounts) == [f.amount.minor_units for f in fees]
        assert list(arrays.invoice_dates) == [f.invoice_date.toordinal() for f in fees]
        entries = [e for f in fees for e in fee_revenue(f)]
        assert list(arrays.rev_amounts) == [e.amount.minor_units for e in entries]
        assert list(arrays.rev_dates) == [e.recognised_on.toordinal() for e in entries]
        assert arrays.invoiced() == arrays.revenue()
    assert sched.fee_count == sum(len(s.fee_amounts) for s in sched.schedules)
    assert sched.entry_count > sched.fee_count
    inv, rec = sched.totals()["EUR"]
    assert inv == rec
    empty = bulk_schedules([make(start=D(2030, 1, 1))], D(2024, 1, 1), D(2025, 1, 1))
    assert empty.schedules[0].fee_amounts == ()
    with pytest.raises(ValidationError):
        bulk_schedules(subs, D(2024, 1, 1), D(2023, 1, 1))


def test_dates_reject_datetimes() -> None:
    sub = make()
    aware = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="calendar date"):
        plan_fees(sub, aware, D(2024, 2, 1))
    with pytest.raises(ValidationError):
        suspend(sub, aware, at=CLOCK.now())
    with pytest.raises(ValidationError):
        mrr([sub], aware)


def test_price_before_billing_starts_replaces_the_first_price() -> None:
    sub = make(start=D(2024, 2, 1), active=False)
    sub, _ = change_price(sub, eur("99.00"), D(2024, 1, 1), at=CLOCK.now())
    assert [(c.effective, c.price) for c in sub.price_changes] == [(D(2024, 2, 1), eur("99.00"))]


def test_index_a_whole_group() -> None:
    subs = [make("100.00", index=100, sub_id=f"S{i}") for i in range(3)]
    other = make("100.00", group=SubscriptionGroup(company_id="ACME", id="OTHER"), sub_id="S9")
    changed, events = index_group(
        [*subs, other], "MONTHLY", IndexMethod.INDEX_BY_PCT, "2.5", D(2024, 3, 1), at=CLOCK.now()
    )
    assert [s.id for s in changed] == ["S0", "S1", "S2"]
    assert {str(s.price.amount) for s in changed} == {"102.50"}
    assert len(events) == 3


def test_subscription_round_trips_through_serialization() -> None:
    from servicecore.serialization import structure, unstructure

    sub = gen(make(), D(2024, 1, 1), D(2024, 3, 1))
    sub, _ = suspend(sub, D(2024, 2, 10), at=CLOCK.now())
    assert structure(unstructure(sub), Subscription) == sub


def test_whole_periods_charge_a_period_once() -> None:
    sub = make(proration=Proration.WHOLE_PERIODS)
    sub, _ = add_non_regular_fee(
        sub, Period(D(2024, 1, 1), D(2024, 1, 11)), eur("50.00"), at=CLOCK.now()
    )
    sub = gen(sub, D(2024, 1, 1), D(2024, 3, 1))
    assert amounts(sub.fees) == ["50.00", "0.00", "310.00"]  # January's gap is not re-billed
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2024, 2, 2), at=CLOCK.now())
    assert len(gone.fees) == len(sub.fees)  # February was used: no credit
    early, _ = cancel(sub, CancelMode.IMMEDIATE, D(2024, 1, 20), at=CLOCK.now())
    assert amounts(early.fees[3:]) == ["-310.00"]  # February wholly unused


def test_garbage_in_raises_servicecore_errors() -> None:
    sub = make()
    bad: list[Any] = [
        lambda: plan_fees("S1", JAN1, D(2024, 2, 1)),  # type: ignore[arg-type]
        lambda: suspend("S1", JAN1, at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: resume(None, JAN1, at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: cancel(3, CancelMode.IMMEDIATE, JAN1, at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: change_price(sub, "10", JAN1, at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: index_subscription(sub, "up", 1, JAN1, at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: index_subscription(sub, IndexMethod.INDEX_TO, 1.5, JAN1, at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: fee_revenue("fee"),  # type: ignore[arg-type]
        lambda: fee_revenue(gen(sub, JAN1, D(2024, 2, 1)).fees[0], "monthly"),  # type: ignore[arg-type]
        lambda: revenue_report([object()], JAN1),  # type: ignore[list-item]
        lambda: subscription_revenue("S1"),  # type: ignore[arg-type]
        lambda: index_group([1], "G", IndexMethod.INDEX_TO, 1, JAN1, at=CLOCK.now()),  # type: ignore[list-item]
        lambda: bulk_schedules([1], JAN1, D(2024, 2, 1)),  # type: ignore[list-item]
        lambda: bulk_schedules([sub], JAN1, D(2024, 2, 1), "x"),  # type: ignore[arg-type]
        lambda: evolve(sub, billing="advance"),  # type: ignore[arg-type]
        lambda: evolve(sub, interval="month"),  # type: ignore[arg-type]
        lambda: SubscriptionGroup(company_id="ACME", id="G", invoice_interval="month"),  # type: ignore[arg-type]
        lambda: SalesPrice(price=eur("1.00"), interval="month", valid_from=JAN1),  # type: ignore[arg-type]
        lambda: reduce_days(sub, "nope", JAN1, JAN1, at=CLOCK.now()),
        lambda: add_non_regular_fee(sub, "Jan", eur("1.00"), at=CLOCK.now()),  # type: ignore[arg-type]
        lambda: add_non_regular_fee(sub, Period(JAN1, D(2024, 1, 2)), eur("0.001"), at=CLOCK.now()),
    ]
    for call in bad:
        with pytest.raises(ServiceCoreError):
            call()


def test_run_invoice_schedule_plans_the_fees_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from servicecore.subscriptions import billing, usecases

    calls = []
    real = billing.plan_fees

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[1:3])
        return real(*args, **kwargs)

    monkeypatch.setattr(billing, "plan_fees", counting)
    monkeypatch.setattr(billing.schedule, "plan_fees", counting)  # where generate_fees finds it
    monkeypatch.setattr(usecases, "plan_fees", counting)
    store = _store_with(make())
    with store.unit_of_work("ACME") as uow:
        plan = run_invoice_schedule(uow, "S1", D(2024, 1, 1), D(2024, 4, 1), clock=CLOCK)
        uow.commit()
    assert len(plan.fees) == 3
    assert len(calls) == 1  # it used to plan twice: once itself, again inside generate_fees


def test_revenue_report_applies_each_groups_own_accrual_policy() -> None:
    from servicecore.recurrence import Interval
    from servicecore.subscriptions import revenue_report

    by_month = SubscriptionGroup(
        company_id="ACME",
        id="QUARTERLY-BY-MONTH",
        invoice_interval=Interval.quarters(1),
        accrue_revenue=True,
        accrual_interval=Interval.months(1),
        per_day=False,
    )
    sub, _ = create_subscription(
        company_id="ACME",
        id="S-Q",
        group=by_month,
        customer_id="C1",
        price=eur("300.00"),
        start=D(2024, 1, 1),
        at=CLOCK.now(),
    )
    sub, _ = activate(sub, at=CLOCK.now())
    sub, _ = generate_fees(sub, D(2024, 1, 1), D(2024, 4, 1), at=CLOCK.now())
    # By hand: the group splits the quarter's 300.00 evenly by month: 100.00 in January.
    # The portfolio-wide default policy weighs days: 31 of 91 = 102.197... -> 102.20.
    per_group = revenue_report([sub], D(2024, 1, 31), groups=[by_month])
    assert per_group.recognised == {"EUR": eur("100.00")}
    assert per_group.deferred == {"EUR": eur("200.00")}
    default = revenue_report([sub], D(2024, 1, 31))
    assert default.recognised == {"EUR": eur("102.20")}


def test_thirty_360_counts_every_month_30_days_around_february() -> None:
    # Billing day 31: the periods run month end to month end, February's 28th standing for
    # its 31st. By hand, 30/360 counts every such period as 30 days and a month end as the
    # 30th: the first half of the February-to-March period (Feb 28 -> Mar 15) is 15 of 30
    # days, 15.00 of a 30.00 fee. It was 14.06: that period counted 32 days.
    kw: dict[str, Any] = {
        "alignment": Alignment.billing_day(31),
        "proration": Proration.THIRTY_360,
    }
    march = gen(make("30.00", D(2023, 3, 15), **kw), D(2023, 3, 1), D(2023, 3, 31))
    assert amounts(march.fees)[0] == "15.00"  # Mar 15 -> Mar 31 (the 30th): 15 of 30
    feb = gen(make("30.00", D(2023, 2, 14), **kw), D(2023, 2, 1), D(2023, 2, 28))
    assert amounts(feb.fees)[0] == "16.00"  # Feb 14 -> Feb 28 (the 30th): 16 of 30, not 14 of 28
