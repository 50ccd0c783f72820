"""SQL storage on SQLAlchemy Core: SQLite embedded by default, PostgreSQL when you grow.

One adapter stores every registered aggregate type (servicecore's, later families', the
host's own) through the generic records port, with the same rules as the in-memory
reference store (both sit behind :mod:`servicecore.storage.staging`):

* **Tables.** ``servicecore_aggregates`` holds one row per (kind, company, id): the
  version, the schema version of the document, a ``deleted`` flag (the tombstone that keeps
  versions counting after a delete) and the aggregate as JSON (JSONB on PostgreSQL) written
  by the one cattrs converter. ``servicecore_index_keys`` holds the secondary index keys,
  written in the same transaction. ``servicecore_kinds`` fixes the class of each kind for
  the life of the database, across processes. One generic pair of tables instead of a
  table per type: a new aggregate type (a host's too) needs no migration, and every
  finder is one indexed lookup on ``(kind, company_id, index_name, key)``.
* **Snapshots.** A unit of work reads in its own read transaction (REPEATABLE READ on
  PostgreSQL, a WAL read transaction on SQLite) started when it opens, plus its staged
  changes.
* **Optimistic concurrency.** ``commit`` opens a write transaction (``BEGIN IMMEDIATE`` on
  SQLite, row locks with ``SELECT ... FOR UPDATE`` on PostgreSQL), checks every staged
  change against the stored version, then writes everything (``UPDATE ... WHERE
  version = :read``) or nothing.
* **Company isolation** is in every statement's WHERE clause.
* **Errors.** Driver errors become servicecore errors: a lost or refused connection
  ``StorageUnavailableError``, a lock not granted in time ``StorageLockedError``, missing
  tables ``SchemaError``, anything else ``StorageError``.
* **Upcasting.** A document stored under an older ``schema_version`` of its type is
  upcast on read with the type's ``upcasters`` (``n -> n + 1`` each).

>>> import tempfile, pathlib
>>> from servicecore.storage.sql import SqlStore
>>> path = pathlib.Path(tempfile.mkdtemp()) / "servicecore.sqlite"
>>> store = SqlStore(f"sqlite:///{path}", publish=lambda events: None)
>>> store.create_schema()
>>> with store.unit_of_work("ACME") as uow:
...     uow.commit()
>>> store.dispose()
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Dialect,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeEngine

from servicecore.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    SchemaError,
    ServiceCoreError,
    StorageError,
    StorageLockedError,
    StorageUnavailableError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, AggregateType, check_aggregate_type, check_id
from servicecore.serialization import structure, unstructure
from servicecore.storage.staging import Key, Staged, StagingRecords, StagingUnitOfWork

__all__ = [
    "AGGREGATES",
    "BATCH_UNITS",
    "INDEX_KEYS",
    "KINDS",
    "Publisher",
    "SqlStore",
    "SqlUnitOfWork",
    "metadata",
]

A = TypeVar("A", bound=Aggregate)

Publisher = Callable[[Sequence[DomainEvent]], None]

metadata = MetaData()
"""servicecore's tables: add them to your Alembic ``target_metadata`` (see docs/storage.md)."""

_DOCUMENT = JSON().with_variant(postgresql.JSONB(), "postgresql")


