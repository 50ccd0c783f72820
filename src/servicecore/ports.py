"""The one seam every aggregate plugs into: aggregate types, the records port, repositories.

Every aggregate is a frozen attrs class carrying ``company_id`` (the legal entity that
owns it), ``id`` and ``version``. ``version`` is the number of commits that stored it:
``0`` for an aggregate that was never stored, ``n`` for one read at stored version ``n``.
Commands keep the version unchanged (``attrs.evolve`` copies it); the store bumps it by
one when a unit of work that changed the aggregate commits. Versions never restart: a
deleted aggregate leaves a tombstone with its last version, so re-adding the same id
continues from there and a save based on a pre-delete version always conflicts.

The pieces, from the storage side up:

* :class:`Records` is the **generic records port**. A storage adapter implements it once
  (``get``, ``add``, ``save``, ``delete``, ``list_all``, ``find(index, key)``) and so stores
  every aggregate type, including those registered later by servicecore or the host.
* :class:`AggregateType` is declared beside each aggregate: its storage ``kind``, class,
  repository factory, the :class:`Index` key functions its finders need, and a schema
  version. Types are collected through the plugin hook ``servicecore_aggregate_types``.
* :class:`Repository` is the thin typed class a domain module subclasses with finders
  whose names say what a use case needs (``list_for_customer``...).
* :class:`UnitOfWork` gives typed access from a type: ``uow[REPAIRS]`` is a
  ``RepairRepository`` (mypy infers it). :func:`run_command` is the generic use case.

>>> import attrs
>>> @attrs.frozen
... class Note:
...     company_id: str
...     id: str
...     topic: str = "general"
...     version: int = 0
>>> class NoteRepository(Repository[Note]):
...     def list_about(self, topic: str) -> list[Note]:
...         return self.find("topic", check_id(topic, "topic"))
>>> NOTES = AggregateType(kind="note", cls=Note, repository=NoteRepository,
...                       indexes=(Index("topic", lambda n: (n.topic,)),))
>>> from servicecore.storage.memory import InMemoryStore
>>> store = InMemoryStore(publish=lambda events: None)
>>> with store.unit_of_work("ACME") as uow:
...     uow[NOTES].add(Note("ACME", "N-1", topic="pumps"))
...     uow.commit()
>>> with store.unit_of_work("ACME") as uow:
...     [(n.id, n.version) for n in uow[NOTES].list_about("pumps")]
[('N-1', 1)]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar, runtime_checkable

import attrs

from servicecore.errors import PermissionDeniedError, ValidationError
from servicecore.events import DomainEvent

__all__ = [
    "Aggregate",
    "AggregateType",
    "Index",
    "Records",
    "Repository",
    "TypedAccess",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "check_aggregate_type",
    "check_id",
    "check_int",
    "check_items",
    "check_iterable",
    "check_type",
    "index_key",
    "run_command",
]


@runtime_checkable
class Aggregate(Protocol):
    """What the storage layer needs to know of any aggregate."""

    @property
    def company_id(self) -> str: ...

    @property
    def id(self) -> str: ...

    @property
    def version(self) -> int: ...


A = TypeVar("A", bound=Aggregate)
R = TypeVar("R")
T = TypeVar("T")


def index_key(*parts: str) -> str:
    """One index key made of several parts, unambiguous for any part values.

    Joining with a separator would let ``("a/b", "c")`` and ``("a", "b/c")`` collide; this
    encodes the parts as a JSON list instead.

    >>> index_key("agreement", "A/1") == index_key("agreement/A", "1")
    False
    >>> index_key("agreement", "A-1")
    '["agreement","A-1"]'
    """
    for i, part in enumerate(parts):
        check_type(part, str, f"index key part {i}", "strings")
    return json.dumps(list(parts), separators=(",", ":"), ensure_ascii=False)


@attrs.frozen
class Index(Generic[A]):
    """A secondary index: ``keys(aggregate)`` gives the keys under which ``find`` finds it.

    An aggregate may have no key (it is not in the index), one, or several (a BOM is found
    under each of its components). Keys are strings; build composite ones with
    :func:`index_key`.
    """

    name: str
    keys: Callable[[A], Iterable[str]]

    def __attrs_post_init__(self) -> None:
        check_id(self.name, "index name")
        if not callable(self.keys):
            raise ValidationError(
                f"index {self.name!r} needs a key function, not {self.keys!r}",
                field="keys",
                value=self.keys,
                allowed="a function aggregate -> iterable of str keys",
            )


def _indexes(value: Iterable[Index[Any]]) -> tuple[Index[Any], ...]:
    items = check_items(value, Index, "indexes", "a tuple of Index")
    names = [index.name for index in items]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValidationError(
            f"index names must be unique within a type, {duplicates} repeat",
            field="indexes",
            value=duplicates,
            allowed="distinct index names",
        )
    return items


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
"""Turns a stored document of schema version ``n`` into one of version ``n + 1``."""


def _upcasters(value: Mapping[int, Upcaster]) -> dict[int, Upcaster]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"upcasters must be a mapping, not {type(value).__name__}",
            field="upcasters",
            value=value,
            allowed="a mapping {from_version: function(document) -> document}",
        )
    for version, upcaster in value.items():
        check_int(version, "upcasters key", minimum=1)
        if not callable(upcaster):
            raise ValidationError(
                f"the upcaster from version {version} is not callable",
                field="upcasters",
                value=upcaster,
                allowed="a function(document) -> document",
            )
    return dict(value)


@attrs.frozen(eq=False)
class AggregateType(Generic[A, R]):
    """Everything storage and the testing kit need to know of one aggregate family.

    ``kind`` names the family in storage (unique across the registry); ``cls`` is the
    aggregate class; ``repository`` builds the typed repository over a :class:`Records`
    port; ``indexes`` are the secondary indexes its finders use; ``schema_version`` is the
    version of the stored document shape, and ``upcasters[n]`` turns a stored document of
    version ``n`` into version ``n + 1`` (SQL adapters apply them on read).

    Types compare by identity: declare each once, beside its aggregate.
    """

    kind: str
    cls: type[A]
    repository: Callable[[Records[A]], R]
    indexes: tuple[Index[A], ...] = attrs.field(default=(), converter=_indexes)
    schema_version: int = 1
    upcasters: Mapping[int, Upcaster] = attrs.field(factory=dict, converter=_upcasters)

    def __attrs_post_init__(self) -> None:
        check_id(self.kind, "kind")
        if not isinstance(self.cls, type) or not attrs.has(self.cls):
            raise ValidationError(
                f"aggregate type {self.kind!r}: cls must be an attrs class, not {self.cls!r}",
                field="cls",
                value=self.cls,
                allowed="a frozen attrs class with company_id, id and version",
            )
        missing = {"company_id", "id", "version"} - set(attrs.fields_dict(self.cls))
        if missing:
            raise ValidationError(
                f"{self.cls.__name__} has no field {', '.join(sorted(missing))}",
                field="cls",
                value=self.cls,
                allowed="a frozen attrs class with company_id, id and version",
            )
        if not callable(self.repository):
            raise ValidationError(
                f"aggregate type {self.kind!r}: repository must be callable",
                field="repository",
                value=self.repository,
                allowed="a Repository subclass, or a function Records -> repository",
            )
        check_int(self.schema_version, "schema_version", minimum=1)

    def index(self, name: str) -> Index[A]:
        """The index called ``name``; ``ValidationError`` listing the known ones if none."""
        for index in self.indexes:
            if index.name == name:
                return index
        known = ", ".join(i.name for i in self.indexes) or "none"
        raise ValidationError(
            f"{self.kind} has no index {name!r} (indexes: {known})",
            field="index",
            value=name,
            allowed=f"one of: {known}",
        )

    def keys_of(self, aggregate: A, index: Index[A]) -> frozenset[str]:
        """The keys ``aggregate`` is found under in ``index`` (checked to be strings)."""
        check_type(aggregate, self.cls, "aggregate", f"a {self.cls.__name__}")
        check_type(index, Index, "index", f"one of the indexes of {self.kind}")
        if index not in self.indexes:
            raise ValidationError(
                f"index {index.name!r} is not one of the indexes of {self.kind}",
                field="index",
                value=index,
                allowed=", ".join(i.name for i in self.indexes) or "none",
            )
        keys = frozenset(index.keys(aggregate))
        for key in keys:
            if not isinstance(key, str):
                raise ValidationError(
                    f"index {index.name!r} of {self.kind} gave the key {key!r}; keys are str",
                    field="index",
                    value=key,
                    allowed="str keys (use index_key for several parts)",
                )
        return keys

    def __repr__(self) -> str:
        return f"AggregateType(kind={self.kind!r}, cls={self.cls.__name__})"


def check_aggregate_type(value: object, field: str = "aggregate_type") -> AggregateType[Any, Any]:
    """``value`` if it is an :class:`AggregateType`, else ``ValidationError``."""
    return check_type(value, AggregateType, field, "an AggregateType such as REPAIRS")


class Records(Protocol[A]):
    """The generic records port: one per unit of work and aggregate type.

    A storage adapter implements it once for every type. All calls are scoped to the unit
    of work's company: an id of another company behaves exactly as if it did not exist.
    """

    @property
    def aggregate_type(self) -> AggregateType[A, Any]:
        """The type these records hold."""
        ...

    def get(self, id: str) -> A:
        """The aggregate with ``id`` as this unit of work sees it; ``NotFoundError`` if none."""
        ...

    def add(self, aggregate: A) -> None:
        """Stage a new aggregate (``version`` 0); ``AlreadyExistsError`` if the id is taken."""
        ...

    def save(self, aggregate: A) -> None:
        """Stage a changed aggregate.

        ``aggregate.version`` must be the version this unit of work read, otherwise
        ``ConcurrencyError``; ``NotFoundError`` if it was never stored.
        """
        ...

    def delete(self, aggregate: A) -> None:
        """Stage the removal of a stored aggregate (same version rule as ``save``)."""
        ...

    def list_all(self) -> list[A]:
        """Every aggregate of this type of the unit of work's company, ordered by id."""
        ...

    def find(self, index: str, key: str) -> list[A]:
        """The aggregates whose ``index`` keys include ``key``, ordered by id.

        Sees the unit of work's own staged changes, like ``get``.
        """
        ...


