"""`servicecore demo --db postgresql://... --workers 2`: the batch runs scale out over two
worker processes on PostgreSQL, and the report is the one SQLite gives for the seed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from servicecore.cli import main
from tests.sql.conftest import ADMIN_URL


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of its own on the test server, dropped afterwards."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"servicecore_demo_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_demo_on_postgres_with_two_workers_reports_what_sqlite_does(
    pg_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sqlite = str(tmp_path / "demo.sqlite")
    assert main(["demo", "--db", sqlite, "--months", "1", "--seed", "5"]) == 0
    on_sqlite = capsys.readouterr().out
    argv = ["demo", "--db", pg_url, "--months", "1", "--seed", "5", "--workers", "2"]
    assert main(argv) == 0
    assert capsys.readouterr().out == on_sqlite
    assert main(["report", "--db", pg_url]) == 0
    assert capsys.readouterr().out == on_sqlite
    assert on_sqlite.startswith("servicecore report: DEMO-5, as of 2024-01-31, in EUR\n")
