"""Repairs area of the simulation: the pump the company services (BOM versions), each
customer's pump with its service BOM, the repair codes, and the repair a technician records
on every service order: symptom when work starts, diagnosis, resolution and the part
replaced on the pump's service BOM when it is done."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum

from servicecore.bom import (
    BomLine,
    UnitOfMeasure,
    activate_bom_version,
    approve_bom_version,
    create_bom,
)
from servicecore.demo.world import Customer, World
from servicecore.ports import UnitOfWork
from servicecore.repairs import (
    REPAIR_CODES,
    REPAIRS,
    RepairCodes,
    RepairStage,
    move_repair_stage,
    open_repair,
)
from servicecore.service_objects import (
    OBJECT_RELATIONS,
    SERVICE_OBJECTS,
    ObjectRelation,
    OwnerKind,
    ServiceObject,
    instantiate_service_bom,
    replace_service_part,
)

__all__ = ["CODE_SET", "FINDINGS", "RepairPlan", "RepairStep", "finish_repair", "start_repair"]

CODE_SET = "PUMPS"

SYMPTOMS = {
    "NOISE": ["RATTLE", "SQUEAL"],
    "LEAK": ["DRIP", "SPRAY"],
    "POWER": ["NO_START", "TRIPS"],
}

FINDINGS: dict[tuple[str, str], tuple[tuple[int, str, str, str, str | None], ...]] = {
    # symptom -> (weight, diagnosis area, diagnosis code, resolution, part replaced)
    ("NOISE", "RATTLE"): ((3, "MECH", "LOOSE_IMPELLER", "TIGHTEN", None),
                          (1, "MECH", "WORN_BEARING", "REPLACE_BEARING", "BEARING")),
    ("NOISE", "SQUEAL"): ((3, "MECH", "WORN_BEARING", "REPLACE_BEARING", "BEARING"),),
    ("LEAK", "DRIP"): ((4, "SEAL", "WORN_SEAL", "REPLACE_SEAL", "SEAL"),),
    ("LEAK", "SPRAY"): ((2, "SEAL", "WORN_SEAL", "REPLACE_SEAL", "SEAL"),
                        (1, "MECH", "LOOSE_IMPELLER", "TIGHTEN", None)),
    ("POWER", "NO_START"): ((2, "ELEC", "MOTOR_FAULT", "REPLACE_ROTOR", "ROTOR"),
                            (2, "ELEC", "WIRING", "REWIRE", None)),
    ("POWER", "TRIPS"): ((3, "ELEC", "WIRING", "REWIRE", None),),
}  # fmt: skip
"""What technicians find behind each symptom, and how often."""

PART_PRICES = {
    "ROTOR": ("210.00", "390.00"),
    "BEARING": ("18.50", "45.00"),
    "SEAL": ("9.80", "29.00"),
}
"""Cost and sales price of each replaceable part."""


class RepairPlan:
    """What the technician will find on one order (drawn when the order comes in)."""

    def __init__(self, world: World) -> None:
        rng = world.rng
        area = rng.choice(sorted(SYMPTOMS))
        self.symptom = (area, rng.choice(SYMPTOMS[area]))
        options = FINDINGS[self.symptom]
        weights = [o[0] for o in options]
        _w, self.diagnosis_area, self.diagnosis_code, self.resolution, self.part = rng.choices(
            options, weights
        )[0]


class RepairStep:
    """Stores the pump's BOMs, the repair codes and each customer's pump."""

    name = "repairs"

    def setup(self, world: World) -> None:
        pcs = UnitOfMeasure("pcs", 0)
        first = world.settings.start - dt.timedelta(days=3 * 365)
        clock = world.clock
        with world.uow() as uow:
            pump = [BomLine(10, "MOTOR", 1, pcs), BomLine(20, "SEAL", 2, pcs)]
            pump.append(BomLine(30, "IMPELLER", 1, pcs))
            create_bom(uow, "PUMP", lines=pump, effective_from=first, clock=clock)
            motor = [BomLine(10, "ROTOR", 1, pcs), BomLine(20, "BEARING", 2, pcs, Decimal(0))]
            create_bom(uow, "MOTOR", lines=motor, effective_from=first, clock=clock)
            uow[REPAIR_CODES].add(
                RepairCodes.of(
                    world.company_id,
                    CODE_SET,
                    conditions=["IN_USE"],
                    symptoms=SYMPTOMS,
                    diagnoses={
                        "MECH": ["LOOSE_IMPELLER", "WORN_BEARING"],
                        "SEAL": ["WORN_SEAL"],
                        "ELEC": ["MOTOR_FAULT", "WIRING"],
                    },
                    resolutions=sorted({f[3] for fs in FINDINGS.values() for f in fs}),
                    stages=[
                        RepairStage("DIAGNOSING"),
                        RepairStage("REPAIRING"),
                        RepairStage("DONE", "repaired", finished=True),
                    ],
                )
            )
            uow.commit()  # approval locks stored BOMs: store them first
        with world.uow() as uow:
            for item in ("MOTOR", "PUMP"):
                approve_bom_version(uow, item, 1, clock=clock)
                activate_bom_version(uow, item, 1, clock=clock)
            uow.commit()
        with world.uow() as uow:
            for n, customer in enumerate(world.customers, start=1):
                uow[SERVICE_OBJECTS].add(
                    ServiceObject(
                        company_id=world.company_id,
                        id=customer.object_id,
                        item_id="PUMP",
                        serial=f"SN-{world.settings.seed}-{n:03d}",
                        customer_id=customer.id,
                        built_on=first + dt.timedelta(days=world.rng.randint(0, 700)),
                    )
                )
            uow.commit()
        with world.uow() as uow:
            for customer in world.customers:
                instantiate_service_bom(uow, customer.object_id, clock=clock)
            uow.commit()

    def run_day(self, world: World, day: pendulum.Date) -> None:
        """Repairs happen on the service orders (see :mod:`servicecore.demo.orders`)."""

    def finish(self, world: World) -> None:
        """Nothing to close."""


def start_repair(
    uow: UnitOfWork,
    world: World,
    *,
    order_id: str,
    customer: Customer,
    plan: RepairPlan,
    technician: str,
) -> str:
    """Put the customer's pump on the order and open a repair with the reported symptom;
    return the repair's id."""
    relation_id = f"{order_id}-REL"
    uow[OBJECT_RELATIONS].add(
        ObjectRelation(
            company_id=world.company_id,
            id=relation_id,
            object_id=customer.object_id,
            owner_kind=OwnerKind.SERVICE_ORDER,
            owner_id=order_id,
        )
    )
    repair_id = f"{order_id}-R"
    open_repair(
        uow,
        repair_id=repair_id,
        order_id=order_id,
        relation_id=relation_id,
        code_set=CODE_SET,
        clock=world.clock,
        technician=technician,
        condition="IN_USE",
        symptom_area=plan.symptom[0],
        symptom_code=plan.symptom[1],
    )
    return repair_id


