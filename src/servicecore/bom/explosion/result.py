"""What an explosion returns: :class:`Explosion`, its lines and rows, and where-used
answers."""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar, overload

import attrs
import pendulum
from attrs import field, frozen

from servicecore.bom.explosion.unit import _Lazy, _shown_run
from servicecore.bom.model import _EXACT, UnitOfMeasure, _round_up, _trim
from servicecore.errors import NotFoundError
from servicecore.ports import check_id

__all__ = ["Explosion", "ExplosionLine", "ExplosionRow", "WhereUsed"]


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
