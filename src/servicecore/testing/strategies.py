"""Hypothesis strategies for servicecore's public types.

Registered for ``st.from_type`` through Hypothesis' ``hypothesis`` entry point, so
``st.from_type(Money)`` works as soon as servicecore is installed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
from hypothesis import strategies as st

from servicecore.clock import FixedClock, to_instant
from servicecore.money import _REGISTRY, Currency, Money
from servicecore.recurrence import Interval, Period, Recurrence, Unit, days_in_month
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
    "alignments",
    "aware_datetimes",
    "currencies",
    "dates",
    "durations",
    "instants",
    "intervals",
    "money",
    "naive_datetimes",
    "periods",
    "recurrences",
    "rounded_money",
    "service_credits",
    "subscription_groups",
    "subscriptions",
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
    _register_subscription_types()


# -- recurrence and subscriptions ---------------------------------------------------------------
def intervals() -> st.SearchStrategy[Interval]:
    """Intervals of every unit: 1-3 days, 1-2 weeks, 1/2/3/6 months, 1-2 years."""
    return st.one_of(
        st.builds(Interval, st.just(Unit.DAY), st.integers(1, 3)),
        st.builds(Interval, st.just(Unit.WEEK), st.integers(1, 2)),
        st.builds(Interval, st.just(Unit.MONTH), st.sampled_from([1, 2, 3, 6])),
        st.builds(Interval, st.just(Unit.YEAR), st.integers(1, 2)),
    )


def dates(
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
    return st.builds(Recurrence, intervals(), dates(), st.booleans())


def periods() -> st.SearchStrategy[Period]:
    return st.builds(
        lambda d, n: Period(d, d.add(days=n)),
        dates(max_value=dt.date(2059, 1, 1)),
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
    start = draw(dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
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
