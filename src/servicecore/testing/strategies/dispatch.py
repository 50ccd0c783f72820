"""Strategies for dispatch: workers, teams, bookings, boards and their results."""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import strategies as st

from servicecore.calendars import BusinessCalendar
from servicecore.dispatch import (
    WARNING_CODES,
    BoardChange,
    BoardRow,
    BoardView,
    Booking,
    BookingChanged,
    BookingStatus,
    Candidate,
    DispatchBoard,
    DispatchTeam,
    Priority,
    Reason,
    Severity,
    SkillLevel,
    Violation,
    Worker,
)
from servicecore.testing.strategies.kernel import ids

__all__ = ["bookings", "dispatch_boards", "dispatch_teams", "skill_levels", "workers"]

_MONDAY = pendulum.datetime(2024, 3, 4, tz="UTC")
_OFFICE = BusinessCalendar.weekdays("UTC", [(dt.time(8), dt.time(16))])
SKILLS = ("pumps", "electrical", "hvac")


def skill_levels() -> st.SearchStrategy[SkillLevel]:
    return st.builds(SkillLevel, skill=st.sampled_from(SKILLS), level=st.integers(0, 10))


def _skill_sets() -> st.SearchStrategy[tuple[SkillLevel, ...]]:
    return st.lists(skill_levels(), max_size=3, unique_by=lambda s: s.skill).map(tuple)


def workers(
    *, company_id: str = "ACME", worker_ids: tuple[str, ...] | None = None
) -> st.SearchStrategy[Worker]:
    """Workers on office hours (Mon-Fri 08-16 UTC) with up to three skills."""
    return st.builds(
        Worker,
        company_id=st.just(company_id),
        id=st.sampled_from(worker_ids) if worker_ids else ids("W"),
        name=st.just("Technician"),
        calendar=st.just(_OFFICE),
        skills=_skill_sets(),
        team_id=st.none() | st.sampled_from(["NORTH", "SOUTH"]),
        territory=st.none() | st.sampled_from(["north", "south"]),
    )


def dispatch_teams(*, company_id: str = "ACME") -> st.SearchStrategy[DispatchTeam]:
    return st.builds(
        DispatchTeam,
        company_id=st.just(company_id),
        id=ids("T"),
        description=st.just("team"),
        owner_id=ids("E"),
    )


def slots() -> st.SearchStrategy[tuple[pendulum.DateTime, pendulum.DateTime]]:
    """Slots of 30 minutes to 4 hours in the week of Monday 4 March 2024, on the half hour."""
    return st.tuples(st.integers(0, 6 * 48), st.integers(1, 8)).map(
        lambda p: (_MONDAY.add(minutes=30 * p[0]), _MONDAY.add(minutes=30 * (p[0] + p[1])))
    )


@st.composite
def bookings(
    draw: st.DrawFn, *, company_id: str = "ACME", worker_ids: tuple[str, ...] = ()
) -> Booking:
    """Bookings of lines of order SO-1; with ``worker_ids`` some are assigned to them."""
    assigned = bool(worker_ids) and draw(st.booleans())
    slot = draw(slots()) if assigned else None
    return Booking(
        company_id=company_id,
        id=draw(ids("B")),
        order_id="SO-1",
        line_id=draw(ids("L")),
        duration_minutes=draw(st.integers(30, 240)),
        worker_id=draw(st.sampled_from(worker_ids)) if assigned else None,
        start=slot[0] if slot else None,
        end=slot[1] if slot else None,
        status=BookingStatus.UNDISPATCHED,
        priority=draw(st.sampled_from(list(Priority))),
        required_skills=draw(_skill_sets()),
        sla_due=draw(st.none() | slots().map(lambda s: s[1])),
    )


@st.composite
def dispatch_boards(draw: st.DrawFn, *, company_id: str = "ACME") -> DispatchBoard:
    """Boards of 1-3 workers and up to 6 bookings without conflicts among them."""
    worker_ids = tuple(draw(st.lists(st.sampled_from(["W1", "W2", "W3"]), min_size=1, unique=True)))
    staff = [draw(workers(company_id=company_id, worker_ids=(w,))) for w in worker_ids]
    found: dict[str, Booking] = {}
    for bk in draw(st.lists(bookings(company_id=company_id, worker_ids=worker_ids), max_size=6)):
        clash = any(
            o.worker_id == bk.worker_id
            and bk.worker_id is not None
            and o.start is not None
            and bk.start is not None
            and o.end is not None
            and bk.end is not None
            and o.start < bk.end
            and bk.start < o.end
            for o in found.values()
        )
        if bk.id not in found and not clash:
            found[bk.id] = bk
    return DispatchBoard(company_id=company_id, workers=staff, bookings=list(found.values()))


def _violations() -> st.SearchStrategy[Violation]:
    return st.builds(
        Violation,
        code=st.sampled_from(("double-booking", *WARNING_CODES)),
        severity=st.sampled_from(list(Severity)),
        booking_id=ids("B"),
        message=st.just("violated"),
    )


def _changes() -> st.SearchStrategy[BoardChange]:
    return (
        dispatch_boards()
        .filter(lambda b: bool(b.bookings))
        .map(
            lambda b: BoardChange(
                board=b,
                before=next(iter(b.bookings.values())),
                after=next(iter(b.bookings.values())),
                warnings=(),
                events=(),
            )
        )
    )


def _reasons() -> st.SearchStrategy[Reason]:
    return st.builds(
        Reason,
        factor=st.sampled_from(["skills", "availability", "preferred", "territory", "sla"]),
        points=st.integers(0, 30),
        detail=st.just("why"),
    )


def register() -> None:
    """Register every public dispatch type."""
    st.register_type_strategy(SkillLevel, skill_levels())
    st.register_type_strategy(Worker, workers())
    st.register_type_strategy(DispatchTeam, dispatch_teams())
    st.register_type_strategy(Booking, bookings(worker_ids=("W1", "W2")))
    st.register_type_strategy(DispatchBoard, dispatch_boards())
    st.register_type_strategy(Violation, _violations())
    st.register_type_strategy(BoardChange, _changes())
    st.register_type_strategy(
        BoardView,
        dispatch_boards().map(lambda b: b.view(_MONDAY, _MONDAY.add(days=7))),
    )
    st.register_type_strategy(
        BoardRow,
        st.builds(
            BoardRow,
            team_id=st.none() | st.just("NORTH"),
            worker_id=ids("W"),
            bookings=st.lists(bookings(), max_size=2).map(tuple),
        ),
    )
    st.register_type_strategy(
        BookingChanged,
        bookings(worker_ids=("W1",)).map(
            lambda b: BookingChanged(
                aggregate_id=b.id,
                company_id=b.company_id,
                occurred_at=_MONDAY,
                action="assign",
                worker_id=b.worker_id,
                start=b.start,
                end=b.end,
                status=b.status,
                priority=b.priority,
            )
        ),
    )
    st.register_type_strategy(Reason, _reasons())
    st.register_type_strategy(
        Candidate,
        st.builds(
            Candidate,
            worker_id=ids("W"),
            score=st.integers(0, 100),
            eligible=st.booleans(),
            reasons=st.lists(_reasons(), max_size=5).map(tuple),
        ),
    )
