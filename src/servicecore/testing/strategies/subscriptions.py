"""Strategies for recurrence and subscriptions: groups, subscriptions, fees, prices, revenue."""

from __future__ import annotations

import datetime as dt

import pendulum
from hypothesis import strategies as st

from servicecore.clock import FixedClock
from servicecore.money import Currency
from servicecore.recurrence import Interval, Period, Recurrence, Unit, days_in_month
from servicecore.subscriptions import (
    Alignment,
    AlignmentKind,
    Billing,
    CancelMode,
    CreditReversal,
    Fee,
    InvoiceCredit,
    InvoicePayment,
    JournalEntry,
    OverdueAction,
    PriceChange,
    Proration,
    RemainderPlacement,
    RevenueEntry,
    RevenuePolicy,
    SalesPrice,
    Subscription,
    SubscriptionGroup,
    Suspension,
    activate,
    add_service_credit,
    cancel,
    create_subscription,
    fee_revenue,
    generate_fees,
    plan_accruals,
)
from servicecore.testing.strategies.kernel import (
    currencies,
    money,
)

__all__ = [
    "alignments",
    "fees",
    "intervals",
    "invoice_payments",
    "journal_entries",
    "periods",
    "price_changes",
    "recurrences",
    "revenue_entries",
    "revenue_policies",
    "sales_prices",
    "service_credits",
    "subscription_groups",
    "subscriptions",
    "suspensions",
]


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

    def build(
        invoice: Interval, accrue: bool, pick: int, dunning: tuple[int, OverdueAction, int, int]
    ) -> SubscriptionGroup:
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
            grace_days=dunning[0],
            overdue_action=dunning[1],
            invoice_lead_days=dunning[2],
            invoice_offset_days=dunning[3],
        )

    dunning = st.tuples(
        st.integers(0, 30),
        st.sampled_from(OverdueAction),
        st.sampled_from([0, 0, 1, 10, 31]),
        st.sampled_from([0, 0, 1, 5]),
    )
    return st.builds(build, intervals(), st.booleans(), st.integers(0, 3), dunning)


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
        at=clock.now(),
    )
    if active:
        sub, _ = activate(sub, at=clock.now())
    return sub


def service_credits(currency: str = "EUR") -> st.SearchStrategy[InvoiceCredit]:
    return st.builds(
        InvoiceCredit,
        amount=money(currency, min_units=1, max_units=10**6),
        reason=st.sampled_from(["SLA breach", "outage", "late visit"]),
        reference=st.from_regex(r"SLA-[0-9]{1,5}", fullmatch=True),
    )


def invoice_payments() -> st.SearchStrategy[InvoicePayment]:
    """Host invoices: due on or after the invoice date, unpaid or paid on or after it."""

    @st.composite
    def build(draw: st.DrawFn) -> InvoicePayment:
        day = draw(_billing_dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
        paid = draw(st.none() | st.integers(0, 90).map(lambda n: day.add(days=n)))
        return InvoicePayment(
            invoice_date=day, due=day.add(days=draw(st.integers(0, 60))), paid_on=paid
        )

    return build()


def _register_subscription_types() -> None:
    st.register_type_strategy(Interval, intervals())
    st.register_type_strategy(Recurrence, recurrences())
    st.register_type_strategy(Period, periods())
    st.register_type_strategy(Alignment, alignments())
    st.register_type_strategy(SubscriptionGroup, subscription_groups())
    st.register_type_strategy(Subscription, subscriptions())
    st.register_type_strategy(InvoiceCredit, service_credits())
    st.register_type_strategy(InvoicePayment, invoice_payments())


# -- subscriptions: fees, prices, revenue and journal entries ------------------------------


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
    sub, _ = generate_fees(sub, sub.start, sub.billing_start.add(days=days), at=_SUB_CLOCK.now())
    if draw(st.booleans()):
        on = sub.start.add(days=draw(st.integers(0, 150)))
        mode = draw(st.sampled_from(CancelMode))
        sub, _ = cancel(sub, mode, on, at=_SUB_CLOCK.now(), effective=on.add(days=3))
    if draw(st.booleans()):
        credit = draw(service_credits(sub.currency.code))
        sub, _ = add_service_credit(sub, credit, sub.billing_start, at=_SUB_CLOCK.now())
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
        at=_SUB_CLOCK.now(),
    )
    sub, _ = activate(sub, at=_SUB_CLOCK.now())
    sub, _ = generate_fees(
        sub, start, start.add(days=draw(st.integers(1, 400))), at=_SUB_CLOCK.now()
    )
    if draw(st.booleans()):  # a cancellation credits part of the schedule: negative lines
        on = start.add(days=draw(st.integers(0, 200)))
        sub, _ = cancel(sub, CancelMode.IMMEDIATE, on, at=_SUB_CLOCK.now())
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


def register() -> None:
    """Register recurrence and subscription types for ``st.from_type``."""
    _register_subscription_types()
    _register_subscription_extras()
