"""Shared builders of the dispatch and roles tests: a small board of two teams, three
workers on office hours (Mon-Fri 08:00-16:00 UTC) and bookings of order lines.

Test modules import these instead of importing each other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum

from servicecore.agreements.plan import TransactionType
from servicecore.calendars import BusinessCalendar
from servicecore.clock import FixedClock
from servicecore.dispatch import (
    DISPATCH_TEAMS,
    WORKERS,
    Booking,
    DispatchBoard,
    DispatchTeam,
    Priority,
    SkillLevel,
    Worker,
)
from servicecore.money import Money
from servicecore.orders import (
    SERVICE_ORDERS,
    OrderLine,
    Stage,
    StageTree,
    add_line,
    new_service_order,
)
from servicecore.storage.memory import InMemoryStore

MONDAY = pendulum.datetime(2024, 3, 4, tz="UTC")
"""Monday 4 March 2024, 00:00 UTC."""

AT = pendulum.datetime(2024, 3, 1, 9, tz="UTC")
CLOCK = FixedClock(AT)

OFFICE = BusinessCalendar.weekdays("UTC", [(dt.time(8), dt.time(16))])

TREE = StageTree.define([Stage(id="new"), Stage(id="done", parent="new", can_post=True)])


def at(day: int, hour: int, minute: int = 0) -> pendulum.DateTime:
    """``day`` days after Monday 4 March 2024 at ``hour:minute`` UTC."""
    return MONDAY.add(days=day, hours=hour, minutes=minute)


def worker(
    id: str,
    *,
    team: str | None = "NORTH",
    skills: tuple[SkillLevel, ...] = (),
    territory: str | None = "north",
    calendar: BusinessCalendar = OFFICE,
) -> Worker:
    return Worker(
        company_id="ACME",
        id=id,
        name=f"Worker {id}",
        calendar=calendar,
        skills=skills,
        team_id=team,
        territory=territory,
    )


def booking(id: str, line: str | None = None, **kw: object) -> Booking:
    return Booking(company_id="ACME", id=id, order_id="SO-1", line_id=line or id, **kw)  # type: ignore[arg-type]


def workers() -> list[Worker]:
    return [
        worker("ANNA", skills=(SkillLevel(skill="pumps", level=3),)),
        worker("BO", skills=(SkillLevel(skill="pumps", level=1),)),
        worker("CARL", team="SOUTH", territory="south"),
    ]


def teams() -> list[DispatchTeam]:
    return [
        DispatchTeam(company_id="ACME", id="NORTH", description="North", owner_id="DISP"),
        DispatchTeam(company_id="ACME", id="SOUTH", description="South", owner_id="DISP"),
    ]


def board(*bookings: Booking) -> DispatchBoard:
    return DispatchBoard(company_id="ACME", workers=workers(), teams=teams(), bookings=bookings)


def hour_line(id: str, worker_id: str | None = None) -> OrderLine:
    return OrderLine(
        id=id,
        transaction_type=TransactionType.HOUR,
        quantity=Decimal(2),
        cost_price=Money.of("40", "EUR"),
        sales_price=Money.of("90", "EUR"),
        worker_id=worker_id,
    )


def store_with_order(lines: tuple[str, ...] = ("L1", "L2")) -> InMemoryStore:
    """A store holding the workers, teams and order SO-1 (priority high, preferred
    technician ANNA) with created hour lines ``lines``."""
    store = InMemoryStore()
    with store.unit_of_work("ACME") as uow:
        order = new_service_order(
            company_id="ACME",
            id="SO-1",
            customer_id="C-1",
            currency="EUR",
            tree=TREE,
            at=AT,
            priority="High",
            preferred_technician_id="ANNA",
        )
        for line_id in lines:
            order, _ = add_line(order, hour_line(line_id), tree=TREE, at=AT)
        uow[SERVICE_ORDERS].add(order)
        for w in workers():
            uow[WORKERS].add(w)
        for t in teams():
            uow[DISPATCH_TEAMS].add(t)
        uow.commit()
    return store


_ = Priority
