"""``Money`` (an exact ``Decimal`` amount in one ``Currency``), rounding modes and limits.

Part of :mod:`servicecore.money` (import the names from there).
"""

from __future__ import annotations

import decimal
import enum
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, NoReturn

import attrs
from attrs import frozen

from servicecore.errors import CurrencyMismatchError, ValidationError
from servicecore.money.currency import Currency
from servicecore.ports import check_items

__all__ = ["MAX_AMOUNT_DIGITS", "MAX_DECIMALS", "Money", "Rounding"]

# Unrounded decimal arithmetic (the recipe of the ``decimal`` documentation): additions,
# subtractions, multiplications and quantizations are exact whatever the size of the
# amount, instead of being rounded silently to the default 28 significant digits. Money
# never divides Decimals (proration goes through ``Fraction``), so no operation here can
# produce an infinite expansion.
_EXACT: Final = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


class Rounding(enum.Enum):
    """Named rounding modes for :meth:`Money.rounded` and friends."""

    HALF_UP = decimal.ROUND_HALF_UP
    """Half away from zero: commercial rounding (0.005 -> 0.01). The default."""
    HALF_EVEN = decimal.ROUND_HALF_EVEN
    """Half to even, banker's rounding (0.005 -> 0.00, 0.015 -> 0.02)."""
    HALF_DOWN = decimal.ROUND_HALF_DOWN
    """Half towards zero."""
    UP = decimal.ROUND_UP
    """Away from zero."""
    DOWN = decimal.ROUND_DOWN
    """Towards zero (truncate)."""
    CEILING = decimal.ROUND_CEILING
    """Towards positive infinity."""
    FLOOR = decimal.ROUND_FLOOR
    """Towards negative infinity."""


MAX_AMOUNT_DIGITS = 36
"""Amounts, factors and ratios have fewer than this many digits before the point: below
``10**36``, far more than any real amount of money. Larger ones are refused as input errors."""

MAX_DECIMALS = 64
"""Amounts, factors and ratios have at most this many digits after the point."""


def _check_magnitude(value: Decimal, field: str, shown: object) -> Decimal:
    """``value`` itself, or ``ValidationError`` when it is beyond the documented magnitude.

    Without the limit, ``Decimal("1e999999999")`` is a valid finite number whose rounding
    exhausts memory and whose minor units take minutes to compute.
    """
    if value and (
        value.adjusted() >= MAX_AMOUNT_DIGITS or value.as_tuple().exponent < -MAX_DECIMALS  # type: ignore[operator]
    ):
        raise ValidationError(
            f"{field} {shown!r} is beyond the magnitude servicecore handles",
            field=field,
            value=shown,
            allowed=f"a number below 10**{MAX_AMOUNT_DIGITS} with at most {MAX_DECIMALS} decimals",
        )
    return value


def _to_decimal(value: object, field: str) -> Decimal:
    if isinstance(value, (bool, float)):
        raise ValidationError(
            f"{field} {value!r} is a {type(value).__name__}; floats cannot hold money exactly",
            field=field,
            value=value,
            allowed="a Decimal, an int or a decimal string such as '12.30'",
        )
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except decimal.InvalidOperation:
            raise ValidationError(
                f"{field} {value!r} is not a decimal number",
                field=field,
                value=value,
                allowed="a decimal string such as '12.30'",
            ) from None
    else:
        raise ValidationError(
            f"{field} must be a number, not {type(value).__name__}",
            field=field,
            value=value,
            allowed="a Decimal, an int or a decimal string such as '12.30'",
        )
    if not result.is_finite():
        raise ValidationError(
            f"{field} {value!r} is not finite",
            field=field,
            value=value,
            allowed="a finite decimal number",
        )
    return _check_magnitude(result, field, value)


