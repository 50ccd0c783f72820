"""The model-based state machine: random sequences of unit-of-work operations are driven
through the adapter and through a plain dict model, and every read, commit and published
event must agree (see :func:`repository_state_machine`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from servicecore.errors import AlreadyExistsError, ConcurrencyError, NotFoundError
from servicecore.events import DomainEvent
from servicecore.testing.contract.base import (
    _REFUSED_FOREIGN,
    StoreFactory,
    _event,
    _Published,
    _with_version,
)

if TYPE_CHECKING:
    from servicecore.testing.contract.repository import RepositoryContract

__all__ = ["repository_state_machine"]


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
