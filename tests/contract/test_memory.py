"""The whole storage contract against the in-memory reference store."""

from __future__ import annotations

import pytest

from servicecore.storage.memory import InMemoryStore
from servicecore.testing.contract import StorageContract, StoreFactory


class TestInMemoryStore(StorageContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)
