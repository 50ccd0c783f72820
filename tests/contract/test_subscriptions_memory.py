"""The subscription port contracts run against the in-memory store."""

from __future__ import annotations

import pytest

from servicecore.storage.memory import InMemoryStore
from servicecore.testing.contract import (
    StoreFactory,
    SubscriptionGroupRepositoryContract,
    SubscriptionRepositoryContract,
)


class TestSubscriptionsInMemory(SubscriptionRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)


class TestSubscriptionGroupsInMemory(SubscriptionGroupRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)
