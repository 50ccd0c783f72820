"""10,000 subscriptions x 10 years, monthly: full invoice and revenue schedules.

Compares ``bulk_schedules`` (integer minor units, date ordinals, shared date patterns)
with a straightforward per-day ``Decimal`` implementation carried here as the baseline,
measured in the same run on a subset and scaled linearly (it is linear in subscriptions).
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import sys
import time
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from types import FrameType
from typing import Any

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    Alignment,
    RevenuePolicy,
    Subscription,
    SubscriptionGroup,
    activate,
    bulk_schedules,
    create_subscription,
    fee_revenue,
    generate_fees,
    plan_fees,
    run_invoice_schedules,
)

N_SUBS = 10_000
YEARS = 10
BASELINE_SUBSET = 100
START = dt.date(2024, 1, 1)
END = dt.date(2024 + YEARS, 1, 1)


GROUP = SubscriptionGroup(
    company_id="ACME",
    id="MONTHLY",
    accrue_revenue=True,
    accrual_interval=Interval.months(1),
)


def portfolio(n: int = N_SUBS, seed: int = 4) -> list[Subscription]:
    rnd = random.Random(seed)
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    group = GROUP
    subs = []
    for i in range(n):
        start = START + dt.timedelta(days=rnd.randrange(365))
        pick = rnd.random()
        if pick < 0.5:
            alignment = Alignment.anniversary()
        elif pick < 0.8:
            alignment = Alignment.calendar()
        else:
            alignment = Alignment.billing_day(rnd.choice([1, 15, 28, 31]))
        sub, _ = create_subscription(
            company_id="ACME",
            id=f"S{i:05d}",
            group=group,
            customer_id=f"C{i % 997}",
            price=Money.from_minor(rnd.randrange(500, 50_000), "EUR"),
            start=start,
            alignment=alignment,
            at=clock.now(),
        )
        sub, _ = activate(sub, at=clock.now())
        subs.append(sub)
    return subs


# -- the baseline: per day, Decimal ------------------------------------------------------------
def _add_months(d: dt.date, n: int, day: int) -> dt.date:
    y, m = divmod(d.year * 12 + d.month - 1 + n, 12)
    m += 1
    last = (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day, last))


def baseline(subs: Sequence[Subscription]) -> tuple[int, int, Decimal]:
    """Walk every day of every period, add price / days_in_period as Decimal into the fee
    and into its calendar month, round fees and month buckets at the end."""
    cent = Decimal("0.01")
    fees = entries = 0
    total = Decimal(0)
    for sub in subs:
        price = sub.price.amount
        rec = sub.recurrence
        k = rec.index_on_or_before(START)
        anchor = rec.anchor
        aday = 31 if rec.last_day_of_month else anchor.day  # "last day of month" rule
        months = rec.interval.total_months
        while True:
            ps = _add_months(anchor, k * months, aday)
            pe = _add_months(anchor, (k + 1) * months, aday)
            if ps >= END:
                break
            cs, ce = max(ps, sub.start), pe  # whole periods meeting the window
            k += 1
            if cs >= ce:
                continue
            daily = price / Decimal((pe - ps).days)
            fee = Decimal(0)
            buckets: dict[tuple[int, int], Decimal] = {}
            day = cs
            while day < ce:
                fee += daily
                key = (day.year, day.month)
                buckets[key] = buckets.get(key, Decimal(0)) + daily
                day += dt.timedelta(days=1)
            fee = fee.quantize(cent, ROUND_HALF_UP)
            for v in buckets.values():
                v.quantize(cent, ROUND_HALF_UP)
            fees += 1
            entries += len(buckets)
            total += fee
    return fees, entries, total


def object_path(subs: Sequence[Subscription], policy: RevenuePolicy) -> tuple[int, int]:
    """What a host does with the object API: plan every subscription's fees, take each
    fee's revenue entries and read every entry's amount; (fees, entries) seen."""
    n_fees = n_entries = 0
    for sub in subs:
        for fee in plan_fees(sub, START, END).fees:
            n_fees += 1
            for entry in fee_revenue(fee, policy):
                entry.amount  # noqa: B018 - the host reads every entry
                n_entries += 1
    return n_fees, n_entries


def main() -> None:
    t0 = time.perf_counter()
    subs = portfolio()
    setup = time.perf_counter() - t0
    print(f"portfolio: {N_SUBS} subscriptions, {YEARS} years monthly (built in {setup:.2f} s)")

    # invoice dates alone: period boundaries of every subscription, computed per subscription
    t0 = time.perf_counter()
    lo, hi = START.toordinal(), END.toordinal()
    n_dates = 0
    for sub in subs:
        n_dates += len(sub.recurrence.boundaries_ordinal(max(lo, sub.start.toordinal()), hi))
    t_dates = time.perf_counter() - t0
    print(
        f"invoice dates: {n_dates} in {t_dates:.3f} s = {t_dates / n_dates * 1e6:.2f} us each "
        "(target <= 1 us)"
    )

    policy = RevenuePolicy(Interval.months(1))
    sched = bulk_schedules(subs, START, END, policy)  # warm-up, and the figures shown below
    inv, rec = sched.totals()["EUR"]
    fee_count, entry_count = sched.fee_count, sched.entry_count
    del sched
    n_fees, n_entries = object_path(subs, policy)  # warm-up
    same = (n_fees, n_entries) == (fee_count, entry_count)
    # bulk_schedules and the object path in turns, so that both meet the same machine load,
    # each round on another portfolio (other prices and start days: what one round leaves
    # in the engine's per-price tables does not serve the next); each is timed from a
    # collected heap to its result released (the object path releases each plan's objects
    # as it goes), so that neither pays for the other's garbage nor for two results at once
    best = best_obj = float("inf")
    for seed in (5, 6, 7):
        others = portfolio(seed=seed)
        gc.collect()
        t0 = time.perf_counter()
        result = bulk_schedules(others, START, END, policy)
        del result
        best = min(best, time.perf_counter() - t0)
        gc.collect()
        t0 = time.perf_counter()
        object_path(others, policy)
        best_obj = min(best_obj, time.perf_counter() - t0)
        del others
    print(
        f"bulk_schedules: {fee_count} fees + {entry_count} revenue entries "
        f"in {best:.3f} s (best of 3; target <= 1 s)"
    )
    print(f"  invoiced {inv} == recognised {rec}: {inv == rec}")
    print(
        f"object path {best_obj:.3f} s vs bulk_schedules {best:.3f} s = "
        f"{best_obj / best:.2f} x (target <= 3x)\n  plan_fees + fee_revenue for all {N_SUBS} "
        f"subscriptions, every Fee and RevenueEntry built and its amount read; best of 3 "
        f"portfolios each in turns, each timed from a collected heap to its result released; "
        f"same fee and entry counts: {same}"
    )

    subset = subs[:BASELINE_SUBSET]
    t0 = time.perf_counter()
    b_fees, b_entries, b_total = baseline(subset)
    t_base = time.perf_counter() - t0
    scaled = t_base * N_SUBS / BASELINE_SUBSET
    ours = bulk_schedules(subset, START, END, policy)
    ours_total = sum(sum(s.fee_amounts) for s in ours.schedules)
    same = b_fees == ours.fee_count and b_entries == ours.entry_count
    same = same and int(b_total * 100) == ours_total
    print(
        f"baseline (per-day Decimal) on {BASELINE_SUBSET} subscriptions: {t_base:.3f} s, "
        f"scaled x{N_SUBS // BASELINE_SUBSET} to {scaled:.1f} s; same fees and totals: {same}"
    )
    print(f"speed-up vs baseline: {scaled / best:.0f}x (target >= 20x)")

    # monthly generation runs over 30 years: each run re-values only what a change touched
    sub = subs[0]
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    t0 = time.perf_counter()
    first = sub.billing_start
    for k in range(360):
        p_lo, p_hi = _add_months(first, k, first.day), _add_months(first, k + 1, first.day)
        sub, _ = generate_fees(sub, p_lo, p_hi, at=clock.now())
    t_runs = time.perf_counter() - t0
    print(
        f"360 monthly generate_fees runs (30 years, {len(sub.fees)} fees): {t_runs:.3f} s "
        "(was ~0.5-0.9 s, quadratic in the fees already issued)"
    )
    invoice_runs(subs)


# -- issue 16 row 5: run_invoice_schedule plans the fees once -----------------------------------
RUN_SUBS = 2_000
RUN_END = dt.date(2025, 1, 1)


def _store(subs: Sequence[Subscription]) -> InMemoryStore:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow[SUBSCRIPTION_GROUPS].add(GROUP)
        for sub in subs:
            uow[SUBSCRIPTIONS].add(sub)
        uow.commit()
    return store


def _by_hand(store: InMemoryStore, clock: FixedClock) -> None:
    """What a host writes without the use case: preview with plan_fees, then apply with
    generate_fees (which plans again) and save."""
    with store.unit_of_work("ACME") as uow:
        repo = uow[SUBSCRIPTIONS]
        for sub in repo.list_all():
            plan_fees(sub, START, RUN_END)
            new, _events = generate_fees(sub, START, RUN_END, at=clock.now())
            repo.save(new)
        uow.commit()


def _use_case(store: InMemoryStore, clock: FixedClock) -> None:
    with store.unit_of_work("ACME") as uow:
        run_invoice_schedules(uow, START, RUN_END, clock=clock)
        uow.commit()


def plans_per_subscription(subs: Sequence[Subscription], run: Any) -> float:
    """How many times ``plan_fees`` runs per subscription in ``run`` (a profile hook counts
    the calls of its code object, wherever they come from)."""
    code = plan_fees.__code__
    calls = [0]

    def hook(frame: FrameType, event: str, _arg: object) -> None:
        if event == "call" and frame.f_code is code:
            calls[0] += 1

    store = _store(subs)
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    sys.setprofile(hook)
    try:
        run(store, clock)
    finally:
        sys.setprofile(None)
    return calls[0] / len(subs)


def invoice_runs(subs: Sequence[Subscription]) -> None:
    subs = subs[:RUN_SUBS]
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    best_case = best_hand = float("inf")
    for _ in range(3):  # in turns, each on a store of its own
        store = _store(subs)
        gc.collect()
        t0 = time.perf_counter()
        _use_case(store, clock)
        best_case = min(best_case, time.perf_counter() - t0)
        store = _store(subs)
        gc.collect()
        t0 = time.perf_counter()
        _by_hand(store, clock)
        best_hand = min(best_hand, time.perf_counter() - t0)
    sample = subs[:200]
    once = plans_per_subscription(sample, _use_case)
    twice = plans_per_subscription(sample, _by_hand)
    print(
        f"run_invoice_schedules, {len(subs)} subscriptions x 1 year (in-memory store): "
        f"{best_case / len(subs) * 1e6:.1f} us per subscription, fees planned {once:.2f} "
        f"time(s) per subscription (target: once)\n  baseline, plan_fees then generate_fees "
        f"by hand: {best_hand / len(subs) * 1e6:.1f} us per subscription, planned "
        f"{twice:.2f} times"
    )


if __name__ == "__main__":
    main()
