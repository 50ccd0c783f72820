"""The cached explosion of one unit of an item on one elementary date interval: walked
path by path (segments), or measured per distinct node when shared sub-assemblies make
too many paths."""

from __future__ import annotations

import decimal
import functools
from collections import deque
from collections.abc import Mapping
from decimal import Decimal
from operator import add
from typing import TYPE_CHECKING, Any

from attrs import frozen

from servicecore.bom.explosion.plan import _Child, _Compiled, _Run, _Tally
from servicecore.bom.model import _EXACT, _ZERO, UnitOfMeasure, _round_up, _trim
from servicecore.errors import BusinessRuleError

if TYPE_CHECKING:
    from servicecore.bom.explosion.index import BomIndex

__all__ = ["MAX_EXPLOSION_LINES"]

_Node = tuple[int, int, "int | tuple[int, ...]", str, str, Decimal, UnitOfMeasure, "int | None"]
"""One line whose component was resolved on the date (or is a leaf only on that date):
(level, parent node's segment index or -1, step, parent item, component, quantity, unit,
version). ``step`` is the position, or the phantom positions plus the position."""

_RunSegment = tuple[int, int, tuple[int, ...], str, Decimal, _Run]
"""A run of leaf lines: (level, parent node's segment index or -1, phantom positions above
the run, parent item, quantity of the parent, run)."""

_Segment = tuple[Any, ...]
"""A :data:`_Node` or a :data:`_RunSegment` (told apart by length: 8 or 6)."""


_consume = deque[object](maxlen=0).extend
"""Runs an iterator to its end, keeping nothing."""


def _shown_run(kq: Decimal, run: _Run) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
    """The displayed (trimmed) and rounded-up quantities of a run's lines under parent
    quantity ``kq`` (in the exact context)."""
    xs = [kq * f for f in run.factors]
    return tuple(map(_trim, xs)), tuple(map(_round_up, xs, run.decimals))


@frozen
class _Unit:
    """The explosion of one unit of an item on one elementary interval.

    Stored as the segments the walk produced (one per resolved node, one per run of leaf
    lines, in line order); paths, columns and totals are derived on first use.
    """

    segments: tuple[_Segment, ...]
    count: int

    @functools.cached_property
    def prefixes(self) -> tuple[tuple[int, ...], ...]:
        """Per segment: a node's path, or the path a run's positions are appended to."""
        out: list[tuple[int, ...]] = []
        append = out.append
        for seg in self.segments:
            up, step = seg[1], seg[2]
            base = out[up] if up >= 0 else ()
            append(base + step if step.__class__ is tuple else (*base, step))
        return tuple(out)

    @functools.cached_property
    def paths(self) -> tuple[tuple[tuple[int, ...], ...], ...]:
        """Per segment, the paths of its lines (built once per unit, shared by every
        explosion of it)."""
        return tuple(
            [
                tuple([(*prefix, pos) for pos in seg[5].positions]) if len(seg) == 6 else (prefix,)
                for seg, prefix in zip(self.segments, self.prefixes, strict=True)
            ]
        )

    def scaled(self, k: Decimal) -> tuple[Decimal, ...]:
        """Every line's exact quantity for ``k`` units, in line order."""
        out: list[Decimal] = []
        append, extend = out.append, out.extend
        # From a run's second use on, its quantities under one parent quantity are
        # computed once; the key has the parent quantity's digits (str), since the
        # products' digits depend on them.
        seen: set[int] = set()
        memo: dict[tuple[int, str], tuple[Decimal, ...]] = {}
        with decimal.localcontext(_EXACT):
            for seg in self.segments:
                if len(seg) == 6:
                    kq = k * seg[4]
                    run = seg[5]
                    if id(run) not in seen:
                        seen.add(id(run))
                        extend(map(kq.__mul__, run.factors))
                        continue
                    key = (id(run), str(kq))
                    found = memo.get(key)
                    if found is None:
                        found = memo[key] = tuple(map(kq.__mul__, run.factors))
                    extend(found)
                else:
                    append(k * seg[5])
        return tuple(out)

    @functools.cached_property
    def unit_of(self) -> Mapping[str, UnitOfMeasure]:
        """Each component's unit (of its last line, as ``dict(zip(components, units))``)."""
        out: dict[str, UnitOfMeasure] = {}
        for seg in self.segments:
            if len(seg) == 6:
                out.update(zip(seg[5].components, seg[5].units, strict=True))
            else:
                out[seg[4]] = seg[6]
        return out

    @functools.cached_property
    def totals(self) -> Mapping[str, Decimal]:
        # Nodes add their quantity; a run adds its parent's quantity to its tally's
        # accumulator, and each distinct tally adds accumulator x factor sum per
        # component once at the end. Keys keep the order of first occurrence in the lines.
        totals: dict[str, Decimal] = {}
        acc: dict[int, Decimal] = {}
        used: list[_Tally] = []
        named: set[int] = set()
        get = totals.get
        zero = _ZERO
        with decimal.localcontext(_EXACT):
            for seg in self.segments:
                if len(seg) == 6:
                    tally, q = seg[5].tally, seg[4]
                    key = id(tally)
                    if key in acc:
                        acc[key] += q
                    else:
                        acc[key] = q
                        used.append(tally)
                        if id(tally.components) not in named:  # keys in order of first use
                            named.add(id(tally.components))
                            for comp in tally.components:
                                if comp not in totals:
                                    totals[comp] = zero
                else:
                    comp = seg[4]
                    totals[comp] = get(comp, zero) + seg[5]
            # Tallies over the same components are summed column by column (products,
            # transposition and sums all run in C), then added once per component.
            groups: dict[int, tuple[tuple[str, ...], list[tuple[Decimal, ...]]]] = {}
            for tally in used:
                a = acc[id(tally)]
                comps = tally.components
                group = groups.get(id(comps))
                if group is None:
                    group = groups[id(comps)] = (comps, [])
                group[1].append(tuple(map(a.__mul__, tally.factors)))
            getitem, setitem = totals.__getitem__, totals.__setitem__
            for comps, rows in groups.values():
                sums = map(sum, zip(*rows, strict=True)) if len(rows) > 1 else rows[0]
                _consume(map(setitem, comps, map(add, map(getitem, comps), sums)))
        return totals


