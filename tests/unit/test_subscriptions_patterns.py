"""The values the schedule engine builds without a second round of checks are exactly
the values the checked constructors build (issue 16: one engine, two shapes of result)."""

from __future__ import annotations

import datetime as dt

import attrs
import pendulum
import pytest

from servicecore.money import Currency, Money
from servicecore.recurrence import Interval, Period
from servicecore.subscriptions import (
    Alignment,
    Fee,
    FeeKind,
    RemainderPlacement,
    RevenueEntry,
    RevenuePolicy,
    Subscription,
    SubscriptionGroup,
    activate,
    bulk_schedules,
    create_subscription,
    fee_revenue,
    patterns,
    plan_fees,
    revenue,
)
from tests.builders.subscriptions import active

AT = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def test_the_fee_builder_sets_every_field_of_fee() -> None:
    assert {a.name for a in attrs.fields(Fee)} == set(patterns._FEE_FIELDS)


def test_the_entry_builder_sets_every_field_of_revenue_entry() -> None:
    built = revenue._entry(
        "F1",
        Period(pendulum.Date(2024, 1, 1), pendulum.Date(2024, 2, 1)),
        Money.of("1.00", "EUR"),
        pendulum.Date(2024, 1, 31),
    )
    assert {a.name for a in attrs.fields(RevenueEntry)} == {
        "fee_id",
        "period",
        "amount",
        "recognised_on",
    }
    assert repr(built) == repr(
        RevenueEntry(
            "F1",
            Period(pendulum.Date(2024, 1, 1), pendulum.Date(2024, 2, 1)),
            Money.of("1.00", "EUR"),
            pendulum.Date(2024, 1, 31),
        )
    )


def test_built_fees_equal_fees_built_by_their_constructor() -> None:
    jan = Period(pendulum.Date(2024, 1, 1), pendulum.Date(2024, 2, 1))
    part = Period(pendulum.Date(2024, 1, 10), pendulum.Date(2024, 2, 1))
    amounts = [Money.of("100.00", "EUR"), Money.of("70.97", "EUR")]
    ids: list[str] = ["placeholder"]
    built: list[Fee] = []
    got = patterns.regular_fees(
        "S1", [(1, "/R/2024-01-01", jan, jan, jan.start)], amounts[0], ids, None, built
    )
    assert got is built
    patterns.regular_fees(
        "S1", [(2, "/R/2024-01-10", part, jan, part.start)], amounts[1], ids, None, built
    )
    expected = [
        Fee(
            id="S1/R/2024-01-01",
            subscription_id="S1",
            kind=FeeKind.REGULAR,
            period=jan,
            full_period=jan,
            amount=amounts[0],
            invoice_date=jan.start,
        ),
        Fee(
            id="S1/R/2024-01-10",
            subscription_id="S1",
            kind=FeeKind.REGULAR,
            period=part,
            full_period=jan,
            amount=amounts[1],
            invoice_date=part.start,
        ),
    ]
    assert built == expected
    assert ids == ["placeholder", "S1/R/2024-01-01", "S1/R/2024-01-10"]
    assert [f._at for f in built] == [1, 2]
    assert [repr(f) for f in built] == [repr(f) for f in expected]
    assert [hash(f) for f in built] == [hash(f) for f in expected]


@pytest.mark.parametrize("code", ["JPY", "EUR", "BHD", "CLF"])
@pytest.mark.parametrize("units", [0, 1, -1, 12345, -987654321, 10**29, -(10**31), 10**35])
def test_money_from_units_is_money_from_minor(code: str, units: int) -> None:
    cur = Currency.of(code)
    built = patterns.money(units, cur)
    expected = Money.from_minor(units, cur)
    assert built == expected
    assert repr(built) == repr(expected)
    assert built.amount.as_tuple() == expected.amount.as_tuple()  # same digits and exponent


# -- the engine's shortcuts give the hand-checked values where its tables end -----------------
@pytest.mark.parametrize("year", [1700, 2023, 2500])  # none is a leap year
def test_a_quarter_splits_by_days_before_during_and_after_the_accrual_table(year: int) -> None:
    q = Period(pendulum.Date(year, 1, 1), pendulum.Date(year, 4, 1))
    fee = Fee(
        id="F1",
        subscription_id="S1",
        kind=FeeKind.REGULAR,
        period=q,
        full_period=q,
        amount=Money.of("300.00", "EUR"),
        invoice_date=q.start,
    )
    entries = fee_revenue(fee, RevenuePolicy(Interval.months(1)))
    # 31, 28 and 31 of 90 days: 103.33.., 93.33.., 103.33.., the first takes the cent left
    assert [str(e.amount) for e in entries] == ["103.34 EUR", "93.33 EUR", "103.33 EUR"]
    assert [e.recognised_on for e in entries] == [
        pendulum.Date(year, 1, 31),
        pendulum.Date(year, 2, 28),
        pendulum.Date(year, 3, 31),
    ]
    assert [e.period.days for e in entries] == [31, 28, 31]


