"""The index's explosion (segments, interned leaf runs, lazily derived lines and totals)
against a straightforward reference walk: equal line for line, field for field, and digit
for digit (``Decimal.as_tuple``), not just equal in value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, localcontext

from attrs import astuple, evolve
from hypothesis import given
from hypothesis import strategies as st

from servicecore.bom import (
    Bom,
    BomIndex,
    BomLine,
    BomStatus,
    BomVersion,
    ExplosionLine,
    UnitOfMeasure,
)
from servicecore.bom.model import _EXACT, _trim
from servicecore.errors import NotFoundError
from servicecore.testing.strategies import bom_dates, bom_forests, bom_quantities, units_of_measure

Ref = tuple[list[ExplosionLine], list[Decimal], dict[str, Decimal]]


def reference(boms: dict[str, Bom], item: str, k: Decimal, day: dt.date) -> Ref | None:
    """Lines, exact quantities and totals, the obvious way (one pass over the tree)."""
    root = boms[item].effective_version(day)
    if root is None:
        return None
    lines: list[ExplosionLine] = []
    exact: list[Decimal] = []
    totals: dict[str, Decimal] = {}

    def walk(v: BomVersion, unit_qty: Decimal, prefix: tuple[int, ...], level: int) -> None:
        for ln in v.lines:
            q = unit_qty * ln.factor
            path = (*prefix, ln.position)
            bom = boms.get(ln.component)
            sub = None
            if bom is not None:
                sub = bom.get_version(ln.pin) if ln.pin else bom.effective_version(day)
            if ln.phantom and sub is not None:
                walk(sub, q, path, level)
                continue
            x = k * q
            exact.append(x)
            totals[ln.component] = totals.get(ln.component, Decimal(0)) + x
            lines.append(
                ExplosionLine(
                    level,
                    path,
                    v_item[id(v)],
                    ln.component,
                    _trim(x),
                    ln.unit.round_up(x),
                    ln.unit,
                    None if sub is None else sub.number,
                )
            )
            if sub is not None:
                walk(sub, q, path, level + 1)

    v_item = {id(v): b.id for b in boms.values() for v in b.versions}
    with localcontext(_EXACT):
        walk(root, Decimal(1), (), 1)
        return lines, exact, {c: _trim(t) for c, t in totals.items()}


def digits(values: object) -> list[object]:
    return [v.as_tuple() for v in values]  # type: ignore[attr-defined]


def check_against_reference(forest: list[Bom], day: dt.date, k: Decimal) -> None:
    index = BomIndex.build(forest)
    by_id = {b.id: b for b in forest}
    for bom in forest:
        ref = reference(by_id, bom.id, k, day)
        if ref is None:
            try:
                index.explode(bom.id, k, day)
            except NotFoundError:
                continue
            raise AssertionError("the index exploded an item with no effective version")
        lines, exact, totals = ref
        cold = index.explode(bom.id, k, day)
        # totals first, before lines or quantities were derived
        assert list(cold.totals.items()) == list(totals.items())
        assert digits(cold.totals.values()) == digits(totals.values())
        warm = index.explode(bom.id, k, day)
        assert cold.rows == tuple(astuple(ln, recurse=False) for ln in lines)
        assert warm.lines == tuple(lines)
        for got, want in zip(warm.lines, lines, strict=True):
            assert digits([got.quantity, got.rounded_quantity]) == digits(
                [want.quantity, want.rounded_quantity]
            )
        assert digits(warm.quantities) == digits(exact)
        assert digits(cold.quantities) == digits(exact)
        assert len(warm) == len(lines)
        unit_of = {ln.component: ln.unit for ln in lines}
        assert warm.rounded_totals == {c: unit_of[c].round_up(t) for c, t in totals.items()}


@given(
    bom_forests(max_items=6, max_lines=4),
    bom_dates(),
    st.integers(1, 10**5).map(lambda n: Decimal(n).scaleb(-2)),
)
def test_explosion_matches_a_reference_walk_digit_for_digit(
    forest: list[Bom], day: dt.date, k: Decimal
) -> None:
    check_against_reference(forest, day, k)


START = dt.date(2024, 1, 1)


@st.composite
def shared_leaf_forests(draw: st.DrawFn) -> list[Bom]:
    """Parents ``A0..An`` under ``ROOT`` reuse one of a few leaf-line sets, some equal in
    value but not in digits (``2`` vs ``2.0``), some with repeated components."""

    def leaf_set() -> tuple[BomLine, ...]:
        positions = draw(st.lists(st.integers(1, 30), min_size=1, max_size=4, unique=True))
        return tuple(
            BomLine(
                p,
                f"L{draw(st.integers(0, 3))}",
                draw(st.one_of(bom_quantities(), st.sampled_from(["2", "2.0", "2.00"]))),
                draw(units_of_measure()),
                draw(st.sampled_from([Decimal(0), Decimal("2.5"), Decimal("10")])),
            )
            for p in positions
        )

    sets = [leaf_set() for _ in range(draw(st.integers(1, 3)))]
    n = draw(st.integers(1, 6))
    pcs = UnitOfMeasure("pcs")
    boms = []
    root_lines = []
    for i in range(n):
        lines = draw(st.sampled_from(sets))
        if draw(st.booleans()):  # same lines at other positions: another run, same tally
            lines = tuple(evolve(ln, position=ln.position + 30) for ln in lines)
        if draw(st.booleans()):  # a line to a sub-assembly splits the run
            lines = (*lines, BomLine(99, f"A{i + 1}" if i + 1 < n else "L0", 1, pcs))
        version = BomVersion(1, BomStatus.ACTIVE, START, None, lines)
        boms.append(Bom(company_id="ACME", id=f"A{i}", versions=(version,)))
        root_lines.append(BomLine(10 * (i + 1), f"A{i}", draw(bom_quantities()), pcs))
        if draw(st.booleans()):  # the same parent again, as a leaf-only phantom-free line
            root_lines.append(BomLine(10 * (i + 1) + 5, "L1", 3, pcs))
    root = BomVersion(1, BomStatus.ACTIVE, START, None, tuple(root_lines))
    return [Bom(company_id="ACME", id="ROOT", versions=(root,)), *boms]


@given(shared_leaf_forests(), st.integers(1, 999).map(lambda n: Decimal(n).scaleb(-1)))
def test_interned_leaf_runs_give_the_same_explosion(forest: list[Bom], k: Decimal) -> None:
    check_against_reference(forest, START, k)


def test_equal_leaf_lines_are_one_run_but_digits_stay_apart() -> None:
    pcs = UnitOfMeasure("pcs")
    a = BomVersion(1, BomStatus.ACTIVE, START, None, (BomLine(10, "L", "2", pcs),))
    b = BomVersion(1, BomStatus.ACTIVE, START, None, (BomLine(10, "L", "2.0", pcs),))
    root = BomVersion(
        1,
        BomStatus.ACTIVE,
        START,
        None,
        (BomLine(10, "A", 1, pcs), BomLine(20, "B", 1, pcs), BomLine(30, "A2", 1, pcs)),
    )
    forest = [
        Bom(company_id="ACME", id="R", versions=(root,)),
        Bom(company_id="ACME", id="A", versions=(a,)),
        Bom(company_id="ACME", id="A2", versions=(a,)),
        Bom(company_id="ACME", id="B", versions=(b,)),
    ]
    x = BomIndex.build(forest).explode("R", 1, START)
    assert [str(q) for q in x.quantities] == ["1", "2", "1", "2.0", "1", "2"]
    assert x.totals == {"A": Decimal(1), "L": Decimal(6), "B": Decimal(1), "A2": Decimal(1)}
    assert [ln.key for ln in x.lines] == ["10", "10.10", "20", "20.10", "30", "30.10"]
    runs = {id(seg[5]) for seg in x._unit.walked.segments if len(seg) == 6}
    assert len(runs) == 2  # A and A2 share their run; B's "2.0" is a run of its own


@given(bom_quantities(), st.integers(0, 999).map(lambda n: Decimal(n).scaleb(-1)))
def test_line_factor_is_the_exact_trimmed_product(quantity: Decimal, scrap: Decimal) -> None:
    line = BomLine(10, "X", quantity, UnitOfMeasure("pcs"), scrap_pct=scrap)
    with localcontext(_EXACT):
        want = _trim(quantity * (1 + scrap / 100)) if scrap else quantity
    assert line.factor.as_tuple() == want.as_tuple()
