"""`servicecore demo --db postgresql://... --workers 2`: the batch runs scale out over two
worker processes on PostgreSQL and store the same facts as one worker on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from servicecore.cli import main
from tests.builders.demo import PG_ADMIN_URL, SEED, stored_facts


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of its own on the test server, dropped afterwards (never skipped)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"servicecore_demo_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # a missing server must fail loudly, never skip
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc})")
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_workers_on_postgres_store_what_one_stores_on_sqlite(
    pg_url: str, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--db", str(demo_db)]) == 0
    on_sqlite = capsys.readouterr().out
    argv = ["demo", "--db", pg_url, "--months", "1", "--seed", str(SEED), "--workers", "2"]
    assert main(argv) == 0
    assert capsys.readouterr().out == on_sqlite
    assert main(["report", "--db", pg_url]) == 0
    assert capsys.readouterr().out == on_sqlite
    facts = stored_facts(pg_url)
    assert facts == stored_facts(f"sqlite:///{demo_db}")
    assert len(facts["service_order"]) > 20