class Repository(Generic[A]):
    """A typed repository: a thin class over the records port of its aggregate type.

    Domain modules subclass it with finders named for what a use case needs, built on
    :meth:`find`; the unit of work builds it (``uow[TYPE]``).
    """

    __slots__ = ("_records",)

    def __init__(self, records: Records[A]) -> None:
        self._records = records

    @property
    def records(self) -> Records[A]:
        """The generic records port underneath."""
        return self._records

    def get(self, id: str) -> A:
        """The aggregate with ``id``; ``NotFoundError`` if none (for this company)."""
        return self._records.get(id)

    def add(self, aggregate: A) -> None:
        """Stage a new aggregate; ``AlreadyExistsError`` if the id is taken."""
        self._records.add(aggregate)

    def save(self, aggregate: A) -> None:
        """Stage a changed aggregate read at ``aggregate.version``."""
        self._records.save(aggregate)

    def delete(self, aggregate: A) -> None:
        """Stage the removal of a stored aggregate."""
        self._records.delete(aggregate)

    def list_all(self) -> list[A]:
        """Every aggregate of this type of the company, ordered by id."""
        return self._records.list_all()

    def find(self, index: str, key: str) -> list[A]:
        """The aggregates found under ``key`` in ``index``, ordered by id."""
        return self._records.find(index, key)


