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

The package's modules: ``base`` (the publisher and store-factory types, the shared
fixtures), ``unit_of_work``, ``repository`` (the generic rules on one aggregate type),
``machine`` (the model-based state machine), ``records`` (the generic rules on the
contract's own type), ``types`` and ``domain``. Import every name from
``servicecore.testing.contract``.
"""

from servicecore.testing.contract.base import (
    ContractEvent,
    Publisher,
    StoreFactory,
    _Published,
)
from servicecore.testing.contract.domain import DomainRulesContract
from servicecore.testing.contract.machine import repository_state_machine
from servicecore.testing.contract.records import CONTRACT_NOTES, ContractNote, RecordsContract
from servicecore.testing.contract.repository import RepositoryContract
from servicecore.testing.contract.types import AggregateTypesContract, aggregates_of
from servicecore.testing.contract.unit_of_work import UnitOfWorkContract

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
