"""Dispatch board: checks (errors vs warnings), lifecycle, view, edit session, use cases."""

from __future__ import annotations

import pickle
from typing import Any

import pendulum
import pytest

import servicecore.dispatch as dispatch_package
import servicecore.dispatch.board as board_package
from servicecore.dispatch import (
    BOOKINGS,
    BoardSession,
    Booking,
    BookingStatus,
    Priority,
    Severity,
    SkillLevel,
    assign,
    book_line,
    cancel_booking,
    check_booking,
    commit_board,
    complete_booking,
    dispatch,
    load_board,
    reassign,
    reschedule,
    set_priority,
    start_booking,
)
from servicecore.errors import (
    BusinessRuleError,
    ConcurrencyError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from servicecore.orders import add_line
from tests.builders.dispatch import AT, CLOCK, at, board, booking, store_with_order

PUMPS2 = (SkillLevel(skill="pumps", level=2),)


def test_assign_sets_worker_and_slot_and_records_an_event() -> None:
    change = assign(board(booking("B1")), "B1", "ANNA", at(0, 9), at(0, 11), at=AT)
    after = change.board.booking("B1")
    assert (after.worker_id, after.start, after.end) == ("ANNA", at(0, 9), at(0, 11))
    assert after.status is BookingStatus.UNDISPATCHED
    assert change.warnings == ()
    assert [e.action for e in change.events] == ["assign"]  # type: ignore[attr-defined]


def test_a_double_booking_is_refused_even_when_accepted() -> None:
    b = board(booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)), booking("B2"))
    with pytest.raises(BusinessRuleError) as err:
        assign(b, "B2", "ANNA", at(0, 10), at(0, 12), at=AT, accept=["outside-working-time"])
    assert err.value.rule == "double-booking"
    with pytest.raises(ValidationError):
        assign(b, "B2", "ANNA", at(0, 10), at(0, 12), at=AT, accept=["double-booking"])


def test_touching_slots_are_no_double_booking() -> None:
    b = board(booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)), booking("B2"))
    change = assign(b, "B2", "ANNA", at(0, 11), at(0, 12), at=AT)
    assert change.board.booking("B2").start == at(0, 11)


def test_a_cancelled_or_done_booking_frees_the_time() -> None:
    b = board(
        booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)),
        booking("B2"),
    )
    freed = cancel_booking(b, "B1", at=AT).board
    assert assign(freed, "B2", "ANNA", at(0, 9), at(0, 11), at=AT).warnings == ()


def test_outside_working_time_is_a_warning_the_caller_can_accept() -> None:
    b = board(booking("B1"))
    with pytest.raises(BusinessRuleError) as err:
        assign(b, "B1", "ANNA", at(0, 15), at(0, 17), at=AT)  # office closes at 16:00
    assert err.value.rule == "outside-working-time"
    change = assign(b, "B1", "ANNA", at(0, 15), at(0, 17), at=AT, accept={"outside-working-time"})
    assert [w.code for w in change.warnings] == ["outside-working-time"]
    assert change.board.booking("B1").accepted_warnings == ("outside-working-time",)


def test_a_saturday_slot_is_outside_working_time() -> None:
    with pytest.raises(BusinessRuleError) as err:
        assign(board(booking("B1")), "B1", "ANNA", at(5, 9), at(5, 10), at=AT)
    assert err.value.rule == "outside-working-time"


def test_a_missing_or_too_low_skill_is_a_warning() -> None:
    b = board(booking("B1", required_skills=PUMPS2))
    assert assign(b, "B1", "ANNA", at(0, 9), at(0, 10), at=AT).warnings == ()  # level 3
    for who in ("BO", "CARL"):  # level 1, none
        with pytest.raises(BusinessRuleError) as err:
            assign(b, "B1", who, at(0, 9), at(0, 10), at=AT)
        assert err.value.rule == "missing-skill"
    ok = assign(b, "B1", "BO", at(0, 9), at(0, 10), at=AT, accept=["missing-skill"])
    assert [w.code for w in ok.warnings] == ["missing-skill"]