class UnitOfWork(Protocol):
    """One transaction, for one company, over every registered aggregate type.

    Through it nothing of another company can be read, listed, overwritten or deleted.
    Leaving the ``with`` block without ``commit()`` rolls back. Events handed to
    :meth:`record` are published to plugins only after a successful commit.
    """

    @property
    def company_id(self) -> str:
        """The company this unit of work reads and writes."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Apply every staged change atomically, then publish the recorded events.

        Raises ``ConcurrencyError`` (or ``AlreadyExistsError``) and applies nothing when
        any aggregate moved on since it was read.
        """
        ...

    def rollback(self) -> None:
        """Drop every staged change and recorded event."""
        ...

    def record(self, events: Iterable[DomainEvent]) -> None:
        """Queue domain events for publication after the next successful commit."""
        ...

    def records(self, aggregate_type: AggregateType[A, Any]) -> Records[A]:
        """The generic records port of ``aggregate_type`` in this unit of work."""
        ...

    def __getitem__(self, aggregate_type: AggregateType[Any, R]) -> R:
        """The typed repository of ``aggregate_type``: ``uow[REPAIRS]``."""
        ...


UnitOfWorkFactory = Callable[[str], UnitOfWork]
"""Opens a unit of work for a company id: ``factory("ACME")``."""


