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
"""

from __future__ import annotations

import enum
import inspect
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import pendulum
from attrs import evolve, field, frozen

from servicecore.clock import read_clock, to_instant
from servicecore.dispatch.model import (
    BOOKING_LIFECYCLE,
    BOOKINGS,
    DISPATCH_TEAMS,
    WORKERS,
    Booking,
    BookingChanged,
    BookingStatus,
    DispatchTeam,
    Priority,
    Worker,
)
from servicecore.errors import (
    BusinessRuleError,
    ConcurrencyError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)
from servicecore.events import DomainEvent
from servicecore.ports import UnitOfWork, check_id, check_type

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


def _mapping(kind: type[Any], field_name: str) -> Callable[[object], Mapping[str, Any]]:
    def convert(value: object) -> Mapping[str, Any]:
        items = value.values() if isinstance(value, Mapping) else value
        if not isinstance(items, Iterable) or isinstance(items, (str, bytes)):
            raise ValidationError(
                f"{field_name} must be an iterable of {kind.__name__}, not {value!r}",
                field=field_name,
                value=value,
                allowed=f"an iterable (or mapping by id) of {kind.__name__}",
            )
        out: dict[str, Any] = {}
        for item in items:
            check_type(item, kind, field_name)
            if item.id in out:
                raise ValidationError(
                    f"{field_name}: id {item.id!r} appears twice",
                    field=field_name,
                    value=item.id,
                    allowed="unique ids",
                )
            out[item.id] = item
        return MappingProxyType(dict(sorted(out.items())))

    return convert


def _company(value: object) -> str:
    return check_id(value, "company_id")


def _workers(value: object) -> Mapping[str, Worker]:
    return _mapping(Worker, "workers")(value)


def _teams(value: object) -> Mapping[str, DispatchTeam]:
    return _mapping(DispatchTeam, "teams")(value)


def _bookings(value: object) -> Mapping[str, Booking]:
    return _mapping(Booking, "bookings")(value)


@frozen(kw_only=True)
class DispatchBoard:
    """Workers, teams and bookings of one company, as the board commands see them."""

    company_id: str = field(converter=_company)
    workers: Mapping[str, Worker] = field(factory=dict, converter=_workers)
    teams: Mapping[str, DispatchTeam] = field(factory=dict, converter=_teams)
    bookings: Mapping[str, Booking] = field(factory=dict, converter=_bookings)

    def booking(self, booking_id: str) -> Booking:
        """The booking ``booking_id``; unknown raises :class:`NotFoundError`."""
        found = self.bookings.get(check_id(booking_id, "booking_id"))
        if found is None:
            raise NotFoundError(entity="booking", id=booking_id)
        return found

    def worker(self, worker_id: str) -> Worker:
        """The worker ``worker_id``; unknown raises :class:`NotFoundError`."""
        found = self.workers.get(check_id(worker_id, "worker_id"))
        if found is None:
            raise NotFoundError(entity="worker", id=worker_id)
        return found

    def with_booking(self, booking: Booking) -> DispatchBoard:
        """This board with ``booking`` added or replaced."""
        check_type(booking, Booking, "booking")
        if booking.company_id != self.company_id:
            raise ValidationError(
                f"booking: booking {booking.id!r} is of company {booking.company_id!r}, "
                f"the board of {self.company_id!r}",
                field="booking",
                value=booking.company_id,
                allowed=self.company_id,
            )
        return evolve(self, bookings={**self.bookings, booking.id: booking})

    def view(
        self,
        start: object,
        end: object,
        *,
        team_id: str | None = None,
        include_closed: bool = False,
    ) -> BoardView:
        """The query result a host renders: per team and worker the bookings whose slot
        overlaps ``[start, end)`` (done and cancelled ones only with ``include_closed``),
        and the undispatched list (bookings without a worker or a slot, plus undispatched
        ones in the range), most urgent first: SLA due instant, then priority."""
        a, b = to_instant(start, "start"), to_instant(end, "end")
        if b <= a:
            raise ValidationError(
                f"end: the range ends at {b}, not after its start {a}",
                field="end",
                value=b,
                allowed="an end after the start",
            )
        if team_id is not None:
            check_id(team_id, "team_id")
        check_type(include_closed, bool, "include_closed")

        def shown(bk: Booking) -> bool:
            return include_closed or bk.is_open

        def in_range(bk: Booking) -> bool:
            return bk.start is not None and bk.end is not None and bk.start < b and a < bk.end

        rows = []
        team_ids = sorted({w.team_id or "" for w in self.workers.values()}, key=_teams_last)
        for tid in team_ids:
            if team_id is not None and tid != team_id:
                continue
            for worker in self.workers.values():
                if (worker.team_id or "") != tid:
                    continue
                mine = tuple(
                    sorted(
                        (
                            bk
                            for bk in self.bookings.values()
                            if bk.worker_id == worker.id and shown(bk) and in_range(bk)
                        ),
                        key=lambda bk: (bk.start, bk.id),
                    )
                )
                rows.append(BoardRow(team_id=tid or None, worker_id=worker.id, bookings=mine))
        undispatched = tuple(
            sorted(
                (
                    bk
                    for bk in self.bookings.values()
                    if bk.status is BookingStatus.UNDISPATCHED
                    and (bk.worker_id is None or bk.start is None or in_range(bk))
                ),
                key=_urgency,
            )
        )
        return BoardView(start=a, end=b, rows=tuple(rows), undispatched=undispatched)


def _teams_last(team_id: str) -> tuple[bool, str]:
    return (team_id == "", team_id)  # "" stands for no team: last


def _urgency(bk: Booking) -> tuple[Any, ...]:
    far = pendulum.datetime(9999, 1, 1)
    return (bk.sla_due or far, bk.priority.rank, bk.id)


@frozen(kw_only=True)
class BoardRow:
    """One worker's row of the board: their team and their bookings in the range."""

    team_id: str | None
    worker_id: str
    bookings: tuple[Booking, ...]


