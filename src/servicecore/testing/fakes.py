"""Test doubles for hosts' tests.

>>> import pendulum
>>> from servicecore.storage.memory import InMemoryStore
>>> from servicecore.testing.fakes import RecordingPublisher
>>> from servicecore.testing.contract import ContractEvent
>>> published = RecordingPublisher()
>>> store = InMemoryStore(publish=published)
>>> with store("ACME") as uow:
...     uow.record([ContractEvent(aggregate_id="A-1", company_id="ACME",
...                               occurred_at=pendulum.datetime(2024, 1, 1), n=1)])
...     uow.commit()
>>> [e.event_type for e in published.events], len(published.batches)
(['ContractEvent'], 1)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TypeVar

from servicecore.events import DomainEvent

__all__ = ["RecordingPublisher"]

E = TypeVar("E", bound=DomainEvent)


class RecordingPublisher:
    """A publisher (``Callable[[Sequence[DomainEvent]], None]``) that keeps what it receives.

    Pass it as ``InMemoryStore(publish=...)`` or to a contract's ``store_factory``. Each
    call is one committed batch; ``events`` flattens them in order. Thread-safe.
    """

    def __init__(self) -> None:
        self._batches: list[tuple[DomainEvent, ...]] = []
        self._lock = threading.Lock()

    def __call__(self, events: Sequence[DomainEvent]) -> None:
        with self._lock:
            self._batches.append(tuple(events))

    @property
    def batches(self) -> list[tuple[DomainEvent, ...]]:
        """One tuple per successful commit that published events."""
        with self._lock:
            return list(self._batches)

    @property
    def events(self) -> list[DomainEvent]:
        """Every event received, in publication order."""
        with self._lock:
            return [event for batch in self._batches for event in batch]

    def of_type(self, event_type: type[E]) -> list[E]:
        """The received events that are instances of ``event_type``."""
        return [e for e in self.events if isinstance(e, event_type)]

    def clear(self) -> None:
        with self._lock:
            self._batches.clear()

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        return f"RecordingPublisher({len(self)} events)"