def _monthly(start: pendulum.Date, price: str = "310.00", id: str = "S1") -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME",
        id=id,
        group=SubscriptionGroup(company_id="ACME", id="M"),
        customer_id="C1",
        price=Money.of(price, "EUR"),
        start=start,
        end=start.add(months=3),
        alignment=Alignment.anniversary(),
        at=AT,
    )
    sub, _ = activate(sub, at=AT)
    return sub


@pytest.mark.parametrize("year", [1750, 2450])
def test_fees_and_revenue_far_from_today_are_the_hand_checked_ones(year: int) -> None:
    sub = _monthly(pendulum.Date(year, 1, 15))
    lo, hi = pendulum.Date(year - 150, 1, 1), pendulum.Date(year + 150, 1, 1)  # a long window
    fees = plan_fees(sub, lo, hi).fees
    assert [(str(f.start), str(f.end), str(f.amount)) for f in fees] == [
        (f"{year}-01-15", f"{year}-02-15", "310.00 EUR"),
        (f"{year}-02-15", f"{year}-03-15", "310.00 EUR"),
        (f"{year}-03-15", f"{year}-04-15", "310.00 EUR"),
    ]
    entries = [e for f in fees for e in fee_revenue(f)]
    # 17 + 14 of 31 days, 14 + 14 of 28, 17 + 14 of 31
    assert [str(e.amount) for e in entries] == [
        "170.00 EUR",
        "140.00 EUR",
        "155.00 EUR",
        "155.00 EUR",
        "170.00 EUR",
        "140.00 EUR",
    ]
    assert [str(e.recognised_on) for e in entries] == [
        f"{year}-01-31",
        f"{year}-02-28",
        f"{year}-02-28",
        f"{year}-03-31",
        f"{year}-03-31",
        f"{year}-04-30",
    ]
    arrays = bulk_schedules([sub], lo, hi).schedules[0]
    assert list(arrays.fee_amounts) == [31000, 31000, 31000]
    assert list(arrays.rev_amounts) == [17000, 14000, 15500, 15500, 17000, 14000]


def test_dropped_caches_are_rebuilt_with_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    sub = _monthly(pendulum.Date(2024, 1, 15))
    lo, hi = pendulum.Date(2024, 1, 1), pendulum.Date(2025, 1, 1)
    before = [(f, fee_revenue(f)) for f in plan_fees(sub, lo, hi).fees]
    monkeypatch.setattr(patterns, "_PATTERN_BUDGET", 1)  # every new pattern drops the others
    for n in range(1, 70):  # more split rules than are kept
        patterns.accrual(Interval.months(n), n % 2 == 0, RemainderPlacement.LAST)
    after = [(f, fee_revenue(f)) for f in plan_fees(sub, lo, hi).fees]
    assert after == before
    cache = patterns._Cache(2)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache == {"c": "C"}  # full: dropped whole, then the new entry


# -- fees and entries built through their slot base are real, frozen values ---------------
def test_fee_and_revenue_entry_keep_their_fields_in_the_slot_base_only() -> None:
    # The engine fills a _FeeSlots / _EntrySlots and assigns __class__: CPython allows it
    # only while the attrs class adds no slot of its own (a new field must go in the base).
    from servicecore.subscriptions.model.values import _FeeSlots

    assert vars(Fee)["__slots__"] == ()
    assert Fee.__basicsize__ == _FeeSlots.__basicsize__
    assert set(_FeeSlots.__slots__) == {a.name for a in attrs.fields(Fee)} | {
        "__weakref__",
        "_plan",  # the link to the engine's plan, not a field (see the tests below)
        "_at",
    }
    assert vars(RevenueEntry)["__slots__"] == ()
    assert RevenueEntry.__basicsize__ == revenue._EntrySlots.__basicsize__
    assert set(revenue._EntrySlots.__slots__) == {a.name for a in attrs.fields(RevenueEntry)} | {
        "__weakref__"
    }


def test_fees_and_entries_the_engine_builds_are_frozen_and_pickle_like_built_ones() -> None:
    import pickle
    import weakref

    sub = _monthly(pendulum.Date(2024, 1, 15))
    fees = plan_fees(sub, pendulum.Date(2024, 1, 1), pendulum.Date(2025, 1, 1)).fees
    entries = [e for f in fees for e in fee_revenue(f)]
    for value in (fees[0], entries[0], entries[-1]):
        assert type(value) in (Fee, RevenueEntry)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            value.period = value.period  # type: ignore[misc]
        again = pickle.loads(pickle.dumps(value))
        assert again == value
        assert type(again) is type(value)
        assert weakref.ref(value)() is value
    assert fees[0] == attrs.evolve(fees[0])  # evolve builds through the constructor


