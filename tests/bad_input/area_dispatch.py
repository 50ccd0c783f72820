"""Bad-input entries for dispatch (found by tests/bad_input/entries.py)."""

from __future__ import annotations

from typing import Any

import servicecore.dispatch as dispatch
from servicecore.dispatch import (
    BoardSession,
    Booking,
    DispatchTeam,
    Priority,
    SkillLevel,
    Worker,
)
from tests.bad_input.engine import Entry, Prepared, call, method, use_case
from tests.builders.dispatch import (
    AT,
    CLOCK,
    OFFICE,
    at,
    board,
    booking,
    store_with_order,
    worker,
)

MODULES: tuple[Any, ...] = (dispatch,)

_D = "servicecore.dispatch."

EXCLUDED: dict[str, str] = {
    _D + "BOOKINGS": "an AggregateType constant",
    _D + "DISPATCH_TEAMS": "an AggregateType constant",
    _D + "WORKERS": "an AggregateType constant",
    _D + "BOOKING_LIFECYCLE": "a Lifecycle constant (Lifecycle is swept)",
    _D + "ERROR_CODES": "a constant",
    _D + "WARNING_CODES": "a constant",
    _D + "WEIGHTS": "a constant",
    _D + "BookingStatus": "an enum",
    _D + "Priority": "an enum",
    _D + "Severity": "an enum",
    _D + "BookingChanged": "an event built only by the board commands and book_line",
    _D + "BoardChange": "a result built only by the board commands",
    _D + "BoardRow": "a row built only by DispatchBoard.view",
    _D + "BoardView": "a result built only by DispatchBoard.view",
    _D + "Violation": "a result built only by check_booking",
    _D + "Candidate": "a result built only by rank_candidates",
    _D + "Reason": "a result built only by rank_candidates",
}

PUMPS = (SkillLevel(skill="pumps", level=2),)


def _assigned() -> Any:
    return board(booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)), booking("B2"))


