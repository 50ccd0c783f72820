"""Coercion keeps the instant, whatever the zone, DST gap or fold."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from servicecore.clock import to_instant
from servicecore.errors import ValidationError
from servicecore.testing.strategies import DST_ZONES, aware_datetimes, instants, naive_datetimes


@given(
    st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2060, 12, 31),
        timezones=st.sampled_from(DST_ZONES).map(ZoneInfo),
        allow_imaginary=True,
    )
)
def test_zoneinfo_instants_are_preserved_gaps_and_folds_included(value: dt.datetime) -> None:
    result = to_instant(value)
    assert result.timestamp() == value.timestamp()
    assert result.utcoffset() == value.astimezone(dt.UTC).astimezone(value.tzinfo).utcoffset()
    assert result.timezone_name == str(value.tzinfo)


@given(aware_datetimes())
def test_aware_datetimes_strategy_round_trips(value: dt.datetime) -> None:
    result = to_instant(value)
    assert result.timestamp() == value.timestamp()
    # Same wall clock and offset (allow_imaginary=False: no gap times here; folds included).
    assert result.replace(tzinfo=None) == value.replace(tzinfo=None, fold=0)
    assert result.utcoffset() == value.utcoffset()


@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 12, 31)),
    st.integers(-14 * 60, 14 * 60),
)
def test_fixed_offsets_are_preserved(naive: dt.datetime, minutes: int) -> None:
    value = naive.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes)))
    result = to_instant(value)
    assert result.timestamp() == value.timestamp()
    assert result.utcoffset() == dt.timedelta(minutes=minutes)


@given(instants())
def test_pendulum_instants_pass_through(value: pendulum.DateTime) -> None:
    assert to_instant(value) is value
    assert value.tzinfo is not None


@given(naive_datetimes())
def test_to_instant_refuses_every_naive_datetime(value: dt.datetime) -> None:
    with pytest.raises(ValidationError, match="naive"):
        to_instant(value, "at")
