"""Candidate ranking: which workers fit a booking best, and why.

Each worker gets points per factor, every factor returned as a :class:`Reason`:

============== ====== ==================================================================
factor         points when
============== ====== ==================================================================
skills         30     the worker has every required skill at the required level or above
availability   30     the worker's free working time in the horizon covers the duration
preferred      20     the worker is the booking's preferred technician
territory      10     the worker works in the booking's territory
sla            10     the worker's free working time before the SLA due instant covers
                      the duration (10 also when the booking has no SLA due instant)
============== ====== ==================================================================

Free working time is the worker's calendar working time in the horizon minus the working
time of their open bookings in it. A worker missing a skill or without enough free time
is listed but not ``eligible``. Candidates come eligible first, then by score (highest
first), then by worker id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from attrs import frozen

from servicecore.calendars._instants import _to_us
from servicecore.calendars.index import _Snapshot
from servicecore.clock import to_instant
from servicecore.dispatch.model import Booking, Worker
from servicecore.errors import ValidationError
from servicecore.ports import check_items, check_type

__all__ = ["WEIGHTS", "Candidate", "Reason", "free_time", "rank_candidates"]

WEIGHTS = {"skills": 30, "availability": 30, "preferred": 20, "territory": 10, "sla": 10}
"""Points of each factor when it is met (0 otherwise)."""


@frozen(kw_only=True)
class Reason:
    """One factor of a candidate's score: its points and why."""

    factor: str
    points: int
    detail: str


@frozen(kw_only=True)
class Candidate:
    """A worker ranked for a booking: total score, eligibility and the reasons."""

    worker_id: str
    score: int
    eligible: bool
    reasons: tuple[Reason, ...]


def free_time(
    worker: Worker, bookings: Iterable[Booking], start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    """Working time of ``worker`` in ``[start, end)`` not taken by their open bookings."""
    check_type(worker, Worker, "worker")
    mine = check_items(bookings, Booking, "bookings", "an iterable of Booking")
    start, end = to_instant(start, "start"), to_instant(end, "end")
    return _free(worker, mine, start, end)


def _free(
    worker: Worker, bookings: Iterable[Booking], start: dt.datetime, end: dt.datetime
) -> dt.timedelta:
    cal = worker.calendar
    total = cal.business_time_between(start, end) if end > start else dt.timedelta(0)
    for bk in bookings:
        if bk.worker_id != worker.id or not bk.is_open or bk.start is None or bk.end is None:
            continue
        a, b = max(bk.start, start), min(bk.end, end)
        if a < b:
            total -= cal.business_time_between(a, b)
    return total


def _hours(d: dt.timedelta) -> str:
    return f"{d.total_seconds() / 3600:g} h"


def rank_candidates(
    booking: Booking,
    workers: Iterable[Worker],
    bookings: Iterable[Booking],
    *,
    start: object,
    end: object,
) -> tuple[Candidate, ...]:
    """Rank ``workers`` for ``booking`` over the horizon ``[start, end)``.

    ``bookings`` are the bookings already on the board (any worker; the booking being
    ranked is ignored). See the module docs for the factors.
    """
    check_type(booking, Booking, "booking")
    pool = check_items(workers, Worker, "workers", "an iterable of Worker")
    others = check_items(bookings, Booking, "bookings", "an iterable of Booking")
    h0, h1 = to_instant(start, "start"), to_instant(end, "end")
    if h1 <= h0:
        raise ValidationError(
            f"end: the horizon ends at {h1}, not after its start {h0}",
            field="end",
            value=h1,
            allowed="an end after the start",
        )
    h0u, h1u = _to_us(h0), _to_us(h1)
    due = booking.sla_due
    dueu = h0u if due is None else min(max(_to_us(due), h0u), h1u)
    by_worker: dict[str, list[tuple[int, int]]] = {}
    for bk in others:  # each booking's slot clipped to the horizon, in epoch microseconds
        if bk.id == booking.id or bk.worker_id is None or not bk.is_open:
            continue
        if bk.start is None or bk.end is None:
            continue
        a, b = max(_to_us(bk.start), h0u), min(_to_us(bk.end), h1u)
        if a < b:
            by_worker.setdefault(bk.worker_id, []).append((a, b))
    need = booking.duration_minutes * 60 * 1_000_000
    need_td = dt.timedelta(minutes=booking.duration_minutes)
    sheets: dict[int, tuple[_Snapshot, int, int, int]] = {}
    out = []
    for worker in pool:
        cal = worker.calendar
        sheet = sheets.get(id(cal))
        if sheet is None:  # equal calendars share one index: one lookup per calendar
            snap = cal._idx().snapshot_for(h0u, h1u)
            c0 = snap.cum_at(h0u)
            sheet = sheets[id(cal)] = (snap, c0, snap.cum_at(h1u) - c0, snap.cum_at(dueu) - c0)
        snap, c0, free_us, before_us = sheet
        for a, b in by_worker.get(worker.id, ()):
            ca = snap.cum_at(a)
            free_us -= snap.cum_at(b) - ca
            if a < dueu:
                before_us -= snap.cum_at(min(b, dueu)) - ca
        reasons = []
        missing = worker.missing_skills(booking.required_skills)
        if missing:
            detail = f"missing {', '.join(missing)}"
            reasons.append(Reason(factor="skills", points=0, detail=detail))
        else:
            detail = (
                "has " + ", ".join(f"{s.skill} >= {s.level}" for s in booking.required_skills)
                if booking.required_skills
                else "no skill required"
            )
            reasons.append(Reason(factor="skills", points=WEIGHTS["skills"], detail=detail))
        free = dt.timedelta(microseconds=free_us)
        available = free_us >= need
        reasons.append(
            Reason(
                factor="availability",
                points=WEIGHTS["availability"] if available else 0,
                detail=f"{_hours(free)} free in the horizon, {_hours(need_td)} needed",
            )
        )
        preferred = booking.preferred_worker_id == worker.id
        reasons.append(
            Reason(
                factor="preferred",
                points=WEIGHTS["preferred"] if preferred else 0,
                detail="preferred technician" if preferred else "not the preferred technician",
            )
        )
        if booking.territory is None:
            reasons.append(Reason(factor="territory", points=0, detail="no territory asked"))
        else:
            same = worker.territory == booking.territory
            reasons.append(
                Reason(
                    factor="territory",
                    points=WEIGHTS["territory"] if same else 0,
                    detail=f"works in {worker.territory or 'no territory'}, "
                    f"booking in {booking.territory}",
                )
            )
        if due is None:
            reasons.append(Reason(factor="sla", points=WEIGHTS["sla"], detail="no SLA due"))
        else:
            before = dt.timedelta(microseconds=before_us)
            in_time = before_us >= need
            reasons.append(
                Reason(
                    factor="sla",
                    points=WEIGHTS["sla"] if in_time else 0,
                    detail=f"{_hours(before)} free before the SLA due {due}",
                )
            )
        out.append(
            Candidate(
                worker_id=worker.id,
                score=sum(r.points for r in reasons),
                eligible=not missing and available,
                reasons=tuple(reasons),
            )
        )
    out.sort(key=lambda c: (not c.eligible, -c.score, c.worker_id))
    return tuple(out)
