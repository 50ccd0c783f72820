"""The board commands: pure functions ``command(board, booking_id, ..., *, at, accept=())
-> BoardChange`` that check the booking they would leave behind (see
:func:`~servicecore.dispatch.board.checks.check_booking`)."""

from __future__ import annotations

from collections.abc import Iterable

import pendulum
from attrs import evolve, frozen

from servicecore.clock import to_instant
from servicecore.dispatch.board.checks import WARNING_CODES, Severity, Violation, check_booking
from servicecore.dispatch.board.value import DispatchBoard
from servicecore.dispatch.model import (
    BOOKING_LIFECYCLE,
    Booking,
    BookingChanged,
    BookingStatus,
    Priority,
)
from servicecore.errors import BusinessRuleError, InvalidTransitionError, ValidationError
from servicecore.events import DomainEvent
from servicecore.ports import check_type

__all__ = [
    "BoardChange",
    "assign",
    "cancel_booking",
    "complete_booking",
    "dispatch",
    "reassign",
    "reschedule",
    "set_priority",
    "start_booking",
]


@frozen(kw_only=True)
class BoardChange:
    """What one board command did: the board after it, the booking before and after, the
    warnings the caller accepted, and the event to record when the change is saved."""

    board: DispatchBoard
    before: Booking
    after: Booking
    warnings: tuple[Violation, ...]
    events: tuple[DomainEvent, ...]


def _accept(value: object) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ValidationError(
            f"accept must be a collection of warning codes, not {value!r}",
            field="accept",
            value=value,
            allowed=", ".join(WARNING_CODES),
        )
    items = list(value)
    if not all(isinstance(c, str) for c in items):
        raise ValidationError(
            f"accept must hold warning codes (str), not {items!r}",
            field="accept",
            value=items,
            allowed=", ".join(WARNING_CODES),
        )
    codes = frozenset(items)
    unknown = sorted(str(c) for c in codes if c not in WARNING_CODES)
    if unknown:
        raise ValidationError(
            f"accept: {', '.join(unknown)} are not warning codes (errors cannot be accepted)",
            field="accept",
            value=unknown,
            allowed=", ".join(WARNING_CODES),
        )
    return codes


def _finish(
    board: DispatchBoard, before: Booking, after: Booking, action: str, at: object, accept: object
) -> BoardChange:
    when = to_instant(at, "at")
    accepted = _accept(accept)
    slot_changed = (before.worker_id, before.start, before.end) != (
        after.worker_id,
        after.start,
        after.end,
    )
    kept = frozenset(() if slot_changed else before.accepted_warnings)
    violations = check_booking(board, after)
    for v in violations:
        if v.severity is Severity.ERROR:
            raise BusinessRuleError(
                f"cannot {action} booking {before.id!r}: {v.message}",
                rule=v.code,
                entity="booking",
                id=before.id,
            )
    warnings = tuple(v for v in violations if v.severity is Severity.WARNING)
    refused = [v for v in warnings if v.code not in accepted | kept]
    if refused:
        raise BusinessRuleError(
            f"cannot {action} booking {before.id!r}: "
            + "; ".join(f"{v.message} [{v.code}]" for v in refused)
            + f" (accept it with accept={{{', '.join(repr(v.code) for v in refused)}}})",
            rule=refused[0].code,
            entity="booking",
            id=before.id,
        )
    after = evolve(after, accepted_warnings=tuple(sorted({v.code for v in warnings})))
    event = BookingChanged(
        aggregate_id=after.id,
        company_id=after.company_id,
        occurred_at=when,
        action=action,
        worker_id=after.worker_id,
        start=after.start,
        end=after.end,
        status=after.status,
        priority=after.priority,
    )
    return BoardChange(
        board=board.with_booking(after),
        before=before,
        after=after,
        warnings=warnings,
        events=(event,),
    )


def _schedulable(booking: Booking, action: str) -> None:
    if booking.status not in (BookingStatus.UNDISPATCHED, BookingStatus.DISPATCHED):
        raise InvalidTransitionError(
            entity="booking",
            id=booking.id,
            state=booking.status.value,
            action=action,
            allowed=BOOKING_LIFECYCLE.actions(booking.status),
        )


def _slot(start: object, end: object) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    a, b = to_instant(start, "start"), to_instant(end, "end")
    if b <= a:
        raise ValidationError(
            f"end: the slot ends at {b}, not after its start {a}",
            field="end",
            value=b,
            allowed="an end after the start",
        )
    return a, b


