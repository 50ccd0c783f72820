"""Concurrent approvals must not leave a cycle (write skew across BOM aggregates).

The cycle check of an approval reads other BOMs; the commit must conflict when a concurrent
approval changed any BOM that check traversed (see docs/bom.md, "Concurrent approvals").
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest

from servicecore.bom import (
    BOMS,
    BomLine,
    UnitOfMeasure,
    activate_bom_version,
    approve_bom_version,
    create_bom,
    find_cycle,
)
from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, ConcurrencyError
from servicecore.storage.memory import InMemoryStore

PCS = UnitOfMeasure("pcs", 0)
JAN = dt.date(2024, 1, 1)
CLOCK = FixedClock(dt.datetime(2024, 1, 2, 9, tzinfo=dt.UTC))


def _store_with_drafts(*drafts: tuple[str, str]) -> InMemoryStore:
    """A store holding, committed, one BOM per (parent, component) with a draft version 1."""
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        for parent, component in drafts:
            create_bom(
                uow,
                parent,
                lines=[BomLine(10, component, D(1), PCS)],
                effective_from=JAN,
                clock=CLOCK,
            )
        uow.commit()
    return store


def _statuses(store: InMemoryStore) -> dict[str, str]:
    with store.unit_of_work("ACME") as uow:
        return {b.id: b.versions[0].status.value for b in uow[BOMS].list_all()}


def test_interleaved_approvals_of_a_to_b_and_b_to_a_leave_no_cycle() -> None:
    store = _store_with_drafts(("A", "B"), ("B", "A"))
    with store.unit_of_work("ACME") as first, store.unit_of_work("ACME") as second:
        approve_bom_version(first, "A", 1, clock=CLOCK)  # A -> B; B has no approved version
        approve_bom_version(second, "B", 1, clock=CLOCK)  # B -> A; A has none in its snapshot
        first.commit()
        with pytest.raises(ConcurrencyError):
            second.commit()
    # the first approval is stored, nothing of the second one
    assert _statuses(store) == {"A": "approved", "B": "draft"}
    with store.unit_of_work("ACME") as uow:
        assert find_cycle(uow[BOMS].list_all()) is None
        # retrying the second approval now sees A -> B and refuses the cycle
        with pytest.raises(BusinessRuleError, match="cycle A -> B -> A"):
            approve_bom_version(uow, "B", 1, clock=CLOCK)


def test_a_three_item_cycle_closed_by_two_concurrent_approvals_is_refused() -> None:
    # A -> B is approved already; X approves B -> C, Y approves C -> A concurrently.
    store = _store_with_drafts(("A", "B"), ("B", "C"), ("C", "A"))
    with store.unit_of_work("ACME") as uow:
        approve_bom_version(uow, "A", 1, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as x, store.unit_of_work("ACME") as y:
        approve_bom_version(x, "B", 1, clock=CLOCK)
        approve_bom_version(y, "C", 1, clock=CLOCK)
        y.commit()
        with pytest.raises(ConcurrencyError):
            x.commit()
    assert _statuses(store) == {"A": "approved", "B": "draft", "C": "approved"}


def test_unrelated_concurrent_approvals_both_commit() -> None:
    # P -> Q and R -> S share no BOM: no conflict, no lost work.
    store = _store_with_drafts(("P", "Q"), ("R", "S"))
    with store.unit_of_work("ACME") as x, store.unit_of_work("ACME") as y:
        approve_bom_version(x, "P", 1, clock=CLOCK)
        approve_bom_version(y, "R", 1, clock=CLOCK)
        x.commit()
        y.commit()
    assert _statuses(store) == {"P": "approved", "R": "approved"}


def test_approval_re_saves_the_boms_its_cycle_check_traversed() -> None:
    # D -> E -> F (E and F approved). Approving D reads E and F: both are re-saved unchanged
    # (version + 1), the unrelated G is not.
    store = _store_with_drafts(("D", "E"), ("E", "F"), ("F", "LEAF"), ("G", "LEAF"))
    with store.unit_of_work("ACME") as uow:
        for item in ("F", "E", "G"):
            approve_bom_version(uow, item, 1, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        before = {b.id: b for b in uow[BOMS].list_all()}
        approve_bom_version(uow, "D", 1, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        after = {b.id: b for b in uow[BOMS].list_all()}
    assert {k: (before[k].version, after[k].version) for k in after} == {
        "D": (1, 2),
        "E": (2, 3),
        "F": (2, 3),
        "G": (2, 2),
    }
    assert after["E"].versions == before["E"].versions  # content unchanged
    assert after["F"].versions == before["F"].versions


def test_a_bom_created_in_the_same_unit_of_work_cannot_be_approved_there() -> None:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        create_bom(uow, "A", lines=[BomLine(10, "B", D(1), PCS)], effective_from=JAN, clock=CLOCK)
        with pytest.raises(BusinessRuleError, match="commit the new BOM 'A' first"):
            approve_bom_version(uow, "A", 1, clock=CLOCK)


def test_two_new_boms_approved_concurrently_cannot_form_a_cycle() -> None:
    # Without the rule above, two units of work creating and approving A -> B and B -> A
    # would share no stored BOM to conflict on.
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as x, store.unit_of_work("ACME") as y:
        create_bom(x, "A", lines=[BomLine(10, "B", D(1), PCS)], effective_from=JAN, clock=CLOCK)
        create_bom(y, "B", lines=[BomLine(10, "A", D(1), PCS)], effective_from=JAN, clock=CLOCK)
        for uow, item in ((x, "A"), (y, "B")):
            with pytest.raises(BusinessRuleError, match="first"):
                approve_bom_version(uow, item, 1, clock=CLOCK)
        x.commit()
        y.commit()
    assert _statuses(store) == {"A": "draft", "B": "draft"}


def test_threads_approving_a_cycle_at_once_commit_at_most_one() -> None:
    store = _store_with_drafts(("A", "B"), ("B", "A"))
    barrier = threading.Barrier(2, timeout=10)
    outcome: dict[str, str] = {}

    def approve(item: str) -> None:
        with store.unit_of_work("ACME") as uow:
            approve_bom_version(uow, item, 1, clock=CLOCK)
            barrier.wait()  # both checks ran before either commits
            try:
                uow.commit()
                outcome[item] = "committed"
            except ConcurrencyError:
                outcome[item] = "conflict"

    threads = [threading.Thread(target=approve, args=(item,)) for item in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert sorted(outcome.values()) == ["committed", "conflict"]
    with store.unit_of_work("ACME") as uow:
        assert find_cycle(uow[BOMS].list_all()) is None
        approved = [b.id for b in uow[BOMS].list_all() if b.versions[0].status.value == "approved"]
    assert approved == [item for item, result in outcome.items() if result == "committed"]


def test_concurrent_activations_of_overlapping_versions_cannot_both_commit() -> None:
    # Versions 1 and 2 of A overlap (both open-ended from January); each unit of work
    # activates one. The overlap rule lives inside the one Bom aggregate, so both write A.
    store = _store_with_drafts(("A", "X"))
    with store.unit_of_work("ACME") as uow:
        bom = uow[BOMS].get("A")
        bom, _ = bom.revise(1, at=CLOCK.now())
        uow[BOMS].save(bom)
        for number in (1, 2):
            approve_bom_version(uow, "A", number, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as x, store.unit_of_work("ACME") as y:
        activate_bom_version(x, "A", 1, clock=CLOCK)
        activate_bom_version(y, "A", 2, clock=CLOCK)
        x.commit()
        with pytest.raises(ConcurrencyError):
            y.commit()
    with store.unit_of_work("ACME") as uow:
        assert [v.status.value for v in uow[BOMS].get("A").versions] == ["active", "approved"]
