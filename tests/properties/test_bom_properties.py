"""Invariants of BOM explosion, as-of resolution and cycle detection over random forests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecore.bom import (
    Bom,
    BomIndex,
    BomLine,
    BomStatus,
    UnitOfMeasure,
    find_cycle,
    naive_explode,
)
from servicecore.bom.model import _EXACT
from servicecore.errors import BusinessRuleError, NotFoundError
from servicecore.testing.strategies import bom_dates, bom_forests

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
forests = bom_forests(max_items=6, max_lines=3)


def explode_or_none(index: BomIndex, item: str, qty: Decimal, day: dt.date) -> object:
    try:
        return index.explode(item, qty, day)
    except NotFoundError:
        return None


@st.composite
def forest_and_effective_day(draw: st.DrawFn) -> tuple[list[Bom], dt.date]:
    """A forest and a day on which I0 has an effective version, so the explosion exists.

    (Plain ``bom_dates()`` shrink towards 2023-12-01, before any version: most examples of
    the explosion properties would otherwise return early and check nothing.)
    """
    forest = draw(forests)
    first = forest[0].versions[0].effective_from
    day = draw(st.dates(min_value=first, max_value=first + dt.timedelta(days=3 * 365)))
    return forest, day


@given(forest_and_effective_day(), st.integers(1, 1000).map(lambda n: Decimal(n).scaleb(-1)))
def test_totals_equal_the_sum_over_all_paths(
    forest_day: tuple[list[Bom], dt.date], qty: Decimal
) -> None:
    forest, day = forest_day
    index = BomIndex.build(forest)
    x = index.explode("I0", qty, day)
    sums: dict[str, Decimal] = {}
    with localcontext(_EXACT):
        for line in x.lines:
            sums[line.component] = sums.get(line.component, Decimal(0)) + line.quantity
    assert x.totals == sums
    for line in x.lines:
        assert line.rounded_quantity >= line.quantity
        assert line.rounded_quantity - line.quantity < Decimal(1).scaleb(-line.unit.decimals)


@given(forest_and_effective_day(), st.integers(1, 10**6).map(lambda n: Decimal(n).scaleb(-3)))
def test_explosion_of_k_is_k_times_explosion_of_one(
    forest_day: tuple[list[Bom], dt.date], k: Decimal
) -> None:
    forest, day = forest_day
    index = BomIndex.build(forest)
    one = index.explode("I0", 1, day)
    many = index.explode("I0", k, day)
    with localcontext(_EXACT):
        assert many.quantities == tuple(k * q for q in one.quantities)
        assert many.totals == {c: k * t for c, t in one.totals.items()}
    assert [ln.path for ln in many.lines] == [ln.path for ln in one.lines]


@given(forests, bom_dates())
def test_index_explosion_matches_the_naive_scan(forest: list[Bom], day: dt.date) -> None:
    index = BomIndex.build(forest)
    by_id = {b.id: b for b in forest}
    for bom in forest:
        x = explode_or_none(index, bom.id, Decimal(3), day)
        rows = [] if x is None else [(ln.level, ln.component, ln.quantity) for ln in x.lines]  # type: ignore[attr-defined]
        assert rows == naive_explode(by_id, bom.id, Decimal(3), day)


@given(forests, st.lists(bom_dates(), min_size=1, max_size=5))
def test_as_of_resolution_matches_a_linear_scan(forest: list[Bom], days: list[dt.date]) -> None:
    index = BomIndex.build(forest)
    for bom in forest:
        for day in days:
            expected = [v.number for v in bom.versions if v.effective_on(day)]
            assert len(expected) <= 1
            got = index.effective_version(bom.id, day)
            assert got == (expected[0] if expected else None)
            found = bom.effective_version(day)
            assert (found.number if found else None) == got


@given(bom_forests(max_items=6, max_lines=3, pins=False, phantoms=False), st.data())
def test_forests_are_acyclic_and_a_back_edge_is_refused(
    forest: list[Bom], data: st.DataObject
) -> None:
    assert find_cycle(forest) is None
    # Give a random item (not I0) a new draft that uses I0: approval must refuse it exactly
    # when I0 reaches that item on some date where the draft is effective.
    deep = data.draw(st.sampled_from(forest))
    if deep.id == "I0":
        return
    start = data.draw(bom_dates())
    bom, _ = deep.add_draft(
        lines=[BomLine(100, "I0", Decimal(1), UnitOfMeasure("pcs"))], effective_from=start, at=AT
    )
    index = BomIndex.build(forest)
    bounds = {start} | {v.effective_from for b in forest for v in b.versions}
    bounds |= {v.effective_to for b in forest for v in b.versions if v.effective_to}
    reaches = any(
        deep.id in index.explode("I0", 1, day).totals
        for day in bounds
        if day >= start and index.effective_version("I0", day)
    )
    if reaches:
        with pytest.raises(BusinessRuleError, match="cycle"):
            bom.approve(len(bom.versions), catalog=forest, at=AT)
    else:
        approved, _ = bom.approve(len(bom.versions), catalog=forest, at=AT)
        assert approved.versions[-1].status is BomStatus.APPROVED
