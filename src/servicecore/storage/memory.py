"""The in-memory store: the reference implementation of every repository port.

Not a mock: it enforces the same rules a SQL adapter must.

* **Snapshots.** A unit of work reads the store as it was when the unit of work began
  (multi-version history per key), plus its own staged changes.
* **Optimistic concurrency.** ``save``/``delete`` stage a change against the version the
  unit of work read; ``commit`` checks, under one lock, that no staged aggregate moved on
  (``ConcurrencyError``) and that no added id appeared meanwhile (``AlreadyExistsError``),
  then applies everything or nothing. Each commit that changes an aggregate bumps its
  ``version`` by one.
* **Company isolation.** Keys include the company; a unit of work only ever sees its own.
* **Events after commit.** Recorded events go to the publisher (the plugin facade by
  default) only after a successful commit.
* **Thread safety.** One lock guards the shared history; units of work are cheap and meant
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
from typing import Any, Generic, Self, TypeVar, cast

import attrs

from servicecore.bom import Bom, Item
from servicecore.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    NotFoundError,
    PermissionDeniedError,
    StorageError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, check_id, check_iterable
from servicecore.repairs import Repair, RepairCodes
from servicecore.service_objects import ObjectRelation, OwnerKind, ServiceObject
from servicecore.sla import ServiceLevelAgreement
from servicecore.subscriptions import Subscription, SubscriptionGroup

__all__ = [
    "InMemoryBomRepository",
    "InMemoryItemRepository",
    "InMemoryObjectRelationRepository",
    "InMemoryRepairCodesRepository",
    "InMemoryRepairRepository",
    "InMemoryRepository",
    "InMemoryServiceObjectRepository",
    "InMemorySlaRepository",
    "InMemoryStore",
    "InMemorySubscriptionGroupRepository",
    "InMemorySubscriptionRepository",
    "InMemoryUnitOfWork",
    "Publisher",
]

A = TypeVar("A", bound=Aggregate)
R = TypeVar("R", bound="InMemoryRepository[Any]")

Publisher = Callable[[Sequence[DomainEvent]], None]
"""Receives the events of a successful commit (default: the plugin facade)."""

_Key = tuple[str, str, str]  # (kind, company_id, id)


@attrs.frozen
class _Staged:
    base: int | None  # stored version this change is based on; None for a new aggregate
    value: Any  # the aggregate, or None for a deletion


class InMemoryStore:
    """Process-local storage shared by the units of work it opens.

    The store is itself a ``UnitOfWorkFactory``: ``store("ACME")`` opens a unit of work.
    """

    def __init__(self, *, publish: Publisher | None = None) -> None:
        self._lock = threading.RLock()
        self._seq = 0
        self._history: dict[_Key, list[tuple[int, Any]]] = {}
        self._ids: dict[tuple[str, str], set[str]] = {}
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
        with self._lock:
            history = self._history.get(key)
            if not history:
                return None
            for seq, value in reversed(history):
                if seq <= snapshot:
                    return value
            return None

    def _latest(self, key: _Key) -> Any:
        history = self._history.get(key)
        return history[-1][1] if history else None

    def _ids_of(self, kind: str, company_id: str) -> list[str]:
        with self._lock:
            return list(self._ids.get((kind, company_id), ()))

    # -- commit ------------------------------------------------------------------------
    def _commit(self, staged: dict[_Key, _Staged], snapshot: int | None = None) -> None:
        """Apply ``staged`` atomically, or raise and apply nothing.

        A change based on a stored version conflicts when the key's version differs, or,
        given the ``snapshot`` it was read in, when the key was written after that snapshot
        at all (a delete and re-add can bring the same version number back).
        """
        with self._lock:
            for key, change in staged.items():
                kind, _company, ident = key
                latest = self._latest(key)
                if change.base is None:
                    if latest is not None:
                        raise AlreadyExistsError(entity=kind, id=ident)
                elif (
                    latest is None
                    or latest.version != change.base
                    or (snapshot is not None and self._history[key][-1][0] > snapshot)
                ):
                    raise ConcurrencyError(
                        entity=kind,
                        id=ident,
                        expected_version=change.base,
                        actual_version=None if latest is None else latest.version,
                    )
            if not staged:
                return
            self._seq += 1
            seq = self._seq
            oldest = min(self._active, default=seq)
            for key, change in staged.items():
                value = change.value
                if value is not None:
                    value = attrs.evolve(value, version=(change.base or 0) + 1)
                history = self._history.setdefault(key, [])
                history.append((seq, value))
                self._prune(history, oldest)
                self._ids.setdefault(key[:2], set()).add(key[2])

    @staticmethod
    def _prune(history: list[tuple[int, Any]], oldest_snapshot: int) -> None:
        # Keep the newest entry any active snapshot can see, and everything after it.
        keep_from = 0
        for i, (seq, _value) in enumerate(history):
            if seq <= oldest_snapshot:
                keep_from = i
        if keep_from:
            del history[:keep_from]


class InMemoryUnitOfWork:
    """One transaction against an :class:`InMemoryStore`, for one company."""

    def __init__(self, store: InMemoryStore, company_id: str) -> None:
        self._store = store
        self._company_id = company_id
        self._snapshot: int | None = None
        self._staged: dict[_Key, _Staged] = {}
        self._events: list[DomainEvent] = []
        self._repositories: dict[str, InMemoryRepository[Any]] = {}

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

    # -- repositories ------------------------------------------------------------------
    def repository(self, kind: str, entity_type: type[A]) -> InMemoryRepository[A]:
        """A generic repository for aggregates of ``entity_type`` stored under ``kind``.

        Domain ports are typed attributes built on this; hosts may also keep aggregates
        of their own here, with the same version, isolation and rollback rules.
        """
        return self._typed_repository(InMemoryRepository, kind, entity_type)

    def _typed_repository(self, cls: type[R], kind: str, entity_type: type[Any]) -> R:
        check_id(kind, "kind")
        existing = self._repositories.get(kind)
        if existing is None:
            existing = cls(self, kind, entity_type)
            self._repositories[kind] = existing
        elif not isinstance(existing, cls) or existing.entity_type is not entity_type:
            raise ValidationError(
                f"kind {kind!r} is already used for {existing.entity_type.__name__}",
                field="kind",
                value=kind,
                allowed="one entity type per kind",
            )
        return existing

    @property
    def slas(self) -> InMemorySlaRepository:
        """SLA definitions (``servicecore.sla``)."""
        return self._typed_repository(InMemorySlaRepository, "sla", ServiceLevelAgreement)

    @property
    def subscriptions(self) -> InMemorySubscriptionRepository:
        return self._typed_repository(InMemorySubscriptionRepository, "subscription", Subscription)

    @property
    def subscription_groups(self) -> InMemorySubscriptionGroupRepository:
        return self._typed_repository(
            InMemorySubscriptionGroupRepository, "subscription_group", SubscriptionGroup
        )

    # -- BOM, service objects and repairs (issue 5) ---------------------------------------
    @property
    def items(self) -> InMemoryItemRepository:
        return self._typed_repository(InMemoryItemRepository, "item", Item)

    @property
    def boms(self) -> InMemoryBomRepository:
        return self._typed_repository(InMemoryBomRepository, "bom", Bom)

    @property
    def service_objects(self) -> InMemoryServiceObjectRepository:
        return self._typed_repository(
            InMemoryServiceObjectRepository, "service_object", ServiceObject
        )

    @property
    def object_relations(self) -> InMemoryObjectRelationRepository:
        return self._typed_repository(
            InMemoryObjectRelationRepository, "object_relation", ObjectRelation
        )

    @property
    def repairs(self) -> InMemoryRepairRepository:
        return self._typed_repository(InMemoryRepairRepository, "repair", Repair)

    @property
    def repair_codes(self) -> InMemoryRepairCodesRepository:
        return self._typed_repository(InMemoryRepairCodesRepository, "repair_codes", RepairCodes)

    # -- internals used by repositories ----------------------------------------------------
    def _visible(self, key: _Key) -> tuple[bool, Any]:
        """(staged?, value) as this unit of work sees ``key``."""
        staged = self._staged.get(key)
        if staged is not None:
            return True, staged.value
        return False, self._store._read(key, self._open_snapshot())


class InMemoryRepository(Generic[A]):
    """Generic repository over one aggregate kind; domain ports subclass it for finders."""

    def __init__(self, uow: InMemoryUnitOfWork, kind: str, entity_type: type[A]) -> None:
        self._uow = uow
        self.kind = kind
        self.entity_type = entity_type

    def _key(self, ident: str) -> _Key:
        return (self.kind, self._uow.company_id, ident)

    def _check(self, aggregate: object, action: str) -> A:
        if not isinstance(aggregate, self.entity_type):
            raise ValidationError(
                f"{action}() of the {self.kind} repository takes a "
                f"{self.entity_type.__name__}, not {type(aggregate).__name__}",
                field="aggregate",
                value=aggregate,
                allowed=self.entity_type.__name__,
            )
        if not attrs.has(type(aggregate)):
            raise ValidationError(
                f"{type(aggregate).__name__} is not an attrs class; aggregates must be",
                field="aggregate",
                allowed="a frozen attrs class with company_id, id and version",
            )
        fields = attrs.fields_dict(cast(Any, type(aggregate)))
        missing = {"company_id", "id", "version"} - set(fields)
        if missing:
            raise ValidationError(
                f"{type(aggregate).__name__} has no field {', '.join(sorted(missing))}",
                field="aggregate",
                allowed="a frozen attrs class with company_id, id and version",
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
        if isinstance(version, bool) or version != 0:
            raise ValidationError(
                f"a new {self.kind} has version 0, not {version!r}; to change a stored one, "
                "save() it",
                field="version",
                value=version,
                allowed="0",
            )
        key = self._key(aggregate.id)
        staged, value = self._uow._visible(key)
        if value is not None:
            raise AlreadyExistsError(entity=self.kind, id=aggregate.id)
        base = self._uow._staged[key].base if staged else None
        self._uow._staged[key] = _Staged(base, aggregate)

    def _stage_change(self, aggregate: A, value: A | None, action: str) -> None:
        self._check(aggregate, action)
        key = self._key(aggregate.id)
        staged, current = self._uow._visible(key)
        if current is None:
            raise NotFoundError(entity=self.kind, id=aggregate.id)
        if aggregate.version != current.version:
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
        return self._scan(lambda _a: True)

    def _scan(self, predicate: Callable[[A], bool]) -> list[A]:
        """Every visible aggregate of this kind and company matching ``predicate``, by id.

        Finders of domain ports are built on this (O(n): it is the reference adapter).
        """
        company = self._uow.company_id
        ids = set(self._uow._store._ids_of(self.kind, company))
        ids.update(k[2] for k in self._uow._staged if k[0] == self.kind and k[1] == company)
        found: list[A] = []
        for ident in sorted(ids):
            _staged, value = self._uow._visible((self.kind, company, ident))
            if value is not None and predicate(value):
                found.append(value)
        return found


class InMemorySlaRepository(InMemoryRepository[ServiceLevelAgreement]):
    """The in-memory ``SlaRepository``."""

    def list_selectable(self) -> list[ServiceLevelAgreement]:
        return self._scan(lambda sla: not sla.suspended)


class InMemorySubscriptionRepository(InMemoryRepository[Subscription]):
    """In-memory ``SubscriptionRepository``."""

    def list_for_customer(self, customer_id: str) -> list[Subscription]:
        check_id(customer_id, "customer_id")
        return self._scan(lambda s: s.customer_id == customer_id)

    def list_in_group(self, group_id: str) -> list[Subscription]:
        check_id(group_id, "group_id")
        return self._scan(lambda s: s.group_id == group_id)


class InMemorySubscriptionGroupRepository(InMemoryRepository[SubscriptionGroup]):
    """In-memory ``SubscriptionGroupRepository``."""


# -- BOM, service objects and repairs (issue 5) -------------------------------------------


class InMemoryItemRepository(InMemoryRepository[Item]):
    """Items (generic operations only)."""


class InMemoryBomRepository(InMemoryRepository[Bom]):
    """BOMs; ``list_using_component`` scans every version's lines."""

    def list_using_component(self, component: str) -> list[Bom]:
        check_id(component, "component")
        return self._scan(
            lambda b: any(ln.component == component for v in b.versions for ln in v.lines)
        )


