"""The contract suite is only worth something if it fails broken adapters: prove it does.

Each faulty store below breaks one rule of the in-memory reference; the targeted contract
test and the model-based state machine must both reject it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from servicecore.ports import UnitOfWork
from servicecore.storage.memory import (
    InMemoryRecords,
    InMemoryStore,
    InMemoryUnitOfWork,
    _live,
    _Tombstone,
)
from servicecore.testing.contract import (
    Publisher,
    RecordsContract,
    StoreFactory,
    _Published,
    repository_state_machine,
)


class NoConflictCheck(InMemoryStore):
    """Applies every commit: last writer wins, lost updates."""

    def _commit(self, staged: dict[Any, Any], snapshot: int | None = None) -> None:
        with self._lock:
            rebased = {}
            for key, change in staged.items():
                latest = _live(self._latest(key))
                base = None if latest is None else latest.version
                rebased[key] = attrs.evolve(change, base=base)
            super()._commit(rebased, snapshot)


class PartialCommit(InMemoryStore):
    """Checks and applies one aggregate at a time: a conflict leaves earlier ones applied."""

    def _commit(self, staged: dict[Any, Any], snapshot: int | None = None) -> None:
        for key, change in staged.items():
            super()._commit({key: change}, snapshot)


class NoSnapshots(InMemoryStore):
    """Reads the latest committed state instead of the unit of work's snapshot."""

    def _read(self, key: Any, snapshot: int) -> Any:
        with self._lock:
            return _live(self._latest(key))


class VersionsRestart(InMemoryStore):
    """Forgets a deleted aggregate's last version: a re-added id starts again at 1."""

    def _commit(self, staged: dict[Any, Any], snapshot: int | None = None) -> None:
        with self._lock:
            for key, change in staged.items():
                if change.base is None and isinstance(self._latest(key), _Tombstone):
                    del self._history[key]
            super()._commit(staged, snapshot)


class AnyClassPerKind(InMemoryStore):
    """Lets each unit of work store any class under a kind."""

    def _type_for(self, aggregate_type: Any) -> Any:
        with self._lock:
            self._types[aggregate_type.kind] = aggregate_type
        return aggregate_type


class LeakyRecords(InMemoryRecords[Any]):
    def _key(self, ident: str) -> Any:
        return (self.kind, "ACME", ident)  # forgets which company asks


class LeakyUnitOfWork(InMemoryUnitOfWork):
    def records(self, aggregate_type: Any) -> Any:
        return LeakyRecords(self, self._store._type_for(aggregate_type))


class OneCompany(InMemoryStore):
    """Keys every aggregate under one company: companies see each other's data."""

    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        return LeakyUnitOfWork(self, company_id)


class CommittedOnlyRecords(InMemoryRecords[Any]):
    def find(self, index: str, key: str) -> list[Any]:
        # Looks in what was committed only: the unit of work's own changes are missed.
        ids = self._uow._store._candidates(self.kind, self._uow.company_id, index, key)
        snapshot = self._uow._open_snapshot()
        found = (
            self._uow._store._read((self.kind, self._uow.company_id, i), snapshot) for i in ids
        )
        return sorted((v for v in found if v is not None), key=lambda v: v.id)


class CommittedOnlyUnitOfWork(InMemoryUnitOfWork):
    def records(self, aggregate_type: Any) -> Any:
        return CommittedOnlyRecords(self, self._store._type_for(aggregate_type))


class FindIgnoresStaged(InMemoryStore):
    """Finders do not see the unit of work's staged changes."""

    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        return CommittedOnlyUnitOfWork(self, company_id)


class EagerPublisher(InMemoryUnitOfWork):
    def record(self, events: Any) -> None:
        self._store.publish(list(events))


class PublishesEarly(InMemoryStore):
    """Publishes events as soon as they are recorded, committed or not."""

    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        return EagerPublisher(self, company_id)


