"""BOM use cases: create, approve, activate (the caller commits)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from decimal import Decimal

from servicecore.bom.model.aggregate import BOMS, Bom
from servicecore.bom.model.items import ITEMS, Item
from servicecore.bom.model.versions import BomLine, BomStatus
from servicecore.clock import Clock, read_clock
from servicecore.errors import BusinessRuleError, NotFoundError
from servicecore.ports import UnitOfWork

__all__ = ["activate_bom_version", "approve_bom_version", "create_bom"]


def create_bom(
    uow: UnitOfWork,
    item_id: str,
    *,
    lines: Iterable[BomLine],
    effective_from: _dt.date,
    effective_to: _dt.date | None = None,
    clock: Clock,
    output: Decimal | int | str = 1,
) -> Bom:
    """Add a new BOM for ``item_id`` with version 1 as a draft making ``output`` units
    (``AlreadyExistsError`` if the item has one: add a version to it instead)."""
    bom, events = Bom.create(
        uow.company_id,
        item_id,
        lines=lines,
        effective_from=effective_from,
        effective_to=effective_to,
        at=read_clock(clock),
        output=output,
    )
    uow[BOMS].add(bom)
    uow.record(events)
    return bom


def approve_bom_version(uow: UnitOfWork, item_id: str, number: int, *, clock: Clock) -> Bom:
    """Approve a draft, checking cycles against every BOM of the company and each line's
    unit against its component item (when the item is stored).

    **Concurrency.** The cycle check reads other BOMs, so the approval also re-saves,
    unchanged, every stored BOM reachable from the new version's components (an optimistic
    read lock, see :func:`_approval_read_set`): a concurrent approval that changed any of
    them makes one of the two commits raise ``ConcurrencyError`` and apply nothing, so
    concurrent approvals can never combine into a cycle. For the same reason the BOM must
    already be stored (committed): ``BusinessRuleError`` for a BOM added in this unit of
    work, which no other unit of work could see, let alone conflict on.
    """
    bom = uow[BOMS].get(item_id)
    version = bom.get_version(number)
    if bom.version == 0:
        raise BusinessRuleError(
            f"commit the new BOM {item_id!r} first, then approve version {number} in a new "
            "unit of work: an approval locks the stored BOMs its cycle check reads, and a "
            "BOM that is not stored yet cannot be locked against a concurrent approval",
            rule="BOM-APPROVE-STORED",
            entity="bom",
            id=item_id,
        )
    items: dict[str, Item] = {}
    for line in version.lines:
        try:
            items[line.component] = uow[ITEMS].get(line.component)
        except NotFoundError:
            continue
    catalog = list(uow[BOMS].list_all())
    changed, events = bom.approve(number, catalog=catalog, at=read_clock(clock), items=items)
    uow[BOMS].save(changed)
    for read in _approval_read_set(catalog, changed, number):
        uow[BOMS].save(read)  # unchanged: the commit now conflicts if it moved meanwhile
    uow.record(events)
    return changed


def _approval_read_set(catalog: Iterable[Bom], approved: Bom, number: int) -> list[Bom]:
    """The BOMs (other than ``approved``) reachable from the components of its version
    ``number``, following every approved or active version of each BOM on any date.

    Why this set suffices: a cycle that two or more concurrent approvals close together
    runs from one approval's new line through BOMs that approval could already see, up to
    the BOM another of them approves; that BOM is reachable here, so both units of work
    write it and the later commit conflicts (see docs/bom.md, "Concurrent approvals").
    Drafts add no edge but are still locked when reached: approving one is the change
    that must conflict.
    """
    by_item = {b.id: b for b in catalog if b.id != approved.id}
    by_item[approved.id] = approved
    seen: set[str] = set()
    todo = [line.component for line in approved.get_version(number).lines]
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        bom = by_item.get(item)
        if bom is None:
            continue
        todo.extend(
            line.component
            for v in bom.versions
            if v.status in (BomStatus.APPROVED, BomStatus.ACTIVE)
            for line in v.lines
        )
    return [by_item[i] for i in sorted(seen) if i in by_item and i != approved.id]


def activate_bom_version(uow: UnitOfWork, item_id: str, number: int, *, clock: Clock) -> Bom:
    """Activate an approved version (refused when it overlaps another active one)."""
    bom = uow[BOMS].get(item_id)
    changed, events = bom.activate(number, at=read_clock(clock))
    uow[BOMS].save(changed)
    uow.record(events)
    return changed