class TypedAccess:
    """Mixin for adapters: ``uow[TYPE]`` built on the adapter's ``records(TYPE)``.

    Repositories are built once per unit of work and type.
    """

    def records(self, aggregate_type: AggregateType[A, Any]) -> Records[A]:
        raise NotImplementedError

    def __getitem__(self, aggregate_type: AggregateType[Any, R]) -> R:
        # Keyed by the type object itself (types compare by identity), so a cached
        # repository can never be handed out for another type.
        cache: dict[AggregateType[Any, Any], Any] = self.__dict__.setdefault(
            "_typed_repositories", {}
        )
        check_aggregate_type(aggregate_type, "uow[...]")
        if aggregate_type not in cache:
            cache[aggregate_type] = aggregate_type.repository(self.records(aggregate_type))
        found: R = cache[aggregate_type]
        return found


def _check_events(uow: UnitOfWork, events: object) -> tuple[DomainEvent, ...]:
    batch = check_items(events, DomainEvent, "events", "a list or tuple of DomainEvent")
    for event in batch:
        if event.company_id != uow.company_id:
            raise PermissionDeniedError(
                f"event {event.event_type} belongs to company {event.company_id!r}; "
                f"this unit of work is for {uow.company_id!r}",
                action="record",
                company_id=event.company_id,
            )
    return batch


def run_command(
    uow: UnitOfWork,
    aggregate_type: AggregateType[A, Any],
    id: str,
    command: Callable[[A], tuple[A, Sequence[DomainEvent]]],
) -> A:
    """Load ``id``, apply ``command``, save the result and record its events.

    The generic use case: every domain command ``(aggregate, ...) -> (aggregate, events)``
    runs through a unit of work with it, so no host needs a hand-written wrapper per
    command, and no event can be lost by forgetting ``uow.record``. The caller commits.

    Everything the command returned is checked before anything is staged: a command that
    raises, returns something other than ``(aggregate, events)``, changes the id or
    company, or returns an event of another company stages nothing.
    """
    check_aggregate_type(aggregate_type)
    check_id(id)
    if not callable(command):
        raise ValidationError(
            f"command must be callable, not {type(command).__name__}",
            field="command",
            value=command,
            allowed="a function (aggregate) -> (aggregate, events)",
        )
    records = uow.records(aggregate_type)
    current = records.get(id)
    result = command(current)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ValidationError(
            f"the command returned {type(result).__name__}, not (aggregate, events)",
            field="command",
            value=result,
            allowed="a tuple (changed aggregate, sequence of DomainEvent)",
        )
    changed, events = result
    if not isinstance(changed, aggregate_type.cls):
        raise ValidationError(
            f"the command returned {type(changed).__name__} as the aggregate, not "
            f"{aggregate_type.cls.__name__}",
            field="command",
            value=changed,
            allowed=f"a {aggregate_type.cls.__name__}",
        )
    batch = _check_events(uow, events)
    if changed.id != current.id or changed.company_id != current.company_id:
        raise ValidationError(
            f"the command turned {current.id!r} into {changed.id!r} of company "
            f"{changed.company_id!r}; a command must keep the id and company",
            field="command",
            value=changed.id,
            allowed="the same id and company_id as the loaded aggregate",
        )
    records.save(changed)
    uow.record(batch)
    return changed


