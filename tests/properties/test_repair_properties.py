"""Repair invariants: codes belong to their areas; statistics count each finished repair once;
the stage machine stamps finished_at exactly while in a finished stage."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from servicecore.errors import ValidationError
from servicecore.repairs import Repair, RepairCodes, symptom_statistics
from servicecore.service_objects import ObjectRelation, OwnerKind, ServiceObject
from servicecore.testing.strategies import repair_codes

T0 = dt.datetime(2024, 5, 1, 8, tzinfo=dt.UTC)
OBJ = ServiceObject(company_id="ACME", id="OBJ", item_id="PUMP", serial="S", customer_id="C")
REL = ObjectRelation(
    company_id="ACME",
    id="REL",
    object_id="OBJ",
    owner_kind=OwnerKind.SERVICE_ORDER,
    owner_id="SO-1",
)

names = st.sampled_from(["SA", "SB", "SC", "DA", "DB", "SA-A", "SB-B", "DA-A", "DB-C", "SC-E"])


def open_repair(codes: RepairCodes, repair_id: str = "R") -> Repair:
    repair, _ = Repair.open(codes, REL, OBJ, repair_id=repair_id, order_id="SO-1", at=T0)
    return repair


def belongs(codes: RepairCodes, r: Repair) -> bool:
    return (
        (r.symptom_code is None or r.symptom_code in codes.symptom_areas[r.symptom_area or ""])
        and (
            r.diagnosis_code is None
            or r.diagnosis_code in codes.diagnosis_areas[r.diagnosis_area or ""]
        )
        and (r.resolution is None or r.resolution in codes.resolutions)
        and (r.condition is None or r.condition in codes.conditions)
    )


@given(
    repair_codes(),
    st.lists(
        st.tuples(st.sampled_from(["symptom", "diagnosis"]), names, names | st.none()), max_size=8
    ),
)
def test_a_repairs_codes_always_belong_to_their_areas(
    codes: RepairCodes, attempts: list[tuple[str, str, str | None]]
) -> None:
    repair = open_repair(codes)
    for kind, area, code in attempts:
        with contextlib.suppress(ValidationError):
            changes: dict[str, str | None] = {f"{kind}_area": area, f"{kind}_code": code}
            repair, _ = repair.record_codes(codes, at=T0, **changes)
        assert belongs(codes, repair)


@given(
    repair_codes(),
    st.lists(
        st.tuples(st.integers(0, 9), st.booleans(), st.integers(1, 500), st.booleans()),
        max_size=15,
    ),
)
def test_symptom_statistics_count_every_finished_repair_once(
    codes: RepairCodes, plan: list[tuple[int, bool, int, bool]]
) -> None:
    area = sorted(codes.symptom_areas)[0]
    symptom = sorted(codes.symptom_areas[area])[0]
    resolution = sorted(codes.resolutions)[0]
    finished_stage = next(s.id for s in codes.stages if s.finished)
    repairs: list[Repair] = []
    for n, (ident, finish, minutes, duplicate) in enumerate(plan):
        r = open_repair(codes, f"R{ident}-{n}")
        r, _ = r.record_codes(
            codes, at=T0, symptom_area=area, symptom_code=symptom, resolution=resolution
        )
        if finish:
            r, _ = r.move_to_stage(codes, finished_stage, at=T0 + dt.timedelta(minutes=minutes))
        repairs.append(r)
        if duplicate:
            repairs.append(r)  # the same repair listed twice must not count twice
    stats = symptom_statistics(repairs, symptom_area=area, symptom_code=symptom)
    expected = len({r.id for r in repairs if r.finished_at is not None})
    assert sum(s.count for s in stats) == expected


class RepairStageMachine(RuleBasedStateMachine):
    """Random stage moves: finished_at is set iff the stage is finished, and keeps the
    instant of the first move into a finished stage since the last unfinished one."""

    @initialize(codes=repair_codes())
    def start(self, codes: RepairCodes) -> None:
        self.codes = codes
        self.repair = open_repair(codes)
        self.now = T0
        self.expected = T0 if codes.initial_stage.finished else None

    @rule(index=st.integers(0, 3), minutes=st.integers(0, 600))
    def move(self, index: int, minutes: int) -> None:
        stage = self.codes.stages[index % len(self.codes.stages)]
        self.now += dt.timedelta(minutes=minutes)
        self.repair, events = self.repair.move_to_stage(self.codes, stage.id, at=self.now)
        assert events[0].event_type == "RepairStageChanged"
        if not stage.finished:
            self.expected = None
        elif self.expected is None:
            self.expected = self.now

    @rule(stage=st.text(min_size=1, max_size=3))
    def unknown_stage_is_refused_and_changes_nothing(self, stage: str) -> None:
        if any(s.id == stage for s in self.codes.stages):
            return
        before = self.repair
        with pytest.raises(ValidationError, match="is not defined"):
            self.repair.move_to_stage(self.codes, stage, at=self.now)
        assert self.repair == before

    @invariant()
    def finished_iff_finished_stage(self) -> None:
        stage = self.codes.stage(self.repair.stage_id)
        assert (self.repair.finished_at is not None) == stage.finished
        assert self.repair.finished_at == self.expected


TestRepairStageMachine = RepairStageMachine.TestCase
