"""The :class:`BomIndex` read model over many ``Bom`` aggregates: as-of resolution,
explosion, where-used; and the unindexed reference explosion."""

from __future__ import annotations

import datetime as _dt
import decimal
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from servicecore.bom.explosion.plan import _Child, _Compiled, _plan, _Run, _Tally
from servicecore.bom.explosion.result import Explosion, WhereUsed
from servicecore.bom.explosion.unit import _cycle, _Graph, _Lazy, _Segment, _Unit
from servicecore.bom.model import (
    _EXACT,
    _ONE,
    BOMS,
    Bom,
    BomStatus,
    BomVersion,
    _check_boms,
    _end_ordinal,
    _exact_quotient,
    to_quantity,
)
from servicecore.clock import to_date
from servicecore.errors import BusinessRuleError, NotFoundError
from servicecore.ports import UnitOfWork, check_id

__all__ = ["BomIndex", "load_bom_index", "naive_explode"]


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
                        # once per consumed component, however many lines use it
                        for comp in dict.fromkeys(child[1] for child in children):
                            self._parents.setdefault(comp, []).append(compiled)
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
        seen = {component}  # the component and every parent listed so far
        frontier = [component]
        level = 1
        while frontier:
            listed: dict[str, None] = {}  # this level's parents, in order: the next frontier
            for comp in frontier:
                for parent in self._parents.get(comp, ()):
                    item = parent.item
                    if self._resolve(item, day) is not parent:
                        continue
                    if item not in listed:
                        if item in seen:
                            continue  # already listed at a nearer level
                        seen.add(item)
                        listed[item] = None
                    for pos, child, factor, _ph, _pin, _u in parent.children:
                        if child == comp:
                            found.append(WhereUsed(level, item, parent.number, pos, factor))
            if not multi_level:
                break
            frontier = list(listed)
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
