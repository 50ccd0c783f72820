"""Service objects: service BOM as built vs as maintained after replacements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest

from servicecore.bom import BomIndex
from servicecore.errors import BusinessRuleError, NotFoundError, ValidationError
from servicecore.service_objects import (
    ChargeableLineRequested,
    ObjectRelation,
    OwnerKind,
    ServiceBomAction,
    ServiceObject,
    SparePartRequired,
)
from tests.builders.bom import AT, BUILT, PCS, pump_family, pump_object


def rows(lines: tuple[object, ...]) -> list[tuple[str, str | None, str, D]]:
    return [(ln.line_id, ln.parent_line_id, ln.component, ln.quantity) for ln in lines]  # type: ignore[attr-defined]


AS_BUILT = [
    # By hand, for 1 PUMP as of 2024-02-01 (MOTOR version 1), quantities rounded up to pcs/kg:
    ("10", None, "MOTOR", D("1")),
    ("10.10", "10", "ROTOR", D("1")),
    ("10.20", "10", "SCREW", D("5")),  # 4 * 1.05 = 4.2 -> 5
    ("20", None, "HOUSING", D("3")),  # 2 * 1.10 = 2.2 -> 3
    ("20.10", "20", "SCREW", D("7")),  # 2.2 * 3 = 6.6 -> 7
    ("20.20", "20", "GASKET", D("0.281")),  # 2.2 * 0.1275 = 0.2805 -> 0.281 kg
    ("30.10", None, "ORING", D("2")),  # phantom KIT flattened to the top
    ("30.20", None, "SCREW", D("1")),
]


def test_service_bom_uses_the_version_effective_on_the_build_date() -> None:
    obj = pump_object()
    assert obj.service_bom is not None
    assert obj.service_bom.source_version == 1
    assert obj.service_bom.bom_date == BUILT
    assert rows(obj.service_bom.as_built) == AS_BUILT
    assert rows(obj.service_bom.structure) == AS_BUILT


def test_as_built_vs_as_maintained_after_replacements() -> None:
    obj = pump_object()
    obj, events = obj.replace_part(
        "10.10", new_component="ROTOR2", on=dt.date(2024, 5, 1), at=AT, order_id="SO-7"
    )
    kinds = [type(e) for e in events]
    assert kinds[1:] == [SparePartRequired, ChargeableLineRequested]
    spare, charge = events[1], events[2]
    assert isinstance(spare, SparePartRequired)
    assert isinstance(charge, ChargeableLineRequested)
    assert (spare.item, spare.quantity, spare.order_id) == ("ROTOR2", D("1"), "SO-7")
    assert (charge.order_id, charge.item, charge.quantity) == ("SO-7", "ROTOR2", D("1"))
    obj, events = obj.replace_part("10.20", quantity=2, on=dt.date(2024, 6, 1), at=AT)
    assert [type(e) for e in events][1:] == [SparePartRequired]  # no order: nothing to charge
    obj, _ = obj.remove_part("30.10", on=dt.date(2024, 6, 1), at=AT)
    obj, _ = obj.change_quantity("20.10", 8, on=dt.date(2024, 6, 2), at=AT)
    obj, _ = obj.add_part("LABEL", 1, PCS, on=dt.date(2024, 6, 3), at=AT, parent_line_id="20")
    sbom = obj.service_bom
    assert sbom is not None
    assert rows(sbom.as_built) == AS_BUILT  # never changes
    assert rows(sbom.structure_on(dt.date(2024, 4, 30))) == AS_BUILT
    assert rows(sbom.structure_on(dt.date(2024, 5, 1))) == [
        ("10", None, "MOTOR", D("1")),
        *AS_BUILT[2:],
        ("H1", "10", "ROTOR2", D("1")),
    ]
    assert rows(sbom.structure) == [
        ("10", None, "MOTOR", D("1")),
        ("10.20", "10", "SCREW", D("3")),
        ("20", None, "HOUSING", D("3")),
        ("20.10", "20", "SCREW", D("8")),
        ("20.20", "20", "GASKET", D("0.281")),
        ("30.20", None, "SCREW", D("1")),
        ("H1", "10", "ROTOR2", D("1")),
        ("H2", "10", "SCREW", D("2")),
        ("H5", "20", "LABEL", D("1")),
    ]
    assert [c.action for c in sbom.history] == [
        ServiceBomAction.REPLACE,
        ServiceBomAction.REPLACE,
        ServiceBomAction.REMOVE,
        ServiceBomAction.CHANGE_QUANTITY,
        ServiceBomAction.ADD,
    ]
    assert sbom.structure_on(dt.date(2024, 1, 31)) == ()


def test_removing_an_assembly_removes_its_parts() -> None:
    obj, _ = pump_object().remove_part("20", on=dt.date(2024, 5, 1), at=AT)
    assert obj.service_bom is not None
    assert [ln.line_id for ln in obj.service_bom.structure] == [
        "10",
        "10.10",
        "10.20",
        "30.10",
        "30.20",
    ]


def test_service_bom_rules() -> None:
    obj = pump_object()
    with pytest.raises(BusinessRuleError, match="already has a service BOM"):
        obj.instantiate_service_bom(
            BomIndex.build(pump_family().values()).explode("PUMP", 1, BUILT), at=AT
        )
    bare = ServiceObject(company_id="ACME", id="O2", item_id="PUMP", serial="S", customer_id="C")
    with pytest.raises(BusinessRuleError, match="neither a build nor an install date"):
        bare.instantiate_service_bom(
            BomIndex.build(pump_family().values()).explode("PUMP", 1, BUILT), at=AT
        )
    with pytest.raises(BusinessRuleError, match="no service BOM yet"):
        bare.remove_part("10", on=BUILT, at=AT)
    dated = ServiceObject(
        company_id="ACME", id="O3", item_id="PUMP", serial="S", customer_id="C", built_on=BUILT
    )
    with pytest.raises(ValidationError, match="explosion of 1 'PUMP' as of 2024-02-01"):
        dated.instantiate_service_bom(
            BomIndex.build(pump_family().values()).explode("PUMP", 2, BUILT), at=AT
        )
    with pytest.raises(NotFoundError, match="no current line 'NOPE'"):
        obj.remove_part("NOPE", on=BUILT, at=AT)
    with pytest.raises(BusinessRuleError, match="cannot replace 9"):
        obj.replace_part("10.20", quantity=9, on=BUILT, at=AT)
    with pytest.raises(ValidationError, match="more decimals than unit 'pcs'"):
        obj.change_quantity("10.20", D("1.5"), on=BUILT, at=AT)
    later, _ = obj.remove_part("30.10", on=dt.date(2024, 6, 1), at=AT)
    with pytest.raises(BusinessRuleError, match="history is appended in date order"):
        later.remove_part("30.20", on=dt.date(2024, 5, 1), at=AT)
    with pytest.raises(ValidationError, match=r"installed on .* before it was built"):
        ServiceObject(
            company_id="ACME",
            id="O4",
            item_id="PUMP",
            serial="S",
            customer_id="C",
            built_on=BUILT,
            installed_on=dt.date(2024, 1, 1),
        )


def test_object_relation_is_generic() -> None:
    rel = ObjectRelation(
        company_id="ACME",
        id="R1",
        object_id="OBJ-1",
        owner_kind=OwnerKind.SERVICE_ORDER,
        owner_id="SO-1",
    )
    assert rel.belongs_to_order("SO-1")
    assert not rel.belongs_to_order("SO-2")
    ag = ObjectRelation(
        company_id="ACME",
        id="R2",
        object_id="OBJ-1",
        owner_kind=OwnerKind.AGREEMENT,
        owner_id="SO-1",
    )
    assert not ag.belongs_to_order("SO-1")
    with pytest.raises(ValidationError, match="owner_kind must be an OwnerKind"):
        ObjectRelation(
            company_id="ACME",
            id="R3",
            object_id="O",
            owner_kind="order",  # type: ignore[arg-type]
            owner_id="SO-1",
        )


@pytest.mark.parametrize(
    ("kwargs", "name", "says"),
    [
        (
            {"built_on": dt.datetime(2024, 2, 1, tzinfo=dt.UTC)},
            "built_on",
            "built_on is a datetime",
        ),
        ({"installed_on": 42}, "installed_on", "installed_on must be a date, not int"),
        ({"built_on": "2024-02-01"}, "built_on", "built_on must be a date, not str"),
    ],
)
def test_object_date_errors_name_the_real_field(
    kwargs: dict[str, Any], name: str, says: str
) -> None:
    with pytest.raises(ValidationError, match=says) as caught:
        ServiceObject(
            company_id="ACME", id="OBJ", item_id="PUMP", serial="SN", customer_id="C", **kwargs
        )
    assert caught.value.field == name


def test_history_and_service_bom_dates_are_validated_and_named() -> None:
    from servicecore.service_objects import ServiceBom, ServiceBomChange

    with pytest.raises(ValidationError, match="on must be a date, not str") as caught:
        ServiceBomChange(
            seq=1,
            action=ServiceBomAction.REMOVE,
            on="2024-05-01",
            line_id="10",
            component="MOTOR",
            quantity=D(1),
            unit=PCS,
            recorded_at=AT,
        )
    assert caught.value.field == "on"
    with pytest.raises(ValidationError, match="bom_date is a datetime") as caught:
        ServiceBom(
            source_item="PUMP",
            source_version=1,
            bom_date=dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
            as_built=(),
        )
    assert caught.value.field == "bom_date"
