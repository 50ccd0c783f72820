"""The whole storage contract against the SQL adapter on PostgreSQL (never skipped)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from servicecore.storage.sql import SqlStore
from servicecore.testing.contract import Publisher, StorageContract, StoreFactory


class TestPostgresStore(StorageContract):
    @pytest.fixture
    def store_factory(self, pg_store_factory: Callable[[Publisher], SqlStore]) -> StoreFactory:
        return pg_store_factory