def test_ending_after_the_sla_due_instant_is_a_warning() -> None:
    b = board(booking("B1", sla_due=at(0, 10)))
    assert assign(b, "B1", "ANNA", at(0, 9), at(0, 10), at=AT).warnings == ()
    with pytest.raises(BusinessRuleError) as err:
        assign(b, "B1", "ANNA", at(0, 9), at(0, 11), at=AT)
    assert err.value.rule == "after-sla-due"


def test_accepted_warnings_are_kept_until_the_slot_changes() -> None:
    b = board(booking("B1"))
    b = assign(b, "B1", "ANNA", at(0, 15), at(0, 17), at=AT, accept={"outside-working-time"}).board
    b = set_priority(b, "B1", Priority.HIGH, at=AT).board  # not asked again
    b = dispatch(b, "B1", at=AT).board
    assert b.booking("B1").status is BookingStatus.DISPATCHED
    with pytest.raises(BusinessRuleError):  # a new slot is checked afresh
        reschedule(b, "B1", at(0, 15, 30), at(0, 17), at=AT)
    moved = reschedule(b, "B1", at(0, 9), at(0, 11), at=AT).board.booking("B1")
    assert moved.accepted_warnings == ()


def test_check_booking_lists_every_violation_without_raising() -> None:
    b = board(
        booking("B1", worker_id="BO", start=at(0, 15), end=at(0, 17)),
        booking(
            "B2",
            worker_id="BO",
            start=at(0, 16),
            end=at(0, 18),
            required_skills=PUMPS2,
            sla_due=at(0, 17),
        ),
    )
    codes = [v.code for v in check_booking(b, b.booking("B2"))]
    assert codes == ["double-booking", "outside-working-time", "missing-skill", "after-sla-due"]


def test_reassign_keeps_the_slot_and_checks_the_new_worker() -> None:
    b = board(
        booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)),
        booking("B2", worker_id="BO", start=at(0, 10), end=at(0, 12)),
    )
    with pytest.raises(BusinessRuleError) as err:
        reassign(b, "B1", "BO", at=AT)
    assert err.value.rule == "double-booking"
    moved = reassign(b, "B1", "CARL", at=AT).board.booking("B1")
    assert (moved.worker_id, moved.start, moved.end) == ("CARL", at(0, 9), at(0, 11))
    with pytest.raises(ValidationError):
        reassign(b, "B1", "ANNA", at=AT)


def test_assign_refuses_an_assigned_booking_and_reassign_an_unassigned_one() -> None:
    b = board(booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)), booking("B2"))
    with pytest.raises(BusinessRuleError):
        assign(b, "B1", "BO", at(0, 9), at(0, 10), at=AT)
    with pytest.raises(BusinessRuleError):
        reassign(b, "B2", "BO", at=AT)
    with pytest.raises(NotFoundError):
        assign(b, "B2", "NOBODY", at(0, 9), at(0, 10), at=AT)


def test_the_lifecycle_runs_undispatched_dispatched_in_progress_done() -> None:
    b = board(booking("B1"))
    with pytest.raises(BusinessRuleError):
        dispatch(b, "B1", at=AT)  # no worker yet
    b = assign(b, "B1", "ANNA", at(0, 9), at(0, 11), at=AT).board
    with pytest.raises(InvalidTransitionError):
        start_booking(b, "B1", at=AT)
    b = dispatch(b, "B1", at=AT).board
    b = start_booking(b, "B1", at=AT).board
    with pytest.raises(InvalidTransitionError):
        reschedule(b, "B1", at(0, 12), at(0, 13), at=AT)
    b = complete_booking(b, "B1", at=AT).board
    assert b.booking("B1").status is BookingStatus.DONE
    with pytest.raises(InvalidTransitionError):
        cancel_booking(b, "B1", at=AT)


