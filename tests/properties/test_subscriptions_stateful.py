"""A stateful machine: random activate / change price / suspend / resume / cancel /
generate / credit / price-reduction sequences keep the schedule invariants.

Generation runs here always reach back to what earlier runs requested (ranges overlap or
abut, never leave a hole), so the REGULAR fees must tile one span with no gap and no
overlap: from the first billable day to the end of the last period generated, clipped to
the end date the subscription had when that period was generated. Suspended and
cancelled days do not cut periods: the fees for them stay, and are credited (see
``docs/subscriptions.md``).
"""

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
    InvoiceCredit,
    RevenuePolicy,
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
    frontier: pendulum.Date
    """The end of the union of every range requested so far (it starts at the start)."""
    billed_to: pendulum.Date | None
    """Model: where the REGULAR fees must end (None: no billable day generated yet)."""
    ends_seen: set[pendulum.Date]
    """Every end date the subscription had during a generation run."""
    settled: bool
    """No suspension, resumption or price change since the last run or cancellation."""

    @initialize(sub=subscriptions(active=False, currency="EUR"))
    def start(self, sub: Subscription) -> None:
        self.sub = sub
        self.today = sub.start
        self.runs = 0
        self.frontier = sub.start
        self.billed_to = None
        self.ends_seen = set()
        self.settled = True

    @precondition(lambda self: self.sub.status is SubscriptionStatus.DRAFT)
    @rule()
    def activate(self) -> None:
        self.sub, _ = activate(self.sub, at=CLOCK.now())

    @rule(days=st.integers(1, 70))
    def advance(self, days: int) -> None:
        self.today = self.today.add(days=days)

    @precondition(lambda self: self.sub.status is not SubscriptionStatus.DRAFT)
    @rule(back=st.integers(0, 60), ahead=st.integers(1, 90))
    def generate(self, back: int, ahead: int) -> None:
        # Reach back at least to the frontier: the requested ranges never leave a hole.
        lo = min(self.today.subtract(days=back), self.frontier)
        hi = self.today.add(days=ahead)
        # The model: the periods meeting [lo, hi) within the billing span [bstart, end)
        # get billed; the last one is clipped to the end date in force now.
        end = self.sub.end
        a = max(lo, self.sub.billing_start)
        b = hi if end is None else min(hi, end)
        if a < b:
            last = self.sub.recurrence.period_containing(b.subtract(days=1)).end
            reach = last if end is None else min(last, end)
            self.billed_to = reach if self.billed_to is None else max(self.billed_to, reach)
        if end is not None:
            self.ends_seen.add(end)
        self.sub, _ = generate_fees(self.sub, lo, hi, at=CLOCK.now(), as_of=self.today)
        self.runs += 1
        self.frontier = max(self.frontier, hi)
        self.settled = True
        assert plan_fees(self.sub, lo, hi, as_of=self.today).fees == ()

    @precondition(lambda self: self.sub.status not in FINAL)
    @rule(units=st.integers(0, 10**6))
    def change_price(self, units: int) -> None:
        before = self.sub
        try:
            self.sub, _ = change_price(
                self.sub, Money.from_minor(units, "EUR"), self.today, at=CLOCK.now()
            )
            self.settled = False
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
            self.sub, _ = suspend(self.sub, self.today, at=CLOCK.now())
            self.settled = False
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
        self.sub, _ = resume(self.sub, self.today, at=CLOCK.now())
        self.settled = False

    @precondition(lambda self: self.sub.status not in FINAL and self.runs >= 2)
    @rule(mode=st.sampled_from(CancelMode), later=st.integers(0, 60))
    def cancel(self, mode: CancelMode, later: int) -> None:
        before = self.sub.fees
        self.sub, _ = cancel(
            self.sub, mode, self.today, at=CLOCK.now(), effective=self.today.add(days=later)
        )
        assert self.sub.fees[: len(before)] == before
        self.settled = True  # cancel() credits every issued fee at once

    @precondition(lambda self: self.runs >= 1)
    @rule(units=st.integers(1, 10**4), ref=st.integers(0, 2))
    def credit(self, units: int, ref: int) -> None:
        credit = InvoiceCredit(
            amount=Money.from_minor(units, "EUR"), reason="SLA", reference=f"SLA-{ref}"
        )
        self.sub, _ = add_service_credit(self.sub, credit, self.today, at=CLOCK.now())

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
                self.sub, fee.id, Money.from_minor(units, "EUR"), at=CLOCK.now(), on=self.today
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
    def regular_fees_tile_the_billed_span(self) -> None:
        regulars = [f for f in self.sub.fees if f.kind is FeeKind.REGULAR]
        tiles = sorted((f.start, f.end) for f in regulars)
        if self.billed_to is None:
            assert tiles == []
            return
        assert tiles, "a billable day was generated, yet no REGULAR fee exists"
        assert tiles[0][0] == self.sub.billing_start  # from the first billable day
        assert tiles[-1][1] == self.billed_to  # to the end of the last generated period
        for (_a, b), (c, _d) in itertools.pairwise(tiles):
            assert b == c  # no gap, no overlap
        bstart = self.sub.billing_start
        for f in regulars:
            # A fee is its recurrence period, clipped to the billing span: it starts on the
            # period's start (or the first billable day) and ends on the period's end or on
            # an end date the subscription had; suspensions never cut it.
            full = f.full_period
            assert f.start == max(full.start, bstart)
            assert f.end == full.end or f.end in self.ends_seen

    @invariant()
    def unbilled_fees_are_credited_in_full_once_settled(self) -> None:
        """After a run (or a cancellation), a REGULAR fee all of whose days are suspended
        or after the end date is worth nothing: its corrections cancel it exactly."""
        if not self.settled:
            return
        end = self.sub.end
        for f in self.sub.fees:
            if f.kind is not FeeKind.REGULAR:
                continue
            after_end = end is not None and f.start >= end
            suspended = any(
                s.start <= f.start and (s.end is None or f.end <= s.end)
                for s in self.sub.suspensions
            )
            if not (after_end or suspended):
                continue
            net = f.amount.minor_units + sum(
                g.amount.minor_units for g in self.sub.fees if g.reference == f.id
            )
            assert net == 0, (f.id, net)

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
