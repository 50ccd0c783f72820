"""Strategies for agreements, their lines, groups, templates and generation plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pendulum
from attrs import evolve
from hypothesis import strategies as st

from servicecore.agreements import (
    Agreement,
    AgreementGroup,
    AgreementLine,
    CombineBy,
    CompactPlan,
    PlannedLine,
    PlannedOrder,
    ServiceOrderPlan,
    TemplateGroup,
    TimeBand,
    TimeWindow,
    TransactionType,
    WindowKind,
    plan_service_orders_compact,
)
from servicecore.money import Currency, Money
from servicecore.testing.strategies.kernel import dates, ids
from servicecore.testing.strategies.subscriptions import intervals

__all__ = [
    "agreement_groups",
    "agreement_lines",
    "agreements",
    "compact_plans",
    "planned_lines",
    "template_groups",
    "time_bands",
    "time_windows",
]

OBJECTS = ("X-1", "X-2", "X-3")
"""The service objects every drawn agreement relates (lines pick among them)."""

TASKS = ("CLEAN", "INSPECT")
"""The service tasks every drawn agreement relates."""

_JAN_1 = pendulum.Date(2024, 1, 1)


def time_windows() -> st.SearchStrategy[TimeWindow]:
    """Week, month and manual windows (0-10 days either side)."""
    return st.one_of(
        st.just(TimeWindow.week()),
        st.just(TimeWindow.month()),
        st.builds(
            TimeWindow,
            kind=st.just(WindowKind.MANUAL),
            days_before=st.integers(0, 10),
            days_after=st.integers(0, 10),
        ),
    )


def time_bands() -> st.SearchStrategy[TimeBand]:
    """Time-of-day bands with ``start_after < end_before``."""
    return (
        st.tuples(st.integers(0, 22), st.integers(1, 23))
        .filter(lambda p: p[0] < p[1])
        .map(lambda p: TimeBand(start_after=dt.time(p[0]), end_before=dt.time(p[1])))
    )


def _prices(currency: str) -> st.SearchStrategy[Money]:
    return st.integers(0, 100_000).map(lambda units: Money.from_minor(units, currency))


@st.composite
def agreement_lines(
    draw: st.DrawFn,
    currency: str = "EUR",
    *,
    start: pendulum.Date = _JAN_1,
    days: int = 366,
) -> AgreementLine:
    """Valid lines in ``currency``, with optional validity inside ``start + days``."""
    first = draw(st.none() | st.integers(0, days).map(lambda n: start.add(days=n)))
    last = None
    if draw(st.booleans()):
        base = first or start
        last = base.add(days=draw(st.integers(0, days)))
    return AgreementLine(
        id=draw(ids("L")),
        transaction_type=draw(st.sampled_from(list(TransactionType))),
        quantity=Decimal(draw(st.integers(1, 40))),
        cost_price=draw(_prices(currency)),
        sales_price=draw(_prices(currency)),
        worker_id=draw(st.none() | st.sampled_from(["W-1", "W-2"])),
        service_object_id=draw(st.none() | st.sampled_from(OBJECTS)),
        service_task_id=draw(st.none() | st.sampled_from(TASKS)),
        interval=draw(st.none() | intervals()),
        time_window=draw(st.none() | time_windows()),
        time_band=draw(st.none() | time_bands()),
        start=first,
        end=last,
        stopped=draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
    )


@st.composite
def agreements(draw: st.DrawFn, *, company_id: str = "ACME", max_lines: int = 4) -> Agreement:
    """Valid agreements (relations to :data:`OBJECTS` and :data:`TASKS`) with uniquely
    numbered lines, sometimes suspended, a template or open-ended."""
    currency = draw(st.sampled_from(["EUR", "USD"]))
    start = draw(dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 12, 31)))
    end = draw(st.none() | st.integers(0, 800).map(lambda n: start.add(days=n)))
    lines = draw(st.lists(agreement_lines(currency, start=start), max_size=max_lines))
    lines = [evolve(line, id=str(n)) for n, line in enumerate(lines, start=1)]
    return Agreement(
        company_id=company_id,
        id=draw(ids("AG")),
        customer_id=draw(ids("C")),
        group_id=draw(st.sampled_from(["STD", "GOLD"])),
        currency=Currency.of(currency),
        start=start,
        end=end,
        suspended=draw(st.booleans().map(lambda b: b and draw(st.booleans()))),
        combine_by=draw(st.sampled_from(list(CombineBy))),
        sla_id=draw(st.none() | st.just("GOLD")),
        template_group_id=draw(st.sampled_from([None, None, None, "TPL"])),
        service_object_ids=OBJECTS,
        service_task_ids=TASKS,
        lines=tuple(lines),
    )


def agreement_groups() -> st.SearchStrategy[AgreementGroup]:
    """Agreement groups, some with a default SLA."""
    return st.builds(
        AgreementGroup, company_id=st.just("ACME"), id=ids("G"), sla_id=st.none() | ids("SLA")
    )


def template_groups() -> st.SearchStrategy[TemplateGroup]:
    """Template groups, roots or children."""
    return st.builds(
        TemplateGroup, company_id=st.just("ACME"), id=ids("TG"), parent_id=st.none() | ids("TG")
    )


def planned_lines() -> st.SearchStrategy[PlannedLine]:
    """Planned lines of agreement AG-1 in EUR."""
    return st.builds(
        PlannedLine,
        agreement_id=st.just("AG-1"),
        agreement_line_id=ids("L"),
        calculated_date=dates(),
        transaction_type=st.sampled_from(list(TransactionType)),
        quantity=st.integers(1, 10).map(Decimal),
        cost_price=_prices("EUR"),
        sales_price=_prices("EUR"),
        time_band=st.none() | time_bands(),
    )


def _planned_orders() -> st.SearchStrategy[PlannedOrder]:
    return st.builds(
        PlannedOrder,
        agreement_id=st.just("AG-1"),
        customer_id=ids("C"),
        combine_key=st.just("agreement:AG-1"),
        preferred_date=dates(),
        currency=st.just("EUR"),
        lines=st.lists(planned_lines(), min_size=1, max_size=3).map(tuple),
    )


def compact_plans() -> st.SearchStrategy[CompactPlan]:
    """Compact plans of one or two drawn agreements over 2024."""
    return st.lists(agreements(), min_size=1, max_size=2, unique_by=lambda a: a.id).map(
        lambda ags: plan_service_orders_compact(
            ags, pendulum.Date(2024, 1, 1), pendulum.Date(2024, 12, 31)
        )
    )


def register() -> None:
    """Register the agreement types (and the plan values) for ``st.from_type``."""
    st.register_type_strategy(Agreement, agreements())
    st.register_type_strategy(AgreementLine, agreement_lines())
    st.register_type_strategy(AgreementGroup, agreement_groups())
    st.register_type_strategy(TemplateGroup, template_groups())
    st.register_type_strategy(TimeWindow, time_windows())
    st.register_type_strategy(TimeBand, time_bands())
    st.register_type_strategy(PlannedLine, planned_lines())
    st.register_type_strategy(CompactPlan, compact_plans())
    st.register_type_strategy(PlannedOrder, _planned_orders())
    st.register_type_strategy(
        ServiceOrderPlan,
        st.builds(
            ServiceOrderPlan,
            start=dates(),
            end=dates(),
            orders=st.lists(_planned_orders(), max_size=2).map(tuple),
        ),
    )
