"""Bad-input entries of stored calendars and calendar references (``servicecore.calendars``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from servicecore import calendars
from servicecore.calendars import CALENDARS, CalendarRef, CalendarVersion, StoredCalendar
from servicecore.storage.memory import InMemoryStore

from . import valid as v
from .engine import Entry, call, fields_call, method, use_case

MODULES: tuple[Any, ...] = ()  # servicecore.calendars is swept by the shared table

EXCLUDED: dict[str, str] = {
    "servicecore.calendars.CALENDARS": "the aggregate type (its finders are swept from the "
    "registry)",
}

_P = "servicecore."
FIRST = dt.date(2024, 1, 1)


def _stored() -> StoredCalendar:
    return StoredCalendar.create("ACME", "se-desk", v.calendar(), effective_from=FIRST)


def _store_with_calendar() -> InMemoryStore:
    store = v.store()
    with store.unit_of_work("ACME") as uow:
        uow[CALENDARS].add(_stored())
        uow.commit()
    return store


def _late() -> calendars.BusinessCalendar:
    return calendars.BusinessCalendar.weekdays(v.ZONE, [(dt.time(10), dt.time(18))])


def entries() -> list[Entry]:
    def add(key: str, build: Any) -> Entry:
        return Entry(_P + key, build)

    return [
        add("calendars.CalendarRef", lambda: call(CalendarRef, calendar_id="se-desk")),
        add(
            "calendars.CalendarVersion",
            lambda: call(CalendarVersion, effective_from=FIRST, calendar=v.calendar()),
        ),
        add(
            "calendars.StoredCalendar",
            lambda: call(
                StoredCalendar,
                company_id="ACME",
                id="se-desk",
                versions=[CalendarVersion(effective_from=FIRST, calendar=v.calendar())],
            ),
        ),
        add(
            "calendars.StoredCalendar.create",
            lambda: call(
                StoredCalendar.create,
                company_id="ACME",
                calendar_id="se-desk",
                calendar=v.calendar(),
                effective_from=FIRST,
            ),
        ),
        add(
            "calendars.StoredCalendar.as_of",
            lambda: method(_stored(), "as_of", date=dt.date(2024, 6, 3)),
        ),
        add(
            "calendars.StoredCalendarCreated",
            lambda: fields_call(calendars.StoredCalendarCreated),
        ),
        add(
            "calendars.CalendarVersionAdded",
            lambda: fields_call(calendars.CalendarVersionAdded, effective_from=v.DAY),
        ),
        add(
            "calendars.CalendarHolidayAdded",
            lambda: fields_call(calendars.CalendarHolidayAdded, date=v.DAY),
        ),
        add(
            "calendars.add_calendar_version",
            lambda: call(
                calendars.add_calendar_version,
                stored=_stored(),
                effective_from=dt.date(2024, 6, 1),
                calendar=_late(),
                at=v.AT,
            ),
        ),
        add(
            "calendars.add_calendar_holiday",
            lambda: call(
                calendars.add_calendar_holiday, stored=_stored(), date=dt.date(2024, 6, 3), at=v.AT
            ),
        ),
        add(
            "calendars.create_stored_calendar",
            lambda: use_case(
                calendars.create_stored_calendar,
                calendar_id="se-night",
                calendar=v.calendar(),
                effective_from=FIRST,
                clock=v.clock(),
            ),
        ),
        add(
            "calendars.add_stored_calendar_version",
            lambda: use_case(
                calendars.add_stored_calendar_version,
                store=_store_with_calendar(),
                calendar_id="se-desk",
                effective_from=dt.date(2024, 6, 1),
                calendar=_late(),
                clock=v.clock(),
            ),
        ),
        add(
            "calendars.add_stored_calendar_holiday",
            lambda: use_case(
                calendars.add_stored_calendar_holiday,
                store=_store_with_calendar(),
                calendar_id="se-desk",
                date=dt.date(2024, 6, 3),
                clock=v.clock(),
            ),
        ),
        add(
            "calendars.resolve_calendar",
            lambda: use_case(
                calendars.resolve_calendar,
                store=_store_with_calendar(),
                calendar_id="se-desk",
                fallback=None,
            ),
        ),
        add(
            "sla.ServiceLevelAgreement.with_calendar",
            lambda: method(
                attrs.evolve(v.sla(), calendar=CalendarRef("se-desk")),
                "with_calendar",
                resolve=lambda _id: v.calendar(),
            ),
        ),
        add(
            "sla.SlaClock.with_calendar",
            lambda: method(v.sla_clock(), "with_calendar", resolve=lambda _id: v.calendar()),
        ),
    ]