def finish_repair(
    uow: UnitOfWork, world: World, *, order_id: str, customer: Customer, plan: RepairPlan
) -> None:
    """Record the diagnosis and the resolution, replace the part if the resolution needs
    one, and finish the repair."""
    repair_id = f"{order_id}-R"
    repair = uow[REPAIRS].get(repair_id)
    codes = uow[REPAIR_CODES].get(CODE_SET)
    now = world.clock.now()
    changed, events = repair.record_codes(
        codes,
        at=now,
        diagnosis_area=plan.diagnosis_area,
        diagnosis_code=plan.diagnosis_code,
        resolution=plan.resolution,
    )
    uow[REPAIRS].save(changed)
    uow.record(events)
    if plan.part is not None:
        pump = uow[SERVICE_OBJECTS].get(customer.object_id)
        assert pump.service_bom is not None
        # the pump's current line of that part (a replaced part lives on as a new line)
        line = next(ln for ln in pump.service_bom.structure if ln.component == plan.part)
        replace_service_part(
            uow,
            customer.object_id,
            line.line_id,
            on=now.date(),
            clock=world.clock,
            order_id=order_id,
        )
    move_repair_stage(uow, repair_id, "REPAIRING", clock=world.clock)
    move_repair_stage(uow, repair_id, "DONE", clock=world.clock)
