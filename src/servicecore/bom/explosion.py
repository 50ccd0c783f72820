"""The explosion read model: :class:`BomIndex` over many ``Bom`` aggregates, as-of
resolution, explosion, where-used (re-exported by :mod:`servicecore.bom`)."""

from __future__ import annotations

import datetime as _dt
import decimal
import functools
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from operator import add
from typing import Any, TypeVar, overload

import attrs
import pendulum
from attrs import field, frozen

from servicecore.bom.model import (
    _EXACT,
    _ONE,
    _ZERO,
    BOMS,
    Bom,
    BomStatus,
    BomVersion,
    UnitOfMeasure,
    _check_boms,
    _end_ordinal,
    _exact_quotient,
    _round_up,
    _trim,
    to_quantity,
)
from servicecore.clock import to_date
from servicecore.errors import (
    BusinessRuleError,
    NotFoundError,
)
from servicecore.ports import UnitOfWork, check_id

__all__ = [
    "MAX_EXPLOSION_LINES",
    "BomIndex",
    "Explosion",
    "ExplosionLine",
    "ExplosionRow",
    "WhereUsed",
    "load_bom_index",
    "naive_explode",
]

# ---------------------------------------------------------------------------------------
# Explosion read model
# ---------------------------------------------------------------------------------------


@frozen
class ExplosionLine:
    """One node of an indented explosion.

    ``level`` starts at 1 under the root (phantoms are flattened: their children take the
    phantom's level); ``path`` lists the positions from the root down to this line,
    phantom positions included, so it identifies the line; ``version`` is the component's
    own BOM version exploded beneath it (``None`` for a leaf).
    """

    level: int
    path: tuple[int, ...]
    parent: str
    component: str
    quantity: Decimal
    rounded_quantity: Decimal
    unit: UnitOfMeasure
    version: int | None

    @property
    def key(self) -> str:
        """``path`` as dotted text, e.g. ``"10.20"``."""
        return ".".join(map(str, self.path))


def _line_maker() -> Callable[..., ExplosionLine]:
    """A constructor of :class:`ExplosionLine` values equal to ``ExplosionLine(*fields)``
    for the explosion's own (already valid) fields, about a third cheaper: it fills the
    slots through their descriptors instead of the frozen class's generated ``__init__``
    (the class has no validators, converters or post-init to skip)."""
    new = object.__new__
    s0, s1, s2, s3, s4, s5, s6, s7 = (
        getattr(ExplosionLine, a.name).__set__ for a in attrs.fields(ExplosionLine)
    )

    def make(
        level: int,
        path: tuple[int, ...],
        parent: str,
        component: str,
        quantity: Decimal,
        rounded: Decimal,
        unit: UnitOfMeasure,
        version: int | None,
    ) -> ExplosionLine:
        line = new(ExplosionLine)
        s0(line, level)
        s1(line, path)
        s2(line, parent)
        s3(line, component)
        s4(line, quantity)
        s5(line, rounded)
        s6(line, unit)
        s7(line, version)
        return line

    return make


_make_line = _line_maker()

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


ExplosionRow = tuple[int, tuple[int, ...], str, str, Decimal, Decimal, UnitOfMeasure, "int | None"]
"""One line of :attr:`Explosion.rows`: the fields of :class:`ExplosionLine`, in order."""

_T = TypeVar("_T")


def _row(*fields: Any) -> ExplosionRow:
    return fields