MAX_EXPLOSION_LINES = 1_000_000
"""The most lines :attr:`Explosion.lines`, ``rows`` and ``quantities`` materialise. The
number of lines is the number of paths, which shared sub-assemblies multiply (a diamond 22
levels deep has 12.6 million); ``len()``, ``totals`` and ``rounded_totals`` are computed per
distinct node and have no such limit."""

_WALK_BUDGET = 100_000
"""Segments (resolved nodes and runs of leaf lines) a first walk may produce before the
explosion is measured per distinct node instead (see :class:`_Lazy`)."""


def _cycle(comp: str, node: _Compiled) -> BusinessRuleError:
    return BusinessRuleError(
        f"cycle through {comp!r} under {node.item!r} version {node.number}; "
        "the stored BOMs were not approved through servicecore",
        rule="BOM-CYCLE",
        entity="bom",
        id=comp,
    )


class _Graph:
    """The distinct nodes of one unit explosion, children before parents (see
    :meth:`BomIndex._graph`); ``lines`` counts what a walk of every path would produce."""

    __slots__ = ("lines", "order", "resolved", "root")

    def __init__(
        self,
        root: _Compiled,
        order: list[_Compiled],
        resolved: dict[int, list[tuple[_Child | _Run, _Compiled | None]]],
        lines: int,
    ) -> None:
        self.root, self.order, self.resolved, self.lines = root, order, resolved, lines

    def totals(self) -> tuple[dict[str, Decimal], dict[str, UnitOfMeasure]]:
        """Per-unit totals (keys in order of first occurrence in the lines) and each
        component's unit of measure (of its last line), computed once per distinct node."""
        totals_of: dict[int, dict[str, Decimal]] = {}
        units_of: dict[int, dict[str, UnitOfMeasure]] = {}
        zero = _ZERO
        with decimal.localcontext(_EXACT):
            for node in self.order:
                totals: dict[str, Decimal] = {}
                units: dict[str, UnitOfMeasure] = {}
                get = totals.get
                for entry, sub in self.resolved[id(node)]:
                    if entry.__class__ is _Run:
                        run: _Run = entry
                        for comp, f, uom in zip(
                            run.components, run.factors, run.units, strict=True
                        ):
                            totals[comp] = get(comp, zero) + f
                            units[comp] = uom
                        continue
                    _pos, comp, f, phantom, _pin, uom = entry  # type: ignore[misc]
                    if sub is None or not phantom:
                        totals[comp] = get(comp, zero) + f
                        units[comp] = uom
                    if sub is not None:
                        for c, t in totals_of[id(sub)].items():
                            totals[c] = get(c, zero) + f * t
                        units.update(units_of[id(sub)])
                totals_of[id(node)], units_of[id(node)] = totals, units
        root = id(self.root)
        return totals_of[root], units_of[root]


