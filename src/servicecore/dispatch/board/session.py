"""The board's edit session (apply commands, undo them, save them at once), and loading
and saving a board through a unit of work."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from attrs import evolve

from servicecore.clock import read_clock
from servicecore.dispatch.board.commands import BoardChange
from servicecore.dispatch.board.value import DispatchBoard
from servicecore.dispatch.model import BOOKINGS, DISPATCH_TEAMS, WORKERS
from servicecore.errors import BusinessRuleError, ConcurrencyError, ValidationError
from servicecore.ports import UnitOfWork, check_type

__all__ = ["BoardSession", "commit_board", "load_board"]


Guard = Callable[[Callable[..., Any], Mapping[str, Any]], None]
"""Called with (command, keyword arguments including ``board``) before a session applies a
command; raises to refuse (``servicecore.roles.Authorizer.guard`` builds one per user)."""


class BoardSession:
    """An edit buffer over a board: apply commands, undo them one at a time, save at once.

    ``board`` is the board with the unsaved edits; ``committed`` the last saved one.
    Undoing every unsaved edit gives back ``committed`` exactly (invariant 23).
    """

    def __init__(self, board: DispatchBoard, *, guard: Guard | None = None) -> None:
        check_type(board, DispatchBoard, "board")
        if guard is not None and not callable(guard):
            raise ValidationError(
                f"guard must be callable, not {guard!r}",
                field="guard",
                value=guard,
                allowed="None or a function (command, kwargs) that raises to refuse",
            )
        self._committed = board
        self._changes: list[BoardChange] = []
        self._guard = guard

    @property
    def committed(self) -> DispatchBoard:
        return self._committed

    @property
    def board(self) -> DispatchBoard:
        return self._changes[-1].board if self._changes else self._committed

    @property
    def pending(self) -> tuple[BoardChange, ...]:
        """The unsaved changes, oldest first."""
        return tuple(self._changes)

    def apply(self, command: Callable[..., BoardChange], **kwargs: Any) -> BoardChange:
        """Run ``command(board=<current board>, **kwargs)`` and keep its change."""
        try:
            if not inspect.isfunction(command):
                raise TypeError("not a function")
            inspect.signature(command).bind(self.board, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"command must be a board command taking these arguments, not {command!r} ({exc})",
                field="command",
                value=command,
                allowed="assign, reassign, reschedule, set_priority, dispatch, ... "
                "with their keyword arguments",
            ) from exc
        if self._guard is not None:
            self._guard(command, {"board": self.board, **kwargs})
        result: object = command(self.board, **kwargs)
        change = check_type(result, BoardChange, "command result")
        self._changes.append(change)
        return change

    def undo(self) -> BoardChange:
        """Revert the newest unsaved change; ``BusinessRuleError`` when there is none."""
        if not self._changes:
            raise BusinessRuleError(
                "nothing to undo: the board has no unsaved change", rule="nothing-to-undo"
            )
        return self._changes.pop()

    def undo_all(self) -> None:
        """Revert every unsaved change."""
        self._changes.clear()

    def _saved(self, board: DispatchBoard) -> None:
        self._committed = board
        self._changes.clear()


def load_board(uow: UnitOfWork, *, include_closed: bool = False) -> DispatchBoard:
    """The board of ``uow``'s company: every worker and team, and the open bookings
    (every booking with ``include_closed``)."""
    check_type(include_closed, bool, "include_closed")
    bookings = [bk for bk in uow[BOOKINGS].list_all() if include_closed or bk.is_open]
    return DispatchBoard(
        company_id=uow.company_id,
        workers=uow[WORKERS].list_all(),
        teams=uow[DISPATCH_TEAMS].list_all(),
        bookings=bookings,
    )


def commit_board(uow: UnitOfWork, session: BoardSession, *, clock: object) -> tuple[str, ...]:
    """Save every booking the session changed and record their events, all at once.

    Returns the ids of the saved bookings. The session's committed board becomes the
    current one, with the versions the store holds once ``uow`` commits; a stale booking
    (changed by someone else since it was loaded) makes the commit raise
    ``ConcurrencyError``.
    """
    check_type(session, BoardSession, "session")
    read_clock(clock)
    if session.board.company_id != uow.company_id:
        raise ValidationError(
            f"session: the board is of company {session.board.company_id!r}, the unit of "
            f"work of {uow.company_id!r}",
            field="session",
            value=session.board.company_id,
            allowed=uow.company_id,
        )
    old, new = session.committed.bookings, session.board.bookings
    changed = [bid for bid in new if old.get(bid) != new[bid]]
    events = [e for change in session.pending for e in change.events]
    repo = uow[BOOKINGS]
    for bid in changed:  # every version is checked before anything is staged
        stored = repo.get(bid)
        if stored.version != new[bid].version:
            raise ConcurrencyError(
                entity="booking",
                id=bid,
                expected_version=new[bid].version,
                actual_version=stored.version,
            )
    saved = {}
    for bid in changed:  # board commands change bookings, they never create one
        repo.save(new[bid])
        saved[bid] = evolve(new[bid], version=new[bid].version + 1)
    uow.record(events)
    session._saved(evolve(session.board, bookings={**new, **saved}))
    return tuple(changed)
