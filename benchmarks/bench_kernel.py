"""Kernel figures: money allocation, instant coercion, in-memory commits (single and threaded)."""

from __future__ import annotations

import datetime as dt
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


def main() -> None:
    fee = Money.of("1000.00", "EUR")
    weights = [3, 1, 4, 1, 5, 9, 2, 6]
    _rate("Money + Money", 100_000, lambda: fee + fee)
    _rate("split(1000.00 EUR, 7)", 20_000, lambda: split(fee, 7))
    _rate("allocate(1000.00 EUR, 8 weights)", 20_000, lambda: allocate(fee, weights))
    _rate("scaled(29, 31)", 50_000, lambda: fee.scaled(29, 31))
    aware = dt.datetime(2024, 3, 31, 2, 30, tzinfo=ZoneInfo("Europe/Stockholm"))
    _rate("to_instant(stdlib zoneinfo datetime)", 50_000, lambda: to_instant(aware))

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
