"""Dispatch area of the simulation: the technicians as workers with the office calendar and
their skills, and a dispatcher who every working evening books the next working day's
agreement lines.

Each line goes on the board with :func:`servicecore.dispatch.book_line`; the dispatcher
ranks the workers with :func:`servicecore.dispatch.rank_candidates` and assigns the best
eligible one at the earliest slot in their working time after their other bookings, then
dispatches it. The technician starts and completes the booking at its slot (the slot is
the hours worked, which the report's utilisation counts); the order moves to in progress
and to done.
"""

from __future__ import annotations

import datetime as dt

import pendulum
from attrs import evolve

from servicecore.demo.orders import STAGES, TECHNICIANS
from servicecore.demo.sla import OFFICE
from servicecore.demo.world import World
from servicecore.dispatch import (
    DISPATCH_TEAMS,
    WORKERS,
    BoardSession,
    DispatchBoard,
    DispatchTeam,
    SkillLevel,
    Worker,
    assign,
    book_line,
    commit_board,
    complete_booking,
    dispatch,
    load_board,
    rank_candidates,
    start_booking,
)
from servicecore.orders import SERVICE_ORDERS, change_order_stage
from servicecore.ports import UnitOfWork

__all__ = ["SKILLS", "TEAM", "DispatchStep"]

TEAM = "FIELD"
"""The one dispatch team; its owner is the dispatcher."""

SKILLS = {"TECH-ANNA": 8, "TECH-BORIS": 5, "TECH-CARLA": 7, "TECH-DAVID": 3}
"""Each technician's level of the ``pumps`` skill the agreement lines require."""

_REQUIRED = (SkillLevel(skill="pumps", level=3),)


def _slot(after: pendulum.DateTime, minutes: int) -> pendulum.DateTime:
    """The earliest start at or after ``after`` of ``minutes`` in one working span."""
    start = OFFICE.next_open(after)
    while OFFICE.add_business_time(start, dt.timedelta(minutes=minutes)) != start.add(
        minutes=minutes
    ):
        start = OFFICE.next_open(start.add(minutes=15))
    return start


class DispatchStep:
    """Working days at 20:30: the day's bookings started and completed, then the lines due
    by the next working day booked and dispatched."""

    name = "dispatch"

    def __init__(self) -> None:
        self.board: DispatchBoard
        """The dispatcher's board: workers and open bookings, kept between days."""

    def setup(self, world: World) -> None:
        with world.uow() as uow:
            uow[DISPATCH_TEAMS].add(
                DispatchTeam(company_id=world.company_id, id=TEAM, owner_id="DISPATCHER")
            )
            for tech in TECHNICIANS:
                uow[WORKERS].add(
                    Worker(
                        company_id=world.company_id,
                        id=tech,
                        name=tech.removeprefix("TECH-").title(),
                        calendar=OFFICE,
                        skills=(SkillLevel(skill="pumps", level=SKILLS[tech]),),
                        team_id=TEAM,
                    )
                )
            uow.commit()
        with world.uow() as uow:
            self.board = load_board(uow)

    def run_day(self, world: World, day: pendulum.Date) -> None:
        if day.isoweekday() > 5:
            return
        world.move_to(day, 20, 30)
        with world.uow() as uow:
            self._work(uow, world, day)
            self._plan(uow, world, day)
            uow.commit()

    def _commit(self, uow: UnitOfWork, world: World, session: BoardSession) -> None:
        """Save the session's changes; keep the open bookings as the dispatcher's board."""
        commit_board(uow, session, clock=world.clock)
        board = session.committed
        self.board = evolve(board, bookings=[b for b in board.bookings.values() if b.is_open])

    def _work(self, uow: UnitOfWork, world: World, day: pendulum.Date) -> None:
        """The technicians' day: each booking of ``day`` started and completed at its slot,
        and the order moved to in progress and done."""
        end = world.at(day, 0).add(days=1)
        due = sorted(
            (b for b in self.board.bookings.values() if b.start is not None and b.start < end),
            key=lambda b: (b.start, b.id),
        )
        if not due:
            return
        session = BoardSession(self.board)
        for booking in due:
            session.apply(start_booking, booking_id=booking.id, at=booking.start)
            session.apply(complete_booking, booking_id=booking.id, at=booking.end)
        self._commit(uow, world, session)
        for order_id in dict.fromkeys(b.order_id for b in due):
            if uow[SERVICE_ORDERS].get(order_id).stage == "new":
                for stage in ("in_progress", "done"):
                    change_order_stage(uow, order_id, stage, tree=STAGES, clock=world.clock)

    def _plan(self, uow: UnitOfWork, world: World, day: pendulum.Date) -> None:
        """Book the lines due by the next working day and give each to the best ranked
        technician at their earliest free slot."""
        until = day.add(days=3 if day.isoweekday() == 5 else 1)
        due = [x for x in world.agreement_lines if x[2] <= until]
        if not due:
            return
        world.agreement_lines = [x for x in world.agreement_lines if x[2] > until]
        first = world.at(day, 0).add(days=1)
        horizon = (first, first.add(days=7))
        board = self.board
        for order_id, line_id, _date in due:
            line = uow[SERVICE_ORDERS].get(order_id).line(line_id)
            booking = book_line(
                uow, world.next_id("BK"), order_id, line_id, clock=world.clock,
                duration_minutes=int(line.quantity * 60), required_skills=_REQUIRED,
            )  # fmt: skip
            board = board.with_booking(booking)
        session = BoardSession(board)
        for booking in sorted(
            (b for b in board.bookings.values() if b.worker_id is None), key=lambda b: b.id
        ):
            board = session.board
            ranked = rank_candidates(
                booking, board.workers.values(), board.bookings.values(),
                start=horizon[0], end=horizon[1],
            )  # fmt: skip
            best = next((c for c in ranked if c.eligible), None)
            if best is None:
                continue
            busy = [
                b.end
                for b in board.bookings.values()
                if b.worker_id == best.worker_id and b.end is not None
            ]
            start = _slot(max([horizon[0], *busy]), booking.duration_minutes)
            session.apply(
                assign, booking_id=booking.id, worker_id=best.worker_id, start=start,
                end=start.add(minutes=booking.duration_minutes), at=world.clock.now(),
                accept={"after-sla-due"},
            )  # fmt: skip
            session.apply(dispatch, booking_id=booking.id, at=world.clock.now())
        self._commit(uow, world, session)

    def finish(self, world: World) -> None:
        """Bookings after the last day stay dispatched on the board."""