class _Dumped(TypeDecorator[str]):
    """A document the adapter has dumped to JSON text itself, written to the document
    column as it is (wrapped for psycopg, so that it goes as ``jsonb`` and is not dumped
    again). The adapter dumps each document as soon as it is made: a batch of nested
    dicts alive until the INSERT kept Python's collector busy (two full collections,
    about a third of saving 10,000 subscriptions). Only statements use this type; the
    column keeps ``_DOCUMENT``."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(_DOCUMENT)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            from psycopg.types.json import Jsonb

            def jsonb(text: str) -> Any:
                return Jsonb(text, str)  # str(text) is text: sent as it is

            return jsonb
        return None  # the JSON text is the value to store


_DUMPED = _Dumped()


def _dumps(document: Any) -> str:
    """A document as the JSON type would store it (SQLAlchemy's default serializer)."""
    return json.dumps(document)


AGGREGATES = Table(
    "servicecore_aggregates",
    metadata,
    Column("kind", String(100), primary_key=True),
    Column("company_id", String(200), primary_key=True),
    Column("id", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("document", _DOCUMENT, nullable=True),
)
"""One row per aggregate (a deleted one keeps its row as a tombstone)."""

INDEX_KEYS = Table(
    "servicecore_index_keys",
    metadata,
    Column("kind", String(100), primary_key=True),
    Column("company_id", String(200), primary_key=True),
    Column("index_name", String(100), primary_key=True),
    Column("key", String(500), primary_key=True),
    Column("id", String(200), primary_key=True),
    Index("servicecore_index_keys_by_id", "kind", "company_id", "id"),
)
"""The secondary index keys of the live aggregates."""

KINDS = Table(
    "servicecore_kinds",
    metadata,
    Column("kind", String(100), primary_key=True),
    Column("class_name", String(300), nullable=False),
)
"""The class stored under each kind, fixed by its first use."""


BATCH_UNITS = Table(
    "servicecore_batch_units",
    metadata,
    Column("batch_id", String(200), primary_key=True),
    Column("unit_no", Integer, primary_key=True),
    Column("company_id", String(200), nullable=False),
    Column("ids", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("claimed_by", String(200), nullable=True),
    Column("lease_until_us", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False),
)
"""One row per unit of a batch: pending, claimed (with a lease, in UTC microseconds since
the epoch, portable across databases) or done."""


def _class_name(cls: type[Any]) -> str:
    # The qualified name alone: a class moving to another module (a refactoring, a package
    # split) keeps its stored kind; two different classes of one name under one kind are
    # still told apart in the process by identity.
    return cls.__qualname__


@contextmanager
def _translated(action: str) -> Iterator[None]:
    """Driver errors as servicecore errors (servicecore's own pass through)."""
    try:
        yield
    except ServiceCoreError:
        raise
    except sa_exc.DBAPIError as exc:
        raise _translate(exc, action) from exc
    except sa_exc.SQLAlchemyError as exc:
        raise StorageError(f"{action} failed: {exc}") from exc


def _translate(exc: sa_exc.DBAPIError, action: str) -> StorageError:
    text = str(exc.orig).lower()
    code = getattr(exc.orig, "sqlstate", None) or ""
    if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
        return StorageUnavailableError(f"{action}: the database connection was lost ({text})")
    if "locked" in text or "busy" in text or code in ("55P03", "40P01"):
        return StorageLockedError(f"{action}: the database stayed locked ({text})")
    if "no such table" in text or code == "42P01" or "does not exist" in text:
        return SchemaError(
            f"{action}: servicecore's tables are missing ({text}); call create_schema() or "
            "run your migrations"
        )
    if isinstance(exc, sa_exc.OperationalError):
        return StorageUnavailableError(f"{action}: the database is not available ({text})")
    return StorageError(f"{action} failed: {text}")


class SqlStore:
    """Storage in a SQL database through SQLAlchemy Core: SQLite or PostgreSQL.

    ``bind`` is a database URL (``sqlite:///path.sqlite``,
    ``postgresql+psycopg://user@host/db``), an ``Engine``, or a ``Connection`` in a
    transaction of the host: then servicecore's reads and writes join that transaction
    (writes go in a SAVEPOINT at ``commit()``, which does not commit the host's
    transaction). ``publish`` receives the events of each successful commit (default: the
    plugin hooks). Like the in-memory store, ``store("ACME")`` opens a unit of work.
    """

    def __init__(
        self,
        bind: str | Engine | Connection,
        *,
        publish: Publisher | None = None,
        busy_timeout_ms: int = 5_000,
    ) -> None:
        if publish is not None and not callable(publish):
            raise ValidationError(
                f"publish must be callable, not {type(publish).__name__}",
                field="publish",
                value=publish,
                allowed="a function (events) -> None, or None for the plugin hooks",
            )
        if isinstance(busy_timeout_ms, bool) or not isinstance(busy_timeout_ms, int):
            raise ValidationError(
                f"busy_timeout_ms must be an int, not {busy_timeout_ms!r}",
                field="busy_timeout_ms",
                value=busy_timeout_ms,
                allowed="milliseconds to wait for a SQLite lock, e.g. 5000",
            )
        self._publish = publish
        self._connection: Connection | None = None
        self._owns_engine = False
        if isinstance(bind, Connection):
            self._connection = bind
            self._engine = bind.engine
        elif isinstance(bind, Engine):
            self._engine = bind
        elif isinstance(bind, str):
            try:
                backend = make_url(bind).get_backend_name()
            except sa_exc.ArgumentError:
                backend = ""
            if backend not in ("sqlite", "postgresql"):
                raise ValidationError(
                    f"servicecore's SQL storage runs on SQLite and PostgreSQL, not {bind!r}",
                    field="bind",
                    value=bind,
                    allowed="a sqlite:// or postgresql:// database URL",
                )
            with _translated("opening the database"):
                self._engine = create_engine(bind)
            self._owns_engine = True
        else:
            raise ValidationError(
                f"bind must be a database URL, an Engine or a Connection, not "
                f"{type(bind).__name__}",
                field="bind",
                value=bind,
                allowed="'sqlite:///servicecore.sqlite', a SQLAlchemy Engine or Connection",
            )
        self.dialect = self._engine.dialect.name
        if self.dialect not in ("sqlite", "postgresql"):
            raise ValidationError(
                f"servicecore's SQL storage runs on SQLite and PostgreSQL, not {self.dialect}",
                field="bind",
                value=self.dialect,
                allowed="a sqlite:// or postgresql:// database",
            )
        if self.dialect == "sqlite" and self._connection is None:
            _configure_sqlite(self._engine, busy_timeout_ms)
        self._types: dict[str, AggregateType[Any, Any]] = {}
        self._lock = threading.Lock()
        self._misses: weakref.WeakKeyDictionary[Connection, dict[tuple[str, str], int]] = (
            weakref.WeakKeyDictionary()
        )
        self._ids_cache: weakref.WeakKeyDictionary[Connection, dict[tuple[str, str], set[str]]] = (
            weakref.WeakKeyDictionary()
        )

    # -- schema --------------------------------------------------------------------------
    @property
    def engine(self) -> Engine:
        return self._engine

    def create_schema(self) -> None:
        """Create servicecore's tables where they are missing (hosts with Alembic add
        :data:`metadata` to their migrations instead)."""
        with _translated("creating the schema"):
            if self._connection is not None:
                metadata.create_all(self._connection)
            else:
                with self._engine.begin() as conn:
                    metadata.create_all(conn)

    def dispose(self) -> None:
        """Close the pooled connections of an engine this store created from a URL."""
        if self._owns_engine:
            self._engine.dispose()

    # -- opening units of work -------------------------------------------------------
    def unit_of_work(self, company_id: str) -> SqlUnitOfWork:
        """A unit of work for ``company_id``; use it as a context manager."""
        return SqlUnitOfWork(self, check_id(company_id, "company_id"))

    def __call__(self, company_id: str) -> SqlUnitOfWork:
        return self.unit_of_work(company_id)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        if self._publish is not None:
            self._publish(events)
            return
        from servicecore.plugins import default_hooks

        default_hooks().on_events(events)

    # -- backend: types ------------------------------------------------------------------
    def _type_for(self, aggregate_type: AggregateType[A, Any]) -> AggregateType[A, Any]:
        check_aggregate_type(aggregate_type)
        kind, name = aggregate_type.kind, _class_name(aggregate_type.cls)
        with self._lock:
            known = self._types.get(kind)
        if known is None:
            stored = self._stored_class(kind, name)
            if stored != name:
                raise ValidationError(
                    f"kind {kind!r} already holds {stored} in this database; it cannot hold "
                    f"{name} too",
                    field="kind",
                    value=kind,
                    allowed="one aggregate class per kind",
                )
            with self._lock:
                known = self._types.setdefault(kind, aggregate_type)
        if known.cls is not aggregate_type.cls:
            raise ValidationError(
                f"kind {kind!r} already holds {known.cls.__name__} in this store; it cannot "
                f"hold {aggregate_type.cls.__name__} too",
                field="kind",
                value=kind,
                allowed="one aggregate class per kind",
            )
        return known

    def _stored_class(self, kind: str, name: str) -> str:
        """The class name stored for ``kind``, recording ``name`` when there is none."""
        query = select(KINDS.c.class_name).where(KINDS.c.kind == kind)
        for _attempt in range(2):
            try:
                with _translated(f"reading the class of kind {kind!r}"), self._write() as conn:
                    found = conn.execute(query).scalar_one_or_none()
                    if found is not None:
                        return str(found)
                    with conn.begin_nested():
                        conn.execute(insert(KINDS).values(kind=kind, class_name=name))
                    return name
            except StorageError as exc:
                if not isinstance(exc.__cause__, sa_exc.IntegrityError):
                    raise
                # another process recorded the kind first: read what it recorded
        raise StorageError(f"cannot record the class of kind {kind!r}")  # pragma: no cover

    # -- backend: snapshots --------------------------------------------------------------
    def _begin(self) -> Connection:
        with _translated("opening a unit of work"):
            if self._connection is not None:
                return self._connection
            conn = self._engine.connect()
            try:
                if self.dialect == "postgresql":
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                conn.begin()
                # Pin the snapshot now: both databases take it at the first statement.
                conn.execute(select(KINDS.c.kind).limit(1))
            except BaseException:
                conn.close()
                raise
            return conn

    def _end(self, snapshot: Connection) -> None:
        if snapshot is self._connection:
            return
        self._misses.pop(snapshot, None)
        self._ids_cache.pop(snapshot, None)
        try:
            snapshot.rollback()
        except sa_exc.SQLAlchemyError:  # a connection the server dropped: nothing to end
            pass
        finally:
            snapshot.close()

    def _read(self, key: Key, snapshot: Connection) -> Any:
        kind, company, ident = key
        live = self._live_ids(snapshot, kind, company)
        if live is not None and ident not in live:
            return None  # known absent from this snapshot: no statement needed
        found = self._read_rows(snapshot, kind, company, [ident]).get(ident)
        if found is None and snapshot is not self._connection:
            misses = self._misses.setdefault(snapshot, {})
            misses[(kind, company)] = misses.get((kind, company), 0) + 1
        return found

    def _live_ids(self, snapshot: Connection, kind: str, company: str) -> set[str] | None:
        """The live ids of (kind, company) in this snapshot, once a unit of work has looked
        up enough absent ids (adding many aggregates) to make one query of them cheaper
        than one query per id. Valid for the snapshot's lifetime only."""
        if snapshot is self._connection:
            return None  # the host's transaction moves under us: no caching
        cached = self._ids_cache.get(snapshot, {}).get((kind, company))
        if cached is not None:
            return cached
        if self._misses.get(snapshot, {}).get((kind, company), 0) < _MISSES_BEFORE_CACHING:
            return None
        ids = set(self._ids_of(kind, company, snapshot))
        self._ids_cache.setdefault(snapshot, {})[(kind, company)] = ids
        return ids

    def _read_many(
        self, kind: str, company_id: str, ids: Sequence[str], snapshot: Connection
    ) -> dict[str, Any]:
        """The live aggregates among ``ids``, by id, in as few statements as possible."""
        found: dict[str, Any] = {}
        for start in range(0, len(ids), _CHUNK):
            found.update(self._read_rows(snapshot, kind, company_id, ids[start : start + _CHUNK]))
        return found

    def _read_rows(
        self, conn: Connection, kind: str, company_id: str, ids: Sequence[str]
    ) -> dict[str, Any]:
        aggregate_type = self._types[kind]
        query = select(
            AGGREGATES.c.id,
            AGGREGATES.c.version,
            AGGREGATES.c.schema_version,
            AGGREGATES.c.document,
        ).where(
            AGGREGATES.c.kind == kind,
            AGGREGATES.c.company_id == company_id,
            AGGREGATES.c.id.in_(list(ids)),
            AGGREGATES.c.deleted.is_(False),
        )
        with _translated(f"reading {kind}"):
            rows = conn.execute(query).all()
        return {
            row.id: self._load(aggregate_type, row.document, row.schema_version, row.version)
            for row in rows
        }

    @staticmethod
    def _load(
        aggregate_type: AggregateType[A, Any], document: Any, schema_version: int, version: int
    ) -> A:
        doc = dict(document)
        for n in range(schema_version, aggregate_type.schema_version):
            upcast = aggregate_type.upcasters.get(n)
            if upcast is None:
                raise SchemaError(
                    f"a stored {aggregate_type.kind} has schema version {n}, and its type "
                    f"has no upcaster from {n} to {n + 1}"
                )
            doc = upcast(doc)
        doc["version"] = version
        loaded: A = structure(doc, aggregate_type.cls)
        return loaded

    def _ids_of(self, kind: str, company_id: str, snapshot: Any = None) -> list[str]:
        query = select(AGGREGATES.c.id).where(
            AGGREGATES.c.kind == kind,
            AGGREGATES.c.company_id == company_id,
            AGGREGATES.c.deleted.is_(False),
        )
        with _translated(f"listing {kind}"):
            return list(snapshot.execute(query).scalars())

    def _candidates(
        self, kind: str, company_id: str, index: str, key: str, snapshot: Any = None
    ) -> list[str]:
        query = select(INDEX_KEYS.c.id).where(
            INDEX_KEYS.c.kind == kind,
            INDEX_KEYS.c.company_id == company_id,
            INDEX_KEYS.c.index_name == index,
            INDEX_KEYS.c.key == key,
        )
        with _translated(f"finding {kind} by {index}"):
            return list(snapshot.execute(query).scalars())

    # -- backend: commit -----------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction: the host's (in a SAVEPOINT), or one of our own."""
        if self._connection is not None:
            with self._connection.begin_nested():
                yield self._connection
            return
        conn = self._engine.connect()
        if self.dialect == "sqlite":
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        try:
            with conn.begin():
                yield conn
        finally:
            conn.close()

    def _commit(self, staged: dict[Key, Staged], snapshot: Any = None) -> None:
        """Check every staged change against the stored versions, then write all of them
        in one transaction; raise and write nothing on the first conflict."""
        if not staged:
            return
        changes = {k: c for k, c in staged.items() if c.base is not None}
        adds = {k: c for k, c in staged.items() if c.base is None}
        with _translated("committing"), self._write() as conn:
            current = self._lock_rows(conn, changes)
            for key, change in changes.items():
                _check(key, change, current.get(key))
            self._apply_all(conn, changes, current)
            if not adds:
                return
            # Optimistically: new ids have no row yet. The insert skips the ids that have one
            # (a tombstone to revive, or an id taken meanwhile) instead of failing on them:
            # an error inside a batched insert would abort psycopg's pipeline (and fill the
            # log with "error ignored terminating <psycopg.Pipeline [INERROR]>").
            skipped = self._apply_all(conn, adds, {})
            if not skipped:
                return
            rest = {key: adds[key] for key in sorted(skipped)}
            taken = self._lock_rows(conn, rest)
            for key, change in rest.items():
                _check(key, change, taken.get(key))
            self._apply_all(conn, rest, taken)

    def _lock_rows(
        self, conn: Connection, staged: dict[Key, Staged]
    ) -> dict[Key, tuple[int, bool]]:
        """(version, deleted) of every staged key that has a row, locked until commit."""
        found: dict[Key, tuple[int, bool]] = {}
        by_kind: dict[tuple[str, str], list[str]] = {}
        for kind, company, ident in staged:
            by_kind.setdefault((kind, company), []).append(ident)
        for (kind, company), all_ids in sorted(by_kind.items()):
            ordered = sorted(all_ids)
            for start in range(0, len(ordered), _CHUNK):
                query = (
                    select(AGGREGATES.c.id, AGGREGATES.c.version, AGGREGATES.c.deleted)
                    .where(
                        AGGREGATES.c.kind == kind,
                        AGGREGATES.c.company_id == company,
                        AGGREGATES.c.id.in_(ordered[start : start + _CHUNK]),
                    )
                    .order_by(AGGREGATES.c.id)
                )
                if self.dialect == "postgresql":
                    query = query.with_for_update()
                for row in conn.execute(query):
                    found[(kind, company, row.id)] = (row.version, row.deleted)
        return found

    def _apply_all(
        self,
        conn: Connection,
        staged: dict[Key, Staged],
        current: dict[Key, tuple[int, bool]],
    ) -> set[Key]:
        """Write every checked change: new rows and index keys in batches, one UPDATE per
        changed row (each guarded by the version it was checked against).

        A new row whose key already has one is not written, nor are its index keys: the
        keys of those are returned for the caller to check and write over the stored row.
        """
        inserts: list[dict[str, Any]] = []
        keys: list[dict[str, Any]] = []
        stale: dict[tuple[str, str], list[str]] = {}
        for key, change in staged.items():
            kind, company, ident = key
            row = current.get(key)
            aggregate_type = self._types[kind]
            previous = change.base if change.base is not None else (row[0] if row else 0)
            version = previous + 1
            stale.setdefault((kind, company), []).append(ident)
            if change.value is None:  # JSON null, as the JSON type stores None
                values: dict[str, Any] = {"version": version, "deleted": True, "dumped": "null"}
            else:
                document = unstructure(change.value)
                document.pop("version", None)
                values = {
                    "version": version,
                    "deleted": False,
                    "dumped": _dumps(document),
                    "schema_version": aggregate_type.schema_version,
                }
                keys.extend(
                    {
                        "kind": kind,
                        "company_id": company,
                        "index_name": index.name,
                        "key": k,
                        "id": ident,
                    }
                    for index in aggregate_type.indexes
                    for k in sorted(set(aggregate_type.keys_of(change.value, index)))
                )
            if row is None:
                values.setdefault("schema_version", aggregate_type.schema_version)
                inserts.append({"kind": kind, "company_id": company, "id": ident, **values})
                continue
            document_value = type_coerce(values.pop("dumped"), _DUMPED)
            done = conn.execute(
                update(AGGREGATES)
                .where(
                    AGGREGATES.c.kind == kind,
                    AGGREGATES.c.company_id == company,
                    AGGREGATES.c.id == ident,
                    AGGREGATES.c.version == row[0],
                )
                .values({**values, "document": document_value})
            )
            if done.rowcount != 1:  # pragma: no cover - the row is locked since the check
                raise ConcurrencyError(
                    entity=kind, id=ident, expected_version=row[0], actual_version=None
                )
        for (kind, company), ids in stale.items():
            for start in range(0, len(ids), _CHUNK):
                conn.execute(
                    delete(INDEX_KEYS).where(
                        INDEX_KEYS.c.kind == kind,
                        INDEX_KEYS.c.company_id == company,
                        INDEX_KEYS.c.id.in_(ids[start : start + _CHUNK]),
                    )
                )
        skipped = self._insert_new(conn, inserts) if inserts else set()
        if skipped:
            keys = [k for k in keys if (k["kind"], k["company_id"], k["id"]) not in skipped]
        if keys:
            conn.execute(insert(INDEX_KEYS), keys)
        return skipped

    def _insert_new(self, conn: Connection, rows: list[dict[str, Any]]) -> set[Key]:
        """Insert aggregate rows whose keys have no row yet; return the keys that had one
        (a tombstone to revive, or an id taken meanwhile), left unwritten.

        A key already stored is skipped (``ON CONFLICT DO NOTHING``), never an error: an
        error inside psycopg's pipelined batch would abort the pipeline and fill the log.
        The batch is counted; only when it wrote fewer rows than it had is it rolled back
        and run again asking which keys it wrote (``RETURNING``: a result per row, about
        twice as slow for 10,000 subscriptions, so not the common path).
        """
        build = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        dumped = {"document": bindparam("dumped", type_=_DUMPED)}
        new = build(AGGREGATES).values(dumped).on_conflict_do_nothing()
        with conn.begin_nested() as savepoint:
            counted = conn.execute(new.execution_options(preserve_rowcount=True), rows)
            if counted.rowcount == len(rows):
                return set()
            savepoint.rollback()
        returned = conn.execute(
            new.returning(AGGREGATES.c.kind, AGGREGATES.c.company_id, AGGREGATES.c.id), rows
        )
        done = {(r.kind, r.company_id, r.id) for r in returned}
        return {(r["kind"], r["company_id"], r["id"]) for r in rows} - done


def _check(key: Key, change: Staged, row: tuple[int, bool] | None) -> None:
    """The in-memory store's rule: a new aggregate conflicts with a live one; a change
    conflicts unless the version it read is still the stored one."""
    kind, _company, ident = key
    live = row is not None and not row[1]
    if change.base is None:
        if live:
            raise AlreadyExistsError(entity=kind, id=ident)
    elif not live or row is None or row[0] != change.base:
        raise ConcurrencyError(
            entity=kind,
            id=ident,
            expected_version=change.base,
            actual_version=row[0] if live and row is not None else None,
        )


_MISSES_BEFORE_CACHING = 16
"""Absent ids looked up in one snapshot before its live ids are read at once."""

_CHUNK = 500
"""Ids per IN (...) list: below every database's limit on bound parameters."""

_CONFIGURED: weakref.WeakSet[Engine] = weakref.WeakSet()


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, a busy timeout, and transactions that begin when servicecore says so (once per
    engine, however many stores share it)."""
    if engine in _CONFIGURED:
        return
    _CONFIGURED.add(engine)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below emit BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


class SqlUnitOfWork(StagingUnitOfWork):
    """A unit of work of a :class:`SqlStore`: its reads see one snapshot of the database,
    its changes are staged and written at ``commit()``."""

    def __init__(self, store: SqlStore, company_id: str) -> None:
        super().__init__(store, company_id)


class SqlRecords(StagingRecords[A]):
    """The records port of one aggregate type in a :class:`SqlUnitOfWork`."""


SqlUnitOfWork.records_class = SqlRecords
