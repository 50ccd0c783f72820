"""What the contract classes share: the publisher and store-factory types, the event the
suites record, the fixtures every contract test takes (``store_factory``, ``published``,
``open_uow``) and small helpers.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

import attrs
import pendulum
import pytest
from attrs import frozen

from servicecore.errors import NotFoundError, PermissionDeniedError
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, UnitOfWork

__all__ = ["ContractEvent", "Publisher", "StoreFactory"]

A = TypeVar("A", bound=Aggregate)

Publisher = Callable[[Sequence[DomainEvent]], None]
"""Receives the events of each successful commit, in the order they were recorded."""

StoreFactory = Callable[[Publisher], Callable[[str], UnitOfWork]]
"""``publisher -> (company_id -> unit of work)``; each call makes a new, empty store."""

_REFUSED_FOREIGN = (PermissionDeniedError, NotFoundError)
"""What an adapter may raise when asked to write another company's aggregate."""

_AT = pendulum.datetime(2024, 1, 1, 12, tz="UTC")


@frozen(kw_only=True)
class ContractEvent(DomainEvent):
    """The event the contract suites record: ``n`` numbers it in recording order."""

    n: int


def _event(company_id: str, aggregate_id: str, n: int) -> ContractEvent:
    return ContractEvent(aggregate_id=aggregate_id, company_id=company_id, occurred_at=_AT, n=n)


def _with_version(aggregate: A, version: int) -> A:
    result: A = attrs.evolve(aggregate, version=version)  # type: ignore[misc]
    return result


def _flatten(batches: Sequence[Sequence[DomainEvent]]) -> list[DomainEvent]:
    return [event for batch in batches for event in batch]


class _Published:
    """A thread-safe publisher that keeps every batch it receives."""

    def __init__(self) -> None:
        self.batches: list[tuple[DomainEvent, ...]] = []
        self._lock = threading.Lock()

    def __call__(self, events: Sequence[DomainEvent]) -> None:
        with self._lock:
            self.batches.append(tuple(events))

    @property
    def events(self) -> list[DomainEvent]:
        with self._lock:
            return _flatten(self.batches)


class _ContractBase:
    """Fixtures shared by the contract classes."""

    COMPANY: ClassVar[str] = "ACME"
    OTHER_COMPANY: ClassVar[str] = "GLOBEX"

    @pytest.fixture
    def store_factory(self) -> StoreFactory:
        """The host overrides this fixture: ``publish -> (company_id -> UnitOfWork)``."""
        pytest.fail(
            "define the fixture `store_factory` in your contract subclass: it takes a "
            "publisher and returns a callable opening a unit of work for a company id"
        )

    @pytest.fixture
    def published(self) -> _Published:
        return _Published()

    @pytest.fixture
    def open_uow(self, store_factory: StoreFactory, published: _Published) -> Callable[..., Any]:
        """``open_uow()`` opens a unit of work for ``COMPANY`` (or the company given)."""
        opener = store_factory(published)

        def open_(company_id: str | None = None) -> UnitOfWork:
            return opener(company_id or self.COMPANY)

        return open_