class _Bill:
    """Per unit of an explosion: leaf quantities by level (level 1 first), by-products,
    and the unit of each (see :attr:`_Lazy.bill`)."""

    __slots__ = ("__dict__", "leaf_units", "levels", "made", "made_units")

    def __init__(
        self,
        levels: tuple[dict[str, Decimal], ...],
        made: dict[str, Decimal],
        leaf_units: dict[str, UnitOfMeasure],
        made_units: dict[str, UnitOfMeasure],
    ) -> None:
        self.levels, self.made = levels, made
        self.leaf_units, self.made_units = leaf_units, made_units

    @functools.cached_property
    def leaves(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        with decimal.localcontext(_EXACT):
            for level in self.levels:
                for c, q in level.items():
                    totals[c] = totals[c] + q if c in totals else q
        return totals


class _Lazy:
    """One unit explosion as the index caches it.

    Most explosions are trees or nearly so: they are walked path by path at once (the walk
    counts, checks cycles and totals). A walk that passes :data:`_WALK_BUDGET` segments
    stops, and the explosion is measured on its graph of distinct nodes instead: its
    length and totals per node, its lines walked only when asked for and when there are
    at most :data:`MAX_EXPLOSION_LINES` of them.
    """

    __slots__ = ("__dict__", "day", "graph", "index", "root", "unit")

    def __init__(self, index: BomIndex, root: _Compiled, day: int) -> None:
        self.index, self.day, self.root = index, day, root
        self.unit = index._walk(root, day, _WALK_BUDGET)
        self.graph = index._graph(root, day) if self.unit is None else None

    @property
    def count(self) -> int:
        return self.unit.count if self.unit is not None else self._graph.lines

    @property
    def _graph(self) -> _Graph:
        assert self.graph is not None
        return self.graph

    @property
    def walked(self) -> _Unit:
        if self.unit is not None:
            return self.unit
        graph = self._graph
        if graph.lines > MAX_EXPLOSION_LINES:
            raise BusinessRuleError(
                f"the explosion of {graph.root.item!r} has {graph.lines:,} lines "
                f"(one per path through shared sub-assemblies), more than the "
                f"{MAX_EXPLOSION_LINES:,} that lines, rows and quantities materialise; "
                "totals, rounded_totals and len() are available for any size",
                rule="BOM-EXPLOSION-SIZE",
                entity="bom",
                id=graph.root.item,
            )
        unit = self.index._walk(graph.root, self.day)
        assert unit is not None
        self.unit = unit
        return unit

    @functools.cached_property
    def _per_node(self) -> tuple[dict[str, Decimal], dict[str, UnitOfMeasure]]:
        return self._graph.totals()

    @property
    def totals(self) -> Mapping[str, Decimal]:
        return self._per_node[0] if self.graph is not None else self.walked.totals

    @functools.cached_property
    def bill(self) -> _Bill:
        """Per unit: the leaf components by level and the by-products (per distinct node)."""
        graph = self.graph if self.graph is not None else self.index._graph(self.root, self.day)
        levels_of: dict[int, dict[int, dict[str, Decimal]]] = {}
        made_of: dict[int, dict[str, Decimal]] = {}
        leaf_units: dict[str, UnitOfMeasure] = {}
        made_units: dict[str, UnitOfMeasure] = {}
        zero = _ZERO
        with decimal.localcontext(_EXACT):
            for node in graph.order:
                levels: dict[int, dict[str, Decimal]] = {}
                made: dict[str, Decimal] = {}
                for comp, f, uom in node.byproducts:
                    made[comp] = made.get(comp, zero) + f
                    made_units[comp] = uom
                for entry, sub in graph.resolved[id(node)]:
                    if entry.__class__ is _Run:
                        run: _Run = entry
                        first = levels.setdefault(1, {})
                        for comp, f, uom in zip(
                            run.components, run.factors, run.units, strict=True
                        ):
                            first[comp] = first.get(comp, zero) + f
                            leaf_units[comp] = uom
                        continue
                    _pos, comp, f, phantom, _pin, uom = entry  # type: ignore[misc]
                    if sub is None:
                        first = levels.setdefault(1, {})
                        first[comp] = first.get(comp, zero) + f
                        leaf_units[comp] = uom
                        continue
                    shift = 0 if phantom else 1  # a phantom's lines take its level
                    for level, comps in levels_of[id(sub)].items():
                        into = levels.setdefault(level + shift, {})
                        for c, q in comps.items():
                            into[c] = into.get(c, zero) + f * q
                    for c, q in made_of[id(sub)].items():
                        made[c] = made.get(c, zero) + f * q
                levels_of[id(node)], made_of[id(node)] = levels, made
        root = id(graph.root)
        by_level = levels_of[root]
        return _Bill(
            tuple(by_level.get(n, {}) for n in range(1, max(by_level, default=0) + 1)),
            made_of[root],
            leaf_units,
            made_units,
        )

    @property
    def unit_of(self) -> Mapping[str, UnitOfMeasure]:
        return self._per_node[1] if self.graph is not None else self.walked.unit_of

    @functools.cached_property
    def _key(self) -> tuple[object, ...]:
        # What determines the lines: the walk's segments, or every distinct node's resolved
        # entries in order (the same BOMs always take the same route).
        if self.graph is None:
            return ("walk", self.walked)
        resolved = self.graph.resolved
        return (
            "graph",
            *(
                (
                    node.item,
                    node.number,
                    tuple(
                        (entry, None if sub is None else (sub.item, sub.number))
                        for entry, sub in resolved[id(node)]
                    ),
                )
                for node in self.graph.order
            ),
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Lazy) and (other is self or other._key == self._key)

    def __hash__(self) -> int:
        return hash(self._key)
