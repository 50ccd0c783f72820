"""The subscription strategies of servicecore.testing draw valid, consistent values, and
``st.from_type`` reaches each of them (Subscription included)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.subscriptions import (
    ACCRUED_REVENUE_ACCOUNT,
    WIP_ACCOUNT,
    Fee,
    FeeKind,
    JournalEntry,
    PriceChange,
    RevenueEntry,
    SalesPrice,
    Subscription,
    SubscriptionStatus,
    Suspension,
)
from servicecore.testing.strategies import (
    fees,
    journal_entries,
    sales_prices,
    suspensions,
)


@given(fees(currency="EUR"))
def test_fees_are_consistent(fee: Fee) -> None:
    assert fee.amount.currency.code == "EUR"
    assert fee.amount.is_rounded
    assert fee.id.startswith(fee.subscription_id + "/")
    if fee.kind is FeeKind.SERVICE_CREDIT:
        assert fee.amount.is_negative()
    else:
        assert fee.full_period.start <= fee.start < fee.end <= fee.full_period.end
    if fee.kind is FeeKind.REGULAR:
        assert not fee.amount.is_negative()
        assert fee.reference is None
    else:
        assert fee.reference is not None


@given(journal_entries())
def test_journal_entries_are_balanced_lines(entry: JournalEntry) -> None:
    assert entry.amount.is_positive()  # a negative line posts with the accounts swapped
    assert {entry.debit_account, entry.credit_account} == {WIP_ACCOUNT, ACCRUED_REVENUE_ACCOUNT}
    # the id is "<fee id>@<last day of the accrual period>"; the entry's period is the part
    # of that accrual period the fee covers, so it ends on or before that day
    fee_id, _, closes = entry.id.rpartition("@")
    assert fee_id == entry.fee_id
    assert entry.accrual_period.last_day.isoformat() <= closes
    assert closes <= entry.posting_date.isoformat()


@given(sales_prices("EUR"))
def test_sales_prices_cover_every_specificity(row: SalesPrice) -> None:
    assert 1 <= row.priority <= 8
    assert row.valid_to is None or row.valid_to > row.valid_from
    assert not row.price.is_negative()


@given(suspensions())
def test_suspensions_end_after_they_start(s: Suspension) -> None:
    assert s.end is None or s.end >= s.start


@settings(max_examples=60)
@given(st.from_type(Subscription))
def test_from_type_subscription_is_a_valid_active_subscription(sub: Subscription) -> None:
    # The registered strategy builds through create_subscription + activate, so the price
    # history starts at the billing start and the subscription can be billed at once.
    assert sub.status is SubscriptionStatus.ACTIVE
    assert sub.fees == ()
    assert sub.price_changes[0].effective == sub.billing_start


@given(st.from_type(PriceChange), st.from_type(RevenueEntry))
def test_other_registered_values(change: PriceChange, entry: RevenueEntry) -> None:
    assert not change.price.is_negative()
    assert entry.period.last_day <= entry.recognised_on
