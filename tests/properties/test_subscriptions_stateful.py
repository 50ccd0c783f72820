"""A stateful machine: random activate / change price / suspend / resume / cancel /
generate / credit / price-reduction sequences keep the schedule invariants."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction

import pendulum
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError
from servicecore.money import Money
from servicecore.subscriptions import (
    CancelMode,
    FeeKind,
    RevenuePolicy,
    ServiceCredit,
    Subscription,
    SubscriptionStatus,
    activate,
    add_service_credit,
    cancel,
    change_price,
    fee_revenue,
    generate_fees,
    plan_fees,
    reduce_price,
    resume,
    revenue_report,
    suspend,
)
from servicecore.testing.strategies import subscriptions

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
FINAL = (SubscriptionStatus.CANCELLED, SubscriptionStatus.ENDED)


class SubscriptionMachine(RuleBasedStateMachine):
    sub: Subscription
    today: pendulum.Date

    @initialize(sub=subscriptions(active=False, currency="EUR"))
    def start(self, sub: Subscription) -> None:
        self.sub = sub
        self.today = sub.start
        self.runs = 0

    @precondition(lambda self: self.sub.status is SubscriptionStatus.DRAFT)
    @rule()
    def activate(self) -> None:
        self.sub, _ = activate(self.sub, clock=CLOCK)

    @rule(days=st.integers(1, 70))
    def advance(self, days: int) -> None:
        self.today = self.today.add(days=days)

    @precondition(lambda self: self.sub.status is not SubscriptionStatus.DRAFT)
    @rule(back=st.integers(0, 60), ahead=st.integers(1, 90))
    def generate(self, back: int, ahead: int) -> None:
        lo, hi = self.today.subtract(days=back), self.today.add(days=ahead)
        self.sub, _ = generate_fees(self.sub, lo, hi, clock=CLOCK, as_of=self.today)
        self.runs += 1
        assert plan_fees(self.sub, lo, hi, as_of=self.today).fees == ()

    @precondition(lambda self: self.sub.status not in FINAL)
    @rule(units=st.integers(0, 10**6))
    def change_price(self, units: int) -> None:
        before = self.sub
        try:
            self.sub, _ = change_price(
                self.sub, Money.from_minor(units, "EUR"), self.today, clock=CLOCK
            )
        except BusinessRuleError:
            # Refused only when it would precede the last price change (append-only history;
            # a change before billing starts counts from the billing start).
            effective = max(self.today, before.billing_start)
            assert before.price_changes
            assert effective < before.price_changes[-1].effective

    @precondition(lambda self: self.sub.status is SubscriptionStatus.ACTIVE)
    @rule()
    def suspend(self) -> None:
        before = self.sub
        try:
            self.sub, _ = suspend(self.sub, self.today, clock=CLOCK)
        except BusinessRuleError:
            # Refused only outside the subscription's life or inside the previous suspension.
            outside = self.today < before.start or (
                before.end is not None and self.today >= before.end
            )
            last = before.suspensions[-1].end if before.suspensions else None
            assert outside or (last is not None and self.today < last)

    @precondition(lambda self: self.sub.status is SubscriptionStatus.SUSPENDED)
    @rule()
    def resume(self) -> None:
        self.sub, _ = resume(self.sub, self.today, clock=CLOCK)

    @precondition(lambda self: self.sub.status not in FINAL and self.runs >= 2)
    @rule(mode=st.sampled_from(CancelMode), later=st.integers(0, 60))
    def cancel(self, mode: CancelMode, later: int) -> None:
        before = self.sub.fees
        self.sub, _ = cancel(
            self.sub, mode, self.today, clock=CLOCK, effective=self.today.add(days=later)
        )
        assert self.sub.fees[: len(before)] == before

    @precondition(lambda self: self.runs >= 1)
    @rule(units=st.integers(1, 10**4), ref=st.integers(0, 2))
    def credit(self, units: int, ref: int) -> None:
        credit = ServiceCredit(
            amount=Money.from_minor(units, "EUR"), reason="SLA", reference=f"SLA-{ref}"
        )
        self.sub, _ = add_service_credit(self.sub, credit, self.today, clock=CLOCK)

    @precondition(lambda self: self.runs >= 1)
    @rule(pick=st.integers(0, 50), share=st.fractions(0, Fraction(5, 4)))
    def reduce_price(self, pick: int, share: Fraction) -> None:
        lowerable = [f for f in self.sub.fees if f.kind in (FeeKind.REGULAR, FeeKind.NON_REGULAR)]
        if not lowerable:
            return
        fee = lowerable[pick % len(lowerable)]
        net = sum(g.amount.minor_units for g in self.sub.fees if g.reference == fee.id)
        units = int((fee.amount.minor_units + net) * share)
        if units < 1:
            return
        before = self.sub
        try:
            self.sub, _ = reduce_price(
                self.sub, fee.id, Money.from_minor(units, "EUR"), clock=CLOCK, on=self.today
            )
        except BusinessRuleError:
            assert self.sub is before  # more than the fee is worth: refused
            return
        assert self.sub.fees[: len(before.fees)] == before.fees  # never rewritten

    @invariant()
    def fees_never_overlap(self) -> None:
        covering = sorted(
            (f.start, f.end)
            for f in self.sub.fees
            if f.kind in (FeeKind.REGULAR, FeeKind.NON_REGULAR)
        )
        for (_a, b), (c, _d) in itertools.pairwise(covering):
            assert b <= c
        ids = [f.id for f in self.sub.fees]
        assert len(ids) == len(set(ids))

    @invariant()
    def credit_plus_used_never_exceeds_paid(self) -> None:
        for f in self.sub.fees:
            if f.kind is not FeeKind.REGULAR:
                continue
            assert not f.amount.is_negative()
            related = [g.amount.minor_units for g in self.sub.fees if g.reference == f.id]
            paid = f.amount.minor_units + sum(u for u in related if u > 0)
            credits = -sum(u for u in related if u < 0)
            assert 0 <= credits <= paid

    @invariant()
    def revenue_is_exact(self) -> None:
        for f in self.sub.fees:
            entries = fee_revenue(f, RevenuePolicy())
            assert sum(e.amount.minor_units for e in entries) == f.amount.minor_units
            if not f.amount.is_negative():
                assert all(not e.amount.is_negative() for e in entries)
            else:
                assert all(not e.amount.is_positive() for e in entries)

    @invariant()
    def recognised_plus_deferred_is_invoiced(self) -> None:
        report = revenue_report([self.sub], self.today)
        code = "EUR"
        assert report.recognised[code] + report.deferred[code] == report.invoiced[code]


SubscriptionMachine.TestCase.settings = settings(
    SubscriptionMachine.TestCase.settings, stateful_step_count=25
)
TestSubscriptionMachine = SubscriptionMachine.TestCase
