"""Recurrence jumps straight to the first occurrence in a window: no walking from the anchor.

Proved by counting calls of the per-occurrence function (``occurrence_ordinal``), not by
timing: finding the first occurrence of a window 10,000 periods after the anchor costs the
same handful of calls as a window one period after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum
import pytest

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.recurrence import Interval, Recurrence
from servicecore.subscriptions import SubscriptionGroup, activate, create_subscription, plan_fees

D = pendulum.Date


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every call of ``Recurrence.occurrence_ordinal`` appends its ``k``."""
    seen: list[int] = []
    original: Callable[[Recurrence, int], int] = Recurrence.occurrence_ordinal

    def counting(self: Recurrence, k: int) -> int:
        seen.append(k)
        return original(self, k)

    monkeypatch.setattr(Recurrence, "occurrence_ordinal", counting)
    return seen


# (interval, anchor, the day 10,000 periods after the anchor plus a bit, its k)
FAR = [
    (Interval.days(1), D(2000, 1, 1), D(2000, 1, 1).add(days=10_000), 10_000),
    (Interval.weeks(1), D(2000, 1, 3), D(2000, 1, 3).add(days=70_003), 10_000),
    (Interval.months(1), D(2000, 1, 31), D(2833, 6, 15), 10_000),  # k=10,000: May 31, 2833
    (Interval.years(1), D(1200, 2, 29), D(8200, 3, 1), 7_000),  # as far as dates go
]


@pytest.mark.parametrize(("interval", "anchor", "far", "k"), FAR, ids=lambda v: str(v))
def test_first_occurrence_far_away_costs_what_it_costs_next_door(
    calls: list[int], interval: Interval, anchor: pendulum.Date, far: pendulum.Date, k: int
) -> None:
    rec = Recurrence.anniversary(interval, anchor)
    assert rec.index_on_or_before(far) == k
    near_day = rec.occurrence(1).add(days=1)  # a window one period after the anchor
    calls.clear()
    rec.first_on_or_after(near_day)
    near_calls = len(calls)
    calls.clear()
    first = rec.first_on_or_after(far)
    far_calls = list(calls)
    assert len(far_calls) == near_calls <= 4
    # it only ever looked at k and k + 1, never at the 10,000 occurrences before them
    assert set(far_calls) <= {k, k + 1}
    assert first >= far


def test_monthly_far_window_hand_computed(calls: list[int]) -> None:
    # 10,000 months after Jan 31, 2000 is May 2833 (10,000 = 833 x 12 + 4): May 31.
    rec = Recurrence.anniversary(Interval.months(1), D(2000, 1, 31))
    calls.clear()
    assert rec.first_on_or_after(D(2833, 5, 15)) == D(2833, 5, 31)
    assert len(calls) <= 4
    calls.clear()
    assert rec.period_containing(D(2833, 5, 15)) == rec.periods(D(2833, 5, 15), D(2833, 5, 16))[0]
    assert rec.period_containing(D(2833, 5, 15)).start == D(2833, 4, 30)
    assert min(calls) >= 9_999  # nothing before the window was computed


def test_occurrences_in_a_far_window_cost_only_the_window(calls: list[int]) -> None:
    rec = Recurrence.anniversary(Interval.days(1), D(2000, 1, 1))
    lo = D(2000, 1, 1).add(days=10_000)
    calls.clear()
    got = rec.occurrences(lo, lo.add(days=3))
    assert got == [lo, lo.add(days=1), lo.add(days=2)]
    assert len(calls) <= 6  # 3 in the window, the one after it, and the jump
    assert min(calls) >= 9_999


def test_an_invoice_run_10000_months_after_the_start_does_not_walk(calls: list[int]) -> None:
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    sub, _ = create_subscription(
        company_id="ACME",
        id="S1",
        group=SubscriptionGroup(company_id="ACME", id="M"),
        customer_id="C1",
        price=Money.of("10.00", "EUR"),
        start=dt.date(2000, 1, 31),
        at=clock.now(),
    )
    sub, _ = activate(sub, at=clock.now())
    calls.clear()
    plan = plan_fees(sub, D(2833, 5, 15), D(2833, 5, 16))
    # the period of May 15, 2833: Apr 30 - May 30 (anchored on the 31st, clamped in April)
    assert [(str(f.start), str(f.last_day)) for f in plan.fees] == [("2833-04-30", "2833-05-30")]
    assert len(calls) <= 4
    assert min(calls) >= 9_999
