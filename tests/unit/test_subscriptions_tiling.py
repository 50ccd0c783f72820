"""Suspension and cancellation credit days instead of cutting periods: the REGULAR fees
keep tiling the billed span (issue 4: "fees never overlap and tile the active time")."""

from __future__ import annotations

import datetime as dt
import itertools

from servicecore.clock import FixedClock
from servicecore.money import Money
from servicecore.subscriptions import (
    Alignment,
    CancelMode,
    FeeKind,
    Subscription,
    SubscriptionGroup,
    activate,
    cancel,
    create_subscription,
    generate_fees,
    resume,
    suspend,
)

CLOCK = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
D = dt.date


def _regular_spans(sub: Subscription) -> list[tuple[dt.date, dt.date]]:
    return sorted((f.start, f.end) for f in sub.fees if f.kind is FeeKind.REGULAR)


def _tiles(spans: list[tuple[dt.date, dt.date]]) -> bool:
    return all(b == c for (_a, b), (c, _d) in itertools.pairwise(spans))


def test_suspension_and_cancellation_credit_days_and_keep_the_tiling() -> None:
    sub, _ = create_subscription(
        company_id="ACME",
        id="SUB-T",
        group=SubscriptionGroup(company_id="ACME", id="MONTHLY"),
        customer_id="C1",
        price=Money.of("310.00", "EUR"),
        start=D(2024, 1, 15),
        alignment=Alignment.calendar(),
        at=CLOCK.now(),
    )
    sub, _ = activate(sub, at=CLOCK.now())
    sub, _ = generate_fees(sub, D(2024, 1, 1), D(2024, 4, 1), at=CLOCK.now())
    sub, _ = suspend(sub, D(2024, 2, 10), at=CLOCK.now())
    sub, _ = resume(sub, D(2024, 3, 5), at=CLOCK.now())
    sub, _ = generate_fees(sub, D(2024, 1, 1), D(2024, 4, 1), at=CLOCK.now(), as_of=D(2024, 3, 5))
    # Suspended Feb 10 - Mar 4: 20 of February's 29 days and 4 of March's 31 days.
    # 310 x 20 / 29 = 213.793... -> 213.79; 310 x 4 / 31 = 40.00.
    assert [(f.kind.value, f.reference, str(f.amount.amount)) for f in sub.fees] == [
        ("regular", None, "170.00"),  # 310 x 17 / 31
        ("regular", None, "310.00"),
        ("regular", None, "310.00"),
        ("credit", "SUB-T/R/2024-02-01", "-213.79"),
        ("credit", "SUB-T/R/2024-03-01", "-40.00"),
    ]
    # Credits cover the affected days: February's from the suspension (Feb 10); March's
    # from March 1, since the suspension was already running on the fee's first day (its
    # revenue reversal must include Mar 1-4, not start at the resumption on Mar 5).
    assert [(str(f.start), str(f.end)) for f in sub.fees[3:]] == [
        ("2024-02-10", "2024-03-01"),
        ("2024-03-01", "2024-04-01"),
    ]
    # The periods were not cut: Jan 15 - Mar 31 is tiled by three fees, no gap.
    spans = _regular_spans(sub)
    assert spans == [
        (D(2024, 1, 15), D(2024, 2, 1)),
        (D(2024, 2, 1), D(2024, 3, 1)),
        (D(2024, 3, 1), D(2024, 4, 1)),
    ]
    assert _tiles(spans)

    gone, _ = cancel(sub, CancelMode.IMMEDIATE, D(2024, 3, 20), at=CLOCK.now())
    # March is now worth Mar 5-19, 15 days: 310 x 15 / 31 = 150.00; it kept 310 - 40 = 270.
    assert [(f.kind.value, f.reference, str(f.amount.amount)) for f in gone.fees[5:]] == [
        ("credit", "SUB-T/R/2024-03-01", "-120.00"),
    ]
    assert str(gone.end) == "2024-03-20"
    # The issued March fee still covers the whole month (credited, not rewritten).
    assert _regular_spans(gone) == spans
    # Nothing more is billed after the end: a later run adds no regular fee.
    later, _ = generate_fees(gone, D(2024, 1, 1), D(2024, 7, 1), at=CLOCK.now())
    assert _regular_spans(later) == spans
