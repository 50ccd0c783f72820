"""The dispatch board value: workers, teams and bookings of one company, and the query
result a host renders from it (rows per team and worker, the undispatched list)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import pendulum
from attrs import evolve, field, frozen

from servicecore.clock import to_instant
from servicecore.dispatch.model import Booking, BookingStatus, DispatchTeam, Worker
from servicecore.errors import NotFoundError, ValidationError
from servicecore.ports import check_id, check_type

__all__ = ["BoardRow", "BoardView", "DispatchBoard"]


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

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only mappings do not pickle: a board pickles as its values and is
        # rebuilt through the constructor (same checks, same order).
        return (
            _rebuild,
            (
                self.company_id,
                tuple(self.workers.values()),
                tuple(self.teams.values()),
                tuple(self.bookings.values()),
            ),
        )

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


def _rebuild(
    company_id: str,
    workers: tuple[Worker, ...],
    teams: tuple[DispatchTeam, ...],
    bookings: tuple[Booking, ...],
) -> DispatchBoard:
    return DispatchBoard(company_id=company_id, workers=workers, teams=teams, bookings=bookings)