def assign(
    board: DispatchBoard,
    booking_id: str,
    worker_id: str,
    start: object,
    end: object,
    *,
    at: object,
    accept: Iterable[str] = (),
) -> BoardChange:
    """Give a booking without a worker to ``worker_id`` for the slot ``[start, end)``."""
    check_type(board, DispatchBoard, "board")
    booking = board.booking(booking_id)
    board.worker(worker_id)
    a, b = _slot(start, end)
    _schedulable(booking, "assign")
    if booking.worker_id is not None:
        raise BusinessRuleError(
            f"booking {booking.id!r} is already assigned to {booking.worker_id!r}; "
            "use reassign to give it to someone else",
            rule="already-assigned",
            entity="booking",
            id=booking.id,
        )
    after = evolve(booking, worker_id=worker_id, start=a, end=b)
    return _finish(board, booking, after, "assign", at, accept)


def reassign(
    board: DispatchBoard,
    booking_id: str,
    worker_id: str,
    *,
    at: object,
    start: object = None,
    end: object = None,
    accept: Iterable[str] = (),
) -> BoardChange:
    """Give an assigned booking to another worker, in the same slot unless one is given."""
    check_type(board, DispatchBoard, "board")
    booking = board.booking(booking_id)
    board.worker(worker_id)
    _schedulable(booking, "reassign")
    if booking.worker_id is None or booking.start is None or booking.end is None:
        raise BusinessRuleError(
            f"booking {booking.id!r} has no worker yet; use assign",
            rule="not-assigned",
            entity="booking",
            id=booking.id,
        )
    if worker_id == booking.worker_id:
        raise ValidationError(
            f"worker_id: booking {booking.id!r} is already {worker_id!r}'s",
            field="worker_id",
            value=worker_id,
            allowed="another worker",
        )
    a, b = (booking.start, booking.end) if start is None and end is None else _slot(start, end)
    after = evolve(booking, worker_id=worker_id, start=a, end=b)
    return _finish(board, booking, after, "reassign", at, accept)


def reschedule(
    board: DispatchBoard,
    booking_id: str,
    start: object,
    end: object,
    *,
    at: object,
    accept: Iterable[str] = (),
) -> BoardChange:
    """Move an assigned booking to the slot ``[start, end)`` (same worker)."""
    check_type(board, DispatchBoard, "board")
    booking = board.booking(booking_id)
    a, b = _slot(start, end)
    _schedulable(booking, "reschedule")
    if booking.worker_id is None:
        raise BusinessRuleError(
            f"booking {booking.id!r} has no worker yet; use assign",
            rule="not-assigned",
            entity="booking",
            id=booking.id,
        )
    after = evolve(booking, start=a, end=b)
    return _finish(board, booking, after, "reschedule", at, accept)


def set_priority(
    board: DispatchBoard,
    booking_id: str,
    priority: Priority,
    *,
    at: object,
    accept: Iterable[str] = (),
) -> BoardChange:
    """Change the priority of an open booking (its slot is checked again)."""
    check_type(board, DispatchBoard, "board")
    booking = board.booking(booking_id)
    check_type(priority, Priority, "priority")
    if not booking.is_open:
        _schedulable(booking, "set the priority of")
    after = evolve(booking, priority=priority)
    return _finish(board, booking, after, "set_priority", at, accept)


def _transition(
    board: DispatchBoard, booking_id: str, action: str, at: object, accept: object
) -> BoardChange:
    check_type(board, DispatchBoard, "board")
    booking = board.booking(booking_id)
    status = BOOKING_LIFECYCLE.apply(booking.status, action, id=booking.id)
    if action in ("dispatch", "start") and (booking.worker_id is None or booking.start is None):
        raise BusinessRuleError(
            f"cannot {action} booking {booking.id!r}: it has no worker and slot yet",
            rule="not-assigned",
            entity="booking",
            id=booking.id,
        )
    return _finish(board, booking, evolve(booking, status=status), action, at, accept)


def dispatch(
    board: DispatchBoard, booking_id: str, *, at: object, accept: Iterable[str] = ()
) -> BoardChange:
    """Undispatched -> dispatched: the worker is told; needs a worker and a slot."""
    return _transition(board, booking_id, "dispatch", at, accept)


def start_booking(
    board: DispatchBoard, booking_id: str, *, at: object, accept: Iterable[str] = ()
) -> BoardChange:
    """Dispatched -> in progress (the technician started the work)."""
    return _transition(board, booking_id, "start", at, accept)


def complete_booking(
    board: DispatchBoard, booking_id: str, *, at: object, accept: Iterable[str] = ()
) -> BoardChange:
    """In progress -> done."""
    return _transition(board, booking_id, "complete", at, accept)


def cancel_booking(
    board: DispatchBoard, booking_id: str, *, at: object, accept: Iterable[str] = ()
) -> BoardChange:
    """Any status before done -> cancelled (frees the worker's time)."""
    return _transition(board, booking_id, "cancel", at, accept)
