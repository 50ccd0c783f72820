"""The SQL adapter's own promises: joining the host's transaction, upcasting stored
documents, and driver errors translated into servicecore errors."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from sqlalchemy import create_engine, text

from servicecore.errors import (
    SchemaError,
    StorageLockedError,
    StorageUnavailableError,
    ValidationError,
)
from servicecore.ports import AggregateType, Repository
from servicecore.storage.sql import AGGREGATES, SqlStore, metadata

from .aggregates import COUNTERS, Counter


def _quiet(events: Any) -> None:
    del events


def test_writes_join_the_hosts_transaction(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'host.sqlite'}")
    SqlStore(engine, publish=_quiet).create_schema()
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(text("CREATE TABLE host_orders (id TEXT)"))
        conn.execute(text("INSERT INTO host_orders VALUES ('H-1')"))
        store = SqlStore(conn, publish=_quiet)
        with store.unit_of_work("ACME") as uow:
            uow[COUNTERS].add(Counter("ACME", "C-1"))
            uow.commit()  # into the host's transaction, not committed yet
        trans.rollback()  # the host changes its mind: servicecore's write goes too
    with SqlStore(engine, publish=_quiet).unit_of_work("ACME") as uow:
        assert uow[COUNTERS].list_all() == []
    with engine.connect() as conn:
        trans = conn.begin()
        store = SqlStore(conn, publish=_quiet)
        with store.unit_of_work("ACME") as uow:
            uow[COUNTERS].add(Counter("ACME", "C-1"))
            uow.commit()
        trans.commit()
    with SqlStore(engine, publish=_quiet).unit_of_work("ACME") as uow:
        assert [c.id for c in uow[COUNTERS].list_all()] == ["C-1"]
    engine.dispose()


@frozen
class NoteV1:
    company_id: str
    id: str
    text: str
    version: int = 0


@frozen
class Note:
    company_id: str
    id: str
    title: str
    body: str
    version: int = 0


def test_older_documents_are_upcast_on_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'notes.sqlite'}"
    old_type = AggregateType(kind="note", cls=NoteV1, repository=Repository, schema_version=1)
    store = SqlStore(url, publish=_quiet)
    store.create_schema()
    with store.unit_of_work("ACME") as uow:
        uow[old_type].add(NoteV1("ACME", "N-1", "Boiler: replaced the pump"))
        uow.commit()
    store.dispose()
    with sqlite3.connect(tmp_path / "notes.sqlite") as raw:  # the class moved on: a migration
        raw.execute("UPDATE servicecore_kinds SET class_name = ?", ("Note",))

    def v1_to_v2(doc: dict[str, Any]) -> dict[str, Any]:
        title, _, body = doc.pop("text").partition(": ")
        return {**doc, "title": title, "body": body}

    new_type = AggregateType(
        kind="note", cls=Note, repository=Repository, schema_version=2, upcasters={1: v1_to_v2}
    )
    store = SqlStore(url, publish=_quiet)
    with store.unit_of_work("ACME") as uow:
        note = uow[new_type].get("N-1")
    assert (note.title, note.body, note.version) == ("Boiler", "replaced the pump", 1)
    missing = AggregateType(kind="note", cls=Note, repository=Repository, schema_version=3)
    other = SqlStore(url, publish=_quiet)
    with other.unit_of_work("ACME") as uow, pytest.raises(SchemaError, match="no upcaster"):
        uow[missing].get("N-1")
    store.dispose()
    other.dispose()


def test_missing_tables_are_a_schema_error(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'empty.sqlite'}", publish=_quiet)
    with pytest.raises(SchemaError, match="create_schema"), store.unit_of_work("ACME"):
        pass
    store.dispose()


def test_a_lock_held_too_long_is_a_storage_locked_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    store = SqlStore(f"sqlite:///{path}", publish=_quiet, busy_timeout_ms=50)
    store.create_schema()
    with store.unit_of_work("ACME") as uow:
        uow[COUNTERS].list_all()  # the kind is known before the lock is taken
    with sqlite3.connect(path, isolation_level=None) as raw:
        with store.unit_of_work("ACME") as uow:
            uow[COUNTERS].add(Counter("ACME", "C-1"))
            raw.execute("BEGIN EXCLUSIVE")
            with pytest.raises(StorageLockedError, match="locked"):
                uow.commit()
        raw.execute("ROLLBACK")
    with store.unit_of_work("ACME") as uow:
        assert uow[COUNTERS].list_all() == []  # nothing half written
    store.dispose()


def test_an_unreachable_server_is_unavailable() -> None:
    store = SqlStore("postgresql+psycopg://nobody@127.0.0.1:1/none", publish=_quiet)
    with pytest.raises(StorageUnavailableError), store.unit_of_work("ACME"):
        pass


@pytest.mark.parametrize(
    ("bind", "message"),
    [(None, "database URL"), ("mysql://x/y", "SQLite and PostgreSQL"), (3, "database URL")],
)
def test_bad_binds_are_refused(bind: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SqlStore(bind, publish=_quiet)


def test_metadata_lists_the_tables_for_the_hosts_migrations() -> None:
    assert sorted(metadata.tables) == [
        "servicecore_aggregates",
        "servicecore_batch_units",
        "servicecore_index_keys",
        "servicecore_kinds",
    ]
    assert AGGREGATES.c.version is not None


def test_another_class_under_a_stored_kind_is_refused_in_another_process_too(
    sqlite_store_factory: Callable[..., SqlStore],
) -> None:
    store = sqlite_store_factory(_quiet)
    with store.unit_of_work("ACME") as uow:
        uow[COUNTERS].add(Counter("ACME", "C-1"))
        uow.commit()
    again = SqlStore(store.engine, publish=_quiet)  # a fresh store knows nothing in memory
    impostor = AggregateType(kind=COUNTERS.kind, cls=Note, repository=Repository)
    with again.unit_of_work("ACME") as uow, pytest.raises(ValidationError, match="already holds"):
        uow[impostor].list_all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"publish": "print"}, "publish must be callable"),
        ({"busy_timeout_ms": "5s"}, "busy_timeout_ms"),
        ({"busy_timeout_ms": True}, "busy_timeout_ms"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SqlStore(f"sqlite:///{tmp_path / 'x.sqlite'}", **kwargs)


def test_a_url_that_is_no_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="SQLite and PostgreSQL"):
        SqlStore("not a url at all")


def test_the_schema_can_be_created_inside_the_hosts_transaction(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'host.sqlite'}")
    SqlStore(engine, publish=_quiet)  # configures the engine
    with engine.connect() as conn, conn.begin():
        SqlStore(conn, publish=_quiet).create_schema()
    with SqlStore(engine, publish=_quiet).unit_of_work("ACME") as uow:
        assert uow[COUNTERS].list_all() == []
    engine.dispose()


def test_without_a_publisher_events_go_to_the_plugins(tmp_path: Path) -> None:
    from servicecore.events import DomainEvent
    from servicecore.plugins import Hooks, get_plugin_manager, hookimpl, reset_default_hooks

    seen: list[DomainEvent] = []

    class Listener:
        @hookimpl
        def servicecore_on_events(self, events: list[DomainEvent]) -> None:
            seen.extend(events)

    reset_default_hooks(Hooks(get_plugin_manager(plugins=[Listener()], load_entrypoints=False)))
    try:
        store = SqlStore(f"sqlite:///{tmp_path / 'p.sqlite'}")
        store.create_schema()
        event = DomainEvent(aggregate_id="C-1", company_id="ACME", occurred_at=pendulum_now())
        with store.unit_of_work("ACME") as uow:
            uow.record([event])
            uow.commit()
        store.dispose()
    finally:
        reset_default_hooks()
    assert seen == [event]


def pendulum_now() -> Any:
    import pendulum

    return pendulum.datetime(2024, 1, 1)
