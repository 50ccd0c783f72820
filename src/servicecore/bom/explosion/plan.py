"""Compiled BOM versions as the index keeps them: each version's children, with runs of
lines that are leaves on every date interned as one :class:`_Run`."""

from __future__ import annotations

from decimal import Decimal

from attrs import frozen

from servicecore.bom.model import _EXACT, UnitOfMeasure

_Child = tuple[int, str, Decimal, bool, int, UnitOfMeasure]  # pos, comp, factor, phantom, pin, uom


class _Run:
    """Consecutive lines of a version whose components have no active BOM version on any
    date (and no pin): they are leaves whatever the date, so the walk emits the whole run as
    one segment and its lines are only materialised when asked for. The index interns runs
    by content, so equal runs under many parents are one object (their shown quantities
    are memoised per parent quantity), and runs with the same :class:`_Tally` add to the
    totals once per tally instead of once per line."""

    __slots__ = (
        "components",
        "decimals",
        "digits",
        "factors",
        "positions",
        "size",
        "tally",
        "units",
    )

    def __init__(
        self,
        positions: tuple[int, ...],
        components: tuple[str, ...],
        factors: tuple[Decimal, ...],
        digits: tuple[str, ...],
        units: tuple[UnitOfMeasure, ...],
        tally: _Tally,
    ) -> None:
        self.size = len(positions)
        self.positions, self.components, self.factors = positions, components, factors
        self.digits, self.units = digits, units
        self.decimals = tuple([u.decimals for u in units])
        self.tally = tally

    def _key(self) -> tuple[object, ...]:
        return (self.positions, self.components, self.digits, self.units)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Run) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((self.positions, self.components, self.digits))


class _Tally:
    """What a run adds to the totals per unit of its parent: each distinct component and
    the exact sum of its factors in the run. Interned by value, positions ignored: runs
    that differ only in positions (or digits) share one, and the totals accumulate once
    per tally."""

    __slots__ = ("components", "factors")

    def __init__(self, components: tuple[str, ...], factors: tuple[Decimal, ...]) -> None:
        self.components, self.factors = components, factors


def _tally(
    components: tuple[str, ...],
    factors: tuple[Decimal, ...],
    tallies: dict[object, _Tally],
    names: dict[tuple[str, ...], tuple[str, ...]],
) -> _Tally:
    if len(set(components)) != len(components):
        sums: dict[str, Decimal] = {}
        for comp, f in zip(components, factors, strict=True):
            sums[comp] = _EXACT.add(sums[comp], f) if comp in sums else f
        components, factors = tuple(sums), tuple(sums.values())
    # one object per distinct components tuple, so totals can group tallies by identity
    components = names.setdefault(components, components)
    key = (components, factors)
    found = tallies.get(key)
    if found is None:
        found = tallies[key] = _Tally(components, factors)
    return found


def _intern(
    lines: tuple[_Child, ...],
    runs: dict[object, _Run],
    tallies: dict[object, _Tally],
    names: dict[tuple[str, ...], tuple[str, ...]],
) -> _Run:
    positions: tuple[int, ...]
    components: tuple[str, ...]
    factors: tuple[Decimal, ...]
    units: tuple[UnitOfMeasure, ...]
    positions, components, factors, _phantoms, _pins, units = zip(*lines, strict=True)
    # str() keeps Decimal('2') and Decimal('2.0') apart, so a shared run gives the same
    # digits as the lines it replaces.
    digits = tuple(map(str, factors))
    key = (positions, components, digits, tuple(map(id, units)))  # same unit objects only
    found = runs.get(key)
    if found is None:
        tally = _tally(components, factors, tallies, names)
        found = runs[key] = _Run(positions, components, factors, digits, units, tally)
    return found


@frozen
class _Compiled:
    item: str
    number: int
    start: int
    end: int
    children: tuple[_Child, ...]
    plan: tuple[_Child | _Run, ...]
    """The children with each run of always-leaf lines replaced by one interned run."""
    leaf_runs: tuple[_Run, ...] | None = None
    """``plan`` when every entry is a run (a BOM of leaves only), else ``None``."""
    byproducts: tuple[tuple[str, Decimal, UnitOfMeasure], ...] = ()
    """The by-product lines: (component, quantity made per unit, unit)."""


def _plan(
    children: tuple[_Child, ...],
    with_active: set[str],
    runs: dict[object, _Run],
    tallies: dict[object, _Tally],
    names: dict[tuple[str, ...], tuple[str, ...]],
) -> tuple[_Child | _Run, ...]:
    """``children`` with each maximal run of lines that are leaves on every date (no pin,
    no active version of the component's BOM) replaced by one interned :class:`_Run`."""
    plan: list[_Child | _Run] = []
    start = -1
    for i, child in enumerate(children):
        if not child[4] and child[1] not in with_active:
            if start < 0:
                start = i
            continue
        if start >= 0:
            plan.append(_intern(children[start:i], runs, tallies, names))
            start = -1
        plan.append(child)
    if start >= 0:
        plan.append(_intern(children[start:], runs, tallies, names))
    return tuple(plan)
