"""Cycle detection over every date where BOM versions combine."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from servicecore.bom.model.versions import BomStatus, BomVersion, _end_ordinal

if TYPE_CHECKING:
    from servicecore.bom.model.aggregate import Bom

_Node = tuple[str, int]  # (item, pinned version number or 0 = resolved by date)


def _candidates(boms: Iterable[Bom]) -> list[tuple[str, BomVersion]]:
    return [
        (b.id, v)
        for b in boms
        for v in b.versions
        if v.status in (BomStatus.APPROVED, BomStatus.ACTIVE)
    ]


def _intervals(candidates: Sequence[tuple[str, BomVersion]]) -> list[int]:
    bounds = {v.effective_from.toordinal() for _i, v in candidates}
    bounds.update(v.effective_to.toordinal() for _i, v in candidates if v.effective_to)
    return sorted(bounds)


def _cycle_on(candidates: Sequence[tuple[str, BomVersion]], day: int) -> list[str] | None:
    pinned: dict[_Node, BomVersion] = {(i, v.number): v for i, v in candidates}
    dated: dict[str, list[BomVersion]] = {}
    for item, v in candidates:
        if v.effective_from.toordinal() <= day < _end_ordinal(v):
            dated.setdefault(item, []).append(v)

    def edges(node: _Node) -> list[_Node]:
        item, pin = node
        versions = ([pinned[node]] if node in pinned else []) if pin else dated.get(item, [])
        return [
            (line.component, line.pin or 0)
            for v in versions
            for line in v.lines
            if not line.byproduct  # produced, not exploded: no edge
        ]

    colour: dict[_Node, int] = {}  # 1 = on the stack, 2 = done
    for start in [(i, 0) for i in dated] + list(pinned):
        if start in colour:
            continue
        stack: list[tuple[_Node, Iterable[_Node]]] = [(start, iter(edges(start)))]
        path = [start]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                state = colour.get(child)
                if state == 1:
                    cycle = [*path[path.index(child) :], child]
                    return [f"{i}" if not p else f"{i}#{p}" for i, p in cycle]
                if state is None:
                    colour[child] = 1
                    stack.append((child, iter(edges(child))))
                    path.append(child)
                    break
            else:
                colour[node] = 2
                stack.pop()
                path.pop()
    return None


def _first_cycle(boms: Iterable[Bom]) -> tuple[list[str], _dt.date] | None:
    """The cycle on the first elementary interval that has one, and that interval's first
    date; ``None`` when no date has a cycle."""
    candidates = _candidates(boms)
    for day in _intervals(candidates):
        cycle = _cycle_on(candidates, day)
        if cycle is not None:
            return cycle, _dt.date.fromordinal(day)
    return None