def _weekly(n_years: int) -> Subscription:
    sub, _ = create_subscription(
        company_id="ACME",
        id="W1",
        group=SubscriptionGroup(company_id="ACME", id="W", invoice_interval=Interval.weeks(1)),
        customer_id="C1",
        price=Money.of("70.00", "EUR"),
        start=pendulum.Date(2024, 1, 3),  # a Wednesday: every fee straddles some month end
        end=pendulum.Date(2024 + n_years, 1, 3),
        alignment=Alignment.anniversary(),
        at=AT,
    )
    sub, _ = activate(sub, at=AT)
    return sub


@pytest.mark.parametrize("order", ["in order", "backwards", "from the middle", "every third"])
def test_revenue_of_a_plan_longer_than_a_chunk_is_each_fees_own(order: str) -> None:
    sub = _weekly(7)  # 366 weekly fees: more than the 256 built at once
    fees = plan_fees(sub, pendulum.Date(2024, 1, 1), pendulum.Date(2031, 2, 1)).fees
    assert len(fees) == 366  # 2557 days: 365 whole weeks and 2 days
    assert str(fees[-1].amount) == "20.00 EUR"  # 2 days of 7 of 70.00, clipped by the end
    ks = list(range(len(fees)))
    if order == "backwards":
        ks.reverse()
    elif order == "from the middle":
        ks = ks[300:] + ks[:300]
    elif order == "every third":
        ks = ks[::3] + ks[1::3] + ks[2::3]
    got = {k: fee_revenue(fees[k]) for k in ks}
    for k, entries in got.items():
        alone = fee_revenue(attrs.evolve(fees[k]))  # an equal fee, not the plan's: split alone
        assert entries == alone
        assert sum((e.amount for e in entries), Money.zero("EUR")) == fees[k].amount
    # a week from Wednesday 2024-01-31: 1 day of January (10.00), 6 of February (60.00)
    jan31 = got[4]
    assert [(str(e.period.start), str(e.amount)) for e in jan31] == [
        ("2024-01-31", "10.00 EUR"),
        ("2024-02-01", "60.00 EUR"),
    ]


def test_a_fee_of_another_threads_plan_gets_its_own_entries() -> None:
    import threading

    mine = _monthly(pendulum.Date(2024, 1, 15))
    theirs = _monthly(pendulum.Date(2024, 1, 15), "620.00", "S2")
    lo, hi = pendulum.Date(2024, 1, 1), pendulum.Date(2025, 1, 1)
    my_fees = plan_fees(mine, lo, hi).fees
    their_fees: list[tuple[Fee, ...]] = []
    worker = threading.Thread(target=lambda: their_fees.append(plan_fees(theirs, lo, hi).fees))
    worker.start()
    worker.join()
    # the other thread planned last: its plan is the latest, this thread's is still its own
    for fee in (*my_fees, *their_fees[0], my_fees[0]):
        assert fee_revenue(fee) == fee_revenue(attrs.evolve(fee))
    assert [str(e.amount) for e in fee_revenue(their_fees[0][0])] == ["340.00 EUR", "280.00 EUR"]
    assert [str(e.amount) for e in fee_revenue(my_fees[0])] == ["170.00 EUR", "140.00 EUR"]


def test_shared_money_tables_are_bounded_and_give_equal_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patterns, "_MONEY_TABLE_SIZE", 3)
    monkeypatch.setattr(patterns, "_MONEY_CURRENCIES", 1)
    monkeypatch.setattr(patterns, "_PRICES_PER_PATTERN", 2)
    eur, jpy = Currency.of("EUR"), Currency.of("JPY")
    for units in range(10):
        assert patterns.money(units, eur) == Money.from_minor(units, eur)
        assert patterns.money(units, jpy) == Money.from_minor(units, jpy)
    assert len(patterns.money_table(eur)) <= 3
    assert len(patterns._MONEY_TABLES) == 1
    assert patterns.money_list([5, -5, 10**33], eur) == [
        Money.from_minor(5, eur),
        Money.from_minor(-5, eur),
        Money.from_minor(10**33, eur),
    ]
    sub = _monthly(pendulum.Date(2024, 1, 15))
    lo, hi = pendulum.Date(2024, 1, 1), pendulum.Date(2025, 1, 1)
    for price in ("310.00", "620.00", "930.00", "310.00"):  # more prices than are kept
        fees = plan_fees(_monthly(sub.start, price), lo, hi).fees
        assert [fee_revenue(f) for f in fees] == [fee_revenue(attrs.evolve(f)) for f in fees]
    rev = fees[0]._plan.span.pattern.revenue_of(revenue._accrual_of(RevenuePolicy()))
    assert len(rev.tables) <= 2
    fees[0]._plan.forget()  # entries dropped: built again, the same
    assert fee_revenue(fees[0]) == fee_revenue(attrs.evolve(fees[0]))


