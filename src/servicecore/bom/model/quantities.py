"""Exact quantities: the unlimited-precision context, coercion of a quantity, exact
division and rounding up to a unit's decimals."""

from __future__ import annotations

import decimal
from decimal import ROUND_CEILING, Decimal

from servicecore.errors import ValidationError

__all__ = ["to_quantity"]

_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    rounding=decimal.ROUND_HALF_EVEN,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
"""Unlimited precision: products and sums of quantities are exact (no division is ever used)."""

_ONE = Decimal(1)
_ZERO = Decimal(0)


def to_quantity(value: object, param: str = "quantity", *, positive: bool = True) -> Decimal:
    """Coerce an ``int``, ``Decimal`` or numeric string to a finite ``Decimal``.

    Floats and booleans are refused (binary floats cannot hold 0.1 exactly).

    >>> to_quantity("2.50")
    Decimal('2.50')
    >>> to_quantity(0.5)
    Traceback (most recent call last):
    ...
    servicecore.errors.ValidationError: quantity must be a Decimal, int or numeric string...
    """
    allowed = "a Decimal, int or numeric string" + (" greater than 0" if positive else "")
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise ValidationError(
            f"{param} must be a Decimal, int or numeric string, not {type(value).__name__} "
            f"({value!r})",
            field=param,
            value=value,
            allowed=allowed,
        )
    try:
        result = Decimal(value)
    except decimal.InvalidOperation:
        raise ValidationError(
            f"{param} {value!r} is not a number", field=param, value=value, allowed=allowed
        ) from None
    if not result.is_finite() or (positive and result <= 0) or result < 0:
        raise ValidationError(
            f"{param} must be a finite number{' greater than 0' if positive else ' >= 0'}, "
            f"not {value!r}",
            field=param,
            value=value,
            allowed=allowed,
        )
    return result


def _trim(value: Decimal) -> Decimal:
    """The same number without trailing fractional zeros (12.60 -> 12.6, 3.00 -> 3)."""
    if value == value.to_integral_value():
        return value.quantize(_ONE, context=_EXACT_ROUND)
    return value.normalize(_EXACT_ROUND)


def _round_up(quantity: Decimal, decimals: int) -> Decimal:
    return quantity.quantize(_QUANTA[decimals], rounding=ROUND_CEILING, context=_EXACT_ROUND)


_QUANTA = tuple(Decimal(1).scaleb(-d) for d in range(10))
_EXACT_ROUND = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _exact_quotient(a: Decimal, b: Decimal) -> Decimal | None:
    """``a / b`` as an exact (terminating, trimmed) Decimal, or None when it does not
    terminate (``1 / 3``). ``b`` is an output (< 10**9, at most 6 decimals), so an exact
    quotient needs at most about 60 digits more than ``a`` has."""
    ctx = decimal.Context(
        prec=len(a.as_tuple().digits) + 80,
        Emax=decimal.MAX_EMAX,
        Emin=decimal.MIN_EMIN,
        traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero],
    )
    try:
        return _trim(ctx.divide(a, b))
    except decimal.Inexact:
        return None
