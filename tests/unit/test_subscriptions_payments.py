"""Invoice payments, grace period, overdue action and restarting a new term (issue 17
item 5). Every expected value is worked out by hand in the comment beside it."""

from __future__ import annotations

import datetime as dt

import pytest

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, InvalidTransitionError, ValidationError
from servicecore.money import Money
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    FeeKind,
    InvoicePayment,
    InvoicePaymentRecorded,
    OverdueAction,
    PaymentLapsed,
    PaymentStatus,
    Subscription,
    SubscriptionCancelled,
    SubscriptionGroup,
    SubscriptionRestarted,
    SubscriptionStatus,
    SubscriptionSuspended,
    apply_overdue,
    generate_fees,
    lapse_day,
    lapsed_invoices,
    record_invoice,
    record_payment,
    record_subscription_invoice,
    record_subscription_payment,
    restart,
    restart_subscription,
    run_overdue_checks,
)
from tests.builders.subscriptions import AT, active, group

D = dt.date


def _billed(
    action: OverdueAction = OverdueAction.SUSPEND,
) -> tuple[Subscription, SubscriptionGroup]:
    """100.00 a month from Jan 1 2024, Jan-Mar issued; Jan invoice paid, Feb unpaid."""
    grp = group(grace_days=10, overdue_action=action)
    sub, _ = generate_fees(active(grp=grp), D(2024, 1, 1), D(2024, 4, 1), at=AT)
    sub, _ = record_invoice(sub, D(2024, 1, 1), D(2024, 1, 15), at=AT)
    sub, _ = record_payment(sub, D(2024, 1, 1), D(2024, 1, 10), at=AT)
    sub, _ = record_invoice(sub, D(2024, 2, 1), D(2024, 2, 15), at=AT)
    return sub, grp


def test_payment_state_of_an_invoice_as_of_a_day() -> None:
    sub, _grp = _billed()
    jan, feb = sub.invoice(D(2024, 1, 1)), sub.invoice(D(2024, 2, 1))
    assert jan.status_on(D(2024, 1, 9)) is PaymentStatus.UNPAID  # paid on the 10th
    assert jan.status_on(D(2024, 1, 10)) is PaymentStatus.PAID
    assert feb.status_on(D(2024, 2, 15)) is PaymentStatus.UNPAID  # the due day itself
    assert feb.status_on(D(2024, 2, 16)) is PaymentStatus.OVERDUE


def test_recording_is_idempotent_and_refuses_contradictions() -> None:
    sub, _ = _billed()
    again, events = record_invoice(sub, D(2024, 2, 1), D(2024, 2, 15), at=AT)
    assert again is sub
    assert events == ()
    with pytest.raises(BusinessRuleError, match="due date does not change"):
        record_invoice(sub, D(2024, 2, 1), D(2024, 2, 20), at=AT)
    with pytest.raises(BusinessRuleError, match="no fee invoiced on 2024-02-02"):
        record_invoice(sub, D(2024, 2, 2), D(2024, 2, 20), at=AT)
    with pytest.raises(ValidationError, match="precedes the invoice date"):
        record_invoice(sub, D(2024, 3, 1), D(2024, 2, 28), at=AT)
    with pytest.raises(BusinessRuleError, match="no invoice recorded for 2024-03-01"):
        record_payment(sub, D(2024, 3, 1), D(2024, 3, 2), at=AT)
    with pytest.raises(ValidationError, match="precedes the invoice date"):
        record_payment(sub, D(2024, 2, 1), D(2024, 1, 31), at=AT)
    paid, events = record_payment(sub, D(2024, 2, 1), D(2024, 2, 3), at=AT)
    assert [type(e) for e in events] == [InvoicePaymentRecorded]
    reversed_, _ = record_payment(paid, D(2024, 2, 1), None, at=AT)  # a charge-back
    assert reversed_.invoice(D(2024, 2, 1)).paid_on is None


def test_unpaid_past_the_grace_period_suspends_from_the_lapse_day() -> None:
    sub, grp = _billed()
    feb = sub.invoice(D(2024, 2, 1))
    assert lapse_day(feb, grp) == D(2024, 2, 26)  # due Feb 15 + 10 grace days + 1
    assert lapsed_invoices(sub, grp, D(2024, 2, 25)) == ()
    assert apply_overdue(sub, grp, D(2024, 2, 25), at=AT) == (sub, ())
    new, events = apply_overdue(sub, grp, D(2024, 3, 5), at=AT)
    assert [type(e) for e in events] == [PaymentLapsed, SubscriptionSuspended]
    assert new.status is SubscriptionStatus.SUSPENDED
    assert new.suspensions[-1].start == D(2024, 2, 26)
    new, _ = generate_fees(new, D(2024, 3, 1), D(2024, 4, 1), at=AT, as_of=D(2024, 3, 5))
    credits = [(f.reference, str(f.amount)) for f in new.fees if f.kind is FeeKind.CREDIT]
    # Feb 26..29 = 4 of 29 days: 100.00 * 4 / 29 = 13.79; March wholly suspended
    assert credits == [("S1/R/2024-02-01", "-13.79 EUR"), ("S1/R/2024-03-01", "-100.00 EUR")]
    assert apply_overdue(new, grp, D(2024, 3, 6), at=AT) == (new, ())  # already suspended


