"""The store-independent half of a unit of work: staging, visibility and checks.

A unit of work stages ``add``/``save``/``delete`` in memory against the versions it read,
sees its own staged changes over the store's snapshot, refuses what the contract refuses
(wrong class, another company, stale versions, ids taken) before anything reaches storage,
and hands the staged changes to its store's ``_commit`` at the end. Every servicecore store
(the in-memory reference, the SQL adapter) is a :class:`Backend` behind these classes, so
they all follow exactly the same rules; only reading a snapshot and committing differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from types import TracebackType
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

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
    check_id,
    check_iterable,
    check_type,
)

__all__ = ["Backend", "StagingRecords", "StagingUnitOfWork"]

A = TypeVar("A", bound=Aggregate)

Key = tuple[str, str, str]
"""(kind, company_id, id)."""

_Key = Key


@attrs.frozen
class Staged:
    """A staged change: the stored version it is based on (None for a new aggregate) and
    the aggregate, or None for a deletion."""

    base: int | None
    value: Any


_Staged = Staged


class Backend(Protocol):
    """What a store gives its units of work; ``snapshot`` is whatever ``_begin`` returned."""

    def _type_for(self, aggregate_type: AggregateType[A, Any]) -> AggregateType[A, Any]: ...

    def _begin(self) -> Any: ...

    def _end(self, snapshot: Any) -> None: ...

    def _read(self, key: Key, snapshot: Any) -> Any:
        """The live aggregate at ``key`` as of ``snapshot``, or None."""
        ...

    def _ids_of(self, kind: str, company_id: str, snapshot: Any = None) -> Iterable[str]:
        """Ids that may be live for (kind, company) in ``snapshot`` (a superset is fine)."""
        ...

    def _candidates(
        self, kind: str, company_id: str, index: str, key: str, snapshot: Any = None
    ) -> Iterable[str]:
        """Ids that may be under ``key`` in ``snapshot`` (a superset is fine)."""
        ...

    def _commit(self, staged: dict[Key, Staged], snapshot: Any = None) -> None:
        """Check every staged change, then apply all or raise and apply nothing."""
        ...

    def publish(self, events: Sequence[DomainEvent]) -> None: ...


_NEXT_READ: Any = object()
"""The snapshot of a unit of work between a commit (or rollback) and its next read."""


class StagingUnitOfWork(TypedAccess):
    """One transaction against a :class:`Backend`, for one company.

    ``uow[TYPE]`` gives the typed repository of any aggregate type; ``uow.records(TYPE)``
    the generic records port underneath.
    """

    def __init__(self, store: Backend, company_id: str) -> None:
        self._store = store
        self._company_id = company_id
        self._snapshot: Any = None
        self._staged: dict[_Key, _Staged] = {}
        self._events: list[DomainEvent] = []
        self._records: dict[str, StagingRecords[Any]] = {}

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
        snapshot, self._snapshot = self._snapshot, None
        if snapshot is not None and snapshot is not _NEXT_READ:
            self._store._end(snapshot)

    def _open_snapshot(self) -> Any:
        if self._snapshot is None:
            raise StorageError(
                "the unit of work is not open: use it as `with store.unit_of_work(company) as uow:`"
            )
        if self._snapshot is _NEXT_READ:
            self._snapshot = self._store._begin()
        return self._snapshot

    # -- transaction -------------------------------------------------------------------
    def commit(self) -> None:
        snapshot = self._open_snapshot()
        staged, events = self._staged, self._events
        self._staged, self._events = {}, []
        try:
            self._store._commit(staged, snapshot)  # raises, applies nothing, on conflict
        finally:
            self._end_snapshot()
        self._store.publish(events)

    def rollback(self) -> None:
        """Drop staged changes and recorded events; later reads see the latest state."""
        self._staged, self._events = {}, []
        if self._snapshot is not None:
            self._end_snapshot()

    def _end_snapshot(self) -> None:
        """Like a database transaction ending: later reads in this unit of work see the
        latest state, so "reload and apply the change again" works in the same block.

        The next snapshot begins at the next read, not here: a database that fails right
        after a commit fails that read, not the commit, whose events are still published.
        """
        snapshot, self._snapshot = self._snapshot, _NEXT_READ
        if snapshot is not _NEXT_READ:
            self._store._end(snapshot)

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
    records_class: ClassVar[type[StagingRecords[Any]]]

    def records(self, aggregate_type: AggregateType[A, Any]) -> StagingRecords[A]:
        """The records port of ``aggregate_type`` in this unit of work."""
        found = self._records.get(getattr(aggregate_type, "kind", ""))
        if found is not None and found.aggregate_type is aggregate_type:
            return found
        known = self._store._type_for(aggregate_type)
        records: StagingRecords[A] = self.records_class(self, known)
        self._records[known.kind] = records
        return records

    # -- internals used by the records ---------------------------------------------------
    def _visible(self, key: _Key) -> tuple[bool, Any]:
        """(staged?, live value or None) as this unit of work sees ``key``."""
        staged = self._staged.get(key)
        if staged is not None:
            return True, staged.value
        return False, self._store._read(key, self._open_snapshot())


class StagingRecords(Generic[A]):
    """The records port of one aggregate type in one :class:`StagingUnitOfWork`."""

    def __init__(self, uow: StagingUnitOfWork, aggregate_type: AggregateType[A, Any]) -> None:
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
        ids = set(self._uow._store._ids_of(self.kind, company, self._uow._open_snapshot()))
        ids.update(k[2] for k in self._uow._staged if k[0] == self.kind and k[1] == company)
        return self._visible_values(ids, lambda _value: True)

    def find(self, index: str, key: str) -> list[A]:
        check_type(index, str, "index", "the name of one of the type's indexes")
        found_index = self._type.index(index)
        check_type(key, str, "key", "a str index key")
        company = self._uow.company_id
        snapshot = self._uow._open_snapshot()
        ids = set(self._uow._store._candidates(self.kind, company, index, key, snapshot))
        ids.update(k[2] for k in self._uow._staged if k[0] == self.kind and k[1] == company)
        return self._visible_values(
            ids, lambda value: key in self._type.keys_of(value, found_index)
        )

    def _visible_values(self, ids: Iterable[str], keep: Callable[[A], bool]) -> list[A]:
        company = self._uow.company_id
        staged = self._uow._staged
        ordered = sorted(ids)
        unstaged = [i for i in ordered if (self.kind, company, i) not in staged]
        read_many = getattr(self._uow._store, "_read_many", None)
        stored: dict[str, Any] = (
            read_many(self.kind, company, unstaged, self._uow._open_snapshot())
            if read_many is not None
            else {}
        )
        found: list[A] = []
        for ident in ordered:
            change = staged.get((self.kind, company, ident))
            if change is not None:
                value = change.value
            elif read_many is not None:
                value = stored.get(ident)
            else:
                _staged, value = self._uow._visible((self.kind, company, ident))
            if value is not None and keep(value):
                found.append(value)
        return found

    def _index_keys(self, aggregate: A) -> None:
        for index in self._type.indexes:
            self._type.keys_of(aggregate, index)


StagingUnitOfWork.records_class = StagingRecords
