"""Service BOMs: the as-built lines of one object and their append-only history, replayed
into the structure on any date."""

from __future__ import annotations

import datetime as _dt
import enum
import functools
from collections.abc import Iterable
from decimal import Decimal

import pendulum
from attrs import evolve, field, frozen

from servicecore.bom import UnitOfMeasure
from servicecore.clock import to_date, to_instant
from servicecore.errors import NotFoundError, ValidationError
from servicecore.ports import check_id, check_items

__all__ = ["ServiceBom", "ServiceBomAction", "ServiceBomChange", "ServiceBomLine", "replay"]


def _change_on(value: object) -> pendulum.Date:
    return to_date(value, "on")


def _bom_date(value: object) -> pendulum.Date:
    return to_date(value, "bom_date")


@frozen
class ServiceBomLine:
    """A physical part in a service BOM: ``line_id`` (the explosion path, ``"10.20"``, or
    ``"H<n>"`` for a part added by history line n), its parent line (``None`` at the top),
    component, quantity and unit."""

    line_id: str
    parent_line_id: str | None
    component: str
    quantity: Decimal
    unit: UnitOfMeasure


class ServiceBomAction(enum.Enum):
    """What a history line did."""

    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"
    CHANGE_QUANTITY = "change_quantity"


def _recorded_at(value: object) -> pendulum.DateTime:
    return to_instant(value, "recorded_at")


@frozen(kw_only=True)
class ServiceBomChange:
    """One history line (never edited once appended).

    ``line_id`` is the line acted upon (for ``ADD``: the new line); ``quantity`` is the
    added, replaced or new quantity; a ``REPLACE`` takes ``quantity`` out of ``line_id``
    (the line goes when nothing is left) and puts ``new_component`` in as ``new_line_id``.
    """

    seq: int
    action: ServiceBomAction
    on: pendulum.Date = field(converter=_change_on)
    line_id: str
    component: str
    quantity: Decimal
    unit: UnitOfMeasure
    parent_line_id: str | None = None
    new_line_id: str | None = None
    new_component: str | None = None
    order_id: str | None = None
    note: str = ""
    recorded_at: pendulum.DateTime = field(converter=_recorded_at)


def _descendants(lines: dict[str, ServiceBomLine], line_id: str) -> set[str]:
    gone = {line_id}
    changed = True
    while changed:
        changed = False
        for line in lines.values():
            if line.parent_line_id in gone and line.line_id not in gone:
                gone.add(line.line_id)
                changed = True
    return gone


def replay(
    base: Iterable[ServiceBomLine], changes: Iterable[ServiceBomChange]
) -> tuple[ServiceBomLine, ...]:
    """Apply ``changes`` in order to the as-built ``base`` lines; the structure they give.

    Lines keep their as-built order; added lines (and replacements) follow, in history order.
    """
    lines = {line.line_id: line for line in check_items(base, ServiceBomLine, "base")}
    for ch in check_items(changes, ServiceBomChange, "changes"):
        if ch.action is ServiceBomAction.ADD:
            lines[ch.line_id] = ServiceBomLine(
                ch.line_id, ch.parent_line_id, ch.component, ch.quantity, ch.unit
            )
            continue
        current = lines.get(ch.line_id)
        if current is None:
            raise ValidationError(
                f"change {ch.seq} ({ch.action.value}) refers to line {ch.line_id!r}, which is "
                "not in the structure at that point",
                field="changes",
                value=ch,
                allowed="changes recorded on these base lines, in their order",
            )
        if ch.action is ServiceBomAction.CHANGE_QUANTITY:
            lines[ch.line_id] = evolve(current, quantity=ch.quantity)
        elif ch.action is ServiceBomAction.REMOVE:
            for gone in _descendants(lines, ch.line_id):
                del lines[gone]
        else:  # REPLACE
            left = current.quantity - ch.quantity
            if left > 0:
                lines[ch.line_id] = evolve(current, quantity=left)
            else:
                for gone in _descendants(lines, ch.line_id):
                    del lines[gone]
            assert ch.new_line_id is not None
            assert ch.new_component is not None
            lines[ch.new_line_id] = ServiceBomLine(
                ch.new_line_id, current.parent_line_id, ch.new_component, ch.quantity, ch.unit
            )
    return tuple(lines.values())


@frozen(kw_only=True)
class ServiceBom:
    """An object's service BOM: as-built lines from ``source_item`` version
    ``source_version`` as of ``bom_date``, and the append-only ``history``."""

    source_item: str
    source_version: int
    bom_date: pendulum.Date = field(converter=_bom_date)
    as_built: tuple[ServiceBomLine, ...]
    history: tuple[ServiceBomChange, ...] = ()

    @functools.cached_property
    def structure(self) -> tuple[ServiceBomLine, ...]:
        """The as-maintained structure after every history line."""
        return replay(self.as_built, self.history)

    def structure_on(self, on: _dt.date) -> tuple[ServiceBomLine, ...]:
        """The as-maintained structure at the end of ``on`` (history lines dated up to it).

        Before ``bom_date`` the object had no structure yet: an empty tuple.
        """
        day = to_date(on, "on")
        if day < self.bom_date:
            return ()
        return replay(self.as_built, (c for c in self.history if c.on <= day))

    def line(self, line_id: str) -> ServiceBomLine:
        """The current line ``line_id`` or ``NotFoundError``."""
        check_id(line_id, "line_id")
        for line in self.structure:
            if line.line_id == line_id:
                return line
        raise NotFoundError(
            f"the service BOM has no current line {line_id!r} (lines: "
            f"{', '.join(ln.line_id for ln in self.structure) or 'none'})",
            entity="service BOM line",
            id=line_id,
        )
