"""Money: a ``Decimal`` amount that always carries its ``Currency``.

Rules this module enforces (see ``docs/money.md``):

* amounts are ``Decimal``; ``float`` (and ``bool``) is rejected everywhere, because binary
  floating point cannot hold 0.10 exactly;
* arithmetic and comparison between two currencies raise :class:`CurrencyMismatchError`;
* arithmetic is exact; rounding to the currency's minor units happens only when asked for,
  with a named :class:`Rounding` mode (``HALF_UP`` unless a rule says otherwise);
* :func:`allocate` and :func:`split` divide an amount by largest remainder, so the parts
  always add up to the whole, each part is within one minor unit of its exact share, and
  ties go to the earlier part.

>>> from servicecore.money import Money, allocate, split
>>> split(Money.of("100.00", "EUR"), 3)
(Money('33.34', 'EUR'), Money('33.33', 'EUR'), Money('33.33', 'EUR'))
>>> [str(m) for m in allocate(Money.of("10.00", "USD"), [1, 2])]
['3.33 USD', '6.67 USD']
"""

from __future__ import annotations

import decimal
import enum
import math
import re
import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final, NoReturn, TypeAlias, cast

import attrs
from attrs import frozen

from servicecore.errors import CurrencyMismatchError, ValidationError
from servicecore.ports import check_items

__all__ = [
    "MAX_AMOUNT_DIGITS",
    "MAX_DECIMALS",
    "Currency",
    "Money",
    "Ratio",
    "Rounding",
    "allocate",
    "register_currency",
    "split",
]

Ratio: TypeAlias = int | Decimal | Fraction
"""A weight for :func:`allocate`: an ``int``, ``Decimal`` or ``Fraction`` (never a float)."""

_CODE = re.compile(r"^[A-Z]{3}$")

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


def _check_code(_inst: object, _attr: object, value: Any) -> None:
    if not isinstance(value, str) or not _CODE.match(value):
        raise ValidationError(
            f"currency code {value!r} is not an ISO 4217 code",
            field="code",
            value=value,
            allowed="three upper-case letters such as 'EUR'",
        )


def _check_minor_units(_inst: object, _attr: object, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 8:
        raise ValidationError(
            f"minor units {value!r} are out of range",
            field="minor_units",
            value=value,
            allowed="an integer from 0 to 8",
        )


@frozen(repr=False)
class Currency:
    """An ISO 4217 currency: its code and how many minor units (decimals) it has."""

    code: str = attrs.field(validator=_check_code)
    minor_units: int = attrs.field(validator=_check_minor_units)

    @classmethod
    def of(cls, code: str | Currency) -> Currency:
        """Look up a registered currency by code (case-insensitive)."""
        if isinstance(code, Currency):
            return code
        if not isinstance(code, str):
            raise ValidationError(
                f"currency must be a code or a Currency, not {type(code).__name__}",
                field="currency",
                value=code,
                allowed="a registered ISO 4217 code such as 'EUR', or a Currency",
            )
        with _REGISTRY_LOCK:
            found = _REGISTRY.get(code.upper())
        if found is None:
            raise ValidationError(
                f"currency {code!r} is not registered",
                field="currency",
                value=code,
                allowed="a built-in ISO 4217 code, or one added with register_currency()",
            )
        return found

    @property
    def quantum(self) -> Decimal:
        """The smallest amount of this currency, e.g. ``Decimal('0.01')``."""
        return Decimal(1).scaleb(-self.minor_units)

    def __repr__(self) -> str:
        return f"Currency({self.code!r}, {self.minor_units})"

    def __str__(self) -> str:
        return self.code


_REGISTRY_LOCK = threading.Lock()
_REGISTRY: dict[str, Currency] = {}

_BUILTIN: Final = {
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BGN": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLF": 4,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DKK": 2,
    "EGP": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KES": 2,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "MAD": 2,
    "MXN": 2,
    "MYR": 2,
    "NGN": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PEN": 2,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "QAR": 2,
    "RON": 2,
    "RSD": 2,
    "RUB": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "TWD": 2,
    "UAH": 2,
    "USD": 2,
    "UYU": 2,
    "UYW": 4,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
    "ZAR": 2,
}
for _code, _units in _BUILTIN.items():
    _REGISTRY[_code] = Currency(_code, _units)


def register_currency(code: str, minor_units: int) -> Currency:
    """Register a currency (or confirm an existing one) and return it.

    Registering a code again with other minor units raises ``ValidationError``: amounts
    already created in that currency would change meaning.
    """
    currency = Currency(code, minor_units)
    with _REGISTRY_LOCK:
        existing = _REGISTRY.get(code)
        if existing is not None and existing != currency:
            raise ValidationError(
                f"currency {code} is already registered with {existing.minor_units} minor units",
                field="minor_units",
                value=minor_units,
                allowed=f"{existing.minor_units}, the units it was registered with",
            )
        _REGISTRY[code] = currency
    return currency


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


@frozen(repr=False, eq=True, order=False)
class Money:
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
        amount, mu = self.amount, self.currency.minor_units
        # The default context scales exactly below 10**20 (28 digits with 8 decimals at most).
        scaled = amount.scaleb(mu) if -_SMALL < amount < _SMALL else amount.scaleb(mu, _EXACT)
        whole = int(scaled)
        if scaled == whole:
            return whole
        if not self.is_rounded:
            raise ValidationError(
                f"{self} has more decimals than {self.currency.code} allows",
                field="amount",
                value=self.amount,
                allowed=f"at most {self.currency.minor_units} decimals; call rounded() first",
            )
        return int(self.amount.scaleb(self.currency.minor_units, context=_EXACT))

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

_set = object.__setattr__


def _unchecked(amount: Decimal, currency: Currency) -> Money:
    """A Money whose amount and currency are known valid: skips the validators, for the hot
    paths that build many parts of one checked amount (split, allocate, from_minor)."""
    m = object.__new__(Money)
    _set(m, "amount", amount)
    _set(m, "currency", currency)
    return m


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
    exponent, currency = -money.currency.minor_units, money.currency
    new, put_amount, put_currency = object.__new__, _AMOUNT.__set__, _CURRENCY.__set__
    parts = []
    for u in floors:
        part = new(Money)
        put_amount(part, Decimal(sign * u).scaleb(exponent))
        put_currency(part, currency)
        parts.append(part)
    return tuple(parts)


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
    new, put_amount, put_currency = object.__new__, _AMOUNT.__set__, _CURRENCY.__set__
    for u in units:
        m = built.get(u)
        if m is None:
            m = built[u] = new(Money)
            put_amount(m, _scaled(sign * u, exponent))
            put_currency(m, currency)
        out.append(m)
    return tuple(out)


_SMALL = Decimal(10**20)

_INT = {int}

_AMOUNT = Money.__dict__["amount"]
_CURRENCY = Money.__dict__["currency"]
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
