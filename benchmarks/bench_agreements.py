"""10,000 agreements x 3 lines over one year: the calls a host makes to generate orders.

Each agreement has a monthly, a quarterly and a yearly line and started on a random day of
2019-2023, so every line's series must be found well after its start. Measured, per
agreement-year, in one run:

* ``plan_service_orders`` (the public preview, what a host calls): target <= 15 us. Its
  orders are built lazily, so it is also measured with every order and line materialised
  (iterating all of them, as a host showing the preview does);
* the rerun once everything is generated (every line records ``generated_through``, as the
  generate use case leaves it): it must cost no more;
* ``generate_orders_from_agreements`` + commit through the in-memory store, on a subset:
  its first run, its rerun (which must cost no more) and a ``continuous`` rerun (which
  checks every date's key), with the share of the first run the store itself takes
  (adding the same aggregates to a fresh store and committing);
* a baseline in the same run that steps day by day with pendulum from each agreement's start
  (how peers find due dates), on a subset scaled linearly: it must be >= 20x slower than
  the public call.

Times are the process's CPU time (``time.process_time``: everything the call costs,
garbage collection included, but not other programs sharing the machine). Every timed run
calls the function afresh; nothing it returns is reused. The only state
kept between calls is two module caches of immutable calendar facts (the ``pendulum.Date``
of a day, the first ordinal of a month); they are emptied before each first run, whose
time is printed too. The previous run's result is freed before the next one starts, and
the garbage collector runs between runs, never switched off.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal

import pendulum
from attrs import evolve

from servicecore.agreements import (
    AGREEMENTS,
    Agreement,
    AgreementGroup,
    AgreementLine,
    TransactionType,
    create_agreement,
    create_agreement_group,
    plan_service_orders,
    plan_service_orders_compact,
)
from servicecore.agreements import planned as _planned
from servicecore.agreements import planning as _planning
from servicecore.clock import FixedClock
from servicecore.money import Currency, Money
from servicecore.orders import (
    GENERATED_LINE_KEYS,
    SERVICE_ORDERS,
    GeneratedLineKey,
    ServiceOrder,
    generate_orders_from_agreements,
)
from servicecore.recurrence import Interval
from servicecore.storage.memory import InMemoryStore
from servicecore.testing.strategies.orders import DEFAULT_STAGES

cpu_time = time.process_time

N_AGREEMENTS = 10_000
BASELINE_SUBSET = 25
COMMIT_SUBSET = 1_000
START = pendulum.date(2024, 1, 1)
END = pendulum.date(2024, 12, 31)
INTERVALS = (Interval.months(1), Interval.months(3), Interval.years(1))
TARGET_US = 15.0


def portfolio(n: int = N_AGREEMENTS, seed: int = 10) -> list[Agreement]:
    rnd = random.Random(seed)
    eur = Currency.of("EUR")
    return [
        Agreement(
            company_id="ACME",
            id=f"AG-{i:05d}",
            customer_id=f"C-{i % 997}",
            group_id="STD",
            currency=eur,
            start=pendulum.date(2019, 1, 1).add(days=rnd.randrange(5 * 365)),
            lines=tuple(
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
            ),
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


# -- timing -------------------------------------------------------------------------------------
def _cold() -> None:
    """Empty the module caches of calendar facts (see the module text)."""
    _planned._DATES.clear()
    _planning._MONTHS.clear()


class GcTime:
    """CPU time spent in the garbage collector (a ``gc.callbacks`` entry), to show how much
    of a run that builds many objects is Python's collector rather than the code."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            self._start = cpu_time()
        else:
            self.total += cpu_time() - self._start


GC_TIME = GcTime()


def timed(func: Callable[[], object], runs: int = 5) -> tuple[float, float, float]:
    """(first run with cold caches, best run, collector time in the best run) in seconds;
    each run's result is freed and the garbage collected before the next run starts,
    outside the timing."""
    times = []
    for i in range(runs):
        if i == 0:
            _cold()
        gc.collect()
        gc_before = GC_TIME.total
        t0 = cpu_time()
        result = func()
        times.append((cpu_time() - t0, GC_TIME.total - gc_before))
        del result
    best = min(times)
    return times[0][0], best[0], best[1]


def us(seconds: float, n: int = N_AGREEMENTS) -> str:
    return f"{seconds / n * 1e6:.1f} us"


def materialised(agreements: Sequence[Agreement]) -> int:
    """The public call with every planned order and line built: what iterating costs."""
    plan = plan_service_orders(agreements, START, END)
    return sum(len(order.lines) for order in plan.orders)


def _store_with(agreements: Sequence[Agreement]) -> tuple[InMemoryStore, FixedClock]:
    store = InMemoryStore()
    clock = FixedClock(pendulum.datetime(2024, 1, 1))
    with store.unit_of_work("ACME") as uow:
        create_agreement_group(uow, AgreementGroup(company_id="ACME", id="STD"), clock=clock)
        for agreement in agreements:
            create_agreement(uow, agreement, clock=clock)
        uow.commit()
    return store, clock


