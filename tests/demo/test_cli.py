"""`servicecore demo` and `servicecore report` through the CLI entry function: output,
the HTML page, and every failure as one clear line with a non-zero exit."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from attrs import evolve, frozen

from servicecore.cli import main
from servicecore.demo import DEMO_RUNS
from servicecore.demo.run import open_store
from servicecore.ports import AggregateType, Repository
from servicecore.storage.sql import SqlStore
from tests.builders.demo import SEED


@frozen(kw_only=True)
class _Note:
    """A host's own aggregate: its database is not the demo's."""

    company_id: str
    id: str
    version: int = 0


_NOTES: AggregateType[_Note, Repository[_Note]] = AggregateType(
    kind="note", cls=_Note, repository=Repository
)

Copy = Callable[[], Path]


def _fails(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI, expect exit status 1 and no traceback; return the error line."""
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith(f"servicecore {argv[0]}: error: ")
    return captured.err


def _rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        query = "SELECT * FROM servicecore_aggregates ORDER BY kind, company_id, id"
        return list(conn.execute(query))


def test_the_same_seed_gives_the_same_database_and_report(
    capsys: pytest.CaptureFixture[str],
    demo_db: Path,
    demo_copy: Copy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert main(["report", "--db", str(demo_db)]) == 0
    first = capsys.readouterr().out
    # The default --db in the current directory, holding a demo database already: replaced.
    monkeypatch.chdir(tmp_path)
    demo_copy().rename(tmp_path / "servicecore-demo.sqlite")
    assert main(["demo", "--months", "1", "--seed", str(SEED)]) == 0
    captured = capsys.readouterr()
    assert captured.out == first
    assert _rows(tmp_path / "servicecore-demo.sqlite") == _rows(demo_db)
    assert "simulating [" in captured.err
    assert "] day 31/31\n" in captured.err
    assert "simulated 1 month(s) in " in captured.err
    assert first.startswith(f"servicecore report: DEMO-{SEED}, as of 2024-01-31, in EUR\n")
    for section in (
        "Service orders by stage",
        "SLA compliance per tier",
        "Breach reasons",
        "Technician utilisation",
        "Top symptom -> resolution",
        "Subscription revenue per month",
    ):
        assert f"\n{section}\n" in first
    assert "  2024-01 " in first
    for tech in ("TECH-ANNA", "TECH-BORIS", "TECH-CARLA", "TECH-DAVID"):
        assert f"\n  {tech} " in first  # utilisation from the dispatch board


def test_report_prints_and_writes_the_html_page(
    capsys: pytest.CaptureFixture[str], demo_db: Path, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    assert main(["report", "--db", str(demo_db), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"servicecore report: DEMO-{SEED}, as of 2024-01-31")
    html = page.read_text(encoding="utf-8")
    assert '<figure id="chart-revenue"><svg' in html
    assert '<figure id="chart-sla"><svg' in html
    for fetched in ('src="http', "src='http", 'href="http', "<script", "<link", "@import"):
        assert fetched not in html  # self-contained: nothing fetched when opened


def test_a_bad_db_path_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing_dir = str(tmp_path / "no" / "such" / "dir" / "demo.sqlite")
    assert "does not exist" in _fails(capsys, ["demo", "--db", missing_dir])
    assert "is a directory" in _fails(capsys, ["demo", "--db", str(tmp_path)])
    missing = str(tmp_path / "missing.sqlite")
    assert "no such database file" in _fails(capsys, ["report", "--db", missing])
    assert not Path(missing).exists()  # the report does not create an empty database
    text = tmp_path / "notes.txt"
    text.write_text("not a database at all, just some text\n" * 100)
    assert "not a SQLite database" in _fails(capsys, ["report", "--db", str(text)])
    assert "not a SQLite database" in _fails(capsys, ["demo", "--db", str(text), "--months", "1"])
    assert "servicecore's SQL storage runs on SQLite and PostgreSQL" in _fails(
        capsys, ["report", "--db", "mysql://nobody@nowhere/db"]
    )


def test_an_unreachable_database_server_is_a_clear_error_on_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    nowhere = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1
    err = _fails(capsys, ["report", "--db", nowhere])
    assert err.startswith("servicecore report: error: reading the database: connection failed")
    assert "connection refused" in err
    assert err.count("\n") == 1  # the driver's hint on its own line is folded in
    err = _fails(capsys, ["demo", "--db", nowhere, "--months", "1"])
    assert err.startswith("servicecore demo: error: preparing the database: connection failed")
    assert err.count("\n") == 1


def test_an_unwritable_html_path_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], demo_db: Path, tmp_path: Path
) -> None:
    page = str(tmp_path / "missing" / "report.html")
    assert "cannot write it" in _fails(capsys, ["report", "--db", str(demo_db), "--html", page])


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Another program holding an exclusive lock on the database."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("CREATE TABLE other_program (x INTEGER)")
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_a_locked_database_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], demo_copy: Copy
) -> None:
    path = demo_copy()
    wait = ["--lock-timeout", "0.1"]
    with _locked(path):
        assert "locked" in _fails(capsys, ["report", "--db", str(path), *wait])
        assert "locked" in _fails(capsys, ["demo", "--db", str(path), "--months", "1", *wait])
    assert main(["report", "--db", str(path)]) == 0  # untouched once the lock is gone


