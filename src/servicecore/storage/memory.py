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
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from servicecore.errors import AlreadyExistsError, ConcurrencyError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, AggregateType, check_aggregate_type, check_id
from servicecore.storage.staging import Staged as _Staged
from servicecore.storage.staging import StagingRecords, StagingUnitOfWork

__all__ = ["InMemoryRecords", "InMemoryStore", "InMemoryUnitOfWork", "Publisher"]

A = TypeVar("A", bound=Aggregate)

Publisher = Callable[[Sequence[DomainEvent]], None]
"""Receives the events of a successful commit (default: the plugin facade)."""

_Key = tuple[str, str, str]  # (kind, company_id, id)

InMemoryUnitOfWork = StagingUnitOfWork
"""A unit of work of an :class:`InMemoryStore` (the store-independent staging half)."""

InMemoryRecords = StagingRecords
"""The records port of one aggregate type in an in-memory unit of work."""


@attrs.frozen
class _Tombstone:
    """What a deletion leaves: the version the next incarnation of the id continues from."""

    version: int


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

    def _ids_of(self, kind: str, company_id: str, snapshot: Any = None) -> list[str]:
        with self._lock:
            return list(self._ids.get((kind, company_id), ()))

    def _candidates(
        self, kind: str, company_id: str, index: str, key: str, snapshot: Any = None
    ) -> list[str]:
        """Every id that was ever committed under ``key`` (a superset; callers re-check)."""
        with self._lock:
            return list(self._index.get((kind, company_id, index, key), ()))

    # -- commit ------------------------------------------------------------------------
    def _commit(self, staged: dict[_Key, _Staged], snapshot: Any = None) -> None:
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
