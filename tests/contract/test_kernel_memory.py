"""The generic contracts run against the in-memory store, with a test-only aggregate."""

from __future__ import annotations

import pytest
from attrs import evolve, frozen

from servicecore.ports import Repository
from servicecore.storage.memory import InMemoryStore, InMemoryUnitOfWork
from servicecore.testing.contract import RepositoryContract, StoreFactory, UnitOfWorkContract
from servicecore.uow import UnitOfWork


@frozen
class Note:
    """A host's own aggregate kept through the generic in-memory repository."""

    company_id: str
    id: str
    text: str = ""
    edits: int = 0
    version: int = 0


class NoteRepositoryContract(RepositoryContract[Note]):
    def repository(self, uow: UnitOfWork) -> Repository[Note]:
        assert isinstance(uow, InMemoryUnitOfWork)
        return uow.repository("note", Note)

    def make_aggregate(self, company_id: str, id: str) -> Note:
        return Note(company_id, id, text=f"note {id}")

    def modify(self, aggregate: Note) -> Note:
        return evolve(aggregate, edits=aggregate.edits + 1, text=f"edit {aggregate.edits + 1}")


class TestNotesInMemory(NoteRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)


class TestUnitOfWorkInMemory(UnitOfWorkContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)