def _stored_session() -> tuple[Any, BoardSession]:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        dispatch.book_line(uow, "B1", "SO-1", "L1", clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        session = BoardSession(dispatch.load_board(uow))
    session.apply(
        dispatch.assign, booking_id="B1", worker_id="ANNA", start=at(0, 9), end=at(0, 10), at=AT
    )
    return store, session


def _commit() -> Prepared:
    store, session = _stored_session()
    return use_case(dispatch.commit_board, store=store, session=session, clock=CLOCK)


def _session_with_edit() -> BoardSession:
    return _stored_session()[1]


def entries() -> list[Entry]:
    b = _assigned()
    return [
        Entry(_D + "SkillLevel", lambda: call(SkillLevel, skill="pumps", level=2)),
        Entry(
            _D + "Worker",
            lambda: call(
                Worker,
                company_id="ACME",
                id="W",
                name="Anna",
                calendar=OFFICE,
                skills=PUMPS,
                team_id="T",
                territory="north",
            ),
        ),
        Entry(_D + "Worker.level", lambda: method(worker("W", skills=PUMPS), "level", skill="x")),
        Entry(
            _D + "Worker.missing_skills",
            lambda: method(worker("W"), "missing_skills", required=PUMPS),
        ),
        Entry(
            _D + "DispatchTeam",
            lambda: call(DispatchTeam, company_id="ACME", id="T", description="d", owner_id="E"),
        ),
        Entry(
            _D + "Booking",
            lambda: call(
                Booking,
                company_id="ACME",
                id="B",
                order_id="SO",
                line_id="L",
                duration_minutes=30,
                worker_id="W",
                start=at(0, 9),
                end=at(0, 10),
                status=dispatch.BookingStatus.DISPATCHED,
                priority=Priority.HIGH,
                required_skills=PUMPS,
                territory="north",
                preferred_worker_id="W",
                sla_due=at(1, 9),
                accepted_warnings=("missing-skill",),
            ),
        ),
        Entry(
            _D + "DispatchBoard",
            lambda: call(
                dispatch.DispatchBoard,
                company_id="ACME",
                workers=[worker("W")],
                teams=[],
                bookings=[booking("B1")],
            ),
        ),
        Entry(_D + "DispatchBoard.booking", lambda: method(b, "booking", booking_id="B1")),
        Entry(_D + "DispatchBoard.worker", lambda: method(b, "worker", worker_id="ANNA")),
        Entry(
            _D + "DispatchBoard.with_booking",
            lambda: method(b, "with_booking", booking=booking("B9")),
        ),
        Entry(
            _D + "DispatchBoard.view",
            lambda: method(
                b, "view", start=at(0, 0), end=at(5, 0), team_id="NORTH", include_closed=True
            ),
        ),
        Entry(
            _D + "check_booking",
            lambda: call(dispatch.check_booking, board=b, booking=b.booking("B1")),
        ),
        Entry(
            _D + "assign",
            lambda: call(
                dispatch.assign,
                board=_assigned(),
                booking_id="B2",
                worker_id="BO",
                start=at(0, 9),
                end=at(0, 10),
                at=AT,
                accept=("missing-skill",),
            ),
        ),
        Entry(
            _D + "reassign",
            lambda: call(
                dispatch.reassign,
                board=_assigned(),
                booking_id="B1",
                worker_id="BO",
                at=AT,
                start=at(1, 9),
                end=at(1, 10),
                accept=(),
            ),
        ),
        Entry(
            _D + "reschedule",
            lambda: call(
                dispatch.reschedule,
                board=_assigned(),
                booking_id="B1",
                start=at(1, 9),
                end=at(1, 10),
                at=AT,
                accept=(),
            ),
        ),
        Entry(
            _D + "set_priority",
            lambda: call(
                dispatch.set_priority,
                board=_assigned(),
                booking_id="B1",
                priority=Priority.LOW,
                at=AT,
                accept=(),
            ),
        ),
        Entry(
            _D + "dispatch",
            lambda: call(dispatch.dispatch, board=_assigned(), booking_id="B1", at=AT, accept=()),
        ),
        Entry(
            _D + "start_booking",
            lambda: call(
                dispatch.start_booking,
                board=dispatch.dispatch(_assigned(), "B1", at=AT).board,
                booking_id="B1",
                at=AT,
                accept=(),
            ),
        ),
        Entry(
            _D + "complete_booking",
            lambda: call(
                dispatch.complete_booking,
                board=dispatch.start_booking(
                    dispatch.dispatch(_assigned(), "B1", at=AT).board, "B1", at=AT
                ).board,
                booking_id="B1",
                at=AT,
                accept=(),
            ),
        ),
        Entry(
            _D + "cancel_booking",
            lambda: call(
                dispatch.cancel_booking, board=_assigned(), booking_id="B1", at=AT, accept=()
            ),
        ),
        Entry(_D + "BoardSession", lambda: call(BoardSession, board=_assigned(), guard=None)),
        Entry(
            _D + "BoardSession.apply",
            lambda: method(
                BoardSession(_assigned()),
                "apply",
                command=dispatch.dispatch,
                booking_id="B1",
                at=AT,
            ),
        ),
        Entry(_D + "BoardSession.undo", lambda: method(_session_with_edit(), "undo")),
        Entry(_D + "BoardSession.undo_all", lambda: method(_session_with_edit(), "undo_all")),
        Entry(
            _D + "load_board",
            lambda: use_case(dispatch.load_board, store=store_with_order(), include_closed=False),
        ),
        Entry(_D + "commit_board", _commit),
        Entry(
            _D + "book_line",
            lambda: use_case(
                dispatch.book_line,
                store=store_with_order(),
                booking_id="B1",
                order_id="SO-1",
                line_id="L1",
                clock=CLOCK,
                duration_minutes=90,
                required_skills=PUMPS,
                priority=Priority.HIGH,
                sla_due=at(2, 12),
                territory="north",
            ),
        ),
        Entry(
            _D + "free_time",
            lambda: call(
                dispatch.free_time,
                worker=worker("ANNA"),
                bookings=list(b.bookings.values()),
                start=at(0, 0),
                end=at(7, 0),
            ),
        ),
        Entry(
            _D + "rank_candidates",
            lambda: call(
                dispatch.rank_candidates,
                booking=b.booking("B2"),
                workers=list(b.workers.values()),
                bookings=list(b.bookings.values()),
                start=at(0, 0),
                end=at(7, 0),
            ),
        ),
    ]
