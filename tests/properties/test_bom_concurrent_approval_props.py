"""Property: however approvals in concurrent units of work interleave, the committed
BOMs never hold a cycle, and every approval either commits whole or applies nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from servicecore.bom import (
    BOMS,
    BomLine,
    BomStatus,
    UnitOfMeasure,
    approve_bom_version,
    create_bom,
    find_cycle,
)
from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, ConcurrencyError, InvalidTransitionError
from servicecore.storage.memory import InMemoryStore, InMemoryUnitOfWork

PCS = UnitOfMeasure("pcs", 0)
CLOCK = FixedClock(dt.datetime(2024, 1, 2, 9, tzinfo=dt.UTC))
ITEMS = [f"I{i}" for i in range(5)]
STARTS = [dt.date(2024, 1, 1), dt.date(2024, 7, 1)]
ENDS = [None, dt.date(2024, 7, 1), dt.date(2025, 1, 1)]


@st.composite
def drafts(draw: st.DrawFn) -> dict[str, tuple[list[str], dt.date, dt.date | None]]:
    """Per item: the components of its draft version 1 and its effectivity."""
    result = {}
    for item in ITEMS:
        others = [i for i in ITEMS if i != item] + ["LEAF"]
        components = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
        start = draw(st.sampled_from(STARTS))
        end = draw(st.sampled_from([e for e in ENDS if e is None or e > start]))
        result[item] = (components, start, end)
    return result


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[str], list[tuple[str, int]]]:
    """Items approved concurrently (one unit of work each) and an interleaving of each
    unit of work's steps: begin, approve, commit (in that order per unit of work)."""
    approving = draw(st.lists(st.sampled_from(ITEMS), min_size=2, max_size=4, unique=True))
    tokens = draw(st.permutations([i for i in range(len(approving)) for _ in range(3)]))
    steps = ["begin", "approve", "commit"]
    seen = [0] * len(approving)
    ops = []
    for i in tokens:
        ops.append((steps[seen[i]], i))
        seen[i] += 1
    return approving, ops


@given(drafts(), st.sets(st.sampled_from(ITEMS)), schedules())
def test_interleaved_approvals_never_commit_a_cycle(
    boms: dict[str, tuple[list[str], dt.date, dt.date | None]],
    approved_before: set[str],
    schedule: tuple[list[str], list[tuple[str, int]]],
) -> None:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        for item, (components, start, end) in boms.items():
            lines = [BomLine(10 * (n + 1), c, Decimal(1), PCS) for n, c in enumerate(components)]
            create_bom(uow, item, lines=lines, effective_from=start, effective_to=end, clock=CLOCK)
        uow.commit()
    for item in sorted(approved_before):  # one after the other: cycles are refused
        with store.unit_of_work("ACME") as uow:
            try:
                approve_bom_version(uow, item, 1, clock=CLOCK)
            except BusinessRuleError:
                continue
            uow.commit()

    approving, ops = schedule
    uows: list[InMemoryUnitOfWork] = [store.unit_of_work("ACME") for _ in approving]
    outcome: dict[str, str] = {}
    for step, i in ops:
        item, uow = approving[i], uows[i]
        if step == "begin":
            uow.__enter__()
        elif step == "approve":
            try:
                approve_bom_version(uow, item, 1, clock=CLOCK)
                outcome[item] = "approved"
            except (BusinessRuleError, InvalidTransitionError):  # a cycle, or approved before
                outcome[item] = "refused"
        else:
            if outcome[item] == "approved":
                try:
                    uow.commit()
                    outcome[item] = "committed"
                except ConcurrencyError:
                    outcome[item] = "conflict"
            uow.__exit__(None, None, None)

    with store.unit_of_work("ACME") as uow:
        final = {b.id: b for b in uow[BOMS].list_all()}
    assert find_cycle(final.values()) is None
    for item, result in outcome.items():
        status = final[item].versions[0].status
        if result == "committed":
            assert status is BomStatus.APPROVED
        elif item not in approved_before:  # a refused or conflicting approval left no trace
            assert status is BomStatus.DRAFT