def test_a_payment_within_the_grace_period_prevents_the_action() -> None:
    sub, grp = _billed()
    sub, _ = record_payment(sub, D(2024, 2, 1), D(2024, 2, 25), at=AT)
    assert apply_overdue(sub, grp, D(2024, 3, 5), at=AT) == (sub, ())


def test_unpaid_past_the_grace_period_cancels_when_the_group_says_so() -> None:
    sub, grp = _billed(OverdueAction.CANCEL)
    new, events = apply_overdue(sub, grp, D(2024, 3, 5), at=AT)
    assert [type(e) for e in events] == [PaymentLapsed, SubscriptionCancelled]
    assert new.status is SubscriptionStatus.CANCELLED
    assert new.end == D(2024, 2, 26)
    credits = [(f.reference, str(f.amount)) for f in new.fees if f.kind is FeeKind.CREDIT]
    assert credits == [("S1/R/2024-02-01", "-13.79 EUR"), ("S1/R/2024-03-01", "-100.00 EUR")]


def test_group_nothing_only_reports() -> None:
    sub, grp = _billed(OverdueAction.NOTHING)
    assert [p.invoice_date for p in lapsed_invoices(sub, grp, D(2024, 3, 5))] == [D(2024, 2, 1)]
    assert apply_overdue(sub, grp, D(2024, 3, 5), at=AT) == (sub, ())


def test_group_settings_are_checked() -> None:
    with pytest.raises(ValidationError, match="grace_days"):
        group(grace_days=-1)
    with pytest.raises(ValidationError, match="overdue_action"):
        group(overdue_action="suspend")
    sub, _ = _billed()
    with pytest.raises(ValidationError, match="not the group"):
        apply_overdue(sub, group().__class__(company_id="ACME", id="Q"), D(2024, 3, 5), at=AT)


def test_invoice_payment_value_refuses_a_due_date_before_the_invoice() -> None:
    with pytest.raises(ValidationError, match="due"):
        InvoicePayment(invoice_date=D(2024, 2, 1), due=D(2024, 1, 31))


def test_restart_a_cancelled_subscription_as_a_new_term() -> None:
    sub, grp = _billed(OverdueAction.CANCEL)
    cancelled, _ = apply_overdue(sub, grp, D(2024, 3, 5), at=AT)
    with pytest.raises(BusinessRuleError, match="before the finished term ended"):
        restart(cancelled, grp, id="S1-2", start=D(2024, 2, 25), at=AT)
    with pytest.raises(ValidationError, match="id of its own"):
        restart(cancelled, grp, id="S1", start=D(2024, 4, 1), at=AT)
    new, events = restart(cancelled, grp, id="S1-2", start=D(2024, 4, 1), at=AT)
    assert isinstance(events[-1], SubscriptionRestarted)
    assert events[-1].previous_id == "S1"
    assert new.status is SubscriptionStatus.ACTIVE
    assert new.previous_id == "S1"
    assert (new.customer_id, str(new.price), new.start, new.fees) == (
        "C1",
        "100.00 EUR",
        D(2024, 4, 1),
        (),
    )
    assert cancelled.status is SubscriptionStatus.CANCELLED  # the old term stays as it was
    dearer, _ = restart(
        cancelled, grp, id="S1-3", start=D(2024, 5, 1), at=AT, price=Money.of("120.00", "EUR")
    )
    assert str(dearer.price) == "120.00 EUR"


def test_only_a_finished_subscription_restarts() -> None:
    sub, grp = _billed()
    with pytest.raises(BusinessRuleError, match="only a cancelled or ended"):
        restart(sub, grp, id="S1-2", start=D(2024, 4, 1), at=AT)


def test_use_cases_record_payments_check_overdue_and_restart() -> None:
    published: list[object] = []
    store = InMemoryStore(publish=published.extend)
    clock = FixedClock(AT)
    grp = group(grace_days=0, overdue_action=OverdueAction.CANCEL)
    sub, _ = generate_fees(active(grp=grp), D(2024, 1, 1), D(2024, 2, 1), at=AT)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTION_GROUPS].add(grp)
        uow[SUBSCRIPTIONS].add(sub)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        record_subscription_invoice(uow, "S1", D(2024, 1, 1), D(2024, 1, 10), clock=clock)
        record_subscription_payment(uow, "S1", D(2024, 1, 1), None, clock=clock)  # no change
        assert run_overdue_checks(uow, D(2024, 1, 10), clock=clock) == []
        changed = run_overdue_checks(uow, D(2024, 1, 11), clock=clock)  # due + 0 + 1
        assert [s.status for s in changed] == [SubscriptionStatus.CANCELLED]
        new = restart_subscription(uow, "S1", new_id="S2", start=D(2024, 2, 1), clock=clock)
        uow.commit()
    kinds = [type(e).__name__ for e in published]
    assert kinds == [
        "InvoiceRecorded",
        "PaymentLapsed",
        "SubscriptionCancelled",
        "SubscriptionCreated",
        "SubscriptionActivated",
        "SubscriptionRestarted",
    ]
    assert new.previous_id == "S1"
    with store.unit_of_work("ACME") as uow:
        assert uow[SUBSCRIPTIONS].get("S2").status is SubscriptionStatus.ACTIVE


def test_restart_refuses_an_active_subscription_through_the_lifecycle() -> None:
    sub, grp = _billed()
    with pytest.raises((BusinessRuleError, InvalidTransitionError)):
        restart(sub, grp, id="S9", start=D(2024, 5, 1), at=AT)
