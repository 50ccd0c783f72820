"""Properties of output quantities, by-products, cost roll-up and kit availability
(issue 17 item 4) over generated BOM forests, and of the lazily built lines (issue 16
row 6)."""

from __future__ import annotations

from decimal import Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from servicecore.bom import Bom, BomIndex, Explosion, kits_available, naive_explode, roll_up_cost
from servicecore.bom.model import _EXACT
from servicecore.testing.strategies.bom import (
    bom_forests,
    bom_quantities,
    component_prices,
    stock_levels,
)

FORESTS = bom_forests(outputs=True, byproducts=True, max_items=5, max_lines=3)


def _explode(forest: list[Bom], qty: Decimal | int) -> Explosion:
    root = forest[0]
    return BomIndex.build(forest).explode(root.id, qty, root.versions[0].effective_from)


@settings(max_examples=60, deadline=None)
@given(forest=FORESTS, k=st.integers(1, 60), data=st.data())
def test_roll_up_of_k_units_is_k_times_the_roll_up_of_one(
    forest: list[Bom], k: int, data: st.DataObject
) -> None:
    one, many = _explode(forest, 1), _explode(forest, k)
    prices = data.draw(component_prices(sorted({*one.leaf_totals, *one.byproducts})))
    a, b = roll_up_cost(one, prices, "EUR"), roll_up_cost(many, prices, "EUR")
    assert b.total == a.total * k
    assert b.materials == a.materials * k
    assert b.byproduct_credit == a.byproduct_credit * k
    assert b.by_level == tuple(m * k for m in a.by_level)
    with localcontext(_EXACT):  # exact sums: the default 28 digits would round long ones
        assert sum((m.amount for m in a.by_level), Decimal(0)) == a.materials.amount
        assert a.total.amount == a.materials.amount - a.byproduct_credit.amount


@settings(max_examples=60, deadline=None)
@given(forest=FORESTS, qty=bom_quantities())
def test_leaf_totals_are_the_lines_without_a_bom_beneath(forest: list[Bom], qty: Decimal) -> None:
    x = _explode(forest, qty)
    by_level: list[dict[str, Decimal]] = []
    leaves: dict[str, Decimal] = {}
    with localcontext(_EXACT):  # exact sums: the default 28 digits would round long ones
        for ln in x.lines:
            if ln.version is None:
                while len(by_level) < ln.level:
                    by_level.append({})
                level = by_level[ln.level - 1]
                level[ln.component] = level.get(ln.component, Decimal(0)) + ln.quantity
        for lv in by_level:
            for c, q in lv.items():
                leaves[c] = leaves.get(c, Decimal(0)) + q
    assert [dict(lv) for lv in x.leaf_totals_by_level] == by_level
    assert dict(x.leaf_totals) == leaves
    # the index and the unindexed reference agree with outputs and by-products in play
    root = forest[0]
    assert [(ln.level, ln.component, ln.quantity) for ln in x.lines] == naive_explode(
        {b.id: b for b in forest}, root.id, qty, root.versions[0].effective_from
    )


@settings(max_examples=60, deadline=None)
@given(forest=FORESTS, data=st.data())
def test_availability_is_the_largest_count_whose_requirement_fits(
    forest: list[Bom], data: st.DataObject
) -> None:
    root = forest[0]
    day = root.versions[0].effective_from
    index = BomIndex.build(forest)
    leaves = sorted(index.explode(root.id, 1, day).leaf_totals)
    if not leaves:
        return
    stock = data.draw(stock_levels(leaves))
    n = kits_available(index, root.id, day, stock)

    def fits(count: int) -> bool:
        x = index.explode(root.id, count, day)
        return all(
            x.leaf_unit(c).round_up(q) <= stock.get(c, Decimal(0)) for c, q in x.leaf_totals.items()
        )

    if n > 0:
        assert fits(n)
    assert not fits(n + 1)


@settings(max_examples=40, deadline=None)
@given(forest=FORESTS, qty=bom_quantities())
def test_lazy_lines_equal_the_rows(forest: list[Bom], qty: Decimal) -> None:
    x = _explode(forest, qty)
    assert len(x.lines) == len(x.rows)
    assert [tuple(getattr(ln, f) for f in ExplosionFields) for ln in x.lines] == list(x.rows)
    assert x.lines == tuple(x.lines)


ExplosionFields = (
    "level",
    "path",
    "parent",
    "component",
    "quantity",
    "rounded_quantity",
    "unit",
    "version",
)