def test_a_database_of_an_older_schema_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], demo_copy: Copy
) -> None:
    path = demo_copy()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE servicecore_aggregates DROP COLUMN schema_version")
    err = _fails(capsys, ["report", "--db", str(path)])
    assert "older servicecore schema" in err
    assert "'servicecore_aggregates' lacks schema_version" in err
    path = demo_copy()
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE servicecore_batch_units")
    assert "table 'servicecore_batch_units' is missing" in _fails(
        capsys, ["report", "--db", str(path)]
    )


def test_a_database_of_an_older_demo_format_is_a_clear_error(
    capsys: pytest.CaptureFixture[str], demo_copy: Copy
) -> None:
    path = demo_copy()
    store = open_store(f"sqlite:///{path}", lock_timeout=1)
    try:
        with store.unit_of_work(f"DEMO-{SEED}") as uow:
            run = uow[DEMO_RUNS].get("run")
            uow[DEMO_RUNS].save(evolve(run, format_version=1))
            uow.commit()
    finally:
        store.dispose()
    err = _fails(capsys, ["report", "--db", str(path)])
    assert "written by an older servicecore demo (format 1, this version reads 2)" in err


def test_an_interrupted_run_is_reported_and_replaced(
    capsys: pytest.CaptureFixture[str], demo_copy: Copy
) -> None:
    path = demo_copy()
    store = open_store(f"sqlite:///{path}", lock_timeout=1)
    try:
        with store.unit_of_work(f"DEMO-{SEED}") as uow:
            run = uow[DEMO_RUNS].get("run")
            uow[DEMO_RUNS].save(evolve(run, finished=False))
            uow.commit()
    finally:
        store.dispose()
    assert "was interrupted" in _fails(capsys, ["report", "--db", str(path)])


def test_a_database_that_is_not_a_demo_is_neither_reported_nor_overwritten(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    assert "no servicecore tables" in _fails(capsys, ["report", "--db", str(empty)])
    host = tmp_path / "host.sqlite"
    store = SqlStore(f"sqlite:///{host}", publish=lambda events: None)
    store.create_schema()
    with store.unit_of_work("ACME") as uow:
        uow[_NOTES].add(_Note(company_id="ACME", id="N-1"))
        uow.commit()
    store.dispose()
    assert "no demo run" in _fails(capsys, ["report", "--db", str(host)])
    err = _fails(capsys, ["demo", "--db", str(host), "--months", "1"])
    assert "only overwrites its own databases" in err


def test_bad_arguments_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["demo", "--months", "0"],
        ["demo", "--months", "three"],
        ["demo", "--workers", "0"],
        ["demo", "--seed", "-1"],
        ["demo", "--seed", "x"],
        ["report", "--lock-timeout", "-1"],
        ["report", "--lock-timeout", "soon"],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
        assert "error: argument" in capsys.readouterr().err
