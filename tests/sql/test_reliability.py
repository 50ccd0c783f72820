"""The SQL adapter under stress: concurrent processes, SIGKILL mid-commit, half-failed
commands, a connection dropped by the server, a host's own aggregate type."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from attrs import evolve
from sqlalchemy import Engine, text

from servicecore.errors import StorageUnavailableError
from servicecore.storage.sql import SqlStore

from .aggregates import COUNTERS, Counter

ROOT = Path(__file__).resolve().parents[2]

_RACER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from attrs import evolve
    from sqlalchemy import create_engine
    from servicecore.errors import ConcurrencyError
    from servicecore.storage.sql import SqlStore
    from tests.sql.aggregates import COUNTERS

    url, schema, me, barrier = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
    engine = create_engine(url)
    if schema:
        engine = engine.execution_options(schema_translate_map={None: schema})
    store = SqlStore(engine, publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        counter = uow[COUNTERS].get("C-1")
        (barrier / me).touch()
        while len(list(barrier.iterdir())) < 2:
            time.sleep(0.01)
        uow[COUNTERS].save(evolve(counter, value=counter.value + 1, label=me))
        try:
            uow.commit()
            print("won")
        except ConcurrencyError:
            print("conflict")
    """
)


def _race(url: str, schema: str, tmp_path: Path) -> list[str]:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _RACER, url, schema, name, str(barrier)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("A", "B")
    ]
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outcomes.append(out.strip())
    return outcomes


def _seed(store: SqlStore) -> None:
    with store.unit_of_work("ACME") as uow:
        uow[COUNTERS].add(Counter("ACME", "C-1"))
        uow.commit()


def _check_one_won(store: SqlStore, outcomes: list[str]) -> None:
    assert sorted(outcomes) == ["conflict", "won"]
    winner = "AB"[outcomes.index("won")]
    with store.unit_of_work("ACME") as uow:
        stored = uow[COUNTERS].get("C-1")
    assert (stored.value, stored.label, stored.version) == (1, winner, 2)


def test_two_processes_on_sqlite_one_wins_the_other_conflicts(
    sqlite_store_factory: Callable[..., SqlStore], tmp_path: Path
) -> None:
    store = sqlite_store_factory(lambda events: None)
    _seed(store)
    outcomes = _race(str(store.engine.url), "", tmp_path)
    _check_one_won(store, outcomes)


def test_two_processes_on_postgres_one_wins_the_other_conflicts(
    pg_store_factory: Callable[..., SqlStore], tmp_path: Path
) -> None:
    store = pg_store_factory(lambda events: None)
    _seed(store)
    schema = store.engine.get_execution_options()["schema_translate_map"][None]
    url = store.engine.url.render_as_string(hide_password=False)
    outcomes = _race(url, schema, tmp_path)
    _check_one_won(store, outcomes)


_WRITER = textwrap.dedent(
    """
    import sys
    from attrs import evolve
    from servicecore.storage.sql import SqlStore
    from tests.sql.aggregates import COUNTERS, Counter

    store = SqlStore(sys.argv[1], publish=lambda events: None)
    n = int(sys.argv[2])
    generation = 0
    print("ready", flush=True)
    while True:
        generation += 1
        with store.unit_of_work("ACME") as uow:
            for i in range(n):
                uow[COUNTERS].save(evolve(uow[COUNTERS].get(f"C-{i}"), generation=generation))
            uow.commit()
    """
)


def test_sigkill_mid_commit_leaves_sqlite_whole_and_all_or_nothing(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    store = sqlite_store_factory(lambda events: None)
    n = 300
    with store.unit_of_work("ACME") as uow:
        for i in range(n):
            uow[COUNTERS].add(Counter("ACME", f"C-{i}"))
        uow.commit()
    path = store.engine.url.database
    assert path is not None
    store.dispose()
    for delay in (0.35, 0.6, 0.85, 1.1):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, f"sqlite:///{path}", str(n)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(delay)  # several commits in, most likely in the middle of one
        os.kill(child.pid, signal.SIGKILL)
        child.communicate(timeout=30)  # reaps it and closes its pipes
        with sqlite3.connect(path) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        reopened = SqlStore(f"sqlite:///{path}", publish=lambda events: None)
        with reopened.unit_of_work("ACME") as uow:
            generations = {c.generation for c in uow[COUNTERS].list_all()}
            versions = {c.version for c in uow[COUNTERS].list_all()}
        reopened.dispose()
        assert len(generations) == 1, f"a commit was half applied: {sorted(generations)}"
        assert len(versions) == 1


def test_a_command_that_raises_halfway_leaves_storage_unchanged(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    store = sqlite_store_factory(lambda events: None)
    _seed(store)

    class Halfway(Exception):
        pass

    def command() -> None:
        with store.unit_of_work("ACME") as uow:
            counter = uow[COUNTERS].get("C-1")
            uow[COUNTERS].save(evolve(counter, value=99))
            uow[COUNTERS].add(Counter("ACME", "C-2"))
            raise Halfway

    with pytest.raises(Halfway):
        command()
    with store.unit_of_work("ACME") as uow:
        assert [(c.id, c.value, c.version) for c in uow[COUNTERS].list_all()] == [("C-1", 0, 1)]


def test_a_connection_dropped_by_the_server_is_a_storage_error_and_the_next_works(
    pg_store_factory: Callable[..., SqlStore], pg_engine: Engine
) -> None:
    store = pg_store_factory(lambda events: None)
    _seed(store)
    with store.unit_of_work("ACME") as uow:
        pid = uow._snapshot.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with pg_engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.commit()
        with pytest.raises(StorageUnavailableError, match="connection"):
            uow[COUNTERS].get("C-1")
    with store.unit_of_work("ACME") as uow:
        assert uow[COUNTERS].get("C-1").value == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_hosts_own_aggregate_type_is_stored_with_its_finder(
    backend: str,
    sqlite_store_factory: Callable[..., SqlStore],
    pg_store_factory: Callable[..., SqlStore],
) -> None:
    store = (sqlite_store_factory if backend == "sqlite" else pg_store_factory)(lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow[COUNTERS].add(Counter("ACME", "C-1", label="blue"))
        uow[COUNTERS].add(Counter("ACME", "C-2", label="red"))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert [c.id for c in uow[COUNTERS].list_labelled("blue")] == ["C-1"]
        uow[COUNTERS].save(evolve(uow[COUNTERS].get("C-1"), label="red"))
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        assert [c.id for c in uow[COUNTERS].list_labelled("red")] == ["C-1", "C-2"]
        assert uow[COUNTERS].list_labelled("blue") == []
