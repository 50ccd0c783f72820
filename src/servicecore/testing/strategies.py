"""Hypothesis strategies for servicecore's public types.

Registered for ``st.from_type`` through Hypothesis' ``hypothesis`` entry point, so
``st.from_type(Money)`` works as soon as servicecore is installed.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import strategies as st
from pendulum.tz.timezone import Timezone

from servicecore.clock import to_instant, to_timezone
from servicecore.money import _REGISTRY, Currency, Money

__all__ = [
    "DST_ZONES",
    "aware_datetimes",
    "bom_dates",
    "bom_forests",
    "bom_quantities",
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
    "repair_codes",
    "rounded_money",
    "scrap_percentages",
    "timezones",
    "units_of_measure",
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


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis at import (entry point ``hypothesis``): registers our types."""
    st.register_type_strategy(Currency, currencies())
    st.register_type_strategy(Money, money())
    st.register_type_strategy(pendulum.DateTime, instants())
    st.register_type_strategy(pendulum.Date, dates())
    _register_bom_types()


# -- BOM, service objects and repairs (issue 5) -------------------------------------------

from servicecore import bom as _bom  # noqa: E402
from servicecore import repairs as _rep  # noqa: E402

UNITS = (_bom.UnitOfMeasure("pcs", 0), _bom.UnitOfMeasure("kg", 3), _bom.UnitOfMeasure("m", 2))


def units_of_measure() -> st.SearchStrategy[_bom.UnitOfMeasure]:
    """Divisible and indivisible units."""
    return st.sampled_from(UNITS)


def bom_quantities() -> st.SearchStrategy[Decimal]:
    """Positive quantities with up to 3 decimals (0.001 .. 50)."""
    return st.integers(1, 50_000).map(lambda n: Decimal(n).scaleb(-3))


def scrap_percentages() -> st.SearchStrategy[Decimal]:
    """Scrap percentages, often 0, up to 25.5 %."""
    return st.one_of(st.just(Decimal(0)), st.integers(1, 255).map(lambda n: Decimal(n).scaleb(-1)))


@st.composite
def bom_forests(
    draw: st.DrawFn,
    *,
    company_id: str = "ACME",
    max_items: int = 8,
    max_versions: int = 3,
    max_lines: int = 4,
    pins: bool = True,
    phantoms: bool = True,
) -> list[_bom.Bom]:
    """Random BOM forests, acyclic by construction, every version active.

    Items are ``I0..In``; a line of item ``i`` only uses items ``j > i`` (leaves ``P0..``
    too), so no date can combine versions into a cycle. Each BOM has 1..``max_versions``
    versions with consecutive effectivity from 2024-01-01 (the last open-ended); lines may
    be phantoms or pin a version of their component.
    """
    n = draw(st.integers(1, max_items))
    version_counts = [draw(st.integers(1, max_versions)) for _ in range(n)]
    boms: list[_bom.Bom] = []
    for i in range(n):
        count = version_counts[i]
        gaps = draw(st.lists(st.integers(1, 200), min_size=count, max_size=count))
        starts = [dt.date(2024, 1, 1) + dt.timedelta(days=sum(gaps[:k])) for k in range(count)]
        versions = []
        for k in range(count):
            lines = []
            positions = draw(
                st.lists(
                    st.integers(1, 99),
                    min_size=0 if i == n - 1 else 1,
                    max_size=max_lines,
                    unique=True,
                )
            )
            for position in positions:
                sub = draw(st.one_of(st.none(), st.integers(i + 1, n - 1))) if i < n - 1 else None
                component = f"P{draw(st.integers(0, 5))}" if sub is None else f"I{sub}"
                pin = (
                    draw(st.one_of(st.none(), st.integers(1, version_counts[sub])))
                    if pins and sub is not None
                    else None
                )
                lines.append(
                    _bom.BomLine(
                        position,
                        component,
                        draw(bom_quantities()),
                        draw(units_of_measure()),
                        draw(scrap_percentages()),
                        draw(st.booleans()) if phantoms and sub is not None else False,
                        pin,
                    )
                )
            versions.append(
                _bom.BomVersion(
                    k + 1,
                    _bom.BomStatus.ACTIVE,
                    starts[k],
                    starts[k + 1] if k + 1 < count else None,
                    tuple(lines),
                )
            )
        boms.append(_bom.Bom(company_id=company_id, id=f"I{i}", versions=tuple(versions)))
    return boms


def bom_dates() -> st.SearchStrategy[dt.date]:
    """Dates around the effectivity of :func:`bom_forests` (2023-12 .. 2026)."""
    return st.dates(min_value=dt.date(2023, 12, 1), max_value=dt.date(2026, 12, 31))


@st.composite
def repair_codes(draw: st.DrawFn, *, company_id: str = "ACME") -> _rep.RepairCodes:
    """Code sets with 1..3 areas per kind, 1..3 codes per area and 2..4 stages."""
    names = st.sampled_from(["A", "B", "C", "D", "E"])

    def areas(prefix: str) -> dict[str, list[str]]:
        keys = draw(st.lists(names, min_size=1, max_size=3, unique=True))
        return {
            f"{prefix}{k}": [
                f"{prefix}{k}-{c}"
                for c in draw(st.lists(names, min_size=1, max_size=3, unique=True))
            ]
            for k in keys
        }

    stage_count = draw(st.integers(2, 4))
    finished = draw(st.lists(st.booleans(), min_size=stage_count, max_size=stage_count))
    finished[-1] = True
    return _rep.RepairCodes.of(
        company_id,
        "CODES",
        conditions=[f"C{k}" for k in draw(st.lists(names, max_size=3, unique=True))],
        symptoms=areas("S"),
        diagnoses=areas("D"),
        resolutions=[f"R{k}" for k in draw(st.lists(names, min_size=1, max_size=3, unique=True))],
        stages=[_rep.RepairStage(f"ST{k}", finished=f) for k, f in enumerate(finished)],
    )


def _register_bom_types() -> None:
    st.register_type_strategy(_bom.UnitOfMeasure, units_of_measure())
    st.register_type_strategy(_bom.Bom, bom_forests().map(lambda forest: forest[0]))
    st.register_type_strategy(_rep.RepairCodes, repair_codes())