@frozen
class Explosion:
    """The explosion of ``quantity`` of ``item`` as of ``as_of`` using ``version`` at the root.

    ``quantities`` (the exact line quantities in line order), ``lines`` and ``totals`` are
    derived from the cached unit explosion on first access. ``len()`` and the totals cost
    the number of distinct nodes when sub-assemblies are shared, never the number of
    paths; ``lines``, ``rows`` and ``quantities`` have one entry per path and are refused
    (``BusinessRuleError``) above :data:`MAX_EXPLOSION_LINES`.
    """

    item: str
    quantity: Decimal
    as_of: pendulum.Date
    version: int
    _unit: _Lazy = field(repr=False, alias="unit")

    @functools.cached_property
    def quantities(self) -> tuple[Decimal, ...]:
        """Each line's exact quantity, in line order."""
        return self._unit.walked.scaled(self.quantity)

    @functools.cached_property
    def lines(self) -> Sequence[ExplosionLine]:
        """The indented lines: an immutable sequence that equals the tuple of its
        :class:`ExplosionLine` values (``==`` a tuple, hashable, sliced into tuples). Getting
        it costs nothing per line: the line objects are built on first use of an element
        (indexing, iteration, comparison), all at once, then kept."""
        self._unit.walked  # noqa: B018 - refuses an explosion above MAX_EXPLOSION_LINES now
        return _Lines(self)

    @functools.cached_property
    def rows(self) -> tuple[ExplosionRow, ...]:
        """The lines as plain tuples, cheaper to build than :attr:`lines` when there are
        many: ``(level, path, parent, component, quantity, rounded_quantity, unit,
        version)``, the fields of :class:`ExplosionLine` in order."""
        return self._build(_row)

    def _build(self, line: Callable[..., _T]) -> tuple[_T, ...]:
        k = self.quantity
        unit = self._unit.walked
        out: list[_T] = []
        append = out.append
        # A run's displayed and rounded-up quantities depend only on its parent's
        # quantity: once a run shows up a second time, they are memoised per (run, parent
        # quantity). Keeping them for runs used once would only cost.
        seen: set[int] = set()
        memo: dict[tuple[int, str], tuple[tuple[Decimal, ...], tuple[Decimal, ...]]] = {}
        with decimal.localcontext(_EXACT):
            for seg, paths in zip(unit.segments, unit.paths, strict=True):
                if len(seg) == 6:
                    level, _up, _via, parent, q, run = seg
                    kq = k * q
                    if id(run) not in seen:  # first use of the run (most runs): no memo
                        seen.add(id(run))
                        for path, comp, uom, f in zip(
                            paths, run.components, run.units, run.factors, strict=True
                        ):
                            x = kq * f
                            t, r = _trim(x), _round_up(x, uom.decimals)
                            append(line(level, path, parent, comp, t, r, uom, None))
                        continue
                    key = (id(run), str(kq))  # str: cheaper to hash than a Decimal
                    shown = memo.get(key)
                    if shown is None:
                        shown = memo[key] = _shown_run(kq, run)
                    for path, comp, uom, t, r in zip(
                        paths, run.components, run.units, *shown, strict=True
                    ):
                        append(line(level, path, parent, comp, t, r, uom, None))
                else:
                    level, _up, _step, parent, comp, q, uom, version = seg
                    x = k * q
                    append(
                        line(
                            level,
                            paths[0],
                            parent,
                            comp,
                            _trim(x),
                            _round_up(x, uom.decimals),
                            uom,
                            version,
                        )
                    )
        return tuple(out)

    @functools.cached_property
    def totals(self) -> Mapping[str, Decimal]:
        """Exact total per component: the sum over every path where it occurs."""
        k = self.quantity
        with decimal.localcontext(_EXACT):
            return {c: _trim(k * t) for c, t in self._unit.totals.items()}

    @property
    def rounded_totals(self) -> Mapping[str, Decimal]:
        """Each component's exact total rounded up once to its unit's decimals."""
        unit_of = self._unit.unit_of
        return {c: unit_of[c].round_up(t) for c, t in self.totals.items()}

    @functools.cached_property
    def leaf_totals(self) -> Mapping[str, Decimal]:
        """Exact total of each *leaf* component (a line with no BOM exploded beneath it on
        the date: what is bought or taken from stock), summed over every path; sub-assemblies
        and phantoms are left out (their own lines are counted instead). Keys by level, then
        in line order. Computed per distinct node, whatever the number of paths."""
        k = self.quantity
        with decimal.localcontext(_EXACT):
            return {c: _trim(k * t) for c, t in self._unit.bill.leaves.items()}

    @functools.cached_property
    def leaf_totals_by_level(self) -> tuple[Mapping[str, Decimal], ...]:
        """:attr:`leaf_totals` split by the level of the lines they come from (index 0 is
        level 1, phantoms flattened as in :attr:`lines`)."""
        k = self.quantity
        with decimal.localcontext(_EXACT):
            return tuple(
                {c: _trim(k * t) for c, t in level.items()} for level in self._unit.bill.levels
            )

    @functools.cached_property
    def byproducts(self) -> Mapping[str, Decimal]:
        """Exact quantity of each by-product made by the explosion: the by-product lines
        (see :class:`BomLine`) of the root and of every sub-assembly and phantom exploded
        beneath it, scaled like any line."""
        k = self.quantity
        with decimal.localcontext(_EXACT):
            return {c: _trim(k * t) for c, t in self._unit.bill.made.items()}

    def leaf_unit(self, component: str) -> UnitOfMeasure:
        """The unit of measure of a leaf component of :attr:`leaf_totals` (of its last
        line), or of a by-product; ``NotFoundError`` for any other component."""
        check_id(component, "component")
        bill = self._unit.bill
        found = bill.leaf_units.get(component) or bill.made_units.get(component)
        if found is None:
            raise NotFoundError(
                f"{component!r} is neither a leaf component nor a by-product of the "
                f"explosion of {self.item!r}",
                entity="component",
                id=component,
            )
        return found

    def __len__(self) -> int:
        return self._unit.count


