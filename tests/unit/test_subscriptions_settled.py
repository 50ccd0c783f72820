"""Generation runs re-value only the issued fees a change can have touched (issue 15 item 19).

The number of re-valued fees is counted through ``_worth`` as the corrections of
``billing.ledger`` call it; every scenario is also replayed with the record of settled
ledgers dropped before each run, which re-values every fee, and must give the very same
ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest

from servicecore.money import Money
from servicecore.subscriptions import (
    Alignment,
    CancelMode,
    Fee,
    FeeKind,
    Subscription,
    SubscriptionGroup,
    activate,
    billing,
    cancel,
    change_price,
    create_subscription,
    generate_fees,
    reduce_days,
    reduce_price,
    resume,
    suspend,
)

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
GROUP = SubscriptionGroup(company_id="ACME", id="M")


@pytest.fixture
def revalued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The ids of the fees re-valued, in order."""
    seen: list[str] = []
    original = billing._worth

    def counting(sub: Subscription, fee: Fee, lowered: tuple[int, int, int] = (0, 1, 1)) -> int:
        seen.append(fee.id)
        return original(sub, fee, lowered)

    monkeypatch.setattr(billing.ledger, "_worth", counting)
    billing._forget_settled()
    yield seen
    billing._forget_settled()


def _month(n: int) -> dt.date:
    y, m = divmod(n, 12)
    return dt.date(2024 + y, m + 1, 1)


def _new(sid: str = "S1") -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME",
        id=sid,
        group=GROUP,
        customer_id="C1",
        price=Money.of("310.00", "EUR"),
        start=dt.date(2024, 1, 1),
        at=AT,
        alignment=Alignment.calendar(),
    )
    sub, _ = activate(sub, at=AT)
    return sub


def _run(sub: Subscription, months: range) -> Subscription:
    for n in months:
        sub, _ = generate_fees(sub, _month(n), _month(n + 1), at=AT, as_of=_month(n))
    return sub


def test_a_run_without_changes_revalues_no_old_fee(revalued: list[str]) -> None:
    sub = _run(_new(), range(24))
    revalued.clear()
    sub = _run(sub, range(24, 36))
    assert revalued == []
    assert len(sub.fees) == 36
    assert all(f.amount == Money.of("310.00", "EUR") for f in sub.fees)


def test_a_suspension_revalues_only_the_fees_it_meets(revalued: list[str]) -> None:
    sub = _run(_new(), range(24))  # Jan 2024 .. Dec 2025 issued
    sub, _ = suspend(sub, dt.date(2025, 10, 16), at=AT)
    sub, _ = resume(sub, dt.date(2025, 11, 1), at=AT)
    revalued.clear()
    sub = _run(sub, range(24, 25))
    assert revalued == ["S1/R/2025-10-01"]  # the suspension ran Oct 16 .. Oct 31
    credits = [f for f in sub.fees if f.kind is FeeKind.CREDIT]
    # October 2025: 16 of 31 days suspended at 310.00 -> 160.00 credited
    assert [(f.reference, str(f.amount)) for f in credits] == [("S1/R/2025-10-01", "-160.00 EUR")]
    revalued.clear()
    sub = _run(sub, range(25, 26))
    assert revalued == []
    sub, _ = suspend(sub, dt.date(2025, 12, 20), at=AT)  # open: every day from Dec 20 on
    revalued.clear()
    _run(sub, range(26, 27))
    assert revalued == ["S1/R/2025-12-01", "S1/R/2026-01-01", "S1/R/2026-02-01"]


def test_a_price_change_revalues_the_fees_from_its_date(revalued: list[str]) -> None:
    sub = _run(_new(), range(12))
    sub, _ = change_price(sub, Money.of("620.00", "EUR"), dt.date(2024, 11, 16), at=AT)
    revalued.clear()
    sub = _run(sub, range(12, 13))
    assert revalued == ["S1/R/2024-11-01", "S1/R/2024-12-01"]
    adjustments = [(f.reference, str(f.amount)) for f in sub.fees if f.kind is FeeKind.ADJUSTMENT]
    # November: 15 of 30 days at +310.00 -> 155.00; December: the whole month +310.00
    assert adjustments == [("S1/R/2024-11-01", "155.00 EUR"), ("S1/R/2024-12-01", "310.00 EUR")]


def test_a_fee_lowered_since_the_last_run_is_revalued(revalued: list[str]) -> None:
    sub = _run(_new(), range(12))
    sub, _ = reduce_price(sub, "S1/R/2024-03-01", Money.of("10.00", "EUR"), at=AT)
    sub, _ = reduce_days(sub, "S1/R/2024-05-01", dt.date(2024, 5, 1), dt.date(2024, 5, 31), at=AT)
    revalued.clear()
    _run(sub, range(12, 13))
    assert revalued == ["S1/R/2024-03-01", "S1/R/2024-05-01"]


def test_a_ledger_unknown_to_the_record_is_revalued_whole(revalued: list[str]) -> None:
    sub = _run(_new(), range(6))
    billing._forget_settled()
    revalued.clear()
    _run(sub, range(6, 7))
    assert len(revalued) == 6


def _scenario(steps: list[Callable[[Subscription], Subscription]], forget: bool) -> Subscription:
    sub = _new("X")
    month = 0
    for step in steps:
        if forget:
            billing._forget_settled()
        sub = _run(sub, range(month, month + 3))
        month += 3
        sub = step(sub)
    if forget:
        billing._forget_settled()
    return _run(sub, range(month, month + 2))


STEPS: list[Callable[[Subscription], Subscription]] = [
    lambda s: change_price(s, Money.of("99.99", "EUR"), dt.date(2024, 2, 10), at=AT)[0],
    lambda s: suspend(s, dt.date(2024, 4, 3), at=AT)[0],
    lambda s: resume(s, dt.date(2024, 8, 20), at=AT)[0],
    lambda s: reduce_price(s, "X/R/2024-01-01", Money.of("5.00", "EUR"), at=AT)[0],
    lambda s: reduce_days(s, "X/R/2024-02-01", dt.date(2024, 2, 20), dt.date(2024, 2, 22), at=AT)[
        0
    ],
    lambda s: change_price(s, Money.of("10.00", "EUR"), dt.date(2024, 9, 1), at=AT)[0],
]


def test_runs_settle_to_the_same_ledger_as_full_revaluation(revalued: list[str]) -> None:
    fast = _scenario(STEPS, forget=False)
    full = _scenario(STEPS, forget=True)
    assert fast.fees == full.fees
    ended, _ = cancel(fast, CancelMode.IMMEDIATE, dt.date(2024, 12, 15), at=AT)
    billing._forget_settled()
    ended_full, _ = cancel(full, CancelMode.IMMEDIATE, dt.date(2024, 12, 15), at=AT)
    assert ended.fees == ended_full.fees
