"""Use cases through a unit of work: BOMs, service objects and repairs end to end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal as D

import pytest

from servicecore.bom import (
    BOMS,
    ITEMS,
    BomLine,
    Item,
    UnitOfMeasure,
    activate_bom_version,
    approve_bom_version,
    create_bom,
    load_bom_index,
)
from servicecore.clock import SteppingClock
from servicecore.errors import AlreadyExistsError, BusinessRuleError
from servicecore.events import DomainEvent
from servicecore.repairs import (
    REPAIR_CODES,
    REPAIRS,
    RepairCodes,
    RepairStage,
    move_repair_stage,
    open_repair,
    suggest_resolutions,
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
from servicecore.storage.memory import InMemoryStore

PCS = UnitOfMeasure("pcs", 0)
JAN = dt.date(2024, 1, 1)


def test_end_to_end_through_the_in_memory_store() -> None:
    published: list[DomainEvent] = []

    def publish(events: Sequence[DomainEvent]) -> None:
        published.extend(events)

    store = InMemoryStore(publish=publish)
    clock = SteppingClock(dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC), dt.timedelta(hours=1))
    with store.unit_of_work("ACME") as uow:
        uow[ITEMS].add(Item(company_id="ACME", id="PUMP", uom=PCS))
        create_bom(
            uow, "PUMP", lines=[BomLine(10, "MOTOR", D(1), PCS)], effective_from=JAN, clock=clock
        )
        create_bom(
            uow, "MOTOR", lines=[BomLine(10, "ROTOR", D(1), PCS)], effective_from=JAN, clock=clock
        )
        uow[ITEMS].add(Item(company_id="ACME", id="GREASE", uom=UnitOfMeasure("kg", 3)))
        create_bom(
            uow, "TUBE", lines=[BomLine(10, "GREASE", D(1), PCS)], effective_from=JAN, clock=clock
        )
        with pytest.raises(BusinessRuleError, match="commit the new BOM 'TUBE' first"):
            approve_bom_version(uow, "TUBE", 1, clock=clock)
        with pytest.raises(AlreadyExistsError):
            create_bom(uow, "PUMP", lines=[], effective_from=JAN, clock=clock)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(
            BusinessRuleError, match="counts 'GREASE' in 'pcs', but the item is kept in 'kg'"
        ):
            approve_bom_version(uow, "TUBE", 1, clock=clock)
        for item in ("PUMP", "MOTOR"):
            approve_bom_version(uow, item, 1, clock=clock)
            activate_bom_version(uow, item, 1, clock=clock)
        uow.commit()
    assert [e.event_type for e in published].count("BomVersionStatusChanged") == 4

    with store.unit_of_work("ACME") as uow:
        bom = uow[BOMS].get("MOTOR")
        draft, _ = bom.add_draft(
            lines=[BomLine(10, "PUMP", D(1), PCS)], effective_from=JAN, at=clock.now()
        )
        uow[BOMS].save(draft)
        with pytest.raises(BusinessRuleError, match="cycle"):
            approve_bom_version(uow, "MOTOR", 2, clock=clock)
        assert [ln.component for ln in load_bom_index(uow).explode("PUMP", 1, JAN).lines] == [
            "MOTOR",
            "ROTOR",
        ]
        uow[SERVICE_OBJECTS].add(
            ServiceObject(
                company_id="ACME",
                id="OBJ",
                item_id="PUMP",
                serial="SN",
                customer_id="C",
                built_on=JAN,
            )
        )
        uow[OBJECT_RELATIONS].add(
            ObjectRelation(
                company_id="ACME",
                id="REL",
                object_id="OBJ",
                owner_kind=OwnerKind.SERVICE_ORDER,
                owner_id="SO-1",
            )
        )
        uow[REPAIR_CODES].add(
            RepairCodes.of(
                "ACME",
                "STD",
                symptoms={"NOISE": ["RATTLE"]},
                resolutions=["REPLACE"],
                stages=[RepairStage("OPEN"), RepairStage("DONE", finished=True)],
            )
        )
        uow.commit()

    published.clear()
    with store.unit_of_work("ACME") as uow:
        instantiate_service_bom(uow, "OBJ", clock=clock)
        open_repair(
            uow,
            repair_id="R-1",
            order_id="SO-1",
            relation_id="REL",
            code_set="STD",
            clock=clock,
            symptom_area="NOISE",
            symptom_code="RATTLE",
        )
        replace_service_part(
            uow, "OBJ", "10.10", on=dt.date(2024, 5, 1), clock=clock, order_id="SO-1"
        )
        repair = uow[REPAIRS].get("R-1")
        fixed, events = repair.record_codes(
            uow[REPAIR_CODES].get("STD"), at=clock.now(), resolution="REPLACE"
        )
        uow[REPAIRS].save(fixed)
        uow.record(events)
        done = move_repair_stage(uow, "R-1", "DONE", clock=clock)
        assert done.finished_at is not None
        assert published == []  # nothing before commit
        uow.commit()
    assert [e.event_type for e in published] == [
        "ServiceBomInstantiated",
        "RepairOpened",
        "ServiceBomChanged",
        "SparePartRequired",
        "ChargeableLineRequested",
        "RepairUpdated",
        "RepairStageChanged",
    ]
    with store.unit_of_work("ACME") as uow:
        stats = suggest_resolutions(
            uow, item_id="PUMP", symptom_area="NOISE", symptom_code="RATTLE"
        )
        assert [(s.resolution, s.count) for s in stats] == [("REPLACE", 1)]
        assert uow[REPAIRS].get("R-1").snapshot[1].component == "ROTOR"  # pinned before the swap
        obj = uow[SERVICE_OBJECTS].get("OBJ")
        assert obj.service_bom is not None
        assert [ln.component for ln in obj.service_bom.structure] == ["MOTOR", "ROTOR"]
        assert obj.service_bom.history[0].new_line_id == "H1"


def test_instantiate_needs_a_date() -> None:
    store = InMemoryStore(publish=lambda events: None)
    clock = SteppingClock(dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC))
    with store.unit_of_work("ACME") as uow:
        uow[SERVICE_OBJECTS].add(
            ServiceObject(company_id="ACME", id="OBJ", item_id="PUMP", serial="SN", customer_id="C")
        )
        with pytest.raises(BusinessRuleError, match="neither a build nor an install date"):
            instantiate_service_bom(uow, "OBJ", clock=clock)
