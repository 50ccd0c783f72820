"""The tour printed by ``servicecore demo``. Each area adds a section as it lands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from attrs import evolve, frozen

from servicecore.clock import FixedClock
from servicecore.errors import ConcurrencyError, CurrencyMismatchError, ValidationError
from servicecore.money import Money, allocate, split
from servicecore.storage.memory import InMemoryStore

__all__ = ["run_demo"]

Out = Callable[[str], None]


@frozen
class _Note:
    """A host's own aggregate, kept in servicecore's store under the same rules."""

    company_id: str
    id: str
    text: str
    version: int = 0


def _kernel(out: Out) -> None:
    out("== Money: exact, one currency at a time ==")
    fee = Money.of("100.00", "EUR")
    out(f"  split {fee} three ways      -> {', '.join(map(str, split(fee, 3)))}")
    out(f"  allocate {fee} 1:2:2       -> {', '.join(map(str, allocate(fee, [1, 2, 2])))}")
    try:
        fee + Money.of("5.00", "USD")
    except CurrencyMismatchError as exc:
        out(f"  {fee} + 5.00 USD          -> refused: {exc}")
    out("== Time: aware instants only ==")
    clock = FixedClock(dt.datetime(2024, 3, 28, 16, 0, tzinfo=dt.UTC))
    out(f"  injected clock reads        -> {clock.now().isoformat()}")
    try:
        FixedClock(dt.datetime(2024, 3, 28, 16, 0))
    except ValidationError as exc:
        out(f"  a naive datetime            -> refused: {str(exc).split(';')[0]}")


def _storage(out: Out) -> None:
    out("== Storage: units of work, optimistic concurrency, company isolation ==")
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow.repository("note", _Note).add(_Note("ACME", "N-1", "first"))
        uow.commit()
    first, second = store.unit_of_work("ACME"), store.unit_of_work("ACME")
    with first, second:
        mine = first.repository("note", _Note).get("N-1")
        theirs = second.repository("note", _Note).get("N-1")
        first.repository("note", _Note).save(evolve(mine, text="edited by first"))
        first.commit()
        second.repository("note", _Note).save(evolve(theirs, text="edited by second"))
        try:
            second.commit()
        except ConcurrencyError as exc:
            out(f"  two writers, one note       -> second refused: {str(exc).split(':')[0]}")
    with store.unit_of_work("ACME") as uow:
        note = uow.repository("note", _Note).get("N-1")
        out(f"  stored                      -> {note.text!r} at version {note.version}")
    with store.unit_of_work("GLOBEX") as uow:
        seen = len(uow.repository("note", _Note).list_all())
        out(f"  company GLOBEX sees         -> {seen} notes of ACME")


def _bom_and_repairs(out: Out) -> None:
    from decimal import Decimal

    from servicecore.bom import BomLine, UnitOfMeasure, create_bom, load_bom_index
    from servicecore.bom import activate_bom_version as activate
    from servicecore.bom import approve_bom_version as approve
    from servicecore.errors import BusinessRuleError
    from servicecore.repairs import RepairCodes, RepairStage, move_repair_stage, open_repair
    from servicecore.service_objects import (
        ObjectRelation,
        OwnerKind,
        ServiceObject,
        instantiate_service_bom,
        replace_service_part,
    )

    out("== BOM versions, service BOMs and repairs ==")
    pcs = UnitOfMeasure("pcs", 0)
    jan, jul = dt.date(2024, 1, 1), dt.date(2024, 7, 1)
    clock = FixedClock(dt.datetime(2024, 1, 2, 9, 0, tzinfo=dt.UTC))
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        create_bom(
            uow, "PUMP", lines=[BomLine(10, "MOTOR", 1, pcs)], effective_from=jan, clock=clock
        )
        motor = [BomLine(10, "ROTOR", 1, pcs), BomLine(20, "SCREW", 4, pcs, Decimal(5))]
        create_bom(uow, "MOTOR", lines=motor, effective_from=jan, effective_to=jul, clock=clock)
        for item in ("PUMP", "MOTOR"):
            approve(uow, item, 1, clock=clock)
            activate(uow, item, 1, clock=clock)
        bom = uow.boms.get("MOTOR")
        bom, _ = bom.add_draft(
            lines=[BomLine(10, "ROTOR2", 1, pcs)], effective_from=jul, at=clock.now()
        )
        uow.boms.save(bom)
        approve(uow, "MOTOR", 2, clock=clock)
        activate(uow, "MOTOR", 2, clock=clock)
        index = load_bom_index(uow)
        for day in (dt.date(2024, 6, 30), jul):
            x = index.explode("PUMP", 10, day)
            parts = ", ".join(f"{c} {q}" for c, q in x.totals.items())
            out(f"  {f'10 pumps as of {day}':<28}-> MOTOR v{x.lines[0].version}: {parts}")
        cyclic, _ = bom.add_draft(
            lines=[BomLine(10, "PUMP", 1, pcs)], effective_from=jul, at=clock.now()
        )
        uow.boms.save(cyclic)
        try:
            approve(uow, "MOTOR", 3, clock=clock)
        except BusinessRuleError as exc:
            out(f"  {'MOTOR v3 using PUMP':<28}-> refused: {str(exc).split('would ')[1]}")
        uow.service_objects.add(
            ServiceObject(
                company_id="ACME",
                id="OBJ-1",
                item_id="PUMP",
                serial="SN-1",
                customer_id="C-1",
                built_on=dt.date(2024, 3, 1),
            )
        )
        uow.object_relations.add(
            ObjectRelation(
                company_id="ACME",
                id="REL-1",
                object_id="OBJ-1",
                owner_kind=OwnerKind.SERVICE_ORDER,
                owner_id="SO-1",
            )
        )
        uow.repair_codes.add(
            RepairCodes.of(
                "ACME",
                "STD",
                symptoms={"NOISE": ["RATTLE"]},
                resolutions=["REPLACE"],
                stages=[RepairStage("OPEN"), RepairStage("DONE", finished=True)],
            )
        )
        obj = instantiate_service_bom(uow, "OBJ-1", clock=clock)
        repair = open_repair(
            uow,
            repair_id="R-1",
            order_id="SO-1",
            relation_id="REL-1",
            code_set="STD",
            clock=clock,
            symptom_area="NOISE",
            symptom_code="RATTLE",
        )
        obj = replace_service_part(
            uow,
            "OBJ-1",
            "10.10",
            new_component="ROTOR2",
            on=dt.date(2024, 8, 1),
            clock=clock,
            order_id="SO-1",
        )
        clock.advance(dt.timedelta(hours=2))
        repair = move_repair_stage(uow, "R-1", "DONE", clock=clock)
        assert obj.service_bom is not None
        built = ", ".join(ln.component for ln in obj.service_bom.as_built)
        now = ", ".join(ln.component for ln in obj.service_bom.structure)
        out(f"  {'OBJ-1 as built (2024-03-01)':<28}-> {built}")
        out(f"  {'OBJ-1 as maintained':<28}-> {now}")
        out(
            f"  {'repair R-1 finished':<28}-> {repair.duration} after opening, "
            f"{len(repair.snapshot)} parts pinned"
        )
        uow.commit()


def run_demo(out: Out = print) -> None:
    """Print the tour through ``out``."""
    _kernel(out)
    _storage(out)
    _bom_and_repairs(out)