class _Lines(Sequence[ExplosionLine]):
    """:attr:`Explosion.lines`: built on first use of an element, then kept."""

    __slots__ = ("_built", "_explosion")

    def __init__(self, explosion: Explosion) -> None:
        self._explosion = explosion
        self._built: tuple[ExplosionLine, ...] | None = None

    def _all(self) -> tuple[ExplosionLine, ...]:
        built = self._built
        if built is None:
            built = self._built = self._explosion._build(_make_line)
        return built

    def __len__(self) -> int:
        return len(self._explosion)

    @overload
    def __getitem__(self, index: int) -> ExplosionLine: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ExplosionLine, ...]: ...

    def __getitem__(self, index: int | slice) -> ExplosionLine | tuple[ExplosionLine, ...]:
        return self._all()[index]

    def __iter__(self) -> Iterator[ExplosionLine]:
        return iter(self._all())

    def __reversed__(self) -> Iterator[ExplosionLine]:
        return reversed(self._all())

    def __contains__(self, value: object) -> bool:
        return value in self._all()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Lines):
            return other is self or self._all() == other._all()
        if isinstance(other, tuple):
            return self._all() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())


@frozen
class WhereUsed:
    """A parent that uses a component, as of a date (``level`` 1 = direct parent)."""

    level: int
    parent: str
    version: int
    position: int
    quantity: Decimal


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


