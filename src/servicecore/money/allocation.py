"""Dividing money into parts that add up to the whole: :func:`allocate` and :func:`split`.

Part of :mod:`servicecore.money` (import the names from there).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias, cast

from servicecore.errors import ValidationError
from servicecore.money.amounts import (
    _EXACT,
    MAX_AMOUNT_DIGITS,
    Money,
    _check_magnitude,
    _MoneySlots,
    _unchecked,
)
from servicecore.money.currency import Currency

__all__ = ["Ratio", "allocate", "split"]

Ratio: TypeAlias = int | Decimal | Fraction
"""A weight for :func:`allocate`: an ``int``, ``Decimal`` or ``Fraction`` (never a float)."""

_MAX_RATIO = 10**MAX_AMOUNT_DIGITS


def _ratio(value: object, index: int) -> Fraction | int:
    if type(value) is int and 0 <= value < _MAX_RATIO:  # the common case, kept cheap
        return value
    if isinstance(value, (bool, float)):
        raise ValidationError(
            f"ratio #{index} {value!r} is a {type(value).__name__}",
            field="ratios",
            value=value,
            allowed="ints, Decimals or Fractions (never floats)",
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValidationError(
                f"ratio #{index} {value!r} is not finite",
                field="ratios",
                value=value,
                allowed="finite non-negative numbers",
            )
        result = Fraction(_check_magnitude(value, "ratios", value))
    elif isinstance(value, int):
        result = Fraction(_check_magnitude(Decimal(value), "ratios", value))  # a negative int
    elif isinstance(value, Fraction):
        for part in (value.numerator, value.denominator):
            _check_magnitude(Decimal(part), "ratios", value)
        result = value
    else:
        raise ValidationError(
            f"ratio #{index} must be a number, not {type(value).__name__}",
            field="ratios",
            value=value,
            allowed="ints, Decimals or Fractions",
        )
    if result < 0:
        raise ValidationError(
            f"ratio #{index} {value} is negative",
            field="ratios",
            value=value,
            allowed="non-negative weights",
        )
    return result


def allocate(money: Money, ratios: Sequence[Ratio]) -> tuple[Money, ...]:
    """Divide ``money`` in proportion to ``ratios`` by largest remainder.

    The parts sum exactly to ``money``; each part is within one minor unit of its exact
    share ``money * ratio / sum(ratios)``; a zero ratio gets exactly zero; leftover minor
    units go to the parts with the largest remainders, ties to the earlier part. A negative
    amount is allocated like its absolute value, then negated.

    ``money`` must already be rounded to minor units (otherwise the parts could not add up).
    """
    if not isinstance(money, Money):
        raise ValidationError(
            f"allocate() needs Money, not {type(money).__name__}",
            field="money",
            value=money,
            allowed="a Money value",
        )
    if not isinstance(ratios, list | tuple) and (
        isinstance(ratios, str | bytes) or not isinstance(ratios, Sequence)
    ):
        raise ValidationError(
            "ratios must be a sequence of weights",
            field="ratios",
            value=ratios,
            allowed="a list or tuple of ints, Decimals or Fractions",
        )
    if ratios and set(map(type, ratios)) == _INT and 0 <= min(ratios) <= max(ratios) < _MAX_RATIO:
        ints = cast("list[int]", list(ratios))  # plain non-negative ints: the cheap path
    else:
        ints = _integer_weights(ratios)
    total_weight = sum(ints)
    if total_weight == 0:
        raise ValidationError(
            "ratios sum to zero", field="ratios", value=ratios, allowed="at least one positive"
        )
    units = money.minor_units
    sign = -1 if units < 0 else 1
    units = abs(units)
    shares = [divmod(units * weight, total_weight) for weight in ints]
    floors = [q for q, _r in shares]
    left = units - sum(floors)
    if left:
        behind = [-r for _q, r in shares]
        # largest remainder first; sorted() is stable, so ties stay in order (earlier first)
        for i in sorted(range(len(ints)), key=behind.__getitem__)[:left]:
            floors[i] += 1
    if units >= _DEFAULT_EXACT:
        return _from_units(floors, sign, money.currency)
    # Every part is below the whole: the default context scales them exactly. Built
    # inline through the slots (no validators: parts of a checked amount are valid).
    # (u * quantum has the exponent of the quantum: the digits and exponent scaleb gives)
    currency = money.currency
    quantum = currency.quantum
    parts: list[_MoneySlots] = []
    add = parts.append
    for u in floors:
        part = _MoneySlots()  # then made a Money (see _MoneySlots)
        part.amount = Decimal(sign * u) * quantum
        part.currency = currency
        part.__class__ = Money
        add(part)
    return tuple(parts)  # type: ignore[arg-type]  # Money values since the loop


def _scaled(units: int, exponent: int) -> Decimal:
    """``units * 10**exponent`` exactly (the default context is exact below 28 digits)."""
    if -_DEFAULT_EXACT < units < _DEFAULT_EXACT:
        return Decimal(units).scaleb(exponent)
    return Decimal(units).scaleb(exponent, context=_EXACT)


def _integer_weights(ratios: Sequence[Ratio]) -> list[int]:
    """Non-negative integer weights in the proportions of ``ratios`` (each one checked),
    over one common denominator, so every share is an integer division."""
    weights = [_ratio(r, i) for i, r in enumerate(ratios)]
    if not weights:
        raise ValidationError(
            "cannot allocate over no ratios", field="ratios", value=ratios, allowed="one or more"
        )
    denominator = 1
    for w in weights:
        if isinstance(w, Fraction) and w.denominator != 1:
            denominator = denominator * w.denominator // math.gcd(denominator, w.denominator)
    return [
        w * denominator if isinstance(w, int) else w.numerator * (denominator // w.denominator)
        for w in weights
    ]


def _from_units(units: Sequence[int], sign: int, currency: Currency) -> tuple[Money, ...]:
    """Money values of ``sign * u`` minor units, building each distinct amount once.

    Inlined construction (no validators): the parts of a checked amount are valid.
    """
    built: dict[int, Money] = {}
    out = []
    exponent = -currency.minor_units
    for u in units:
        m = built.get(u)
        if m is None:
            m = built[u] = _unchecked(_scaled(sign * u, exponent), currency)
        out.append(m)
    return tuple(out)


_INT = {int}

"""Money's slot descriptors: setting through them is the cheapest way to build a value."""

_DEFAULT_EXACT = 10**27
"""Below this many minor units, the default decimal context (28 digits) scales exactly."""


_MAX_PARTS = 1_000_000
"""More parts than this is a caller's mistake (and would exhaust memory), not a split."""


def split(money: Money, parts: int) -> tuple[Money, ...]:
    """Divide ``money`` into ``parts`` near-equal parts that sum exactly to it."""
    if isinstance(parts, bool) or not isinstance(parts, int) or not 1 <= parts <= _MAX_PARTS:
        raise ValidationError(
            f"cannot split into {parts!r} parts",
            field="parts",
            value=parts,
            allowed=f"an integer from 1 to {_MAX_PARTS:,}",
        )
    if not isinstance(money, Money):
        raise ValidationError(
            f"split() needs Money, not {type(money).__name__}",
            field="money",
            value=money,
            allowed="a Money value",
        )
    # Equal weights: every remainder is equal, so the leftover minor units go to the first
    # parts (largest remainder, ties to the earlier part), as allocate() would give.
    units = money.minor_units
    sign = -1 if units < 0 else 1
    q, left = divmod(abs(units), parts)
    big, small = _from_units([q + 1, q], sign, money.currency)
    return (big,) * left + (small,) * (parts - left)
