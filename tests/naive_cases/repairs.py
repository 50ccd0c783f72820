"""Naive-datetime cases for the BOM, service-object and repair entry points taking an instant.

Each callable passes the given naive datetime where an aware instant is required; every one
must raise ``ValidationError``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from servicecore.bom import Bom, BomIndex, BomLine, UnitOfMeasure
from servicecore.repairs import Repair, RepairCodes, RepairStage
from servicecore.service_objects import ObjectRelation, OwnerKind, ServiceObject

_AT = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
_DAY = datetime.date(2024, 1, 1)
_PCS = UnitOfMeasure("pcs", 0)


def _draft() -> Bom:
    bom, _ = Bom.create(
        "ACME", "A", lines=[BomLine(10, "B", Decimal(1), _PCS)], effective_from=_DAY, at=_AT
    )
    return bom


def _approved() -> Bom:
    return _draft().approve(1, catalog=[], at=_AT)[0]


def _active() -> Bom:
    return _approved().activate(1, at=_AT)[0]


def _object() -> ServiceObject:
    obj = ServiceObject(
        company_id="ACME", id="O", item_id="A", serial="S", customer_id="C", built_on=_DAY
    )
    return obj.instantiate_service_bom(BomIndex.build([_active()]).explode("A", 1, _DAY), at=_AT)[0]


def _bare_object() -> ServiceObject:
    return ServiceObject(
        company_id="ACME", id="O", item_id="A", serial="S", customer_id="C", built_on=_DAY
    )


_CODES = RepairCodes.of(
    "ACME",
    "C",
    resolutions=["FIX"],
    stages=[RepairStage("OPEN"), RepairStage("DONE", finished=True)],
)
_REL = ObjectRelation(
    company_id="ACME", id="R", object_id="O", owner_kind=OwnerKind.SERVICE_ORDER, owner_id="SO"
)


def _repair() -> Repair:
    return Repair.open(_CODES, _REL, _object(), repair_id="R1", order_id="SO", at=_AT)[0]


CASES: dict[str, Callable[[datetime.datetime], object]] = {
    "servicecore.bom.model.Bom.create": lambda naive: Bom.create(
        "ACME", "A", lines=[], effective_from=_DAY, at=naive
    ),
    "servicecore.bom.model.Bom.add_draft": lambda naive: _draft().add_draft(
        lines=[], effective_from=_DAY, at=naive
    ),
    "servicecore.bom.model.Bom.revise": lambda naive: _draft().revise(1, at=naive),
    "servicecore.bom.model.Bom.approve": lambda naive: _draft().approve(1, catalog=[], at=naive),
    "servicecore.bom.model.Bom.activate": lambda naive: _approved().activate(1, at=naive),
    "servicecore.bom.model.Bom.archive": lambda naive: _approved().archive(1, at=naive),
    "servicecore.bom.model.Bom.close": lambda naive: _active().close(
        1, effective_to=datetime.date(2025, 1, 1), at=naive
    ),
    "servicecore.service_objects.ServiceObject.instantiate_service_bom": lambda naive: (
        _bare_object().instantiate_service_bom(
            BomIndex.build([_active()]).explode("A", 1, _DAY), at=naive
        )
    ),
    "servicecore.service_objects.ServiceObject.add_part": lambda naive: _object().add_part(
        "X", 1, _PCS, on=_DAY, at=naive
    ),
    "servicecore.service_objects.ServiceObject.remove_part": lambda naive: _object().remove_part(
        "10", on=_DAY, at=naive
    ),
    "servicecore.service_objects.ServiceObject.change_quantity": lambda naive: (
        _object().change_quantity("10", 2, on=_DAY, at=naive)
    ),
    "servicecore.service_objects.ServiceObject.replace_part": lambda naive: _object().replace_part(
        "10", on=_DAY, at=naive
    ),
    "servicecore.repairs.Repair.open": lambda naive: Repair.open(
        _CODES, _REL, _object(), repair_id="R1", order_id="SO", at=naive
    ),
    "servicecore.repairs.Repair.record_codes": lambda naive: _repair().record_codes(
        _CODES, at=naive, resolution="FIX"
    ),
    "servicecore.repairs.Repair.move_to_stage": lambda naive: _repair().move_to_stage(
        _CODES, "DONE", at=naive
    ),
    "servicecore.repairs.Repair.assign_technician": lambda naive: _repair().assign_technician(
        "T", at=naive
    ),
    "servicecore.repairs.Repair.add_note": lambda naive: _repair().add_note(
        "text", author="T", at=naive
    ),
}
