"""The whole storage contract against the SQL adapter on SQLite files."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from servicecore.storage.sql import SqlStore
from servicecore.testing.contract import Publisher, StorageContract, StoreFactory


class TestSqliteStore(StorageContract):
    @pytest.fixture
    def store_factory(self, sqlite_store_factory: Callable[[Publisher], SqlStore]) -> StoreFactory:
        return sqlite_store_factory
