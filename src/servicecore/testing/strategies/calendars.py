"""Strategies for stored calendars: versions effective from a date, references by id."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from servicecore.calendars import (
    BusinessCalendar,
    CalendarHolidayAdded,
    CalendarRef,
    CalendarVersion,
    CalendarVersionAdded,
    StoredCalendar,
    StoredCalendarCreated,
)
from servicecore.testing.strategies.kernel import (
    business_calendars,
    company_ids,
    dates,
    ids,
    instants,
)

__all__ = ["calendar_refs", "calendar_versions", "stored_calendars"]


def calendar_refs() -> st.SearchStrategy[CalendarRef]:
    """References to a calendar by id."""
    return st.builds(CalendarRef, ids())


@st.composite
def calendar_versions(
    draw: st.DrawFn, *, calendar: BusinessCalendar | None = None
) -> CalendarVersion:
    """A calendar (drawn, or ``calendar``) in effect from a date in 2023..2025."""
    chosen = calendar if calendar is not None else draw(business_calendars(exceptions=False))
    day = draw(st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)))
    return CalendarVersion(effective_from=day, calendar=chosen)


@st.composite
def stored_calendars(
    draw: st.DrawFn, *, company_id: str | None = None, max_versions: int = 3
) -> StoredCalendar:
    """Stored calendars of 1..``max_versions`` versions in one time zone, on distinct
    dates, each with its own weekly hours and holidays."""
    first = draw(business_calendars())
    days = draw(
        st.lists(
            st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)),
            min_size=1,
            max_size=max_versions,
            unique=True,
        )
    )
    versions = [CalendarVersion(effective_from=days[0], calendar=first)]
    for day in days[1:]:
        other = draw(business_calendars(zones=(first.timezone,), exceptions=False))
        versions.append(CalendarVersion(effective_from=day, calendar=other))
    return StoredCalendar(
        company_id=company_id if company_id is not None else draw(company_ids()),
        id=draw(ids()),
        versions=versions,
    )


def register() -> None:
    """Register the stored-calendar types for ``st.from_type``."""
    st.register_type_strategy(CalendarRef, calendar_refs())
    st.register_type_strategy(CalendarVersion, calendar_versions())
    st.register_type_strategy(StoredCalendar, stored_calendars())
    event_base = {
        "aggregate_id": ids(),
        "company_id": company_ids(),
        "occurred_at": instants(),
        "calendar_id": ids(),
    }
    st.register_type_strategy(StoredCalendarCreated, st.builds(StoredCalendarCreated, **event_base))
    st.register_type_strategy(
        CalendarVersionAdded, st.builds(CalendarVersionAdded, effective_from=dates(), **event_base)
    )
    st.register_type_strategy(
        CalendarHolidayAdded, st.builds(CalendarHolidayAdded, date=dates(), **event_base)
    )
