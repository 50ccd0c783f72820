"""One private cattrs converter for every servicecore value and aggregate.

Money, Decimal, pendulum instants and dates, times and durations are written as strings
so that nothing loses precision in JSON:

>>> import pendulum
>>> from servicecore.money import Money
>>> from servicecore.serialization import unstructure, structure
>>> unstructure(Money.of("12.30", "EUR"))
{'amount': '12.30', 'currency': 'EUR'}
>>> structure({'amount': '12.30', 'currency': 'EUR'}, Money)
Money('12.30', 'EUR')
>>> unstructure(pendulum.datetime(2024, 3, 31, 1, 30, tz="Europe/Stockholm"))
'2024-03-31T01:30:00+01:00[Europe/Stockholm]'

Domain modules register hooks for their own types with :func:`register` helpers below;
hosts use only :func:`unstructure` and :func:`structure`.
"""

from __future__ import annotations

import datetime as _dt
import re
import reprlib
from decimal import Decimal
from typing import Any, TypeVar

import cattrs
import pendulum
from pendulum.tz.timezone import Timezone

from servicecore.clock import to_date, to_instant, to_timezone
from servicecore.errors import ValidationError
from servicecore.money import Currency, Money

__all__ = ["converter", "structure", "unstructure"]

T = TypeVar("T")

converter = cattrs.Converter()
"""The converter; private to servicecore's modules (hosts call the functions below)."""

_ZONED = re.compile(r"^(?P<iso>[^\[]+)\[(?P<zone>[^\]]+)\]$")


def _unstructure_instant(value: _dt.datetime) -> str:
    instant = to_instant(value, "value")
    iso = instant.isoformat()
    if isinstance(instant.tzinfo, Timezone):  # an IANA zone: keep its name, not just the offset
        return f"{iso}[{instant.tzinfo.name}]"
    return iso


def _structure_instant(value: Any, _type: Any) -> pendulum.DateTime:
    if isinstance(value, _dt.datetime):
        return to_instant(value, "value")
    if not isinstance(value, str):
        raise ValidationError(
            f"an instant must be an ISO 8601 string, not {value!r}",
            field="value",
            value=value,
            allowed="'2024-01-01T09:00:00+01:00' optionally followed by '[Zone/Name]'",
        )
    zone: str | None = None
    match = _ZONED.match(value)
    text = value
    if match:
        text, zone = match["iso"], match["zone"]
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not an ISO 8601 instant", field="value", value=value
        ) from None
    instant = to_instant(parsed, "value")
    return instant.in_timezone(to_timezone(zone)) if zone else instant


def _structure_date(value: Any, _type: Any) -> pendulum.Date:
    if isinstance(value, str):
        try:
            parsed = _dt.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                f"{value!r} is not an ISO 8601 date", field="value", value=value
            ) from None
        return to_date(parsed, "value")  # a date outside the supported years says so
    return to_date(value, "value")


def _structure_decimal(value: Any, _type: Any) -> Decimal:
    if isinstance(value, str | int) and not isinstance(value, bool):
        try:
            result = Decimal(value)
        except ArithmeticError:
            pass
        else:
            if result.is_finite():
                return result
    raise ValidationError(
        f"{value!r} is not a finite decimal string",
        field="value",
        value=value,
        allowed="a decimal string such as '12.30'",
    )


def _structure_timedelta(value: Any, _type: Any) -> _dt.timedelta:
    if isinstance(value, str):
        try:
            return _dt.timedelta(microseconds=int(value))
        except ValueError:
            pass
    raise ValidationError(
        f"{value!r} is not a duration in microseconds",
        field="value",
        value=value,
        allowed="a string of an integer number of microseconds",
    )


def _unstructure_timedelta(value: _dt.timedelta) -> str:
    return str((value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds)


def _structure_time(value: Any, _type: Any) -> _dt.time:
    if isinstance(value, str):
        try:
            return _dt.time.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(f"{value!r} is not an ISO time", field="value", value=value)


converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, _structure_decimal)
converter.register_unstructure_hook(pendulum.DateTime, _unstructure_instant)
converter.register_structure_hook(pendulum.DateTime, _structure_instant)
converter.register_unstructure_hook(_dt.datetime, _unstructure_instant)
converter.register_structure_hook(_dt.datetime, _structure_instant)
converter.register_unstructure_hook(pendulum.Date, lambda d: d.isoformat())
converter.register_structure_hook(pendulum.Date, _structure_date)
converter.register_unstructure_hook(_dt.date, lambda d: d.isoformat())
converter.register_structure_hook(_dt.date, _structure_date)
converter.register_unstructure_hook(_dt.time, lambda t: t.isoformat())
converter.register_structure_hook(_dt.time, _structure_time)
converter.register_unstructure_hook(_dt.timedelta, _unstructure_timedelta)
converter.register_structure_hook(_dt.timedelta, _structure_timedelta)
converter.register_unstructure_hook(Currency, lambda c: c.code)
converter.register_structure_hook(Currency, lambda v, _t: Currency.of(v))
converter.register_unstructure_hook(
    Money, lambda m: {"amount": str(m.amount), "currency": m.currency.code}
)


def _structure_money(value: Any, _type: Any) -> Money:
    if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
        raise ValidationError(
            f"{value!r} is not a money mapping",
            field="value",
            value=value,
            allowed="{'amount': '12.30', 'currency': 'EUR'}",
        )
    return Money.of(value["amount"], value["currency"])


converter.register_structure_hook(Money, _structure_money)


def unstructure(value: object) -> Any:
    """Turn a servicecore value or aggregate into JSON-ready builtins."""
    return converter.unstructure(value)


def structure(data: Any, cls: type[T]) -> T:
    """Rebuild a ``cls`` from what :func:`unstructure` produced.

    Malformed data raises ``ValidationError`` (cattrs' detailed errors are its cause).
    """
    try:
        return converter.structure(data, cls)
    except ValidationError:
        raise
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        name = str(getattr(cls, "__name__", cls))
        if isinstance(exc, cattrs.BaseValidationError):  # say which fields, not "n sub-exceptions"
            detail = "; ".join(cattrs.transform_error(exc, path=name))
        else:
            detail = str(exc)
        raise ValidationError(
            f"cannot build {name} from {reprlib.repr(data)}: {detail}",
            field="data",
            value=data,
            allowed=f"what unstructure() returns for a {name}",
        ) from exc
