"""BOM explosion: a generated tree of 11,110 nodes, 1,111 BOMs with 3 versions each.

Prints the index build time, the explosion cost per exploded node (cold: first explosion
on an interval; warm: the per-interval unit explosion is cached and only multiplied by the
quantity; with lines: ExplosionLine objects materialised too) and a baseline that resolves
versions and scans lines at every node without an index, with the ratio.
Target: <= 0.5 us per exploded node.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from servicecore.bom import (
    Bom,
    BomIndex,
    BomLine,
    BomStatus,
    BomVersion,
    UnitOfMeasure,
    naive_explode,
)

FANOUT = 10
DEPTH = 4  # levels below the root: 10 + 100 + 1,000 + 10,000 = 11,110 exploded nodes
STARTS = (dt.date(2024, 1, 1), dt.date(2024, 5, 1), dt.date(2024, 9, 1))
PCS = UnitOfMeasure("pcs", 0)


def generate() -> list[Bom]:
    boms: list[Bom] = []
    level = ["A"]
    for depth in range(DEPTH):
        nxt: list[str] = []
        for parent in level:
            children = [f"{parent}.{k}" for k in range(FANOUT)]
            if depth == DEPTH - 1:
                children = [f"LEAF{k}" for k in range(FANOUT)]  # leaves shared by all parents
            versions = []
            for v, start in enumerate(STARTS):
                end = STARTS[v + 1] if v + 1 < len(STARTS) else None
                lines = tuple(
                    BomLine(
                        10 * (k + 1),
                        child,
                        Decimal(k % 3 + v + 1),
                        PCS,
                        Decimal("2.5") if k % 4 == 0 else Decimal(0),
                    )
                    for k, child in enumerate(children)
                )
                versions.append(BomVersion(v + 1, BomStatus.ACTIVE, start, end, lines))
            boms.append(Bom(company_id="ACME", id=parent, versions=tuple(versions)))
            if depth < DEPTH - 1:
                nxt.extend(children)
        level = nxt
    return boms


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    boms = generate()
    by_id = {b.id: b for b in boms}
    day = dt.date(2024, 6, 15)
    build = best(lambda: BomIndex.build(boms), 5)
    index = BomIndex.build(boms)
    nodes = len(index.explode("A", 1, day))

    def cold() -> object:
        index._cache.clear()
        return index.explode("A", 7, day)

    cold_s = best(cold, 15)

    def cold_totals() -> object:
        index._cache.clear()
        return index.explode("A", 7, day).totals

    cold_totals_s = best(cold_totals, 15)
    index.explode("A", 1, day)
    warm_s = best(lambda: index.explode("A", 7, day), 20)
    lines_s = best(lambda: index.explode("A", 7, day).lines, 10)
    naive_s = best(lambda: naive_explode(by_id, "A", Decimal(7), day), 10)
    assert [(ln.level, ln.component, ln.quantity) for ln in index.explode("A", 7, day).lines] == (
        naive_explode(by_id, "A", Decimal(7), day)
    )
    us = 1e6 / nodes
    print(f"BOMs: {len(boms):,} x {len(STARTS)} versions; exploded nodes: {nodes:,}")
    print(f"index build                    : {build * 1e3:8.1f} ms")
    print(f"explode, warm (cached interval): {warm_s * us:8.3f} us/node  (target <= 0.5)")
    print(f"explode, cold (walk + cache)   : {cold_s * us:8.3f} us/node")
    print(f"explode, cold + totals         : {cold_totals_s * us:8.3f} us/node")
    print(f"explode + ExplosionLine objects: {lines_s * us:8.3f} us/node")
    print(f"baseline, scan lines per node  : {naive_s * us:8.3f} us/node")
    print(f"ratio baseline / warm          : {naive_s / warm_s:8.1f} x")
    print(f"ratio baseline / cold          : {naive_s / cold_s:8.1f} x")


if __name__ == "__main__":
    main()
