"""Invariant 23: undoing every unsaved edit of the dispatch board restores exactly the last
committed board.

A stateful machine edits a board through a :class:`BoardSession` with random assign,
reassign, reschedule, set-priority, dispatch and cancel commands (refused ones change
nothing), undoes single edits, commits through an in-memory store, and checks after every
step that the session's committed board is what the store holds and that undoing edits
walks back through exactly the boards the edits produced.
"""

from __future__ import annotations

from typing import Any

import pendulum
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from servicecore.dispatch import (
    WARNING_CODES,
    BoardSession,
    DispatchBoard,
    Priority,
    assign,
    book_line,
    cancel_booking,
    commit_board,
    dispatch,
    load_board,
    reassign,
    reschedule,
    set_priority,
)
from servicecore.errors import ServiceCoreError
from tests.builders.dispatch import AT, CLOCK, at, store_with_order

BOOKING_IDS = ("B1", "B2", "B3", "B4")
WORKER_IDS = ("ANNA", "BO", "CARL")
slots = st.tuples(st.integers(0, 5), st.integers(6, 17), st.integers(1, 4)).map(
    lambda t: (at(t[0], t[1]), at(t[0], t[1] + t[2]))
)
accepts = st.sets(st.sampled_from(WARNING_CODES))


class BoardUndoMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = store_with_order(lines=("L1", "L2", "L3", "L4"))
        with self.store.unit_of_work("ACME") as uow:
            for n, bid in enumerate(BOOKING_IDS, start=1):
                book_line(uow, bid, "SO-1", f"L{n}", clock=CLOCK, sla_due=at(2, 12))
            uow.commit()
        self.session = BoardSession(self._stored())
        self.boards: list[DispatchBoard] = []  # the board after each unsaved edit

    def _stored(self) -> DispatchBoard:
        with self.store.unit_of_work("ACME") as uow:
            return load_board(uow)

    def _try(self, command: Any, **kwargs: Any) -> None:
        before = self.session.board
        try:
            self.session.apply(command, at=AT, **kwargs)
        except ServiceCoreError:
            assert self.session.board == before  # a refused command changes nothing
            return
        event("edit kept")
        self.boards.append(self.session.board)

    @rule(b=st.sampled_from(BOOKING_IDS), w=st.sampled_from(WORKER_IDS), s=slots, a=accepts)
    def assign(self, b: str, w: str, s: tuple[pendulum.DateTime, ...], a: set[str]) -> None:
        self._try(assign, booking_id=b, worker_id=w, start=s[0], end=s[1], accept=a)

    @rule(b=st.sampled_from(BOOKING_IDS), w=st.sampled_from(WORKER_IDS), a=accepts)
    def reassign(self, b: str, w: str, a: set[str]) -> None:
        self._try(reassign, booking_id=b, worker_id=w, accept=a)

    @rule(b=st.sampled_from(BOOKING_IDS), s=slots, a=accepts)
    def reschedule(self, b: str, s: tuple[pendulum.DateTime, ...], a: set[str]) -> None:
        self._try(reschedule, booking_id=b, start=s[0], end=s[1], accept=a)

    @rule(b=st.sampled_from(BOOKING_IDS), p=st.sampled_from(list(Priority)), a=accepts)
    def set_priority(self, b: str, p: Priority, a: set[str]) -> None:
        self._try(set_priority, booking_id=b, priority=p, accept=a)

    @rule(b=st.sampled_from(BOOKING_IDS), a=accepts)
    def dispatch(self, b: str, a: set[str]) -> None:
        self._try(dispatch, booking_id=b, accept=a)

    @rule(b=st.sampled_from(BOOKING_IDS))
    def cancel(self, b: str) -> None:
        self._try(cancel_booking, booking_id=b)

    @precondition(lambda self: bool(self.boards))
    @rule()
    def undo(self) -> None:
        self.session.undo()
        self.boards.pop()

    @rule()
    def commit(self) -> None:
        with self.store.unit_of_work("ACME") as uow:
            commit_board(uow, self.session, clock=CLOCK)
            uow.commit()
        self.boards.clear()
        stored = self._stored()
        closed = {b for b in self.session.committed.bookings if b not in stored.bookings}
        # load_board leaves done and cancelled bookings out: start a fresh session on it
        assert all(not self.session.committed.bookings[b].is_open for b in closed)
        self.session = BoardSession(stored)

    @invariant()
    def the_board_is_the_last_edit_or_the_committed_one(self) -> None:
        expected = self.boards[-1] if self.boards else self.session.committed
        assert self.session.board == expected
        assert len(self.session.pending) == len(self.boards)

    @invariant()
    def the_committed_board_is_what_the_store_holds(self) -> None:
        assert self.session.committed == self._stored()

    @precondition(lambda self: bool(self.boards))
    @rule()
    def undo_every_unsaved_edit(self) -> None:
        while self.session.pending:
            self.session.undo()
            self.boards.pop()
            expected = self.boards[-1] if self.boards else self.session.committed
            assert self.session.board == expected
        assert self.session.board == self.session.committed == self._stored()


BoardUndoMachine.TestCase.settings = settings(
    BoardUndoMachine.TestCase.settings, stateful_step_count=25
)
test_board_undo = BoardUndoMachine.TestCase
