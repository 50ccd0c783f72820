"""Every BOM / service-object / repair entry point taking an instant refuses naive ones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs
import pytest

from servicecore.clock import FixedClock
from servicecore.errors import ValidationError
from servicecore.repairs import RepairNote
from tests.naive_cases.repairs import _CODES, CASES, _repair

NAIVE = dt.datetime(2024, 1, 1, 9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_naive_instant_refused(name: str) -> None:
    call: Callable[[dt.datetime], object] = CASES[name]
    with pytest.raises(ValidationError, match="naive datetime"):
        call(NAIVE)


def test_the_same_calls_work_with_aware_instants() -> None:
    aware = NAIVE.replace(tzinfo=dt.UTC)
    for name in sorted(CASES):
        assert CASES[name](aware) is not None, name


def test_constructors_and_clocks_refuse_naive_instants() -> None:
    repair = _repair()
    with pytest.raises(ValidationError, match="naive"):
        RepairNote(NAIVE, "T", "x")
    with pytest.raises(ValidationError, match="naive"):
        attrs.evolve(repair, created_at=NAIVE)

    class NaiveClock:
        def now(self) -> dt.datetime:
            return NAIVE

    with pytest.raises(ValidationError, match="naive"):
        repair.move_to_stage(_CODES, "DONE", at=NaiveClock().now())
    done, _ = repair.move_to_stage(
        _CODES, "DONE", at=(FixedClock(NAIVE.replace(tzinfo=dt.UTC))).now()
    )
    assert done.finished_at == NAIVE.replace(tzinfo=dt.UTC)
