"""The private converter: strings for everything that could lose precision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from attrs import frozen

from servicecore.errors import ValidationError
from servicecore.money import Currency, Money
from servicecore.serialization import structure, unstructure


@frozen
class Visit:
    company_id: str
    id: str
    fee: Money
    at: pendulum.DateTime
    day: pendulum.Date
    starts: dt.time
    length: dt.timedelta
    rate: Decimal
    version: int = 0


def test_worked_shapes() -> None:
    assert unstructure(Money.of("12.30", "EUR")) == {"amount": "12.30", "currency": "EUR"}
    assert unstructure(Currency.of("JPY")) == "JPY"
    assert unstructure(Decimal("0.10")) == "0.10"
    assert unstructure(dt.timedelta(days=-1, seconds=1)) == "-86399000000"
    assert unstructure(pendulum.date(2024, 2, 29)) == "2024-02-29"
    assert unstructure(dt.date(2024, 2, 29)) == "2024-02-29"
    assert unstructure(dt.time(8, 30)) == "08:30:00"
    assert (
        unstructure(pendulum.datetime(2024, 7, 1, 9, tz="Europe/London"))
        == "2024-07-01T09:00:00+01:00[Europe/London]"
    )
    assert unstructure(dt.datetime(2024, 7, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=-4)))) == (
        "2024-07-01T09:00:00-04:00"
    )
    assert unstructure(pendulum.datetime(2024, 1, 1, tz="Japan")) == (
        "2024-01-01T00:00:00+09:00[Japan]"
    )


def test_aggregate_round_trip() -> None:
    visit = Visit(
        "ACME",
        "V-1",
        Money.of("99.95", "EUR"),
        pendulum.datetime(2024, 10, 27, 2, 30, tz="Europe/Stockholm", fold=1),
        pendulum.date(2024, 10, 27),
        dt.time(8, 15),
        dt.timedelta(hours=1, microseconds=7),
        Decimal("0.075"),
        3,
    )
    data = unstructure(visit)
    assert data["at"] == "2024-10-27T02:30:00+01:00[Europe/Stockholm]"
    back = structure(data, Visit)
    assert back == visit
    assert back.at.timestamp() == visit.at.timestamp()
    assert back.at.timezone_name == "Europe/Stockholm"


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        ("12.3", Money),
        ({"amount": "1", "currency": "EUR", "extra": 1}, Money),
        ({"amount": 1.5, "currency": "EUR"}, Money),
        ("NaN", Decimal),
        ("Infinity", Decimal),
        ("abc", Decimal),
        (1.5, Decimal),
        ("yesterday", pendulum.DateTime),
        ("2024-01-01T09:00:00", pendulum.DateTime),
        (1700000000, pendulum.DateTime),
        ("2024-01-01T09:00:00+00:00[Mars/Base]", pendulum.DateTime),
        ("2024-13-01", pendulum.Date),
        ("1h", dt.timedelta),
        (3600, dt.timedelta),
        ("25:00", dt.time),
        (815, dt.time),
        ("XXX", Currency),
        ({"company_id": "ACME"}, Visit),
    ],
)
def test_malformed_data_is_a_validation_error(data: Any, cls: type[Any]) -> None:
    with pytest.raises(ValidationError):
        structure(data, cls)


def test_structure_accepts_live_values() -> None:
    at = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert structure(at, pendulum.DateTime) == pendulum.datetime(2024, 1, 1)
    assert structure(dt.date(2024, 1, 1), pendulum.Date) == pendulum.date(2024, 1, 1)
    assert structure(5, Decimal) == Decimal(5)
