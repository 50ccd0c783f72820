"""Valid baseline values for the bad-input sweep (``tests/properties/test_bad_input.py``).

Every factory returns a fresh, valid object taken from the guides and the demo, so a test
can corrupt exactly one argument of a call and keep the others valid.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import pendulum

from servicecore.bom import (
    BOMS,
    ITEMS,
    Bom,
    BomIndex,
    BomLine,
    BomStatus,
    BomVersion,
    Item,
    UnitOfMeasure,
)
from servicecore.calendars import BusinessCalendar
from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.recurrence import Interval, Period, Recurrence
from servicecore.repairs import REPAIR_CODES, REPAIRS, Repair, RepairCodes, RepairStage
from servicecore.service_objects import (
    OBJECT_RELATIONS,
    SERVICE_OBJECTS,
    ObjectRelation,
    OwnerKind,
    ServiceObject,
)
from servicecore.sla import (
    SLAS,
    ClockKind,
    ClockRules,
    ServiceLevelAgreement,
    SlaClock,
    StatusChange,
    Target,
)
from servicecore.storage.memory import InMemoryStore
from servicecore.subscriptions import (
    SUBSCRIPTION_GROUPS,
    SUBSCRIPTIONS,
    Alignment,
    Subscription,
    SubscriptionGroup,
    activate,
    create_subscription,
    generate_fees,
)

AT = pendulum.datetime(2024, 1, 2, 9, tz="UTC")
DAY = pendulum.date(2024, 1, 1)
LATER = pendulum.date(2024, 7, 1)
PCS = UnitOfMeasure("pcs", 0)
EUR = Money.of("100.00", "EUR")
ZONE = "Europe/Stockholm"


def clock() -> FixedClock:
    return FixedClock(AT)


def calendar() -> BusinessCalendar:
    return BusinessCalendar.weekdays(
        ZONE,
        [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))],
        holidays=[dt.date(2024, 3, 29)],
    )


def sla() -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        calendar=calendar(),
        targets={"high": (Target.business_hours(4), Target.business_hours(16))},
        resolution=ClockRules(pause_statuses=["waiting"], fulfil_statuses=["done"]),
    )


def sla_clock() -> SlaClock:
    start = SlaClock.start(
        sla(), ClockKind.RESOLUTION, subject_id="SO-1", at=AT, priority="high", status="new"
    )
    return start.replay([StatusChange(AT.add(hours=3), "waiting")])[0]


def group() -> SubscriptionGroup:
    return SubscriptionGroup(
        company_id="ACME",
        id="QUARTERLY",
        invoice_interval=Interval.quarters(1),
        accrue_revenue=True,
        accrual_interval=Interval.months(1),
    )


def draft_subscription() -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME",
        id="SUB-1",
        group=group(),
        customer_id="CUST-1",
        price=Money.of("300.00", "EUR"),
        start=dt.date(2023, 1, 1),
        alignment=Alignment.calendar(),
        at=clock().now(),
    )
    return sub


def subscription() -> Subscription:
    """Active, with two quarterly fees (2023-01-01..2023-07-01)."""
    sub, _ = activate(draft_subscription(), at=clock().now())
    sub, _ = generate_fees(sub, dt.date(2023, 1, 1), dt.date(2023, 7, 1), at=clock().now())
    return sub


def period() -> Period:
    return Period(pendulum.date(2023, 2, 1), pendulum.date(2023, 3, 1))


def recurrence() -> Recurrence:
    return Recurrence.anniversary(Interval.months(1), DAY)


def lines() -> list[BomLine]:
    return [BomLine(10, "MOTOR", Decimal(1), PCS)]


def draft_bom() -> Bom:
    return Bom.create("ACME", "PUMP", lines=lines(), effective_from=DAY, at=AT)[0]


def approved_bom() -> Bom:
    return draft_bom().approve(1, catalog=[], at=AT)[0]


def active_bom() -> Bom:
    return approved_bom().activate(1, at=AT)[0]


def motor_bom() -> Bom:
    bom = Bom.create(
        "ACME", "MOTOR", lines=[BomLine(10, "ROTOR", 2, PCS)], effective_from=DAY, at=AT
    )[0]
    return bom.approve(1, catalog=[], at=AT)[0].activate(1, at=AT)[0]


def bom_version() -> BomVersion:
    return BomVersion(1, BomStatus.DRAFT, DAY, None, lines())


def index() -> BomIndex:
    return BomIndex.build([active_bom(), motor_bom()])


def _released(item: str, lines: list[BomLine]) -> Bom:
    bom = Bom.create("ACME", item, lines=lines, effective_from=DAY, at=AT)[0]
    return bom.approve(1, catalog=[], at=AT)[0].activate(1, at=AT)[0]


@functools.cache
def deep_chain_index() -> BomIndex:
    """C0 -> C1 -> ... -> C1500: deeper than Python's recursion limit."""
    return BomIndex.build(
        [_released(f"C{i}", [BomLine(10, f"C{i + 1}", 2, PCS)]) for i in range(1500)]
    )


