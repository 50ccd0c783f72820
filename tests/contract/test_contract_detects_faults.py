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

from servicecore.storage.memory import InMemoryRepository, InMemoryStore, InMemoryUnitOfWork
from servicecore.testing.contract import (
    Publisher,
    StoreFactory,
    _Published,
    repository_state_machine,
)
from servicecore.uow import UnitOfWork

from .test_kernel_memory import NoteRepositoryContract


class NoConflictCheck(InMemoryStore):
    """Applies every commit: last writer wins, lost updates."""

    def _commit(self, staged: dict[Any, Any], snapshot: int | None = None) -> None:
        with self._lock:
            self._seq += 1
            for key, change in staged.items():
                value = change.value
                if value is not None:
                    value = attrs.evolve(value, version=(change.base or 0) + 1)
                self._history.setdefault(key, []).append((self._seq, value))
                self._ids.setdefault(key[:2], set()).add(key[2])


class NoSnapshots(InMemoryStore):
    """Reads the latest committed state instead of the unit of work's snapshot."""

    def _read(self, key: Any, snapshot: int) -> Any:
        with self._lock:
            return self._latest(key)


class LeakyRepository(InMemoryRepository[Any]):
    def _key(self, ident: str) -> Any:
        return (self.kind, "ACME", ident)  # forgets which company asks


class LeakyUnitOfWork(InMemoryUnitOfWork):
    def repository(self, kind: str, entity_type: type[Any]) -> InMemoryRepository[Any]:
        return self._typed_repository(LeakyRepository, kind, entity_type)


class OneCompany(InMemoryStore):
    """Keys every aggregate under one company: companies see each other's data."""

    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        return LeakyUnitOfWork(self, company_id)


class EagerPublisher(InMemoryUnitOfWork):
    def record(self, events: Any) -> None:
        self._store.publish(list(events))


class PublishesEarly(InMemoryStore):
    """Publishes events as soon as they are recorded, committed or not."""

    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        return EagerPublisher(self, company_id)


FAULTY: dict[str, tuple[Callable[[Publisher], InMemoryStore], str]] = {
    "no conflict check": (
        lambda p: NoConflictCheck(publish=p),
        "test_two_writers_second_commit_conflicts_first_intact",
    ),
    "no snapshots": (lambda p: NoSnapshots(publish=p), "test_unit_of_work_keeps_its_snapshot"),
    "one company": (lambda p: OneCompany(publish=p), "test_other_company_cannot_read_or_list"),
    "publishes early": (
        lambda p: PublishesEarly(publish=p),
        "test_events_published_once_in_order_after_commit",
    ),
}


def run_contract_test(factory: StoreFactory, name: str) -> None:
    contract = NoteRepositoryContract()
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


@pytest.mark.parametrize("fault", sorted(FAULTY))
def test_state_machine_fails(fault: str) -> None:
    factory, _name = FAULTY[fault]
    machine = repository_state_machine(NoteRepositoryContract(), factory)
    with pytest.raises((Exception, pytest.fail.Exception)) as info:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=1000,
                stateful_step_count=30,
                deadline=None,
                database=None,
                phases=[Phase.generate],
            ),
        )
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "state = " in notes  # Hypothesis reports the failing sequence of steps


def test_the_reference_passes_the_same_targeted_tests() -> None:
    for _fault, (_factory, name) in sorted(FAULTY.items()):
        run_contract_test(lambda p: InMemoryStore(publish=p), name)
