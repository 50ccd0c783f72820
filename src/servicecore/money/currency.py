"""Currencies: the ISO 4217 code and minor units of each, and the registry of known ones.

Part of :mod:`servicecore.money` (import the names from there).
"""

from __future__ import annotations

import re
import threading
from decimal import Decimal
from typing import Any, Final

import attrs
from attrs import frozen

from servicecore.errors import ValidationError

__all__ = ["Currency", "register_currency"]

_CODE = re.compile(r"^[A-Z]{3}$")


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
