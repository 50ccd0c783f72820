"""BOMs, service objects, repairs and code sets survive the JSON round trip unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from servicecore.bom import Bom
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
