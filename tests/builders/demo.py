"""Builders for the demo tests: the seed they share, the PostgreSQL server, and the stored
facts of a demo database read through the units of work."""

from __future__ import annotations

import os
from typing import Any

from servicecore.demo import DEMO_RUNS
from servicecore.demo.run import open_store
from servicecore.uow import aggregate_types

SEED = 7
"""The seed of the shared one-month demo database."""

PG_ADMIN_URL = os.environ.get(
    "SERVICECORE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
"""The PostgreSQL server of the SQL tests (see tests/sql/conftest.py)."""


def stored_facts(url: str, company_id: str = f"DEMO-{SEED}") -> dict[str, list[Any]]:
    """Every aggregate of the company in the database at ``url``, by kind."""
    store = open_store(url, lock_timeout=1)
    try:
        with store.unit_of_work(company_id) as uow:
            return {t.kind: uow[t].list_all() for t in (*aggregate_types().values(), DEMO_RUNS)}
    finally:
        store.dispose()
