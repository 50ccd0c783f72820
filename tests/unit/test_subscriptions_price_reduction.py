"""S7 second half: PRICE_REDUCTION lowers an issued fee with a fee that references it.

Expected values are worked by hand from the issue text:
Q1 2023 (Jan 31 + Feb 28 + Mar 31 = 90 days) billed 300.00, lowered by 90.00:
the reduction reverses revenue per day: -90 x 31/90 = -31.00, -90 x 28/90 = -28.00,
-90 x 31/90 = -31.00. Cancelled on Mar 1: the lowered price 210.00 x 31/90 = 72.33 is
credited for March.
"""

from __future__ import annotations

import datetime as dt

import pytest

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, CurrencyMismatchError, ValidationError
from servicecore.money import Money
from servicecore.recurrence import Interval, Period
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTIONS,
    Alignment,
    CancelMode,
    FeeKind,
    InvoiceCredit,
    RevenuePolicy,
    Subscription,
    SubscriptionGroup,
    activate,
    add_non_regular_fee,
    add_service_credit,
    cancel,
    create_subscription,
    fee_revenue,
    generate_fees,
    reduce_days,
    reduce_fee_price,
    reduce_price,
    revenue_report,
)

D = dt.date
CLOCK = FixedClock(dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
QUARTERLY = SubscriptionGroup(company_id="ACME", id="Q", invoice_interval=Interval.quarters(1))


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def quarter_sub() -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME", id="SUB-Q", group=QUARTERLY, customer_id="C1",
        price=eur("300.00"), start=D(2023, 1, 1), alignment=Alignment.calendar(), at=CLOCK.now(),
    )  # fmt: skip
    sub, _ = activate(sub, at=CLOCK.now())
    sub, _ = generate_fees(sub, D(2023, 1, 1), D(2023, 4, 1), at=CLOCK.now())
    return sub


def march_sub() -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME", id="SUB-M", group=SubscriptionGroup(company_id="ACME", id="M"),
        customer_id="C1", price=eur("200.00"), start=D(2024, 3, 1), at=CLOCK.now(),
    )  # fmt: skip
    sub, _ = activate(sub, at=CLOCK.now())
    sub, _ = generate_fees(sub, D(2024, 3, 1), D(2024, 4, 1), at=CLOCK.now())
    return sub


def amounts(sub: Subscription) -> list[tuple[str, str]]:
    return [(f.kind.value, str(f.amount.amount)) for f in sub.fees]


def test_reduction_is_a_fee_referencing_the_issued_fee() -> None:
    sub = quarter_sub()
    fee = sub.fees[0]
    new, events = reduce_price(sub, fee.id, eur("90.00"), at=CLOCK.now(), on=D(2023, 2, 15))
    assert new.fees[0] == fee  # the issued fee is not rewritten
    pr = new.fees[1]
    assert (pr.kind, str(pr.amount.amount), pr.reference) == (
        FeeKind.PRICE_REDUCTION,
        "-90.00",
        "SUB-Q/R/2023-01-01",
    )
    assert (pr.period, pr.invoice_date, pr.reduced_from) == (
        Period(D(2023, 1, 1), D(2023, 4, 1)),
        D(2023, 2, 15),
        eur("300.00"),
    )
    assert [e.event_type for e in events] == ["PriceReduced"]
    assert events[0].amount == eur("-90.00")  # type: ignore[attr-defined]
    # a rerun of the schedule does not undo the reduction
    assert generate_fees(new, D(2023, 1, 1), D(2023, 4, 1), at=CLOCK.now())[1] == ()
    # the invoice date is never before the fee's own
    early = reduce_price(sub, fee.id, eur("1.00"), at=CLOCK.now(), on=D(2022, 1, 1))[0]
    assert early.fees[-1].invoice_date == D(2023, 1, 1)


def test_reduction_revenue_reverses_pro_rata_over_the_fee_period() -> None:
    sub = quarter_sub()
    sub, _ = reduce_price(sub, sub.fees[0].id, eur("90.00"), at=CLOCK.now(), on=D(2023, 2, 15))
    entries = fee_revenue(sub.fees[1], RevenuePolicy())
    assert [(str(e.recognised_on), str(e.amount.amount)) for e in entries] == [
        ("2023-01-31", "-31.00"),
        ("2023-02-28", "-28.00"),
        ("2023-03-31", "-31.00"),
    ]
    # before the reduction is invoiced only the fee counts
    before = revenue_report([sub], D(2023, 2, 14))
    assert (before.invoiced["EUR"], before.recognised["EUR"], before.deferred["EUR"]) == (
        eur("300.00"),
        eur("103.34"),
        eur("196.66"),
    )
    after = revenue_report([sub], D(2023, 2, 15))
    # recognised: January 103.34 - 31.00; deferred: (93.33 + 103.33) - (28.00 + 31.00)
    assert (after.invoiced["EUR"], after.recognised["EUR"], after.deferred["EUR"]) == (
        eur("210.00"),
        eur("72.34"),
        eur("137.66"),
    )


def test_cancellation_credits_at_the_lowered_price() -> None:
    sub = quarter_sub()
    sub, _ = reduce_price(sub, sub.fees[0].id, eur("90.00"), at=CLOCK.now(), on=D(2023, 2, 15))
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2023, 3, 1), at=CLOCK.now())
    assert amounts(gone)[2:] == [("credit", "-72.33")]  # 210.00 x 31 / 90