def check_id(value: object, field: str = "id") -> str:
    """Validate an identifier: a non-empty string without surrounding white space."""
    if not isinstance(value, str) or not value or value != value.strip():
        raise ValidationError(
            f"{field} must be a non-empty string without surrounding spaces, not {value!r}",
            field=field,
            value=value,
            allowed="a non-empty string id such as 'SO-0001'",
        )
    return value


def _kind_name(kind: type[Any] | tuple[type[Any], ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def check_type(
    value: object,
    kind: type[T] | tuple[type[T], ...],
    field: str,
    allowed: str | None = None,
) -> T:
    """``value`` if it is an instance of ``kind``, else ``ValidationError`` naming ``field``.

    >>> check_type("x", int, "count")
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: count got 'x' (str); allowed: int
    """
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
        raise ValidationError(
            f"{field} got {value!r} ({type(value).__name__}); allowed: "
            f"{allowed or _kind_name(kind)}",
            field=field,
            value=value,
            allowed=allowed or _kind_name(kind),
        )
    return value


def _kinds(kind: type[Any] | tuple[type[Any], ...]) -> tuple[type[Any], ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def check_items(
    value: object,
    kind: type[T] | tuple[type[T], ...],
    field: str,
    allowed: str | None = None,
) -> tuple[T, ...]:
    """The items of the iterable ``value`` as a tuple, each checked to be a ``kind``.

    Strings, bytes and mappings are refused (they iterate, but never mean a collection of
    domain values); so is any item of another type.

    >>> check_items(None, int, "parts")
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: parts got None; allowed: a list or tuple of int
    """
    shape = allowed or f"a list or tuple of {_kind_name(kind)}"
    items: tuple[Any, ...] = check_iterable(value, field, shape)  # type: ignore[arg-type]
    for i, item in enumerate(items):
        check_type(item, kind, f"{field}[{i}]", shape)
    return items


def check_iterable(value: Iterable[T], field: str, allowed: str) -> tuple[T, ...]:
    """The items of ``value`` as a tuple; ``ValidationError`` unless it is a collection.

    Strings, bytes and mappings are refused too: they iterate, but never mean a list of
    domain values. The items themselves are the caller's to check.

    >>> check_iterable(None, "lines", "a list of BomLine")  # type: ignore[arg-type]
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: lines got None; allowed: a list of BomLine
    """
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise ValidationError(
            f"{field} got {value!r}; allowed: {allowed}", field=field, value=value, allowed=allowed
        )
    return tuple(value)


def check_int(
    value: object, field: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``value`` if it is an ``int`` (not a bool) within ``[minimum, maximum]``.

    >>> check_int(0, "parts", minimum=1)
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: parts got 0; allowed: an integer >= 1
    """
    low = "" if minimum is None else f" >= {minimum}"
    high = "" if maximum is None else f" <= {maximum}"
    between = f"{low} and{high}" if low and high else low or high
    allowed = f"an integer{between}"
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or (minimum is not None and value < minimum)
        or (maximum is not None and value > maximum)
    ):
        raise ValidationError(
            f"{field} got {value!r}; allowed: {allowed}", field=field, value=value, allowed=allowed
        )
    return value
