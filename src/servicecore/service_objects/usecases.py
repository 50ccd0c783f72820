"""Service-object use cases (the caller commits)."""

from __future__ import annotations

import datetime as _dt

from servicecore.bom import BOMS, BomIndex
from servicecore.clock import Clock, read_clock
from servicecore.errors import BusinessRuleError
from servicecore.ports import UnitOfWork
from servicecore.service_objects.objects import SERVICE_OBJECTS, ServiceObject

__all__ = ["instantiate_service_bom", "replace_service_part"]


def instantiate_service_bom(uow: UnitOfWork, object_id: str, *, clock: Clock) -> ServiceObject:
    """Give object ``object_id`` its service BOM: one unit of its item exploded as of its
    build (else install) date, over every BOM of the company."""
    obj = uow[SERVICE_OBJECTS].get(object_id)
    if obj.bom_date is None:
        raise BusinessRuleError(
            f"object {obj.id!r} has neither a build nor an install date; set one to choose "
            "the BOM version",
            rule="SBOM-DATE",
            entity="service object",
            id=obj.id,
        )
    explosion = BomIndex.build(uow[BOMS].list_all()).explode(obj.item_id, 1, obj.bom_date)
    changed, events = obj.instantiate_service_bom(explosion, at=read_clock(clock))
    uow[SERVICE_OBJECTS].save(changed)
    uow.record(events)
    return changed


def replace_service_part(
    uow: UnitOfWork,
    object_id: str,
    line_id: str,
    *,
    on: _dt.date,
    clock: Clock,
    new_component: str | None = None,
    quantity: object = None,
    order_id: str | None = None,
    note: str = "",
) -> ServiceObject:
    """Record a part replacement on a stored object (see :meth:`ServiceObject.replace_part`);
    the spare-part and chargeable-line events are recorded for publication on commit."""
    obj = uow[SERVICE_OBJECTS].get(object_id)
    changed, events = obj.replace_part(
        line_id,
        new_component=new_component,
        quantity=quantity,
        on=on,
        at=read_clock(clock),
        order_id=order_id,
        note=note,
    )
    uow[SERVICE_OBJECTS].save(changed)
    uow.record(events)
    return changed
