"""Naive-datetime cases for the dispatch entry points taking an instant.

Each callable passes the given naive datetime where an aware instant is required; every one
must raise ``ValidationError``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from servicecore.dispatch import assign, free_time, rank_candidates
from tests.builders.dispatch import AT, at, board, booking, worker

CASES: dict[str, Callable[[datetime.datetime], object]] = {
    "servicecore.dispatch.ranking.free_time": lambda naive: free_time(
        worker("ANNA"), [], naive, at(1, 0)
    ),
    "servicecore.dispatch.ranking.rank_candidates": lambda naive: rank_candidates(
        booking("B1"), [worker("ANNA")], [], start=naive, end=at(5, 0)
    ),
    "servicecore.dispatch.board.assign": lambda naive: assign(
        board(booking("B1")), "B1", "ANNA", naive, at(0, 10), at=AT
    ),
}
