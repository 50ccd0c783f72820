"""Deep chains and shared sub-assemblies (issue 15 item 18): no recursion limit, totals per
distinct node, and line-by-line results bounded by MAX_EXPLOSION_LINES."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from unittest import mock

import pytest

import servicecore.bom.explosion.unit as unit_explosion
from servicecore.bom import (
    MAX_EXPLOSION_LINES,
    Bom,
    BomIndex,
    BomStatus,
    BomVersion,
    naive_explode,
)
from servicecore.errors import BusinessRuleError
from tests.builders.bom import JAN, JUL, line, released


def chain(depth: int) -> list[Bom]:
    """C0 -> C1 -> ... -> C<depth>, two of each, the last one a leaf."""
    return [released(f"C{i}", [line(10, f"C{i + 1}", "2")]) for i in range(depth)]


def diamond(depth: int) -> list[Bom]:
    """D0 uses D1 twice (positions 10 and 20), D1 uses D2 twice, ... down to D<depth>."""
    return [
        released(f"D{i}", [line(10, f"D{i + 1}", "1"), line(20, f"D{i + 1}", "1")])
        for i in range(depth)
    ]


def test_a_chain_of_two_thousand_levels_explodes() -> None:
    index = BomIndex.build(chain(2000))
    x = index.explode("C0", 1, JAN)
    assert len(x) == 2000
    assert x.totals["C1"] == 2
    assert x.totals["C2000"] == 2**2000
    assert x.lines[-1].level == 2000
    assert x.lines[-1].path == (10,) * 2000
    assert [
        q for _lvl, _c, q in naive_explode({b.id: b for b in chain(5)}, "C0", Decimal(1), JAN)
    ] == [
        2,
        4,
        8,
        16,
        32,
    ]


def test_naive_explode_walks_a_deep_chain_too() -> None:
    out = naive_explode({b.id: b for b in chain(1500)}, "C0", Decimal(1), JAN)
    assert len(out) == 1500
    assert out[-1] == (1500, "C1500", Decimal(2**1500))


def test_a_diamond_22_levels_deep_has_totals_without_walking_its_paths() -> None:
    index = BomIndex.build(diamond(22))
    started = time.process_time()
    x = index.explode("D0", 3, JAN)
    # D1 twice, D2 four times, ..., D22 2**22 times: 2 + 4 + ... + 2**22 lines.
    assert len(x) == 2**23 - 2
    assert x.totals["D1"] == 6
    assert x.totals["D22"] == 3 * 2**22
    assert list(x.totals) == [f"D{i}" for i in range(1, 23)]
    assert x.rounded_totals["D22"] == 3 * 2**22
    assert time.process_time() - started < 5  # per distinct node: far below the 29 s of paths
    with pytest.raises(BusinessRuleError, match="more than the 1,000,000") as caught:
        x.lines  # noqa: B018
    assert caught.value.rule == "BOM-EXPLOSION-SIZE"
    with pytest.raises(BusinessRuleError, match="lines, rows and quantities"):
        x.rows  # noqa: B018
    with pytest.raises(BusinessRuleError, match="lines, rows and quantities"):
        x.quantities  # noqa: B018
    assert MAX_EXPLOSION_LINES == 1_000_000


def test_a_small_diamond_gives_the_same_lines_and_totals_both_ways() -> None:
    x = BomIndex.build(diamond(5)).explode("D0", 1, JAN)
    assert x._unit.graph is None  # small enough to be walked at once
    assert len(x) == len(x.lines) == 62
    sums: dict[str, Decimal] = {}
    for ln in x.lines:
        sums[ln.component] = sums.get(ln.component, Decimal(0)) + ln.quantity
    assert x.totals == sums == {"D1": 2, "D2": 4, "D3": 8, "D4": 16, "D5": 32}
    assert [ln.key for ln in x.lines[:3]] == ["10", "10.10", "10.10.10"]


def test_shared_sub_assemblies_with_phantoms_and_leaves_total_per_node() -> None:
    # A diamond six levels deep whose D2 uses D3 once as a phantom (D3's lines come up a
    # level, D3 itself is no line) and once as itself, and whose D6 holds four parts P.
    # Shared enough that totals come from one visit per node; they must be what the lines
    # say, in the order components first appear.
    boms = [
        *diamond(6)[:2],
        released("D2", [line(10, "D3", "1", phantom=True), line(20, "D3", "1")]),
        *diamond(6)[3:],
        released("D6", [line(10, "P", "4")]),
    ]
    with mock.patch.object(unit_explosion, "_WALK_BUDGET", 0):  # measured per distinct node
        x = BomIndex.build(boms).explode("D0", 1, JAN)
    assert x._unit.graph is not None
    # D1 x2, D2 x4, D3 x4 (the phantom uses are no lines), D4 x16, D5 x32, D6 x64, P 4 x 64.
    assert x.totals == {"D1": 2, "D2": 4, "D4": 16, "D5": 32, "D6": 64, "P": 256, "D3": 4}
    assert list(x.totals) == ["D1", "D2", "D4", "D5", "D6", "P", "D3"]
    sums: dict[str, Decimal] = {}
    for ln in x.lines:
        sums[ln.component] = sums.get(ln.component, Decimal(0)) + ln.quantity
    assert list(sums.items()) == list(x.totals.items())
    assert len(x) == len(x.lines) == 2 + 4 + 4 + 16 + 32 + 64 + 64


def test_measured_per_node_a_cycle_in_stored_data_is_still_reported() -> None:
    a = Bom(
        company_id="ACME",
        id="A",
        versions=[
            BomVersion(1, BomStatus.ACTIVE, JAN, None, (line(10, "P", "1"), line(20, "B", "1")))
        ],
    )
    b = Bom(
        company_id="ACME",
        id="B",
        versions=[BomVersion(1, BomStatus.ACTIVE, JAN, None, (line(10, "A", "1"),))],
    )
    with (
        mock.patch.object(unit_explosion, "_WALK_BUDGET", 0),
        pytest.raises(BusinessRuleError, match="cycle through 'A'"),
    ):
        BomIndex.build([a, b]).explode("A", 1, JAN)


def test_measured_per_node_a_component_without_a_version_that_day_is_a_leaf() -> None:
    # M's BOM starts in July and ends in 2025: in January and in 2026 M is a plain line.
    m = Bom(
        company_id="ACME",
        id="M",
        versions=[BomVersion(1, BomStatus.ACTIVE, JUL, dt.date(2025, 1, 1), (line(10, "P", "2"),))],
    )
    # K always has a BOM: descending into it passes the (zero) walk budget.
    root = released("R", [line(10, "M", "3"), line(20, "M", "1"), line(30, "K", "1")])
    k = released("K", [line(10, "P", "1")])
    with mock.patch.object(unit_explosion, "_WALK_BUDGET", 0):
        index = BomIndex.build([root, m, k])
        for day, totals, count in [
            (JAN, {"M": Decimal(4), "K": Decimal(1), "P": Decimal(1)}, 4),
            (JUL, {"M": Decimal(4), "P": Decimal(9), "K": Decimal(1)}, 6),
            (dt.date(2026, 1, 1), {"M": Decimal(4), "K": Decimal(1), "P": Decimal(1)}, 4),
        ]:
            x = index.explode("R", 1, day)
            assert x._unit.graph is not None
            assert list(x.totals.items()) == list(totals.items())
            assert len(x) == len(x.lines) == count
            again = BomIndex.build([root, m, k]).explode("R", 1, day)
            assert x == again
            assert hash(x) == hash(again)
        assert index.explode("R", 1, JAN) != index.explode("R", 1, JUL)
