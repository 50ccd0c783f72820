"""The explosion read model: :class:`BomIndex` over many ``Bom`` aggregates, as-of
resolution, explosion, where-used (re-exported by :mod:`servicecore.bom`)."""

from __future__ import annotations

import datetime as _dt
import decimal
import functools
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pendulum
from attrs import field, frozen

from servicecore.bom.model import (
    _EXACT,
    _ONE,
    _ZERO,
    Bom,
    BomStatus,
    BomUnitOfWork,
    BomVersion,
    UnitOfMeasure,
    _check_boms,
    _end_ordinal,
    _round_up,
    _trim,
    to_quantity,
)
from servicecore.clock import to_date
from servicecore.errors import (
    BusinessRuleError,
    NotFoundError,
)
from servicecore.ports import check_id

__all__ = [
    "BomIndex",
    "Explosion",
    "ExplosionLine",
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


_Row = tuple[int, int, "int | tuple[int, ...]", str, str, Decimal, UnitOfMeasure, "int | None"]
"""(level, parent row index or -1, step, parent item, component, quantity, unit, version)."""


@frozen
class _Unit:
    """The explosion of one unit of an item on one elementary interval.

    Stored as the rows the walk produced; columns, paths and totals are derived once, on
    first use.
    """

    rows: tuple[_Row, ...]

    def _column(self, i: int) -> tuple[Any, ...]:
        return tuple([r[i] for r in self.rows])

    @functools.cached_property
    def quantities(self) -> tuple[Decimal, ...]:
        return self._column(5)

    @functools.cached_property
    def components(self) -> tuple[str, ...]:
        return self._column(4)

    @functools.cached_property
    def units(self) -> tuple[UnitOfMeasure, ...]:
        return self._column(6)

    @functools.cached_property
    def paths(self) -> tuple[tuple[int, ...], ...]:
        """Each line's positions from the root (parents come before their children)."""
        paths: list[tuple[int, ...]] = []
        for row in self.rows:
            up, step = row[1], row[2]
            prefix = paths[up] if up >= 0 else ()
            paths.append((*prefix, *step) if isinstance(step, tuple) else (*prefix, step))
        return tuple(paths)

    @functools.cached_property
    def totals(self) -> Mapping[str, Decimal]:
        totals: dict[str, Decimal] = {}
        get = totals.get
        with decimal.localcontext(_EXACT):
            for row in self.rows:
                comp = row[4]
                totals[comp] = get(comp, _ZERO) + row[5]
        return totals


@frozen
class Explosion:
    """The explosion of ``quantity`` of ``item`` as of ``as_of`` using ``version`` at the root.

    ``quantities`` are the exact line quantities in line order; ``lines`` (built on first
    access) and ``totals`` present them.
    """

    item: str
    quantity: Decimal
    as_of: pendulum.Date
    version: int
    quantities: tuple[Decimal, ...]
    _unit: _Unit = field(repr=False, alias="unit")

    @functools.cached_property
    def lines(self) -> tuple[ExplosionLine, ...]:
        paths = self._unit.paths
        return tuple(
            ExplosionLine(
                row[0],
                paths[i],
                row[3],
                row[4],
                _trim(q),
                _round_up(q, row[6].decimals),
                row[6],
                row[7],
            )
            for i, (row, q) in enumerate(zip(self._unit.rows, self.quantities, strict=True))
        )

    @functools.cached_property
    def totals(self) -> Mapping[str, Decimal]:
        """Exact total per component: the sum over every path where it occurs."""
        k = self.quantity
        with decimal.localcontext(_EXACT):
            return {c: _trim(k * t) for c, t in self._unit.totals.items()}

    @property
    def rounded_totals(self) -> Mapping[str, Decimal]:
        """Each component's exact total rounded up once to its unit's decimals."""
        decimals = dict(zip(self._unit.components, self._unit.units, strict=True))
        return {c: decimals[c].round_up(t) for c, t in self.totals.items()}

    def __len__(self) -> int:
        return len(self.quantities)


@frozen
class WhereUsed:
    """A parent that uses a component, as of a date (``level`` 1 = direct parent)."""

    level: int
    parent: str
    version: int
    position: int
    quantity: Decimal


_Child = tuple[int, str, Decimal, bool, int, UnitOfMeasure]  # pos, comp, factor, phantom, pin, uom


@frozen
class _Compiled:
    item: str
    number: int
    start: int
    end: int
    children: tuple[_Child, ...]


class BomIndex:
    """Read model over many :class:`Bom` aggregates, for fast as-of queries.

    Build it once per batch of queries (``BomIndex.build(uow.boms.list_all())``); it does
    not see later changes. Per item it keeps the active versions sorted by effective-from
    (bisection resolves a date); the timeline of all effectivity boundaries cuts dates into
    elementary intervals on which every resolution is constant, and each (item, interval)
    unit explosion is computed once and cached.
    """

    def __init__(self, boms: Iterable[Bom]) -> None:
        self._starts: dict[str, list[int]] = {}
        self._active: dict[str, list[_Compiled]] = {}
        self._numbered: dict[tuple[str, int], _Compiled] = {}
        self._parents: dict[str, list[_Compiled]] = {}
        bounds: set[int] = set()
        with decimal.localcontext(_EXACT):
            for bom in _check_boms(boms, "boms"):
                if bom.id in self._active:
                    raise BusinessRuleError(
                        f"two BOM aggregates for item {bom.id!r}; build the index from one "
                        "company's BOMs, each item once",
                        rule="BOM-INDEX",
                        entity="bom",
                        id=bom.id,
                    )
                active: list[_Compiled] = []
                for v in bom.versions:
                    if v.status is BomStatus.DRAFT:
                        continue
                    compiled = _Compiled(
                        bom.id,
                        v.number,
                        v.effective_from.toordinal(),
                        _end_ordinal(v),
                        tuple(
                            (ln.position, ln.component, ln.factor, ln.phantom, ln.pin or 0, ln.unit)
                            for ln in v.lines
                        ),
                    )
                    self._numbered[bom.id, v.number] = compiled
                    if v.status is BomStatus.ACTIVE:
                        active.append(compiled)
                        bounds.add(compiled.start)
                        bounds.add(compiled.end)
                        for ln in v.lines:
                            self._parents.setdefault(ln.component, []).append(compiled)
                active.sort(key=lambda c: c.start)
                self._active[bom.id] = active
                self._starts[bom.id] = [c.start for c in active]
        self._bounds = sorted(bounds)
        self._cache: dict[tuple[str, int, int], _Unit] = {}

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
        unit = self.unit_explosion(root, day)
        with decimal.localcontext(_EXACT):
            quantities = tuple([qty * row[5] for row in unit.rows])
        return Explosion(item, qty, on, root.number, quantities, unit)

    def unit_explosion(self, root: _Compiled, day: int) -> _Unit:
        """The cached explosion of one unit of ``root`` on the interval containing ``day``."""
        key = (root.item, root.number, bisect_right(self._bounds, day))
        cached = self._cache.get(key)
        if cached is None:
            cached = self._cache[key] = self._walk(root, day)
        return cached

    def _walk(self, root: _Compiled, day: int) -> _Unit:
        # Hot loop: one tuple per node, transposed into columns at the end. Paths are not
        # built here: each row keeps its parent row's index and its own step.
        rows: list[_Row] = []
        append = rows.append
        on_path: set[str] = {root.item}
        has_bom = self._starts
        resolve = self._resolve

        def walk(node: _Compiled, qty: Decimal, up: int, via: tuple[int, ...], level: int) -> None:
            item = node.item
            for pos, comp, factor, phantom, pin, uom in node.children:
                q = qty * factor
                step = (*via, pos) if via else pos
                if not pin and comp not in has_bom:
                    append((level, up, step, item, comp, q, uom, None))
                    continue
                sub = self._pinned(comp, pin, node) if pin else resolve(comp, day)
                if sub is None:
                    append((level, up, step, item, comp, q, uom, None))
                    continue
                if comp in on_path:
                    raise BusinessRuleError(
                        f"cycle through {comp!r} under {item!r} version {node.number}; "
                        "the stored BOMs were not approved through servicecore",
                        rule="BOM-CYCLE",
                        entity="bom",
                        id=comp,
                    )
                on_path.add(comp)
                if phantom:
                    walk(sub, q, up, (*via, pos), level)
                else:
                    append((level, up, step, item, comp, q, uom, sub.number))
                    walk(sub, q, len(rows) - 1, (), level + 1)
                on_path.discard(comp)

        with decimal.localcontext(_EXACT):
            walk(root, _ONE, -1, (), 1)
        return _Unit(tuple(rows))

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

    def walk(v: BomVersion, qty: Decimal, level: int) -> None:
        for line in v.lines:
            q = qty * line.quantity
            if line.scrap_pct:
                q = q * (_ONE + line.scrap_pct.scaleb(-2))
            sub = version_of(line.component, line.pin)
            if line.phantom and sub is not None:
                walk(sub, q, level)
                continue
            out.append((level, line.component, q))
            if sub is not None:
                walk(sub, q, level + 1)

    root = version_of(item, None)
    if root is not None:
        with decimal.localcontext(_EXACT):
            walk(root, quantity, 1)
    return out


def load_bom_index(uow: BomUnitOfWork) -> BomIndex:
    """A :class:`BomIndex` over every BOM the unit of work sees."""
    return BomIndex.build(uow.boms.list_all())