def _generate(
    store: InMemoryStore, clock: FixedClock, *, continuous: bool = False
) -> tuple[float, float, tuple[ServiceOrder, ...]]:
    gc.collect()
    gc_before = GC_TIME.total
    t0 = cpu_time()
    with store.unit_of_work("ACME") as uow:
        made = generate_orders_from_agreements(
            uow, START, END, tree=DEFAULT_STAGES, clock=clock, continuous=continuous
        )
        uow.commit()
    return cpu_time() - t0, GC_TIME.total - gc_before, made


def _store_only(agreements: Sequence[Agreement], made: Sequence[ServiceOrder]) -> float:
    """The in-memory store's own cost of the first run's writes: the same orders, keys and
    agreements (with ``generated_through``) added to a fresh store in one commit."""
    store, _clock = _store_with(agreements)
    keys = [
        GeneratedLineKey(company_id="ACME", id=ln.generation_key, order_id=o.id, line_id=ln.id)
        for o in made
        for ln in o.lines
        if ln.generation_key is not None
    ]
    with store.unit_of_work("ACME") as uow:
        stored = uow[AGREEMENTS].list_all()
    done = generated(stored)
    gc.collect()
    t0 = cpu_time()
    with store.unit_of_work("ACME") as uow:
        for order in made:
            uow[SERVICE_ORDERS].add(order)
        for key in keys:
            uow[GENERATED_LINE_KEYS].add(key)
        for agreement in done:
            uow[AGREEMENTS].save(agreement)
        uow.commit()
    return cpu_time() - t0


def main() -> None:
    gc.callbacks.append(GC_TIME)
    try:
        _main()
    finally:
        gc.callbacks.remove(GC_TIME)


def _main() -> None:
    t0 = cpu_time()
    agreements = portfolio()
    done = generated(agreements)
    print(
        f"portfolio: {N_AGREEMENTS} agreements x {len(INTERVALS)} lines (monthly, quarterly, "
        f"yearly), {START}..{END} (built in {cpu_time() - t0:.2f} s)"
    )

    plan = plan_service_orders(agreements, START, END)
    n_orders, n_lines = len(plan.orders), sum(len(o.lines) for o in plan.orders)
    del plan
    first, best, _gc = timed(lambda: plan_service_orders(agreements, START, END))
    per = best / N_AGREEMENTS * 1e6
    print(
        f"plan_service_orders (public call, orders built lazily): {us(best)} per "
        f"agreement-year, best of 5 (first run {us(first)}); target <= {TARGET_US:.0f} us: "
        f"{per <= TARGET_US}"
    )
    m_first, m_best, m_gc = timed(lambda: materialised(agreements))
    print(
        f"  with all {n_orders} orders and {n_lines} lines materialised: {us(m_best)} per "
        f"agreement-year (first run {us(m_first)}), of which the garbage collector {us(m_gc)}"
    )

    assert materialised(done) == 0
    r_first, r_best, _gc = timed(lambda: plan_service_orders(done, START, END))
    _rm_first, rm_best, _gc = timed(lambda: materialised(done))
    print(
        f"rerun, everything generated: {us(r_best)} per agreement-year (first run "
        f"{us(r_first)}), materialised {us(rm_best)}; no more than the first run: "
        f"{r_best <= best and rm_best <= m_best}"
    )

    _c_first, c_best, _gc = timed(lambda: plan_service_orders_compact(agreements, START, END))
    print(f"  (the integer plan alone, plan_service_orders_compact: {us(c_best)})")

    subset = agreements[:COMMIT_SUBSET]
    store, clock = _store_with(subset)
    _cold()
    t_gen, gc_gen, made = _generate(store, clock)
    t_again, _gc, again = _generate(store, clock)
    t_cont, _gc, cont = _generate(store, clock, continuous=True)
    t_store = _store_only(subset, made)
    n = COMMIT_SUBSET
    print(
        f"generate_orders_from_agreements + commit (in-memory store, {n} agreements, one unit "
        f"of work): first run {len(made)} orders, {us(t_gen, n)} per agreement-year, of "
        f"which the garbage collector {us(gc_gen, n)}; the store's own writes and commit "
        f"alone take {us(t_store, n)}"
    )
    print(
        f"  rerun: {len(again)} orders, {us(t_again, n)}; continuous rerun (checks every "
        f"date's key): {len(cont)} orders, {us(t_cont, n)}; no more than the first run: "
        f"{t_again <= t_gen and t_cont <= t_gen}"
    )

    subset = agreements[:BASELINE_SUBSET]
    t0 = cpu_time()
    b_count = baseline(subset)
    t_base = cpu_time() - t0
    scaled = t_base * N_AGREEMENTS / BASELINE_SUBSET
    same = b_count == len(plan_service_orders_compact(subset, START, END))
    print(
        f"baseline (day by day, pendulum) on {BASELINE_SUBSET} agreements: {t_base:.3f} s, "
        f"scaled x{N_AGREEMENTS // BASELINE_SUBSET} to {scaled:.1f} s; same lines: {same}"
    )
    print(
        f"speed-up vs baseline: public call {scaled / best:.0f}x (target >= 20x), "
        f"materialised {scaled / m_best:.0f}x"
    )


if __name__ == "__main__":
    main()