def test_reductions_compose() -> None:
    sub = quarter_sub()
    fee_id = sub.fees[0].id
    sub, _ = reduce_price(sub, fee_id, eur("90.00"), at=CLOCK.now())
    sub, _ = reduce_price(sub, fee_id, eur("21.00"), at=CLOCK.now())  # 210.00 -> 189.00
    assert [f.id for f in sub.fees[1:]] == [f"{fee_id}/P1", f"{fee_id}/P2"]
    assert sub.fees[2].reduced_from == eur("210.00")
    assert generate_fees(sub, D(2023, 1, 1), D(2023, 4, 1), at=CLOCK.now())[1] == ()
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2023, 3, 1), at=CLOCK.now())
    assert amounts(gone)[3:] == [("credit", "-65.10")]  # 189.00 x 31 / 90


def test_reduction_days_after_a_price_reduction_use_the_lowered_price() -> None:
    sub = march_sub()
    fee_id = sub.fees[0].id
    sub, _ = reduce_price(sub, fee_id, eur("50.00"), at=CLOCK.now())
    sub, _ = reduce_days(sub, fee_id, D(2024, 3, 10), D(2024, 3, 11), at=CLOCK.now())
    # -150.00 x 2 / 31 = -9.677... -> -9.68 (the D365 -12.90 at the full 200.00)
    assert amounts(sub)[2] == ("reduction_days", "-9.68")
    # 150.00 x 29 / 31 = 140.32 == 200.00 - 50.00 - 9.68: nothing left to correct
    assert generate_fees(sub, D(2024, 3, 1), D(2024, 4, 1), at=CLOCK.now())[1] == ()


def test_reduction_never_exceeds_the_fee() -> None:
    sub = quarter_sub()
    fee_id = sub.fees[0].id
    with pytest.raises(BusinessRuleError, match=r"exceeds what fee .* is worth now \(300.00"):
        reduce_price(sub, fee_id, eur("300.01"), at=CLOCK.now())
    sub, _ = reduce_price(sub, fee_id, eur("100.00"), at=CLOCK.now())
    with pytest.raises(BusinessRuleError, match=r"\(200.00 EUR\)"):
        reduce_price(sub, fee_id, eur("200.01"), at=CLOCK.now())
    sub, _ = reduce_price(sub, fee_id, eur("200.00"), at=CLOCK.now())  # down to zero
    with pytest.raises(BusinessRuleError, match=r"\(0.00 EUR\)"):
        reduce_price(sub, fee_id, eur("0.01"), at=CLOCK.now())
    # a cancellation of a fee lowered to zero credits nothing more
    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2023, 1, 1), at=CLOCK.now())
    assert len(gone.fees) == len(sub.fees)
    # after a cancellation credit, the limit is what is left
    other = quarter_sub()
    other, _ = cancel(other, CancelMode.IMMEDIATE, D(2023, 3, 1), at=CLOCK.now())  # -103.33
    with pytest.raises(BusinessRuleError, match=r"\(196.67 EUR\)"):
        reduce_price(other, fee_id, eur("196.68"), at=CLOCK.now())


def test_what_can_be_reduced_and_by_what() -> None:
    sub = march_sub()
    fee_id = sub.fees[0].id
    credited, _ = add_service_credit(
        sub, InvoiceCredit(amount=eur("5.00"), reason="SLA", reference="B-1"), D(2024, 4, 1),
        at=CLOCK.now(),
    )  # fmt: skip
    with pytest.raises(BusinessRuleError, match="REGULAR or NON_REGULAR"):
        reduce_price(credited, credited.fees[-1].id, eur("1.00"), at=CLOCK.now())
    with pytest.raises(CurrencyMismatchError):
        reduce_price(sub, fee_id, Money.of("1.00", "SEK"), at=CLOCK.now())
    for bad in (eur("0.00"), eur("-1.00"), Money.of("1.005", "EUR"), "1.00"):
        with pytest.raises(ValidationError):
            reduce_price(sub, fee_id, bad, at=CLOCK.now())  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="reason"):
        reduce_price(sub, fee_id, eur("1.00"), at=CLOCK.now(), reason=None)  # type: ignore[arg-type]
    with pytest.raises(BusinessRuleError, match="no fee"):
        reduce_price(sub, "nope", eur("1.00"), at=CLOCK.now())
    one_off, _ = add_non_regular_fee(
        sub, Period(D(2024, 4, 1), D(2024, 4, 2)), eur("40.00"), at=CLOCK.now(), reason="setup"
    )
    one_off, _ = reduce_price(one_off, one_off.fees[-1].id, eur("40.00"), at=CLOCK.now())
    assert amounts(one_off)[-2:] == [("non_regular", "40.00"), ("price_reduction", "-40.00")]
    with pytest.raises(BusinessRuleError, match="exceeds"):
        reduce_price(one_off, one_off.fees[-2].id, eur("0.01"), at=CLOCK.now())


def test_use_case_saves_and_records() -> None:
    events: list[object] = []
    store = InMemoryStore(publish=events.extend)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTIONS].add(march_sub())
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        sub = reduce_fee_price(uow, "SUB-M", "SUB-M/R/2024-03-01", eur("20.00"), clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert uow[SUBSCRIPTIONS].get("SUB-M").fees == sub.fees
    assert [type(e).__name__ for e in events] == ["PriceReduced"]
