"""The in-memory store: the reference implementation of the records port.

Not a mock: it enforces the same rules a SQL adapter must, for every aggregate type
(servicecore's and the host's own) through one generic implementation.

* **Snapshots.** A unit of work reads the store as it was when the unit of work began
  (multi-version history per key), plus its own staged changes.
* **Optimistic concurrency.** ``save``/``delete`` stage a change against the version the
  unit of work read; ``commit`` checks, under one lock, that no staged aggregate moved on
  (``ConcurrencyError``) and that no added id appeared meanwhile (``AlreadyExistsError``),
  then applies everything or nothing. Each commit that changes an aggregate bumps its
  ``version`` by one.
* **Versions never restart.** A delete leaves a tombstone holding the next version, so an
  id deleted and added again continues counting, and a save based on a version read before
  the delete always conflicts.
* **One class per kind.** The first aggregate type used under a ``kind`` fixes its class
  for the life of the store; another class under the same kind is refused, in any unit of
  work.
* **Company isolation.** Keys include the company; a unit of work only ever sees its own.
* **Events after commit.** Recorded events go to the publisher (the plugin facade by
  default) only after a successful commit.
* **Indexes.** ``find`` looks keys up in an index kept at commit time, then re-checks each
  candidate as the unit of work sees it, so staged changes and snapshots are honoured.
* **Thread safety.** One lock guards the shared state; units of work are cheap and meant
  for one thread each.

>>> from servicecore.storage.memory import InMemoryStore
>>> store = InMemoryStore(publish=lambda events: None)
>>> with store.unit_of_work("ACME") as uow:
...     uow.commit()
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

import attrs

from servicecore.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import (
    Aggregate,
    AggregateType,
    TypedAccess,
    check_aggregate_type,
    check_id,
    check_iterable,
    check_type,
)

__all__ = ["InMemoryRecords", "InMemoryStore", "InMemoryUnitOfWork", "Publisher"]

A = TypeVar("A", bound=Aggregate)

Publisher = Callable[[Sequence[DomainEvent]], None]
"""Receives the events of a successful commit (default: the plugin facade)."""

_Key = tuple[str, str, str]  # (kind, company_id, id)


@attrs.frozen
class _Tombstone:
    """What a deletion leaves: the version the next incarnation of the id continues from."""

    version: int


@attrs.frozen
class _Staged:
    base: int | None  # stored version this change is based on; None for a new aggregate
    value: Any  # the aggregate, or None for a deletion


def _live(value: Any) -> Any:
    return None if value is None or isinstance(value, _Tombstone) else value


class InMemoryStore:
    """Process-local storage shared by the units of work it opens.

    The store is itself a ``UnitOfWorkFactory``: ``store("ACME")`` opens a unit of work.
    """

    def __init__(self, *, publish: Publisher | None = None) -> None:
        if publish is not None and not callable(publish):
            raise ValidationError(
                f"publish must be callable, not {type(publish).__name__}",
                field="publish",
                value=publish,
                allowed="a function (events) -> None, or None for the plugin hooks",
            )
        self._lock = threading.RLock()
        self._seq = 0
        self._history: dict[_Key, list[tuple[int, Any]]] = {}
        self._ids: dict[tuple[str, str], set[str]] = {}
        self._index: dict[tuple[str, str, str, str], set[str]] = {}
        self._types: dict[str, AggregateType[Any, Any]] = {}
        self._active: Counter[int] = Counter()
        self._publish = publish

    # -- opening units of work -------------------------------------------------------
    def unit_of_work(self, company_id: str) -> InMemoryUnitOfWork:
        """A unit of work for ``company_id``; use it as a context manager."""
        return InMemoryUnitOfWork(self, check_id(company_id, "company_id"))

    def __call__(self, company_id: str) -> InMemoryUnitOfWork:
        return self.unit_of_work(company_id)

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        if self._publish is not None:
            self._publish(events)
            return
        from servicecore.plugins import default_hooks

        default_hooks().on_events(events)

    # -- types -------------------------------------------------------------------------
    def _type_for(self, aggregate_type: AggregateType[A, Any]) -> AggregateType[A, Any]:
        """The type stored under ``aggregate_type.kind``; fixed by its first use."""
        check_aggregate_type(aggregate_type)
        with self._lock:
            known = self._types.setdefault(aggregate_type.kind, aggregate_type)
        if known.cls is not aggregate_type.cls:
            raise ValidationError(
                f"kind {aggregate_type.kind!r} already holds {known.cls.__name__} in this "
                f"store; it cannot hold {aggregate_type.cls.__name__} too",
                field="kind",
                value=aggregate_type.kind,
                allowed="one aggregate class per kind",
            )
        return known

    # -- snapshot bookkeeping ----------------------------------------------------------
    def _begin(self) -> int:
        with self._lock:
            self._active[self._seq] += 1
            return self._seq

    def _end(self, snapshot: int) -> None:
        with self._lock:
            self._active[snapshot] -= 1
            if self._active[snapshot] <= 0:
                del self._active[snapshot]

    def _read(self, key: _Key, snapshot: int) -> Any:
        """The live aggregate at ``key`` as of ``snapshot``, or None."""
        with self._lock:
            history = self._history.get(key)
            if not history:
                return None
            for seq, value in reversed(history):
                if seq <= snapshot:
                    return _live(value)
            return None

    def _latest(self, key: _Key) -> Any:
        """The newest entry at ``key``: an aggregate, a tombstone, or None if never stored."""
        history = self._history.get(key)
        return history[-1][1] if history else None

    def _ids_of(self, kind: str, company_id: str) -> list[str]:
        with self._lock:
            return list(self._ids.get((kind, company_id), ()))

    def _candidates(self, kind: str, company_id: str, index: str, key: str) -> list[str]:
        """Every id that was ever committed under ``key`` (a superset; callers re-check)."""
        with self._lock:
            return list(self._index.get((kind, company_id, index, key), ()))

    # -- commit ------------------------------------------------------------------------
    def _commit(self, staged: dict[_Key, _Staged], snapshot: int | None = None) -> None:
        """Apply ``staged`` atomically, or raise and apply nothing.

        Every change is checked first; only when all pass is anything written. A new
        aggregate conflicts with any live one under its key; a change based on a stored
        version conflicts unless that version is still the newest (versions never
        restart, so a delete and re-add cannot bring an old number back).
        """
        with self._lock:
            for key, change in staged.items():
                kind, _company, ident = key
                latest = self._latest(key)
                if change.base is None:
                    if _live(latest) is not None:
                        raise AlreadyExistsError(entity=kind, id=ident)
                elif _live(latest) is None or latest.version != change.base:
                    raise ConcurrencyError(
                        entity=kind,
                        id=ident,
                        expected_version=change.base,
                        actual_version=None if _live(latest) is None else latest.version,
                    )
            if not staged:
                return
            self._seq += 1
            seq = self._seq
            oldest = min(self._active, default=seq)
            for key, change in staged.items():
                latest = self._latest(key)
                previous = change.base if change.base is not None else 0
                if change.base is None and isinstance(latest, _Tombstone):
                    previous = latest.version
                value = change.value
                if value is None:
                    value = _Tombstone(previous + 1)
                else:
                    value = attrs.evolve(value, version=previous + 1)
                    self._index_value(key, value)
                history = self._history.setdefault(key, [])
                history.append((seq, value))
                self._prune(history, oldest)
                self._ids.setdefault(key[:2], set()).add(key[2])

    def _index_value(self, key: _Key, value: Any) -> None:
        kind, company, ident = key
        aggregate_type = self._types[kind]
        for index in aggregate_type.indexes:
            for index_key in aggregate_type.keys_of(value, index):
                self._index.setdefault((kind, company, index.name, index_key), set()).add(ident)

    @staticmethod
    def _prune(history: list[tuple[int, Any]], oldest_snapshot: int) -> None:
        # Keep the newest entry any active snapshot can see, and everything after it.
        keep_from = 0
        for i, (seq, _value) in enumerate(history):
            if seq <= oldest_snapshot:
                keep_from = i
        if keep_from:
            del history[:keep_from]


class InMemoryUnitOfWork(TypedAccess):
    """One transaction against an :class:`InMemoryStore`, for one company.

    ``uow[TYPE]`` gives the typed repository of any aggregate type; ``uow.records(TYPE)``
    the generic records port underneath.
    """

    def __init__(self, store: InMemoryStore, company_id: str) -> None:
        self._store = store
        self._company_id = company_id
        self._snapshot: int | None = None
        self._staged: dict[_Key, _Staged] = {}
        self._events: list[DomainEvent] = []
        self._records: dict[str, InMemoryRecords[Any]] = {}

    @property
    def company_id(self) -> str:
        return self._company_id

    # -- context management ------------------------------------------------------------
    def __enter__(self) -> Self:
        if self._snapshot is not None:
            raise StorageError("this unit of work is already open; open a new one instead")
        self._snapshot = self._store._begin()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._staged, self._events = {}, []
        if self._snapshot is not None:
            self._store._end(self._snapshot)
            self._snapshot = None

    def _open_snapshot(self) -> int:
        if self._snapshot is None:
            raise StorageError(
                "the unit of work is not open: use it as `with store.unit_of_work(company) as uow:`"
            )
        return self._snapshot

    # -- transaction -------------------------------------------------------------------
    def commit(self) -> None:
        snapshot = self._open_snapshot()
        staged, events = self._staged, self._events
        self._staged, self._events = {}, []
        try:
            self._store._commit(staged, snapshot)  # raises, applies nothing, on conflict
        finally:
            # Like a database transaction ending: later reads in this unit of work see the
            # latest state, so "reload and apply the change again" works in the same block.
            self._renew_snapshot()
        self._store.publish(events)

    def rollback(self) -> None:
        """Drop staged changes and recorded events; later reads see the latest state."""
        self._staged, self._events = {}, []
        if self._snapshot is not None:
            self._renew_snapshot()

    def _renew_snapshot(self) -> None:
        assert self._snapshot is not None
        self._store._end(self._snapshot)
        self._snapshot = self._store._begin()

    def record(self, events: Iterable[DomainEvent]) -> None:
        self._open_snapshot()
        batch = list(check_iterable(events, "events", "a list of DomainEvent"))
        for event in batch:
            if not isinstance(event, DomainEvent):
                raise ValidationError(
                    f"record() takes DomainEvent instances, not {type(event).__name__}",
                    field="events",
                    value=event,
                    allowed="DomainEvent subclasses",
                )
            if event.company_id != self._company_id:
                raise PermissionDeniedError(
                    f"event {event.event_type} belongs to company {event.company_id!r}; "
                    f"this unit of work is for {self._company_id!r}",
                    action="record",
                    company_id=event.company_id,
                )
        self._events.extend(batch)

    # -- records -------------------------------------------------------------------------
    def records(self, aggregate_type: AggregateType[A, Any]) -> InMemoryRecords[A]:
        """The records port of ``aggregate_type`` in this unit of work."""
        found = self._records.get(getattr(aggregate_type, "kind", ""))
        if found is not None and found.aggregate_type is aggregate_type:
            return found
        known = self._store._type_for(aggregate_type)
        records = InMemoryRecords(self, known)
        self._records[known.kind] = records
        return records

    # -- internals used by the records ---------------------------------------------------
    def _visible(self, key: _Key) -> tuple[bool, Any]:
        """(staged?, live value or None) as this unit of work sees ``key``."""
        staged = self._staged.get(key)
        if staged is not None:
            return True, staged.value
        return False, self._store._read(key, self._open_snapshot())


class InMemoryRecords(Generic[A]):
    """The records port of one aggregate type in one :class:`InMemoryUnitOfWork`."""

    def __init__(self, uow: InMemoryUnitOfWork, aggregate_type: AggregateType[A, Any]) -> None:
        self._uow = uow
        self._type = aggregate_type
        self.kind = aggregate_type.kind

    @property
    def aggregate_type(self) -> AggregateType[A, Any]:
        return self._type

    def _key(self, ident: str) -> _Key:
        return (self.kind, self._uow.company_id, ident)

    def _check(self, aggregate: object, action: str) -> A:
        cls = self._type.cls
        if not isinstance(aggregate, cls):
            raise ValidationError(
                f"{action}() of the {self.kind} records takes a {cls.__name__}, not "
                f"{type(aggregate).__name__}",
                field="aggregate",
                value=aggregate,
                allowed=cls.__name__,
            )
        company = aggregate.company_id
        if company != self._uow.company_id:
            raise PermissionDeniedError(
                f"{self.kind} {aggregate.id!r} belongs to company {company!r}; this unit of "
                f"work is for {self._uow.company_id!r}",
                action=action,
                company_id=company,
            )
        check_id(aggregate.id)
        return aggregate

    def get(self, id: str) -> A:
        check_id(id)
        _staged, value = self._uow._visible(self._key(id))
        if value is None:
            raise NotFoundError(entity=self.kind, id=id)
        result: A = value
        return result

    def add(self, aggregate: A) -> None:
        self._check(aggregate, "add")
        version = aggregate.version
        if type(version) is not int or version != 0:
            raise ValidationError(
                f"a new {self.kind} has version 0, not {version!r}; to change a stored one, "
                "save() it",
                field="version",
                value=version,
                allowed="the integer 0",
            )
        self._index_keys(aggregate)  # a key function that fails must fail here, not at commit
        key = self._key(aggregate.id)
        staged, value = self._uow._visible(key)
        if value is not None:
            raise AlreadyExistsError(entity=self.kind, id=aggregate.id)
        base = self._uow._staged[key].base if staged else None
        self._uow._staged[key] = _Staged(base, aggregate)

    def _stage_change(self, aggregate: A, value: A | None, action: str) -> None:
        self._check(aggregate, action)
        if value is not None:
            self._index_keys(value)
        key = self._key(aggregate.id)
        staged, current = self._uow._visible(key)
        if current is None:
            raise NotFoundError(entity=self.kind, id=aggregate.id)
        if type(aggregate.version) is not int or aggregate.version != current.version:
            raise ConcurrencyError(
                entity=self.kind,
                id=aggregate.id,
                expected_version=aggregate.version,
                actual_version=current.version,
            )
        base = self._uow._staged[key].base if staged else current.version
        self._uow._staged[key] = _Staged(base, value)

    def save(self, aggregate: A) -> None:
        self._stage_change(aggregate, aggregate, "save")

    def delete(self, aggregate: A) -> None:
        self._stage_change(aggregate, None, "delete")

    def list_all(self) -> list[A]:
        company = self._uow.company_id
        ids = set(self._uow._store._ids_of(self.kind, company))
        ids.update(k[2] for k in self._uow._staged if k[0] == self.kind and k[1] == company)
        return self._visible_values(ids, lambda _value: True)

    def find(self, index: str, key: str) -> list[A]:
        check_type(index, str, "index", "the name of one of the type's indexes")
        found_index = self._type.index(index)
        check_type(key, str, "key", "a str index key")
        company = self._uow.company_id
        ids = set(self._uow._store._candidates(self.kind, company, index, key))
        ids.update(k[2] for k in self._uow._staged if k[0] == self.kind and k[1] == company)
        return self._visible_values(
            ids, lambda value: key in self._type.keys_of(value, found_index)
        )

    def _visible_values(self, ids: Iterable[str], keep: Callable[[A], bool]) -> list[A]:
        company = self._uow.company_id
        found: list[A] = []
        for ident in sorted(ids):
            _staged, value = self._uow._visible((self.kind, company, ident))
            if value is not None and keep(value):
                found.append(value)
        return found

    def _index_keys(self, aggregate: A) -> None:
        for index in self._type.indexes:
            self._type.keys_of(aggregate, index)
