"""BOMs, service objects, repairs and code sets survive the JSON round trip unchanged."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import pytest

from servicecore.bom import Bom, Item, UnitOfMeasure
from servicecore.repairs import Repair, RepairCodes
from servicecore.serialization import structure, unstructure
from servicecore.service_objects import ServiceObject
from tests.builders.bom import AT, CODES, opened, pump_family, pump_object, with_motor_v2


def _object_with_history() -> ServiceObject:
    obj, _ = pump_object().replace_part(
        "10.10", new_component="ROTOR2", on=dt.date(2024, 5, 1), at=AT, order_id="SO-1"
    )
    return obj


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (with_motor_v2(pump_family())["MOTOR"], Bom),
        (_object_with_history(), ServiceObject),
        (opened(symptom_area="NOISE", symptom_code="RATTLE", note="loud"), Repair),
        (CODES, RepairCodes),
    ],
)
def test_json_round_trip(value: object, kind: type[object]) -> None:
    text = json.dumps(unstructure(value))
    assert structure(json.loads(text), kind) == value


# Written by pickle (protocol 4) before servicecore.bom.model and servicecore.service_objects
# became packages: they name the classes by their old module paths.
_ITEM_PICKLED_BEFORE_THE_SPLIT = (
    b"\x80\x04\x95\xa2\x00\x00\x00\x00\x00\x00\x00\x8c\x15servicecore.bom.model\x94\x8c\x04Item"
    b"\x94\x93\x94)\x81\x94}\x94(\x8c\ncompany_id\x94\x8c\x04ACME\x94\x8c\x02id\x94\x8c\x05MOTOR"
    b"\x94\x8c\x03uom\x94h\x00\x8c\rUnitOfMeasure\x94\x93\x94)\x81\x94}\x94(\x8c\x04code\x94"
    b"\x8c\x03pcs\x94\x8c\x08decimals\x94K\x00ub\x8c\x04name\x94\x8c\x05Motor\x94\x8c\x07version"
    b"\x94K\x00ub."
)
_OBJECT_PICKLED_BEFORE_THE_SPLIT = (
    b"\x80\x04\x95\xc5\x00\x00\x00\x00\x00\x00\x00\x8c\x1bservicecore.service_objects\x94\x8c\r"
    b"ServiceObject\x94\x93\x94)\x81\x94}\x94(\x8c\ncompany_id\x94\x8c\x04ACME\x94\x8c\x02id\x94"
    b"\x8c\x05OBJ-1\x94\x8c\x07item_id\x94\x8c\x04PUMP\x94\x8c\x06serial\x94\x8c\x03S-1\x94\x8c"
    b"\x0bcustomer_id\x94\x8c\x03C-1\x94\x8c\x0cinstalled_on\x94N\x8c\x08built_on\x94N\x8c\x0b"
    b"service_bom\x94N\x8c\x07version\x94K\x00ub."
)


def test_aggregates_pickled_before_the_package_split_still_load() -> None:
    # Hosts keep pickles (process pools, caches): the old module paths still name the classes.
    item = pickle.loads(_ITEM_PICKLED_BEFORE_THE_SPLIT)
    assert item == Item(company_id="ACME", id="MOTOR", uom=UnitOfMeasure("pcs", 0), name="Motor")
    obj = pickle.loads(_OBJECT_PICKLED_BEFORE_THE_SPLIT)
    assert obj == ServiceObject(
        company_id="ACME", id="OBJ-1", item_id="PUMP", serial="S-1", customer_id="C-1"
    )


def test_aggregates_survive_pickle() -> None:
    for value in (with_motor_v2(pump_family())["MOTOR"], _object_with_history(), opened()):
        assert pickle.loads(pickle.dumps(value)) == value
