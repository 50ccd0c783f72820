"""Strategies for service orders, their lines and generation keys."""

from __future__ import annotations

from decimal import Decimal

from attrs import evolve
from hypothesis import strategies as st

from servicecore.agreements.plan import TransactionType
from servicecore.money import Currency, Money
from servicecore.orders import (
    GeneratedLineKey,
    LineStatus,
    OrderLine,
    ServiceOrder,
    Stage,
    StageTree,
)
from servicecore.testing.strategies.agreements import time_bands
from servicecore.testing.strategies.kernel import dates, ids, instants

__all__ = ["DEFAULT_STAGES", "order_lines", "service_orders"]

DEFAULT_STAGES = StageTree.define(
    [
        Stage(id="new", can_delete=True),
        Stage(id="in_progress", parent="new"),
        Stage(id="on_hold", parent="in_progress", stops_sla_clock=True, requires_reason=True),
        Stage(id="done", parent="in_progress", can_post=True, can_delete=False),
        Stage(id="closed", parent="done", can_modify=False, can_cancel=False, can_delete=False),
    ]
)
"""A small stage tree: new -> in_progress -> (on_hold | done -> closed)."""


def _prices(currency: str) -> st.SearchStrategy[Money]:
    return st.integers(0, 100_000).map(lambda units: Money.from_minor(units, currency))


def order_lines(currency: str = "EUR") -> st.SearchStrategy[OrderLine]:
    """Order lines with prices in ``currency`` and positive quantities."""
    return st.builds(
        OrderLine,
        id=ids("L"),
        transaction_type=st.sampled_from(list(TransactionType)),
        quantity=st.integers(1, 40).map(Decimal),
        cost_price=_prices(currency),
        sales_price=_prices(currency),
        status=st.sampled_from(list(LineStatus)),
        worker_id=st.none() | ids("W"),
        agreement_line_id=st.none() | ids("AL"),
        calculated_date=st.none() | dates(),
        time_band=st.none() | time_bands(),
    )


@st.composite
def service_orders(draw: st.DrawFn, *, company_id: str = "ACME") -> ServiceOrder:
    """Service orders in :data:`DEFAULT_STAGES` with uniquely numbered lines."""
    currency = draw(st.sampled_from(["EUR", "USD"]))
    lines = draw(st.lists(order_lines(currency), max_size=4))
    lines = [evolve(line, id=str(n)) for n, line in enumerate(lines, start=1)]
    return ServiceOrder(
        company_id=company_id,
        id=draw(ids("SO")),
        customer_id=draw(ids("C")),
        currency=Currency.of(currency),
        stage=draw(st.sampled_from(sorted(DEFAULT_STAGES.stages))),
        agreement_id=draw(st.none() | ids("AG")),
        priority=draw(st.none() | st.sampled_from(["high", "low"])),
        preferred_service_time=draw(st.none() | instants()),
        sla_id=draw(st.none() | ids("SLA")),
        lines=tuple(lines),
        created_at=draw(instants()),
    )


def register() -> None:
    """Register :class:`ServiceOrder`, :class:`OrderLine` and :class:`GeneratedLineKey`."""
    st.register_type_strategy(ServiceOrder, service_orders())
    st.register_type_strategy(OrderLine, order_lines())
    st.register_type_strategy(
        GeneratedLineKey,
        st.builds(
            GeneratedLineKey,
            company_id=st.just("ACME"),
            id=ids("K"),
            order_id=ids("SO"),
            line_id=ids("L"),
        ),
    )
