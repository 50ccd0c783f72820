"""SLA service credits end to end: a breach replayed from a status history becomes a
negative fee on the subscription's next invoice, exactly once.

Expected values are worked by hand (Europe/Stockholm, Mon-Fri 08-12 and 13-17):
16 business hours from Mon 2024-06-03 09:00 with "waiting" Mon 15:00 - Tue 10:00:
Mon 09-12 (3) + 13-15 (2) = 5; paused; Tue 10-12 (2) + 13-17 (4) = 11; Wed 08-12 (4) = 15;
Wed 13-14 (1) = 16, so the clock breaches Wed 2024-06-05 14:00+02:00.
10 % of the monthly price 499.00 SEK = 49.90 SEK.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

import pendulum
import pytest

from servicecore.calendars import BusinessCalendar
from servicecore.clock import FixedClock
from servicecore.errors import CurrencyMismatchError, ValidationError
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.sla import (
    ClockKind,
    ClockRules,
    ServiceCredit,
    ServiceCreditPolicy,
    ServiceLevelAgreement,
    SlaClock,
    StatusChange,
)
from servicecore.sla import Target as SlaTarget
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTIONS,
    Alignment,
    Billing,
    FeeKind,
    ServiceCreditLike,
    Subscription,
    SubscriptionGroup,
    activate_subscription,
    add_service_credit,
    apply_service_credit,
    create_subscription,
    next_invoice_date,
    run_invoice_schedule,
)

Z = "Europe/Stockholm"
D = dt.date
CLOCK = FixedClock(dt.datetime(2024, 6, 6, 12, tzinfo=dt.UTC))
OFFICE = BusinessCalendar.weekdays(Z, [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))])
MONTHLY = SubscriptionGroup(company_id="ACME", id="MONTHLY")


def at(year: int, month: int, day: int, hour: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, tz=Z)


def gold(policy: ServiceCreditPolicy | None = None) -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        calendar=OFFICE,
        targets={"high": (SlaTarget.business_hours(4), SlaTarget.business_hours(16))},
        resolution=ClockRules(pause_statuses=["waiting"], fulfil_statuses=["done"]),
        credit_policy=policy or ServiceCreditPolicy(percent=Decimal("10")),
    )


HISTORY = (
    StatusChange(at(2024, 6, 3, 15), "waiting"),
    StatusChange(at(2024, 6, 4, 10), "in_progress"),
    StatusChange(at(2024, 6, 6, 10), "done"),
)


def breached_clock(sla: ServiceLevelAgreement, chunks: Sequence[int] = (3,)) -> SlaClock:
    clock = SlaClock.start(
        sla, ClockKind.RESOLUTION, subject_id="SO-1", at=at(2024, 6, 3, 9), priority="high",
        status="new",
    )  # fmt: skip
    done = 0
    for n in chunks:
        clock, _ = clock.replay(HISTORY[done : done + n])
        done += n
    return clock


def store_with_subscription(published: list[DomainEvent] | None = None) -> InMemoryStore:
    store = InMemoryStore(publish=(published if published is not None else []).extend)
    sub, _ = create_subscription(
        company_id="ACME", id="SUB-1", group=MONTHLY, customer_id="CUST-1",
        price=Money.of("499.00", "SEK"), start=D(2024, 1, 1), alignment=Alignment.calendar(),
        at=CLOCK.now(),
    )  # fmt: skip
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTIONS].add(sub)
        activate_subscription(uow, "SUB-1", clock=CLOCK)
        run_invoice_schedule(uow, "SUB-1", D(2024, 1, 1), D(2024, 7, 1), clock=CLOCK)
        uow.commit()
    return store


def load(store: InMemoryStore) -> Subscription:
    with store.unit_of_work("ACME") as uow:
        return uow[SUBSCRIPTIONS].get("SUB-1")


def invoice(sub: Subscription, day: dt.date) -> list[tuple[str, str]]:
    return [(f.kind.value, str(f.amount)) for f in sub.fees if f.invoice_date == day]


def test_sla_credit_has_the_subscriptions_shape() -> None:
    credit = breached_clock(gold()).service_credit(at(2024, 6, 7), base=Money.of("499.00", "SEK"))
    assert credit is not None
    assert isinstance(credit, ServiceCreditLike)
    assert credit.amount == Money.of("49.90", "SEK")
    assert credit.breached_at == at(2024, 6, 5, 14)
    assert credit.reference == "GOLD/SO-1/resolution"
    assert credit.reason == (
        "SLA GOLD resolution target breached on SO-1 at 2024-06-05T14:00:00+02:00"
    )


def test_credit_references_are_unambiguous_for_ids_holding_slashes() -> None:
    from servicecore.sla import ClockKind, ServiceCredit

    def ref(sla_id: str, subject_id: str) -> str:
        return ServiceCredit(
            company_id="ACME",
            subject_id=subject_id,
            sla_id=sla_id,
            kind=ClockKind.RESOLUTION,
            breached_at=at(2024, 6, 5, 14),
            amount=Money.of("1.00", "SEK"),
        ).reference

    # Joined naively, both were "GOLD/EU/SO-1/resolution" and the second credit was dropped.
    assert ref("GOLD/EU", "SO-1") != ref("GOLD", "EU/SO-1")
    assert ref("GOLD/EU", "SO-1") == "GOLD%2FEU/SO-1/resolution"
    assert ref("A%2FB", "C") != ref("A/B", "C")  # the escape itself is escaped
    assert ref("GOLD", "SO-1") == "GOLD/SO-1/resolution"  # ordinary ids read as before


def test_breach_becomes_a_credit_fee_on_the_next_invoice_exactly_once() -> None:
    events: list[DomainEvent] = []
    store = store_with_subscription(events)
    sub = load(store)
    credit = breached_clock(gold()).service_credit(at(2024, 6, 7), base=sub.price)
    assert credit is not None
    on = next_invoice_date(sub, credit.breached_at.date())
    assert on == D(2024, 7, 1)
    events.clear()
    for _run in range(2):  # the second run (a rerun) changes nothing
        with store.unit_of_work("ACME") as uow:
            apply_service_credit(uow, "SUB-1", credit, on, clock=CLOCK)
            run_invoice_schedule(uow, "SUB-1", D(2024, 7, 1), D(2024, 8, 1), clock=CLOCK)
            uow.commit()
    # a credit derived again from the same history, replayed in other chunks, is the same breach
    again = breached_clock(gold(), chunks=(1, 1, 1)).service_credit(at(2024, 6, 8), sub.price)
    assert again is not None
    with store.unit_of_work("ACME") as uow:
        apply_service_credit(uow, "SUB-1", again, D(2024, 8, 1), clock=CLOCK)
        uow.commit()
    final = load(store)
    assert invoice(final, D(2024, 7, 1)) == [
        ("service_credit", "-49.90 SEK"),
        ("regular", "499.00 SEK"),
    ]
    assert sum(f.kind is FeeKind.SERVICE_CREDIT for f in final.fees) == 1
    assert [e.event_type for e in events] == ["ServiceCreditAdded", "FeesGenerated"]
    credit_fee = next(f for f in final.fees if f.kind is FeeKind.SERVICE_CREDIT)
    assert credit_fee.reference == "GOLD/SO-1/resolution"
    assert credit_fee.reason.startswith("SLA GOLD resolution target breached on SO-1")
    assert final.version == sub.version + 1  # one commit changed it; the reruns did not


def test_currency_mismatch_raises_and_changes_nothing() -> None:
    store = store_with_subscription()
    before = load(store)
    fixed = gold(ServiceCreditPolicy(fixed=Money.of("50.00", "EUR")))
    credit = breached_clock(fixed).service_credit(at(2024, 6, 7))
    assert credit is not None
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(CurrencyMismatchError, match=r"in EUR.*bills in SEK"):
            apply_service_credit(uow, "SUB-1", credit, D(2024, 7, 1), clock=CLOCK)
        uow.commit()
    assert load(store) == before
    with pytest.raises(CurrencyMismatchError):
        add_service_credit(before, credit, D(2024, 7, 1), at=CLOCK.now())


def test_credit_of_another_company_is_refused() -> None:
    sub = load(store_with_subscription())
    foreign = ServiceCredit(
        company_id="OTHER", subject_id="SO-1", sla_id="GOLD", kind=ClockKind.RESOLUTION,
        breached_at=at(2024, 6, 5, 14), amount=Money.of("10.00", "SEK"),
    )  # fmt: skip
    with pytest.raises(ValidationError, match="company 'OTHER'"):
        add_service_credit(sub, foreign, D(2024, 7, 1), at=CLOCK.now())


@pytest.mark.parametrize(
    ("billing", "end", "on", "expected"),
    [
        # in advance: the start of the next period; the billing start before it
        (Billing.IN_ADVANCE, None, D(2024, 6, 5), D(2024, 7, 1)),
        (Billing.IN_ADVANCE, None, D(2024, 7, 1), D(2024, 7, 1)),
        (Billing.IN_ADVANCE, None, D(2023, 12, 1), D(2024, 1, 15)),
        # ended: no invoice left, the credit goes on a note of its own
        (Billing.IN_ADVANCE, D(2024, 6, 20), D(2024, 6, 5), D(2024, 6, 5)),
        # in arrears: the day after the current period; the end for a clipped last one
        (Billing.IN_ARREARS, None, D(2024, 6, 5), D(2024, 7, 1)),
        (Billing.IN_ARREARS, None, D(2024, 1, 15), D(2024, 2, 1)),
        (Billing.IN_ARREARS, None, D(2023, 12, 1), D(2024, 2, 1)),
        (Billing.IN_ARREARS, D(2024, 6, 20), D(2024, 6, 5), D(2024, 6, 20)),
        (Billing.IN_ARREARS, D(2024, 6, 20), D(2024, 6, 25), D(2024, 6, 25)),
    ],
)
def test_next_invoice_date(
    billing: Billing, end: dt.date | None, on: dt.date, expected: dt.date
) -> None:
    sub, _ = create_subscription(
        company_id="ACME", id="S", group=MONTHLY, customer_id="C",
        price=Money.of("10.00", "EUR"), start=D(2024, 1, 15), end=end, billing=billing,
        alignment=Alignment.calendar(), at=CLOCK.now(),
    )  # fmt: skip
    assert next_invoice_date(sub, on) == expected
