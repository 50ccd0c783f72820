"""The unit-of-work rules, which need no repository: events are published after a commit,
in order and once, and dropped without a commit, by a rollback or by an exception; an event
of another company is refused.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from servicecore.errors import PermissionDeniedError
from servicecore.ports import UnitOfWork
from servicecore.testing.contract.base import _ContractBase, _event, _Published

__all__ = ["UnitOfWorkContract"]


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
