"""Shared builders of the BOM, service-object and repair tests: a pump family of BOMs, the
pump installed at a customer with its service BOM, a repair code set and opened repairs.

Test modules import these instead of importing each other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from servicecore.bom import Bom, BomIndex, BomLine, UnitOfMeasure
from servicecore.repairs import Repair, RepairCodes, RepairStage
from servicecore.service_objects import ObjectRelation, OwnerKind, ServiceObject

AT = dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)


JAN = dt.date(2024, 1, 1)


JUL = dt.date(2024, 7, 1)


PCS = UnitOfMeasure("pcs", 0)


KG = UnitOfMeasure("kg", 3)


def line(pos: int, comp: str, qty: str, scrap: str = "0", **kw: object) -> BomLine:
    unit = kw.pop("unit", PCS)
    assert isinstance(unit, UnitOfMeasure)
    return BomLine(pos, comp, D(qty), unit, D(scrap), **kw)  # type: ignore[arg-type]


def released(item: str, lines: list[BomLine], start: dt.date = JAN) -> Bom:
    bom, _ = Bom.create("ACME", item, lines=lines, effective_from=start, at=AT)
    bom, _ = bom.approve(1, catalog=[], at=AT)
    bom, _ = bom.activate(1, at=AT)
    return bom


def pump_family() -> dict[str, Bom]:
    return {
        "PUMP": released(
            "PUMP",
            [
                line(10, "MOTOR", "1"),
                line(20, "HOUSING", "2", "10"),
                line(30, "KIT", "1", phantom=True),
            ],
        ),
        "MOTOR": released("MOTOR", [line(10, "ROTOR", "1"), line(20, "SCREW", "4", "5")]),
        "HOUSING": released(
            "HOUSING", [line(10, "SCREW", "3"), line(20, "GASKET", "0.125", "2", unit=KG)]
        ),
        "KIT": released("KIT", [line(10, "ORING", "2"), line(20, "SCREW", "1")]),
    }


def with_motor_v2(boms: dict[str, Bom]) -> dict[str, Bom]:
    motor = boms["MOTOR"]
    motor, _ = motor.add_draft(
        lines=[line(10, "ROTOR2", "1"), line(20, "SCREW", "6"), line(30, "BEARING", "2")],
        effective_from=JUL,
        at=AT,
    )
    motor, _ = motor.approve(2, catalog=boms.values(), at=AT)
    motor, _ = motor.close(1, effective_to=JUL, at=AT)
    motor, _ = motor.activate(2, at=AT)
    return {**boms, "MOTOR": motor}


BUILT = dt.date(2024, 2, 1)


def pump_object() -> ServiceObject:
    obj = ServiceObject(
        company_id="ACME",
        id="OBJ-1",
        item_id="PUMP",
        serial="SN-001",
        customer_id="CUST-1",
        built_on=BUILT,
        installed_on=dt.date(2024, 3, 1),
    )
    index = BomIndex.build(with_motor_v2(pump_family()).values())
    obj, _ = obj.instantiate_service_bom(index.explode("PUMP", 1, BUILT), at=AT)
    return obj


T0 = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)


H = dt.timedelta(hours=1)


CODES = RepairCodes.of(
    "ACME",
    "STD",
    conditions=["IN_USE", "TRANSPORT"],
    symptoms={"NOISE": ["RATTLE", "HUM"], "LEAK": ["DRIP"]},
    diagnoses={"MECH": ["LOOSE", "WORN"], "ELEC": ["SHORT"]},
    resolutions=["TIGHTEN", "REPLACE"],
    stages=[
        RepairStage("OPEN"),
        RepairStage("WORKING"),
        RepairStage("DONE", finished=True),
        RepairStage("CLOSED", finished=True),
    ],
)


def relation(owner: OwnerKind = OwnerKind.SERVICE_ORDER, owner_id: str = "SO-1") -> ObjectRelation:
    return ObjectRelation(
        company_id="ACME", id="REL-1", object_id="OBJ-1", owner_kind=owner, owner_id=owner_id
    )


def opened(repair_id: str = "R-1", **kw: object) -> Repair:
    repair, _ = Repair.open(
        CODES,
        relation(),
        pump_object(),
        repair_id=repair_id,
        order_id="SO-1",
        at=kw.pop("at", T0),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )
    return repair
