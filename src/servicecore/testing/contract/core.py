"""The generic rules of the storage contract: run once per adapter.

:class:`RepositoryContract` holds every rule of the records port, run on one aggregate
type: not found / already exists, optimistic concurrency (also with real threads),
versions that never restart after a delete, rollback by default, atomic multi-aggregate
commits, company isolation, events published exactly once and only after a successful
commit, snapshot consistency, finders that see staged changes, and a Hypothesis state
machine that drives random sequences through the adapter and through a plain dict model
and checks they agree. :class:`RecordsContract` runs them on :data:`CONTRACT_NOTES`, a
small aggregate type of the contract's own, because the rules hold for every type alike.

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
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import Aggregate, AggregateType, Index, Repository, UnitOfWork

__all__ = [
    "CONTRACT_NOTES",
    "ContractEvent",
    "ContractNote",
    "Publisher",
    "RecordsContract",
    "RepositoryContract",
    "StoreFactory",
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


@frozen
class ContractNote:
    """The aggregate the generic rules are run on (any adapter must store it)."""

    company_id: str
    id: str
    text: str = ""
    topic: str = "odd"
    edits: int = 0
    version: int = 0


class ContractNoteRepository(Repository[ContractNote]):
    """Typed repository of :class:`ContractNote`, with one finder."""

    def list_about(self, topic: str) -> list[ContractNote]:
        return self.find("topic", topic)


CONTRACT_NOTES: AggregateType[ContractNote, ContractNoteRepository] = AggregateType(
    kind="servicecore_contract_note",
    cls=ContractNote,
    repository=ContractNoteRepository,
    indexes=(Index("topic", lambda n: (n.topic,) if n.topic else ()),),
)
"""The contract suite's own aggregate type (not registered in the plugin registry)."""


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

    def test_versions_never_restart_after_a_delete(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        """A delete leaves a tombstone: the re-added id continues from the old version, so
        a save based on a version read before the delete always conflicts."""
        (v1,) = self._store(open_uow, self.make_id(1))
        self._save_and_commit(open_uow, self.modify(v1))
        before_delete = self._get(open_uow, v1.id)
        assert before_delete.version == 2
        self._save_and_commit(open_uow, before_delete, delete=True)
        self._add_and_commit(open_uow, self.make_aggregate(self.COMPANY, v1.id))
        reborn = self._get(open_uow, v1.id)
        assert reborn.version > before_delete.version
        with pytest.raises(ConcurrencyError):
            self._save_and_commit(open_uow, self.modify(before_delete))
        assert self._get(open_uow, v1.id) == reborn

    def test_delete_and_add_in_one_unit_of_work_conflicts_with_a_stale_save(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        (v1,) = self._store(open_uow, self.make_id(1))
        with open_uow() as uow:
            repo = self.repository(uow)
            repo.delete(repo.get(v1.id))
            repo.add(self.make_aggregate(self.COMPANY, v1.id))
            uow.commit()
        with pytest.raises(ConcurrencyError):
            self._save_and_commit(open_uow, self.modify(v1))

    def test_add_requires_the_integer_version_zero(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        new = self.make_aggregate(self.COMPANY, self.make_id(1))
        for version in (1, 0.0, False):
            with open_uow() as uow, pytest.raises(ValidationError):
                self.repository(uow).add(_with_version(new, version))  # type: ignore[arg-type]
        assert not self._exists(open_uow, new.id)

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
            self.tombstones: dict[tuple[str, str], int] = {}  # last version of a deleted id
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

        @rule(n=slots, company=company, key=st.sampled_from(("odd", "even")))
        def find(self, n: int, company: str, key: str) -> None:
            finder = getattr(contract, "find", None)
            if finder is None:
                return
            slot = self._slot(n, company)
            expected = []
            for ident in sorted({i for (c, i) in slot.snapshot if c == slot.company} | set(ids)):
                _read, value = self._visible(slot, ident)
                if value is not None and getattr(value, "topic", None) == key:
                    expected.append(value)
            assert finder(slot.uow, key) == expected

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
        def recreate(self, n: int, company: str, ident: str) -> None:
            """A use case deleting an aggregate and adding it again under the same id, each
            step committed, then reading it: its version must carry on from the deleted
            one's (a store that restarts versions fails here in one step)."""
            self.delete(n, company, ident)
            self.commit(n)
            self.add(n, company, ident)
            self.commit(n)
            self.get(n, company, ident)

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
            for ident, (read, _value) in slot.staged.items():
                now = self.committed.get((slot.company, ident))
                if read is None:
                    if now is not None:
                        must_fail.append(AlreadyExistsError)
                elif now is None or now.version != read.version:
                    # Versions never restart: a delete and re-add since the read moved the
                    # version on, so it conflicts too.
                    must_fail.append(ConcurrencyError)
            if must_fail:
                with pytest.raises((ConcurrencyError, AlreadyExistsError)) as raised:
                    slot.uow.commit()
                assert isinstance(raised.value, tuple(must_fail)), (raised.value, must_fail)
                self._close(n)
                return
            slot.uow.commit()
            self.stamp += 1
            for ident, (read, value) in slot.staged.items():
                key = (slot.company, ident)
                previous = read.version if read else self.tombstones.get(key, 0)
                if value is None:
                    self.committed.pop(key, None)
                    self.tombstones[key] = previous + 1
                else:
                    self.committed[key] = _Entry(value, previous + 1, self.stamp)
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


class RecordsContract(RepositoryContract[ContractNote]):
    """The generic rules, run once per adapter on :data:`CONTRACT_NOTES`."""

    def repository(self, uow: UnitOfWork) -> Repository[ContractNote]:
        notes: ContractNoteRepository = uow[CONTRACT_NOTES]
        return notes

    def make_aggregate(self, company_id: str, id: str) -> ContractNote:
        odd = id[-1:] in "13579"
        return ContractNote(company_id, id, text=f"note {id}", topic="odd" if odd else "even")

    def modify(self, aggregate: ContractNote) -> ContractNote:
        flipped = "even" if aggregate.topic == "odd" else "odd"
        return attrs.evolve(
            aggregate, edits=aggregate.edits + 1, text=f"edit {aggregate.edits + 1}", topic=flipped
        )

    def find(self, uow: UnitOfWork, key: str) -> list[ContractNote]:
        return uow[CONTRACT_NOTES].list_about(key)

    def test_find_sees_staged_changes_and_own_company(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        one, two, three = (self.make_id(n) for n in (1, 2, 3))
        self._store(open_uow, one, two)
        self._store(open_uow, one, company=self.OTHER_COMPANY)
        with open_uow() as uow:
            repo = uow[CONTRACT_NOTES]
            assert [n.id for n in repo.list_about("odd")] == [one]
            assert [n.id for n in repo.list_about("even")] == [two]
            repo.save(self.modify(repo.get(one)))  # odd -> even, staged
            repo.add(self.make_aggregate(self.COMPANY, three))  # odd, staged
            assert [n.id for n in repo.list_about("odd")] == [three]
            assert [n.id for n in repo.list_about("even")] == [one, two]
            repo.delete(repo.get(two))
            assert [n.id for n in repo.list_about("even")] == [one]
            assert repo.list_about("nothing") == []
        with open_uow() as uow:  # nothing of that was committed
            assert [n.id for n in uow[CONTRACT_NOTES].list_about("odd")] == [one]
        with open_uow(self.OTHER_COMPANY) as uow:
            assert [n.id for n in uow[CONTRACT_NOTES].list_about("odd")] == [one]
            assert uow[CONTRACT_NOTES].list_about("even") == []

    def test_find_of_an_unknown_index_is_refused(self, open_uow: Callable[..., UnitOfWork]) -> None:
        with open_uow() as uow, pytest.raises(ValidationError):
            uow[CONTRACT_NOTES].find("nowhere", "x")

    def test_one_class_per_kind_across_units_of_work(
        self, open_uow: Callable[..., UnitOfWork]
    ) -> None:
        """The same kind can never give back an aggregate of another class."""

        @frozen
        class Impostor:
            company_id: str
            id: str
            version: int = 0

        impostors: AggregateType[Impostor, Repository[Impostor]] = AggregateType(
            kind=CONTRACT_NOTES.kind, cls=Impostor, repository=Repository
        )
        self._store(open_uow, self.make_id(1))
        with open_uow() as uow, pytest.raises(ValidationError):
            uow[impostors].add(Impostor(self.COMPANY, self.make_id(2)))
        with open_uow() as uow:
            assert all(isinstance(n, ContractNote) for n in uow[CONTRACT_NOTES].list_all())
