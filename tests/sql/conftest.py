"""Real databases for the SQL adapter's tests: SQLite files and a PostgreSQL server.

PostgreSQL is never skipped: each test session creates its own database on the server at
``SERVICECORE_TEST_PG`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``,
the server CI starts) and drops it at the end; each store gets a schema of its own.
"""

from __future__ import annotations

import itertools
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from servicecore.storage.sql import SqlStore
from servicecore.testing.contract import Publisher

ADMIN_URL = os.environ.get(
    "SERVICECORE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"servicecore_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing server must fail loudly, never skip
        pytest.fail(
            f"PostgreSQL is not reachable at {ADMIN_URL} ({exc}); start it "
            "(.ci/run does) or point SERVICECORE_TEST_PG at one"
        )
    engine = create_engine(make_url(ADMIN_URL).set(database=name), pool_size=10, max_overflow=20)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_schemas = itertools.count()


@pytest.fixture
def pg_store_factory(pg_engine: Engine) -> Iterator[Callable[[Publisher], SqlStore]]:
    """``publish -> SqlStore`` in a fresh PostgreSQL schema per call."""
    created: list[str] = []

    def make(publish: Publisher) -> SqlStore:
        schema = f"s{os.getpid()}_{next(_schemas)}"
        with pg_engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        created.append(schema)
        engine = pg_engine.execution_options(schema_translate_map={None: schema})
        store = SqlStore(engine, publish=publish)
        store.create_schema()
        return store

    yield make
    with pg_engine.begin() as conn:
        for schema in created:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def sqlite_store_factory(tmp_path: Path) -> Iterator[Callable[[Publisher], SqlStore]]:
    """``publish -> SqlStore`` on a new SQLite file per call."""
    stores: list[SqlStore] = []
    numbers = itertools.count()

    def make(publish: Publisher) -> SqlStore:
        store = SqlStore(f"sqlite:///{tmp_path / f'store-{next(numbers)}.sqlite'}", publish=publish)
        store.create_schema()
        stores.append(store)
        return store

    yield make
    for store in stores:
        store.dispose()


@pytest.fixture(autouse=True)
def _no_driver_warnings(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A test of the SQL adapter fails when the driver logged a warning: psycopg reports
    trouble it recovered from (an aborted pipeline, say) in its log, not as a Python
    warning that ``filterwarnings = error`` would turn into a failure."""
    yield
    logged = [
        record.getMessage()
        for phase in ("setup", "call")
        for record in caplog.get_records(phase)
        if record.name.startswith("psycopg") and record.levelno >= logging.WARNING
    ]
    assert logged == [], f"the driver logged warnings: {logged}"