# -- a fee the engine built links to its plan; the link is not part of the value ----------
def test_the_link_to_the_plan_is_not_part_of_the_fee() -> None:
    import copy
    import pickle

    sub = _monthly(pendulum.Date(2024, 1, 15))
    fee = plan_fees(sub, pendulum.Date(2024, 1, 1), pendulum.Date(2025, 1, 1)).fees[1]
    assert isinstance(fee._plan, patterns.PlannedFees)
    # the plan's pattern starts with the period 2023-12-15 .. 2024-01-15 (the window's
    # first day falls in it): the plan's fees are those of periods 1, 2, ...
    assert (fee._plan.first, fee._at) == (1, 2)
    by_hand = attrs.evolve(fee)
    assert not hasattr(by_hand, "_plan")  # built by the constructor: no link
    assert by_hand == fee
    assert hash(by_hand) == hash(fee)
    assert repr(by_hand) == repr(fee)
    assert "_plan" not in repr(fee)
    for again in (pickle.loads(pickle.dumps(fee)), copy.copy(fee), copy.deepcopy(fee)):
        assert again == fee
        assert not hasattr(again, "_plan")
        assert fee_revenue(again) == fee_revenue(fee)


def test_a_thread_keeps_the_entries_of_one_plan_at_a_time() -> None:
    # A host that keeps its fees (in its subscriptions) must not keep every fee's entries:
    # building the entries of one plan drops those of the plan built before in the thread.
    lo, hi = pendulum.Date(2024, 1, 1), pendulum.Date(2025, 1, 1)
    first = plan_fees(_monthly(pendulum.Date(2024, 1, 15)), lo, hi).fees
    second = plan_fees(_monthly(pendulum.Date(2024, 1, 15), "620.00", "S2"), lo, hi).fees
    before = fee_revenue(first[2])
    assert first[2]._plan.entries  # built, and kept while it is the thread's latest
    assert fee_revenue(second[0])
    assert first[2]._plan.entries == {}  # dropped once the next plan's entries were built
    assert second[0]._plan.entries
    again = fee_revenue(first[2])  # asked again: built again, the same values
    assert again == before
    assert again == fee_revenue(attrs.evolve(first[2]))
    assert second[0]._plan.entries == {}


class _Impostor:
    """Not a Fee, but with the attributes the fast lookup reads."""

    class _plan:  # the attribute the lookup reads
        current = 3  # not subscriptable

    _at = 0


class _NoPlan:
    _plan = "not a plan"  # no .current
    _at = 0


class _ThreeThings:
    """Its plan's ``current`` is no pair: unpacking it fails."""

    class _plan:
        current = (1, 2, 3)

    _at = 0


@pytest.mark.parametrize("value", [_Impostor(), _NoPlan(), _ThreeThings(), None, "F1", 3])
def test_fee_revenue_of_something_else_than_a_fee_says_what_is_allowed(value: object) -> None:
    from servicecore.errors import ValidationError

    with pytest.raises(ValidationError, match="fee must be a Fee"):
        fee_revenue(value)  # type: ignore[arg-type]


def test_a_clipped_fee_under_daily_accrual_has_one_entry_per_day_in_both_shapes() -> None:
    # on calendar months from the 20th: the first fee is clipped
    sub = active(price="310.00", start=pendulum.Date(2024, 1, 20))
    lo, hi = pendulum.Date(2024, 1, 1), pendulum.Date(2024, 3, 1)
    daily = RevenuePolicy(Interval.days(1))
    fees = plan_fees(sub, lo, hi).fees
    assert [str(f.amount) for f in fees] == ["120.00 EUR", "310.00 EUR"]  # 12 of 31 days
    first = fee_revenue(fees[0], daily)
    assert [str(e.recognised_on) for e in first] == [f"2024-01-{d}" for d in range(20, 32)]
    assert {str(e.amount) for e in first} == {"10.00 EUR"}
    s = bulk_schedules([sub], lo, hi, daily).schedules[0]
    assert list(s.rev_counts) == [12, 29]
    assert list(s.rev_amounts) == [
        e.amount.minor_units for f in fees for e in fee_revenue(attrs.evolve(f), daily)
    ]
