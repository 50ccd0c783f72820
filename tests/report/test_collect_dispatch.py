"""Technician utilisation and the dispatch-board timeline, from workers and bookings.
Expected hours are worked out by hand from the calendar (weekdays 08-12 and 13-17 UTC)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
import pytest

from servicecore.calendars import BusinessCalendar
from servicecore.dispatch import Booking, BookingStatus, Worker
from servicecore.errors import ValidationError
from servicecore.report import (
    TimelineBar,
    Utilisation,
    dispatch_timeline,
    technician_utilisation,
    timeline_week,
)

OFFICE = BusinessCalendar.weekdays("UTC", [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))])
MONDAY = pendulum.datetime(2024, 3, 4)


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    return MONDAY.add(days=day, hours=hour, minutes=minute)


def worker(wid: str) -> Worker:
    return Worker(company_id="ACME", id=wid, name=wid, calendar=OFFICE)


def booking(
    bid: str,
    wid: str | None,
    start: pendulum.DateTime | None,
    end: pendulum.DateTime | None,
    status: BookingStatus = BookingStatus.DONE,
) -> Booking:
    return Booking(
        company_id="ACME", id=bid, order_id="SO-1", line_id=bid, worker_id=wid,
        start=start, end=end, status=status,
    )  # fmt: skip


def test_utilisation_counts_working_time_of_worked_bookings_in_the_span() -> None:
    bookings = [
        booking("1", "ANNA", at(0, 9), at(0, 11)),  # 2 h
        booking("2", "ANNA", at(0, 11), at(0, 14)),  # 11-12 and 13-14: 2 h, lunch not counted
        booking("3", "ANNA", at(1, 8), at(1, 9), BookingStatus.IN_PROGRESS),  # 1 h
        booking("4", "ANNA", at(1, 9), at(1, 10), BookingStatus.DISPATCHED),  # 1 h
        booking("5", "ANNA", at(1, 10), at(1, 12), BookingStatus.CANCELLED),  # not counted
        booking("6", "BO", at(2, 8), at(2, 10), BookingStatus.UNDISPATCHED),  # not counted
        booking("7", "BO", at(4, 16), at(7, 9)),  # Fri 16-17 only: 1 h inside the span
        booking("8", "GHOST", at(0, 8), at(0, 9)),  # no such worker
    ]
    got = technician_utilisation(
        [worker("BO"), worker("ANNA")], bookings, MONDAY, MONDAY.add(days=7)
    )
    # a week of the calendar: 5 days x 8 h = 40 h available each
    assert got == (
        Utilisation("ANNA", Decimal("6.00"), Decimal("40.00")),
        Utilisation("BO", Decimal("1.00"), Decimal("40.00")),
    )
    assert got[0].percent == Decimal("15.0")
    assert got[1].percent == Decimal("2.5")


def test_utilisation_clips_bookings_to_the_span() -> None:
    got = technician_utilisation(
        [worker("ANNA")], [booking("1", "ANNA", at(0, 8), at(0, 12))], at(0, 10), at(0, 13)
    )
    # span 10-13 holds 2 working hours (10-12), the booking covers both
    assert got == (Utilisation("ANNA", Decimal("2.00"), Decimal("2.00")),)
    assert got[0].percent == Decimal("100.0")


def test_utilisation_ignores_worked_bookings_without_a_slot_or_outside_the_span() -> None:
    bookings = [
        booking("1", "ANNA", None, None),  # done, but no slot was ever recorded
        booking("2", "ANNA", at(-7, 9), at(-7, 11)),  # the Monday before the span
        booking("3", "ANNA", at(7, 9), at(7, 11)),  # the Monday after it (the end is excluded)
        booking("4", "ANNA", at(2, 9), at(2, 10)),  # Wednesday: 1 h, the only one that counts
    ]
    got = technician_utilisation([worker("ANNA")], bookings, MONDAY, MONDAY.add(days=7))
    assert got == (Utilisation("ANNA", Decimal("1.00"), Decimal("40.00")),)


def test_utilisation_refuses_a_span_ending_before_it_starts() -> None:
    with pytest.raises(ValidationError, match="end"):
        technician_utilisation([worker("ANNA")], [], at(1, 8), at(0, 8))


def test_timeline_week_is_the_last_whole_week() -> None:
    assert timeline_week(pendulum.date(2024, 3, 10)) == pendulum.date(2024, 3, 4)  # a Sunday
    assert timeline_week(pendulum.date(2024, 3, 9)) == pendulum.date(2024, 2, 26)  # Saturday
    assert timeline_week(pendulum.date(2024, 3, 11)) == pendulum.date(2024, 3, 4)  # Monday


def test_timeline_shows_the_weeks_worked_bookings_by_technician_and_start() -> None:
    bookings = [
        booking("1", "BO", at(1, 8), at(1, 9)),
        booking("2", "ANNA", at(2, 8), at(2, 9), BookingStatus.DISPATCHED),
        booking("3", "ANNA", at(0, 8), at(0, 9), BookingStatus.IN_PROGRESS),
        booking("4", "ANNA", at(7, 8), at(7, 9)),  # next week
        booking("5", "ANNA", at(-1, 8), at(-1, 9)),  # the Sunday before
        booking("6", "ANNA", at(3, 8), at(3, 9), BookingStatus.CANCELLED),
        booking("7", None, None, None, BookingStatus.UNDISPATCHED),
    ]
    assert dispatch_timeline(bookings, MONDAY.date()) == (
        TimelineBar("ANNA", at(0, 8), at(0, 9), "SO-1/3"),
        TimelineBar("ANNA", at(2, 8), at(2, 9), "SO-1/2"),
        TimelineBar("BO", at(1, 8), at(1, 9), "SO-1/1"),
    )
