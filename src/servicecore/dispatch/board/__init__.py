"""The dispatch board: a value holding workers, teams and bookings, its checked commands,
the query result a host renders, and an edit session with undo.

Every board command is pure: ``command(board, booking_id, ..., *, at, accept=()) ->
BoardChange``. It checks the booking it would leave behind (see :func:`check_booking`):

* **errors** always refuse the command (``BusinessRuleError`` whose ``rule`` is the code):
  ``double-booking`` (the worker has another open booking overlapping the slot);
* **warnings** refuse it too unless the caller accepts their code in ``accept``:
  ``outside-working-time`` (part of the slot is outside the worker's calendar),
  ``missing-skill`` (a required skill is missing or below the required level),
  ``after-sla-due`` (the slot ends after the booking's SLA due instant). Accepted codes are
  kept on the booking (``accepted_warnings``) until its worker or slot changes, so a later
  ``set_priority`` or ``dispatch`` does not ask again.

A package whose modules are ``value`` (:class:`DispatchBoard` and the :class:`BoardView`
it shows), ``checks`` (the violations of a booking), ``commands`` (the board commands)
and ``session`` (:class:`BoardSession`, loading and saving a board). Every public name is
re-exported here, so ``from servicecore.dispatch.board import assign`` keeps working.
"""

from servicecore.dispatch.board.checks import (
    ERROR_CODES,
    WARNING_CODES,
    Severity,
    Violation,
    check_booking,
)
from servicecore.dispatch.board.commands import (
    BoardChange,
    assign,
    cancel_booking,
    complete_booking,
    dispatch,
    reassign,
    reschedule,
    set_priority,
    start_booking,
)
from servicecore.dispatch.board.session import BoardSession, commit_board, load_board
from servicecore.dispatch.board.session import Guard as Guard  # a type alias, not in __all__
from servicecore.dispatch.board.value import BoardRow, BoardView, DispatchBoard

__all__ = [
    "ERROR_CODES",
    "WARNING_CODES",
    "BoardChange",
    "BoardRow",
    "BoardSession",
    "BoardView",
    "DispatchBoard",
    "Severity",
    "Violation",
    "assign",
    "cancel_booking",
    "check_booking",
    "commit_board",
    "complete_booking",
    "dispatch",
    "load_board",
    "reassign",
    "reschedule",
    "set_priority",
    "start_booking",
]
