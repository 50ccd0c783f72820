"""Hypothesis strategies for servicecore's public types.

Registered for ``st.from_type`` through Hypothesis' ``hypothesis`` entry point, so
``st.from_type(Money)`` works as soon as servicecore is installed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from servicecore.clock import to_instant
from servicecore.money import _REGISTRY, Currency, Money

__all__ = [
    "DST_ZONES",
    "aware_datetimes",
    "currencies",
    "durations",
    "instants",
    "money",
    "naive_datetimes",
    "rounded_money",
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
def instants(
    draw: st.DrawFn,
    *,
    min_value: dt.datetime = dt.datetime(1990, 1, 1),
    max_value: dt.datetime = dt.datetime(2060, 12, 31),
) -> pendulum.DateTime:
    """Aware ``pendulum.DateTime`` values across zones, DST gaps and folds included."""
    zone = draw(_zones())
    naive = draw(st.datetimes(min_value=min_value, max_value=max_value))
    utc = naive.replace(tzinfo=dt.UTC)
    return to_instant(utc, "at").in_timezone(zone)


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


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis at import (entry point ``hypothesis``): registers our types."""
    st.register_type_strategy(Currency, currencies())
    st.register_type_strategy(Money, money())
    st.register_type_strategy(pendulum.DateTime, instants())