class CommittingOnExit(InMemoryUnitOfWork):
    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None and self._staged:
            self.commit()
        super().__exit__(exc_type, exc, tb)


class CommitsOnExit(InMemoryStore):
    """Commits what a unit of work staged when its block ends without an exception."""

    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        return CommittingOnExit(self, company_id)


FAULTY: dict[str, tuple[Callable[[Publisher], InMemoryStore], str]] = {
    "no conflict check": (
        lambda p: NoConflictCheck(publish=p),
        "test_two_writers_second_commit_conflicts_first_intact",
    ),
    "partial commit": (
        lambda p: PartialCommit(publish=p),
        "test_atomic_multi_aggregate_commit",
    ),
    "no snapshots": (lambda p: NoSnapshots(publish=p), "test_unit_of_work_keeps_its_snapshot"),
    "one company": (lambda p: OneCompany(publish=p), "test_other_company_cannot_read_or_list"),
    "versions restart": (
        lambda p: VersionsRestart(publish=p),
        "test_versions_never_restart_after_a_delete",
    ),
    "any class per kind": (
        lambda p: AnyClassPerKind(publish=p),
        "test_one_class_per_kind_across_units_of_work",
    ),
    "find ignores staged changes": (
        lambda p: FindIgnoresStaged(publish=p),
        "test_find_sees_staged_changes_and_own_company",
    ),
    "commits on exit": (
        lambda p: CommitsOnExit(publish=p),
        "test_leaving_without_commit_rolls_back",
    ),
    "publishes early": (
        lambda p: PublishesEarly(publish=p),
        "test_events_published_once_in_order_after_commit",
    ),
}


def run_contract_test(factory: StoreFactory, name: str) -> None:
    contract = RecordsContract()
    published = _Published()
    opener = factory(published)

    def open_uow(company_id: str | None = None) -> UnitOfWork:
        return opener(company_id or contract.COMPANY)

    test: Callable[..., None] = getattr(contract, name)
    params = test.__code__.co_varnames[1 : test.__code__.co_argcount]
    test(*(published if p == "published" else open_uow for p in params))


@pytest.mark.parametrize("fault", sorted(FAULTY))
def test_targeted_contract_test_fails(fault: str) -> None:
    factory, name = FAULTY[fault]
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        run_contract_test(factory, name)


# The machine drives one aggregate type; a fault across types shows only in its targeted test.
ONE_TYPE_FAULTS = sorted(set(FAULTY) - {"any class per kind"})


@pytest.mark.parametrize("fault", ONE_TYPE_FAULTS)
def test_state_machine_fails(fault: str) -> None:
    factory, _name = FAULTY[fault]
    machine = repository_state_machine(RecordsContract(), factory)
    # A partial commit shows only when a multi-aggregate commit conflicts on a later
    # aggregate: rarer in random sequences, so it gets a larger budget.
    budget = 5000 if fault == "partial commit" else 1000
    with pytest.raises((Exception, pytest.fail.Exception)) as info:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=budget,
                stateful_step_count=30,
                deadline=None,
                database=None,
                derandomize=True,  # a fixed sequence of examples: no flaky failures
                phases=[Phase.generate],
            ),
        )
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "state = " in notes  # Hypothesis reports the failing sequence of steps


def test_the_reference_passes_the_same_targeted_tests() -> None:
    for _fault, (_factory, name) in sorted(FAULTY.items()):
        run_contract_test(lambda p: InMemoryStore(publish=p), name)


def test_threaded_retry_test_fails_when_last_writer_wins() -> None:
    """Without a conflict check every thread 'succeeds' and versions still add up: the
    threaded test catches it because its first round must end in conflicts."""
    with pytest.raises(AssertionError):
        run_contract_test(
            lambda p: NoConflictCheck(publish=p), "test_threads_with_retry_lose_no_update"
        )
    run_contract_test(lambda p: InMemoryStore(publish=p), "test_threads_with_retry_lose_no_update")