class BomIndex:
    """Read model over many :class:`Bom` aggregates, for fast as-of queries.

    Build it once per batch of queries (``BomIndex.build(uow[BOMS].list_all())``); it does
    not see later changes. Per item it keeps the active versions sorted by effective-from
    (bisection resolves a date); the timeline of all effectivity boundaries cuts dates into
    elementary intervals on which every resolution is constant, and each (item, interval)
    unit explosion is computed once and cached.

    A mutable cache object, not a domain value, hence not an attrs class: it compares by
    identity, is never stored or serialized, and its cache fills as queries arrive (with
    no lock: build one per thread). The values it returns are frozen attrs classes.
    """

    def __init__(self, boms: Iterable[Bom]) -> None:
        self._starts: dict[str, list[int]] = {}
        self._active: dict[str, list[_Compiled]] = {}
        self._numbered: dict[tuple[str, int], _Compiled] = {}
        self._parents: dict[str, list[_Compiled]] = {}
        bounds: set[int] = set()
        checked = _check_boms(boms, "boms")
        seen: set[str] = set()
        with_active: set[str] = set()
        for bom in checked:
            if bom.id in seen:
                raise BusinessRuleError(
                    f"two BOM aggregates for item {bom.id!r}; build the index from one "
                    "company's BOMs, each item once",
                    rule="BOM-INDEX",
                    entity="bom",
                    id=bom.id,
                )
            seen.add(bom.id)
            if any(v.status is BomStatus.ACTIVE for v in bom.versions):
                with_active.add(bom.id)
        runs: dict[object, _Run] = {}
        tallies: dict[object, _Tally] = {}
        names: dict[tuple[str, ...], tuple[str, ...]] = {}
        with decimal.localcontext(_EXACT):
            for bom in checked:
                active: list[_Compiled] = []
                for v in bom.versions:
                    if v.status is BomStatus.DRAFT:
                        continue
                    children = tuple(
                        (
                            ln.position,
                            ln.component,
                            ln.factor if v.output == _ONE else v.per_unit(ln),
                            ln.phantom,
                            ln.pin or 0,
                            ln.unit,
                        )
                        for ln in v.lines
                        if not ln.byproduct
                    )
                    made = tuple(
                        (ln.component, v.per_unit(ln), ln.unit) for ln in v.lines if ln.byproduct
                    )
                    plan = _plan(children, with_active, runs, tallies, names)
                    only_runs = [e for e in plan if isinstance(e, _Run)]
                    compiled = _Compiled(
                        bom.id,
                        v.number,
                        v.effective_from.toordinal(),
                        _end_ordinal(v),
                        children,
                        plan,
                        tuple(only_runs) if len(only_runs) == len(plan) else None,
                        made,
                    )
                    self._numbered[bom.id, v.number] = compiled
                    if v.status is BomStatus.ACTIVE:
                        active.append(compiled)
                        bounds.add(compiled.start)
                        bounds.add(compiled.end)
                        for ln in v.lines:
                            if not ln.byproduct:
                                self._parents.setdefault(ln.component, []).append(compiled)
                active.sort(key=lambda c: c.start)
                self._active[bom.id] = active
                self._starts[bom.id] = [c.start for c in active]
        self._bounds = sorted(bounds)
        self._cache: dict[tuple[str, int, int], _Lazy] = {}

    @classmethod
    def build(cls, boms: Iterable[Bom]) -> BomIndex:
        """Index these BOM aggregates (one per item)."""
        return cls(boms)

    # -- resolution --------------------------------------------------------------------
    def _resolve(self, item: str, day: int) -> _Compiled | None:
        starts = self._starts.get(item)
        if not starts:
            return None
        i = bisect_right(starts, day) - 1
        if i < 0:
            return None
        found = self._active[item][i]
        return found if day < found.end else None

    def _pinned(self, item: str, number: int, parent: _Compiled) -> _Compiled:
        found = self._numbered.get((item, number))
        if found is None:
            raise BusinessRuleError(
                f"BOM {parent.item!r} version {parent.number} pins version {number} of "
                f"{item!r}, which is not an approved, active or archived version",
                rule="BOM-PIN",
                entity="bom",
                id=parent.item,
            )
        return found

    def effective_version(self, item: str, on: _dt.date) -> int | None:
        """Number of ``item``'s active version effective on ``on`` (O(log versions))."""
        found = self._resolve(check_id(item, "item"), to_date(on, "on").toordinal())
        return None if found is None else found.number

    # -- explosion ---------------------------------------------------------------------
    def explode(self, item: str, quantity: object, as_of: _dt.date) -> Explosion:
        """Explode ``quantity`` of ``item`` as of ``as_of`` (see the module's rounding rule).

        ``NotFoundError`` if ``item`` has no active version effective that day.
        """
        check_id(item, "item")
        qty = to_quantity(quantity)
        on = to_date(as_of, "as_of")
        day = on.toordinal()
        root = self._resolve(item, day)
        if root is None:
            raise NotFoundError(
                f"item {item!r} has no active BOM version effective on {on}",
                entity="bom",
                id=item,
            )
        return Explosion(item, qty, on, root.number, self.unit_explosion(root, day))

    def unit_explosion(self, root: _Compiled, day: int) -> _Lazy:
        """The cached explosion of one unit of ``root`` on the interval containing ``day``:
        its shape over distinct nodes now, its lines only when they are asked for."""
        key = (root.item, root.number, bisect_right(self._bounds, day))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = _Lazy(self, root, day)
        return cached

    def _walk(self, root: _Compiled, day: int, budget: int | None = None) -> _Unit | None:
        # Hot loop: one segment per resolved node and one per run of leaf lines; paths,
        # per-line quantities and line objects are derived later, only when asked for.
        # Depth-first with an explicit stack (a chain of any depth, no recursion limit):
        # a frame is (node, its plan iterator, quantity, parent segment, phantom positions,
        # level, the item it put on the path).
        segments: list[_Segment] = []
        append = segments.append
        on_path: set[str] = {root.item}
        starts_of, active_of = self._starts, self._active
        leaves = 0
        Frame = tuple[_Compiled, Any, Decimal, int, tuple[int, ...], int, str | None]
        stack: list[Frame] = [(root, iter(root.plan), _ONE, -1, (), 1, None)]
        with decimal.localcontext(_EXACT):
            while stack:
                node, entries, qty, up, via, level, entered = stack[-1]
                item = node.item
                for entry in entries:
                    if entry.__class__ is _Run:
                        append((level, up, via, item, qty, entry))
                        leaves += entry.size - 1
                        continue
                    pos, comp, factor, phantom, pin, uom = entry
                    q = qty * factor
                    step = (*via, pos) if via else pos
                    if pin:
                        sub: _Compiled | None = self._pinned(comp, pin, node)
                    else:  # self._resolve(comp, day), inlined; comp has active versions
                        i = bisect_right(starts_of[comp], day) - 1
                        sub = active_of[comp][i] if i >= 0 else None
                        if sub is not None and day >= sub.end:
                            sub = None
                    if sub is None:
                        append((level, up, step, item, comp, q, uom, None))
                        continue
                    if comp in on_path:
                        raise _cycle(comp, node)
                    if budget is not None and len(segments) > budget:
                        return None
                    if phantom:
                        on_path.add(comp)
                        stack.append((sub, iter(sub.plan), q, up, (*via, pos), level, comp))
                        break
                    append((level, up, step, item, comp, q, uom, sub.number))
                    runs = sub.leaf_runs
                    if runs is not None:  # a BOM of leaves only: no need to descend
                        below, sub_item = len(segments) - 1, sub.item
                        for run in runs:
                            append((level + 1, below, (), sub_item, q, run))
                            leaves += run.size - 1
                        continue
                    on_path.add(comp)
                    stack.append((sub, iter(sub.plan), q, len(segments) - 1, (), level + 1, comp))
                    break
                else:
                    stack.pop()
                    if entered is not None:
                        on_path.discard(entered)
        return _Unit(tuple(segments), len(segments) + leaves)

    def _graph(self, root: _Compiled, day: int) -> _Graph:
        """The distinct nodes under ``root`` on ``day``, children before parents, with each
        node's entries resolved and the number of lines: one visit per distinct
        sub-assembly however many paths lead to it."""
        starts_of, active_of = self._starts, self._active
        resolved: dict[int, list[tuple[_Child | _Run, _Compiled | None]]] = {id(root): []}
        order: list[_Compiled] = []
        on_path: set[str] = {root.item}
        stack: list[tuple[_Compiled, Any]] = [(root, iter(root.plan))]
        while stack:
            node, entries = stack[-1]
            mine = resolved[id(node)]
            for entry in entries:
                if entry.__class__ is _Run:
                    mine.append((entry, None))
                    continue
                _pos, comp, _factor, _phantom, pin, _uom = entry
                if pin:
                    sub: _Compiled | None = self._pinned(comp, pin, node)
                else:
                    i = bisect_right(starts_of[comp], day) - 1
                    sub = active_of[comp][i] if i >= 0 else None
                    if sub is not None and day >= sub.end:
                        sub = None
                mine.append((entry, sub))
                if sub is None:
                    continue
                if comp in on_path:
                    raise _cycle(comp, node)
                if id(sub) not in resolved:
                    resolved[id(sub)] = []
                    on_path.add(comp)
                    stack.append((sub, iter(sub.plan)))
                    break
            else:
                stack.pop()
                order.append(node)
                if stack:
                    on_path.discard(node.item)
        lines: dict[int, int] = {}
        for node in order:
            n = 0
            for entry, sub in resolved[id(node)]:
                if entry.__class__ is _Run:
                    n += entry.size
                elif sub is None:
                    n += 1
                else:  # a phantom brings its children, not itself
                    n += lines[id(sub)] + (0 if entry[3] else 1)  # type: ignore[index]
            lines[id(node)] = n
        return _Graph(root, order, resolved, lines[id(root)])

    # -- where-used --------------------------------------------------------------------
    def where_used(
        self, component: str, as_of: _dt.date, *, multi_level: bool = False
    ) -> tuple[WhereUsed, ...]:
        """Parents whose version effective on ``as_of`` has a line for ``component``.

        With ``multi_level`` the search continues upwards (parents of parents, level 2,
        ...), each parent listed once at its nearest level. Sorted by level, parent,
        position.
        """
        check_id(component, "component")
        day = to_date(as_of, "as_of").toordinal()
        found: list[WhereUsed] = []
        seen = {component}
        frontier = [component]
        level = 1
        while frontier:
            nxt: list[str] = []
            for comp in frontier:
                for parent in self._parents.get(comp, ()):
                    if self._resolve(parent.item, day) is not parent:
                        continue
                    for pos, child, factor, _ph, _pin, _u in parent.children:
                        if child == comp:
                            found.append(WhereUsed(level, parent.item, parent.number, pos, factor))
                    if parent.item not in seen:
                        seen.add(parent.item)
                        nxt.append(parent.item)
            if not multi_level:
                break
            frontier = nxt
            level += 1
        found.sort(key=lambda w: (w.level, w.parent, w.position))
        return tuple(found)


