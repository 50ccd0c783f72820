"""Round trips through JSON-ready data lose nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecore.errors import ValidationError
from servicecore.money import Money
from servicecore.serialization import structure, unstructure
from servicecore.testing.strategies import aware_datetimes, instants, money


def through_json(value: object) -> object:
    return json.loads(json.dumps(unstructure(value)))


@given(money(extra_digits=3))
def test_money(value: Money) -> None:
    back = structure(through_json(value), Money)
    assert back == value
    assert str(back.amount) == str(value.amount)


@given(instants())
def test_pendulum_instants_keep_instant_and_zone(value: pendulum.DateTime) -> None:
    back = structure(through_json(value), pendulum.DateTime)
    assert back.timestamp() == value.timestamp()
    assert back.timezone_name == value.timezone_name
    assert back.utcoffset() == value.utcoffset()


@given(aware_datetimes())
def test_stdlib_instants_keep_the_instant(value: dt.datetime) -> None:
    back = structure(through_json(value), dt.datetime)
    assert back.timestamp() == value.timestamp()
    assert back.utcoffset() == value.utcoffset()


@given(st.dates(min_value=dt.date(2, 1, 1), max_value=dt.date(9998, 12, 31)))
def test_dates(value: dt.date) -> None:
    assert structure(through_json(value), pendulum.Date) == value


@given(st.dates(max_value=dt.date(1, 12, 31)) | st.dates(min_value=dt.date(9999, 1, 1)))
def test_dates_outside_the_supported_years_are_refused(value: dt.date) -> None:
    with pytest.raises(ValidationError, match="outside the dates servicecore handles"):
        structure(through_json(value), pendulum.Date)


@given(st.timedeltas())
def test_timedeltas(value: dt.timedelta) -> None:
    assert structure(through_json(value), dt.timedelta) == value


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_decimals_keep_every_digit(value: Decimal) -> None:
    back = structure(through_json(value), Decimal)
    assert back == value
    assert back.as_tuple() == value.as_tuple()