def _check_amount(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValidationError(
            f"Money amount must be a finite Decimal, not {value!r}",
            field="amount",
            value=value,
            allowed="a finite Decimal; use Money.of() to parse strings and ints",
        )
    _check_magnitude(value, "amount", value)


def _check_currency(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, Currency):
        raise ValidationError(
            f"Money currency must be a Currency, not {value!r}",
            field="currency",
            value=value,
            allowed="a Currency; use Money.of() to pass a code",
        )


def _factor(value: object, what: str) -> Decimal:
    if isinstance(value, Money):
        raise ValidationError(
            f"cannot {what} money by money",
            field="factor",
            value=value,
            allowed="a Decimal or an int",
        )
    return _to_decimal(value, "factor")


class _MoneySlots:
    """Where a :class:`Money` keeps its fields: the slots, in a plain base class.

    The hot paths that build many values of one checked amount (split, allocate,
    ``from_minor``, the schedule engine) fill a ``_MoneySlots`` with plain slot stores and
    make it a ``Money`` by ``__class__`` assignment, which CPython allows because
    ``Money`` adds no slot of its own (attrs reuses these). The value is the one
    ``Money(...)`` builds, just as frozen: the ``__setattr__`` that refuses changes is
    ``Money``'s. Nothing else ever sees a ``_MoneySlots`` instance.
    """

    __slots__ = ("__weakref__", "amount", "currency")
    amount: Decimal
    currency: Currency


@frozen(repr=False, eq=True, order=False)
class Money(_MoneySlots):
    """An exact amount in one currency.

    Build one with :meth:`of` (parses strings, accepts ints and Decimals) or directly
    with a ``Decimal`` and a :class:`Currency`.
    """

    amount: Decimal = attrs.field(validator=_check_amount)
    currency: Currency = attrs.field(validator=_check_currency)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str | Currency) -> Money:
        """Parse an amount and a currency code: ``Money.of("12.30", "EUR")``."""
        return cls(_to_decimal(amount, "amount"), Currency.of(currency))

    @classmethod
    def zero(cls, currency: str | Currency) -> Money:
        """Zero in ``currency``."""
        return cls(Decimal(0), Currency.of(currency))

    @classmethod
    def from_minor(cls, units: int, currency: str | Currency) -> Money:
        """Build from an integer count of minor units (cents): ``from_minor(1230, "EUR")``."""
        cur = currency if isinstance(currency, Currency) else Currency.of(currency)
        if isinstance(units, bool) or not isinstance(units, int):
            raise ValidationError(
                f"minor units must be an int, not {units!r}",
                field="units",
                value=units,
                allowed="an integer number of minor units",
            )
        if not -_MAX_UNITS[cur.minor_units] < units < _MAX_UNITS[cur.minor_units]:
            raise ValidationError(
                f"{units} minor units of {cur.code} is beyond the magnitude servicecore handles",
                field="units",
                value=units,
                allowed=f"fewer than 10**{MAX_AMOUNT_DIGITS} {cur.code}",
            )
        return _unchecked(Decimal(units).scaleb(-cur.minor_units, context=_EXACT), cur)

    @classmethod
    def sum(cls, items: Iterable[Money], currency: str | Currency) -> Money:
        """Add up ``items``, all in ``currency``; the empty sum is zero."""
        total = cls.zero(currency)
        for item in check_items(items, Money, "items", "an iterable of Money"):
            total = total + item
        return total

    # -- inspection ------------------------------------------------------------------
    @property
    def is_rounded(self) -> bool:
        """True when the amount has no more decimals than the currency's minor units."""
        return self.amount == self.amount.quantize(
            self.currency.quantum, decimal.ROUND_DOWN, context=_EXACT
        )

    @property
    def minor_units(self) -> int:
        """The amount in minor units (cents); the amount must already be rounded."""
        # Scaled exactly: an amount may have up to 64 decimals, more digits than the default
        # context (28) holds, which would round 1.000...001 EUR to a whole number of cents.
        scaled = self.amount.scaleb(self.currency.minor_units, _EXACT)
        whole = int(scaled)
        if scaled != whole:
            raise ValidationError(
                f"{self} has more decimals than {self.currency.code} allows",
                field="amount",
                value=self.amount,
                allowed=f"at most {self.currency.minor_units} decimals; call rounded() first",
            )
        return whole

    def is_zero(self) -> bool:
        return self.amount == 0

    def is_negative(self) -> bool:
        return self.amount < 0

    def is_positive(self) -> bool:
        return self.amount > 0

    # -- rounding ----------------------------------------------------------------------
    def rounded(self, rounding: Rounding = Rounding.HALF_UP) -> Money:
        """Round to the currency's minor units with a named mode."""
        if not isinstance(rounding, Rounding):
            raise ValidationError(
                f"rounding must be a Rounding member, not {rounding!r}",
                field="rounding",
                value=rounding,
                allowed=", ".join(m.name for m in Rounding),
            )
        return Money(
            self.amount.quantize(self.currency.quantum, rounding=rounding.value, context=_EXACT),
            self.currency,
        )

    def scaled(
        self,
        numerator: int | Decimal,
        denominator: int | Decimal,
        rounding: Rounding = Rounding.HALF_UP,
    ) -> Money:
        """``self * numerator / denominator``, computed exactly, then rounded once.

        This is the proration primitive: ``fee.scaled(days_used, days_in_period)``.
        """
        num = Fraction(_factor(numerator, "scale"))
        den = Fraction(_factor(denominator, "scale"))
        if den == 0:
            raise ValidationError(
                "cannot scale by a zero denominator",
                field="denominator",
                value=denominator,
                allowed="a non-zero number",
            )
        exact = Fraction(self.amount) * num / den
        return _round_fraction(exact, self.currency, rounding)

    # -- arithmetic --------------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatchError(expected=self.currency.code, actual=other.currency.code)

    def _operand(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise ValidationError(
                f"cannot {op} {type(other).__name__} and Money",
                field="other",
                value=other,
                allowed=f"Money in {self.currency.code}",
            )
        self._same(other)
        return other

    def __add__(self, other: Money) -> Money:
        other = self._operand(other, "add")
        return Money(_EXACT.add(self.amount, other.amount), self.currency)

    def __radd__(self, other: object) -> Money:
        # Lets the built-in sum() start from 0; any other left operand is refused.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return self._operand(other, "add") + self

    def __sub__(self, other: Money) -> Money:
        other = self._operand(other, "subtract")
        return Money(_EXACT.subtract(self.amount, other.amount), self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(_EXACT.multiply(self.amount, _factor(factor, "multiply")), self.currency)

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> NoReturn:
        # Division cannot be exact in general; say what to use instead of a bare TypeError.
        raise ValidationError(
            f"Money cannot be divided by {type(other).__name__}: the result would need "
            "rounding that the caller must choose",
            field="divisor",
            value=other,
            allowed="money.scaled(numerator, denominator, rounding) for a share, "
            "split(money, n) or allocate(money, ratios) for parts that sum to the whole",
        )

    __floordiv__ = __truediv__

    def __rtruediv__(self, other: object) -> NoReturn:
        raise ValidationError(
            f"{type(other).__name__} cannot be divided by Money",
            field="divisor",
            value=other,
            allowed="Money / nothing: use scaled(), split() or allocate()",
        )

    __rfloordiv__ = __rtruediv__

    def _unsupported(self, other: object, op: str) -> NoReturn:
        raise ValidationError(
            f"Money does not support {op} (with {type(other).__name__})",
            field="other",
            value=other,
            allowed="+ and - with Money of the same currency, * by a number, scaled(), "
            "split() and allocate()",
        )

    def __mod__(self, other: object) -> NoReturn:
        self._unsupported(other, "%")

    def __rmod__(self, other: object) -> NoReturn:
        self._unsupported(other, "%")

    def __divmod__(self, other: object) -> NoReturn:
        self._unsupported(other, "divmod()")

    def __rdivmod__(self, other: object) -> NoReturn:
        self._unsupported(other, "divmod()")

    def __pow__(self, other: object) -> NoReturn:
        self._unsupported(other, "**")

    def __rpow__(self, other: object) -> NoReturn:
        self._unsupported(other, "**")

    def __bool__(self) -> bool:
        """Zero is falsy, like ``Decimal(0)``: ``if fee.amount:`` reads "if anything is due"."""
        return bool(self.amount)

    def __neg__(self) -> Money:
        return Money(_EXACT.minus(self.amount), self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(_EXACT.abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._operand(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._operand(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._operand(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._operand(other, "compare").amount

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency.code!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"


_MAX_UNITS = {mu: 10 ** (MAX_AMOUNT_DIGITS + mu) for mu in range(10)}
"""Per count of minor units: the bound on an amount in minor units (see MAX_AMOUNT_DIGITS)."""


def _unchecked(amount: Decimal, currency: Currency) -> Money:
    """A Money whose amount and currency are known valid: skips the validators, for the hot
    paths that build many parts of one checked amount (split, allocate, from_minor)."""
    m = _MoneySlots()
    m.amount = amount
    m.currency = currency
    m.__class__ = Money
    return m  # type: ignore[return-value]  # a Money since the line above


def _round_fraction(exact: Fraction, currency: Currency, rounding: Rounding) -> Money:
    # Exact: the integer part comes from integer division, and the remainder is replaced
    # by a marker below, at or above one half, which every rounding mode treats the same
    # way as the true remainder.
    scale = 10**currency.minor_units
    scaled = exact * scale
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    if rest == 0:
        return Money.from_minor(whole, currency)
    frac = Fraction(rest, scaled.denominator)
    marker = Decimal("0.25") if frac < Fraction(1, 2) else Decimal("0.75")
    if frac == Fraction(1, 2):
        marker = Decimal("0.5")
    approx = _EXACT.add(Decimal(whole), marker).scaleb(-currency.minor_units, context=_EXACT)
    return Money(approx, currency).rounded(rounding)
