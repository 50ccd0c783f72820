"""Instant coercion and the clocks."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pendulum
import pytest

from servicecore.clock import (
    MAX_INSTANT,
    MIN_INSTANT,
    Clock,
    FixedClock,
    SteppingClock,
    SystemClock,
    read_clock,
    to_date,
    to_duration,
    to_instant,
    to_timezone,
)
from servicecore.errors import ValidationError

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_stdlib_utc_becomes_pendulum_utc() -> None:
    result = to_instant(dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC))
    assert isinstance(result, pendulum.DateTime)
    assert result == pendulum.datetime(2024, 1, 1, 9, tz="UTC")
    assert result.timezone_name == "UTC"


def test_zoneinfo_keeps_its_zone() -> None:
    result = to_instant(dt.datetime(2024, 6, 1, 12, tzinfo=STOCKHOLM))
    assert result.timezone_name == "Europe/Stockholm"
    assert (result.hour, result.utcoffset()) == (12, dt.timedelta(hours=2))


def test_fixed_offset_is_kept_as_an_offset() -> None:
    source = dt.datetime(2024, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30)))
    result = to_instant(source)
    assert result.utcoffset() == dt.timedelta(hours=-3, minutes=-30)
    assert result == pendulum.datetime(2024, 6, 1, 15, 30, tz="UTC")


def test_pendulum_instant_is_returned_as_is() -> None:
    source = pendulum.datetime(2024, 6, 1, 12, tz="America/New_York")
    assert to_instant(source) is source


def test_pendulum_datetime_with_stdlib_zone_is_converted() -> None:
    source = pendulum.DateTime(2024, 6, 1, 12, tzinfo=STOCKHOLM)
    result = to_instant(source)
    assert result.timestamp() == source.timestamp()
    assert result.timezone_name == "Europe/Stockholm"


def test_dst_gap_keeps_the_instant() -> None:
    # 02:30 does not exist in Stockholm on 2024-03-31 (clocks jump 02:00 -> 03:00).
    # The stdlib reads fold=0 with the offset before the jump (+01:00): 01:30 UTC.
    gap = dt.datetime(2024, 3, 31, 2, 30, tzinfo=STOCKHOLM)
    result = to_instant(gap)
    assert result == pendulum.datetime(2024, 3, 31, 1, 30, tz="UTC")
    assert result.timestamp() == gap.timestamp()
    assert (result.hour, result.minute) == (3, 30)  # the same instant on the wall clock


@pytest.mark.parametrize(("fold", "utc_hour"), [(0, 0), (1, 1)])
def test_dst_fold_keeps_the_instant(fold: int, utc_hour: int) -> None:
    # 02:30 happens twice in Stockholm on 2024-10-27: first at +02:00, then at +01:00.
    ambiguous = dt.datetime(2024, 10, 27, 2, 30, fold=fold, tzinfo=STOCKHOLM)
    result = to_instant(ambiguous)
    # (== across zones is always False for an ambiguous wall time, PEP 495: compare in UTC)
    assert result.in_timezone("UTC") == pendulum.datetime(2024, 10, 27, utc_hour, 30, tz="UTC")
    assert (result.hour, result.minute, result.fold) == (2, 30, fold)
    assert result.timestamp() == ambiguous.timestamp()


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (dt.datetime(2024, 1, 1, 9), "naive datetime"),
        (pendulum.naive(2024, 1, 1, 9), "naive datetime"),
        (dt.date(2024, 1, 1), "is a date"),
        (pendulum.date(2024, 1, 1), "is a date"),
        ("2024-01-01T09:00:00Z", "not str"),
        (1_700_000_000, "not int"),
        (None, "not NoneType"),
    ],
)
def test_to_instant_rejects_with_the_parameter_name(value: Any, fragment: str) -> None:
    with pytest.raises(ValidationError) as info:
        to_instant(value, "starts_at")
    assert info.value.field == "starts_at"
    assert str(info.value).startswith("starts_at ")
    assert fragment in str(info.value)
    assert "aware datetime" in str(info.value)


class _NoOffset(dt.tzinfo):
    def utcoffset(self, _d: dt.datetime | None) -> dt.timedelta | None:
        return None

    def dst(self, _d: dt.datetime | None) -> dt.timedelta | None:
        return None

    def tzname(self, _d: dt.datetime | None) -> str | None:
        return None


def test_tzinfo_without_offset_counts_as_naive() -> None:
    with pytest.raises(ValidationError, match="naive"):
        to_instant(dt.datetime(2024, 1, 1, tzinfo=_NoOffset()))


def test_to_date() -> None:
    assert to_date(dt.date(2024, 2, 29)) == pendulum.date(2024, 2, 29)
    assert isinstance(to_date(dt.date(2024, 2, 29)), pendulum.Date)
    same = pendulum.date(2024, 1, 1)
    assert to_date(same) is same
    with pytest.raises(ValidationError, match="convert it in the right time zone"):
        to_date(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), "due")
    with pytest.raises(ValidationError, match="due must be a date, not str"):
        to_date("2024-01-01", "due")


def test_to_duration() -> None:
    assert to_duration(dt.timedelta(hours=2)) == dt.timedelta(hours=2)
    converted = to_duration(pendulum.duration(days=1, seconds=5))
    assert type(converted) is dt.timedelta
    assert converted == dt.timedelta(days=1, seconds=5)
    with pytest.raises(ValidationError, match="grace must be a timedelta, not int"):
        to_duration(3600, "grace")


def test_to_timezone() -> None:
    assert to_timezone("Europe/Stockholm").name == "Europe/Stockholm"
    assert to_timezone(STOCKHOLM).name == "Europe/Stockholm"
    zone = pendulum.timezone("UTC")
    assert to_timezone(zone) is zone
    for bad in ("Mars/Olympus", "", 5, None):
        with pytest.raises(ValidationError, match="not a known IANA time zone"):
            to_timezone(bad, "tz")


def test_fixed_clock() -> None:
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    assert isinstance(clock, Clock)
    assert clock.now() == clock.now() == pendulum.datetime(2024, 1, 1)
    assert clock.advance(dt.timedelta(hours=1)) == pendulum.datetime(2024, 1, 1, 1)
    assert clock.advance(dt.timedelta(0)) == pendulum.datetime(2024, 1, 1, 1)
    clock.set(pendulum.datetime(2030, 5, 5, tz="Asia/Kolkata"))
    assert clock.now() == pendulum.datetime(2030, 5, 5, tz="Asia/Kolkata")
    assert repr(clock) == "FixedClock('2030-05-05T00:00:00+05:30')"
    with pytest.raises(ValidationError, match="naive"):
        clock.set(dt.datetime(2024, 1, 1))
    with pytest.raises(ValidationError):
        FixedClock(dt.datetime(2024, 1, 1))
    with pytest.raises(ValidationError):
        clock.advance(60)  # type: ignore[arg-type]


def test_fixed_clock_never_runs_back_nor_past_year_9999() -> None:
    clock = FixedClock(dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError, match="use set\\(\\) to jump"):
        clock.advance(dt.timedelta(minutes=-30))
    with pytest.raises(ValidationError, match="past the year 9999"):
        clock.advance(dt.timedelta(days=999_999_999))
    assert clock.now() == pendulum.datetime(2024, 1, 1)  # unchanged by the refusals


def test_stepping_clock_gives_unique_ordered_instants() -> None:
    clock = SteppingClock(pendulum.datetime(2024, 1, 1), dt.timedelta(minutes=5))
    assert isinstance(clock, Clock)
    assert [clock.now().minute for _ in range(3)] == [0, 5, 10]
    assert repr(clock).startswith("SteppingClock('2024-01-01T00:15:00+00:00'")
    threaded = SteppingClock(pendulum.datetime(2024, 1, 1))
    seen: list[pendulum.DateTime] = []
    lock = threading.Lock()

    def read() -> None:
        for _ in range(100):
            value = threaded.now()
            with lock:
                seen.append(value)

    workers = [threading.Thread(target=read) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(set(seen)) == 400
    for step in (dt.timedelta(0), dt.timedelta(seconds=-1)):
        with pytest.raises(ValidationError, match="does not move forward"):
            SteppingClock(pendulum.datetime(2024, 1, 1), step)


def test_system_clock_is_aware_utc_now() -> None:
    clock = SystemClock()
    assert isinstance(clock, Clock)
    before = pendulum.now("UTC")
    reading = clock.now()
    after = pendulum.now("UTC")
    assert before <= reading <= after
    assert reading.timezone_name == "UTC"
    assert repr(clock) == "SystemClock()"


@pytest.mark.parametrize(
    "instead",
    [
        pendulum.datetime(2024, 5, 1, 10),
        dt.datetime(2024, 5, 1, 10, tzinfo=dt.UTC),
        dt.date(2024, 5, 1),
        dt.datetime,
        pendulum.DateTime,
    ],
    ids=["pendulum", "stdlib", "date", "datetime-class", "pendulum-class"],
)
def test_an_instant_given_as_a_clock_is_refused_with_advice(instead: object) -> None:
    # A datetime has a now() method: read as a clock it would stamp the wall-clock time.
    with pytest.raises(ValidationError, match="pass the instant as at=") as info:
        read_clock(instead)
    assert info.value.field == "clock"


def test_use_cases_refuse_an_instant_given_as_a_clock() -> None:
    from servicecore.sla import SLAS, ServiceLevelAgreement, Target, suspend_stored_sla
    from servicecore.storage.memory import InMemoryStore

    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        uow[SLAS].add(
            ServiceLevelAgreement(
                company_id="ACME",
                id="GOLD",
                name="Gold",
                targets={"high": (Target.calendar_hours(1), Target.calendar_hours(4))},
            )
        )
        with pytest.raises(ValidationError, match="FixedClock"):
            suspend_stored_sla(uow, "GOLD", clock=pendulum.datetime(2024, 5, 1, 10))
        assert not uow[SLAS].get("GOLD").suspended


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime.min.replace(tzinfo=dt.UTC),
        dt.datetime(1, 6, 1, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 22, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
        dt.datetime.max.replace(tzinfo=dt.UTC),
        pendulum.datetime(9999, 6, 1),
    ],
    ids=["datetime.min", "year-1", "9999-12-31-minus-5h", "datetime.max", "pendulum-9999"],
)
def test_instants_outside_the_supported_range_are_refused(value: dt.datetime) -> None:
    with pytest.raises(ValidationError, match="outside the instants servicecore handles"):
        to_instant(value)


def test_the_edges_of_the_supported_range_are_accepted() -> None:
    assert to_instant(MIN_INSTANT) == MIN_INSTANT
    assert to_instant(MAX_INSTANT) == MAX_INSTANT
    late = dt.datetime(9998, 12, 31, 20, tzinfo=dt.timezone(dt.timedelta(hours=-3)))
    assert to_instant(late) == late


def test_the_range_is_on_the_instant_not_on_its_wall_clock() -> None:
    # 9999-01-01 00:30 at +01:00 is 9998-12-31 23:30 UTC; 0001-12-31 23:00 at -02:00 is
    # 0002-01-01 01:00 UTC: both inside MIN_INSTANT..MAX_INSTANT, so both are accepted.
    late = to_instant(dt.datetime(9999, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    assert late == dt.datetime(9998, 12, 31, 23, 30, tzinfo=dt.UTC)
    assert late.utcoffset() == dt.timedelta(hours=1)
    early = dt.datetime(1, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    assert to_instant(early) == dt.datetime(2, 1, 1, 1, tzinfo=dt.UTC)


class _Olympus(dt.tzinfo):
    """A host's own zone: a ``key`` like zoneinfo's, but no zone database knows it."""

    key = "Mars/Olympus"

    def utcoffset(self, _value: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=2)

    def dst(self, _value: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)

    def tzname(self, _value: dt.datetime | None) -> str:
        return "OLY"


def test_a_zone_no_database_knows_is_kept_as_its_offset() -> None:
    result = to_instant(dt.datetime(2024, 6, 1, 12, tzinfo=_Olympus()))
    assert result == dt.datetime(2024, 6, 1, 10, tzinfo=dt.UTC)
    assert result.utcoffset() == dt.timedelta(hours=2)
    assert (result.hour, result.minute) == (12, 0)


def test_machine_dependent_zones_are_refused() -> None:
    with pytest.raises(ValidationError, match="depend on the host machine"):
        to_instant(dt.datetime(2024, 1, 1, tzinfo=ZoneInfo("localtime")))
    with pytest.raises(ValidationError, match="host machine"):
        to_timezone("localtime")
    with pytest.raises(ValidationError, match="host machine"):
        to_timezone(ZoneInfo("localtime"))


def test_stdlib_zoned_datetimes_keep_their_wall_clock_and_zone() -> None:
    value = dt.datetime(2024, 6, 1, 12, 30, 5, 7, tzinfo=STOCKHOLM)
    result = to_instant(value)
    assert isinstance(result, pendulum.DateTime)
    assert result.timezone_name == "Europe/Stockholm"
    assert (result.hour, result.minute, result.second, result.microsecond) == (12, 30, 5, 7)
    assert result.timestamp() == value.timestamp()
    assert to_timezone("Europe/Stockholm") is to_timezone(STOCKHOLM)  # one zone per key