def naive_explode(
    boms: Mapping[str, Bom], item: str, quantity: Decimal, as_of: _dt.date
) -> list[tuple[int, str, Decimal]]:
    """Reference explosion without an index: at every node, scan the item's versions.

    Used by tests as an oracle and by the benchmark as the baseline; returns
    ``(level, component, exact quantity)`` in the same order as :meth:`BomIndex.explode`.
    """
    out: list[tuple[int, str, Decimal]] = []

    def version_of(comp: str, pin: int | None) -> BomVersion | None:
        bom = boms.get(comp)
        if bom is None:
            return None
        for v in bom.versions:
            if (pin is not None and v.number == pin) or (
                pin is None and v.status is BomStatus.ACTIVE and v.effective_on(as_of)
            ):
                return v
        return None

    root = version_of(item, None)
    if root is None:
        return out

    # Depth first with an explicit stack of (line iterator, quantity, level): no recursion.
    def lines_of(v: BomVersion) -> Any:
        return ((line, v.output) for line in v.lines)

    stack: list[tuple[Any, Decimal, int]] = [(lines_of(root), quantity, 1)]
    with decimal.localcontext(_EXACT):
        while stack:
            lines, qty, level = stack[-1]
            for line, output in lines:
                if line.byproduct:
                    continue
                q = qty * line.quantity
                if line.scrap_pct:
                    q = q * (_ONE + line.scrap_pct.scaleb(-2))
                if output != _ONE:
                    exact = _exact_quotient(q, output)
                    assert exact is not None  # BomVersion checked that it terminates
                    q = exact
                sub = version_of(line.component, line.pin)
                if line.phantom and sub is not None:
                    stack.append((lines_of(sub), q, level))
                    break
                out.append((level, line.component, q))
                if sub is not None:
                    stack.append((lines_of(sub), q, level + 1))
                    break
            else:
                stack.pop()
    return out


def load_bom_index(uow: UnitOfWork) -> BomIndex:
    """A :class:`BomIndex` over every BOM the unit of work sees."""
    return BomIndex.build(uow[BOMS].list_all())
