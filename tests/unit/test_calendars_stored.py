"""Stored calendars, versions effective from a date, and SLAs that refer to a calendar by id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import pendulum
import pytest

from servicecore.calendars import (
    CALENDARS,
    BusinessCalendar,
    CalendarHolidayAdded,
    CalendarRef,
    CalendarVersion,
    CalendarVersionAdded,
    HolidayRules,
    StoredCalendar,
    StoredCalendarCreated,
    add_calendar_holiday,
    add_calendar_version,
    add_stored_calendar_holiday,
    create_stored_calendar,
    resolve_calendar,
)
from servicecore.clock import FixedClock
from servicecore.errors import BusinessRuleError, NotFoundError, ValidationError
from servicecore.plugins import Hooks, get_plugin_manager, hookimpl
from servicecore.serialization import structure, unstructure
from servicecore.sla import (
    SLAS,
    ClockKind,
    ServiceLevelAgreement,
    SlaBreached,
    SlaClock,
    StatusChange,
    Target,
)
from servicecore.sla_clocks import (
    SLA_CLOCKS,
    record_sla_change,
    scan_sla_breaches,
    start_sla_clocks,
)
from servicecore.storage.memory import InMemoryStore

ZONE = "Europe/Stockholm"
AT = pendulum.datetime(2024, 5, 1, tz="UTC")
EIGHT_TO_FOUR = BusinessCalendar.weekdays(ZONE, [(dt.time(8), dt.time(16))])
TEN_TO_SIX = BusinessCalendar.weekdays(ZONE, [(dt.time(10), dt.time(18))])


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(year, month, day, hour, minute, tz=ZONE)


def desk() -> StoredCalendar:
    return StoredCalendar.create(
        "ACME", "se-desk", EIGHT_TO_FOUR, effective_from=dt.date(2024, 1, 1)
    )


def gold(calendar: object = CalendarRef("se-desk")) -> ServiceLevelAgreement:
    return ServiceLevelAgreement(
        company_id="ACME",
        id="GOLD",
        name="Gold",
        calendar=calendar,
        targets={"high": (Target.business_hours(8), Target.business_hours(16))},
    )


def store_with(
    *calendars: StoredCalendar, sla: ServiceLevelAgreement | None = None
) -> InMemoryStore:
    store = InMemoryStore(publish=lambda events: None)
    with store.unit_of_work("ACME") as uow:
        for calendar in calendars:
            uow[CALENDARS].add(calendar)
        uow[SLAS].add(sla or gold())
        uow.commit()
    return store


# -- weekly hours that change from a date on ------------------------------------------------
def test_weekly_changes_apply_from_their_date_on() -> None:
    cal = BusinessCalendar(
        timezone=ZONE,
        weekly=EIGHT_TO_FOUR.weekly,
        weekly_changes=[(dt.date(2024, 6, 3), TEN_TO_SIX.weekly)],
    )
    # Friday 31 May still 08-16; Monday 3 June opens at 10.
    assert cal.add_business_time(local(2024, 5, 31, 15), dt.timedelta(hours=2)) == local(
        2024, 6, 3, 11
    )
    assert cal.business_time_between(local(2024, 5, 31), local(2024, 6, 4)) == dt.timedelta(
        hours=16
    )
    assert not cal.is_open(local(2024, 6, 3, 9))
    assert cal.is_open(local(2024, 5, 31, 9))


def test_weekly_changes_refuse_two_changes_on_one_date() -> None:
    with pytest.raises(ValidationError, match="two changes on 2024-06-03"):
        BusinessCalendar(
            timezone=ZONE,
            weekly=EIGHT_TO_FOUR.weekly,
            weekly_changes=[
                (dt.date(2024, 6, 3), TEN_TO_SIX.weekly),
                (dt.date(2024, 6, 3), EIGHT_TO_FOUR.weekly),
            ],
        )
    with pytest.raises(ValidationError, match="weekly_changes"):
        BusinessCalendar(timezone=ZONE, weekly=EIGHT_TO_FOUR.weekly, weekly_changes=[1])


# -- the aggregate --------------------------------------------------------------------------
def test_versions_combine_into_one_calendar() -> None:
    stored, events = add_calendar_version(desk(), dt.date(2024, 6, 3), TEN_TO_SIX, at=AT)
    assert [v.effective_from for v in stored.versions] == [
        pendulum.date(2024, 1, 1),
        pendulum.date(2024, 6, 3),
    ]
    assert stored.as_of(dt.date(2024, 6, 2)) == EIGHT_TO_FOUR
    assert stored.as_of(dt.date(2024, 6, 3)) == TEN_TO_SIX
    assert stored.as_of(dt.date(2023, 1, 1)) == EIGHT_TO_FOUR  # the first covers earlier dates
    assert stored.calendar.name == "se-desk"
    assert stored.calendar.add_business_time(local(2024, 5, 31, 15), dt.timedelta(hours=2)) == (
        local(2024, 6, 3, 11)
    )
    assert [type(e) for e in events] == [CalendarVersionAdded]
    again, none = add_calendar_version(stored, dt.date(2024, 6, 3), TEN_TO_SIX, at=AT)
    assert again is stored
    assert none == ()
    replaced, _ = add_calendar_version(stored, dt.date(2024, 6, 3), EIGHT_TO_FOUR, at=AT)
    assert replaced.as_of(dt.date(2024, 7, 1)) == EIGHT_TO_FOUR
    assert len(replaced.versions) == 2


def test_versions_are_checked() -> None:
    first = CalendarVersion(effective_from=dt.date(2024, 1, 1), calendar=EIGHT_TO_FOUR)
    with pytest.raises(ValidationError, match="at least one version"):
        StoredCalendar(company_id="ACME", id="x", versions=[])
    with pytest.raises(ValidationError, match="two calendar versions take effect on 2024-01-01"):
        StoredCalendar(company_id="ACME", id="x", versions=[first, first])
    utc = BusinessCalendar.weekdays("UTC", [(dt.time(8), dt.time(16))])
    with pytest.raises(ValidationError, match="one time zone"):
        add_calendar_version(desk(), dt.date(2024, 6, 3), utc, at=AT)
    swedish = BusinessCalendar.weekdays(
        ZONE, [(dt.time(10), dt.time(18))], holiday_rules=HolidayRules("SE")
    )
    with pytest.raises(ValidationError, match="same holiday rules") as rules:
        add_calendar_version(desk(), dt.date(2024, 6, 3), swedish, at=AT)
    assert rules.value.field == "versions"
    changing = BusinessCalendar(
        timezone=ZONE, weekly=EIGHT_TO_FOUR.weekly, weekly_changes=[(dt.date(2024, 2, 1), {})]
    )
    with pytest.raises(ValidationError, match="weekly_changes of its own"):
        CalendarVersion(effective_from=dt.date(2024, 1, 1), calendar=changing)


def test_a_holiday_joins_the_version_in_effect_on_its_date() -> None:
    stored, _ = add_calendar_version(desk(), dt.date(2024, 6, 3), TEN_TO_SIX, at=AT)
    closed, events = add_calendar_holiday(stored, dt.date(2024, 6, 6), at=AT)
    assert closed.versions[0].calendar.holidays == ()
    assert closed.versions[1].calendar.holidays == (pendulum.date(2024, 6, 6),)
    assert [type(e) for e in events] == [CalendarHolidayAdded]
    assert not closed.calendar.is_open(local(2024, 6, 6, 11))
    same, none = add_calendar_holiday(closed, dt.date(2024, 6, 6), at=AT)
    assert same is closed
    assert none == ()


def test_adding_a_stored_holiday_twice_saves_and_records_nothing_the_second_time() -> None:
    published: list[object] = []
    store = InMemoryStore(publish=published.extend)
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as uow:
        uow[CALENDARS].add(desk())
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        first = add_stored_calendar_holiday(uow, "se-desk", dt.date(2024, 6, 6), clock=clock)
        uow.commit()
    assert [type(e) for e in published] == [CalendarHolidayAdded]
    with store.unit_of_work("ACME") as uow:
        again = add_stored_calendar_holiday(uow, "se-desk", dt.date(2024, 6, 6), clock=clock)
        uow.commit()
    assert again.versions == first.versions
    assert [type(e) for e in published] == [CalendarHolidayAdded]  # no second event
    with store.unit_of_work("ACME") as uow:
        stored = uow[CALENDARS].get("se-desk")
    assert stored.version == again.version == 2  # added (1), one holiday (2): not saved again
    assert stored.versions[0].calendar.holidays == (pendulum.date(2024, 6, 6),)


def test_stored_calendar_round_trips_through_serialization() -> None:
    stored, _ = add_calendar_version(desk(), dt.date(2024, 6, 3), TEN_TO_SIX, at=AT)
    assert structure(unstructure(stored), StoredCalendar) == stored
    sla = gold()
    assert structure(unstructure(sla), ServiceLevelAgreement) == sla


# -- SLAs that refer to a calendar --------------------------------------------------------------
def test_a_plain_calendar_id_refers_like_a_calendar_ref() -> None:
    assert gold(calendar="se-desk") == gold()
    assert gold().calendar_id == "se-desk"
    assert gold(calendar=EIGHT_TO_FOUR).calendar_id is None


def test_a_clock_cannot_count_business_time_on_an_unresolved_reference() -> None:
    clock = SlaClock.start(
        gold(), ClockKind.RESPONSE, subject_id="SO-1", at=AT, priority="high", status="new"
    )
    with pytest.raises(BusinessRuleError, match="refers to the calendar 'se-desk'"):
        clock.status_at(AT)
    hours = ServiceLevelAgreement(
        company_id="ACME",
        id="H",
        name="Hours",
        calendar=CalendarRef("se-desk"),
        targets={"high": (Target.calendar_hours(2), None)},
    )
    clock = SlaClock.start(
        hours, ClockKind.RESPONSE, subject_id="SO-1", at=AT, priority="high", status="new"
    )
    assert clock.status_at(AT).due_at == AT.add(hours=2)  # calendar hours: 24x7


def test_a_holiday_added_later_moves_the_deadlines_of_running_clocks() -> None:
    store = store_with(desk())
    clock = FixedClock(local(2024, 6, 3, 8))  # Monday
    with store.unit_of_work("ACME") as uow:
        started = start_sla_clocks(
            uow, "GOLD", subject_id="SO-1", priority="high", status="new", clock=clock
        )
        uow.commit()
    assert started[1].clock.sla.calendar == CalendarRef("se-desk")  # the reference is kept
    with store.unit_of_work("ACME") as uow:  # Tuesday becomes a holiday
        add_stored_calendar_holiday(uow, "se-desk", dt.date(2024, 6, 4), clock=clock)
        uow.commit()
    # Without the holiday, 16 business hours run out on Tuesday at 16:00.
    clock.set(local(2024, 6, 4, 17))
    with store.unit_of_work("ACME") as uow:
        events = scan_sla_breaches(uow, clock=clock)
        uow.commit()
    assert not [e for e in events if isinstance(e, SlaBreached) and e.kind is ClockKind.RESOLUTION]
    with store.unit_of_work("ACME") as uow:
        resolution = uow[SLA_CLOCKS].list_for_subject("SO-1")[1]
        assert resolution.clock.sla.calendar == CalendarRef("se-desk")
    clock.set(local(2024, 6, 6, 9))
    with store.unit_of_work("ACME") as uow:
        events = scan_sla_breaches(uow, clock=clock)
        uow.commit()
    breaches = {e.kind: e.due_at for e in events if isinstance(e, SlaBreached)}
    assert breaches[ClockKind.RESOLUTION] == local(2024, 6, 5, 16)


def test_record_sla_change_counts_on_the_calendar_as_it_stands() -> None:
    store = store_with(desk())
    clock = FixedClock(local(2024, 6, 3, 8))
    with store.unit_of_work("ACME") as uow:
        start_sla_clocks(uow, "GOLD", subject_id="SO-1", priority="high", status="new", clock=clock)
        uow.commit()
    with store.unit_of_work("ACME") as uow:
        add_stored_calendar_holiday(uow, "se-desk", dt.date(2024, 6, 3), clock=clock)
        uow.commit()
    # Monday is now a holiday: 8 business hours run out on Tuesday at 16:00, not Monday.
    with store.unit_of_work("ACME") as uow:
        events = record_sla_change(uow, "SO-1", StatusChange(local(2024, 6, 3, 17), "open"))
        uow.commit()
    assert events == ()
    with store.unit_of_work("ACME") as uow:
        stored = uow[SLA_CLOCKS].list_for_subject("SO-1")[0]
    resolved = stored.clock.with_calendar(lambda _id: desk().calendar)
    assert resolved.status_at(local(2024, 6, 3, 17)).due_at == local(2024, 6, 4, 16)
    resolved_now = stored.clock.with_calendar(
        lambda _id: add_calendar_holiday(desk(), dt.date(2024, 6, 3), at=AT)[0].calendar
    )
    assert resolved_now.status_at(local(2024, 6, 3, 17)).due_at == local(2024, 6, 5, 16)


class _PluginCalendars:
    @hookimpl
    def servicecore_calendars(self) -> Mapping[str, BusinessCalendar]:
        return {"se-desk": TEN_TO_SIX, "plugin-only": TEN_TO_SIX}


def test_resolution_asks_the_unit_of_work_first_then_the_fallback() -> None:
    hooks = Hooks(get_plugin_manager(plugins=[_PluginCalendars()], load_entrypoints=False))
    store = store_with(desk())
    with store.unit_of_work("ACME") as uow:
        assert resolve_calendar(uow, "se-desk", hooks.calendar).weekly == EIGHT_TO_FOUR.weekly
        assert resolve_calendar(uow, "plugin-only", hooks.calendar) == TEN_TO_SIX
        with pytest.raises(NotFoundError, match=r"calendars=hooks\.calendar"):
            resolve_calendar(uow, "plugin-only")
        with pytest.raises(NotFoundError):
            resolve_calendar(uow, "nowhere", hooks.calendar)
        with pytest.raises(ValidationError, match="a BusinessCalendar"):
            resolve_calendar(uow, "nowhere", lambda _id: "not a calendar")  # type: ignore[arg-type,return-value]


def test_clocks_resolve_plugin_calendars_through_the_calendars_argument() -> None:
    hooks = Hooks(get_plugin_manager(plugins=[_PluginCalendars()], load_entrypoints=False))
    store = store_with(sla=gold(CalendarRef("plugin-only")))
    clock = FixedClock(local(2024, 6, 3, 8))
    with store.unit_of_work("ACME") as uow, pytest.raises(NotFoundError):
        start_sla_clocks(uow, "GOLD", subject_id="SO-1", priority="high", status="new", clock=clock)
    with store.unit_of_work("ACME") as uow:
        start_sla_clocks(
            uow,
            "GOLD",
            subject_id="SO-1",
            priority="high",
            status="new",
            clock=clock,
            calendars=hooks.calendar,
        )
        uow.commit()
    # 10-18 twice: 16 hours used up on Tuesday at 18, breached from the next opening on
    clock.set(local(2024, 6, 5, 10, 30))
    with store.unit_of_work("ACME") as uow:
        found = scan_sla_breaches(uow, clock=clock, calendars=hooks.calendar)
    breaches = {e.kind: e.due_at for e in found if isinstance(e, SlaBreached)}
    assert breaches == {
        ClockKind.RESPONSE: local(2024, 6, 3, 18),
        ClockKind.RESOLUTION: local(2024, 6, 4, 18),
    }


def test_create_stored_calendar_records_its_event() -> None:
    store = InMemoryStore(publish=lambda events: None)
    clock = FixedClock(AT)
    with store.unit_of_work("ACME") as uow:
        created = create_stored_calendar(
            uow, "se-desk", EIGHT_TO_FOUR, effective_from=dt.date(2024, 1, 1), clock=clock
        )
        uow.commit()
    assert created.company_id == "ACME"
    with store.unit_of_work("ACME") as uow:
        assert [c.id for c in uow[CALENDARS].list_in_zone(ZONE)] == [created.id]
    assert StoredCalendarCreated.__name__ == "StoredCalendarCreated"


# -- the cheap boundary: same answers for stdlib and pendulum starts ------------------------------
@pytest.mark.parametrize(
    ("wall", "fold"),
    [
        ((2024, 3, 31, 2, 30), 0),  # in the spring-forward gap
        ((2024, 10, 27, 2, 30), 0),  # the first 02:30 of the fall-back night
        ((2024, 10, 27, 2, 30), 1),  # the second one
        ((2024, 6, 3, 9, 15), 0),
    ],
)
def test_a_stdlib_start_gives_the_pendulum_answer(wall: tuple[int, ...], fold: int) -> None:
    night = BusinessCalendar(timezone=ZONE, weekly=[[(dt.time(0), dt.time(0))]] * 7)
    year, month, day, hour, minute = wall
    stdlib = dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(ZONE), fold=fold)
    as_pendulum = pendulum.instance(stdlib.astimezone(dt.UTC)).in_timezone(ZONE)
    got = night.add_business_time(stdlib, dt.timedelta(hours=1))
    assert type(got) is pendulum.DateTime
    other = night.add_business_time(as_pendulum, dt.timedelta(hours=1))
    # compared in UTC, with the fold: equality across zones is False inside a fold (PEP 495)
    assert got.astimezone(dt.UTC) == other.astimezone(dt.UTC)
    assert got.fold == other.fold
    assert got.astimezone(dt.UTC) == stdlib.astimezone(dt.UTC) + dt.timedelta(hours=1)
    assert got.timezone_name == ZONE
