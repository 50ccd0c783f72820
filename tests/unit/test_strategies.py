"""The testing kit's strategies generate what they promise."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest
from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st
from pendulum.tz.timezone import Timezone

from servicecore.clock import to_instant
from servicecore.events import DomainEvent
from servicecore.money import _REGISTRY, Currency, Money
from servicecore.ports import check_id
from servicecore.sla import StatusChange
from servicecore.testing import strategies
from servicecore.testing.strategies import (
    DST_ZONES,
    company_ids,
    currencies,
    dates,
    dst_transitions,
    durations,
    ids,
    instants,
    instants_near_dst,
    money,
    naive_datetimes,
    rounded_money,
    timezones,
)


@given(currencies())
def test_currencies_are_registered(currency: Currency) -> None:
    assert _REGISTRY[currency.code] == currency


@given(money("JPY", min_units=-5, max_units=5), rounded_money("BHD"), money(extra_digits=2))
def test_money(small: Money, rounded: Money, loose: Money) -> None:
    assert small.currency.code == "JPY"
    assert -5 <= small.amount <= 5
    assert rounded.is_rounded
    assert rounded.currency.code == "BHD"
    assert -loose.amount.as_tuple().exponent <= loose.currency.minor_units + 2  # type: ignore[operator]


@given(instants(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2021, 1, 1)))
def test_instants_are_aware_bounded_and_zoned(at: pendulum.DateTime) -> None:
    assert isinstance(at, pendulum.DateTime)
    assert at.timezone_name in DST_ZONES
    assert pendulum.datetime(2020, 1, 1) <= at <= pendulum.datetime(2021, 1, 1)


def test_dst_transitions_include_known_ones() -> None:
    table = set(dst_transitions())
    utc = dt.UTC
    assert ("Europe/Stockholm", dt.datetime(2024, 3, 31, 1, 0, tzinfo=utc)) in table
    assert ("Europe/Stockholm", dt.datetime(2024, 10, 27, 1, 0, tzinfo=utc)) in table
    assert ("America/New_York", dt.datetime(2024, 3, 10, 7, 0, tzinfo=utc)) in table
    assert not any(zone in {"UTC", "Asia/Kolkata"} for zone, _at in table)


@given(instants_near_dst())
def test_instants_near_dst_straddle_an_offset_change(at: pendulum.DateTime) -> None:
    window = dt.timedelta(hours=2, seconds=1)
    zone = at.timezone
    assert zone is not None
    before = to_instant(at - window).in_timezone(zone)
    after = to_instant(at + window).in_timezone(zone)
    assert before.utcoffset() != after.utcoffset()


@given(durations(min_value=dt.timedelta(minutes=1), max_value=dt.timedelta(hours=1)))
def test_durations(value: dt.timedelta) -> None:
    assert dt.timedelta(minutes=1) <= value <= dt.timedelta(hours=1)
    assert value.microseconds == 0


@given(naive_datetimes())
def test_naive_datetimes(value: dt.datetime) -> None:
    assert value.tzinfo is None


@given(ids(), ids("SO"), company_ids())
def test_ids_pass_check_id(any_id: str, so: str, company: str) -> None:
    assert check_id(any_id) == any_id
    assert re.fullmatch(r"SO-\d{4,5}", so)
    assert re.fullmatch(r"[A-Z][A-Z0-9]{1,7}", check_id(company))


@given(dates(), timezones())
def test_dates_and_timezones(day: pendulum.Date, zone: Timezone) -> None:
    assert type(day) is pendulum.Date
    assert isinstance(zone, Timezone)
    assert zone.name in DST_ZONES


@given(st.from_type(pendulum.Date))
def test_dates_are_registered(day: pendulum.Date) -> None:
    assert type(day) is pendulum.Date


def test_strategies_can_be_imported_before_hypothesis() -> None:
    code = (
        "from servicecore.testing.strategies import money\n"
        "from hypothesis import strategies as st\n"
        "from servicecore.money import Money\n"
        "assert repr(st.from_type(Money)) == 'money()', st.from_type(Money)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@given(instants(min_value=dt.datetime(2024, 1, 10), max_value=dt.datetime(2024, 1, 11)))
def test_instants_in_a_window_without_dst_changes_stay_in_it(at: pendulum.DateTime) -> None:
    # No zone of DST_ZONES changes its offset in mid-January: the draws are uniform only.
    assert pendulum.datetime(2024, 1, 10) <= at <= pendulum.datetime(2024, 1, 11)
    assert at.timezone_name in DST_ZONES


@frozen(kw_only=True)
class HostEvent(DomainEvent):
    """A host's own event class: servicecore's registration must leave it to the host."""

    note: str


HOST_EVENT = HostEvent(
    aggregate_id="H-1", company_id="ACME", occurred_at=pendulum.datetime(2024, 1, 1), note="own"
)


def test_registering_servicecores_strategies_keeps_a_hosts_event_strategy() -> None:
    st.register_type_strategy(HostEvent, st.just(HOST_EVENT))
    # What Hypothesis runs at start-up: registers every servicecore event, and only those.
    strategies._hypothesis_setup_hook()

    @given(st.from_type(HostEvent), st.from_type(StatusChange))
    def draw(event: HostEvent, change: StatusChange) -> None:
        assert event is HOST_EVENT
        assert isinstance(change, StatusChange)

    draw()


def test_a_strategies_module_without_register_is_imported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "zz_shared_helpers"
    (tmp_path / f"{name}.py").write_text("IMPORTED = True\n", encoding="utf-8")
    monkeypatch.setattr(strategies, "__path__", [*strategies.__path__, str(tmp_path)])
    try:
        strategies._hypothesis_setup_hook()
        helper = sys.modules[f"{strategies.__name__}.{name}"]
        assert helper.IMPORTED is True
        assert not hasattr(helper, "register")
    finally:
        sys.modules.pop(f"{strategies.__name__}.{name}", None)

    @given(st.from_type(Money))
    def draw(value: Money) -> None:
        assert isinstance(value, Money)

    draw()
