"""Opt-in pytest fixtures for hosts' tests.

Enable them in your top-level ``conftest.py``::

    pytest_plugins = ["servicecore.testing.pytest_plugin"]

Fixtures:

``company_id``
    ``"ACME"``; override the fixture to test as another company.
``published_events``
    a :class:`~servicecore.testing.fakes.RecordingPublisher` receiving what commits publish.
``memory_store``
    a fresh :class:`~servicecore.storage.memory.InMemoryStore` publishing to
    ``published_events`` (plugins are not called).
``uow``
    a unit of work of ``memory_store`` for ``company_id``, already open; it rolls back at
    the end of the test unless the test commits.
``fixed_clock``
    a :class:`~servicecore.clock.FixedClock` at 2024-01-15 09:00 UTC (a Monday).
``memory_store_factory``
    the ``StoreFactory`` of the in-memory store, for the contract suites. (The plugin does
    NOT provide ``store_factory`` itself: a contract subclass must say which adapter it
    checks, so forgetting the fixture fails instead of silently testing the wrong store.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pendulum
import pytest

from servicecore.clock import FixedClock
from servicecore.storage.memory import InMemoryStore, InMemoryUnitOfWork
from servicecore.testing.contract import Publisher, StoreFactory
from servicecore.testing.fakes import RecordingPublisher

__all__ = [
    "FIXED_INSTANT",
    "company_id",
    "fixed_clock",
    "memory_store",
    "memory_store_factory",
    "published_events",
    "uow",
]

FIXED_INSTANT = pendulum.datetime(2024, 1, 15, 9, 0, tz="UTC")
"""Where ``fixed_clock`` starts: Monday 2024-01-15 09:00 UTC."""


@pytest.fixture
def company_id() -> str:
    """The company the ``uow`` fixture is opened for."""
    return "ACME"


@pytest.fixture
def published_events() -> RecordingPublisher:
    """Receives the events of every successful commit of ``memory_store``."""
    return RecordingPublisher()


@pytest.fixture
def memory_store(published_events: RecordingPublisher) -> InMemoryStore:
    """A fresh in-memory store publishing to ``published_events``."""
    return InMemoryStore(publish=published_events)


@pytest.fixture
def uow(memory_store: InMemoryStore, company_id: str) -> Iterator[InMemoryUnitOfWork]:
    """An open unit of work for ``company_id``; rolled back at teardown unless committed."""
    with memory_store.unit_of_work(company_id) as unit:
        yield unit


@pytest.fixture
def fixed_clock() -> FixedClock:
    """A clock standing at :data:`FIXED_INSTANT` until the test moves it."""
    return FixedClock(FIXED_INSTANT)


@pytest.fixture
def memory_store_factory() -> StoreFactory:
    """``publish -> InMemoryStore``: the in-memory adapter for a contract's store_factory."""

    def factory(publish: Publisher) -> InMemoryStore:
        return InMemoryStore(publish=publish)

    return factory