class InMemoryServiceObjectRepository(InMemoryRepository[ServiceObject]):
    """Service objects with the customer finder."""

    def list_for_customer(self, customer_id: str) -> list[ServiceObject]:
        check_id(customer_id, "customer_id")
        return self._scan(lambda o: o.customer_id == customer_id)


class InMemoryObjectRelationRepository(InMemoryRepository[ObjectRelation]):
    """Object relations with owner and object finders."""

    def list_for_owner(self, owner_kind: OwnerKind, owner_id: str) -> list[ObjectRelation]:
        check_id(owner_id, "owner_id")
        return self._scan(lambda r: r.owner_kind is owner_kind and r.owner_id == owner_id)

    def list_for_object(self, object_id: str) -> list[ObjectRelation]:
        check_id(object_id, "object_id")
        return self._scan(lambda r: r.object_id == object_id)


class InMemoryRepairRepository(InMemoryRepository[Repair]):
    """Repairs with object and item finders."""

    def list_for_object(self, object_id: str) -> list[Repair]:
        check_id(object_id, "object_id")
        return self._scan(lambda r: r.object_id == object_id)

    def list_for_item(self, item_id: str) -> list[Repair]:
        check_id(item_id, "item_id")
        return self._scan(lambda r: r.item_id == item_id)


class InMemoryRepairCodesRepository(InMemoryRepository[RepairCodes]):
    """Repair code sets (generic operations only)."""
