"""Contract suites: pytest base classes every storage adapter must pass.

A *host* (whoever writes a storage adapter) subclasses a contract and provides ONE fixture,
``store_factory``: given a publisher (where committed events go) it returns a fresh, empty
store, i.e. a callable that opens a unit of work for a company id::

    class TestNotesOnMyStore(NoteRepositoryContract):
        @pytest.fixture
        def store_factory(self) -> StoreFactory:
            return lambda publish: MyStore(publish=publish)

Each *port* (one per aggregate) provides a subclass of :class:`RepositoryContract` that says
how to reach its repository through a unit of work and how to build and change an
aggregate (``repository``, ``make_aggregate``, ``modify``); it inherits every generic test:
not found / already exists, optimistic concurrency (also with real threads), rollback by
default, atomic multi-aggregate commits, company isolation, events published exactly once
and only after a successful commit, snapshot consistency, and a Hypothesis state machine
that drives random sequences through the adapter and through a plain dict model and checks
they agree.

:class:`UnitOfWorkContract` holds the tests that need no repository (events, rollback,
company scoping of events).

Every call to ``store_factory(publish)`` must return a NEW, EMPTY store: the state machine
makes one per example.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

import attrs
import pendulum
import pytest
from attrs import frozen
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from servicecore.errors import (
    AlreadyExistsError,
    ConcurrencyError,
    NotFoundError,
    PermissionDeniedError,
)
from servicecore.events import DomainEvent
from servicecore.money import Money
from servicecore.ports import Aggregate, Repository
from servicecore.recurrence import Interval
from servicecore.sla import ServiceLevelAgreement, Target
from servicecore.subscriptions import Subscription, SubscriptionGroup
from servicecore.uow import UnitOfWork

__all__ = [
    "ContractEvent",
    "Publisher",
    "RepositoryContract",
    "SlaRepositoryContract",
    "StoreFactory",
    "SubscriptionGroupRepositoryContract",
    "SubscriptionRepositoryContract",
    "UnitOfWorkContract",
    "repository_state_machine",
]

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


class UnitOfWorkContract(_ContractBase):
    """Tests of the unit of work itself (no repository needed). Host gives ``store_factory``."""

    def test_company_id(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow.company_id == self.OTHER_COMPANY

    def test_events_published_after_commit_in_order(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        events = [_event(self.COMPANY, "E-1", n) for n in range(3)]
        with open_uow() as uow:
            uow.record(events[:2])
            uow.record(events[2:])
            assert published.events == []
            uow.commit()
            assert published.events == events
        assert published.events == events

    def test_events_dropped_without_commit(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        with open_uow() as uow:
            uow.record([_event(self.COMPANY, "E-1", 1)])
        with open_uow() as uow:
            uow.commit()
        assert published.events == []

    def test_events_dropped_by_rollback(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        kept = _event(self.COMPANY, "E-1", 2)
        with open_uow() as uow:
            uow.record([_event(self.COMPANY, "E-1", 1)])
            uow.rollback()
            uow.record([kept])
            uow.commit()
        assert published.events == [kept]

    def test_exception_inside_block_propagates_and_drops_events(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        class Boom(Exception):
            pass

        def failing_use_case() -> None:
            with open_uow() as uow:
                uow.record([_event(self.COMPANY, "E-1", 1)])
                raise Boom

        with pytest.raises(Boom):
            failing_use_case()
        assert published.events == []

    def test_each_commit_publishes_its_own_events_once(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        first, second = _event(self.COMPANY, "E-1", 1), _event(self.COMPANY, "E-1", 2)
        with open_uow() as uow:
            uow.record([first])
            uow.commit()
        with open_uow() as uow:
            uow.record([second])
            uow.commit()
        assert published.events == [first, second]

    def test_event_of_another_company_refused(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow, pytest.raises(PermissionDeniedError):
            uow.record([_event(self.OTHER_COMPANY, "E-1", 1)])


class RepositoryContract(_ContractBase, Generic[A]):
    """Generic tests every repository port passes on every adapter.

    A port subclass implements :meth:`repository`, :meth:`make_aggregate` and
    :meth:`modify`; the host subclass provides the ``store_factory`` fixture.
    """

    threads: ClassVar[int] = 4
    """Threads in the threaded tests."""
    commits_per_thread: ClassVar[int] = 5
    machine_max_examples: ClassVar[int] = 40
    machine_steps: ClassVar[int] = 30

    # -- what a port subclass provides -----------------------------------------------------
    def repository(self, uow: UnitOfWork) -> Repository[A]:
        """The port's repository on ``uow``, e.g. ``return uow.subscriptions``."""
        raise NotImplementedError

    def make_aggregate(self, company_id: str, id: str) -> A:
        """A valid new aggregate of ``company_id`` with ``id`` and version 0."""
        raise NotImplementedError

    def modify(self, aggregate: A) -> A:
        """A changed copy of ``aggregate`` (same company, id and version)."""
        raise NotImplementedError

    def make_id(self, n: int) -> str:
        """The ``n``-th id the tests use; override when the port constrains ids."""
        return f"CT-{n:04d}"

    # -- helpers -------------------------------------------------------------------------
    def _store(
        self, open_uow: Callable[..., UnitOfWork], *ids: str, company: str | None = None
    ) -> list[A]:
        """Add and commit aggregates with ``ids``; return them as stored (version 1)."""
        company = company or self.COMPANY
        with open_uow(company) as uow:
            repo = self.repository(uow)
            for ident in ids:
                repo.add(self.make_aggregate(company, ident))
            uow.commit()
        with open_uow(company) as uow:
            return [self.repository(uow).get(ident) for ident in ids]

    def _add_and_commit(self, open_uow: Callable[..., UnitOfWork], aggregate: A) -> None:
        with open_uow(aggregate.company_id) as uow:
            self.repository(uow).add(aggregate)
            uow.commit()

    def _save_and_commit(
        self, open_uow: Callable[..., UnitOfWork], aggregate: A, *, delete: bool = False
    ) -> None:
        """Save (or delete) ``aggregate`` and commit: adapters may refuse at either step."""
        with open_uow(aggregate.company_id) as uow:
            repo = self.repository(uow)
            if delete:
                repo.delete(aggregate)
            else:
                repo.save(aggregate)
            uow.commit()

    def _get(
        self, open_uow: Callable[..., UnitOfWork], ident: str, company: str | None = None
    ) -> A:
        with open_uow(company) as uow:
            return self.repository(uow).get(ident)

    def _exists(
        self, open_uow: Callable[..., UnitOfWork], ident: str, company: str | None = None
    ) -> bool:
        try:
            self._get(open_uow, ident, company)
        except NotFoundError:
            return False
        return True

    # -- basics --------------------------------------------------------------------------
    def test_get_missing_raises_not_found(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow, pytest.raises(NotFoundError):
            self.repository(uow).get(self.make_id(1))

    def test_add_get_commit_and_version(self, open_uow: Callable[..., UnitOfWork]) -> None:
        ident = self.make_id(1)
        new = self.make_aggregate(self.COMPANY, ident)
        assert new.version == 0
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.add(new)
            assert repo.get(ident) == new  # staged: visible to its own unit of work
            uow.commit()
        stored = self._get(open_uow, ident)
        assert stored == _with_version(new, 1)
        assert (stored.company_id, stored.id, stored.version) == (self.COMPANY, ident, 1)

    def test_add_existing_raises_already_exists(self, open_uow: Callable[..., UnitOfWork]) -> None:
        ident = self.make_id(1)
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.add(self.make_aggregate(self.COMPANY, ident))
            with pytest.raises(AlreadyExistsError):
                repo.add(self.make_aggregate(self.COMPANY, ident))
            uow.commit()
        with pytest.raises(AlreadyExistsError):
            self._add_and_commit(open_uow, self.make_aggregate(self.COMPANY, ident))
        assert self._get(open_uow, ident).version == 1

    def test_concurrent_adds_second_commit_fails_and_applies_nothing(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        ident, extra = self.make_id(1), self.make_id(2)
        first, second = open_uow(), open_uow()
        with first, second:
            mine = self.modify(self.make_aggregate(self.COMPANY, ident))
            self.repository(first).add(mine)
            self.repository(second).add(self.make_aggregate(self.COMPANY, ident))
            self.repository(second).add(self.make_aggregate(self.COMPANY, extra))
            second.record([_event(self.COMPANY, extra, 1)])
            first.commit()
            with pytest.raises(AlreadyExistsError):
                second.commit()
        assert self._get(open_uow, ident) == _with_version(mine, 1)
        assert not self._exists(open_uow, extra)
        assert published.events == []

    def test_list_all_is_ordered_by_id_and_sees_staged_changes(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        ids = [self.make_id(n) for n in (3, 1, 2)]
        self._store(open_uow, *ids[:2])
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.add(self.make_aggregate(self.COMPANY, ids[2]))
            repo.delete(repo.get(ids[0]))
            assert [a.id for a in repo.list_all()] == sorted(ids[1:])
        with open_uow() as uow:
            assert [a.id for a in self.repository(uow).list_all()] == sorted(ids[:2])

    def test_save_is_visible_in_its_unit_of_work_before_commit(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        changed = self.modify(stored)
        assert changed != stored, "modify() must return a changed copy"
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.save(changed)
            assert repo.get(stored.id) == changed
        assert self._get(open_uow, stored.id) == stored

    # -- versions ------------------------------------------------------------------------
    def test_version_bumps_by_one_per_committing_unit_of_work(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            repo = self.repository(uow)
            current = repo.get(stored.id)
            repo.save(self.modify(current))
            again = repo.get(stored.id)
            assert again.version == 1
            repo.save(self.modify(again))
            uow.commit()
        assert self._get(open_uow, stored.id).version == 2
        with open_uow() as uow:  # a commit that does not touch it leaves it alone
            self.repository(uow).add(self.make_aggregate(self.COMPANY, self.make_id(2)))
            uow.commit()
        assert self._get(open_uow, stored.id).version == 2

    def test_stale_save_is_rejected(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (v1,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            self.repository(uow).save(self.modify(v1))
            uow.commit()
        v2 = self._get(open_uow, v1.id)
        for stale in (v1, _with_version(v1, 7)):
            with pytest.raises(ConcurrencyError) as info:
                self._save_and_commit(open_uow, self.modify(stale))
            assert info.value.expected_version == stale.version
        assert self._get(open_uow, v1.id) == v2

    def test_save_or_delete_of_missing_raises_not_found(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        ghost = _with_version(self.make_aggregate(self.COMPANY, self.make_id(9)), 1)
        with open_uow() as uow:
            repo = self.repository(uow)
            with pytest.raises(NotFoundError):
                repo.save(ghost)
            with pytest.raises(NotFoundError):
                repo.delete(ghost)

    # -- concurrency ---------------------------------------------------------------------
    def test_two_writers_second_commit_conflicts_first_intact(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        first, second = open_uow(), open_uow()
        with first, second:
            mine = self.repository(first).get(stored.id)
            theirs = self.repository(second).get(stored.id)
            changed = self.modify(mine)
            self.repository(first).save(changed)
            first.record([_event(self.COMPANY, stored.id, 1)])
            self.repository(second).save(self.modify(theirs))
            second.record([_event(self.COMPANY, stored.id, 2)])
            first.commit()
            with pytest.raises(ConcurrencyError) as info:
                second.commit()
        assert info.value.expected_version == 1
        assert self._get(open_uow, stored.id) == _with_version(changed, 2)
        assert [e.n for e in published.events if isinstance(e, ContractEvent)] == [1]

    def test_delete_conflicts_with_concurrent_save(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        first, second = open_uow(), open_uow()
        with first, second:
            self.repository(first).save(self.modify(self.repository(first).get(stored.id)))
            self.repository(second).delete(self.repository(second).get(stored.id))
            first.commit()
            with pytest.raises(ConcurrencyError):
                second.commit()
        assert self._get(open_uow, stored.id).version == 2

    def test_threads_racing_on_one_aggregate_exactly_one_wins(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        both_read = threading.Barrier(2, timeout=30)
        outcomes: list[str] = []
        lock = threading.Lock()

        def writer() -> None:
            try:
                with open_uow() as uow:
                    repo = self.repository(uow)
                    current = repo.get(stored.id)
                    both_read.wait()
                    repo.save(self.modify(current))
                    uow.commit()
                result = "committed"
            except ConcurrencyError:
                result = "conflict"
            except BaseException as exc:  # pragma: no cover - reported by the assertion
                result = f"unexpected {exc!r}"
            with lock:
                outcomes.append(result)

        workers = [threading.Thread(target=writer) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=60)
        assert sorted(outcomes) == ["committed", "conflict"]
        assert self._get(open_uow, stored.id).version == 2

    def test_threads_with_retry_lose_no_update(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        successes: list[int] = []
        failures: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(self.threads, timeout=30)

        def worker() -> None:
            done = 0
            try:
                start.wait()
                for _attempt in range(self.commits_per_thread * 200):
                    if done == self.commits_per_thread:
                        break
                    try:
                        with open_uow() as uow:
                            repo = self.repository(uow)
                            repo.save(self.modify(repo.get(stored.id)))
                            uow.commit()
                        done += 1
                    except ConcurrencyError:
                        continue
            except BaseException as exc:  # pragma: no cover - reported by the assertion
                with lock:
                    failures.append(repr(exc))
            with lock:
                successes.append(done)

        workers = [threading.Thread(target=worker) for _ in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        assert failures == []
        assert successes == [self.commits_per_thread] * self.threads
        assert self._get(open_uow, stored.id).version == 1 + sum(successes)

    def test_retry_in_the_same_unit_of_work_after_a_conflict(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        """After a failed commit (or a rollback) the unit of work reads the latest state."""
        (stored,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            repo = self.repository(uow)
            mine = repo.get(stored.id)
            self._save_and_commit(open_uow, self.modify(stored))  # someone else wins
            repo.save(self.modify(mine))
            with pytest.raises(ConcurrencyError):
                uow.commit()
            reloaded = repo.get(stored.id)  # "reload it and apply the change again"
            assert reloaded.version == 2
            repo.save(self.modify(reloaded))
            uow.commit()
            self._save_and_commit(open_uow, self.modify(self._get(open_uow, stored.id)))
            uow.rollback()
            assert repo.get(stored.id).version == 4
        assert self._get(open_uow, stored.id).version == 4

    # -- rollback and atomicity ------------------------------------------------------------
    def test_leaving_without_commit_rolls_back(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.add(self.make_aggregate(self.COMPANY, self.make_id(2)))
            repo.save(self.modify(stored))
        assert not self._exists(open_uow, self.make_id(2))
        assert self._get(open_uow, stored.id) == stored

    def test_exception_in_block_rolls_back(self, open_uow: Callable[..., UnitOfWork]) -> None:
        class Boom(Exception):
            pass

        def failing_use_case() -> None:
            with open_uow() as uow:
                self.repository(uow).add(self.make_aggregate(self.COMPANY, self.make_id(1)))
                raise Boom

        with pytest.raises(Boom):
            failing_use_case()
        assert not self._exists(open_uow, self.make_id(1))

    def test_explicit_rollback(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.add(self.make_aggregate(self.COMPANY, self.make_id(2)))
            repo.delete(stored)
            uow.record([_event(self.COMPANY, stored.id, 1)])
            uow.rollback()
            assert repo.get(stored.id) == stored
            uow.commit()
        assert not self._exists(open_uow, self.make_id(2))
        assert self._get(open_uow, stored.id) == stored
        assert published.events == []

    def test_atomic_multi_aggregate_commit(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        a, b, c = self._store(open_uow, self.make_id(1), self.make_id(2), self.make_id(3))
        new_id = self.make_id(4)
        first, second = open_uow(), open_uow()
        with first, second:
            repo = self.repository(first)
            for agg in (a, b, c):
                repo.save(self.modify(repo.get(agg.id)))
            repo.add(self.make_aggregate(self.COMPANY, new_id))
            first.record([_event(self.COMPANY, a.id, 1)])
            other = self.repository(second)
            b_changed = self.modify(other.get(b.id))
            other.save(b_changed)
            second.commit()
            with pytest.raises(ConcurrencyError) as info:
                first.commit()
        assert info.value.id == b.id
        assert self._get(open_uow, a.id) == a
        assert self._get(open_uow, b.id) == _with_version(b_changed, 2)
        assert self._get(open_uow, c.id) == c
        assert not self._exists(open_uow, new_id)
        assert published.events == []

    # -- company isolation -----------------------------------------------------------------
    def test_other_company_cannot_read_or_list(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (theirs,) = self._store(open_uow, self.make_id(1), company=self.OTHER_COMPANY)
        with open_uow() as uow:
            repo = self.repository(uow)
            with pytest.raises(NotFoundError):
                repo.get(theirs.id)
            assert list(repo.list_all()) == []

    def test_other_company_cannot_write(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (theirs,) = self._store(open_uow, self.make_id(1), company=self.OTHER_COMPANY)
        with open_uow() as uow:
            repo = self.repository(uow)
            with pytest.raises(_REFUSED_FOREIGN):
                repo.save(self.modify(theirs))
            with pytest.raises(_REFUSED_FOREIGN):
                repo.delete(theirs)
            with pytest.raises(_REFUSED_FOREIGN):
                repo.add(self.make_aggregate(self.OTHER_COMPANY, self.make_id(2)))
            uow.commit()
        assert self._get(open_uow, theirs.id, self.OTHER_COMPANY) == theirs
        assert not self._exists(open_uow, self.make_id(2), self.OTHER_COMPANY)

    def test_same_id_in_two_companies_is_independent(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        ident = self.make_id(1)
        (mine,) = self._store(open_uow, ident)
        (theirs,) = self._store(open_uow, ident, company=self.OTHER_COMPANY)
        assert theirs.company_id == self.OTHER_COMPANY
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.save(self.modify(repo.get(ident)))
            uow.commit()
        with open_uow(self.OTHER_COMPANY) as uow:
            repo = self.repository(uow)
            repo.delete(repo.get(ident))
            uow.commit()
        assert self._get(open_uow, ident).version == 2
        assert self._get(open_uow, ident).company_id == self.COMPANY
        assert not self._exists(open_uow, ident, self.OTHER_COMPANY)
        assert mine.company_id == self.COMPANY

    # -- delete ----------------------------------------------------------------------------
    def test_delete(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.delete(repo.get(stored.id))
            with pytest.raises(NotFoundError):
                repo.get(stored.id)
            uow.commit()
        assert not self._exists(open_uow, stored.id)
        with open_uow() as uow:  # the id is free again
            self.repository(uow).add(self.make_aggregate(self.COMPANY, stored.id))
            uow.commit()
        assert self._get(open_uow, stored.id).version >= 1

    def test_stale_delete_is_rejected(self, open_uow: Callable[..., UnitOfWork]) -> None:
        (v1,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            self.repository(uow).save(self.modify(v1))
            uow.commit()
        with pytest.raises(ConcurrencyError):
            self._save_and_commit(open_uow, v1, delete=True)
        assert self._get(open_uow, v1.id).version == 2

    # -- events ----------------------------------------------------------------------------
    def test_events_published_once_in_order_after_commit(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        ident = self.make_id(1)
        events = [_event(self.COMPANY, ident, n) for n in range(3)]
        with open_uow() as uow:
            self.repository(uow).add(self.make_aggregate(self.COMPANY, ident))
            uow.record(events[:1])
            uow.record(events[1:])
            assert published.events == []
            uow.commit()
            assert published.events == events
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.save(self.modify(repo.get(ident)))
            uow.commit()
        assert published.events == events

    def test_no_events_after_failed_commit(
        self, open_uow: Callable[..., UnitOfWork], published: _Published
    ) -> None:
        (stored,) = self._store(open_uow, self.make_id(1))
        first, second = open_uow(), open_uow()
        with first, second:
            self.repository(first).save(self.modify(self.repository(first).get(stored.id)))
            self.repository(second).save(self.modify(self.repository(second).get(stored.id)))
            second.record([_event(self.COMPANY, stored.id, 2)])
            first.commit()
            with pytest.raises(ConcurrencyError):
                second.commit()
        assert published.events == []

    # -- snapshots -------------------------------------------------------------------------
    def test_unit_of_work_keeps_its_snapshot(self, open_uow: Callable[..., UnitOfWork]) -> None:
        a, b = self._store(open_uow, self.make_id(1), self.make_id(2))
        with open_uow() as reader:
            repo = self.repository(reader)
            assert [x.id for x in repo.list_all()] == [a.id, b.id]  # snapshot starts here
            with open_uow() as writer:
                wrepo = self.repository(writer)
                wrepo.save(self.modify(wrepo.get(a.id)))
                wrepo.delete(wrepo.get(b.id))
                wrepo.add(self.make_aggregate(self.COMPANY, self.make_id(3)))
                writer.commit()
            assert repo.get(a.id) == a
            assert repo.get(b.id) == b
            with pytest.raises(NotFoundError):
                repo.get(self.make_id(3))
            assert [x.id for x in repo.list_all()] == [a.id, b.id]
        with open_uow() as uow:
            assert [x.id for x in self.repository(uow).list_all()] == [a.id, self.make_id(3)]

    # -- the model-based state machine -------------------------------------------------------
    def test_agrees_with_model(self, store_factory: StoreFactory) -> None:
        machine = repository_state_machine(self, store_factory)
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=self.machine_max_examples,
                stateful_step_count=self.machine_steps,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )


# -- the state machine ------------------------------------------------------------------------


@attrs.define
class _Entry:
    value: Any  # the aggregate as last saved (its own version field is ignored)
    version: int
    stamp: int  # which model commit wrote it


@attrs.define
class _Slot:
    """One open unit of work as the model sees it."""

    uow: Any
    company: str
    snapshot: dict[tuple[str, str], _Entry]
    staged: dict[str, tuple[_Entry | None, Any]] = attrs.Factory(dict)  # id -> (read, value)
    events: list[DomainEvent] = attrs.Factory(list)


def repository_state_machine(
    contract: RepositoryContract[Any], store_factory: StoreFactory
) -> type[RuleBasedStateMachine]:
    """A Hypothesis state machine checking an adapter against a plain dict model.

    Two units of work (slots) are opened and closed at random, for one of two companies,
    and interleave ``add``/``get``/``save``/``delete``/``list_all``/``record``/``commit``/
    ``rollback`` over a few ids, plus attempts to write another company's aggregate.
    Every read is compared with the model: committed state, each unit of work's snapshot
    taken when it opened, and its own staged changes. A commit must fail exactly when an
    aggregate it writes changed since the snapshot (``ConcurrencyError``) or an id it adds
    was taken (``AlreadyExistsError``), and then apply nothing. Published events must be
    exactly those of the successful commits, in order.

    A unit of work is closed after ``commit``/``rollback`` (a failed commit is retried in a
    new one), so the machine needs no rule about what a unit of work sees after its commit.
    """
    companies = (contract.COMPANY, contract.OTHER_COMPANY)
    ids = tuple(contract.make_id(n) for n in range(3))
    slots = st.integers(0, 1)
    # Mostly the main company, so that the two units of work often collide.
    company = st.sampled_from((companies[0], companies[0], companies[0], companies[1]))

    class RepositoryMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.published = _Published()
            self.opener = store_factory(self.published)
            self.committed: dict[tuple[str, str], _Entry] = {}
            self.expected_events: list[DomainEvent] = []
            self.slots: dict[int, _Slot] = {}
            self.stamp = 0
            self.event_no = 0

        # -- helpers ---------------------------------------------------------------------
        def _visible(self, slot: _Slot, ident: str) -> tuple[_Entry | None, Any]:
            """(entry read from the snapshot, visible value with its version) or Nones."""
            if ident in slot.staged:
                return slot.staged[ident]  # staged values keep the version they were given
            entry = slot.snapshot.get((slot.company, ident))
            if entry is None:
                return None, None
            return entry, _with_version(entry.value, entry.version)

        def _slot(self, n: int, company: str) -> _Slot:
            """Slot ``n``, opened for ``company`` if it is closed."""
            slot = self.slots.get(n)
            if slot is None:
                self.open(n, company)
                slot = self.slots[n]
            return slot

        def _close(self, n: int) -> None:
            slot = self.slots.pop(n)
            slot.uow.__exit__(None, None, None)

        # -- rules -----------------------------------------------------------------------
        @initialize(seeded=st.lists(st.tuples(st.sampled_from(companies), st.sampled_from(ids))))
        def seed(self, seeded: list[tuple[str, str]]) -> None:
            for company, ident in seeded:
                slot = self._slot(0, company)
                if slot.company != company:
                    self.commit(0)
                    slot = self._slot(0, company)
                self.add(0, company, ident)
            if 0 in self.slots:
                self.commit(0)

        @rule(n=slots, company=company)
        def open(self, n: int, company: str) -> None:
            if n in self.slots:
                self._close(n)
            uow = self.opener(company)
            uow.__enter__()
            slot = _Slot(uow, company, dict(self.committed))
            self.slots[n] = slot
            self._check_list(slot)  # a read pins the snapshot for lazy adapters

        @rule(n=slots)
        def close_without_commit(self, n: int) -> None:
            if n in self.slots:
                self._close(n)

        @rule(n=slots, company=company, ident=st.sampled_from(ids))
        def get(self, n: int, company: str, ident: str) -> None:
            slot = self._slot(n, company)
            _read, expected = self._visible(slot, ident)
            repo = contract.repository(slot.uow)
            if expected is None:
                with pytest.raises(NotFoundError):
                    repo.get(ident)
            else:
                assert repo.get(ident) == expected

        def _check_list(self, slot: _Slot) -> None:
            expected = []
            for ident in sorted({i for (c, i) in slot.snapshot if c == slot.company} | set(ids)):
                _read, value = self._visible(slot, ident)
                if value is not None:
                    expected.append(value)
            assert list(contract.repository(slot.uow).list_all()) == expected

        @rule(n=slots, company=company)
        def list_all(self, n: int, company: str) -> None:
            self._check_list(self._slot(n, company))

        @rule(n=slots, company=company, ident=st.sampled_from(ids))
        def add(self, n: int, company: str, ident: str) -> None:
            slot = self._slot(n, company)
            read, visible = self._visible(slot, ident)
            new = contract.make_aggregate(slot.company, ident)
            repo = contract.repository(slot.uow)
            if visible is not None:
                with pytest.raises(AlreadyExistsError):
                    repo.add(new)
                return
            repo.add(new)
            slot.staged[ident] = (read, new)

        @rule(n=slots, company=company, ident=st.sampled_from(ids))
        def save(self, n: int, company: str, ident: str) -> None:
            slot = self._slot(n, company)
            read, visible = self._visible(slot, ident)
            if visible is None:
                return
            repo = contract.repository(slot.uow)
            changed = contract.modify(repo.get(ident))
            repo.save(changed)
            slot.staged[ident] = (read, changed)

        @rule(n=slots, company=company)
        def save_every_one(self, n: int, company: str) -> None:
            """A use case changing several aggregates at once (atomicity needs several)."""
            slot = self._slot(n, company)
            for ident in ids:
                self.save(n, company, ident)
            assert self.slots[n] is slot

        @rule(n=slots, company=company, ident=st.sampled_from(ids))
        def delete(self, n: int, company: str, ident: str) -> None:
            slot = self._slot(n, company)
            read, visible = self._visible(slot, ident)
            if visible is None:
                return
            repo = contract.repository(slot.uow)
            repo.delete(repo.get(ident))
            slot.staged[ident] = (read, None)

        @rule(n=slots, company=company, ident=st.sampled_from(ids))
        def write_other_company(self, n: int, company: str, ident: str) -> None:
            slot = self._slot(n, company)
            other = companies[1] if slot.company == companies[0] else companies[0]
            with pytest.raises(_REFUSED_FOREIGN):
                contract.repository(slot.uow).add(contract.make_aggregate(other, ident))

        @rule(n=slots, company=company, ident=st.sampled_from(ids))
        def record(self, n: int, company: str, ident: str) -> None:
            slot = self._slot(n, company)
            self.event_no += 1
            event = _event(slot.company, ident, self.event_no)
            slot.uow.record([event])
            slot.events.append(event)

        @rule(n=slots)
        def rollback(self, n: int) -> None:
            slot = self.slots.get(n)
            if slot is None:
                return
            slot.uow.rollback()
            slot.staged.clear()
            slot.events.clear()
            self._close(n)

        @rule(n=slots)
        def commit(self, n: int) -> None:
            slot = self.slots.get(n)
            if slot is None:
                return
            must_fail: list[type[Exception]] = []
            may_fail = False
            for ident, (read, _value) in slot.staged.items():
                now = self.committed.get((slot.company, ident))
                if read is None:
                    if now is not None:
                        must_fail.append(AlreadyExistsError)
                elif now is None or now.version != read.version:
                    must_fail.append(ConcurrencyError)
                elif now.stamp != read.stamp:
                    may_fail = True  # deleted and re-added since: same version, new aggregate
            if must_fail or may_fail:
                error: Exception | None = None
                try:
                    slot.uow.commit()
                except (ConcurrencyError, AlreadyExistsError) as exc:
                    error = exc
                if error is not None:
                    if must_fail:
                        assert isinstance(error, tuple(must_fail)), (error, must_fail)
                    self._close(n)
                    return
                assert not must_fail, f"commit should have raised one of {must_fail}"
            else:
                slot.uow.commit()
            self.stamp += 1
            for ident, (read, value) in slot.staged.items():
                key = (slot.company, ident)
                if value is None:
                    self.committed.pop(key, None)
                else:
                    version = (read.version if read else 0) + 1
                    self.committed[key] = _Entry(value, version, self.stamp)
            self.expected_events.extend(slot.events)
            self._close(n)

        @invariant()
        def events_published_exactly_after_commits(self) -> None:
            assert self.published.events == self.expected_events

        def teardown(self) -> None:
            for n in list(self.slots):
                self._close(n)
            for company in companies:
                with self.opener(company) as uow:
                    stored = {a.id: a for a in contract.repository(uow).list_all()}
                expected = {
                    ident: _with_version(e.value, e.version)
                    for (c, ident), e in self.committed.items()
                    if c == company
                }
                assert stored == expected

    RepositoryMachine.__name__ = f"{type(contract).__name__}Machine"
    RepositoryMachine.__qualname__ = RepositoryMachine.__name__
    return RepositoryMachine


# -- SLA definitions (servicecore.sla) ---------------------------------------------------------
class SlaRepositoryContract(RepositoryContract[ServiceLevelAgreement]):
    """Contract of ``SlaRepository`` (``uow.slas``), with its finder ``list_selectable``."""

    def repository(self, uow: UnitOfWork) -> Repository[ServiceLevelAgreement]:
        return uow.slas

    def make_aggregate(self, company_id: str, id: str) -> ServiceLevelAgreement:
        return ServiceLevelAgreement(
            company_id=company_id,
            id=id,
            name=f"SLA {id}",
            targets={"high": (Target.business_hours(4), Target.business_days(2))},
        )

    def modify(self, aggregate: ServiceLevelAgreement) -> ServiceLevelAgreement:
        return attrs.evolve(aggregate, name=aggregate.name + "+")

    def test_list_selectable_skips_suspended(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow:
            uow.slas.add(self.make_aggregate(uow.company_id, "GOLD"))
            suspended = attrs.evolve(self.make_aggregate(uow.company_id, "OLD"), suspended=True)
            uow.slas.add(suspended)
            uow.slas.add(self.make_aggregate(uow.company_id, "BRONZE"))
            uow.commit()
        with open_uow() as uow:
            assert [s.id for s in uow.slas.list_selectable()] == ["BRONZE", "GOLD"]
            old = uow.slas.get("OLD")
            uow.slas.save(attrs.evolve(old, suspended=False))
            assert [s.id for s in uow.slas.list_selectable()] == ["BRONZE", "GOLD", "OLD"]

    def test_stored_sla_keeps_its_calendar(self, open_uow: Callable[..., UnitOfWork]) -> None:
        import datetime as dt

        from servicecore.calendars import BusinessCalendar

        office = BusinessCalendar.weekdays("Europe/Stockholm", [(dt.time(8), dt.time(17))])
        sla = attrs.evolve(self.make_aggregate("ACME", "CAL"), calendar=office)
        with open_uow("ACME") as uow:
            uow.slas.add(sla)
            uow.commit()
        with open_uow("ACME") as uow:
            assert uow.slas.get("CAL").calendar == office

    def test_list_selectable_sees_only_its_company(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        self._store(open_uow, "THEIRS", company=self.OTHER_COMPANY)
        self._store(open_uow, "MINE")
        with open_uow() as uow:
            assert [s.id for s in uow.slas.list_selectable()] == ["MINE"]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert [s.id for s in uow.slas.list_selectable()] == ["THEIRS"]


# -- subscriptions -------------------------------------------------------------------------------
def _subscription(company_id: str, id: str, customer_id: str = "C1") -> Subscription:
    return Subscription(
        company_id=company_id,
        id=id,
        group_id="MONTHLY",
        customer_id=customer_id,
        interval=Interval.months(1),
        start=pendulum.Date(2024, 1, 1),
        base_price=Money.of("10.00", "EUR"),
    )


class SubscriptionRepositoryContract(RepositoryContract[Subscription]):
    """Contract of ``SubscriptionRepository`` (subscriptions with their fee ledger)."""

    def repository(self, uow: UnitOfWork) -> Repository[Subscription]:
        return uow.subscriptions

    def make_aggregate(self, company_id: str, id: str) -> Subscription:
        return _subscription(company_id, id)

    def modify(self, aggregate: Subscription) -> Subscription:
        price = aggregate.base_price + Money.of("1.00", "EUR")
        return attrs.evolve(aggregate, base_price=price)

    def test_list_for_customer_and_in_group(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow:
            uow.subscriptions.add(_subscription(uow.company_id, "S-2", "C2"))
            uow.subscriptions.add(_subscription(uow.company_id, "S-1", "C1"))
            uow.subscriptions.add(_subscription(uow.company_id, "S-3", "C2"))
            uow.commit()
        with open_uow() as uow:
            assert [s.id for s in uow.subscriptions.list_for_customer("C2")] == ["S-2", "S-3"]
            assert [s.id for s in uow.subscriptions.list_in_group("MONTHLY")] == [
                "S-1",
                "S-2",
                "S-3",
            ]
            assert list(uow.subscriptions.list_for_customer("C9")) == []
        with open_uow("OTHER") as uow:
            assert list(uow.subscriptions.list_for_customer("C2")) == []

    def test_fee_ledger_round_trips(self, open_uow: Callable[..., UnitOfWork]) -> None:
        from servicecore.clock import FixedClock
        from servicecore.subscriptions import activate, generate_fees

        clock = FixedClock(_AT)
        sub, _ = activate(_subscription("ACME", "S-1"), clock=clock)
        sub, _ = generate_fees(
            sub, pendulum.Date(2024, 1, 1), pendulum.Date(2024, 4, 1), clock=clock
        )
        with open_uow("ACME") as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with open_uow("ACME") as uow:
            assert uow.subscriptions.get("S-1").fees == sub.fees


class SubscriptionGroupRepositoryContract(RepositoryContract[SubscriptionGroup]):
    """Contract of ``SubscriptionGroupRepository``."""

    def repository(self, uow: UnitOfWork) -> Repository[SubscriptionGroup]:
        return uow.subscription_groups

    def make_aggregate(self, company_id: str, id: str) -> SubscriptionGroup:
        return SubscriptionGroup(company_id=company_id, id=id, name="monthly")

    def modify(self, aggregate: SubscriptionGroup) -> SubscriptionGroup:
        return attrs.evolve(aggregate, name=aggregate.name + "+")


# -- BOM, service objects and repairs (issue 5) -------------------------------------------

from decimal import Decimal as _Decimal  # noqa: E402

from servicecore import bom as _bom  # noqa: E402
from servicecore import repairs as _rep  # noqa: E402
from servicecore import service_objects as _so  # noqa: E402

_PCS = _bom.UnitOfMeasure("pcs", 0)


class ItemRepositoryContract(RepositoryContract[_bom.Item]):
    """Contract of ``uow.items``."""

    def repository(self, uow: UnitOfWork) -> Repository[_bom.Item]:
        return uow.items

    def make_aggregate(self, company_id: str, id: str) -> _bom.Item:
        return _bom.Item(company_id=company_id, id=id, uom=_PCS, name=f"item {id}")

    def modify(self, aggregate: _bom.Item) -> _bom.Item:
        return attrs.evolve(aggregate, name=aggregate.name + "'")


class BomRepositoryContract(RepositoryContract[_bom.Bom]):
    """Contract of ``uow.boms`` including ``list_using_component``."""

    def repository(self, uow: UnitOfWork) -> Repository[_bom.Bom]:
        return uow.boms

    def make_aggregate(self, company_id: str, id: str) -> _bom.Bom:
        bom, _events = _bom.Bom.create(
            company_id,
            id,
            lines=[_bom.BomLine(10, f"{id}-PART", _Decimal(2), _PCS)],
            effective_from=pendulum.date(2024, 1, 1),
            at=_AT,
        )
        return bom

    def modify(self, aggregate: _bom.Bom) -> _bom.Bom:
        changed, _events = aggregate.revise(1, at=_AT)
        return changed

    def test_list_using_component(self, open_uow: Callable[..., UnitOfWork]) -> None:
        a, b, c = (self.make_id(n) for n in (1, 2, 3))
        self._store(open_uow, a, b)
        with open_uow() as uow:
            uow.boms.add(self.make_aggregate(self.COMPANY, c))  # staged only: seen too
            found = uow.boms.list_using_component(f"{b}-PART")
            assert [x.id for x in found] == [b]
            assert [x.id for x in uow.boms.list_using_component(f"{c}-PART")] == [c]
            assert uow.boms.list_using_component("NOWHERE") == []
        self._store(open_uow, a, company=self.OTHER_COMPANY)
        with open_uow() as uow:
            assert [x.id for x in uow.boms.list_using_component(f"{a}-PART")] == [a]

    def test_concurrent_approvals_cannot_commit_a_cycle(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        """``approve_bom_version`` re-saves the BOMs its cycle check read; through this
        adapter, two approvals that only together close a cycle cannot both commit."""
        from servicecore.clock import FixedClock

        clock = FixedClock(_AT)
        a, b = self.make_id(1), self.make_id(2)
        with open_uow() as uow:
            for parent, child in ((a, b), (b, a)):
                _bom.create_bom(
                    uow,
                    parent,
                    lines=[_bom.BomLine(10, child, _Decimal(1), _PCS)],
                    effective_from=pendulum.date(2024, 1, 1),
                    clock=clock,
                )
            uow.commit()
        with open_uow() as first, open_uow() as second:
            _bom.approve_bom_version(first, a, 1, clock=clock)
            refused = False
            try:
                _bom.approve_bom_version(second, b, 1, clock=clock)
                first.commit()
                second.commit()
            except ConcurrencyError:
                refused = True
            assert refused, "both approvals committed: the stored BOMs now form a cycle"
        with open_uow() as uow:
            stored = uow.boms.list_all()
            assert _bom.find_cycle(stored) is None
            statuses = sorted(x.versions[0].status.value for x in stored if x.id in (a, b))
            assert statuses in (["approved", "draft"], ["draft", "draft"])


class ServiceObjectRepositoryContract(RepositoryContract[_so.ServiceObject]):
    """Contract of ``uow.service_objects`` including ``list_for_customer``."""

    def repository(self, uow: UnitOfWork) -> Repository[_so.ServiceObject]:
        return uow.service_objects

    def make_aggregate(self, company_id: str, id: str) -> _so.ServiceObject:
        customer = "C-EVEN" if id[-1] in "02468" else "C-ODD"
        return _so.ServiceObject(
            company_id=company_id,
            id=id,
            item_id="PUMP",
            serial=f"SN-{id}",
            customer_id=customer,
            installed_on=pendulum.date(2024, 1, 1),
        )

    def modify(self, aggregate: _so.ServiceObject) -> _so.ServiceObject:
        return attrs.evolve(aggregate, serial=aggregate.serial + "X")

    def test_list_for_customer(self, open_uow: Callable[..., UnitOfWork]) -> None:
        ids = [self.make_id(n) for n in (1, 2, 3)]
        self._store(open_uow, *ids)
        with open_uow() as uow:
            odd = [o.id for o in uow.service_objects.list_for_customer("C-ODD")]
            even = [o.id for o in uow.service_objects.list_for_customer("C-EVEN")]
            assert odd == [ids[0], ids[2]]
            assert even == [ids[1]]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow.service_objects.list_for_customer("C-ODD") == []


class ObjectRelationRepositoryContract(RepositoryContract[_so.ObjectRelation]):
    """Contract of ``uow.object_relations`` including its two finders."""

    def repository(self, uow: UnitOfWork) -> Repository[_so.ObjectRelation]:
        return uow.object_relations

    def make_aggregate(self, company_id: str, id: str) -> _so.ObjectRelation:
        order = id[-1] in "02468"
        return _so.ObjectRelation(
            company_id=company_id,
            id=id,
            object_id="OBJ-1" if order else "OBJ-2",
            owner_kind=_so.OwnerKind.SERVICE_ORDER if order else _so.OwnerKind.AGREEMENT,
            owner_id="SO-1" if order else "AG-1",
        )

    def modify(self, aggregate: _so.ObjectRelation) -> _so.ObjectRelation:
        return attrs.evolve(aggregate, note=aggregate.note + "!")

    def test_list_for_owner_and_object(self, open_uow: Callable[..., UnitOfWork]) -> None:
        ids = [self.make_id(n) for n in (1, 2, 3, 4)]
        self._store(open_uow, *ids)
        with open_uow() as uow:
            repo = uow.object_relations
            on_order = repo.list_for_owner(_so.OwnerKind.SERVICE_ORDER, "SO-1")
            assert [r.id for r in on_order] == [ids[1], ids[3]]
            assert [r.id for r in repo.list_for_owner(_so.OwnerKind.AGREEMENT, "AG-1")] == [
                ids[0],
                ids[2],
            ]
            assert repo.list_for_owner(_so.OwnerKind.AGREEMENT, "SO-1") == []
            assert [r.id for r in repo.list_for_object("OBJ-2")] == [ids[0], ids[2]]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow.object_relations.list_for_object("OBJ-2") == []


def _contract_codes(company_id: str) -> _rep.RepairCodes:
    return _rep.RepairCodes.of(
        company_id,
        "CODES",
        symptoms={"NOISE": ["RATTLE"]},
        resolutions=["FIXED"],
        stages=[_rep.RepairStage("OPEN"), _rep.RepairStage("DONE", finished=True)],
    )


class RepairCodesRepositoryContract(RepositoryContract[_rep.RepairCodes]):
    """Contract of ``uow.repair_codes``."""

    def repository(self, uow: UnitOfWork) -> Repository[_rep.RepairCodes]:
        return uow.repair_codes

    def make_aggregate(self, company_id: str, id: str) -> _rep.RepairCodes:
        return attrs.evolve(_contract_codes(company_id), id=id)

    def modify(self, aggregate: _rep.RepairCodes) -> _rep.RepairCodes:
        return attrs.evolve(aggregate, resolutions=(*aggregate.resolutions, "NEW"))


class RepairRepositoryContract(RepositoryContract[_rep.Repair]):
    """Contract of ``uow.repairs`` including ``list_for_object`` and ``list_for_item``."""

    def repository(self, uow: UnitOfWork) -> Repository[_rep.Repair]:
        return uow.repairs

    def make_aggregate(self, company_id: str, id: str) -> _rep.Repair:
        even = id[-1] in "02468"
        obj = _so.ServiceObject(
            company_id=company_id,
            id="OBJ-1" if even else "OBJ-2",
            item_id="PUMP" if even else "FAN",
            serial="SN",
            customer_id="C",
        )
        relation = _so.ObjectRelation(
            company_id=company_id,
            id="REL",
            object_id=obj.id,
            owner_kind=_so.OwnerKind.SERVICE_ORDER,
            owner_id="SO-1",
        )
        repair, _events = _rep.Repair.open(
            _contract_codes(company_id), relation, obj, repair_id=id, order_id="SO-1", at=_AT
        )
        return repair

    def modify(self, aggregate: _rep.Repair) -> _rep.Repair:
        changed, _events = aggregate.add_note("checked", author="TECH", at=_AT)
        return changed

    def test_list_for_object_and_item(self, open_uow: Callable[..., UnitOfWork]) -> None:
        ids = [self.make_id(n) for n in (1, 2, 3)]
        self._store(open_uow, *ids)
        with open_uow() as uow:
            assert [r.id for r in uow.repairs.list_for_object("OBJ-2")] == [ids[0], ids[2]]
            assert [r.id for r in uow.repairs.list_for_item("PUMP")] == [ids[1]]
            assert uow.repairs.list_for_item("NONE") == []
        with open_uow(self.OTHER_COMPANY) as uow:
            assert uow.repairs.list_for_object("OBJ-2") == []
