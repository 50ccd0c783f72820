"""Totals per distinct node agree with the sum over every path (issue 15 item 18).

An explosion whose walk passes a budget of segments is measured per distinct node instead
(totals, rounded totals and ``len()`` once per node, lines walked only on demand). Both
routes must give what the lines say on every forest: the budget is set to 0 here to force
the second route.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import servicecore.bom.explosion.unit as unit_explosion
from servicecore.bom import Bom, BomIndex, UnitOfMeasure, naive_explode
from servicecore.bom.model import _EXACT
from servicecore.testing.strategies import bom_forests


@st.composite
def deep_forest_and_day(draw: st.DrawFn) -> tuple[list[Bom], dt.date]:
    forest = draw(bom_forests(max_items=8, max_lines=4, max_versions=2))
    first = forest[0].versions[0].effective_from
    day = draw(st.dates(min_value=first, max_value=first + dt.timedelta(days=400)))
    return forest, day


@settings(max_examples=150)
@given(deep_forest_and_day(), st.integers(1, 999).map(lambda n: Decimal(n).scaleb(-2)))
def test_totals_units_and_length_equal_what_the_lines_say(
    forest_day: tuple[list[Bom], dt.date], qty: Decimal
) -> None:
    forest, day = forest_day
    x = BomIndex.build(forest).explode("I0", qty, day)
    with mock.patch.object(unit_explosion, "_WALK_BUDGET", 0):
        per_node = BomIndex.build(forest).explode("I0", qty, day)
    assert x._unit.graph is None
    if any(line.version is not None for line in x.lines[1:]):
        # a sub-assembly met after the first segment: the patched budget forced the second route
        assert per_node._unit.graph is not None
    assert list(per_node.totals.items()) == list(x.totals.items())
    assert per_node.rounded_totals == x.rounded_totals
    assert len(per_node) == len(x)
    assert per_node.lines == x.lines
    sums: dict[str, Decimal] = {}
    units: dict[str, UnitOfMeasure] = {}
    with localcontext(_EXACT):
        for line in x.lines:
            sums[line.component] = sums.get(line.component, Decimal(0)) + line.quantity
            units[line.component] = line.unit
    assert list(x.totals.items()) == list(sums.items())  # values and first-occurrence order
    assert x.rounded_totals == {c: units[c].round_up(t) for c, t in sums.items()}
    assert len(x) == len(x.lines) == len(naive_explode({b.id: b for b in forest}, "I0", qty, day))
