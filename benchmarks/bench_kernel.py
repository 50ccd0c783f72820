"""Kernel figures: money allocation, instant coercion, in-memory commits (single and threaded)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import threading
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from attrs import evolve, frozen

from servicecore.clock import to_instant
from servicecore.errors import ConcurrencyError
from servicecore.money import Money, allocate, split
from servicecore.ports import AggregateType, Repository
from servicecore.storage.memory import InMemoryStore


@frozen
class Counter:
    company_id: str
    id: str
    value: int = 0
    version: int = 0


COUNTERS: AggregateType[Counter, Repository[Counter]] = AggregateType(
    kind="counter", cls=Counter, repository=Repository
)


def _rate(label: str, n: int, fn: Callable[[], object]) -> None:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    elapsed = time.perf_counter() - start
    print(f"  {label:<44} {n / elapsed:>12,.0f} /s   ({elapsed * 1e6 / n:,.1f} us each)")


def _best_us(fn: Callable[[], object], n: int, repeat: int = 5) -> float:
    """Best of ``repeat`` runs of ``n`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e6 / n


def _versus(label: str, call_us: float, baseline: str, base_us: float, target: str) -> None:
    print(
        f"  {label:<44} {call_us:>7.2f} us   {baseline}: {base_us:.2f} us "
        f"({call_us / base_us:.1f}x)   target {target}"
    )


def _int_split(units: int, parts: int) -> list[int]:
    """Baseline: largest-remainder split of an integer count of cents, nothing else."""
    q, r = divmod(units, parts)
    return [q + 1] * r + [q] * (parts - r)


def _int_allocate(units: int, weights: list[int]) -> list[int]:
    """Baseline: largest-remainder allocation of an integer count of cents."""
    total = sum(weights)
    shares = [divmod(units * w, total) for w in weights]
    floors = [q for q, _ in shares]
    for i in sorted(range(len(weights)), key=lambda i: -shares[i][1])[: units - sum(floors)]:
        floors[i] += 1
    return floors


def _boundary_rows() -> None:
    """The calls a host makes every day, against a plain baseline in the same run."""
    print("  -- today's call vs target (baseline measured in this run) --")
    fee = Money.of("1000.00", "EUR")
    weights = [3, 1, 4, 1, 5, 9, 2, 6]
    _versus(
        "split(1000.00 EUR, 7)",
        _best_us(lambda: split(fee, 7), 20_000),
        "int split",
        _best_us(lambda: _int_split(100_000, 7), 20_000),
        "<= 5 us",
    )
    _versus(
        "allocate(1000.00 EUR, 8 weights)",
        _best_us(lambda: allocate(fee, weights), 20_000),
        "int allocate",
        _best_us(lambda: _int_allocate(100_000, weights), 20_000),
        "<= 8 us",
    )
    # Random instants over a year in several zones: what a host's own datetimes look like.
    rng = random.Random(7)
    zones = [ZoneInfo(z) for z in ("Europe/Stockholm", "America/New_York", "Asia/Kolkata")]
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    values = [
        (start + dt.timedelta(seconds=rng.randrange(366 * 86_400))).astimezone(rng.choice(zones))
        for _ in range(1_000)
    ]
    it = itertools.cycle(values)
    _versus(
        "to_instant(stdlib zoneinfo datetime)",
        _best_us(lambda: to_instant(next(it)), 50_000),
        "astimezone(UTC)",
        _best_us(lambda: next(it).astimezone(dt.UTC), 50_000),
        "<= 2 us and <= 10x",
    )
    pendulum_values = [to_instant(v) for v in values]
    pit = itertools.cycle(pendulum_values)
    _versus(
        "to_instant(pendulum datetime)",
        _best_us(lambda: to_instant(next(pit)), 50_000),
        "astimezone(UTC)",
        _best_us(lambda: next(pit).astimezone(dt.UTC), 50_000),
        "<= 2 us",
    )


def main() -> None:
    _boundary_rows()
    fee = Money.of("1000.00", "EUR")
    _rate("Money + Money", 100_000, lambda: fee + fee)
    _rate("scaled(29, 31)", 50_000, lambda: fee.scaled(29, 31))
    gap = dt.datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    _rate("to_instant(a wall clock in a DST gap)", 50_000, lambda: to_instant(gap))

    store = InMemoryStore(publish=lambda events: None)
    with store("ACME") as uow:
        uow[COUNTERS].add(Counter("ACME", "C-1"))
        uow.commit()

    def one_commit() -> None:
        with store("ACME") as uow:
            repo = uow[COUNTERS]
            current = repo.get("C-1")
            repo.save(evolve(current, value=current.value + 1))
            uow.commit()

    _rate("load/modify/save/commit (one thread)", 20_000, one_commit)

    conflicts = 0
    lock = threading.Lock()

    def worker(n: int) -> None:
        nonlocal conflicts
        done = 0
        while done < n:
            try:
                one_commit()
                done += 1
            except ConcurrencyError:
                with lock:
                    conflicts += 1

    threads = [threading.Thread(target=worker, args=(2_500,)) for _ in range(4)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    print(
        f"  {'4 threads x 2,500 commits on one aggregate':<44} {10_000 / elapsed:>12,.0f} /s"
        f"   ({conflicts:,} conflicts retried)"
    )


if __name__ == "__main__":
    main()
