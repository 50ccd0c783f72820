"""The checks of a booking on the board: errors refuse a command, warnings refuse it
unless the caller accepts them."""

from __future__ import annotations

import enum

from attrs import frozen

from servicecore.dispatch.board.value import DispatchBoard
from servicecore.dispatch.model import Booking
from servicecore.ports import check_type

__all__ = ["ERROR_CODES", "WARNING_CODES", "Severity", "Violation", "check_booking"]


ERROR_CODES = ("double-booking",)
"""Violations that always refuse a board command."""

WARNING_CODES = ("outside-working-time", "missing-skill", "after-sla-due")
"""Violations that refuse a board command unless the caller accepts them."""


class Severity(enum.Enum):
    """Whether a violation refuses the command (error) or may be accepted (warning)."""

    ERROR = "error"
    WARNING = "warning"


@frozen(kw_only=True)
class Violation:
    """One broken check of a booking: its ``code``, severity and a message."""

    code: str
    severity: Severity
    booking_id: str
    message: str


def check_booking(board: DispatchBoard, booking: Booking) -> tuple[Violation, ...]:
    """Every violation ``booking`` would have on ``board`` (errors first), raising nothing.

    Nothing is checked for a booking without a worker or a slot, or that is done or
    cancelled.
    """
    check_type(board, DispatchBoard, "board")
    check_type(booking, Booking, "booking")
    if booking.worker_id is None or booking.start is None or booking.end is None:
        return ()
    if not booking.is_open:
        return ()
    worker = board.worker(booking.worker_id)
    start, end = booking.start, booking.end
    out: list[Violation] = []
    for other in board.bookings.values():
        if (
            other.id != booking.id
            and other.worker_id == worker.id
            and other.is_open
            and other.start is not None
            and other.end is not None
            and other.start < end
            and start < other.end
        ):
            out.append(
                Violation(
                    code="double-booking",
                    severity=Severity.ERROR,
                    booking_id=booking.id,
                    message=f"worker {worker.id!r} is already booked by {other.id!r} "
                    f"from {other.start} to {other.end}",
                )
            )
    if worker.calendar.business_time_between(start, end) != end - start:
        out.append(
            Violation(
                code="outside-working-time",
                severity=Severity.WARNING,
                booking_id=booking.id,
                message=f"the slot {start} - {end} is partly outside worker "
                f"{worker.id!r}'s working time",
            )
        )
    missing = worker.missing_skills(booking.required_skills)
    if missing:
        out.append(
            Violation(
                code="missing-skill",
                severity=Severity.WARNING,
                booking_id=booking.id,
                message=f"worker {worker.id!r} lacks the required level in {', '.join(missing)}",
            )
        )
    if booking.sla_due is not None and end > booking.sla_due:
        out.append(
            Violation(
                code="after-sla-due",
                severity=Severity.WARNING,
                booking_id=booking.id,
                message=f"the slot ends at {end}, after the SLA due instant {booking.sla_due}",
            )
        )
    return tuple(out)
