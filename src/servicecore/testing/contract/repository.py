"""The generic rules of the records port, run on one aggregate type (:class:`RepositoryContract`).

Not found / already exists, optimistic concurrency (also with real threads), versions that
never restart after a delete, rollback by default, atomic multi-aggregate commits, company
isolation, events published exactly once and only after a successful commit, snapshot
consistency, and the model-based state machine of :mod:`.machine`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import ClassVar, Generic

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from servicecore.errors import AlreadyExistsError, ConcurrencyError, NotFoundError, ValidationError
from servicecore.ports import Repository, UnitOfWork
from servicecore.testing.contract.base import (
    _REFUSED_FOREIGN,
    A,
    ContractEvent,
    StoreFactory,
    _ContractBase,
    _event,
    _Published,
    _with_version,
)
from servicecore.testing.contract.machine import repository_state_machine

__all__ = ["RepositoryContract"]


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
        retries: list[int] = []
        failures: list[str] = []
        lock = threading.Lock()
        all_read = threading.Barrier(self.threads, timeout=30)

        def worker() -> None:
            done = attempts = 0
            try:
                while done < self.commits_per_thread and attempts < self.commits_per_thread * 200:
                    attempts += 1
                    try:
                        with open_uow() as uow:
                            repo = self.repository(uow)
                            current = repo.get(stored.id)
                            if attempts == 1:  # all read version 1 first: every thread but
                                all_read.wait()  # one must meet a conflict and retry
                            repo.save(self.modify(current))
                            uow.commit()
                        done += 1
                    except ConcurrencyError:
                        continue
            except BaseException as exc:  # pragma: no cover - reported by the assertion
                with lock:
                    failures.append(repr(exc))
            with lock:
                successes.append(done)
                retries.append(attempts - done)

        workers = [threading.Thread(target=worker) for _ in range(self.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
        assert failures == []
        assert successes == [self.commits_per_thread] * self.threads
        # the first round read one version: all but one of its commits had to conflict
        assert sum(retries) >= self.threads - 1
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
