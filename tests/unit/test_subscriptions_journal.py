"""S8/S9: accrual posting as neutral journal entries, hand-checked.

Q1 2023 billed 300.00 (invoiced Jan 1), accrued monthly per day with first-period
rounding (the D365 example): 103.34 / 93.33 / 103.33. Lowered by 90.00 on Feb 15: the
reduction's lines are -31.00 / -28.00 / -31.00 (90 x 31/90, 90 x 28/90, 90 x 31/90).
"""

from __future__ import annotations

import datetime as dt

import pytest

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, ConcurrencyError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    ACCRUED_REVENUE_ACCOUNT,
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    WIP_ACCOUNT,
    AccrualsPosted,
    JournalEntry,
    Subscription,
    SubscriptionGroup,
    activate,
    create_subscription,
    generate_fees,
    plan_accruals,
    post_accruals,
    post_subscription_accruals,
    reduce_price,
)

D = dt.date
CLOCK = FixedClock(dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
GROUP = SubscriptionGroup(
    company_id="ACME", id="Q", invoice_interval=Interval.quarters(1), accrue_revenue=True,
    accrual_interval=Interval.months(1),
)  # fmt: skip
WIP, ACCRUED = "WIP - subscription", "Accrued revenue - subscription"


def quarter_sub() -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME", id="SUB-Q", group=GROUP, customer_id="C1",
        price=Money.of("300.00", "EUR"), start=D(2023, 1, 1), at=CLOCK.now(),
    )  # fmt: skip
    sub, _ = activate(sub, at=CLOCK.now())
    sub, _ = generate_fees(sub, D(2023, 1, 1), D(2023, 7, 1), at=CLOCK.now())  # Q1 and Q2
    return sub


def rows(entries: tuple[JournalEntry, ...]) -> list[tuple[str, str, str, str]]:
    return [(e.id, e.debit_account, e.credit_account, str(e.amount.amount)) for e in entries]


def test_accounts_are_the_documented_ones() -> None:
    assert (WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT) == (WIP, ACCRUED)


def test_posting_job_posts_due_lines_once() -> None:
    sub = quarter_sub()
    q1 = "SUB-Q/R/2023-01-01"
    sub, events = post_accruals(sub, GROUP, D(2023, 2, 28), at=CLOCK.now())
    (event,) = events
    assert isinstance(event, AccrualsPosted)
    assert event.posting_date == D(2023, 2, 28)
    assert rows(event.entries) == [
        (f"{q1}@2023-01-31", WIP, ACCRUED, "103.34"),
        (f"{q1}@2023-02-28", WIP, ACCRUED, "93.33"),
    ]
    assert all(e.posting_date == D(2023, 2, 28) for e in event.entries)
    assert sub.posted_accruals == (f"{q1}@2023-01-31", f"{q1}@2023-02-28")
    # a rerun posts nothing and changes nothing
    assert post_accruals(sub, GROUP, D(2023, 2, 28), at=CLOCK.now()) == (sub, ())
    # March: only the new line; Q2 (invoiced Apr 1) is not due yet
    entries = plan_accruals(sub, GROUP, D(2023, 3, 31))
    assert rows(entries) == [(f"{q1}@2023-03-31", WIP, ACCRUED, "103.33")]


def test_accrual_cannot_be_posted_before_the_fee_is_invoiced() -> None:
    sub = quarter_sub()
    q2 = "SUB-Q/R/2023-04-01"
    with pytest.raises(BusinessRuleError, match=r"invoiced on 2023-04-01.*before it is invoiced"):
        post_accruals(sub, GROUP, D(2023, 3, 31), at=CLOCK.now(), fee_ids=[q2])
    # once invoiced it posts, line by line as its accrual periods end
    entries = plan_accruals(sub, GROUP, D(2023, 4, 30), fee_ids=[q2, q2])
    # Q2 has 91 days: 300 x 30/91 = 98.90, 300 x 31/91 = 102.20, 98.90; they sum to 300.00
    assert rows(entries) == [(f"{q2}@2023-04-30", WIP, ACCRUED, "98.90")]


def test_negative_lines_swap_the_accounts() -> None:
    sub = quarter_sub()
    q1 = "SUB-Q/R/2023-01-01"
    sub, _ = reduce_price(sub, q1, Money.of("90.00", "EUR"), at=CLOCK.now(), on=D(2023, 2, 15))
    entries = plan_accruals(sub, GROUP, D(2023, 2, 28), debit_account="1490", credit_account="2960")
    assert rows(entries) == [
        (f"{q1}@2023-01-31", "1490", "2960", "103.34"),
        (f"{q1}@2023-02-28", "1490", "2960", "93.33"),
        (f"{q1}/P1@2023-01-31", "2960", "1490", "31.00"),
        (f"{q1}/P1@2023-02-28", "2960", "1490", "28.00"),
    ]
    # before the reduction is invoiced, its lines are not due
    assert len(plan_accruals(sub, GROUP, D(2023, 2, 14))) == 1


def test_refusals() -> None:
    sub = quarter_sub()
    plain = SubscriptionGroup(company_id="ACME", id="Q", invoice_interval=Interval.quarters(1))
    with pytest.raises(BusinessRuleError, match="does not accrue"):
        plan_accruals(sub, plain, D(2023, 3, 31))
    other = SubscriptionGroup(company_id="ACME", id="OTHER")
    with pytest.raises(ValidationError, match="not the group"):
        plan_accruals(sub, other, D(2023, 3, 31))
    with pytest.raises(ValidationError, match="SubscriptionGroup"):
        plan_accruals(sub, "Q", D(2023, 3, 31))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="fee_ids"):
        plan_accruals(sub, GROUP, D(2023, 3, 31), fee_ids="SUB-Q/R/2023-01-01")
    with pytest.raises(ValidationError, match="account"):
        plan_accruals(sub, GROUP, D(2023, 3, 31), debit_account=" ")
    with pytest.raises(BusinessRuleError, match="no fee"):
        plan_accruals(sub, GROUP, D(2023, 3, 31), fee_ids=["nope"])
    with pytest.raises(ValidationError):
        plan_accruals(sub, GROUP, dt.datetime(2023, 3, 31))


def test_use_case_posts_once_even_when_runs_race() -> None:
    published: list[DomainEvent] = []
    store = InMemoryStore(publish=published.extend)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTION_GROUPS].add(GROUP)
        uow[SUBSCRIPTIONS].add(quarter_sub())
        uow.commit()
    a, b = store.unit_of_work("ACME"), store.unit_of_work("ACME")
    with a, b:
        first = post_subscription_accruals(a, "SUB-Q", D(2023, 3, 31), clock=CLOCK)
        second = post_subscription_accruals(b, "SUB-Q", D(2023, 3, 31), clock=CLOCK)
        assert len(first) == len(second) == 3
        a.commit()
        with pytest.raises(ConcurrencyError):
            b.commit()
    with store.unit_of_work("ACME") as uow:
        assert post_subscription_accruals(uow, "SUB-Q", D(2023, 3, 31), clock=CLOCK) == ()
        assert len(uow[SUBSCRIPTIONS].get("SUB-Q").posted_accruals) == 3
    assert [e.event_type for e in published] == ["AccrualsPosted"]
