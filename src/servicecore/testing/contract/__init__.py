"""The storage contract: the pytest suite every storage adapter must pass.

A *host* (whoever writes a storage adapter) subclasses :class:`StorageContract` and
provides ONE fixture, ``store_factory``: given a publisher (where committed events go) it
returns a fresh, empty store, i.e. a callable that opens a unit of work for a company id::

    class TestMyStore(StorageContract):
        @pytest.fixture
        def store_factory(self) -> StoreFactory:
            return lambda publish: MyStore(publish=publish)

It runs, once per adapter:

* the unit-of-work rules (:class:`UnitOfWorkContract`);
* the generic rules of the records port (:class:`RecordsContract`), on one small type of
  the contract's own, since they hold for every type alike;
* per aggregate type in the registry, the round trip of generated aggregates and each
  finder (:class:`AggregateTypesContract`), so a new type adds two tests and no code;
* the domain rules servicecore's use cases rely on (:class:`DomainRulesContract`).

Every call to ``store_factory(publish)`` must return a NEW, EMPTY store: the state machine
and the per-type tests make one per example.
"""

from servicecore.testing.contract.core import (
    CONTRACT_NOTES,
    ContractEvent,
    ContractNote,
    Publisher,
    RecordsContract,
    RepositoryContract,
    StoreFactory,
    UnitOfWorkContract,
    _Published,
    repository_state_machine,
)
from servicecore.testing.contract.domain import DomainRulesContract
from servicecore.testing.contract.types import AggregateTypesContract, aggregates_of

__all__ = [
    "CONTRACT_NOTES",
    "AggregateTypesContract",
    "ContractEvent",
    "ContractNote",
    "DomainRulesContract",
    "Publisher",
    "RecordsContract",
    "RepositoryContract",
    "StorageContract",
    "StoreFactory",
    "UnitOfWorkContract",
    "_Published",
    "aggregates_of",
    "repository_state_machine",
]


class StorageContract(
    UnitOfWorkContract, RecordsContract, AggregateTypesContract, DomainRulesContract
):
    """Everything an adapter must pass; subclass it and give the ``store_factory`` fixture."""
