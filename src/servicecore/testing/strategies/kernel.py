"""Strategies for the kernel: money, instants and dates, ids, business calendars."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import strategies as st
from pendulum.tz.timezone import Timezone

from servicecore.calendars import BusinessCalendar
from servicecore.clock import to_instant, to_timezone
from servicecore.money import _REGISTRY, Currency, Money

__all__ = [
    "DST_ZONES",
    "aware_datetimes",
    "business_calendars",
    "company_ids",
    "currencies",
    "dates",
    "dst_transitions",
    "durations",
    "ids",
    "instants",
    "instants_near_dst",
    "money",
    "naive_datetimes",
    "rounded_money",
    "timezones",
]

DST_ZONES = (
    "UTC",
    "Europe/Stockholm",
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
)
"""Zones with DST in both hemispheres, half-hour shifts and odd offsets."""


def currencies() -> st.SearchStrategy[Currency]:
    """Registered currencies (0, 2, 3 and 4 minor units among them)."""
    return st.sampled_from(sorted(_REGISTRY.values(), key=lambda c: c.code))


@st.composite
def money(
    draw: st.DrawFn,
    currency: Currency | str | None = None,
    *,
    min_units: int = -(10**12),
    max_units: int = 10**12,
    extra_digits: int = 0,
) -> Money:
    """Money; amounts have at most ``minor_units + extra_digits`` decimals."""
    cur = Currency.of(currency) if currency is not None else draw(currencies())
    scale = cur.minor_units + extra_digits
    units = draw(st.integers(min_units * 10**extra_digits, max_units * 10**extra_digits))
    return Money(Decimal(units).scaleb(-scale), cur)


def rounded_money(currency: Currency | str | None = None, **kw: int) -> st.SearchStrategy[Money]:
    """Money already rounded to its currency's minor units."""
    return money(currency, **kw)


def _zones() -> st.SearchStrategy[str]:
    return st.sampled_from(DST_ZONES)


@st.composite
def _uniform_instants(
    draw: st.DrawFn, *, min_value: dt.datetime, max_value: dt.datetime
) -> pendulum.DateTime:
    zone = draw(_zones())
    naive = draw(st.datetimes(min_value=min_value, max_value=max_value))
    utc = naive.replace(tzinfo=dt.UTC)
    return to_instant(utc, "at").in_timezone(zone)


def instants(
    *,
    min_value: dt.datetime = dt.datetime(1990, 1, 1),
    max_value: dt.datetime = dt.datetime(2060, 12, 31),
) -> st.SearchStrategy[pendulum.DateTime]:
    """Aware ``pendulum.DateTime`` values across zones, DST gaps and folds included.

    The bounds are naive datetimes read as UTC. About a third of the examples fall within
    two hours of a DST transition (see :func:`instants_near_dst`).
    """
    uniform = _uniform_instants(min_value=min_value, max_value=max_value)
    low, high = min_value.replace(tzinfo=dt.UTC), max_value.replace(tzinfo=dt.UTC)

    def build() -> st.SearchStrategy[pendulum.DateTime]:  # on first draw, not at import
        edges = [(z, t) for z, t in dst_transitions() if low + _NEAR <= t <= high - _NEAR]
        if not edges:
            return uniform
        return st.one_of(uniform, uniform, _near(st.sampled_from(edges)))

    return st.deferred(build)


_NEAR = dt.timedelta(hours=2)


@functools.cache
def dst_transitions(
    first_year: int = 2000, last_year: int = 2040
) -> tuple[tuple[str, dt.datetime], ...]:
    """Every UTC-offset change of the zones in :data:`DST_ZONES` in the given years.

    ``(zone, first instant with the new offset)``, found once by scanning week by week and
    bisecting to the second (computed on first use, then cached).
    """
    found: list[tuple[str, dt.datetime]] = []
    start = int(dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).timestamp())
    end = int(dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC).timestamp())
    week = 7 * 86_400
    for name in DST_ZONES:
        zone = ZoneInfo(name)

        def offset(ts: int, zone: ZoneInfo = zone) -> dt.timedelta | None:
            return dt.datetime.fromtimestamp(ts, zone).utcoffset()

        current, before = start, offset(start)
        while current < end:
            following = current + week
            after = offset(following)
            if after != before:
                low, high = current, following  # offset(low) == before != offset(high)
                while high - low > 1:
                    mid = (low + high) // 2
                    if offset(mid) == before:
                        low = mid
                    else:
                        high = mid
                found.append((name, dt.datetime.fromtimestamp(high, dt.UTC)))
            current, before = following, after
    return tuple(found)


def _near(
    transitions: st.SearchStrategy[tuple[str, dt.datetime]],
) -> st.SearchStrategy[pendulum.DateTime]:
    seconds = int(_NEAR.total_seconds())

    @st.composite
    def build(draw: st.DrawFn) -> pendulum.DateTime:
        zone, at = draw(transitions)
        shift = draw(st.one_of(st.integers(-2, 2), st.integers(-seconds, seconds)), label="seconds")
        utc = at + dt.timedelta(seconds=shift)
        return to_instant(utc, "at").in_timezone(zone)

    return build()