def test_the_view_groups_team_then_worker_and_lists_the_undispatched_most_urgent_first() -> None:
    b = board(
        booking("B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11)),
        booking("B2", worker_id="CARL", start=at(1, 9), end=at(1, 10)),
        booking("B3", worker_id="ANNA", start=at(9, 9), end=at(9, 10)),  # out of range
        booking("U1", priority=Priority.LOW),
        booking("U2", priority=Priority.HIGH),
        booking("U3", sla_due=at(2, 12)),
    )
    view = b.view(at(0, 0), at(5, 0))
    assert [(r.team_id, r.worker_id, [x.id for x in r.bookings]) for r in view.rows] == [
        ("NORTH", "ANNA", ["B1"]),
        ("NORTH", "BO", []),
        ("SOUTH", "CARL", ["B2"]),
    ]
    assert [x.id for x in view.undispatched] == [
        "U3",
        "U2",
        "B1",
        "B2",
        "U1",
    ]  # due, then priority, then id
    assert view.undispatched[0].sla_due == at(2, 12)
    south = b.view(at(0, 0), at(5, 0), team_id="SOUTH")
    assert [r.worker_id for r in south.rows] == ["CARL"]


def test_the_session_undoes_one_edit_at_a_time() -> None:
    session = BoardSession(board(booking("B1"), booking("B2")))
    start = session.board
    session.apply(assign, booking_id="B1", worker_id="ANNA", start=at(0, 9), end=at(0, 10), at=AT)
    middle = session.board
    session.apply(set_priority, booking_id="B1", priority=Priority.HIGH, at=AT)
    assert session.board.booking("B1").priority is Priority.HIGH
    session.undo()
    assert session.board == middle
    session.undo()
    assert session.board == start == session.committed
    with pytest.raises(BusinessRuleError):
        session.undo()


def test_the_session_guard_runs_before_the_command() -> None:
    seen = []

    def guard(command: object, kwargs: object) -> None:
        seen.append(command)
        raise PermissionError("no")

    session = BoardSession(board(booking("B1")), guard=guard)
    with pytest.raises(PermissionError):
        session.apply(dispatch, booking_id="B1", at=AT)
    assert seen == [dispatch]
    assert session.pending == ()


def test_book_line_then_edit_and_commit_the_board_through_a_unit_of_work() -> None:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        made = book_line(uow, "B1", "SO-1", "L1", clock=CLOCK, duration_minutes=90)
        assert (made.priority, made.preferred_worker_id) == (Priority.HIGH, "ANNA")
        with pytest.raises(BusinessRuleError):
            book_line(uow, "B2", "SO-1", "L1", clock=CLOCK)
        with pytest.raises(NotFoundError):
            book_line(uow, "B2", "SO-1", "NOPE", clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        session = BoardSession(load_board(uow))
        session.apply(
            assign, booking_id="B1", worker_id="ANNA", start=at(0, 9), end=at(0, 11), at=AT
        )
        session.apply(dispatch, booking_id="B1", at=AT)
        assert commit_board(uow, session, clock=CLOCK) == ("B1",)
        assert session.pending == ()
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        stored = uow[BOOKINGS].get("B1")
        assert (stored.worker_id, stored.status, stored.version) == (
            "ANNA",
            BookingStatus.DISPATCHED,
            2,
        )
        assert load_board(uow) == session.committed


def test_a_stale_board_cannot_be_committed() -> None:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        book_line(uow, "B1", "SO-1", "L1", clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        first = BoardSession(load_board(uow))
        second = BoardSession(load_board(uow))
    for session, who in ((first, "ANNA"), (second, "BO")):
        session.apply(assign, booking_id="B1", worker_id=who, start=at(0, 9), end=at(0, 10), at=AT)
    with store.unit_of_work("ACME") as uow:
        commit_board(uow, first, clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        with pytest.raises(ConcurrencyError):
            commit_board(uow, second, clock=CLOCK)
        assert len(second.pending) == 1  # nothing saved, nothing lost


def test_slots_are_validated() -> None:
    b = board(booking("B1"))
    with pytest.raises(ValidationError):
        assign(b, "B1", "ANNA", at(0, 10), at(0, 10), at=AT)
    with pytest.raises(ValidationError):
        booking("B9", worker_id="ANNA", start=at(0, 10))
    _ = pendulum


def test_a_slot_ends_after_it_starts_and_a_skill_is_listed_once() -> None:
    for end in (at(0, 10), at(0, 9)):
        with pytest.raises(ValidationError) as err:
            booking("B9", worker_id="ANNA", start=at(0, 10), end=end)
        assert err.value.field == "end"
    twice = [SkillLevel(skill="pumps", level=1), SkillLevel(skill="pumps", level=3)]
    with pytest.raises(ValidationError) as skills:
        booking("B9", required_skills=twice)
    assert skills.value.field == "skills"
    assert skills.value.value == ["pumps", "pumps"]


def test_a_board_holds_each_worker_team_and_booking_once() -> None:
    from servicecore.dispatch import DispatchBoard
    from tests.builders.dispatch import teams, worker, workers

    twice: dict[str, list[Any]] = {
        "workers": [*workers(), worker("ANNA")],
        "teams": [*teams(), teams()[0]],
        "bookings": [booking("B1"), booking("B1", line="L9")],
    }
    for name, items in twice.items():
        with pytest.raises(ValidationError) as err:
            DispatchBoard(company_id="ACME", **{name: items})
        assert (err.value.field, err.value.value) == (name, items[-1].id)  # the repeated id


def test_a_board_takes_only_bookings_of_its_own_company() -> None:
    b = board(booking("B1"))
    foreign = Booking(company_id="OTHER", id="B2", order_id="SO-1", line_id="L2")
    with pytest.raises(ValidationError) as err:
        b.with_booking(foreign)
    assert (err.value.field, err.value.allowed) == ("booking", "ACME")
    assert list(b.bookings) == ["B1"]


def test_a_session_is_saved_only_through_a_unit_of_work_of_its_company() -> None:
    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        book_line(uow, "B1", "SO-1", "L1", clock=CLOCK)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        session = BoardSession(load_board(uow))
    session.apply(assign, booking_id="B1", worker_id="ANNA", start=at(0, 9), end=at(0, 10), at=AT)
    with store.unit_of_work("OTHER") as uow:
        with pytest.raises(ValidationError) as err:
            commit_board(uow, session, clock=CLOCK)
        assert (err.value.field, err.value.allowed) == ("session", "OTHER")
        assert uow[BOOKINGS].list_all() == []
    assert len(session.pending) == 1  # the edit is kept for a commit in the right company


def test_only_created_order_lines_are_booked() -> None:
    from servicecore.orders import SERVICE_ORDERS, cancel_line
    from tests.builders.dispatch import TREE

    store = store_with_order()
    with store.unit_of_work("ACME") as uow:
        orders = uow[SERVICE_ORDERS]
        cancelled, _ = cancel_line(orders.get("SO-1"), "L2", tree=TREE, at=AT)
        orders.save(cancelled)
        with pytest.raises(BusinessRuleError) as err:
            book_line(uow, "B2", "SO-1", "L2", clock=CLOCK)
        assert (err.value.rule, err.value.id) == ("book-created-lines", "L2")
        assert uow[BOOKINGS].list_all() == []


def test_a_booking_takes_the_order_priority_unless_one_is_given() -> None:
    from servicecore.orders import SERVICE_ORDERS, new_service_order
    from tests.builders.dispatch import TREE, hour_line

    store = store_with_order()  # SO-1 has priority "High"
    with store.unit_of_work("ACME") as uow:
        for order_id, priority in (("SO-2", "urgent"), ("SO-3", None), ("SO-4", "low")):
            made = new_service_order(
                company_id="ACME",
                id=order_id,
                customer_id="C-1",
                currency="EUR",
                tree=TREE,
                at=AT,
                priority=priority,
            )
            with_line, _ = add_line(made, hour_line("L1"), tree=TREE, at=AT)
            uow[SERVICE_ORDERS].add(with_line)
        skills = [SkillLevel(skill="valves", level=2)]
        booked = {
            order_id: book_line(uow, f"B-{order_id}", order_id, "L1", clock=CLOCK)
            for order_id in ("SO-1", "SO-2", "SO-3", "SO-4")
        }
        given = book_line(
            uow,
            "B-GIVEN",
            "SO-1",
            "L2",
            clock=CLOCK,
            priority=Priority.LOW,
            territory="north",
            required_skills=skills,
        )
    assert {k: b.priority for k, b in booked.items()} == {
        "SO-1": Priority.HIGH,
        "SO-2": Priority.NORMAL,  # not high, normal or low: normal
        "SO-3": Priority.NORMAL,
        "SO-4": Priority.LOW,
    }
    assert (given.priority, given.territory, given.required_skills) == (
        Priority.LOW,
        "north",
        tuple(skills),
    )


def test_a_worker_is_checked_against_each_required_skill() -> None:
    from tests.builders.dispatch import worker

    multi = worker(
        "DORA",
        skills=(SkillLevel(skill="valves", level=2), SkillLevel(skill="pumps", level=1)),
    )
    assert (multi.level("pumps"), multi.level("valves"), multi.level("wiring")) == (1, 2, None)
    need = (SkillLevel(skill="valves", level=3), SkillLevel(skill="pumps", level=1))
    assert multi.missing_skills(need) == ("valves",)


def test_only_assigned_open_bookings_are_checked() -> None:
    unassigned = booking("B1", required_skills=PUMPS2, sla_due=at(0, 0))
    saturday_done = booking(
        "B2", worker_id="ANNA", start=at(5, 9), end=at(5, 10), status=BookingStatus.DONE
    )
    b = board(unassigned, saturday_done)
    assert check_booking(b, unassigned) == ()
    assert check_booking(b, saturday_done) == ()


def test_reschedule_needs_a_worker_and_set_priority_an_open_booking() -> None:
    cancelled = booking(
        "B2", worker_id="ANNA", start=at(0, 9), end=at(0, 10), status=BookingStatus.CANCELLED
    )
    b = board(booking("B1"), cancelled)
    with pytest.raises(BusinessRuleError) as unassigned:
        reschedule(b, "B1", at(0, 9), at(0, 10), at=AT)
    assert (unassigned.value.rule, unassigned.value.id) == ("not-assigned", "B1")
    with pytest.raises(InvalidTransitionError) as closed:
        set_priority(b, "B2", Priority.HIGH, at=AT)
    assert (closed.value.state, closed.value.id) == ("cancelled", "B2")
    with pytest.raises(NotFoundError) as unknown:
        b.booking("B9")
    assert (unknown.value.entity, unknown.value.id) == ("booking", "B9")


def test_closed_bookings_show_only_when_asked_and_workers_without_a_team_come_last() -> None:
    from servicecore.dispatch import DispatchBoard
    from tests.builders.dispatch import teams, worker, workers

    done = booking("D1", worker_id="ANNA", start=at(0, 9), end=at(0, 10), status=BookingStatus.DONE)
    b = DispatchBoard(
        company_id="ACME",
        workers=[*workers(), worker("ZED", team=None)],
        teams=teams(),
        bookings=[done],
    )
    assert [r.bookings for r in b.view(at(0, 0), at(1, 0)).rows if r.worker_id == "ANNA"] == [()]
    shown = b.view(at(0, 0), at(1, 0), include_closed=True)
    assert [x.id for r in shown.rows for x in r.bookings] == ["D1"]
    assert [(r.team_id, r.worker_id) for r in shown.rows][-1] == (None, "ZED")
    with pytest.raises(ValidationError):
        b.view(at(1, 0), at(0, 0))


BOARD_NAMES = [
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
"""The public names of ``servicecore.dispatch.board`` when it was one module."""


def test_dispatch_board_keeps_its_import_path_and_pickles_after_becoming_a_package() -> None:
    assert sorted(board_package.__all__) == sorted(BOARD_NAMES)
    for name in BOARD_NAMES:
        assert getattr(board_package, name) is getattr(dispatch_package, name), name
    # written by pickle.dumps(Severity.WARNING, 0) while board was a single module
    before_the_split = b"cservicecore.dispatch.board\nSeverity\np0\n(Vwarning\np1\ntp2\nRp3\n."
    assert pickle.loads(before_the_split) is Severity.WARNING
    change = assign(board(booking("B1")), "B1", "ANNA", at(0, 9), at(0, 11), at=AT)
    assert pickle.loads(pickle.dumps(change.after)) == change.after
    assert pickle.loads(pickle.dumps(change.events)) == change.events


def test_a_whole_board_pickles_and_comes_back_equal_and_read_only() -> None:
    before = assign(board(booking("B1"), booking("B2")), "B1", "ANNA", at(0, 9), at(0, 11), at=AT)
    again = pickle.loads(pickle.dumps(before.board))
    assert again == before.board
    assert list(again.bookings) == ["B1", "B2"]
    assert again.booking("B1").worker_id == "ANNA"
    with pytest.raises(TypeError):
        again.bookings["B3"] = again.booking("B1")
