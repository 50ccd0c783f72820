"""Use cases that create bookings from service order lines."""

from __future__ import annotations

from collections.abc import Iterable

from servicecore.clock import read_clock, to_instant
from servicecore.dispatch.model import (
    BOOKINGS,
    Booking,
    BookingChanged,
    Priority,
    SkillLevel,
)
from servicecore.errors import BusinessRuleError, ValidationError
from servicecore.orders import SERVICE_ORDERS, LineStatus
from servicecore.ports import UnitOfWork, check_id, check_int

__all__ = ["book_line"]


def _priority(order_priority: str | None, given: Priority | None) -> Priority:
    if given is not None:
        if not isinstance(given, Priority):
            raise ValidationError(
                f"priority must be a Priority, not {given!r}",
                field="priority",
                value=given,
                allowed=", ".join(p.value for p in Priority),
            )
        return given
    for p in Priority:
        if order_priority is not None and order_priority.lower() == p.value:
            return p
    return Priority.NORMAL


def book_line(
    uow: UnitOfWork,
    booking_id: str,
    order_id: str,
    line_id: str,
    *,
    clock: object,
    duration_minutes: int = 60,
    required_skills: Iterable[SkillLevel] = (),
    priority: Priority | None = None,
    sla_due: object = None,
    territory: str | None = None,
) -> Booking:
    """Put a created line of a stored order on the board as an undispatched booking.

    The order's preferred technician becomes the booking's; its priority (``high``,
    ``normal`` or ``low``, case-insensitive; anything else is normal) is used unless
    ``priority`` is given. A line that is cancelled, posted or already has an open booking
    is refused.
    """
    now = read_clock(clock)
    check_id(booking_id, "booking_id")
    check_int(duration_minutes, "duration_minutes", minimum=1, maximum=99_999)
    raw: object = required_skills
    skills = tuple(required_skills) if isinstance(raw, (list, tuple)) else None
    if skills is None or not all(isinstance(s, SkillLevel) for s in skills):
        raise ValidationError(
            f"required_skills must be SkillLevel values, not {required_skills!r}",
            field="required_skills",
            value=required_skills,
            allowed="a list or tuple of SkillLevel",
        )
    due = None if sla_due is None else to_instant(sla_due, "sla_due")
    if territory is not None:
        check_id(territory, "territory")
    order = uow[SERVICE_ORDERS].get(check_id(order_id, "order_id"))
    line = order.line(line_id)
    if line.status is not LineStatus.CREATED:
        raise BusinessRuleError(
            f"line {line.id!r} of order {order.id!r} is {line.status.value}; "
            "only created lines are booked",
            rule="book-created-lines",
            entity="service order line",
            id=line.id,
        )
    repo = uow[BOOKINGS]
    if any(b.is_open for b in repo.list_for_line(order.id, line.id)):
        raise BusinessRuleError(
            f"line {line.id!r} of order {order.id!r} already has an open booking",
            rule="one-open-booking-per-line",
            entity="service order line",
            id=line.id,
        )
    booking = Booking(
        company_id=uow.company_id,
        id=booking_id,
        order_id=order.id,
        line_id=line.id,
        duration_minutes=duration_minutes,
        priority=_priority(order.priority, priority),
        required_skills=skills,
        territory=territory,
        preferred_worker_id=order.preferred_technician_id,
        sla_due=due,
    )
    repo.add(booking)
    uow.record(
        [
            BookingChanged(
                aggregate_id=booking.id,
                company_id=booking.company_id,
                occurred_at=now,
                action="book",
                worker_id=None,
                start=None,
                end=None,
                status=booking.status,
                priority=booking.priority,
            )
        ]
    )
    return booking