@frozen(kw_only=True)
class BoardView:
    """What the board shows for ``[start, end)``: rows grouped team -> worker (teams
    sorted, workers without a team last under ``team_id`` None) and the undispatched list.
    Each booking carries its ``sla_due`` instant and ``priority``."""

    start: pendulum.DateTime
    end: pendulum.DateTime
    rows: tuple[BoardRow, ...]
    undispatched: tuple[Booking, ...]


@frozen(kw_only=True)
class BoardChange:
    """What one board command did: the board after it, the booking before and after, the
    warnings the caller accepted, and the event to record when the change is saved."""

    board: DispatchBoard
    before: Booking
    after: Booking
    warnings: tuple[Violation, ...]
    events: tuple[DomainEvent, ...]


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


Guard = Callable[[Callable[..., Any], Mapping[str, Any]], None]
"""Called with (command, keyword arguments including ``board``) before a session applies a
command; raises to refuse (``servicecore.roles.Authorizer.guard`` builds one per user)."""


class BoardSession:
    """An edit buffer over a board: apply commands, undo them one at a time, save at once.

    ``board`` is the board with the unsaved edits; ``committed`` the last saved one.
    Undoing every unsaved edit gives back ``committed`` exactly (invariant 23).
    """

    def __init__(self, board: DispatchBoard, *, guard: Guard | None = None) -> None:
        check_type(board, DispatchBoard, "board")
        if guard is not None and not callable(guard):
            raise ValidationError(
                f"guard must be callable, not {guard!r}",
                field="guard",
                value=guard,
                allowed="None or a function (command, kwargs) that raises to refuse",
            )
        self._committed = board
        self._changes: list[BoardChange] = []
        self._guard = guard

    @property
    def committed(self) -> DispatchBoard:
        return self._committed

    @property
    def board(self) -> DispatchBoard:
        return self._changes[-1].board if self._changes else self._committed

    @property
    def pending(self) -> tuple[BoardChange, ...]:
        """The unsaved changes, oldest first."""
        return tuple(self._changes)

    def apply(self, command: Callable[..., BoardChange], **kwargs: Any) -> BoardChange:
        """Run ``command(board=<current board>, **kwargs)`` and keep its change."""
        try:
            if not inspect.isfunction(command):
                raise TypeError("not a function")
            inspect.signature(command).bind(self.board, **kwargs)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                f"command must be a board command taking these arguments, not {command!r} ({exc})",
                field="command",
                value=command,
                allowed="assign, reassign, reschedule, set_priority, dispatch, ... "
                "with their keyword arguments",
            ) from exc
        if self._guard is not None:
            self._guard(command, {"board": self.board, **kwargs})
        result: object = command(self.board, **kwargs)
        change = check_type(result, BoardChange, "command result")
        self._changes.append(change)
        return change

    def undo(self) -> BoardChange:
        """Revert the newest unsaved change; ``BusinessRuleError`` when there is none."""
        if not self._changes:
            raise BusinessRuleError(
                "nothing to undo: the board has no unsaved change", rule="nothing-to-undo"
            )
        return self._changes.pop()

    def undo_all(self) -> None:
        """Revert every unsaved change."""
        self._changes.clear()

    def _saved(self, board: DispatchBoard) -> None:
        self._committed = board
        self._changes.clear()


def load_board(uow: UnitOfWork, *, include_closed: bool = False) -> DispatchBoard:
    """The board of ``uow``'s company: every worker and team, and the open bookings
    (every booking with ``include_closed``)."""
    check_type(include_closed, bool, "include_closed")
    bookings = [bk for bk in uow[BOOKINGS].list_all() if include_closed or bk.is_open]
    return DispatchBoard(
        company_id=uow.company_id,
        workers=uow[WORKERS].list_all(),
        teams=uow[DISPATCH_TEAMS].list_all(),
        bookings=bookings,
    )


def commit_board(uow: UnitOfWork, session: BoardSession, *, clock: object) -> tuple[str, ...]:
    """Save every booking the session changed and record their events, all at once.

    Returns the ids of the saved bookings. The session's committed board becomes the
    current one, with the versions the store holds once ``uow`` commits; a stale booking
    (changed by someone else since it was loaded) makes the commit raise
    ``ConcurrencyError``.
    """
    check_type(session, BoardSession, "session")
    read_clock(clock)
    if session.board.company_id != uow.company_id:
        raise ValidationError(
            f"session: the board is of company {session.board.company_id!r}, the unit of "
            f"work of {uow.company_id!r}",
            field="session",
            value=session.board.company_id,
            allowed=uow.company_id,
        )
    old, new = session.committed.bookings, session.board.bookings
    changed = [bid for bid in new if old.get(bid) != new[bid]]
    events = [e for change in session.pending for e in change.events]
    repo = uow[BOOKINGS]
    for bid in changed:  # every version is checked before anything is staged
        stored = repo.get(bid)
        if stored.version != new[bid].version:
            raise ConcurrencyError(
                entity="booking",
                id=bid,
                expected_version=new[bid].version,
                actual_version=stored.version,
            )
    saved = {}
    for bid in changed:  # board commands change bookings, they never create one
        repo.save(new[bid])
        saved[bid] = evolve(new[bid], version=new[bid].version + 1)
    uow.record(events)
    session._saved(evolve(session.board, bookings={**new, **saved}))
    return tuple(changed)
