"""Invariants of money: exact allocation, exact proration, never two currencies at once."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecore.errors import CurrencyMismatchError
from servicecore.money import Currency, Money, Rounding, allocate, split
from servicecore.testing.strategies import currencies, money

ratios = st.lists(
    st.one_of(
        st.integers(0, 1000),
        st.fractions(min_value=0, max_value=50, max_denominator=97),
        st.decimals(min_value=0, max_value=100, places=3),
    ),
    min_size=1,
    max_size=12,
).filter(lambda rs: sum(Fraction(r) for r in rs) > 0)


def exact_shares(whole: Money, weights: list[Any]) -> list[Fraction]:
    """Each part's exact share in minor units, computed with fractions only."""
    units = Fraction(whole.amount) * 10**whole.currency.minor_units
    fracs = [Fraction(w) for w in weights]
    total = sum(fracs, Fraction(0))
    return [units * w / total for w in fracs]


def units_of(part: Money) -> Fraction:
    return Fraction(part.amount) * Fraction(10**part.currency.minor_units)


@given(money(), ratios)
def test_allocate_sums_exactly_and_stays_within_one_unit(whole: Money, weights: list[Any]) -> None:
    parts = allocate(whole, weights)
    assert len(parts) == len(weights)
    assert all(p.currency == whole.currency and p.is_rounded for p in parts)
    assert sum(parts, Money.zero(whole.currency)) == whole
    for part, share in zip(parts, exact_shares(whole, weights), strict=True):
        assert abs(units_of(part) - share) < 1
    for part, w in zip(parts, weights, strict=True):
        if Fraction(w) == 0:
            assert part.is_zero()


@given(money(min_units=0), ratios)
def test_allocate_is_largest_remainder_with_earlier_ties(whole: Money, weights: list[Any]) -> None:
    parts = allocate(whole, weights)
    shares = exact_shares(whole, weights)
    floors = [math.floor(s) for s in shares]
    extra = [units_of(p) - f for p, f in zip(parts, floors, strict=True)]
    assert set(extra) <= {0, 1}
    rem = [s - f for s, f in zip(shares, floors, strict=True)]
    winners = [i for i, e in enumerate(extra) if e == 1]
    losers = [i for i, e in enumerate(extra) if e == 0]
    for i in winners:
        for j in losers:
            assert rem[i] > rem[j] or (rem[i] == rem[j] and i < j)


@given(money(), ratios)
def test_allocate_is_deterministic_and_symmetric_in_sign(whole: Money, weights: list[Any]) -> None:
    assert allocate(whole, weights) == allocate(whole, list(weights))
    assert allocate(-whole, weights) == tuple(-p for p in allocate(whole, weights))


@given(money(), st.integers(1, 40))
def test_split_sums_exactly_and_earlier_parts_are_not_smaller(whole: Money, n: int) -> None:
    parts = split(whole, n)
    assert len(parts) == n
    assert sum(parts, Money.zero(whole.currency)) == whole
    magnitudes = [abs(p) for p in parts]
    assert magnitudes == sorted(magnitudes, reverse=True)
    assert max(magnitudes).minor_units - min(magnitudes).minor_units <= 1


def expected_rounding(value: Fraction, mode: Rounding) -> int:
    """Round a fraction to an integer per ``mode``, written independently of the library."""
    if mode is Rounding.CEILING:
        return math.ceil(value)
    if mode is Rounding.FLOOR:
        return math.floor(value)
    sign = -1 if value < 0 else 1
    a = abs(value)
    f = math.floor(a)
    r = a - f
    half = Fraction(1, 2)
    if mode is Rounding.DOWN:
        g = f
    elif mode is Rounding.UP:
        g = f + (1 if r else 0)
    elif mode is Rounding.HALF_UP:
        g = f + (1 if r >= half else 0)
    elif mode is Rounding.HALF_DOWN:
        g = f + (1 if r > half else 0)
    else:
        g = f + (1 if r > half or (r == half and f % 2 == 1) else 0)
    return sign * g


@given(
    money(extra_digits=2),
    st.integers(-500, 500),
    st.integers(-500, 500).filter(bool),
    st.sampled_from(Rounding),
)
def test_scaled_equals_fraction_arithmetic(
    amount: Money, num: int, den: int, mode: Rounding
) -> None:
    result = amount.scaled(num, den, mode)
    exact_units = Fraction(amount.amount) * num / den * 10**amount.currency.minor_units
    assert result.currency == amount.currency
    assert result.is_rounded
    assert result.minor_units == expected_rounding(exact_units, mode)


@given(money(extra_digits=3), st.sampled_from(Rounding))
def test_rounded_matches_fraction_rounding(amount: Money, mode: Rounding) -> None:
    exact_units = Fraction(amount.amount) * 10**amount.currency.minor_units
    assert amount.rounded(mode).minor_units == expected_rounding(exact_units, mode)


@given(st.data(), st.integers(-1000, 1000))
def test_arithmetic_matches_fraction_arithmetic(data: st.DataObject, k: int) -> None:
    a = data.draw(money(extra_digits=1), label="a")
    b = data.draw(money(a.currency), label="b")
    assert Fraction((a + b).amount) == Fraction(a.amount) + Fraction(b.amount)
    assert Fraction((a - b).amount) == Fraction(a.amount) - Fraction(b.amount)
    assert Fraction((a * k).amount) == Fraction(a.amount) * k
    assert (a < b) == (Fraction(a.amount) < Fraction(b.amount))


BINARY: list[tuple[str, Callable[[Money, Money], object]]] = [
    ("+", operator.add),
    ("-", operator.sub),
    ("<", operator.lt),
    ("<=", operator.le),
    (">", operator.gt),
    (">=", operator.ge),
    ("sum", lambda a, b: Money.sum([a, b], a.currency)),
    ("builtin sum", lambda a, b: sum([a, b])),
]


@pytest.mark.parametrize(("name", "op"), BINARY, ids=[n for n, _ in BINARY])
@given(data=st.data())
def test_no_operation_combines_two_currencies(
    name: str, op: Callable[[Money, Money], object], data: st.DataObject
) -> None:
    a = data.draw(money(), label="a")
    other = data.draw(currencies().filter(lambda c: c != a.currency), label="other")
    b = data.draw(money(other), label="b")
    with pytest.raises(CurrencyMismatchError) as info:
        op(a, b)
    assert info.value.expected == a.currency.code
    assert info.value.actual == other.code
    assert a != b


@given(currencies(), st.integers(-(10**15), 10**15))
def test_from_minor_round_trips(currency: Currency, units: int) -> None:
    m = Money.from_minor(units, currency)
    assert m.minor_units == units
    assert m.amount == Decimal(units) / Decimal(10**currency.minor_units)