@functools.cache
def diamond_index() -> BomIndex:
    """D0 uses D1 twice, D1 uses D2 twice, ... down to D22: 8.4 million paths."""
    return BomIndex.build(
        [
            _released(f"D{i}", [BomLine(10, f"D{i + 1}", 1, PCS), BomLine(20, f"D{i + 1}", 1, PCS)])
            for i in range(22)
        ]
    )


def service_object() -> ServiceObject:
    obj = ServiceObject(
        company_id="ACME",
        id="OBJ-1",
        item_id="PUMP",
        serial="SN-1",
        customer_id="C-1",
        built_on=DAY,
    )
    return obj.instantiate_service_bom(index().explode("PUMP", 1, DAY), at=AT)[0]


def bare_object() -> ServiceObject:
    return ServiceObject(
        company_id="ACME",
        id="OBJ-1",
        item_id="PUMP",
        serial="SN-1",
        customer_id="C-1",
        built_on=DAY,
    )


def codes() -> RepairCodes:
    return RepairCodes.of(
        "ACME",
        "STD",
        conditions=["WORN"],
        symptoms={"NOISE": ["RATTLE"]},
        diagnoses={"MECH": ["BEARING"]},
        resolutions=["REPLACE"],
        stages=[RepairStage("OPEN"), RepairStage("DONE", finished=True)],
    )


def relation() -> ObjectRelation:
    return ObjectRelation(
        company_id="ACME",
        id="REL-1",
        object_id="OBJ-1",
        owner_kind=OwnerKind.SERVICE_ORDER,
        owner_id="SO-1",
    )


def repair() -> Repair:
    return Repair.open(
        codes(),
        relation(),
        service_object(),
        repair_id="R-1",
        order_id="SO-1",
        at=AT,
        symptom_area="NOISE",
        symptom_code="RATTLE",
    )[0]


def finished_repair() -> Repair:
    return repair().move_to_stage(codes(), "DONE", at=AT.add(hours=2))[0]


def store() -> InMemoryStore:
    """A store holding one of everything for company ACME (ids as above)."""
    s = InMemoryStore(publish=lambda events: None)
    with s.unit_of_work("ACME") as uow:
        uow[SLAS].add(sla())
        uow[SUBSCRIPTION_GROUPS].add(group())
        uow[SUBSCRIPTIONS].add(subscription())
        draft = draft_subscription()
        uow[SUBSCRIPTIONS].add(Subscription(**{**_fields(draft), "id": "SUB-2"}))
        uow[ITEMS].add(Item(company_id="ACME", id="PUMP", uom=PCS))
        uow[BOMS].add(active_bom())
        uow[BOMS].add(
            Bom.create("ACME", "GEAR", lines=lines(), effective_from=DAY, at=AT)[0].approve(
                1, catalog=[], at=AT
            )[0]
        )
        uow[BOMS].add(motor_bom())
        uow[BOMS].add(Bom.create("ACME", "VALVE", lines=lines(), effective_from=DAY, at=AT)[0])
        uow[SERVICE_OBJECTS].add(service_object())
        uow[SERVICE_OBJECTS].add(
            ServiceObject(**{**_fields(bare_object()), "id": "OBJ-2", "service_bom": None})
        )
        uow[OBJECT_RELATIONS].add(relation())
        uow[REPAIR_CODES].add(codes())
        uow[REPAIRS].add(repair())
        uow[REPAIRS].add(
            Repair(**{**_fields(finished_repair()), "id": "R-2", "resolution": "REPLACE"})
        )
        uow.commit()
    return s


def _fields(obj: Any) -> dict[str, Any]:
    import attrs

    return {a.name: getattr(obj, a.name) for a in attrs.fields(type(obj)) if a.init}
