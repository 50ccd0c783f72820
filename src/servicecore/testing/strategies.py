"""Hypothesis strategies for servicecore's public types.

Registered for ``st.from_type`` through Hypothesis' ``hypothesis`` entry point, so
``st.from_type(Money)`` works as soon as servicecore is installed.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from decimal import Decimal
from zoneinfo import ZoneInfo

import pendulum
from hypothesis import strategies as st
from pendulum.tz.timezone import Timezone

from servicecore.calendars import BusinessCalendar
from servicecore.clock import FixedClock, to_instant, to_timezone
from servicecore.money import _REGISTRY, Currency, Money
from servicecore.recurrence import Interval, Period, Recurrence, Unit, days_in_month
from servicecore.sla import (
    ClockRules,
    PriorityChange,
    ServiceLevelAgreement,
    StatusChange,
    Target,
    TargetUnit,
)
from servicecore.subscriptions import (
    Alignment,
    AlignmentKind,
    Billing,
    Proration,
    ServiceCredit,
    Subscription,
    SubscriptionGroup,
    activate,
    create_subscription,
)

__all__ = [
    "DST_ZONES",
    "SLA_STATUSES",
    "alignments",
    "aware_datetimes",
    "bom_dates",
    "bom_forests",
    "bom_lines",
    "bom_quantities",
    "bom_versions",
    "business_calendars",
    "company_ids",
    "currencies",
    "dates",
    "dst_transitions",
    "durations",
    "fees",
    "ids",
    "instants",
    "instants_near_dst",
    "intervals",
    "items",
    "journal_entries",
    "money",
    "naive_datetimes",
    "object_relations",
    "periods",
    "price_changes",
    "recurrences",
    "repair_codes",
    "repair_stages",
    "repairs",
    "revenue_entries",
    "revenue_policies",
    "rounded_money",
    "sales_prices",
    "scrap_percentages",
    "service_boms",
    "service_credits",
    "service_level_agreements",
    "service_objects",
    "status_histories",
    "subscription_groups",
    "subscriptions",
    "suspensions",
    "targets",
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


def targets(*, units: tuple[TargetUnit, ...] = tuple(TargetUnit)) -> st.SearchStrategy[Target]:
    """Targets in every unit: 1..40 hours, 1..10 days."""

    def build(unit: TargetUnit, n: int) -> Target:
        days = unit in (TargetUnit.BUSINESS_DAYS, TargetUnit.CALENDAR_DAYS)
        return Target(min(n, 10) if days else n, unit)

    return st.builds(build, st.sampled_from(units), st.integers(1, 40))


SLA_STATUSES = ("new", "in_progress", "waiting", "on_hold", "responded", "done", "cancelled")
"""Status names used by :func:`service_level_agreements` and :func:`status_histories`."""


@st.composite
def service_level_agreements(
    draw: st.DrawFn,
    *,
    company_id: str = "ACME",
    calendar: BusinessCalendar | None = None,
    with_calendar: bool = True,
) -> ServiceLevelAgreement:
    """SLAs over :data:`SLA_STATUSES` with priorities ``high``/``low``: "waiting" pauses
    resolution, "on_hold" pauses both, "responded" fulfils response, "done" both."""
    if calendar is None and with_calendar:
        calendar = draw(st.none() | business_calendars(exceptions=False))
    priorities = {p: (draw(targets()), draw(targets())) for p in ("high", "low")}
    return ServiceLevelAgreement(
        company_id=company_id,
        id=draw(st.sampled_from(["GOLD", "SILVER", "BRONZE"])),
        name="generated",
        calendar=calendar,
        targets=priorities,
        response=ClockRules(pause_statuses=["on_hold"], fulfil_statuses=["responded", "done"]),
        resolution=ClockRules(pause_statuses=["waiting", "on_hold"], fulfil_statuses=["done"]),
        cancel_statuses=["cancelled"],
        warning_thresholds=draw(st.sampled_from([(50,), (75,), (50, 90)])),
    )


@st.composite
def status_histories(
    draw: st.DrawFn,
    start: dt.datetime,
    *,
    max_size: int = 12,
    max_gap_hours: int = 60,
    statuses: tuple[str, ...] = SLA_STATUSES,
    priorities: tuple[str, ...] = ("high", "low"),
) -> list[StatusChange | PriorityChange]:
    """Time-ordered status and priority changes after ``start`` (ties allowed), with a
    breach reason on every status change so that breached clocks can always stop."""
    at = to_instant(start, "start")
    out: list[StatusChange | PriorityChange] = []
    for _ in range(draw(st.integers(0, max_size))):
        at = at + dt.timedelta(minutes=draw(st.integers(0, max_gap_hours * 60)))
        if draw(st.integers(0, 4)) == 0:
            out.append(PriorityChange(at, draw(st.sampled_from(priorities))))
        else:
            out.append(StatusChange(at, draw(st.sampled_from(statuses)), reason="late"))
    return out


def _hypothesis_setup_hook() -> None:
    """Called by Hypothesis at import (entry point ``hypothesis``): registers our types."""
    st.register_type_strategy(Currency, currencies())
    st.register_type_strategy(Money, money())
    st.register_type_strategy(pendulum.DateTime, instants())
    st.register_type_strategy(BusinessCalendar, business_calendars())
    st.register_type_strategy(ServiceLevelAgreement, service_level_agreements())
    st.register_type_strategy(pendulum.Date, dates())
    _register_subscription_types()
    _register_subscription_extras()


# -- recurrence and subscriptions ---------------------------------------------------------------
def intervals() -> st.SearchStrategy[Interval]:
    """Intervals of every unit: 1-3 days, 1-2 weeks, 1/2/3/6 months, 1-2 years."""
    return st.one_of(
        st.builds(Interval, st.just(Unit.DAY), st.integers(1, 3)),
        st.builds(Interval, st.just(Unit.WEEK), st.integers(1, 2)),
        st.builds(Interval, st.just(Unit.MONTH), st.sampled_from([1, 2, 3, 6])),
        st.builds(Interval, st.just(Unit.YEAR), st.integers(1, 2)),
    )


def _billing_dates(
    min_value: dt.date = dt.date(2000, 1, 1), max_value: dt.date = dt.date(2060, 12, 31)
) -> st.SearchStrategy[pendulum.Date]:
    """``pendulum.Date`` values, month ends and Feb 29 well represented."""
    month_ends = st.builds(
        lambda y, m: pendulum.Date(y, m, days_in_month(y, m)),
        st.integers(max(min_value.year + 1, 2001), min(max_value.year - 1, 2059)),
        st.integers(1, 12),
    )
    plain = st.dates(min_value=min_value, max_value=max_value).map(
        lambda d: pendulum.Date(d.year, d.month, d.day)
    )
    return st.one_of(plain, month_ends)


def recurrences() -> st.SearchStrategy[Recurrence]:
    """Anniversary recurrences with and without the last-day-of-month rule."""
    return st.builds(Recurrence, intervals(), _billing_dates(), st.booleans())


def periods() -> st.SearchStrategy[Period]:
    return st.builds(
        lambda d, n: Period(d, d.add(days=n)),
        _billing_dates(max_value=dt.date(2059, 1, 1)),
        st.integers(1, 400),
    )


def alignments() -> st.SearchStrategy[Alignment]:
    return st.one_of(
        st.builds(Alignment.anniversary, last_day_of_month=st.booleans()),
        st.just(Alignment.calendar()),
        st.integers(1, 31).map(Alignment.billing_day),
    )


def subscription_groups(company_id: str = "ACME") -> st.SearchStrategy[SubscriptionGroup]:
    """Valid groups: the accrual period never coarser than the invoice period (S9)."""

    def build(invoice: Interval, accrue: bool, pick: int) -> SubscriptionGroup:
        ok = [
            a
            for a in (Interval.days(1), Interval.months(1), Interval.quarters(1), Interval.years(1))
            if a.divides(invoice)
        ]
        accrual = ok[pick % len(ok)] if accrue else None
        return SubscriptionGroup(
            company_id=company_id,
            id=f"G-{invoice.unit.value}-{invoice.count}",
            invoice_interval=invoice,
            accrue_revenue=accrue,
            accrual_interval=accrual,
        )

    return st.builds(build, intervals(), st.booleans(), st.integers(0, 3))


@st.composite
def subscriptions(
    draw: st.DrawFn,
    *,
    company_id: str = "ACME",
    active: bool = True,
    currency: str | None = None,
) -> Subscription:
    """Subscriptions (active by default, no fees yet) with every billing option."""
    group = draw(subscription_groups(company_id))
    cur = Currency.of(currency) if currency is not None else draw(currencies())
    price = draw(money(cur, min_units=0, max_units=10**7))
    start = draw(_billing_dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
    end = draw(st.none() | st.integers(1, 900).map(lambda n: start.add(days=n)))
    trial = draw(st.none() | st.integers(0, 40))
    trial_end = None
    if trial is not None and (end is None or start.add(days=trial) < end):
        trial_end = start.add(days=trial)
    alignment = draw(alignments())
    if alignment.kind is AlignmentKind.BILLING_DAY and not group.invoice_interval.is_month_based:
        alignment = Alignment.calendar()
    clock = FixedClock(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    sub, _ = create_subscription(
        company_id=company_id,
        id=draw(st.from_regex(r"SUB-[0-9]{1,4}", fullmatch=True)),
        group=group,
        customer_id=draw(st.sampled_from(["C1", "C2", "C3"])),
        price=price,
        start=start,
        end=end,
        billing=draw(st.sampled_from(Billing)),
        alignment=alignment,
        proration=draw(st.sampled_from(Proration)),
        trial_end=trial_end,
        clock=clock,
    )
    if active:
        sub, _ = activate(sub, clock=clock)
    return sub


def service_credits(currency: str = "EUR") -> st.SearchStrategy[ServiceCredit]:
    return st.builds(
        ServiceCredit,
        amount=money(currency, min_units=1, max_units=10**6),
        reason=st.sampled_from(["SLA breach", "outage", "late visit"]),
        reference=st.from_regex(r"SLA-[0-9]{1,5}", fullmatch=True),
    )


def _register_subscription_types() -> None:
    st.register_type_strategy(Interval, intervals())
    st.register_type_strategy(Recurrence, recurrences())
    st.register_type_strategy(Period, periods())
    st.register_type_strategy(Alignment, alignments())
    st.register_type_strategy(SubscriptionGroup, subscription_groups())
    st.register_type_strategy(Subscription, subscriptions())
    st.register_type_strategy(ServiceCredit, service_credits())
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
    st.register_type_strategy(_bom.Item, items())
    st.register_type_strategy(_bom.BomLine, bom_lines())
    st.register_type_strategy(_bom.BomVersion, bom_versions())
    st.register_type_strategy(_bom.BomIndex, bom_forests().map(_bom.BomIndex.build))
    st.register_type_strategy(_so.ServiceObject, service_objects())
    st.register_type_strategy(_so.ServiceBom, service_boms())
    st.register_type_strategy(_so.ObjectRelation, object_relations())
    st.register_type_strategy(_rep.RepairStage, repair_stages())
    st.register_type_strategy(_rep.Repair, repairs())


# -- more BOM, service-object and repair types (registered for st.from_type) ---------------

from servicecore import service_objects as _so  # noqa: E402


def items(company_id: str = "ACME") -> st.SearchStrategy[_bom.Item]:
    """Items ``I0..I9`` and leaves ``P0..P5`` with a unit and an optional name."""
    return st.builds(
        lambda ident, uom, name: _bom.Item(company_id=company_id, id=ident, uom=uom, name=name),
        st.one_of(st.integers(0, 9).map("I{}".format), st.integers(0, 5).map("P{}".format)),
        units_of_measure(),
        st.sampled_from(["", "pump", "screw"]),
    )


def bom_lines(max_position: int = 99) -> st.SearchStrategy[_bom.BomLine]:
    """Valid lines of any shape: scrap, phantom flag and pin included."""
    return st.builds(
        _bom.BomLine,
        st.integers(1, max_position),
        st.one_of(st.integers(0, 9).map("I{}".format), st.integers(0, 5).map("P{}".format)),
        bom_quantities(),
        units_of_measure(),
        scrap_percentages(),
        st.booleans(),
        st.one_of(st.none(), st.integers(1, 3)),
    )


@st.composite
def bom_versions(draw: st.DrawFn, *, number: int = 1) -> _bom.BomVersion:
    """A version of any status with 0..4 lines (unique positions) and a valid effectivity."""
    lines = draw(st.lists(bom_lines(), max_size=4, unique_by=lambda ln: ln.position))
    start = draw(bom_dates())
    end = draw(st.one_of(st.none(), st.integers(1, 400).map(lambda n: start + dt.timedelta(n))))
    return _bom.BomVersion(number, draw(st.sampled_from(_bom.BomStatus)), start, end, lines)


@st.composite
def service_objects(
    draw: st.DrawFn, *, company_id: str = "ACME", with_service_bom: bool | None = None
) -> _so.ServiceObject:
    """Objects of item ``I0`` of a random :func:`bom_forests` forest, built on a date its
    version 1 is effective (installed the same day or later, or not at all); with a service
    BOM instantiated from that explosion when ``with_service_bom`` (default: either)."""
    forest = draw(bom_forests(company_id=company_id, max_items=4, max_lines=3))
    built = forest[0].versions[0].effective_from
    installed = draw(st.one_of(st.none(), st.integers(0, 90).map(lambda n: built.add(days=n))))
    obj = _so.ServiceObject(
        company_id=company_id,
        id=draw(ids("OBJ")),
        item_id=forest[0].id,
        serial=draw(ids("SN")),
        customer_id=draw(ids("CUST")),
        built_on=draw(st.one_of(st.just(built), st.none())) if installed else built,
        installed_on=installed,
    )
    if with_service_bom is None:
        with_service_bom = draw(st.booleans())
    if with_service_bom:
        date = obj.bom_date
        assert date is not None
        explosion = _bom.BomIndex.build(forest).explode(obj.item_id, 1, date)
        obj, _ = obj.instantiate_service_bom(explosion, at=_STRATEGY_AT)
    return obj


_STRATEGY_AT = pendulum.datetime(2024, 1, 1, 8, tz="UTC")


def service_boms() -> st.SearchStrategy[_so.ServiceBom]:
    """As-built service BOMs (no history yet) of :func:`service_objects`."""
    return service_objects(with_service_bom=True).map(_service_bom_of)


def _service_bom_of(obj: _so.ServiceObject) -> _so.ServiceBom:
    assert obj.service_bom is not None
    return obj.service_bom


def object_relations(
    company_id: str = "ACME", *, object_id: str | None = None
) -> st.SearchStrategy[_so.ObjectRelation]:
    """Relations of an object to an agreement or a service order."""
    return st.builds(
        lambda ident, obj, kind, owner: _so.ObjectRelation(
            company_id=company_id, id=ident, object_id=obj, owner_kind=kind, owner_id=owner
        ),
        ids("REL"),
        st.just(object_id) if object_id is not None else ids("OBJ"),
        st.sampled_from(_so.OwnerKind),
        ids("SO"),
    )


def repair_stages() -> st.SearchStrategy[_rep.RepairStage]:
    return st.builds(
        _rep.RepairStage,
        st.sampled_from(["OPEN", "DIAG", "WAIT", "DONE"]),
        st.sampled_from(["", "in the workshop"]),
        st.booleans(),
    )


@st.composite
def repairs(draw: st.DrawFn, *, company_id: str = "ACME") -> _rep.Repair:
    """Repairs opened through :meth:`Repair.open` on a service order's relation (codes
    drawn from :func:`repair_codes`, so they always belong to their areas), then possibly
    diagnosed, resolved and moved to another stage."""
    codes = draw(repair_codes(company_id=company_id))
    obj = draw(service_objects(company_id=company_id))
    order = draw(ids("SO"))
    relation = _so.ObjectRelation(
        company_id=company_id,
        id=draw(ids("REL")),
        object_id=obj.id,
        owner_kind=_so.OwnerKind.SERVICE_ORDER,
        owner_id=order,
    )
    opened_at = _STRATEGY_AT.add(minutes=draw(st.integers(0, 60 * 24 * 365)))

    def area_code(areas: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
        area = draw(st.one_of(st.none(), st.sampled_from(sorted(areas))))
        return {} if area is None else {"area": area, "code": draw(st.sampled_from(areas[area]))}

    symptom = area_code(codes.symptom_areas)
    repair, _ = _rep.Repair.open(
        codes,
        relation,
        obj,
        repair_id=draw(ids("R")),
        order_id=order,
        at=opened_at,
        technician=draw(st.one_of(st.none(), ids("TECH"))),
        condition=draw(
            st.one_of(st.none(), st.sampled_from(codes.conditions))
            if codes.conditions
            else st.none()
        ),
        symptom_area=symptom.get("area"),
        symptom_code=symptom.get("code"),
    )
    later = opened_at.add(minutes=draw(st.integers(0, 60 * 24 * 30)))
    if draw(st.booleans()):
        diagnosis = area_code(codes.diagnosis_areas)
        repair, _ = repair.record_codes(
            codes,
            at=later,
            diagnosis_area=diagnosis.get("area"),
            diagnosis_code=diagnosis.get("code"),
            resolution=draw(st.sampled_from(codes.resolutions)),
        )
    stage = draw(st.sampled_from(codes.stages))
    if stage.id != repair.stage_id:
        repair, _ = repair.move_to_stage(codes, stage.id, at=later)
    return repair


# -- subscriptions: fees, prices, revenue and journal entries ------------------------------

from servicecore.subscriptions import (  # noqa: E402
    CancelMode,
    CreditReversal,
    Fee,
    JournalEntry,
    PriceChange,
    RemainderPlacement,
    RevenueEntry,
    RevenuePolicy,
    SalesPrice,
    Suspension,
    add_service_credit,
    cancel,
    fee_revenue,
    generate_fees,
    plan_accruals,
)

_SUB_CLOCK = FixedClock(dt.datetime(2020, 1, 1, tzinfo=dt.UTC))


def price_changes(currency: Currency | str | None = None) -> st.SearchStrategy[PriceChange]:
    """A regular price from a date on (non-negative, rounded)."""
    return st.builds(
        PriceChange,
        _billing_dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)),
        money(currency, min_units=0, max_units=10**7),
    )


def suspensions() -> st.SearchStrategy[Suspension]:
    """Suspended days ``[start, end)``, sometimes still open (``end`` None)."""
    return st.builds(
        lambda start, days: Suspension(start, None if days is None else start.add(days=days)),
        _billing_dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)),
        st.none() | st.integers(0, 120),
    )


def sales_prices(currency: Currency | str | None = None) -> st.SearchStrategy[SalesPrice]:
    """Price-list rows (S4) of every specificity: any of category, project and
    subscription filled or a wildcard, open-ended or with a ``valid_to`` after
    ``valid_from``."""

    @st.composite
    def build(draw: st.DrawFn) -> SalesPrice:
        valid_from = draw(_billing_dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
        days = draw(st.none() | st.integers(1, 800))
        return SalesPrice(
            price=draw(money(currency, min_units=0, max_units=10**7)),
            interval=draw(intervals()),
            valid_from=valid_from,
            valid_to=None if days is None else valid_from.add(days=days),
            category=draw(st.none() | st.sampled_from(["SubCat1", "SubCat2"])),
            project_id=draw(st.none() | st.sampled_from(["P1", "P2"])),
            subscription_id=draw(st.none() | st.from_regex(r"SUB-[0-9]{1,4}", fullmatch=True)),
        )

    return build()


def revenue_policies() -> st.SearchStrategy[RevenuePolicy]:
    """Every accrual period, weighting, remainder placement and credit reversal."""
    return st.builds(
        RevenuePolicy,
        st.sampled_from(
            [Interval.days(1), Interval.months(1), Interval.quarters(1), Interval.years(1)]
        ),
        st.booleans(),
        st.sampled_from(RemainderPlacement),
        st.sampled_from(CreditReversal),
    )


@st.composite
def fees(draw: st.DrawFn, *, currency: str | None = None) -> Fee:
    """Fees as the schedule issues them (so every field is consistent): a REGULAR fee of
    a generated schedule, or a CREDIT/ADJUSTMENT of a cancellation, or a SERVICE_CREDIT."""
    sub = draw(subscriptions(currency=currency))
    days = draw(st.integers(1, 120))
    sub, _ = generate_fees(sub, sub.start, sub.billing_start.add(days=days), clock=_SUB_CLOCK)
    if draw(st.booleans()):
        on = sub.start.add(days=draw(st.integers(0, 150)))
        mode = draw(st.sampled_from(CancelMode))
        sub, _ = cancel(sub, mode, on, clock=_SUB_CLOCK, effective=on.add(days=3))
    if draw(st.booleans()):
        credit = draw(service_credits(sub.currency.code))
        sub, _ = add_service_credit(sub, credit, sub.billing_start, clock=_SUB_CLOCK)
    return draw(st.sampled_from(sub.fees))


@st.composite
def revenue_entries(draw: st.DrawFn, *, currency: str | None = None) -> RevenueEntry:
    """One revenue entry of a drawn fee under a drawn policy."""
    entries = fee_revenue(draw(fees(currency=currency)), draw(revenue_policies()))
    return draw(st.sampled_from(entries))


@st.composite
def journal_entries(draw: st.DrawFn, *, company_id: str = "ACME") -> JournalEntry:
    """Accrual lines posted as journal entries (S8/S9) from a generated schedule of a
    group that accrues revenue, both directions (credits swap the accounts)."""
    invoice = draw(st.sampled_from([Interval.months(1), Interval.quarters(1), Interval.years(1)]))
    accrual = draw(st.sampled_from([Interval.days(1), Interval.months(1)]))
    group = SubscriptionGroup(
        company_id=company_id,
        id="G-ACCRUE",
        invoice_interval=invoice,
        accrue_revenue=True,
        accrual_interval=accrual,
    )
    start = draw(_billing_dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
    sub, _ = create_subscription(
        company_id=company_id,
        id=draw(st.from_regex(r"SUB-[0-9]{1,4}", fullmatch=True)),
        group=group,
        customer_id="C1",
        price=draw(money(draw(currencies()), min_units=10_000, max_units=10**7)),
        start=start,
        alignment=draw(alignments().filter(lambda a: a.kind is not AlignmentKind.BILLING_DAY)),
        clock=_SUB_CLOCK,
    )
    sub, _ = activate(sub, clock=_SUB_CLOCK)
    sub, _ = generate_fees(sub, start, start.add(days=draw(st.integers(1, 400))), clock=_SUB_CLOCK)
    if draw(st.booleans()):  # a cancellation credits part of the schedule: negative lines
        on = start.add(days=draw(st.integers(0, 200)))
        sub, _ = cancel(sub, CancelMode.IMMEDIATE, on, clock=_SUB_CLOCK)
    entries = plan_accruals(sub, group, start.add(days=800))
    return draw(st.sampled_from(entries))


def _register_subscription_extras() -> None:
    st.register_type_strategy(PriceChange, price_changes())
    st.register_type_strategy(Suspension, suspensions())
    st.register_type_strategy(SalesPrice, sales_prices())
    st.register_type_strategy(RevenuePolicy, revenue_policies())
    st.register_type_strategy(Fee, fees())
    st.register_type_strategy(RevenueEntry, revenue_entries())
    st.register_type_strategy(JournalEntry, journal_entries())
