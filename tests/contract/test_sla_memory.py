"""The SLA repository contract against the in-memory store."""

from __future__ import annotations

import pytest

from servicecore.storage.memory import InMemoryStore
from servicecore.testing.contract import SlaRepositoryContract, StoreFactory


class TestSlaInMemory(SlaRepositoryContract):
    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        return lambda publish: InMemoryStore(publish=publish)
