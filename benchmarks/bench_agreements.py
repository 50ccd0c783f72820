"""10,000 agreements x 3 lines over one year: planning service-order generation.

Each agreement has a monthly, a quarterly and a yearly line and started on a random day of
2019-2023, so every line's series must be found well after its start. Measured:

* planning (``plan_service_orders_compact``: which line is due on which date, as integer
  rows), per agreement-year (target <= 15 us);
* the rerun once everything is generated (every line records ``generated_through``, as the
  generate use case does): it must cost no more;
* building the order objects (``CompactPlan.to_plan``) and committing a plan through the
  in-memory store, for comparison;
* a baseline in the same run that steps day by day with pendulum from each agreement's start
  (how peers find due dates), on a subset scaled linearly (target: >= 20x slower).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

import pendulum
from attrs import evolve

from servicecore.agreements import (
    Agreement,
    AgreementGroup,
    AgreementLine,
    TransactionType,
    create_agreement,
    create_agreement_group,
    plan_service_orders_compact,
)
from servicecore.clock import FixedClock
from servicecore.money import Currency, Money
from servicecore.orders import generate_orders_from_agreements
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES

N_AGREEMENTS = 10_000
BASELINE_SUBSET = 25
COMMIT_SUBSET = 500
START = pendulum.date(2024, 1, 1)
END = pendulum.date(2024, 12, 31)
INTERVALS = (Interval.months(1), Interval.months(3), Interval.years(1))


def portfolio(n: int = N_AGREEMENTS, seed: int = 10) -> list[Agreement]:
    rnd = random.Random(seed)
    eur = Currency.of("EUR")
    lines = tuple(
        AgreementLine(
            id=str(number),
            transaction_type=TransactionType.HOUR,
            quantity=Decimal(2),
            cost_price=Money.of("40", eur),
            sales_price=Money.of("90", eur),
            worker_id="W-1",
            interval=interval,
        )
        for number, interval in enumerate(INTERVALS, start=1)
    )
    return [
        Agreement(
            company_id="ACME",
            id=f"AG-{i:05d}",
            customer_id=f"C-{i % 997}",
            group_id="STD",
            currency=eur,
            start=pendulum.date(2019, 1, 1).add(days=rnd.randrange(5 * 365)),
            lines=lines,
        )
        for i in range(n)
    ]


def generated(agreements: Sequence[Agreement]) -> list[Agreement]:
    """The agreements as the generate use case leaves them after the year is generated."""
    return [
        evolve(a, lines=tuple(evolve(ln, generated_through=END) for ln in a.lines))
        for a in agreements
    ]


# -- the baseline: day by day with pendulum, from each agreement's start ------------------------
def baseline(agreements: Sequence[Agreement]) -> int:
    """Walk every day from the agreement start to the end of the range, stepping each line's
    next due date forward by its interval, and count the due dates inside the range."""
    count = 0
    for agreement in agreements:
        for line in agreement.lines:
            assert line.interval is not None
            months = line.interval.total_months
            k = 0
            due = agreement.start
            day = agreement.start
            while day <= END:
                if day == due:
                    if day >= START:
                        count += 1
                    k += 1
                    due = agreement.start.add(months=k * months)
                day = day.add(days=1)
    return count


def best_of(runs: int, func: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    t0 = time.perf_counter()
    agreements = portfolio()
    done = generated(agreements)
    print(
        f"portfolio: {N_AGREEMENTS} agreements x {len(INTERVALS)} lines (monthly, quarterly, "
        f"yearly), {START}..{END} (built in {time.perf_counter() - t0:.2f} s)"
    )

    compact = plan_service_orders_compact(agreements, START, END)
    t_plan = best_of(5, lambda: plan_service_orders_compact(agreements, START, END))
    per = t_plan / N_AGREEMENTS * 1e6
    print(
        f"plan: {len(compact)} lines in {t_plan:.3f} s (best of 5) = {per:.1f} us per "
        "agreement-year (target <= 15 us)"
    )

    assert len(plan_service_orders_compact(done, START, END)) == 0
    t_rerun = best_of(5, lambda: plan_service_orders_compact(done, START, END))
    rerun = t_rerun / N_AGREEMENTS * 1e6
    print(
        f"rerun, everything generated: 0 lines in {t_rerun:.3f} s = {rerun:.1f} us per "
        f"agreement-year (target <= first run: {rerun <= per})"
    )

    t0 = time.perf_counter()
    plan = compact.to_plan()
    t_objects = time.perf_counter() - t0
    print(
        f"order objects (to_plan): {len(plan.orders)} orders in {t_objects:.3f} s = "
        f"{t_objects / N_AGREEMENTS * 1e6:.1f} us per agreement-year"
    )

    store = InMemoryStore()
    clock = FixedClock(pendulum.datetime(2024, 1, 1))
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=clock)
        for agreement in agreements[:COMMIT_SUBSET]:
            create_agreement(uow, agreement, clock=clock)
        uow.commit()
    timings = []
    for _ in range(2):  # the second run finds everything generated
        t0 = time.perf_counter()
        with store.unit_of_work("ACME") as uow:
            made = generate_orders_from_agreements(
                uow, START, END, tree=DEFAULT_STAGES, clock=clock
            )
            uow.commit()
        timings.append((time.perf_counter() - t0, len(made)))
    (t_gen, n_gen), (t_again, n_again) = timings
    print(
        f"generate + commit (in-memory) on {COMMIT_SUBSET} agreements: {n_gen} orders in "
        f"{t_gen:.3f} s = {t_gen / COMMIT_SUBSET * 1e6:.0f} us per agreement-year; rerun "
        f"{n_again} orders in {t_again:.3f} s"
    )

    subset = agreements[:BASELINE_SUBSET]
    t0 = time.perf_counter()
    b_count = baseline(subset)
    t_base = time.perf_counter() - t0
    scaled = t_base * N_AGREEMENTS / BASELINE_SUBSET
    same = b_count == len(plan_service_orders_compact(subset, START, END))
    print(
        f"baseline (day by day, pendulum) on {BASELINE_SUBSET} agreements: {t_base:.3f} s, "
        f"scaled x{N_AGREEMENTS // BASELINE_SUBSET} to {scaled:.1f} s; same lines: {same}"
    )
    print(f"speed-up vs baseline: {scaled / t_plan:.0f}x (target >= 20x)")


if __name__ == "__main__":
    main()
