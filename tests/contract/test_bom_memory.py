"""The BOM, service-object and repair repository contracts against the in-memory store."""

from __future__ import annotations

import pytest

from servicecore.storage.memory import InMemoryStore
from servicecore.testing.contract import (
    BomRepositoryContract,
    ItemRepositoryContract,
    ObjectRelationRepositoryContract,
    RepairCodesRepositoryContract,
    RepairRepositoryContract,
    ServiceObjectRepositoryContract,
    StoreFactory,
)


def _memory() -> StoreFactory:
    return lambda publish: InMemoryStore(publish=publish)


class TestItemsInMemory(ItemRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return _memory()


class TestBomsInMemory(BomRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return _memory()


class TestServiceObjectsInMemory(ServiceObjectRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return _memory()


class TestObjectRelationsInMemory(ObjectRelationRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return _memory()


class TestRepairCodesInMemory(RepairCodesRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return _memory()


class TestRepairsInMemory(RepairRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return _memory()
