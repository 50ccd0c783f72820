"""Money: construction, refusal of floats, arithmetic, comparison, rounding, registry."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from servicecore.errors import CurrencyMismatchError, ValidationError
from servicecore.money import Currency, Money, Rounding, allocate, register_currency, split


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


# -- construction ------------------------------------------------------------------------------
def test_of_parses_strings_ints_and_decimals() -> None:
    assert eur("12.30").amount == Decimal("12.30")
    assert Money.of(5, "EUR").amount == Decimal(5)
    assert Money.of(Decimal("0.1"), "eur").currency == Currency("EUR", 2)
    assert Money.of(" 7.5 ", Currency.of("USD")) == Money(Decimal("7.5"), Currency("USD", 2))


@pytest.mark.parametrize("bad", [0.1, 1.0, True, None, [1], "abc", "NaN", "Infinity", "-inf"])
def test_of_rejects_floats_bools_and_junk(bad: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Money.of(bad, "EUR")
    assert info.value.field == "amount"
    assert info.value.allowed


def test_float_message_says_why() -> None:
    with pytest.raises(ValidationError, match="floats cannot hold money exactly"):
        Money.of(0.1, "EUR")  # type: ignore[arg-type]


def test_direct_construction_is_checked() -> None:
    with pytest.raises(ValidationError):
        Money("1.00", Currency.of("EUR"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money(Decimal("NaN"), Currency.of("EUR"))
    with pytest.raises(ValidationError):
        Money(Decimal(1), "EUR")  # type: ignore[arg-type]


def test_zero_from_minor_and_minor_units() -> None:
    assert Money.zero("JPY") == Money.of(0, "JPY")
    assert Money.from_minor(1230, "EUR") == eur("12.30")
    assert Money.from_minor(-5, "BHD") == Money.of("-0.005", "BHD")
    assert Money.from_minor(7, "JPY").amount == Decimal(7)
    assert eur("12.30").minor_units == 1230
    with pytest.raises(ValidationError, match="call rounded"):
        _ = eur("0.001").minor_units
    with pytest.raises(ValidationError):
        Money.from_minor(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money.from_minor(True, "EUR")


def test_minor_units_refuse_an_unrounded_amount_of_more_than_28_digits() -> None:
    # 1 EUR and 10**-30: 31 significant digits, more than the default decimal context holds.
    # The amount is not a whole number of cents, so it has no minor units, and parts of it
    # could not add up to it.
    unrounded = Money(Decimal("1.000000000000000000000000000001"), Currency.of("EUR"))
    assert not unrounded.is_rounded
    with pytest.raises(ValidationError, match="call rounded") as info:
        _ = unrounded.minor_units
    assert info.value.field == "amount"
    with pytest.raises(ValidationError, match="more decimals"):
        split(unrounded, 3)
    with pytest.raises(ValidationError, match="more decimals"):
        allocate(unrounded, [1, 2])
    # Rounded amounts of as many digits keep their exact minor units.
    assert eur("12345678901234567890123456789.00").minor_units == 1234567890123456789012345678900
    assert eur("-1.0000000000000000000000000000000").minor_units == -100


def test_from_minor_refuses_units_beyond_the_documented_magnitude() -> None:
    # MAX_AMOUNT_DIGITS is 36: an amount below 10**36 EUR, i.e. below 10**38 cents.
    largest = Money.from_minor(10**38 - 1, "EUR")
    assert largest.amount == Decimal("999999999999999999999999999999999999.99")
    for units in (10**38, -(10**38)):
        with pytest.raises(ValidationError, match="beyond the magnitude") as info:
            Money.from_minor(units, "EUR")
        assert info.value.field == "units"
        assert info.value.allowed == "fewer than 10**36 EUR"


def test_unknown_currency_and_bad_codes() -> None:
    with pytest.raises(ValidationError, match="not registered"):
        Money.of(1, "ABC")
    with pytest.raises(ValidationError, match="code or a Currency"):
        Currency.of(978)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="ISO 4217"):
        Currency("eur", 2)
    with pytest.raises(ValidationError, match="minor units"):
        Currency("EUR", 9)
    with pytest.raises(ValidationError):
        Currency("EUR", True)


def test_currency_quantum_repr_and_str() -> None:
    assert Currency.of("EUR").quantum == Decimal("0.01")
    assert Currency.of("JPY").quantum == Decimal(1)
    assert Currency.of("BHD").quantum == Decimal("0.001")
    assert repr(Currency.of("EUR")) == "Currency('EUR', 2)"
    assert str(Currency.of("EUR")) == "EUR"
    assert Currency.of(Currency.of("EUR")) is Currency.of("EUR")


def test_register_currency() -> None:
    xts = register_currency("XTS", 3)
    assert Currency.of("XTS") == xts == Currency("XTS", 3)
    assert register_currency("XTS", 3) == xts  # registering again is harmless
    with pytest.raises(ValidationError, match="already registered with 3 minor units"):
        register_currency("XTS", 2)
    with pytest.raises(ValidationError, match="already registered with 2"):
        register_currency("EUR", 3)
    assert Money.of("1.2345", "XTS").rounded() == Money.of("1.235", "XTS")


# -- inspection and arithmetic -------------------------------------------------------------------
def test_predicates() -> None:
    assert eur("0").is_zero()
    assert not eur("0").is_negative()
    assert not eur("0").is_positive()
    assert eur("-1").is_negative()
    assert eur("1").is_positive()
    assert eur("1.20").is_rounded
    assert not eur("1.205").is_rounded


def test_arithmetic_is_exact() -> None:
    assert eur("0.10") + eur("0.20") == eur("0.30")
    assert eur("1.00") - eur("0.01") == eur("0.99")
    assert eur("19.99") * 3 == eur("59.97")
    assert 3 * eur("19.99") == eur("59.97")
    assert eur("10.00") * Decimal("0.075") == eur("0.75000")
    assert -eur("1.50") == eur("-1.50")
    assert +eur("1.50") == eur("1.50")
    assert abs(eur("-1.50")) == eur("1.50")
    assert sum([eur("1.00"), eur("2.00")]) == eur("3.00")
    assert Money.sum([eur("1.00"), eur("2.00")], "EUR") == eur("3.00")
    assert Money.sum([], "EUR") == Money.zero("EUR")


def test_arithmetic_beyond_28_digits_stays_exact() -> None:
    big = eur("1e30")
    assert (big + eur("0.01")).amount == Decimal("1000000000000000000000000000000.01")
    # 30 significant digits: the default decimal context (28) would round the cents away.
    product = eur("123456789012345678901234567.89") * 3
    assert product.amount == Decimal("370370367037037036703703703.67")
    assert big.rounded() == big
    assert big.is_rounded


def test_refuses_money_times_money_and_division() -> None:
    with pytest.raises(ValidationError, match="money by money"):
        eur("1") * eur("2")  # type: ignore[operator]
    with pytest.raises(ValidationError, match="scaled"):
        eur("1") / 2
    with pytest.raises(ValidationError):
        eur("1") // 2
    with pytest.raises(ValidationError, match="floats"):
        eur("1") * 1.5  # type: ignore[operator]
    with pytest.raises(ValidationError, match="cannot add int and Money"):
        eur("1") + 1  # type: ignore[operator]
    with pytest.raises(ValidationError):
        5 + eur("1")


def test_comparisons() -> None:
    assert eur("1.00") < eur("1.01") <= eur("1.01")
    assert eur("2") > eur("1.99") >= eur("1.99")
    assert eur("1.0") == eur("1.00")
    assert hash(eur("1.0")) == hash(eur("1.00"))
    assert sorted([eur("3"), eur("-1"), eur("2")]) == [eur("-1"), eur("2"), eur("3")]
    with pytest.raises(ValidationError):
        _ = eur("1") < 2  # type: ignore[operator]


def test_mixing_currencies_raises() -> None:
    usd = Money.of("1.00", "USD")
    for op in (
        lambda: eur("1") + usd,
        lambda: eur("1") - usd,
        lambda: eur("1") < usd,
        lambda: eur("1") <= usd,
        lambda: eur("1") > usd,
        lambda: eur("1") >= usd,
        lambda: Money.sum([eur("1"), usd], "EUR"),
        lambda: Money.sum([usd], "EUR"),
    ):
        with pytest.raises(CurrencyMismatchError) as info:
            op()
        assert isinstance(info.value, TypeError)
    assert eur("1.00") != usd  # equality never raises: different currencies are not equal


def test_repr_and_str() -> None:
    assert repr(eur("12.30")) == "Money('12.30', 'EUR')"
    assert str(eur("12.30")) == "12.30 EUR"


# -- rounding --------------------------------------------------------------------------------------
# (amount, mode, expected): worked by hand from the definitions of the modes.
ROUNDING_TABLE = [
    ("0.125", Rounding.HALF_UP, "0.13"),
    ("0.125", Rounding.HALF_EVEN, "0.12"),
    ("0.135", Rounding.HALF_EVEN, "0.14"),
    ("0.125", Rounding.HALF_DOWN, "0.12"),
    ("0.125", Rounding.UP, "0.13"),
    ("0.125", Rounding.DOWN, "0.12"),
    ("0.125", Rounding.CEILING, "0.13"),
    ("0.125", Rounding.FLOOR, "0.12"),
    ("-0.125", Rounding.HALF_UP, "-0.13"),
    ("-0.125", Rounding.HALF_EVEN, "-0.12"),
    ("-0.135", Rounding.HALF_EVEN, "-0.14"),
    ("-0.125", Rounding.HALF_DOWN, "-0.12"),
    ("-0.125", Rounding.UP, "-0.13"),
    ("-0.125", Rounding.DOWN, "-0.12"),
    ("-0.125", Rounding.CEILING, "-0.12"),
    ("-0.125", Rounding.FLOOR, "-0.13"),
    ("2.674", Rounding.HALF_UP, "2.67"),
    ("2.674", Rounding.UP, "2.68"),
    ("-2.676", Rounding.HALF_UP, "-2.68"),
    ("-2.676", Rounding.DOWN, "-2.67"),
    ("-2.676", Rounding.CEILING, "-2.67"),
    ("-2.676", Rounding.FLOOR, "-2.68"),
    ("-0.001", Rounding.HALF_UP, "0.00"),
    ("5", Rounding.HALF_UP, "5.00"),
]


@pytest.mark.parametrize(("amount", "mode", "expected"), ROUNDING_TABLE)
def test_rounding_modes(amount: str, mode: Rounding, expected: str) -> None:
    result = eur(amount).rounded(mode)
    assert result == eur(expected)
    assert str(result.amount) == str(Decimal(expected)) or result.amount == Decimal(expected)
    assert result.is_rounded


def test_rounding_default_is_half_up_and_respects_minor_units() -> None:
    assert eur("0.005").rounded() == eur("0.01")
    assert Money.of("12.5", "JPY").rounded() == Money.of("13", "JPY")
    assert Money.of("12.5", "JPY").rounded(Rounding.HALF_EVEN) == Money.of("12", "JPY")
    assert Money.of("1.0005", "BHD").rounded() == Money.of("1.001", "BHD")
    assert Money.of("1.0005", "BHD").rounded(Rounding.HALF_EVEN) == Money.of("1.000", "BHD")
    with pytest.raises(ValidationError, match="HALF_UP"):
        eur("1").rounded("HALF_UP")  # type: ignore[arg-type]


def test_scaled_prorates_exactly_then_rounds_once() -> None:
    fee = eur("100.00")
    assert fee.scaled(1, 3) == eur("33.33")
    assert fee.scaled(2, 3) == eur("66.67")
    assert fee.scaled(1, 8) == eur("12.50")
    assert eur("0.01").scaled(1, 2) == eur("0.01")
    assert eur("0.01").scaled(1, 2, Rounding.HALF_EVEN) == eur("0.00")
    assert eur("-0.01").scaled(1, 2) == eur("-0.01")
    assert eur("-0.01").scaled(1, 2, Rounding.CEILING) == eur("0.00")
    # 29 days of a 31-day month of 310.00: 290.00 exactly, whatever the mode.
    assert eur("310.00").scaled(29, 31, Rounding.DOWN) == eur("290.00")
    assert eur("10.00").scaled(Decimal("1.5"), 3) == eur("5.00")
    with pytest.raises(ValidationError, match="zero denominator"):
        fee.scaled(1, 0)
    with pytest.raises(ValidationError):
        fee.scaled(1.0, 3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        fee.scaled(Fraction(1, 3), 1)  # type: ignore[arg-type]


# -- allocate / split ------------------------------------------------------------------------------
def test_split_worked_examples() -> None:
    assert split(eur("100.00"), 3) == (eur("33.34"), eur("33.33"), eur("33.33"))
    assert split(eur("0.05"), 3) == (eur("0.02"), eur("0.02"), eur("0.01"))
    assert split(eur("-100.00"), 3) == (eur("-33.34"), eur("-33.33"), eur("-33.33"))
    assert split(Money.of("10", "JPY"), 4) == tuple(Money.of(n, "JPY") for n in (3, 3, 2, 2))
    assert split(eur("1.00"), 1) == (eur("1.00"),)


def test_allocate_beyond_28_digits_is_exact_and_adds_up() -> None:
    # 10**25 EUR is 10**27 cents: beyond the 28 digits of the default decimal context once
    # the parts carry cents. 10**27 / 3 = 333...333 (27 threes) remainder 1, which goes to
    # the first part; equal parts are equal values.
    whole = eur("10000000000000000000000000.00")
    parts = allocate(whole, [1, 1, 1])
    assert parts == (
        eur("3333333333333333333333333.34"),
        eur("3333333333333333333333333.33"),
        eur("3333333333333333333333333.33"),
    )
    assert parts[0] + parts[1] + parts[2] == whole
    assert allocate(-whole, [2, 1]) == (
        eur("-6666666666666666666666666.67"),
        eur("-3333333333333333333333333.33"),
    )
    huge = eur("1000000000000000000000000000000.01")  # 10**32 + 1 cents
    assert split(huge, 2) == (
        eur("500000000000000000000000000000.01"),
        eur("500000000000000000000000000000.00"),
    )


def test_allocate_worked_examples() -> None:
    assert allocate(eur("10.00"), [1, 2]) == (eur("3.33"), eur("6.67"))
    assert allocate(eur("100.00"), [1, 2, 2]) == (eur("20.00"), eur("40.00"), eur("40.00"))
    assert allocate(eur("0.10"), [0, 1, 0]) == (eur("0.00"), eur("0.10"), eur("0.00"))
    assert allocate(eur("1.00"), [Decimal("0.5"), Fraction(1, 4), 1]) == (
        eur("0.29"),
        eur("0.14"),
        eur("0.57"),
    )
    # 0.07 by 1:1:1:1 -> shares 0.0175 each: three get 0.02, the fourth 0.01 (ties: earlier).
    assert allocate(eur("0.07"), [1, 1, 1, 1]) == (
        eur("0.02"),
        eur("0.02"),
        eur("0.02"),
        eur("0.01"),
    )


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        ([], "no ratios"),
        ([0, 0], "sum to zero"),
        ([1, -1], "negative"),
        ([0.5, 0.5], "float"),
        ([True], "bool"),
        (["1"], "must be a number"),
        ([Decimal("NaN")], "not finite"),
        ("12", "sequence"),
        ({1, 2}, "sequence"),
    ],
)
def test_allocate_rejects_bad_ratios(ratios: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        allocate(eur("1.00"), ratios)


def test_allocate_and_split_reject_bad_inputs() -> None:
    with pytest.raises(ValidationError, match="needs Money"):
        allocate(Decimal("1"), [1])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="more decimals"):
        allocate(eur("1.005"), [1, 1])
    for parts in (0, -1, True, 1.5):
        with pytest.raises(ValidationError, match="cannot split"):
            split(eur("1.00"), parts)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "amount", ["1e999999999", "-1e999999999", "1e-999999999", Decimal("1e40"), 10**40]
)
def test_amounts_beyond_the_documented_magnitude_are_refused(amount: object) -> None:
    # Such a Decimal is finite, yet rounding it exhausts memory: refused up front.
    with pytest.raises(ValidationError, match="beyond the magnitude"):
        Money.of(amount, "EUR")  # type: ignore[arg-type]
    if isinstance(amount, Decimal):
        with pytest.raises(ValidationError, match="beyond the magnitude"):
            Money(amount, Currency.of("EUR"))


def test_deserialization_refuses_huge_exponents() -> None:
    from servicecore.serialization import structure

    with pytest.raises(ValidationError, match="beyond the magnitude"):
        structure({"amount": "1e999999999", "currency": "EUR"}, Money)


def test_factors_and_ratios_beyond_the_magnitude_are_refused() -> None:
    with pytest.raises(ValidationError, match="beyond the magnitude"):
        eur("1.00") * Decimal("1e999999")
    with pytest.raises(ValidationError, match="beyond the magnitude"):
        allocate(eur("1.00"), [Decimal("1e999999"), 1])
    with pytest.raises(ValidationError, match="beyond the magnitude"):
        allocate(eur("1.00"), [Fraction(1, 10**50), 1])


def test_split_at_the_documented_maximum_is_exact() -> None:
    parts = split(eur("1000.00"), 1_000_000)
    assert len(parts) == 1_000_000
    assert parts[0] == eur("0.01")
    assert parts[-1] == eur("0.00")
    assert sum(p.minor_units for p in parts) == 100_000  # the 100,000 cents, to the cent
    assert parts.count(eur("0.01")) == 100_000


def test_split_gives_the_leftover_cents_to_the_first_parts() -> None:
    assert split(eur("-1.00"), 3) == (eur("-0.34"), eur("-0.33"), eur("-0.33"))
    assert split(eur("0.02"), 3) == (eur("0.01"), eur("0.01"), eur("0.00"))
    with pytest.raises(ValidationError, match="needs Money"):
        split("1.00", 2)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "operation",
    [
        lambda m: m % 2,
        lambda m: 2 % m,
        lambda m: divmod(m, 2),
        lambda m: divmod(2, m),
        lambda m: m**2,
        lambda m: 2**m,
        lambda m: 2 / m,
        lambda m: 2 // m,
    ],
)
def test_unsupported_arithmetic_says_what_money_supports(operation: Any) -> None:
    with pytest.raises(ValidationError, match="Money"):
        operation(eur("1.00"))


def test_zero_money_is_falsy_like_a_zero_decimal() -> None:
    assert not eur("0.00")
    assert not Money.zero("EUR")
    assert eur("0.01")
    assert eur("-0.01")


# -- values the hot paths build through the slot base are real, frozen Money values --------
def test_money_keeps_its_fields_in_the_slot_base_only() -> None:
    # split, allocate and from_minor fill a _MoneySlots and assign __class__: CPython allows
    # it only while the attrs class adds no slot of its own (a new field goes in the base).
    import attrs

    from servicecore.money.amounts import _MoneySlots

    assert vars(Money)["__slots__"] == ()
    assert Money.__basicsize__ == _MoneySlots.__basicsize__
    assert set(_MoneySlots.__slots__) == {a.name for a in attrs.fields(Money)} | {"__weakref__"}


def test_money_the_hot_paths_build_is_frozen_and_equal_to_built_money() -> None:
    import pickle
    import weakref

    import attrs

    whole = Money.of("1000.00", "EUR")
    for part, expected in (
        (allocate(whole, [3, 1])[0], Money(Decimal("750.00"), whole.currency)),
        (split(whole, 3)[0], Money(Decimal("333.34"), whole.currency)),
        (Money.from_minor(-5, "EUR"), Money(Decimal("-0.05"), whole.currency)),
    ):
        assert type(part) is Money
        assert part == expected
        assert hash(part) == hash(expected)
        assert repr(part) == repr(expected)
        assert str(part.amount) == str(expected.amount)  # same digits, same exponent
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            part.amount = Decimal(1)  # type: ignore[misc]
        again = pickle.loads(pickle.dumps(part))
        assert again == part
        assert type(again) is Money
        assert weakref.ref(part)() is part
