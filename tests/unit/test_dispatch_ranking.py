"""Candidate ranking: each factor, its points and reasons, and the order."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecore.dispatch import Booking, SkillLevel, free_time, rank_candidates
from servicecore.errors import ValidationError
from servicecore.testing.strategies.dispatch import dispatch_boards
from tests.builders.dispatch import at, board, booking, worker, workers

PUMPS2 = (SkillLevel(skill="pumps", level=2),)


def _points(candidate: object) -> dict[str, int]:
    return {r.factor: r.points for r in candidate.reasons}  # type: ignore[attr-defined]


def test_each_factor_scores_with_its_reason() -> None:
    line = booking(
        "NEW",
        duration_minutes=120,
        required_skills=PUMPS2,
        territory="north",
        preferred_worker_id="BO",
        sla_due=at(1, 10),
    )
    taken = [booking("X1", worker_id="ANNA", start=at(0, 8), end=at(0, 16))]  # Monday full
    ranked = rank_candidates(line, workers(), taken, start=at(0, 0), end=at(5, 0))
    by_id = {c.worker_id: c for c in ranked}
    # ANNA: pumps 3, free Tue-Fri 32 h, north, not preferred; before the SLA due (Tue
    # 10:00) only Tue 08-10 = 2 h free: enough for 2 h.
    assert _points(by_id["ANNA"]) == {
        "skills": 30,
        "availability": 30,
        "preferred": 0,
        "territory": 10,
        "sla": 10,
    }
    assert by_id["ANNA"].score == 80
    assert by_id["ANNA"].eligible
    # BO: pumps 1 < 2, preferred, north, free 40 h, 10 h before the due.
    assert _points(by_id["BO"]) == {
        "skills": 0,
        "availability": 30,
        "preferred": 20,
        "territory": 10,
        "sla": 10,
    }
    assert not by_id["BO"].eligible
    # CARL: no pumps, south.
    assert by_id["CARL"].score == 40
    assert [c.worker_id for c in ranked] == ["ANNA", "BO", "CARL"]  # eligible first
    reasons = {r.factor: r.detail for r in by_id["ANNA"].reasons}
    assert reasons["availability"] == "32 h free in the horizon, 2 h needed"
    assert reasons["skills"] == "has pumps >= 2"
    assert reasons["sla"].startswith("2 h free before the SLA due")
    assert {r.factor: r.detail for r in by_id["BO"].reasons}["skills"] == "missing pumps"


def test_not_enough_free_time_before_the_due_instant_loses_the_sla_points() -> None:
    line = booking("NEW", duration_minutes=180, sla_due=at(0, 10))
    ranked = rank_candidates(line, [worker("ANNA")], [], start=at(0, 0), end=at(5, 0))
    assert _points(ranked[0])["sla"] == 0  # Monday 08-10 is 2 h < 3 h
    assert _points(ranked[0])["availability"] == 30


def test_a_fully_booked_worker_is_not_eligible() -> None:
    line = booking("NEW", duration_minutes=60)
    taken = [booking(f"X{d}", worker_id="ANNA", start=at(d, 8), end=at(d, 16)) for d in range(5)]
    ranked = rank_candidates(
        line, [worker("ANNA"), worker("BO")], taken, start=at(0, 0), end=at(7, 0)
    )
    assert [(c.worker_id, c.eligible) for c in ranked] == [("BO", True), ("ANNA", False)]
    assert _points(ranked[1])["availability"] == 0


def test_closed_bookings_and_the_ranked_booking_itself_take_no_time() -> None:
    from servicecore.dispatch import BookingStatus

    line = booking("NEW", worker_id="ANNA", start=at(0, 8), end=at(0, 16), duration_minutes=60)
    done = booking("D", worker_id="ANNA", start=at(1, 8), end=at(1, 16), status=BookingStatus.DONE)
    ranked = rank_candidates(line, [worker("ANNA")], [line, done], start=at(0, 0), end=at(2, 0))
    assert ranked[0].reasons[1].detail == "16 h free in the horizon, 1 h needed"


def test_free_time_subtracts_only_working_time_of_open_bookings() -> None:
    taken = [
        booking("A", worker_id="ANNA", start=at(0, 15), end=at(0, 18)),  # 1 h inside 08-16
        booking("B", worker_id="BO", start=at(0, 9), end=at(0, 10)),  # someone else's
    ]
    assert free_time(worker("ANNA"), taken, at(0, 0), at(1, 0)) == dt.timedelta(hours=7)


def test_only_open_bookings_with_a_slot_in_the_horizon_take_a_workers_time() -> None:
    line = booking("NEW", duration_minutes=60)
    others = [
        booking("NOSLOT", worker_id="ANNA"),  # given to ANNA, no slot yet
        booking("TUE", worker_id="ANNA", start=at(1, 9), end=at(1, 12)),  # after the horizon
    ]
    monday = (at(0, 0), at(1, 0))  # office hours 08-16: 8 h
    ranked = rank_candidates(line, [worker("ANNA")], others, start=monday[0], end=monday[1])
    assert ranked[0].reasons[1].detail == "8 h free in the horizon, 1 h needed"
    assert free_time(worker("ANNA"), others, *monday) == dt.timedelta(hours=8)


def test_the_ranking_horizon_ends_after_it_starts() -> None:
    for end in (at(0, 0), at(0, 0).subtract(minutes=1)):
        with pytest.raises(ValidationError) as err:
            rank_candidates(booking("NEW"), workers(), [], start=at(0, 0), end=end)
        assert err.value.field == "end"


@given(dispatch_boards(), st.integers(15, 600))
def test_ranking_free_time_matches_free_time(b: object, minutes: int) -> None:
    from servicecore.dispatch import DispatchBoard

    assert isinstance(b, DispatchBoard)
    line = Booking(
        company_id="ACME", id="NEW", order_id="SO-9", line_id="L", duration_minutes=minutes
    )
    start, end = at(0, 0), at(7, 0)
    ranked = rank_candidates(line, b.workers.values(), b.bookings.values(), start=start, end=end)
    for c in ranked:
        free = free_time(b.workers[c.worker_id], list(b.bookings.values()), start, end)
        assert (free >= dt.timedelta(minutes=minutes)) == (_points(c)["availability"] == 30)


_ = board
