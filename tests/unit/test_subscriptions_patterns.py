"""The values the schedule engine builds without a second round of checks are exactly
the values the checked constructors build (issue 16: one engine, two shapes of result)."""

from __future__ import annotations

import attrs
import pendulum
import pytest

from servicecore.money import Currency, Money
from servicecore.recurrence import Period
from servicecore.subscriptions import Fee, FeeKind, RevenueEntry, patterns, revenue


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
    built = patterns.regular_fees(
        2,
        ["S1/R/2024-01-01", "S1/R/2024-01-10"],
        "S1",
        [jan, part],
        [jan, jan],
        amounts,
        [jan.start, part.start],
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