def instants_near_dst(
    first_year: int = 2000, last_year: int = 2040
) -> st.SearchStrategy[pendulum.DateTime]:
    """Instants within two hours (often seconds) of a DST transition, in that zone.

    This is where wall-clock arithmetic breaks: skipped hours, repeated hours, and days of
    23 or 25 hours.
    """
    return _near(st.sampled_from(dst_transitions(first_year, last_year)))


def aware_datetimes() -> st.SearchStrategy[dt.datetime]:
    """Stdlib aware datetimes with zoneinfo zones, fold values included."""
    from zoneinfo import ZoneInfo

    return st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2060, 12, 31),
        timezones=st.sampled_from(DST_ZONES).map(ZoneInfo),
        allow_imaginary=False,
    )


def naive_datetimes() -> st.SearchStrategy[dt.datetime]:
    """Naive datetimes: every public entry point must refuse these."""
    return st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2060, 12, 31))


def durations(
    *, min_value: dt.timedelta = dt.timedelta(0), max_value: dt.timedelta = dt.timedelta(days=400)
) -> st.SearchStrategy[dt.timedelta]:
    """Durations with whole-second resolution."""
    return st.integers(int(min_value.total_seconds()), int(max_value.total_seconds())).map(
        lambda s: dt.timedelta(seconds=s)
    )


def dates(
    *, min_value: dt.date = dt.date(1990, 1, 1), max_value: dt.date = dt.date(2060, 12, 31)
) -> st.SearchStrategy[pendulum.Date]:
    """Calendar dates as ``pendulum.Date`` (leap days and month ends come up often)."""
    return st.dates(min_value=min_value, max_value=max_value).map(
        lambda d: pendulum.Date(d.year, d.month, d.day)
    )


def timezones() -> st.SearchStrategy[Timezone]:
    """pendulum ``Timezone`` values from :data:`DST_ZONES`."""
    return _zones().map(to_timezone)


_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./:"


def ids(prefix: str = "") -> st.SearchStrategy[str]:
    """Identifiers ``check_id`` accepts: non-empty, no surrounding white space.

    With a ``prefix`` they look like ``SO-0042``; without, any short id, odd characters
    and inner spaces included.
    """
    if prefix:
        return st.integers(0, 99_999).map(lambda n: f"{prefix}-{n:04d}")
    inner = st.text(alphabet=_ID_CHARS + " ", min_size=0, max_size=10)
    edge = st.sampled_from(_ID_CHARS)
    return st.one_of(edge, st.builds(lambda a, b, c: a + b + c, edge, inner, edge))


def company_ids() -> st.SearchStrategy[str]:
    """Company ids such as ``ACME`` or ``C7``."""
    return st.from_regex(r"[A-Z][A-Z0-9]{1,7}", fullmatch=True)


# -- calendars and SLAs ---------------------------------------------------------------------------
@st.composite
def _local_interval(draw: st.DrawFn, step: int) -> tuple[dt.time, dt.time]:
    slots = 24 * 60 // step
    start = draw(st.integers(0, slots - 1)) * step
    length = draw(st.integers(1, slots)) * step
    end = (start + length) % (24 * 60)
    return dt.time(start // 60, start % 60), dt.time(end // 60, end % 60)


@st.composite
def business_calendars(
    draw: st.DrawFn,
    *,
    zones: tuple[str, ...] = DST_ZONES,
    step_minutes: int = 30,
    years: tuple[int, int] = (2023, 2025),
    max_intervals: int = 3,
    exceptions: bool = True,
) -> BusinessCalendar:
    """Small random calendars: several intervals a day (night shifts and whole days
    included) on a ``step_minutes`` grid, holidays, closures and openings.

    Every calendar has working time on at least one weekday, so it always opens again.
    """
    zone = draw(st.sampled_from(zones))
    interval = _local_interval(step_minutes)
    days = draw(st.lists(st.lists(interval, max_size=max_intervals), min_size=7, max_size=7))
    if not any(days):
        days[draw(st.integers(0, 6))] = [draw(interval)]
    lo, hi = dt.date(years[0], 1, 1), dt.date(years[1], 12, 31)
    holidays = draw(st.lists(st.dates(lo, hi), max_size=6 if exceptions else 0))

    def ranges() -> st.SearchStrategy[list[tuple[pendulum.DateTime, pendulum.DateTime]]]:
        def pair(start: dt.datetime, hours: int) -> tuple[pendulum.DateTime, pendulum.DateTime]:
            begin = to_instant(start.replace(tzinfo=dt.UTC), "start")
            return begin, begin + dt.timedelta(hours=hours)

        edge = st.datetimes(dt.datetime(years[0], 1, 1), dt.datetime(years[1], 12, 30)).map(
            lambda d: d.replace(
                minute=d.minute // step_minutes * step_minutes, second=0, microsecond=0
            )
        )
        return st.lists(st.builds(pair, edge, st.integers(1, 72)), max_size=3 if exceptions else 0)

    return BusinessCalendar(
        timezone=zone,
        weekly=days,
        holidays=holidays,
        closures=draw(ranges()),
        openings=draw(ranges()),
    )


def register() -> None:
    """Register the kernel's types for ``st.from_type``."""
    st.register_type_strategy(Currency, currencies())
    st.register_type_strategy(Money, money())
    st.register_type_strategy(pendulum.DateTime, instants())
    st.register_type_strategy(BusinessCalendar, business_calendars())
    st.register_type_strategy(pendulum.Date, dates())
