"""The generic rules run once per adapter, on :data:`CONTRACT_NOTES`: a small aggregate type
of the contract's own (the rules hold for every type alike), plus the rules of finders and
of one class per kind (:class:`RecordsContract`).
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from attrs import frozen

from servicecore.errors import ValidationError
from servicecore.ports import AggregateType, Index, Repository, UnitOfWork
from servicecore.testing.contract.repository import RepositoryContract

__all__ = ["CONTRACT_NOTES", "ContractNote", "RecordsContract"]


@frozen
class ContractNote:
    """The aggregate the generic rules are run on (any adapter must store it)."""

    company_id: str
    id: str
    text: str = ""
    topic: str = "odd"
    edits: int = 0
    version: int = 0


class ContractNoteRepository(Repository[ContractNote]):
    """Typed repository of :class:`ContractNote`, with one finder."""

    def list_about(self, topic: str) -> list[ContractNote]:
        return self.find("topic", topic)


CONTRACT_NOTES: AggregateType[ContractNote, ContractNoteRepository] = AggregateType(
    kind="servicecore_contract_note",
    cls=ContractNote,
    repository=ContractNoteRepository,
    indexes=(Index("topic", lambda n: (n.topic,) if n.topic else ()),),
)
"""The contract suite's own aggregate type (not registered in the plugin registry)."""


class RecordsContract(RepositoryContract[ContractNote]):
    """The generic rules, run once per adapter on :data:`CONTRACT_NOTES`."""

    def repository(self, uow: UnitOfWork) -> Repository[ContractNote]:
        notes: ContractNoteRepository = uow[CONTRACT_NOTES]
        return notes

    def make_aggregate(self, company_id: str, id: str) -> ContractNote:
        odd = id[-1:] in "13579"
        return ContractNote(company_id, id, text=f"note {id}", topic="odd" if odd else "even")

    def modify(self, aggregate: ContractNote) -> ContractNote:
        flipped = "even" if aggregate.topic == "odd" else "odd"
        return attrs.evolve(
            aggregate, edits=aggregate.edits + 1, text=f"edit {aggregate.edits + 1}", topic=flipped
        )

    def find(self, uow: UnitOfWork, key: str) -> list[ContractNote]:
        return uow[CONTRACT_NOTES].list_about(key)

    def test_find_sees_staged_changes_and_own_company(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        one, two, three = (self.make_id(n) for n in (1, 2, 3))
        self._store(open_uow, one, two)
        self._store(open_uow, one, company=self.OTHER_COMPANY)
        with open_uow() as uow:
            repo = uow[CONTRACT_NOTES]
            assert [n.id for n in repo.list_about("odd")] == [one]
            assert [n.id for n in repo.list_about("even")] == [two]
            repo.save(self.modify(repo.get(one)))  # odd -> even, staged
            repo.add(self.make_aggregate(self.COMPANY, three))  # odd, staged
            assert [n.id for n in repo.list_about("odd")] == [three]
            assert [n.id for n in repo.list_about("even")] == [one, two]
            repo.delete(repo.get(two))
            assert [n.id for n in repo.list_about("even")] == [one]
            assert repo.list_about("nothing") == []
        with open_uow() as uow:  # nothing of that was committed
            assert [n.id for n in uow[CONTRACT_NOTES].list_about("odd")] == [one]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert [n.id for n in uow[CONTRACT_NOTES].list_about("odd")] == [one]
            assert uow[CONTRACT_NOTES].list_about("even") == []

    def test_find_of_an_unknown_index_is_refused(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow, pytest.raises(ValidationError):
            uow[CONTRACT_NOTES].find("nowhere", "x")

    def test_one_class_per_kind_across_units_of_work(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        """The same kind can never give back an aggregate of another class."""

        @frozen
        class Impostor:
            company_id: str
            id: str
            version: int = 0

        impostors: AggregateType[Impostor, Repository[Impostor]] = AggregateType(
            kind=CONTRACT_NOTES.kind, cls=Impostor, repository=Repository
        )
        self._store(open_uow, self.make_id(1))
        with open_uow() as uow, pytest.raises(ValidationError):
            uow[impostors].add(Impostor(self.COMPANY, self.make_id(2)))
        with open_uow() as uow:
            assert all(isinstance(n, ContractNote) for n in uow[CONTRACT_NOTES].list_all())
